"""A first slice of the services on both engines (docs/server.md, step 5): the same school on a
school file and on a server database opened as the application's role (tests/engines.py), then a
register saved, a mark amended, a late arrival, a stage confirmed, a letter issued (sealed), posted
and another voided, a stale amendment refused; each use case with its audit entry, and every chain
verified at the end, with nothing written outside the app."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

import pytest

from attendance_desk.domain.calendar import SchoolCalendar
from attendance_desk.domain.calls import Phone
from attendance_desk.domain.people import Contact, Link
from attendance_desk.services import letters, marks, registers, stages, users
from attendance_desk.services.school import ServiceError
from attendance_desk.store import chain
from tests.helpers import CLOSURES, TERMS, add_pupil, put_marks, sessions

CAL = SchoolCalendar(TERMS, CLOSURES)
TODAY = date(2024, 11, 20)  # a Wednesday
ABSENT = list(CAL.school_days(date(2024, 10, 7), date(2024, 10, 11)))


def _school(store):
    store.settings.save_school(
        replace(store.settings.school(), head_teacher="Mrs J. Harwood", address="School Lane")
    )
    amy = add_pupil(store, 1, forename="Amy")
    ben = add_pupil(store, 2, forename="Ben")
    recorded = sessions(date(2024, 9, 3), date(2024, 11, 19), "/", calendar=CAL)
    for day in ABSENT:  # five days of unauthorised absence: over stage 1 (4 days)
        recorded[(day, "AM")] = recorded[(day, "PM")] = "O"
    put_marks(store, amy, recorded)
    put_marks(store, ben, sessions(date(2024, 9, 3), date(2024, 11, 19), "/", calendar=CAL))
    mum = store.contacts.add(
        Contact(
            None,
            "Sarah Surname",
            address="1 Mill Lane",
            postcode="NB1 2AB",
            phones=(Phone("mobile", "07700 900001"),),
        )
    )
    store.contacts.link(Link(amy.id, mum, "Mother", True, 1))
    users.add_user(store, "", "admin", "admin", "a long sentence of a password")
    users.add_user(store, "admin", "lead", "lead", "another long sentence here")
    return amy, ben


def test_a_day_of_the_attendance_office_on_both_engines(school_on, tmp_path):
    store = school_on
    amy, ben = _school(store)
    # the register for today's morning: Amy not here yet (N), Ben present
    registers.save_register(
        store, "4A", {(amy.id, TODAY, "AM"): "N", (ben.id, TODAY, "AM"): "/"}, {}, "", "lead", TODAY
    )
    assert store.marks.get(amy.id, TODAY, "AM").code == "N"
    assert store.marks.registers_taken(TODAY, "AM")["4A"][0] == "lead"
    # mum rings: ill; then Ben arrives late in the afternoon
    before, after = marks.amend_mark(
        store, amy.upn, TODAY, "AM", "I", "mum rang: flu", "lead", None, 1
    )
    assert (before.code, after.code, after.version) == ("N", "I", 2)
    with pytest.raises(ServiceError, match="changed by lead"):  # a stale edit is refused as such
        marks.amend_mark(store, amy.upn, TODAY, "AM", "M", "dentist", "lead", None, 1)
    _, late, suggested = marks.record_late_arrival(
        store, ben.upn, TODAY, "PM", time(13, 10), "lead"
    )
    assert late.code == suggested and late.minutes_late
    history = store.marks.history(amy.id, TODAY)
    assert [(h.old_code, h.new_code, h.reason) for h in history] == [("N", "I", "mum rang: flu")]
    # stage 1 and its letter: issued (sealed), posted; a second one voided
    stages.record_step(store, amy.upn, "entered", TODAY, "lead", "stage1", "weekly review")
    letters.make_letters(store, "stage1", [amy], TODAY, "lead", tmp_path / "s1.pdf")
    letters.make_letters(
        store, "stage1", [amy], TODAY, "lead", tmp_path / "again.pdf", override_reason="resent"
    )
    first, second = store.letters.for_pupil(amy.id)
    letters.record_posted(store, first.id, TODAY, "lead", today=TODAY)
    letters.void_letter(store, second.id, "sent to the wrong address", "lead", TODAY)
    actions = [e.action for e in store.audit.entries()]
    for action in ("amend mark", "late arrival"):
        assert action in actions
    problems, results = chain.chain_problems(store.engine)
    assert problems == []
    rows = {r.table: r.rows for r in results}
    assert rows["mark_history"] == 1 and rows["letters"] == 2 and rows["audit"] >= 8
    assert all(r.head_hash for r in results)
    assert chain.mark_problems(store.engine) == []
    assert store.marks.week_count_drift() == [] and store.marks.year_count_drift() == []
