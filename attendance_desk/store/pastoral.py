"""Part-time timetables and their reviews, medical evidence and the attendance lead's decisions on
illness without it, and early help offered in writing with the family's answer."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from attendance_desk.domain.part_time import Timetable, TimetableReview, parse_sessions
from attendance_desk.domain.pastoral import EarlyHelpOffer, IllnessDecision, MedicalEvidence
from attendance_desk.store.db import local_text, now_iso

if TYPE_CHECKING:
    import sqlite3

    from attendance_desk.store.db import Store


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _timetable(r: sqlite3.Row) -> Timetable:
    return Timetable(
        id=r["id"],
        pupil_id=r["pupil_id"],
        starts=date.fromisoformat(r["starts"]),
        review_on=date.fromisoformat(r["review_on"]),
        attends=parse_sessions(r["attends"]),
        provision=parse_sessions(r["provision"]),
        provision_by=r["provision_by"],
        provision_name=r["provision_name"],
        reason=r["reason"],
        agreed_with=r["agreed_with"],
        la_notified_on=_day(r["la_notified_on"]),
        ends=_day(r["ends"]),
        end_reason=r["end_reason"],
        by_user=r["by_user"],
        recorded_at=local_text(r["at"]) or "",
    )


class PastoralRepo:
    def __init__(self, store: Store):
        self.store = store

    # ---- part-time timetables -----------------------------------------------------------
    def add_timetable(self, t: Timetable) -> int:
        from attendance_desk.domain.part_time import sessions_text

        with self.store.write():
            return self.store.insert_id(
                "INSERT INTO part_time_timetables(pupil_id, starts, review_on, attends, provision, "
                "provision_by, provision_name, reason, agreed_with, la_notified_on, by_user, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    t.pupil_id,
                    t.starts.isoformat(),
                    t.review_on.isoformat(),
                    sessions_text(t.attends),
                    sessions_text(t.provision),
                    t.provision_by,
                    t.provision_name,
                    t.reason,
                    t.agreed_with,
                    _iso(t.la_notified_on),
                    t.by_user,
                    now_iso(),
                ),
            )

    def timetable(self, timetable_id: int) -> Timetable | None:
        rows = self.store.query("SELECT * FROM part_time_timetables WHERE id = ?", (timetable_id,))
        return _timetable(rows[0]) if rows else None

    def timetables(self, pupil_id: int | None = None) -> list[Timetable]:
        if pupil_id is None:
            rows = self.store.query("SELECT * FROM part_time_timetables ORDER BY starts, id")
        else:
            rows = self.store.query(
                "SELECT * FROM part_time_timetables WHERE pupil_id = ? ORDER BY starts, id",
                (pupil_id,),
            )
        return [_timetable(r) for r in rows]

    def timetables_between(
        self, start: date, end: date, pupil_ids: Iterable[int] | None = None
    ) -> list[Timetable]:
        rows = self.store.query(
            "SELECT * FROM part_time_timetables WHERE starts <= ? AND (ends IS NULL OR ends >= ?) "
            "ORDER BY starts, id",
            (end.isoformat(), start.isoformat()),
        )
        result = [_timetable(r) for r in rows]
        if pupil_ids is not None:
            wanted = set(pupil_ids)
            result = [t for t in result if t.pupil_id in wanted]
        return result

    def set_timetable(self, timetable_id: int, **values) -> None:
        columns = {"review_on", "la_notified_on", "ends", "end_reason"}
        assert set(values) <= columns
        sets = ", ".join(f"{k} = ?" for k in values)
        params = [v.isoformat() if isinstance(v, date) else v for v in values.values()]
        with self.store.write():
            self.store.execute(
                f"UPDATE part_time_timetables SET {sets} WHERE id = ?", [*params, timetable_id]
            )

    def add_review(self, r: TimetableReview) -> int:
        with self.store.write():
            return self.store.insert_id(
                "INSERT INTO part_time_reviews(timetable_id, pupil_id, held_on, outcome, next_review, "
                "by_user, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    r.timetable_id,
                    r.pupil_id,
                    r.held_on.isoformat(),
                    r.outcome,
                    _iso(r.next_review),
                    r.by_user,
                    now_iso(),
                ),
            )

    def reviews(self, timetable_id: int) -> list[TimetableReview]:
        rows = self.store.query(
            "SELECT * FROM part_time_reviews WHERE timetable_id = ? ORDER BY held_on, id",
            (timetable_id,),
        )
        return [
            TimetableReview(
                r["id"],
                r["timetable_id"],
                r["pupil_id"],
                date.fromisoformat(r["held_on"]),
                r["outcome"],
                _day(r["next_review"]),
                r["by_user"],
            )
            for r in rows
        ]

    # ---- medical evidence ----------------------------------------------------------------
    def add_evidence(self, e: MedicalEvidence) -> int:
        with self.store.write():
            return self.store.insert_id(
                "INSERT INTO medical_evidence(pupil_id, received_on, what, from_whom, dated, "
                "covers_from, covers_to, notes, by_user, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    e.pupil_id,
                    e.received_on.isoformat(),
                    e.what,
                    e.from_whom,
                    e.dated.isoformat(),
                    e.covers_from.isoformat(),
                    e.covers_to.isoformat(),
                    e.notes,
                    e.by_user,
                    now_iso(),
                ),
            )

    def evidence(self, pupil_ids: Iterable[int] | None = None) -> list[MedicalEvidence]:
        rows = self.store.query("SELECT * FROM medical_evidence ORDER BY covers_from, id")
        wanted = set(pupil_ids) if pupil_ids is not None else None
        return [
            MedicalEvidence(
                r["id"],
                r["pupil_id"],
                date.fromisoformat(r["received_on"]),
                r["what"],
                r["from_whom"],
                date.fromisoformat(r["dated"]),
                date.fromisoformat(r["covers_from"]),
                date.fromisoformat(r["covers_to"]),
                r["notes"],
                r["by_user"],
            )
            for r in rows
            if wanted is None or r["pupil_id"] in wanted
        ]

    def add_decision(self, d: IllnessDecision) -> int:
        with self.store.write():
            return self.store.insert_id(
                "INSERT INTO illness_decisions(pupil_id, date, session, decision, reason, by_user, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    d.pupil_id,
                    d.day.isoformat(),
                    d.session,
                    d.decision,
                    d.reason,
                    d.by_user,
                    now_iso(),
                ),
            )

    def decisions(self, pupil_ids: Iterable[int] | None = None) -> list[IllnessDecision]:
        rows = self.store.query("SELECT * FROM illness_decisions ORDER BY date, session, id")
        wanted = set(pupil_ids) if pupil_ids is not None else None
        return [
            IllnessDecision(
                r["id"],
                r["pupil_id"],
                date.fromisoformat(r["date"]),
                r["session"],
                r["decision"],
                r["reason"],
                r["by_user"],
                local_text(r["at"]) or "",
            )
            for r in rows
            if wanted is None or r["pupil_id"] in wanted
        ]

    # ---- early help ---------------------------------------------------------------------
    def add_offer(self, o: EarlyHelpOffer) -> int:
        with self.store.write():
            return self.store.insert_id(
                "INSERT INTO early_help_offers(pupil_id, offered_on, what, letter_refs, by_user, at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (o.pupil_id, o.offered_on.isoformat(), o.what, o.letter_refs, o.by_user, now_iso()),
            )

    def set_answer(self, offer_id: int, answer: str, answered_on: date, note: str, by: str) -> None:
        with self.store.write():
            self.store.execute(
                "UPDATE early_help_offers SET answer = ?, answered_on = ?, answer_note = ?, "
                "answered_by = ? WHERE id = ?",
                (answer, answered_on.isoformat(), note, by, offer_id),
            )

    def offers(self, pupil_id: int | None = None) -> list[EarlyHelpOffer]:
        rows = self.store.query(
            "SELECT * FROM early_help_offers"
            + (" WHERE pupil_id = ?" if pupil_id is not None else "")
            + " ORDER BY offered_on, id",
            (pupil_id,) if pupil_id is not None else (),
        )
        return [
            EarlyHelpOffer(
                r["id"],
                r["pupil_id"],
                date.fromisoformat(r["offered_on"]),
                r["what"],
                r["letter_refs"],
                r["answer"],
                _day(r["answered_on"]),
                r["answer_note"],
                r["by_user"],
                r["answered_by"],
            )
            for r in rows
        ]

    def offer(self, offer_id: int) -> EarlyHelpOffer | None:
        return next((o for o in self.offers() if o.id == offer_id), None)
