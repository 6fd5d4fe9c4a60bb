"""A first-day call records only the reasons a parent can give by phone that the office may record
(DfE, "Working together to improve school attendance", August 2024: the attendance codes; leave of
absence is granted by the head teacher or a delegate, not from a call). See services/calls.py."""

from datetime import date, datetime

import pytest

from attendance_desk.services.calls import log_call, reason_codes
from attendance_desk.services.school import ServiceError
from tests.helpers import add_pupil, make_school, put_marks

TODAY = date(2024, 11, 20)  # a Wednesday, under the 2024 codes
AT = datetime(2024, 11, 20, 9, 30)


@pytest.fixture
def store(tmp_path):
    s = make_school(tmp_path)
    yield s
    s.close()


def test_the_form_offers_only_reasons_a_parent_gives():
    offered = [code for code, _ in reason_codes(TODAY)]
    assert offered == ["I", "M", "R", "G", "O"]
    meanings = dict(reason_codes(TODAY))
    assert meanings["G"] == "Holiday not granted by the school"  # a holiday stays unauthorised
    # before 19/08/2024 (the 2006 codes) the same reasons, with that set's meanings
    assert [code for code, _ in reason_codes(date(2023, 11, 20))] == ["I", "M", "R", "G", "O"]


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("C", "granted only by the head teacher or a delegate"),
        ("C1", "granted by the school in advance"),
        ("C2", "part-time timetable"),
        ("J1", "interview"),
        ("S", "study leave"),
        ("T", "traveller absence"),
        ("E", "suspension or exclusion"),
        ("U", "arrived after the register closed, not a reason"),
        ("N", "No reason given"),
        ("B", "not a reason for absence a parent gives"),
        ("Y2", "not a reason for absence a parent gives"),
        ("ZZ", "not a reason for absence a parent gives"),
    ],
)
def test_any_other_code_from_a_call_is_refused_and_nothing_is_written(store, code, why):
    amy = add_pupil(store, 1)
    put_marks(store, amy, {(TODAY, "AM"): "N"})
    with pytest.raises(ServiceError) as refused:
        log_call(
            store,
            [amy.id],
            TODAY,
            "AM",
            "spoke_to_parent",
            "office1",
            with_whom="mother",
            reason_code=code,
            at=AT,
        )
    assert f"'{code}' cannot be recorded from a call" in str(refused.value)
    assert why in str(refused.value) and "(a call records I, M, R, G, O)" in str(refused.value)
    assert store.marks.get(amy.id, TODAY, "AM").code == "N"
    assert store.casework.for_pupil(amy.id) == [] and store.marks.history(amy.id) == []


@pytest.mark.parametrize("code", ["I", "M", "R", "G", "O"])
def test_each_offered_reason_recodes_the_mark(store, code):
    amy = add_pupil(store, 1)
    put_marks(store, amy, {(TODAY, "AM"): "N"})
    log_call(
        store,
        [amy.id],
        TODAY,
        "AM",
        "spoke_to_parent",
        "office1",
        with_whom="mother",
        reason_code=code,
        at=AT,
    )
    assert store.marks.get(amy.id, TODAY, "AM").code == code


def test_a_reason_never_overwrites_a_mark_another_user_changed_meanwhile(store):
    """The office's list showed Amy and her brother Ben with N; meanwhile the attendance lead
    recorded Amy's late arrival (N -> L). The mother's reason (illness) must not turn Amy's L into
    I: the call is refused, naming the mark and who changed it, and nothing is written for either
    child (one call, all of it or none of it). Logged without a reason, the call is recorded."""
    amy = add_pupil(store, 1, forename="Amy")
    ben = add_pupil(store, 2, forename="Ben")
    for pupil in (amy, ben):
        put_marks(store, pupil, {(TODAY, "AM"): "N"})
    store.marks.amend(amy.id, TODAY, "AM", "L", 12, "arrived 09:05, signed in late", "lead")
    calls_before = len(store.casework.for_pupil(ben.id))
    with pytest.raises(ServiceError) as refused:
        log_call(
            store, [amy.id, ben.id], TODAY, "AM", "spoke_to_parent", "office1",
            with_whom="Mother", reason_code="I", at=AT,
        )  # fmt: skip
    message = str(refused.value)
    assert message.startswith(f"{amy.name}'s AM mark for 20/11/2024 is now L, recorded by lead at ")
    assert "the reason from this call was not recorded" in message and ben.name not in message
    assert store.marks.get(amy.id, TODAY, "AM").code == "L"
    assert store.marks.get(ben.id, TODAY, "AM").code == "N"
    assert len(store.casework.for_pupil(ben.id)) == calls_before
    log_call(
        store, [amy.id, ben.id], TODAY, "AM", "spoke_to_parent", "office1", with_whom="Mother",
        notes="Ben is ill; Amy arrived late", at=AT,
    )  # fmt: skip
    assert len(store.casework.for_pupil(ben.id)) == calls_before + 1
    assert store.marks.get(amy.id, TODAY, "AM").code == "L"
