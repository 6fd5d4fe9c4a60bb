"""Register entries as plain values: a mark, a mark to be written, a history entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


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
