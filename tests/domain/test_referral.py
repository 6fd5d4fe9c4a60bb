"""The referral table's rules as pure functions: facts in, verdicts out."""

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attendance_desk.domain.referral import (
    Status,
    assess,
    full_address,
    is_placeholder,
    lead_professional,
    referral_criteria,
    stage1_letters,
    stage2_letter,
)
from attendance_desk.domain.referral_facts import (
    Adult,
    Entry,
    LetterFact,
    Rates,
    ReferralFacts,
    ReferralThreshold,
)

DAY = date(2024, 11, 20)
MUM = Adult(1, "Anna Nowak", "Mother", True, True, "12 Mill Lane, Northbridge, NB1 2AB")
DAD = Adult(2, "Piotr Nowak", "Father", True, False, "4 Elm Court, Southbridge, NB9 9ZZ")
STAGE2_TEXT = (
    "We wrote to you.\n**From the date of this letter, absences will no longer be authorised without "
    "medical evidence** (for example an appointment card)."
)


def rates(unauthorised_10=0, max_10=0, absent=5, possible=100, persistent=False) -> Rates:
    return Rates(
        DAY,
        possible,
        absent,
        unauthorised_10,
        95.0,
        4.0,
        1.0,
        absent * 100 / possible,
        persistent,
        unauthorised_10,
        date(2024, 9, 9),
        max_10,
    )


def facts(**changes) -> ReferralFacts:
    base = ReferralFacts(
        today=DAY,
        pupil_name="Ola Nowak",
        dob=date(2015, 3, 2),
        child_in_need=False,
        cp_plan=False,
        social_worker="",
        pupil_address=MUM.address,
        adults=(MUM, DAD),
        siblings=(),
        threshold=ReferralThreshold(),
        rates=rates(),
    )
    return replace(base, **changes)


def letter(
    template,
    adult,
    text="Every day counts in school.",
    posted=date(2024, 10, 2),
    void="",
    address=None,
):
    return LetterFact(
        f"ATT/{adult.contact_id:05d}",
        template,
        template,
        adult.contact_id,
        adult.name,
        address or adult.address,
        date(2024, 10, 1),
        posted,
        text,
        void,
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "none",
        "None.",
        "-",
        "n/a",
        "N/A",
        "nil",
        "tbc",
        "attend/monitor",
        "Declined",
        "not known",
        "none at present",
        "see notes above",
        "no",
    ],
)
def test_placeholders_are_not_evidence(text):
    assert is_placeholder(text)


@pytest.mark.parametrize(
    "text", ["The bus is scary", "Mother accepted the offer", "School nurse referral made"]
)
def test_three_words_that_say_something_are(text):
    assert not is_placeholder(text)


@given(st.sampled_from(["none", "-", "n/a", "nil", "tbc", "no", "unknown"]), st.integers(1, 6))
def test_any_run_of_placeholder_words_is_a_placeholder(word, times):
    assert is_placeholder(" ".join([word] * times))


def test_a_full_address_has_a_line_and_a_postcode():
    assert full_address("12 Mill Lane, Northbridge, NB1 2AB") and full_address(
        "Flat 2, 1 High St, SW1A 1AA"
    )
    assert (
        not full_address("12 Mill Lane, Northbridge")
        and not full_address("NB1 2AB")
        and not full_address("")
    )


def test_the_threshold_is_the_schools_with_the_national_default():
    assert ReferralThreshold.from_dict({}) == ReferralThreshold(10, True)
    assert ReferralThreshold.from_dict(
        {"unauthorised_sessions": 8, "persistent_absence": False}
    ) == ReferralThreshold(8, False)
    with pytest.raises(ValueError, match="at least 1"):
        ReferralThreshold.from_dict({"unauthorised_sessions": 0})


def test_referral_criteria_state_which_was_met_with_the_figures():
    met = referral_criteria(facts(rates=rates(unauthorised_10=10, max_10=10)))
    assert (
        met.status == Status.MET
        and "10 unauthorised sessions in the 10 school weeks from 09/09/2024 to 20/11/2024"
        in met.detail
    )
    earlier = referral_criteria(facts(rates=rates(unauthorised_10=3, max_10=12)))
    assert (
        earlier.status == Status.MET
        and "12 unauthorised sessions in 10 school weeks this school year" in earlier.detail
    )
    persistent = referral_criteria(facts(rates=rates(absent=11, possible=106, persistent=True)))
    assert (
        persistent.status == Status.MET
        and "persistent absence: 11 of 106 sessions missed" in persistent.detail
    )
    two = referral_criteria(facts(rates=rates(unauthorised_10=2, max_10=2)))
    assert two.status == Status.MISSING and "not met: 2 unauthorised sessions" in two.detail
    # a school that refers at 8 sessions, and not for persistent absence alone
    school = ReferralThreshold(8, persistent_absence=False)
    assert referral_criteria(facts(threshold=school, rates=rates(unauthorised_10=8, max_10=8))).ok
    assert not referral_criteria(
        facts(threshold=school, rates=rates(absent=11, possible=106, persistent=True))
    ).ok


def test_stage_1_letters_to_each_parent_posted_to_a_full_address():
    assert (
        stage1_letters(facts(letters=(letter("stage1", MUM), letter("stage1", DAD)))).status
        == Status.MET
    )
    only_mum = stage1_letters(facts(letters=(letter("stage1", MUM),)))
    assert only_mum.status == Status.MISSING and only_mum.missing == (
        "no stage 1 letter to Piotr Nowak",
    )
    unposted = stage1_letters(
        facts(letters=(letter("stage1", MUM), letter("stage1", DAD, posted=None)))
    )
    assert unposted.missing == ("ATT/00002 to Piotr Nowak: no posting date recorded",)
    no_postcode = stage1_letters(
        facts(letters=(letter("stage1", MUM), letter("stage1", DAD, address="4 Elm Court")))
    )
    assert "is not a full postal address" in no_postcode.detail
    voided = stage1_letters(
        facts(letters=(letter("stage1", MUM), letter("stage1", DAD, void="wrong address")))
    )
    assert voided.missing == (
        "no stage 1 letter to Piotr Nowak (ATT/00002 is void: wrong address)",
    )
    nobody = stage1_letters(facts(adults=()))
    assert nobody.missing == ("no adult with parental responsibility is recorded",)


def test_the_stage_2_letter_must_say_absences_will_no_longer_be_authorised():
    said = facts(letters=(letter("stage2", MUM, STAGE2_TEXT), letter("stage2", DAD, STAGE2_TEXT)))
    assert stage2_letter(said).status == Status.MET
    unsaid = stage2_letter(
        facts(letters=(letter("stage2", MUM, STAGE2_TEXT), letter("stage2", DAD)))
    )
    assert unsaid.missing == (
        "ATT/00002 to Piotr Nowak does not say that absences will no longer be authorised "
        "without medical evidence",
    )


def test_lead_professional_applies_only_with_a_plan_or_social_worker():
    na = lead_professional(facts())
    assert na.status == Status.NOT_APPLICABLE and na.ok and "no child-in-need" in na.detail
    cin = facts(child_in_need=True, social_worker="Ms Dana Price")
    assert lead_professional(cin).status == Status.MISSING
    spoke = Entry(
        "call", date(2024, 11, 15), "Ms Dana Price", "Agreed the referral should go ahead"
    )
    assert lead_professional(replace(cin, entries=(spoke,))).status == Status.MET
    vague = Entry("lead_professional", date(2024, 11, 15), "Ms Dana Price", "ok")
    assert lead_professional(replace(cin, entries=(vague,))).status == Status.MISSING
    after = replace(spoke, on=date(2024, 11, 25))  # after the pack's date: not yet evidence
    assert lead_professional(replace(cin, entries=(after,))).status == Status.MISSING


def test_every_item_has_a_verdict_and_an_empty_file_is_incomplete():
    verdicts = assess(facts())
    assert len(verdicts) == 17 and len({v.item for v in verdicts}) == 17
    assert {v.item for v in verdicts if v.status == Status.NOT_APPLICABLE} == {
        "Decision discussed with the lead professional (CIN/CP plan)",
        "Letters sent against their conditions, stages entered out of order",
        "Medical evidence for absence recorded as illness",
    }
    assert all(v.detail for v in verdicts)


@pytest.mark.parametrize(
    "name",
    ["support_map.toml", "support_maps/la_three_stage.toml", "support_maps/school_six_step.toml"],
)
def test_the_shipped_support_maps_declare_the_national_threshold(name):
    from attendance_desk.paths import resource_path
    from attendance_desk.store.resources import load_support_map

    ladder = load_support_map(resource_path(*name.split("/")))
    assert ReferralThreshold.from_dict(ladder.referral) == ReferralThreshold(10, True)
