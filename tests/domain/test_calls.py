from datetime import date, timedelta

from attendance_desk.domain.calls import (
    ContactForCalls,
    Phone,
    PupilForCalls,
    Rag,
    build_call_list,
)
from attendance_desk.store.resources import default_code_table

CODES = default_code_table()
TODAY = date(2024, 11, 20)
EARLIER = [TODAY - timedelta(days=d) for d in (1, 2, 5, 6, 7)]  # school days, most recent first


def pupil(pid, name, vulnerable=(), amber=()):
    return PupilForCalls(pid, f"UPN{pid}", name, "4A", "4", tuple(vulnerable), tuple(amber))


def contact(cid, name, priority, pr=True):
    return ContactForCalls(
        cid, name, "Mother", pr, priority, (Phone("mobile", f"07700 900{cid:03d}"),)
    )


def test_selects_n_and_missing_marks_only():
    candidates = [
        (pupil(1, "A"), "N"),
        (pupil(2, "B"), None),
        (pupil(3, "C"), "I"),
        (pupil(4, "D"), "/"),
    ]
    result = build_call_list(TODAY, "AM", candidates, EARLIER, {}, {}, {}, CODES)
    assert sorted(p.pupil.pupil_id for f in result.families for p in f.pupils) == [1, 2]


def test_siblings_are_one_call_and_vulnerable_come_first():
    mum, gran, other = (
        contact(10, "Mum", 1),
        contact(11, "Gran", 2, pr=False),
        contact(12, "Dad", 1),
    )
    candidates = [
        (pupil(1, "Zac"), "N"),
        (pupil(2, "Amy"), "N"),
        (pupil(3, "Ben", vulnerable=["child protection plan"]), "N"),
    ]
    contacts = {1: [mum, gran], 2: [contact(10, "Mum", 2)], 3: [other]}
    result = build_call_list(TODAY, "AM", candidates, EARLIER, {}, {}, contacts, CODES)
    assert len(result.families) == 2
    first, second = result.families
    assert first.rag == Rag.RED and [p.pupil.name for p in first.pupils] == ["Ben"]
    assert sorted(p.pupil.name for p in second.pupils) == ["Amy", "Zac"]
    assert [c.name for c in second.contacts] == ["Mum", "Gran"]  # each person once, best priority


def test_consecutive_days_and_prompts():
    history = {1: {EARLIER[0]: ["N", "N"], EARLIER[1]: ["I", "I"], EARLIER[2]: ["/", "\\"]}}
    result = build_call_list(TODAY, "AM", [(pupil(1, "A"), "N")], EARLIER, history, {}, {}, CODES)
    (call,) = result.families[0].pupils
    assert call.consecutive_days == 3  # today, yesterday, the day before; present before that
    assert call.days_without_contact == 3 and any("home visit" in p for p in call.prompts)
    # a parent reached yesterday resets the count
    result = build_call_list(
        TODAY, "AM", [(pupil(1, "A"), "N")], EARLIER, history, {1: EARLIER[0]}, {}, CODES
    )
    assert result.families[0].pupils[0].days_without_contact == 1
    assert result.families[0].pupils[0].prompts == ()


def test_ten_days_without_contact_prompts_missing_education_referral():
    earlier = [TODAY - timedelta(days=d) for d in range(1, 15)]
    history = {1: {d: ["N", "N"] for d in earlier}}
    result = build_call_list(TODAY, "AM", [(pupil(1, "A"), "N")], earlier, history, {}, {}, CODES)
    assert any("children missing education" in p for p in result.families[0].pupils[0].prompts)
