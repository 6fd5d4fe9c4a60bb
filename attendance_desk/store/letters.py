"""The letter log."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from attendance_desk.store.db import now_iso

if TYPE_CHECKING:
    from attendance_desk.store.db import Store


@dataclass(frozen=True)
class LetterRecord:
    id: int
    pupil_id: int
    template: str
    stage_key: str | None
    contact_id: int | None
    addressee: str
    address: str
    figures: dict
    text: str
    generated_at: str
    posted_on: date | None
    sha256: str
    file: str
    page: int
    by_user: str


class LetterRepo:
    def __init__(self, store: Store):
        self.store = store

    def log(self, pupil_id: int, template: str, stage_key: str | None, contact_id: int | None, addressee: str,
            address: str, figures: dict, text: str, sha256: str, file: str, page: int, by: str) -> int:
        with self.store.write() as db:
            return db.execute(
                "INSERT INTO letters(pupil_id, template, stage_key, contact_id, addressee, address, figures, text, "
                "generated_at, sha256, file, page, by_user) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (pupil_id, template, stage_key, contact_id, addressee, address, json.dumps(figures), text,
                 now_iso(), sha256, file, page, by),
            ).lastrowid

    def mark_posted(self, letter_id: int, day: date) -> bool:
        with self.store.write() as db:
            return db.execute("UPDATE letters SET posted_on = ? WHERE id = ?", (day.isoformat(), letter_id)).rowcount > 0

    def for_pupil(self, pupil_id: int) -> list[LetterRecord]:
        rows = self.store.query("SELECT * FROM letters WHERE pupil_id = ? ORDER BY generated_at, id", (pupil_id,))
        return [
            LetterRecord(
                id=r["id"], pupil_id=r["pupil_id"], template=r["template"], stage_key=r["stage_key"],
                contact_id=r["contact_id"], addressee=r["addressee"], address=r["address"],
                figures=json.loads(r["figures"]), text=r["text"], generated_at=r["generated_at"],
                posted_on=date.fromisoformat(r["posted_on"]) if r["posted_on"] else None, sha256=r["sha256"],
                file=r["file"], page=r["page"], by_user=r["by_user"],
            )
            for r in rows
        ]

    def stages_written(self, stage_key: str) -> set[int]:
        """Pupils who already have a letter for this stage."""
        return {r[0] for r in self.store.query("SELECT DISTINCT pupil_id FROM letters WHERE stage_key = ?", (stage_key,))}
