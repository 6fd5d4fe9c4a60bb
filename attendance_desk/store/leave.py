"""Leave-of-absence requests and their decisions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import date
from typing import TYPE_CHECKING

from attendance_desk.domain.leave import LeaveRequest
from attendance_desk.store.db import now_iso

if TYPE_CHECKING:
    import sqlite3

    from attendance_desk.store.db import Store

_DATES = ("first_date", "last_date", "received_on", "deadline", "decided_on")
_COLUMNS = [f.name for f in fields(LeaveRequest) if f.name != "id"]


def _from_row(row: sqlite3.Row) -> LeaveRequest:
    data = {f.name: row[f.name] for f in fields(LeaveRequest)}
    for key in _DATES:
        data[key] = date.fromisoformat(data[key]) if data[key] else None
    return LeaveRequest(**data)


class LeaveRepo:
    def __init__(self, store: Store):
        self.store = store

    def add(self, request: LeaveRequest) -> int:
        row = {k: getattr(request, k) for k in _COLUMNS}
        for key in _DATES:
            row[key] = row[key].isoformat() if row[key] else None
        row["at"] = now_iso()
        with self.store.write():
            new_id = self.store.insert_id(
                f"INSERT INTO leave_requests({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            )
            if request.family_ref is None:
                self.store.execute(
                    "UPDATE leave_requests SET family_ref = id WHERE id = ?", (new_id,)
                )
            return new_id

    def by_id(self, request_id: int) -> LeaveRequest | None:
        rows = self.store.query("SELECT * FROM leave_requests WHERE id = ?", (request_id,))
        return _from_row(rows[0]) if rows else None

    def family(self, family_ref: int) -> list[LeaveRequest]:
        rows = self.store.query(
            "SELECT * FROM leave_requests WHERE family_ref = ? ORDER BY id", (family_ref,)
        )
        return [_from_row(r) for r in rows]

    def for_pupil(self, pupil_id: int) -> list[LeaveRequest]:
        rows = self.store.query(
            "SELECT * FROM leave_requests WHERE pupil_id = ? ORDER BY first_date, id", (pupil_id,)
        )
        return [_from_row(r) for r in rows]

    def pending(self) -> list[LeaveRequest]:
        rows = self.store.query(
            "SELECT * FROM leave_requests WHERE status = 'pending' ORDER BY deadline, id"
        )
        return [_from_row(r) for r in rows]

    def all(self) -> list[LeaveRequest]:
        rows = self.store.query("SELECT * FROM leave_requests ORDER BY received_on, id")
        return [_from_row(r) for r in rows]

    def overlapping(
        self, start: date, end: date, pupil_ids: Iterable[int] | None = None
    ) -> list[LeaveRequest]:
        """Granted or refused requests whose dates meet [start, end]."""
        sql = (
            "SELECT * FROM leave_requests WHERE status IN ('granted', 'refused') "
            "AND first_date <= ? AND last_date >= ?"
        )
        params: list = [end.isoformat(), start.isoformat()]
        rows = self.store.query(sql + " ORDER BY id", params)
        result = [_from_row(r) for r in rows]
        if pupil_ids is not None:
            wanted = set(pupil_ids)
            result = [r for r in result if r.pupil_id in wanted]
        return result

    def decide(
        self,
        request_id: int,
        status: str,
        decided_on: date,
        decided_by: str,
        exceptional_reason: str,
        note: str,
    ) -> None:
        with self.store.write():
            self.store.execute(
                "UPDATE leave_requests SET status = ?, decided_on = ?, decided_by = ?, "
                "exceptional_reason = ?, decision_note = ? WHERE id = ?",
                (status, decided_on.isoformat(), decided_by, exceptional_reason, note, request_id),
            )

    def add_letters(self, request_id: int, references: str) -> None:
        with self.store.write():
            self.store.execute(
                "UPDATE leave_requests SET letters = CASE WHEN letters = '' THEN ? "
                "ELSE letters || ', ' || ? END WHERE id = ?",
                (references, references, request_id),
            )
