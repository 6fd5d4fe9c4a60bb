"""Penalty-notice cases: each step a row (notice to improve, request, issued, paid, unpaid,
withdrawn, prosecution referral), a case's rows sharing `case_id`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import date
from typing import TYPE_CHECKING

from attendance_desk.store.db import local_text, now_iso

if TYPE_CHECKING:
    import sqlite3

    from attendance_desk.store.db import Store


@dataclass(frozen=True)
class PenaltyStep:
    id: int | None
    case_id: int | None  # None for the first step of a new case (it becomes its own id)
    pupil_id: int
    contact_id: int | None
    parent: str
    step: str
    occurred_on: date
    improvement_ends: date | None = None
    la_reference: str = ""
    amount: int | None = None  # pounds
    reduced_amount: int | None = None
    reduced_by: date | None = None
    pay_by: date | None = None
    figures: dict = field(default_factory=dict)
    evidence: dict = field(default_factory=dict)
    note: str = ""
    by_user: str = ""
    recorded_at: str = ""


_DATES = ("occurred_on", "improvement_ends", "reduced_by", "pay_by")
_JSON = ("figures", "evidence")


def _from_row(row: sqlite3.Row) -> PenaltyStep:
    data = {f.name: row["at" if f.name == "recorded_at" else f.name] for f in fields(PenaltyStep)}
    for key in _DATES:
        data[key] = date.fromisoformat(data[key]) if data[key] else None
    for key in _JSON:
        data[key] = json.loads(data[key] or "{}")
    data["recorded_at"] = local_text(data["recorded_at"]) or ""
    return PenaltyStep(**data)


class PenaltyRepo:
    def __init__(self, store: Store):
        self.store = store

    def add(self, step: PenaltyStep) -> int:
        row = {
            f.name: getattr(step, f.name)
            for f in fields(step)
            if f.name not in ("id", "recorded_at")
        }
        for key in _DATES:
            row[key] = row[key].isoformat() if row[key] else None
        for key in _JSON:
            row[key] = json.dumps(row[key], ensure_ascii=False)
        row["at"] = now_iso()
        with self.store.write():
            new_id = self.store.insert_id(
                f"INSERT INTO penalty_steps({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            )
            if step.case_id is None:
                self.store.execute("UPDATE penalty_steps SET case_id = id WHERE id = ?", (new_id,))
            return new_id

    def by_id(self, step_id: int) -> PenaltyStep | None:
        rows = self.store.query("SELECT * FROM penalty_steps WHERE id = ?", (step_id,))
        return _from_row(rows[0]) if rows else None

    def case(self, case_id: int) -> list[PenaltyStep]:
        rows = self.store.query(
            "SELECT * FROM penalty_steps WHERE case_id = ? ORDER BY occurred_on, id", (case_id,)
        )
        return [_from_row(r) for r in rows]

    def for_pupil(self, pupil_id: int) -> list[PenaltyStep]:
        rows = self.store.query(
            "SELECT * FROM penalty_steps WHERE pupil_id = ? ORDER BY occurred_on, id", (pupil_id,)
        )
        return [_from_row(r) for r in rows]

    def all(self) -> list[PenaltyStep]:
        rows = self.store.query("SELECT * FROM penalty_steps ORDER BY occurred_on, id")
        return [_from_row(r) for r in rows]
