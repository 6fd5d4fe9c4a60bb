"""`check`: is the file sound, and does every mark's history hold together?

SQLite's own check of the file is `quick_check` by default (every page read, the structure of every
table and index checked: seconds on a large file) and the full `integrity_check` with `full` (also
every index entry compared with its table: about 25 times longer). The full check runs on demand
(`check --full`, File → Check the school file… in the window) and weekly in the window's background;
when it last ran to the end is kept in the file (`full_check_due`)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from attendance_desk.domain.calendar import (
    academic_year_bounds,
    academic_year_label,
    academic_year_of,
)
from attendance_desk.domain.progress import Progress
from attendance_desk.presentation import weekday_dmy
from attendance_desk.services.figures import due_through, missing_sessions_of, pupil_figures
from attendance_desk.services.letters import letter_file_problems
from attendance_desk.services.school import ServiceError, codes
from attendance_desk.store import chain
from attendance_desk.store.backup import verify_copy
from attendance_desk.store.db import Store, StoreError

FULL_CHECK_EVERY = timedelta(days=7)
# progress of a check, out of 1000: SQLite's check of the file first, then the app's own checks
STRUCTURE_SHARE = {False: 300, True: 850}


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
    full: bool = False  # SQLite's full integrity_check (else quick_check)
    on_server: bool = False  # the school's database on a server: no file to check page by page

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def how(self) -> str:
        """Which of SQLite's checks was run, in words."""
        if self.on_server:
            return (
                ("full" if self.full else "quick")
                + " check of the school's database on its server: the schema, triggers, chains and "
                "marks"
                + (", and every week's and year's counts against the marks" if self.full else "")
                + " (the server's own files and indexes are the server's to check: data "
                "checksums, amcheck and IT's dumps)"
            )
        if self.full:
            return (
                "full check: SQLite's integrity_check (every page, and every index entry against its "
                "table)"
            )
        return (
            "quick check: SQLite's quick_check (every page and the structure of every table and "
            "index; 'check --full' also compares every index entry with its table)"
        )


def check_school(
    store: Store,
    now: datetime | None = None,
    against: Path | None = None,
    full: bool = False,
    progress: Progress | None = None,
) -> CheckReport:
    """`now` (default: the clock) decides which registers have closed, so an empty register that is
    still open is not reported as missing. With `against` (a backup), also what changed outside
    Attendance Desk since that backup was made. With `full`, SQLite's full integrity_check instead of
    quick_check. `progress(done, 1000)` may raise Cancelled (the check stops at once; it writes
    nothing either way). On a server there is no file: SQLite's page checks have no counterpart
    (the server's own), and `against` (a backup file) is refused."""
    if against is not None and store.engine.name != "sqlite":
        raise ServiceError(
            "check --against compares a school file with a backup of it; this school is on a "
            "server, whose backups are IT's (pg_dump): check it without --against, or compare a "
            "copy made with copy-to"
        )
    with store.engine.cancellable(progress):
        return _check(store, now, against, full, progress)


def _check(
    store: Store,
    now: datetime | None,
    against: Path | None,
    full: bool,
    progress: Progress | None,
) -> CheckReport:
    report = CheckReport(full=full, on_server=store.engine.name != "sqlite")
    share = STRUCTURE_SHARE[full]

    def step(done: int) -> None:
        if progress is not None:
            progress(done, 1000)

    report.problems += [
        f"integrity: {p}" for p in store.engine.integrity_problems(full, progress, 0, share, 1000)
    ]
    report.problems += [f"foreign key: {p}" for p in store.engine.foreign_key_problems()]
    step(share + 20)
    report.problems += store.marks.history_chain_problems()
    report.problems += tamper_problems(store, report)
    report.problems += week_count_problems(store, full)
    step(share + 60)
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
    step(share + (1000 - share) // 3)
    report.missing_marks, report.missing = missing_marks_by_register(store, now)
    step(share + 2 * (1000 - share) // 3)
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
    step(1000)
    return report


def full_check_due(store: Store, now: datetime | None = None) -> bool:
    """Has the full integrity check not run to the end in FULL_CHECK_EVERY (or ever) on this file?"""
    last = store.settings.last_full_check()
    if not last:
        return True
    try:
        at = datetime.fromisoformat(last["at"]).astimezone()
    except (KeyError, TypeError, ValueError):
        return True
    return (now or datetime.now()).astimezone() - at >= FULL_CHECK_EVERY


def last_full_check(store: Store) -> dict | None:
    """When the full check last ran to the end, by whom, and how many problems it found."""
    return store.settings.last_full_check()


def full_check(
    store: Store,
    by: str = "",
    now: datetime | None = None,
    progress: Progress | None = None,
    against: Path | None = None,
) -> CheckReport:
    """The full check (integrity_check and the app's own checks), recorded in the file with its audit
    entry when it runs to the end (not when cancelled). A file that cannot be written to (busy,
    read-only) still gets its report, with a warning that the run was not recorded."""
    report = check_school(store, now, against, full=True, progress=progress)
    at = datetime.now().astimezone().isoformat(timespec="seconds")  # `now` may be a fixed test day
    who = by or "(weekly check)"
    try:
        with store.write():
            store.settings.save_last_full_check(
                {"at": at, "by": who, "problems": len(report.problems)}
            )
            store.audit.log(
                who,
                "full check of the school's database"
                if report.on_server
                else "full check of the school file",
                store.where,
                "no problems" if report.ok else f"{len(report.problems)} problem(s)",
            )
    except StoreError as exc:
        report.warnings.append(f"this full check could not be recorded in the file: {exc}")
    return report


def week_count_problems(store: Store, full: bool) -> list[str]:
    """The marks counted by pupil, week and code (`mark_week_counts`) and by pupil, school year and
    code (`mark_year_counts`), which the whole-school figures read: kept by the marks' own
    transactions, so they differ from the marks only after an edit outside Attendance Desk. The
    quick check sees the switch that sets the counting aside left on; the full check recounts every
    week from the marks and every year from the weeks."""
    problems = []
    if store.marks.counting_set_aside():
        problems.append(
            "figures: the counting of new marks by week is switched off (mark_counts_by_statement "
            "has a row): the file was edited outside Attendance Desk"
        )
    if full:
        drift = store.marks.week_count_drift()
        for pid, week, code, counted, kept in drift[:10]:
            problems.append(
                f"figures: pupil {pid}, week of {week}, code '{code}': {counted} mark(s) but "
                f"{kept} counted for the figures (edited outside Attendance Desk)"
            )
        if len(drift) > 10:
            problems.append(f"figures: {len(drift) - 10} more week(s) counted wrongly")
        by_year = store.marks.year_count_drift()
        for pid, year, code, counted, kept in by_year[:10]:
            problems.append(
                f"figures: pupil {pid}, school year {academic_year_label(year)}, code '{code}': "
                f"{counted} mark(s) but {kept} counted for the figures (edited outside "
                "Attendance Desk)"
            )
        if len(by_year) > 10:
            problems.append(f"figures: {len(by_year) - 10} more year(s) counted wrongly")
    return problems


def tamper_problems(store: Store, report: CheckReport) -> list[str]:
    """Edits made outside Attendance Desk: the hash chains (mark history, audit, letter log), the
    safeguard triggers and the tables, marks changed with no history, users changed with no audit."""
    conn = store.engine
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
            f"{group or 'no class'} {weekday_dmy(day)} {session}: {len(names)} without a mark ({shown})"
        )
    if len(lines) > limit:
        lines = lines[:limit] + [f"… and {len(lines) - limit} more registers"]
    return total, lines
