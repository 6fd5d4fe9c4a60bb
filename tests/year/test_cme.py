"""Children missing education end to end on a real school file: the school's day count of
unexplained absence (a setting; DfE "Children missing education", 2016, and the Widnes Academy
policy: 10 school days), the referral and its form (last seen, contacts tried from the call log,
home visits, siblings, agencies), the outcome, and the pupil's line on Today."""

from datetime import date, datetime

import pytest

from attendance_desk.services import cme
from attendance_desk.services.calls import call_list, log_call
from attendance_desk.services.meetings import record_contact
from attendance_desk.services.school import ServiceError
from tests.helpers import put_marks, sessions, text_of, upn
from tests.year.conftest import CAL

DEC3 = date(2024, 12, 3)


@pytest.fixture
def missing(store):
    """Ben: N every session from Wednesday 20/11 to Tuesday 03/12/2024 (10 school days)."""
    ben = store.pupils.by_upn(upn(2))
    put_marks(store, ben, sessions(date(2024, 11, 20), DEC3, "N", calendar=CAL))
    log_call(
        store,
        [ben.id],
        date(2024, 11, 21),
        "AM",
        "no_answer",
        "Reception",
        with_whom="Ms Jo Brook",
        at=datetime(2024, 11, 21, 9, 40).astimezone(),
    )
    record_contact(
        store,
        upn(2),
        "home_visit",
        "Okonjo",
        at=datetime(2024, 11, 27, 11, 0).astimezone(),
        outcome="No one at home; curtains closed; card left",
        today=date(2024, 11, 27),
    )
    return ben


def test_the_count_and_the_refusal_below_it(store, missing):
    st = cme.status(store, upn(2), date(2024, 12, 2))
    assert (st.days_unexplained, st.needed, st.due) == (9, 10, False)
    assert st.last_seen == date(2024, 11, 19)
    with pytest.raises(ServiceError) as refused:
        cme.refer(store, upn(2), date(2024, 12, 2), "Okonjo", today=date(2024, 12, 2))
    assert "9 school days of unexplained absence" in str(refused.value)
    assert "the school refers at 10" in str(refused.value)
    assert store.cme.for_pupil(missing.id) == []
    early = cme.refer(
        store,
        upn(2),
        date(2024, 12, 2),
        "Okonjo",
        early_reason="neighbours say the family moved abroad last week",
        today=date(2024, 12, 2),
    )
    assert early.early_reason.startswith("neighbours say")
    assert "Before the school's count of 10" in store.casework.for_pupil(missing.id)[-1].notes


def test_referral_form_outcome_and_today(store, missing, tmp_path):
    referral = cme.refer(store, upn(2), DEC3, "Okonjo", la_contact="CME officer", today=DEC3)
    assert referral.days_unexplained == 10 and referral.last_seen == date(2024, 11, 19)
    assert store.pupils.by_upn(upn(2)).cme_concern  # red on the call list from now on
    with pytest.raises(ServiceError, match="outcome is not recorded yet"):
        cme.refer(store, upn(2), DEC3, "Okonjo", today=DEC3)
    out = cme.referral_form(store, referral.id, tmp_path / "cme.pdf", "Okonjo")
    text = text_of(out)
    assert "Children missing education: referral to the local authority" in text
    assert "Last seen in school 19/11/2024" in text
    assert "21/11/2024 09:40 No answer (Ms Jo Brook), by Reception" in text
    assert "No one at home; curtains closed" in text
    assert "Amy Brook (Year 4, 4A)" in text  # the sibling
    assert store.cme.by_id(referral.id).form_sha256
    # Today: the referral, not the prompt to make one
    calls = call_list(store, DEC3, "AM")
    (ben,) = [p for f in calls.families for p in f.pupils if p.pupil.upn == upn(2)]
    assert ben.prompts[0] == "CME referral made 03/12/2024; awaiting the LA's outcome"
    with pytest.raises(ServiceError, match="in words"):
        cme.record_outcome(store, referral.id, "found", DEC3, "Okonjo", today=DEC3)
    cme.record_outcome(
        store, referral.id, "attending another school", DEC3, "Okonjo", "in Leeds", today=DEC3
    )
    calls = call_list(store, DEC3, "AM")
    (ben,) = [p for f in calls.families for p in f.pupils if p.pupil.upn == upn(2)]
    assert "outcome: attending another school" in ben.prompts[0]
    actions = [a.action for a in store.audit.entries()]
    assert "cme referral" in actions and "cme outcome" in actions
