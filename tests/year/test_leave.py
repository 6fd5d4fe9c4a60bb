"""Leave of absence in term time, end to end on a real school file: request (siblings together) →
decision within the school's deadline by the head or a delegate → letters to each adult with
parental responsibility → the register's suggestion (C granted, G refused but taken) and the
call list leaving those pupils off. Rules: School Attendance (Pupil Registration) (England)
Regulations 2024 reg 11 (leave only in exceptional circumstances, granted by the head or someone
authorised); DfE "Working together to improve school attendance" (Aug 2024): C and G codes."""

from datetime import date

import pytest

from attendance_desk.services import leave
from attendance_desk.services.calls import call_list
from attendance_desk.services.registers import register_week
from attendance_desk.services.school import ServiceError, save_settings
from tests.helpers import put_marks, text_of, upn
from tests.year.conftest import TODAY


def _request(store, **kw):
    args = dict(
        upns=[upn(1), upn(2)],
        first_date=date(2024, 12, 9),
        last_date=date(2024, 12, 13),
        reason="Grandmother's funeral in Lagos",
        requested_by="Ms Jo Brook",
        received_on=TODAY,
        by="Reception",
        today=TODAY,
    )
    args.update(kw)
    return leave.record_request(store, **args)


def test_request_deadline_counts_school_days_and_lists_days_left(store):
    made = _request(store)
    assert [r.family_ref for r in made] == [made[0].id, made[0].id]  # siblings: one request
    # 10 school days after Wednesday 20/11/2024 (the Widnes Academy policy's reply time)
    assert made[0].deadline == date(2024, 12, 4)
    waiting = leave.awaiting_decision(store, date(2024, 11, 27))
    assert [w.days_left for w in waiting] == [5, 5]
    assert "5 school days left" in waiting[0].flag
    entries = store.casework.for_pupil(made[1].pupil_id)
    assert entries[-1].kind == "leave" and "Reply due by 04/12/2024" in entries[-1].notes
    assert store.audit.entries()[-1].action == "leave requested"


def test_the_deadline_is_a_setting_and_skips_the_holiday(store):
    save_settings(
        store,
        __import__("dataclasses").replace(store.settings.school(), leave_decision_days="5"),
        by="Admin",
    )
    made = _request(store, received_on=date(2024, 12, 18), today=date(2024, 12, 18))
    # Thu 19, Fri 20 December, then the Christmas holiday; Mon 6, Tue 7, Wed 8 January
    assert made[0].deadline == date(2025, 1, 8)


def test_only_the_head_or_a_delegate_decides(store):
    made = _request(store)
    for who in ("Reception", "Okonjo"):
        with pytest.raises(ServiceError, match="head teacher or someone the head has delegated"):
            leave.decide(
                store, made[0].id, "refused", who, date(2024, 11, 22), today=date(2024, 11, 22)
            )
    assert store.leave.by_id(made[0].id).status == "pending"
    with pytest.raises(ServiceError, match="only the head teacher"):
        leave.delegate(store, ["Okonjo"], "Okonjo")
    leave.delegate(store, ["Okonjo"], "Harwood")
    done = leave.decide(
        store, made[0].id, "refused", "Okonjo", date(2024, 11, 22), today=date(2024, 11, 22)
    )
    assert {r.status for r in done} == {"refused"} and not done[0].decided_late


def test_granting_needs_exceptional_circumstances_and_is_never_retrospective(store):
    made = _request(store)
    for placeholder in ("", "n/a", "funeral"):
        with pytest.raises(ServiceError, match="exceptional circumstances"):
            leave.decide(
                store,
                made[0].id,
                "granted",
                "Harwood",
                date(2024, 11, 22),
                exceptional_reason=placeholder,
                today=date(2024, 11, 22),
            )
    late = _request(store, first_date=date(2024, 11, 18), last_date=date(2024, 11, 19))
    with pytest.raises(ServiceError, match="retrospectively"):
        leave.decide(
            store,
            late[0].id,
            "granted",
            "Harwood",
            TODAY,
            exceptional_reason="a close relative died suddenly abroad",
            today=TODAY,
        )


def test_a_decision_after_the_deadline_is_flagged(store):
    made = _request(store)
    waiting = leave.awaiting_decision(store, date(2024, 12, 6))
    assert waiting[0].days_left == -2 and "OVERDUE" in waiting[0].flag
    done = leave.decide(
        store, made[0].id, "refused", "Harwood", date(2024, 12, 6), today=date(2024, 12, 6)
    )
    assert done[0].decided_late
    line = leave.requests(store, date(2024, 12, 6), upn(1))[0]
    assert "decided after the deadline (04/12/2024)" in line.flag
    assert "after the deadline" in store.audit.entries()[-1].detail
    assert "after the deadline" in store.casework.for_pupil(made[0].pupil_id)[-1].outcome


def test_granted_letters_register_code_and_calls(store, tmp_path):
    made = _request(store)
    leave.decide(
        store,
        made[0].id,
        "granted",
        "Harwood",
        date(2024, 11, 22),
        exceptional_reason="the funeral of a grandparent abroad, which the family must attend",
        today=date(2024, 11, 22),
    )
    batch = leave.decision_letters(
        store, made[0].id, date(2024, 11, 22), "Okonjo", tmp_path / "l.pdf"
    )
    assert batch.letters == 4  # two pupils x two parents with parental responsibility, each at home
    text = text_of(batch.files[0])
    assert "granted" in text and "code C" in text and "Dear Ms Brook" in text
    assert "Mr Sam Brook" in text and "4 Elm Court" in text
    assert "Ben Brook" in text  # the sibling named on Amy's letter
    assert store.leave.by_id(made[0].id).letters.startswith("ATT/")
    # on the dates: C suggested on the register
    week = register_week(store, "4A", date(2024, 12, 10), today=date(2024, 12, 10))
    hint = week.suggested[(made[0].pupil_id, date(2024, 12, 10), "AM")]
    assert hint.code == "C" and "granted" in hint.why
    # marked N by the class teacher: not called; Today says why
    amy = store.pupils.by_upn(upn(1))
    put_marks(store, amy, {(date(2024, 12, 10), "AM"): "N"})
    calls = call_list(store, date(2024, 12, 10), "AM")
    assert all(p.pupil.upn != upn(1) for f in calls.families for p in f.pupils)
    assert any("Amy Brook" in line and "leave granted" in line for line in calls.not_called)
    from attendance_desk.services.calls import save_call_list

    save_call_list(store, calls, tmp_path / "calls.pdf", "Reception")
    assert "Not called: Amy Brook (4A): leave granted by Harwood" in text_of(tmp_path / "calls.pdf")


def test_refused_letters_warn_of_a_penalty_notice_and_g_is_suggested(store, tmp_path):
    made = _request(store)
    leave.decide(
        store, made[0].id, "refused", "Harwood", date(2024, 11, 22), today=date(2024, 11, 22)
    )
    preview = leave.decision_letters(
        store, made[0].id, date(2024, 11, 22), "Okonjo", tmp_path / "p.pdf", preview=True
    )
    text = text_of(preview.files[0])
    assert "refused" in text and "code G" in text and "penalty notice" in text
    assert "£80" in text and "£160" in text and "section 444" in text
    assert store.leave.by_id(made[0].id).letters == ""  # a preview is logged nowhere
    week = register_week(store, "2B", date(2024, 12, 10), today=date(2024, 12, 10))
    assert week.suggested[(made[1].pupil_id, date(2024, 12, 13), "PM")].code == "G"


def test_leave_letters_cannot_be_sent_from_the_letter_dialog(store):
    from attendance_desk.services.letters import letter_choices

    choices = {c.template: c for c in letter_choices(store, upn(1), TODAY)}
    assert not choices["leave_granted"].ok and not choices["leave_granted"].overridable
    assert "made from the request" in choices["leave_refused"].unmet[0]


def test_bad_requests_are_refused(store):
    with pytest.raises(ServiceError, match="before it starts"):
        _request(store, first_date=date(2024, 12, 13), last_date=date(2024, 12, 9))
    with pytest.raises(ServiceError, match="who asked"):
        _request(store, requested_by=" ")
    with pytest.raises(ServiceError, match="after today"):
        _request(store, received_on=date(2024, 11, 21))
    assert store.leave.all() == []


def test_a_request_withdrawn_leaves_the_list_and_suggests_nothing(store):
    made = _request(store)
    with pytest.raises(ServiceError, match="what the parent said"):
        leave.withdraw(store, made[0].id, "Reception", TODAY, "", today=TODAY)
    done = leave.withdraw(store, made[0].id, "Reception", TODAY, "the trip is cancelled", TODAY)
    assert {r.status for r in done} == {"withdrawn"}
    assert leave.awaiting_decision(store, TODAY) == []
    assert leave.leave_on(store, date(2024, 12, 9), date(2024, 12, 13)) == {}
    with pytest.raises(ServiceError, match="already withdrawn"):
        leave.decide(store, made[0].id, "refused", "Harwood", TODAY, today=TODAY)
