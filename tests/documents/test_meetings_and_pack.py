from datetime import date, datetime

import pytest

from attendance_desk.services.letters import make_letters
from attendance_desk.services.meetings import (
    record_contact,
    record_meeting,
    record_plan,
    review_meeting,
)
from attendance_desk.services.pack import assemble_evidence_pack, evidence_checklist
from attendance_desk.services.school import ServiceError
from tests.helpers import text_of

TODAY = date(2024, 11, 20)
LATE = "typed up from the paper notes"  # these records are dated long before today


def test_sam_review_computes_whether_the_target_was_met(store):  # noqa: F811
    pupil = store.pupils.all()[0]
    with pytest.raises(ServiceError, match="4 to 6 weeks"):
        record_meeting(
            store,
            pupil.upn,
            "sam",
            date(2024, 9, 13),
            "lead",
            target_pct=95,
            review_weeks=8,
            late_reason=LATE,
        )
    sam = record_meeting(
        store,
        pupil.upn,
        "sam",
        date(2024, 9, 13),
        "lead",
        target_pct=95,
        review_weeks=4,
        pupil_voice="I miss my friends when I'm off",
        parent_attended=True,
        late_reason=LATE,
    )
    assert sam.review_date == date(2024, 10, 11) and (sam.target_from, sam.target_to) == (
        date(2024, 9, 14),
        date(2024, 10, 11),
    )
    review = review_meeting(
        store, sam.id, date(2024, 10, 11), "lead", "continue to monitor", late_reason=LATE
    )
    # 14/09-11/10: 20 school days = 40 sessions, the week of 16/09 ill (10 sessions), 01/10 AM O: 29/40 = 72.5 %
    assert review.attendance_achieved == 72.5 and review.target_met is False
    assert store.meetings.reviews_due(TODAY) == []
    kinds = [(e.kind, e.outcome) for e in store.casework.for_pupil(pupil.id)]
    assert ("meeting", "Review: target not met (72.5%)") in kinds


def test_contract_needs_both_statements(store):  # noqa: F811
    pupil = store.pupils.all()[0]
    with pytest.raises(ServiceError, match="both the parent's statement and the school's"):
        record_plan(
            store,
            pupil.upn,
            "parenting_contract",
            "lead",
            parent_commitments="attend daily",
            school_support=" ",
            starts=TODAY,
        )
    plan = record_plan(
        store,
        pupil.upn,
        "parenting_contract",
        "lead",
        parent_commitments="attend daily",
        school_support="daily check-in",
        starts=TODAY,
        review_weeks=5,
        weeks=10,
    )
    # five weeks on is Christmas Day: the review goes to the first school day after it
    assert plan.review_date == date(2025, 1, 6) and plan.ends == date(2025, 1, 29)


def test_checklist_shows_what_is_missing_then_the_pack_shows_the_casework(tmp_path, store):  # noqa: F811
    pupil = store.pupils.all()[0]
    missing = {c.item for c in evidence_checklist(store, pupil.upn, TODAY) if not c.ok}
    assert {
        "Stage 1 letters, posted to each adult with parental responsibility",
        "School Attendance Meeting, target between two dates, reviews with rates",
        "Pupil's views",
        "Early help offered (with date) and its outcome",
        "Impact of the absence on the child",
    } <= missing
    make_letters(
        store,
        "formal_warning",
        [pupil],
        TODAY,
        "lead",
        tmp_path / "fw.pdf",
        override_reason="parent told at the meeting; warning agreed by the head",
    )
    sam = record_meeting(
        store,
        pupil.upn,
        "sam",
        date(2024, 9, 13),
        "lead",
        target_pct=95,
        review_weeks=4,
        barriers="anxiety about the bus",
        pupil_voice="The bus is scary",
        actions_others="School nurse referral",
        late_reason=LATE,
    )
    review_meeting(
        store, sam.id, date(2024, 10, 11), "lead", "parenting contract next", late_reason=LATE
    )
    record_plan(
        store,
        pupil.upn,
        "parenting_contract",
        "lead",
        parent_commitments="Walk to school together",
        school_support="Meet at the gate",
        starts=date(2024, 10, 14),
    )
    record_contact(
        store,
        pupil.upn,
        "home_visit",
        "ewo",
        at=datetime(2024, 10, 3, 10, 0).astimezone(),
        with_whom="Anna Wiśniewska",
        outcome="Seen at home",
        contact_made=True,
        late_reason=LATE,
    )
    record_contact(
        store,
        pupil.upn,
        "call",
        "office",
        at=datetime(2024, 9, 16, 9, 40).astimezone(),
        outcome="Spoke to mother",
        late_reason=LATE,
    )
    checklist = {c.item: c for c in evidence_checklist(store, pupil.upn, TODAY)}
    for item in (
        "Pupil's views",
        "Barriers to attendance",
        "Progress made or not",
        "School Attendance Meeting, target between two dates, reviews with rates",
    ):
        assert checklist[item].ok, item
    # a warning not yet posted is not yet evidence; 11 of 102 sessions missed meets the threshold as persistent absence
    assert (
        "ATT/00001 to Anna Wiśniewska: no posting date recorded"
        in checklist["A formal warning letter issued before the referral"].detail
    )
    assert (
        checklist["Referral criteria met"].detail
        == "persistent absence: 11 of 102 sessions missed (10.8%) this school year as at 20/11/2024"
    )
    result = assemble_evidence_pack(store, pupil.upn, TODAY, tmp_path / "pack.pdf", "lead")
    text = text_of(result.out)
    for expected in (
        "evidence pack",
        "Łucja Wiśniewska",
        "Anna Wiśniewska",
        "Tomasz Wiśniewski",
        "4 Elm Court",
        "The bus is scary",
        "anxiety about the bus",
        "Walk to school together",
        "Meet at the gate",
        "Formal warning (section 444 offences)",
        "Seen at home",
        "95% from 14/09/2024 to 11/10/2024: achieved 72.5%, not met",
        "true extract of the attendance register",
        "item(s) missing",
    ):
        assert expected in text, expected
    pages = text.count(f"(UPN {pupil.upn}) — confidential")
    assert (
        pages >= 4 and f"Page {result.pages} of {result.pages}" in text
    )  # name and UPN on every page


def test_targeted_support_meeting_pack(tmp_path, store):  # noqa: F811
    from openpyxl import load_workbook

    from attendance_desk.services.tsm import make_tsm_pack

    pupil = store.pupils.all()[0]
    record_meeting(
        store,
        pupil.upn,
        "sam",
        date(2024, 9, 20),
        "lead",
        barriers="transport",
        target_pct=95,
        actions_school="bus pass application",
        actions_others="EWO home visit",
        late_reason=LATE,
    )
    count = make_tsm_pack(store, TODAY, tmp_path / "tsm.pdf", tmp_path / "tsm.xlsx")
    assert count == 1  # 11 of 106 sessions absent: persistent
    text = text_of(tmp_path / "tsm.pdf")
    assert "Łucja Wiśniewska" in text and "transport" in text and "bus pass application" in text
    sheet = load_workbook(tmp_path / "tsm.xlsx").active
    assert (
        sheet["A3"].value == pupil.upn
        and sheet["D3"].number_format == "0.0%"
        and sheet["I3"].value == "transport"
    )


def test_contract_minutes_and_visit_form(tmp_path, store):  # noqa: F811
    from attendance_desk.services.forms import contract_document, home_visit_form, minutes_document

    pupil = store.pupils.all()[0]
    plan = record_plan(
        store,
        pupil.upn,
        "parenting_contract",
        "lead",
        parent_commitments="Walk to school together",
        school_support="Meet at the gate",
        agency_support="Parenting course",
        target_pct=95,
        starts=date(2024, 11, 4),
    )
    text = text_of(contract_document(store, plan.id, tmp_path / "c.pdf", TODAY))
    for expected in (
        "Parenting contract for Łucja Wiśniewska",
        "section 19 of the Anti-social Behaviour Act 2003",
        "Walk to school together",
        "Meet at the gate",
        "Parenting course",
        "at least 95% attendance",
        "Anna Wiśniewska (parent) Signed:",
        "Tomasz Wiśniewski (parent) Signed:",
        "Mr T. Okonjo (for the school)",
    ):
        assert expected in text, expected
    sam = record_meeting(
        store,
        pupil.upn,
        "sam",
        date(2024, 9, 13),
        "lead",
        target_pct=95,
        review_weeks=4,
        attendees="Anna Wiśniewska, Mr T. Okonjo",
        parent_attended=True,
        barriers="the bus",
        late_reason=LATE,
    )
    text = text_of(minutes_document(store, sam.id, tmp_path / "m.pdf", TODAY))
    assert (
        "School Attendance Meeting: Łucja Wiśniewska, 13/09/2024" in text
        and "A parent attended." in text
    )
    assert "the bus" in text and "from 14/09/2024 to 11/10/2024" in text
    text = text_of(home_visit_form(store, pupil.upn, tmp_path / "v.pdf", TODAY))
    assert (
        "Home visit record" in text
        and "12 Mill Lane" in text
        and "07700 900001" in text
        and "known as" not in text
    )
