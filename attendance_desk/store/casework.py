"""The casework chronology: every contact with a family (first-day calls included)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from attendance_desk.domain.records import CaseworkEntry
from attendance_desk.store.db import now_iso, read_time, stored_time

if TYPE_CHECKING:
    from attendance_desk.store.db import Store


class CaseworkRepo:
    def __init__(self, store: Store):
        self.store = store

    def add(self, entry: CaseworkEntry) -> int:
        with self.store.write():
            recorded = stored_time(entry.recorded_at) if entry.recorded_at else now_iso()
            return self.store.insert_id(
                "INSERT INTO casework(pupil_id, at, kind, by_user, with_whom, contact_id, outcome, "
                "contact_made, notes, recorded_at, recorded_by, late_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.pupil_id,
                    stored_time(entry.at),
                    entry.kind,
                    entry.by_user,
                    entry.with_whom,
                    entry.contact_id,
                    entry.outcome,
                    int(entry.contact_made),
                    entry.notes,
                    recorded,
                    entry.recorded_by or entry.by_user,
                    entry.late_reason,
                ),
            )

    def entry(self, entry_id: int) -> CaseworkEntry | None:
        rows = self.store.query("SELECT pupil_id FROM casework WHERE id = ?", (entry_id,))
        if not rows:
            return None
        return next((e for e in self.for_pupil(rows[0][0]) if e.id == entry_id), None)

    def for_pupil(self, pupil_id: int) -> list[CaseworkEntry]:
        rows = self.store.query(
            "SELECT * FROM casework WHERE pupil_id = ? ORDER BY at, id", (pupil_id,)
        )
        return [
            CaseworkEntry(
                id=r["id"],
                pupil_id=r["pupil_id"],
                at=read_time(r["at"]),
                kind=r["kind"],
                by_user=r["by_user"],
                with_whom=r["with_whom"],
                contact_id=r["contact_id"],
                outcome=r["outcome"],
                contact_made=bool(r["contact_made"]),
                notes=r["notes"],
                recorded_at=read_time(r["recorded_at"]) if r["recorded_at"] else None,
                recorded_by=r["recorded_by"],
                late_reason=r["late_reason"],
            )
            for r in rows
        ]

    def last_contact_dates(self, up_to: date) -> dict[int, date]:
        """Each pupil's latest day on which the family was actually reached, on or before `up_to`."""
        if self.store.engine.name != "sqlite":  # this PC's local day, which the server does not
            # know (SQLite's 'localtime' is the PC's): the moments read and turned into days here
            latest: dict[int, date] = {}
            for pupil_id, at in self.store.query(
                "SELECT pupil_id, at FROM casework WHERE contact_made = 1 AND at < ?",
                ((up_to + timedelta(days=2)).isoformat(),),  # a day's margin for any offset
            ):
                day = read_time(at).date()
                if day <= up_to and day > latest.get(pupil_id, date.min):
                    latest[pupil_id] = day
            return latest
        rows = self.store.query(
            "SELECT pupil_id, MAX(date(at, 'localtime')) FROM casework WHERE contact_made = 1 "
            "AND date(at, 'localtime') <= ? GROUP BY pupil_id",
            (up_to.isoformat(),),
        )
        return {r[0]: date.fromisoformat(r[1]) for r in rows}
