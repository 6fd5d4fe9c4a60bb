"""`check`: is the file sound, and does every mark's history hold together?"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from attendance_desk.domain.calendar import academic_year_bounds, academic_year_of
from attendance_desk.services.figures import due_through, missing_sessions, pupil_figures
from attendance_desk.services.letters import letter_file_problems
from attendance_desk.services.school import codes
from attendance_desk.store.db import Store, integrity_problems


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    marks: int = 0
    amendments: int = 0
    missing: list[str] = field(default_factory=list)  # registers with missing marks, by class and session
    missing_marks: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def check_school(store: Store, now: datetime | None = None) -> CheckReport:
    """`now` (default: the clock) decides which registers have closed, so an empty register that is
    still open is not reported as missing."""
    report = CheckReport()
    report.problems += [f"integrity: {p}" for p in integrity_problems(store)]
    report.problems += store.marks.history_chain_problems()
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
    return report


def missing_marks_by_register(store: Store, now: datetime | None = None, limit: int = 200) -> tuple[int, list[str]]:
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
        for row in pupil_figures(store, first, last, due=due):
            if not row.figures.missing:
                continue
            total += row.figures.missing
            for day, session in missing_sessions(store, row.pupil, row.start, row.end, due):
                by_register[(day, session, row.pupil.reg_group)].append(row.pupil.name)
    lines = []
    for (day, session, group), names in sorted(by_register.items(), key=lambda kv: (kv[0][2], kv[0][0], kv[0][1])):
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        lines.append(f"{group or 'no class'} {day:%a %d/%m/%Y} {session}: {len(names)} without a mark ({shown})")
    if len(lines) > limit:
        lines = lines[:limit] + [f"… and {len(lines) - limit} more registers"]
    return total, lines
