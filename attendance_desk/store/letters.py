"""The letter log: each issued letter with its number, what it said, to whom and where, the file it
is kept in (and the page) with that file's SHA-256, when it was posted, and whether it was voided."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

from attendance_desk.domain.records import LetterRecord, NewLetter
from attendance_desk.store.chain import last_id, seal, seal_letter_state
from attendance_desk.store.db import local_text, now_iso

if TYPE_CHECKING:
    import sqlite3

    from attendance_desk.store.db import Store


def _record(r: sqlite3.Row) -> LetterRecord:
    return LetterRecord(
        id=r["id"],
        pupil_id=r["pupil_id"],
        template=r["template"],
        stage_key=r["stage_key"],
        contact_id=r["contact_id"],
        addressee=r["addressee"],
        address=r["address"],
        figures=json.loads(r["figures"]),
        text=r["text"],
        generated_at=local_text(r["generated_at"]),
        posted_on=date.fromisoformat(r["posted_on"]) if r["posted_on"] else None,
        sha256=r["sha256"],
        file=r["file"],
        page=r["page"],
        by_user=r["by_user"],
        number=r["number"] or r["id"],
        letter_date=date.fromisoformat(r["letter_date"] or local_text(r["generated_at"])[:10]),
        details=json.loads(r["details"] or "{}"),
        override_reason=r["override_reason"] or "",
        overridden=r["overridden"] or "",
        void_reason=r["void_reason"] or "",
        voided_by=r["voided_by"] or "",
        voided_at=local_text(r["voided_at"]) or "",
    )


class LetterRepo:
    def __init__(self, store: Store):
        self.store = store

    def next_number(self) -> int:
        """The next number of the school's letter sequence; call inside the write that logs the letters."""
        return (self.store.query("SELECT COALESCE(MAX(number), 0) FROM letters")[0][0] or 0) + 1

    def log_issued(
        self, letter: NewLetter, number: int, sha256: str, file: str, page: int, by: str
    ) -> int:
        with self.store.write():
            after = last_id(self.store.engine, "letters")
            row_id = self.store.insert_id(
                "INSERT INTO letters(pupil_id, template, stage_key, contact_id, addressee, address, figures, text, "
                "generated_at, sha256, file, page, by_user, number, letter_date, details, override_reason, overridden) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    letter.pupil_id,
                    letter.template,
                    letter.stage_key,
                    letter.contact_id,
                    letter.addressee,
                    letter.address,
                    json.dumps(letter.figures),
                    letter.text,
                    now_iso(),
                    sha256,
                    file,
                    page,
                    by,
                    number,
                    letter.letter_date.isoformat(),
                    json.dumps(letter.details),
                    letter.override_reason,
                    letter.overridden,
                ),
            )
            seal(self.store.engine, "letters", after)
            return row_id

    def mark_posted(self, letter_id: int, day: date) -> bool:
        with self.store.write():
            done = (
                self.store.execute(
                    "UPDATE letters SET posted_on = ? WHERE id = ?", (day.isoformat(), letter_id)
                ).rowcount
                > 0
            )
            seal_letter_state(self.store.engine, letter_id=letter_id)
            return done

    def void(self, letter_id: int, reason: str, by: str) -> bool:
        """Mark an issued letter void; it stays in the log (a trigger refuses to void it twice)."""
        with self.store.write():
            done = (
                self.store.execute(
                    "UPDATE letters SET void_reason = ?, voided_by = ?, voided_at = ? WHERE id = ? AND void_reason IS NULL",
                    (reason, by, now_iso(), letter_id),
                ).rowcount
                > 0
            )
            seal_letter_state(self.store.engine, letter_id=letter_id)
            return done

    def by_id(self, letter_id: int) -> LetterRecord | None:
        rows = self.store.query("SELECT * FROM letters WHERE id = ?", (letter_id,))
        return _record(rows[0]) if rows else None

    def by_number(self, number: int) -> LetterRecord | None:
        rows = self.store.query("SELECT * FROM letters WHERE COALESCE(number, id) = ?", (number,))
        return _record(rows[0]) if rows else None

    def for_pupil(self, pupil_id: int) -> list[LetterRecord]:
        rows = self.store.query(
            "SELECT * FROM letters WHERE pupil_id = ? ORDER BY generated_at, id", (pupil_id,)
        )
        return [_record(r) for r in rows]

    def files(self) -> list[tuple[int, int, str, int, str, bool]]:
        """(id, number, file, page, sha256, void) of every logged letter, for `check`."""
        rows = self.store.query(
            "SELECT id, COALESCE(number, id), file, page, sha256, void_reason IS NOT NULL "
            "FROM letters ORDER BY id"
        )
        return [(r[0], r[1], r[2], r[3], r[4], bool(r[5])) for r in rows]

    def stage_letters_issued(self, stage_key: str, pupil_ids: list[int]) -> dict[int, tuple]:
        """For these pupils, the first letter (not voided) of this stage each has: (number, by,
        generated_at) by pupil id."""
        if not pupil_ids:
            return {}
        marks = ", ".join("?" * len(pupil_ids))
        rows = self.store.query(
            "SELECT pupil_id, COALESCE(number, id), by_user, generated_at FROM letters "
            f"WHERE stage_key = ? AND void_reason IS NULL AND pupil_id IN ({marks}) "
            "ORDER BY generated_at DESC, id DESC",
            (stage_key, *pupil_ids),
        )
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def stages_written(self, stage_key: str) -> set[int]:
        """Pupils who already have a letter (not voided) for this stage."""
        return {
            r[0]
            for r in self.store.query(
                "SELECT DISTINCT pupil_id FROM letters WHERE stage_key = ? AND void_reason IS NULL",
                (stage_key,),
            )
        }
