"""Unexplained absence of a child with a social worker, on a real school file: today's list (CP
plan, CIN plan or looked after; absent with no reason), each worker's and the virtual school's
contact, a drafted e-mail per worker, and the record that each was told (chronology and audit).
DfE "Working together to improve school attendance" (Aug 2024): inform the social worker."""

from dataclasses import replace
from datetime import date, datetime

import pytest

from attendance_desk.services import social_workers as sw
from attendance_desk.services.school import ServiceError
from tests.helpers import put_marks, upn
from tests.year.conftest import TODAY


@pytest.fixture
def flagged(store):
    amy, ben, cal = (store.pupils.by_upn(upn(n)) for n in (1, 2, 3))
    store.pupils.upsert_many(
        [
            replace(amy, child_in_need=True),
            replace(ben, looked_after=True),
            replace(cal, cp_plan=True),
        ]
    )
    sw.set_contacts(
        store,
        upn(3),
        "Okonjo",
        social_worker="Ms Rita Patel",
        email="rita.patel@northshire.example",
        phone="01632 960500",
    )
    sw.set_contacts(
        store,
        upn(2),
        "Okonjo",
        social_worker="Ms Rita Patel",
        virtual_school="Northshire Virtual School, vs@northshire.example",
    )
    put_marks(store, cal, {(TODAY, "AM"): "N"})
    put_marks(store, ben, {(TODAY, "AM"): "N"})
    put_marks(store, amy, {(date(2024, 11, 21), "AM"): "/"})  # nothing today for Amy
    return amy, ben, cal


def test_the_list_groups_by_worker_with_contacts_and_a_draft(store, flagged):
    notices = sw.absent_today(store, TODAY)
    # Amy (child in need, no mark although 4A's register was taken) has no worker recorded
    assert [n.worker for n in notices] == ["Ms Rita Patel", "(no social worker recorded)"]
    rita, nobody = notices
    assert [(c.pupil.name, c.code) for c in nobody.children] == [("Amy Brook", None)]
    assert [c.pupil.name for c in rita.children] == ["Ben Brook", "Cal Field"]
    assert rita.email == "rita.patel@northshire.example" and rita.phone == "01632 960500"
    assert rita.virtual_school == ("Northshire Virtual School, vs@northshire.example",)
    cal = next(c for c in rita.children if c.pupil.upn == upn(3))
    assert cal.days_absent == 1 and cal.why_listed == "child protection plan"
    (_, text) = sw.drafts(store, TODAY, "AM", "Okonjo")[0]
    assert text.startswith("Subject: Unexplained absence today (20/11/2024) - Test Primary School")
    assert "Dear Ms Rita Patel," in text
    from attendance_desk.domain.social_workers import draft_email

    (notice, _) = sw.drafts(store, TODAY, "AM", "Okonjo")[0]
    named = replace(notice, worker="Beth Morrow (Northshire Children's Services)")
    assert "Dear Beth Morrow," in draft_email(named, TODAY, "AM", "School", "Me", "0")
    assert "- Cal Field, born 09/01/2015, Year 4 (child protection plan): absent today" in text
    assert "Copied to the virtual school: Northshire Virtual School" in text
    assert "Mr T. Okonjo" in text


def test_recording_that_the_worker_was_told(store, flagged):
    with pytest.raises(ServiceError, match="no child of 'Mr Nobody'"):
        sw.record_told(store, "Mr Nobody", TODAY, "Reception")
    with pytest.raises(ServiceError, match="record the social worker"):
        sw.record_told(store, "(no social worker recorded)", TODAY, "Reception")
    names = sw.record_told(
        store,
        "Ms Rita Patel",
        TODAY,
        "Reception",
        "email",
        at=datetime(2024, 11, 20, 10, 5).astimezone(),
    )
    assert names == [upn(2), upn(3)]
    rita, nobody = sw.absent_today(store, TODAY)
    assert (
        rita.all_told
        and not nobody.all_told
        and rita.children[0].told == "told 10:05 by Reception (e-mail)"
    )
    entry = store.casework.for_pupil(flagged[2].id)[-1]
    assert entry.kind == "social_worker" and entry.with_whom == "Ms Rita Patel"
    assert store.audit.entries()[-1].action == "social worker told"


def test_contacts_are_checked_and_audited(store):
    with pytest.raises(ServiceError, match="not an e-mail address"):
        sw.set_contacts(store, upn(1), "Okonjo", email="rita at council")
    with pytest.raises(ServiceError, match="cannot record stages"):
        sw.set_contacts(store, upn(1), "Reception", social_worker="Ms Rita Patel")
    p = sw.set_contacts(store, upn(1), "Okonjo", phone="01632 960500")
    assert p.social_worker_phone == "01632 960500"
    assert store.audit.entries()[-1].action == "agency contacts"


def test_telling_the_worker_is_not_the_pack_s_discussion_with_the_lead_professional(store, flagged):
    from attendance_desk.services.pack import evidence_checklist

    sw.record_told(store, "Ms Rita Patel", TODAY, "Reception")
    items = {v.item: v for v in evidence_checklist(store, upn(3), TODAY)}
    talk = items["Decision discussed with the lead professional (CIN/CP plan)"]
    assert talk.status.value == "missing"
    # but it is in the chronology the pack prints
    assert store.casework.for_pupil(flagged[2].id)[-1].kind == "social_worker"
