"""Meetings (SAM, review, planning) and parenting contracts / attendance improvement plans."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from attendance_desk.domain.records import Meeting, Plan
from attendance_desk.store.db import local_text, now_iso

if TYPE_CHECKING:
    import sqlite3

    from attendance_desk.store.db import Store

R = TypeVar("R", Meeting, Plan)


_DATES = {"held_on", "target_from", "target_to", "review_date", "starts", "ends"}


def _to_row(item: Meeting | Plan) -> dict:
    row = {
        f.name: getattr(item, f.name) for f in fields(item) if f.name not in ("id", "recorded_at")
    }
    for key, value in row.items():
        if key in _DATES and value is not None:
            row[key] = value.isoformat()
        elif isinstance(value, bool):
            row[key] = int(value)
    row["at"] = now_iso()
    return row


def _from_row(cls: type[R], row: sqlite3.Row) -> R:
    data = {f.name: row["at" if f.name == "recorded_at" else f.name] for f in fields(cls)}
    if "recorded_at" in data:
        data["recorded_at"] = local_text(data["recorded_at"]) or ""
    for key in _DATES & data.keys():
        data[key] = date.fromisoformat(data[key]) if data[key] else None
    for key in ("parent_attended", "target_met"):
        if key in data and data[key] is not None:
            data[key] = bool(data[key])
    return cls(**data)


class MeetingRepo:
    def __init__(self, store: Store):
        self.store = store

    def _insert(self, table: str, item: Meeting | Plan) -> int:
        row = _to_row(item)
        with self.store.write():
            return self.store.insert_id(
                f"INSERT INTO {table}({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            )

    def add_meeting(self, meeting: Meeting) -> int:
        return self._insert("meetings", meeting)

    def meetings(self, pupil_id: int) -> list[Meeting]:
        rows = self.store.query(
            "SELECT * FROM meetings WHERE pupil_id = ? ORDER BY held_on, id", (pupil_id,)
        )
        return [_from_row(Meeting, r) for r in rows]

    def meeting(self, meeting_id: int) -> Meeting | None:
        rows = self.store.query("SELECT * FROM meetings WHERE id = ?", (meeting_id,))
        return _from_row(Meeting, rows[0]) if rows else None

    def reviews_due(self, on_or_before: date) -> list[Meeting]:
        """Meetings with a review date reached and no review recorded."""
        rows = self.store.query(
            "SELECT m.* FROM meetings m WHERE m.review_date <= ? AND NOT EXISTS "
            "(SELECT 1 FROM meetings r WHERE r.reviews_meeting_id = m.id) ORDER BY m.review_date",
            (on_or_before.isoformat(),),
        )
        return [_from_row(Meeting, r) for r in rows]

    def add_plan(self, plan: Plan) -> int:
        return self._insert("plans", plan)

    def plan(self, plan_id: int) -> Plan | None:
        rows = self.store.query("SELECT * FROM plans WHERE id = ?", (plan_id,))
        return _from_row(Plan, rows[0]) if rows else None

    def plans(self, pupil_id: int) -> list[Plan]:
        rows = self.store.query(
            "SELECT * FROM plans WHERE pupil_id = ? ORDER BY starts, id", (pupil_id,)
        )
        return [_from_row(Plan, r) for r in rows]
