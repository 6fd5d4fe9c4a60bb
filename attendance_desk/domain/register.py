"""Register entries as plain values: a mark, a mark to be written, a history entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time


@dataclass(frozen=True)
class Mark:
    pupil_id: int
    date: date
    session: str
    code: str
    minutes_late: int | None = None
    comment: str | None = None
    source: str = "manual"
    recorded_by: str = ""
    recorded_at: str = ""
    version: int = 1


MarkRow = tuple[int, str, str, str, "int | None"]  # pupil id, ISO date, session, code, minutes late


@dataclass(frozen=True)
class NewMark:
    pupil_id: int
    date: date
    session: str
    code: str
    minutes_late: int | None = None

    def as_row(self) -> MarkRow:
        return self.pupil_id, self.date.isoformat(), self.session, self.code, self.minutes_late


@dataclass(frozen=True)
class HistoryEntry:
    pupil_id: int
    date: date
    session: str
    old_code: str
    new_code: str
    old_minutes_late: int | None
    new_minutes_late: int | None
    old_recorded_by: str | None
    old_recorded_at: str | None
    reason: str
    changed_by: str
    changed_at: str
    direct: bool


def late_code(arrived: time, opens: time, closes: time) -> tuple[str, int]:
    """The code a late arrival gets, and the minutes late (from when the register opened).

    School Attendance (Pupil Registration) (England) Regulations 2024, reg. 10: L, "late arrival
    before the register has closed", is attendance; U, arrived after the register closed, is
    unauthorised absence although the pupil is in school. The close time is the school's policy."""
    if arrived < opens:
        raise ValueError(
            f"{arrived:%H:%M} is before the register opens at {opens:%H:%M}: the pupil was not late"
        )
    minutes = int(
        (datetime.combine(date.min, arrived) - datetime.combine(date.min, opens)).total_seconds()
        // 60
    )
    return ("L" if arrived <= closes else "U"), minutes
