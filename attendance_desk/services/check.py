"""`check`: is the file sound, and does every mark's history hold together?"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from attendance_desk.domain.calendar import academic_year_bounds, academic_year_of
from attendance_desk.services.figures import due_through, missing_sessions_of, pupil_figures
from attendance_desk.services.letters import letter_file_problems
from attendance_desk.services.school import codes
from attendance_desk.store import chain
from attendance_desk.store.backup import verify_copy
from attendance_desk.store.db import Store, integrity_problems


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    marks: int = 0
    amendments: int = 0
    missing: list[str] = field(
        default_factory=list
    )  # registers with missing marks, by class and session
    missing_marks: int = 0
    notes: list[str] = field(default_factory=list)  # what changed since a backup (check --against)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_school(
    store: Store, now: datetime | None = None, against: Path | None = None
) -> CheckReport:
    """`now` (default: the clock) decides which registers have closed, so an empty register that is
    still open is not reported as missing. With `against` (a backup), also what changed outside
    Attendance Desk since that backup was made."""
    report = CheckReport()
    report.problems += [f"integrity: {p}" for p in integrity_problems(store)]
    report.problems += store.marks.history_chain_problems()
    report.problems += tamper_problems(store, report)
    report.marks = store.marks.count()
    report.amendments = store.marks.history_count()
    table = codes()
    span = store.marks.date_range()
    if span:
        counts: dict[tuple[int, str], int] = {}
        for _, era, code, n in store.marks.code_counts(*span, table.era_boundaries()):
            counts[(era, code)] = counts.get((era, code), 0) + n
        for (era, code), n in sorted(counts.items()):
            if code not in table.sets[era].codes:
                report.problems.append(
                    f"{n} mark(s) use '{code}', which is not a code of the {table.sets[era].title}"
                )
    report.missing_marks, report.missing = missing_marks_by_register(store, now)
    if report.missing_marks:
        report.problems.append(
            f"{report.missing_marks} missing mark(s): sessions the school met with pupils on roll "
            "and no mark (listed below by class and session); complete the registers"
        )
    report.problems += letter_file_problems(store)[1]  # every logged letter's file, by its SHA-256
    direct = store.marks.direct_changes()
    if direct:
        report.warnings.append(
            f"{direct} mark change(s) were made outside Attendance Desk with no reason recorded "
            "(kept in the history, flagged as direct)"
        )
    if against is not None:
        check_against(store, against, report)
    return report


def tamper_problems(store: Store, report: CheckReport) -> list[str]:
    """Edits made outside Attendance Desk: the hash chains (mark history, audit, letter log), the
    safeguard triggers and the tables, marks changed with no history, users changed with no audit."""
    conn = store.conn
    problems, warnings = chain.schema_problems(conn)
    report.warnings += warnings
    found, _ = chain.chain_problems(conn)
    problems += found
    problems += chain.mark_problems(conn)
    problems += chain.users_problems(conn)
    return problems


def check_against(store: Store, backup: Path, report: CheckReport) -> None:
    """Add to `report` what changed in the school file outside Attendance Desk since `backup`."""
    backup = Path(backup)
    unusable = verify_copy(backup)
    if unusable:
        report.problems.append(f"cannot compare with the backup: {unusable[0]}")
        return
    recorded = None
    record = chain.heads_path(backup)
    if record.exists():
        try:
            recorded = json.loads(record.read_text(encoding="utf-8"))["heads"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            report.problems.append(
                f"the record of chain heads beside the backup ({record.name}) cannot be read: {exc}"
            )
    problems, notes = chain.against_backup(str(store.path), str(backup), recorded)
    report.problems += problems
    report.notes += [f"since {backup.name}: {n}" for n in notes]


def missing_marks_by_register(
    store: Store, now: datetime | None = None, limit: int = 200
) -> tuple[int, list[str]]:
    """Missing marks in every academic year that has marks, up to the last register closed, grouped
    by class and session ("4A Tue 03/09/2024 AM: 2 without a mark: …"). Reads each year's figures
    in one pass, then lists sessions only for the pupils that have missing marks."""
    span = store.marks.date_range()
    if not span:
        return 0, []
    due = due_through(store, now)
    end = due[0]  # to the last register closed, not only to the last mark
    if end < span[0]:
        return 0, []
    total = 0
    by_register: dict[tuple[date, str, str], list[str]] = defaultdict(list)
    for year in range(academic_year_of(span[0]), academic_year_of(end) + 1):
        first, last = academic_year_bounds(year)
        first, last = max(first, span[0]), min(last, end)
        if first > last:
            continue
        gaps = [row for row in pupil_figures(store, first, last, due=due) if row.figures.missing]
        total += sum(row.figures.missing for row in gaps)
        listed = missing_sessions_of(store, [row.pupil for row in gaps], first, last, due)
        for row in gaps:
            for day, session in listed.get(row.pupil.id, []):
                by_register[(day, session, row.pupil.reg_group)].append(row.pupil.name)
    lines = []
    for (day, session, group), names in sorted(
        by_register.items(), key=lambda kv: (kv[0][2], kv[0][0], kv[0][1])
    ):
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        lines.append(
            f"{group or 'no class'} {day:%a %d/%m/%Y} {session}: {len(names)} without a mark ({shown})"
        )
    if len(lines) > limit:
        lines = lines[:limit] + [f"… and {len(lines) - limit} more registers"]
    return total, lines
