"""Penalty notices end to end on a real school file, as the national framework sets them (The
Education (Penalty Notices) (England) (Amendment) Regulations 2024; DfE "Working together to
improve school attendance", Aug 2024, paras 174-200): the threshold (10 unauthorised sessions in 10
school weeks, or the LA's own numbers as school settings), Notice to Improve → request with evidence
→ issued (£80 within 21 days, £160 within 28; a second within 3 years £160 with no reduction; no
third) → paid / unpaid / withdrawn → prosecution."""

from dataclasses import replace
from datetime import date

import pytest

from attendance_desk.services import penalties
from attendance_desk.services.dashboard import period_board
from attendance_desk.services.figures import pupil_figures
from attendance_desk.services.letters import letter_choices
from attendance_desk.services.school import ServiceError, save_settings
from tests.helpers import text_of, upn

DAY = date(2024, 11, 20)


def test_figures_keep_the_10_week_fields_and_add_the_local_period(store):
    cal = store.pupils.by_upn(upn(3))
    row = pupil_figures(store, date(2024, 9, 1), DAY, pupils=[cal])[0]
    assert row.max_unauthorised_10_school_weeks == 11 and row.penalty_threshold
    assert (row.local_window_weeks, row.local_threshold) == (10, 10)
    assert row.max_unauthorised_local_window == 11 and row.local_penalty_threshold
    board = period_board(store, DAY, date(2024, 9, 1), DAY)
    assert [r.pupil.upn for r in board.penalty] == [upn(3)]
    # an LA whose code of conduct says 12 sessions in 12 school weeks
    save_settings(
        store, replace(store.settings.school(), penalty_sessions="12", penalty_weeks="12"), "Admin"
    )
    row = pupil_figures(store, date(2024, 9, 1), DAY, pupils=[cal])[0]
    assert row.max_unauthorised_10_school_weeks == 11 and row.penalty_threshold  # unchanged
    assert row.local_window_weeks == 12 and row.max_unauthorised_local_window == 11
    assert not row.local_penalty_threshold
    # the dashboard's list of pupils to consider for a notice follows the local authority's rule
    assert period_board(store, DAY, date(2024, 9, 1), DAY).penalty == []
    # the letters' penalty conditions use the setting too
    choices = {c.template: c for c in letter_choices(store, upn(3), DAY)}
    assert not choices["penalty_warning"].ok
    assert "at least 12 sessions" in choices["penalty_warning"].unmet[0]
    assert "last 12 school weeks" in choices["penalty_warning"].unmet[0]
    with pytest.raises(ServiceError, match="below the penalty-notice threshold of 12"):
        penalties.notice_to_improve(store, upn(3), DAY, date(2024, 12, 18), "Okonjo", today=DAY)


def test_below_the_threshold_a_notice_or_request_is_refused_naming_the_figures(store):
    with pytest.raises(ServiceError) as refused:
        penalties.notice_to_improve(store, upn(1), DAY, date(2024, 12, 18), "Okonjo", today=DAY)
    assert "threshold of 10 unauthorised sessions in 10 school weeks" in str(refused.value)
    assert "this school year is 0, and 0 in the last 10" in str(refused.value)
    with pytest.raises(ServiceError, match="below the penalty-notice threshold"):
        penalties.request_notice(
            store,
            DAY,
            "Okonjo",
            upn=upn(1),
            parent="Ms Jo Brook",
            no_notice_reason="the family did not engage with support",
            today=DAY,
        )
    # the office does not run casework; a lead may go ahead below the threshold with a reason
    with pytest.raises(ServiceError, match="cannot record stages"):
        penalties.notice_to_improve(
            store, upn(1), DAY, date(2024, 12, 18), "Reception", override_reason="x", today=DAY
        )
    assert penalties.cases(store) == []
    made = penalties.notice_to_improve(
        store,
        upn(1),
        DAY,
        date(2024, 12, 18),
        "Okonjo",
        parent="Ms Jo Brook",
        override_reason="the LA asked for a notice to improve after a court order",
        today=DAY,
    )
    figures = made[0].steps[0].figures
    assert figures["below_threshold_override"].startswith("the LA asked")
    entry = store.casework.for_pupil(made[0].pupil.id)[-1]
    assert "Below the threshold; reason to go ahead: the LA asked" in entry.notes


def test_the_whole_path_with_amounts_and_refusals(store, tmp_path):
    # notice to improve: 3 to 6 weeks of improvement
    with pytest.raises(ServiceError, match="3 to 6 weeks"):
        penalties.notice_to_improve(store, upn(3), DAY, date(2024, 11, 27), "Okonjo", today=DAY)
    (nti,) = penalties.notice_to_improve(
        store, upn(3), DAY, date(2024, 12, 18), "Okonjo", today=DAY
    )
    assert nti.parent == "Mrs Dee Field" and nti.state == "notice_to_improve"
    with pytest.raises(ServiceError, match="runs to 18/12/2024"):
        penalties.request_notice(store, date(2024, 12, 2), "Okonjo", case_id=nti.case_id, today=DAY)
    day = date(2024, 12, 19)
    requested = penalties.request_notice(store, day, "Okonjo", case_id=nti.case_id, today=day)
    evidence = requested.step("request").evidence
    assert "11/11/2024: AM N, PM O" in evidence["register_extract"]
    assert len(evidence["register_extract"]) == 6  # 11 sessions on 6 days
    assert evidence["missing"] == ["letters", "meetings"]
    form = penalties.request_form(store, nti.case_id, tmp_path / "request.pdf", "Okonjo")
    text = text_of(form)
    assert "Request to issue a penalty notice" in text and "Mrs Dee Field" in text
    assert "11 unauthorised sessions (the threshold is 10)" in text
    assert "20/11/2024, improvement period to 18/12/2024" in text
    assert "11/11/2024: AM N, PM O" in text and "Letters sent none recorded" in text
    # the declaration claims only the support the records show (here the notice to improve)
    assert "offered the family the support shown above" in text
    with pytest.raises(ServiceError, match="local authority's reference"):
        penalties.record_issued(store, nti.case_id, date(2025, 1, 6), " ", "Okonjo", today=DAY)
    jan6 = date(2025, 1, 6)
    issued = penalties.record_issued(store, nti.case_id, jan6, "NCC/PN/0042", "Okonjo", jan6)
    notice = issued.issued
    assert (notice.amount, notice.reduced_amount) == (160, 80)
    assert notice.reduced_by == date(2025, 1, 27) and notice.pay_by == date(2025, 2, 3)
    with pytest.raises(ServiceError, match="may still be paid until 03/02/2025"):
        penalties.record_outcome(
            store, nti.case_id, "unpaid", date(2025, 2, 3), "Okonjo", today=date(2025, 2, 3)
        )
    paid = penalties.record_outcome(
        store, nti.case_id, "paid", date(2025, 1, 27), "Okonjo", today=date(2025, 1, 27)
    )
    assert paid.state == "paid" and paid.step("paid").amount == 80  # within 21 days
    # a second notice to the same parent for the same child within three years: £160, no reduction
    second = penalties.request_notice(
        store,
        date(2025, 2, 10),
        "Okonjo",
        upn=upn(3),
        no_notice_reason="a notice to improve was given in November and was not heeded",
        today=date(2025, 2, 10),
    )
    feb12 = date(2025, 2, 12)
    second = penalties.record_issued(store, second.case_id, feb12, "NCC/PN/0077", "Okonjo", feb12)
    assert (second.issued.amount, second.issued.reduced_amount) == (160, None)
    assert (
        penalties.record_outcome(
            store, second.case_id, "paid", date(2025, 2, 20), "Okonjo", today=date(2025, 2, 20)
        )
        .step("paid")
        .amount
        == 160
    )
    # a third within three years is refused: prosecution is the route
    third = penalties.request_notice(
        store,
        date(2025, 2, 24),
        "Okonjo",
        upn=upn(3),
        no_notice_reason="two notices already paid this school year",
        today=date(2025, 2, 24),
    )
    with pytest.raises(
        ServiceError, match="third penalty notice within three years is not allowed"
    ):
        penalties.record_issued(
            store, third.case_id, date(2025, 2, 25), "NCC/PN/0099", "Okonjo", date(2025, 2, 25)
        )
    referred = penalties.refer_for_prosecution(
        store,
        date(2025, 2, 25),
        "Okonjo",
        "two notices in three years and absence continues",
        upn=upn(3),
        today=date(2025, 2, 25),
    )
    assert referred.state == "prosecution"
    cal = store.pupils.by_upn(upn(3))
    kinds = [e.outcome for e in store.casework.for_pupil(cal.id) if e.kind == "penalty"]
    assert kinds[0].startswith("Notice to improve to Mrs Dee Field")
    assert any("NCC/PN/0042 paid: £80" in k for k in kinds)
    assert any("prosecution" in k for k in kinds)
    actions = [a.action for a in store.audit.entries()]
    assert "penalty: penalty notice issued" in actions


def test_withdrawn_notices_do_not_count_and_unpaid_leads_to_prosecution(store):
    for ref, withdraw in (("A1", True), ("A2", False), ("A3", False)):
        c = penalties.request_notice(
            store,
            date(2024, 11, 20),
            "Okonjo",
            upn=upn(3),
            no_notice_reason="the family refused every offer of support",
            today=DAY,
        )
        c = penalties.record_issued(store, c.case_id, date(2024, 11, 20), ref, "Okonjo", today=DAY)
        if withdraw:
            with pytest.raises(ServiceError, match="why the notice was withdrawn"):
                penalties.record_outcome(store, c.case_id, "withdrawn", DAY, "Okonjo", today=DAY)
            penalties.record_outcome(
                store, c.case_id, "withdrawn", DAY, "Okonjo", "issued in error, wrong parent", DAY
            )
    # A1 withdrawn: A2 is the first (£80 reduction), A3 the second (no reduction)
    by_ref = {c.issued.la_reference: c.issued for c in penalties.cases(store, upn(3)) if c.issued}
    assert by_ref["A2"].reduced_amount == 80 and by_ref["A3"].reduced_amount is None
    a3 = next(
        c for c in penalties.cases(store, upn(3)) if c.issued and c.issued.la_reference == "A3"
    )
    with pytest.raises(ServiceError, match="follows a notice not paid"):
        penalties.refer_for_prosecution(
            store, DAY, "Okonjo", "absence continues all term", case_id=a3.case_id, today=DAY
        )
    dec19 = date(2024, 12, 19)
    unpaid = penalties.record_outcome(store, a3.case_id, "unpaid", dec19, "Okonjo", today=dec19)
    assert unpaid.state == "unpaid"
    done = penalties.refer_for_prosecution(
        store,
        dec19,
        "Okonjo",
        "notice not paid and absence continues",
        case_id=a3.case_id,
        today=dec19,
    )
    assert done.state == "prosecution"


def test_the_evidence_pack_lists_leave_and_penalty_steps(store, tmp_path):
    from attendance_desk.services import leave
    from attendance_desk.services.pack import assemble_evidence_pack

    (nti,) = penalties.notice_to_improve(
        store, upn(3), DAY, date(2024, 12, 18), "Okonjo", today=DAY
    )
    made = leave.record_request(
        store,
        [upn(3)],
        date(2024, 12, 9),
        date(2024, 12, 10),
        "a family holiday abroad",
        "Mrs Dee Field",
        DAY,
        "Okonjo",
        today=DAY,
    )
    leave.decide(store, made[0].id, "refused", "Harwood", DAY, today=DAY)
    out = tmp_path / "pack.pdf"
    assemble_evidence_pack(store, upn(3), DAY, out, "Okonjo")
    text = text_of(out)
    assert "Leave of absence, penalty notices and children missing education referrals" in text
    assert (
        "Penalty notice: notice to improve" in text and "improvement period to 18/12/2024" in text
    )
    assert "Leave refused by Harwood" in text


def test_the_local_numbers_are_whole_numbers_set_by_the_administrator(store):
    for field, value in (("penalty_weeks", "0"), ("penalty_sessions", "ten"), ("cme_days", "")):
        with pytest.raises(ServiceError, match="give a whole number"):
            save_settings(store, replace(store.settings.school(), **{field: value}), "Admin")
    with pytest.raises(ServiceError, match="cannot change settings"):
        save_settings(store, replace(store.settings.school(), penalty_weeks="12"), "Okonjo")
    assert store.settings.school().penalty_weeks == "10"
