"""Saving a register refuses, naming the pupil and the session, what may not be entered yet or does
not fit the pupil: a session whose register has not opened (a later day, or today's PM before the
school's PM register opens) takes only the codes entered ahead; Z never for a pupil on roll; X never
for a pupil of compulsory school age (domain/mark_rules.py). Nothing is saved when any is refused."""

from datetime import date, datetime, time

import pytest

from attendance_desk.services.registers import register_clock, save_register
from attendance_desk.services.school import ServiceError
from tests.helpers import add_pupil, make_school

TODAY = date(2024, 11, 20)  # a Wednesday; the school's registers open 08:45 (AM) and 13:00 (PM)
THURSDAY = date(2024, 11, 21)


def at(hh_mm: str) -> datetime:
    return datetime.combine(TODAY, time.fromisoformat(hh_mm))


@pytest.fixture
def store(tmp_path):
    s = make_school(tmp_path)
    yield s
    s.close()


def test_which_registers_have_opened_by_the_clock_and_the_school_times(store):
    assert register_clock(store, TODAY, at("05:55")).opened == (date(2024, 11, 19), "PM")
    assert register_clock(store, TODAY, at("08:45")).opened == (TODAY, "AM")
    assert register_clock(store, TODAY, at("12:59")).opened == (TODAY, "AM")
    assert register_clock(store, TODAY, at("13:00")).opened == (TODAY, "PM")
    # a day given for display (a demo, --today): every register of that day is open, as due_on has it
    assert register_clock(store, TODAY, datetime(2026, 11, 26, 5, 55)).opened == (TODAY, "PM")


def test_todays_pm_register_is_refused_before_it_opens_naming_pupil_and_session(store):
    amy = add_pupil(store, 1, forename="Amy", surname="Able", reg_group="4A")
    with pytest.raises(ServiceError) as refused:
        save_register(
            store, "4A", {(amy.id, TODAY, "PM"): "\\"}, {}, "", "office", TODAY, now=at("05:55")
        )
    assert str(refused.value) == (
        "Amy Able, Wed 20/11/2024 PM: the PM register for 20/11/2024 has not opened yet "
        "(it opens at 13:00): only codes such as M, C or # can be entered ahead, not \\. "
        "Nothing was saved."
    )
    assert store.marks.count() == 0
    # today's AM before 08:45 too
    with pytest.raises(ServiceError, match="AM register for 20/11/2024 has not opened yet"):
        save_register(
            store, "4A", {(amy.id, TODAY, "AM"): "/"}, {}, "", "office", TODAY, now=at("08:44")
        )
    # an appointment may be entered ahead (DfE: M "can be entered in advance")
    assert save_register(
        store, "4A", {(amy.id, TODAY, "PM"): "M"}, {}, "", "office", TODAY, now=at("05:55")
    ) == (1, 0)
    # once the register has opened, the present mark is taken
    assert save_register(
        store, "4A", {(amy.id, TODAY, "AM"): "/"}, {}, "", "office", TODAY, now=at("08:45")
    ) == (1, 0)


def test_a_later_day_is_refused_and_one_refusal_saves_nothing(store):
    amy = add_pupil(store, 1, forename="Amy", surname="Able", reg_group="4A")
    ben = add_pupil(store, 2, forename="Ben", surname="Brook", reg_group="4A")
    new = {
        (amy.id, TODAY, "AM"): "/",
        (ben.id, THURSDAY, "AM"): "/",
        (ben.id, THURSDAY, "PM"): "N",
    }
    with pytest.raises(ServiceError) as refused:
        save_register(store, "4A", new, {}, "", "office", TODAY, now=at("14:00"))
    assert str(refused.value).startswith(
        "Ben Brook, Thu 21/11/2024 AM: 21/11/2024 is in the future: only codes such as M, C or # "
        "can be entered ahead, not /"
    )
    assert "(and 1 more refused)" in str(refused.value) and store.marks.count() == 0


def test_z_is_refused_for_a_pupil_on_roll_and_allowed_before_admission(store):
    amy = add_pupil(store, 1, forename="Amy", surname="Able", reg_group="4A")
    newcomer = add_pupil(
        store, 2, forename="Nia", surname="New", reg_group="4A", admission_date=THURSDAY
    )
    with pytest.raises(ServiceError) as refused:
        save_register(store, "4A", {(amy.id, TODAY, "AM"): "Z"}, {}, "", "office", TODAY)
    assert (
        "Amy Able, Wed 20/11/2024 AM: Z (prospective pupil, not on the admission register) "
        in str(refused.value)
        and "Amy Able is on roll on 20/11/2024" in str(refused.value)
    )
    # Nia joins on Thursday: until then she is a prospective pupil
    assert save_register(
        store, "4A", {(newcomer.id, TODAY, "AM"): "Z"}, {}, "", "office", TODAY
    ) == (1, 0)


def test_x_is_refused_for_a_pupil_of_compulsory_school_age(store):
    """Education Act 1996 s.8: compulsory school age begins on the prescribed day (31 Dec, 31 Mar,
    31 Aug) on or after the fifth birthday. Born 15/12/2019: fifth birthday 15/12/2024, compulsory
    school age from 31/12/2024; born 15/10/2019: from 31/12/2024 too; born 15/08/2019: from 31/08/2024."""
    rosa = add_pupil(
        store,
        1,
        forename="Rosa",
        surname="Rec",
        year_group="R",
        reg_group="RA",
        dob=date(2019, 12, 15),
    )
    sam = add_pupil(
        store,
        2,
        forename="Sam",
        surname="Six",
        year_group="1",
        reg_group="RA",
        dob=date(2019, 8, 15),
    )
    assert save_register(store, "RA", {(rosa.id, TODAY, "AM"): "X"}, {}, "", "office", TODAY) == (
        1,
        0,
    )  # four, not yet of compulsory school age
    with pytest.raises(ServiceError) as refused:
        save_register(store, "RA", {(sam.id, TODAY, "AM"): "X"}, {}, "", "office", TODAY)
    assert str(refused.value).startswith(
        "Sam Six, Wed 20/11/2024 AM: X (not of compulsory school age) cannot be used: Sam Six is of "
        "compulsory school age on 20/11/2024 (from 31/08/2024 to "
    )
    assert store.marks.count() == 1


def test_an_amendment_meets_the_same_z_and_x_rules_as_the_register(store):
    """A single amendment (the pupil screen, the CLI `amend`) cannot put Z on a pupil on roll nor X on
    a pupil of compulsory school age either: the mark and its history stay as they were."""
    from attendance_desk.services.marks import amend_mark, mark_history

    sam = add_pupil(store, 1, forename="Sam", surname="Six", reg_group="4A", dob=date(2015, 8, 15))
    save_register(store, "4A", {(sam.id, TODAY, "AM"): "N"}, {}, "", "office", TODAY)
    for code, why in (("Z", "Sam Six is on roll on 20/11/2024"), ("X", "of compulsory school age")):
        with pytest.raises(ServiceError, match=why):
            amend_mark(store, sam.upn, TODAY, "AM", code, "mother rang", "office")
    assert store.marks.get(sam.id, TODAY, "AM").code == "N"
    assert mark_history(store, sam.upn)[1] == []
    before, after = amend_mark(store, sam.upn, TODAY, "AM", "I", "mother rang: ill", "office")
    assert (before.code, after.code) == ("N", "I")
