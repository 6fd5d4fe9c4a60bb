"""`check`: is the file sound, and does every mark's history hold together?"""

from __future__ import annotations

from dataclasses import dataclass, field

from attendance_desk.services.school import codes
from attendance_desk.store.db import Store, integrity_problems


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    marks: int = 0
    amendments: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def check_school(store: Store) -> CheckReport:
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
    direct = store.marks.direct_changes()
    if direct:
        report.warnings.append(
            f"{direct} mark change(s) were made outside Attendance Desk with no reason recorded "
            "(kept in the history, flagged as direct)"
        )
    return report
