"""Children-missing-education referrals to the local authority, and their outcomes."""

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
class CmeReferral:
    id: int | None
    pupil_id: int
    referred_on: date
    last_seen: date | None
    days_unexplained: int
    early_reason: str = ""  # why it was made before the school's day count
    la_contact: str = ""
    details: dict = field(default_factory=dict)  # what the form said (contacts tried, visits, ...)
    form_file: str = ""
    form_sha256: str = ""
    outcome: str = ""
    outcome_on: date | None = None
    outcome_note: str = ""
    by_user: str = ""
    recorded_at: str = ""


def _from_row(row: sqlite3.Row) -> CmeReferral:
    data = {f.name: row["at" if f.name == "recorded_at" else f.name] for f in fields(CmeReferral)}
    for key in ("referred_on", "last_seen", "outcome_on"):
        data[key] = date.fromisoformat(data[key]) if data[key] else None
    data["details"] = json.loads(data["details"] or "{}")
    data["recorded_at"] = local_text(data["recorded_at"]) or ""
    return CmeReferral(**data)


class CmeRepo:
    def __init__(self, store: Store):
        self.store = store

    def add(self, referral: CmeReferral) -> int:
        row = {
            f.name: getattr(referral, f.name)
            for f in fields(referral)
            if f.name not in ("id", "recorded_at")
        }
        for key in ("referred_on", "last_seen", "outcome_on"):
            row[key] = row[key].isoformat() if row[key] else None
        row["details"] = json.dumps(row["details"], ensure_ascii=False)
        row["at"] = now_iso()
        with self.store.write():
            return self.store.insert_id(
                f"INSERT INTO cme_referrals({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            )

    def set_form(self, referral_id: int, path: str, sha256: str) -> None:
        with self.store.write():
            self.store.execute(
                "UPDATE cme_referrals SET form_file = ?, form_sha256 = ? WHERE id = ?",
                (path, sha256, referral_id),
            )

    def set_outcome(self, referral_id: int, outcome: str, on: date, note: str) -> None:
        with self.store.write():
            self.store.execute(
                "UPDATE cme_referrals SET outcome = ?, outcome_on = ?, outcome_note = ? WHERE id = ?",
                (outcome, on.isoformat(), note, referral_id),
            )

    def by_id(self, referral_id: int) -> CmeReferral | None:
        rows = self.store.query("SELECT * FROM cme_referrals WHERE id = ?", (referral_id,))
        return _from_row(rows[0]) if rows else None

    def for_pupil(self, pupil_id: int) -> list[CmeReferral]:
        rows = self.store.query(
            "SELECT * FROM cme_referrals WHERE pupil_id = ? ORDER BY referred_on, id", (pupil_id,)
        )
        return [_from_row(r) for r in rows]

    def open_referrals(self) -> dict[int, CmeReferral]:
        """Each pupil's latest referral, for Today's line."""
        rows = self.store.query("SELECT * FROM cme_referrals ORDER BY referred_on, id")
        return {r["pupil_id"]: _from_row(r) for r in rows}
