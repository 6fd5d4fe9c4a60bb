from datetime import date, datetime

import pytest

from attendance_desk.domain.calendar import SchoolCalendar
from attendance_desk.domain.calls import Phone
from attendance_desk.domain.people import Contact, Link
from attendance_desk.services.calls import call_list, log_call
from attendance_desk.services.school import ServiceError
from attendance_desk.services.stages import record_step, stage_overview
from tests.helpers import CLOSURES, TERMS, add_pupil, make_school, put_marks, sessions

CAL = SchoolCalendar(TERMS, CLOSURES)
TODAY = date(2024, 11, 20)  # a Wednesday


@pytest.fixture
def store(tmp_path):
    s = make_school(tmp_path)
    yield s
    s.close()


def present_until_yesterday(store, pupil):
    put_marks(store, pupil, sessions(date(2024, 9, 3), date(2024, 11, 19), "/", calendar=CAL))


def test_call_list_from_a_real_file(store):
    amy = add_pupil(store, 1, forename="Amy", reg_group="4A")
    zac = add_pupil(store, 2, forename="Zac", reg_group="3B", year_group="3")
    ben = add_pupil(
        store, 3, forename="Ben", reg_group="4A", cp_plan=True, social_worker="D. Whitfield"
    )
    ivy = add_pupil(store, 4, forename="Ivy", reg_group="4A")
    cal = add_pupil(
        store, 5, forename="Cal", reg_group="5C", year_group="5"
    )  # class not registered
    for p in (amy, zac, ben, ivy, cal):
        present_until_yesterday(store, p)
    put_marks(store, amy, {(TODAY, "AM"): "N"})
    put_marks(store, zac, {(TODAY, "AM"): "N"})
    put_marks(store, ben, {(TODAY, "AM"): "N"})
    put_marks(store, ivy, {(TODAY, "AM"): "I"})
    mum = store.contacts.add(
        Contact(None, "Sarah Surname", phones=(Phone("mobile", "07700 900001"),))
    )
    for p in (amy, zac):
        store.contacts.link(Link(p.id, mum, "Mother", True, 1))
    result = call_list(store, TODAY, "AM")
    assert result.registers_not_taken == ("5C",)
    names = [[cp.pupil.name for cp in f.pupils] for f in result.families]
    assert names == [["Ben Surname3"], ["Amy Surname1", "Zac Surname2"]]
    assert result.families[0].rag.label == "red"
    assert result.families[1].contacts[0].phones[0].number == "07700 900001"


def test_logging_a_call_with_a_reason_recodes_the_mark_with_history(store):
    amy = add_pupil(store, 1)
    present_until_yesterday(store, amy)
    put_marks(store, amy, {(TODAY, "AM"): "N"})
    at = datetime(2024, 11, 20, 9, 41)
    log_call(
        store,
        [amy.id],
        TODAY,
        "AM",
        "spoke_to_parent",
        "office1",
        with_whom="mother",
        reason_code="I",
        notes="temperature",
        at=at,
    )
    assert store.marks.get(amy.id, TODAY, "AM").code == "I"
    (entry,) = store.marks.history(amy.id)
    assert (
        entry.reason
        == "first-day call 20/11/2024 09:41: spoke to parent/carer (mother): temperature"
    )
    assert entry.changed_by == "office1"
    (call,) = store.casework.for_pupil(amy.id)
    assert call.contact_made and call.outcome == "Spoke to parent/carer"
    assert call_list(store, TODAY, "AM").families == ()


def test_no_answer_is_logged_but_cannot_give_a_reason(store):
    amy = add_pupil(store, 1)
    put_marks(store, amy, {(TODAY, "AM"): "N"})
    with pytest.raises(ServiceError, match="someone was spoken to"):
        log_call(store, [amy.id], TODAY, "AM", "no_answer", "office1", reason_code="I")
    with pytest.raises(ServiceError, match="cannot be recorded from a call"):
        log_call(store, [amy.id], TODAY, "AM", "spoke_to_parent", "office1", reason_code="/")
    assert store.casework.for_pupil(amy.id) == []
    log_call(store, [amy.id], TODAY, "AM", "no_answer", "office1")
    assert store.marks.get(amy.id, TODAY, "AM").code == "N"
    assert call_list(store, TODAY, "AM").families[0].pupils[0].days_without_contact == 1


def test_not_a_school_session(store):
    add_pupil(store, 1)
    assert "not a school session" in call_list(store, date(2024, 10, 30), "AM").message


def test_stage_suggested_confirmed_and_closed(store):
    amy = add_pupil(store, 1)
    marks = sessions(date(2024, 9, 3), TODAY, "/", calendar=CAL)
    for day in (date(2024, 9, d) for d in (3, 4, 5, 6)):
        marks[(day, "AM")] = marks[(day, "PM")] = "I"
    put_marks(store, amy, marks)
    (state,) = stage_overview(store, TODAY)
    assert state.current is None and state.suggestion.stage.key == "stage1"
    after = record_step(store, amy.upn, "entered", TODAY, "lead", "stage1", "letter sent")
    assert after.current.key == "stage1" and after.suggestion is None
    with pytest.raises(ServiceError, match="reason"):
        record_step(store, amy.upn, "closed", TODAY, "lead")
    closed = record_step(
        store, amy.upn, "closed", TODAY, "lead", note="attendance improved: monitor"
    )
    assert closed.current is None and closed.closed and closed.suggestion is None
    (event,) = [e for e in store.stages.events(amy.id) if e.event == "entered"]
    assert event.measure_value == 4.0 and event.figures["authorised"] == 8


def test_the_call_list_saved_as_a_pdf_is_audited_and_reads_back(store, tmp_path):
    from attendance_desk.services.calls import save_call_list
    from tests.helpers import text_of

    amy = add_pupil(store, 1, forename="Amy")
    present_until_yesterday(store, amy)
    put_marks(store, amy, {(TODAY, "AM"): "N"})
    path = save_call_list(store, call_list(store, TODAY, "AM"), tmp_path / "calls.pdf", "office1")
    text = text_of(path)
    assert "First-day calls: Wednesday 20/11/2024 AM" in text
    assert "Amy Surname1" in text and "Test Primary School" in text
    entry = store.audit.entries()[-1]
    assert (entry.user, entry.action, entry.subject) == (
        "office1",
        "call list saved",
        "20/11/2024 AM",
    )
    assert str(path) in entry.detail
