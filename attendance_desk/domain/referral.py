"""The local authority's referral table as rules: the facts about one pupil in, one verdict per item
out (met, missing, or not applicable with the reason), each naming the evidence it found or what is
missing. No database, no files, no clock: the pack's date is in the facts.

The items follow the Halton referral table (issue 10, DOMAIN.md §6). Free text that only fills a box
("none", "-", "n/a", "tbc", a word or two) is never evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from attendance_desk.domain.referral_facts import Entry, MeetingFact, ReferralFacts, dmy

PLACEHOLDER_WORDS = {
    "none",
    "nil",
    "n/a",
    "na",
    "n.a.",
    "-",
    "--",
    "–",
    "—",
    "tbc",
    "tba",
    "tbd",
    "unknown",
    "no",
    "nothing",
    "not",
    "known",
    "applicable",
    "recorded",
    "see",
    "notes",
    "above",
    "as",
    "yes",
    "ok",
    "?",
    "x",
    ".",
    "at",
    "present",
    "this",
    "time",
    "the",
    "yet",
    "currently",
    "to",
    "be",
    "confirmed",
    "given",
    "further",
    "comment",
    "comments",
    "report",
    "same",
    "ditto",
}
MIN_WORDS = 3
STAGE1, STAGE2 = "stage1", "stage2"
FORMAL_WARNINGS = (
    "formal_warning",
    "penalty_warning",
    "notice_to_improve",
)  # letters that warn of legal action
NO_LONGER_AUTHORISED = re.compile(
    r"no longer be authorised.{0,40}without medical evidence", re.IGNORECASE | re.DOTALL
)
POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b", re.IGNORECASE)


def is_placeholder(text: str | None) -> bool:
    """True for text that fills a box without saying anything: empty, "none", "-", "n/a", "tbc",
    "attend/monitor", or fewer than three words."""
    words = (text or "").replace("*", " ").split()
    if len(words) < MIN_WORDS:
        return True
    return all(
        w.strip(".,;:!()'\"").lower() in PLACEHOLDER_WORDS or not w.strip(".,;:!()'\"")
        for w in words
    )


def is_name(text: str | None) -> bool:
    """A name (an agency, a person) may be one word ("CAMHS"), but not a placeholder."""
    words = (text or "").split()
    return bool(words) and not all(w.strip(".,;:()").lower() in PLACEHOLDER_WORDS for w in words)


def full_address(address: str) -> bool:
    """A postal address with at least one line before a postcode."""
    lines = [x.strip() for x in address.split(",") if x.strip()]
    return len(lines) >= 2 and bool(POSTCODE.search(address))


class Status(StrEnum):
    MET = "met"
    MISSING = "missing"
    NOT_APPLICABLE = "not applicable"


@dataclass(frozen=True)
class Verdict:
    item: str
    status: Status
    evidence: tuple[str, ...] = ()  # what was found (for a met item, why it is met)
    missing: tuple[str, ...] = ()  # what is missing (for a missing item)
    reason: str = ""  # why the item does not apply

    @property
    def ok(self) -> bool:
        return self.status != Status.MISSING

    @property
    def detail(self) -> str:
        if self.status == Status.NOT_APPLICABLE:
            return self.reason
        parts = (
            self.missing + (("found: " + "; ".join(self.evidence),) if self.evidence else ())
            if self.status == Status.MISSING
            else self.evidence
        )
        return "; ".join(parts)


# ---------------------------------------------------------------- the rules


def referral_criteria(f: ReferralFacts) -> Verdict:
    item, t, r = "Referral criteria met", f.threshold, f.rates
    if r is None or not r.possible:
        return Verdict(
            item,
            Status.MISSING,
            missing=(f"no sessions on roll this school year by {dmy(f.today)}",),
        )
    window = (
        f" from {dmy(r.window_start)} to {dmy(r.day)}" if r.window_start else f" to {dmy(r.day)}"
    )
    threshold = f"the school's threshold is {t.unauthorised_sessions} unauthorised sessions in 10 school weeks"
    if r.unauthorised_10_weeks >= t.unauthorised_sessions:
        return Verdict(
            item,
            Status.MET,
            (
                f"{r.unauthorised_10_weeks} unauthorised sessions in the 10 school weeks"
                f"{window}; {threshold}",
            ),
        )
    if r.max_10_weeks >= t.unauthorised_sessions:
        return Verdict(
            item,
            Status.MET,
            (
                f"{r.max_10_weeks} unauthorised sessions in 10 school weeks this school year "
                f"(as at {dmy(r.day)}; {r.unauthorised_10_weeks} in the last 10); {threshold}",
            ),
        )
    absence = f"{r.absent} of {r.possible} sessions missed ({r.absence_pct:.1f}%) this school year as at {dmy(r.day)}"
    if t.persistent_absence and r.persistent:
        return Verdict(item, Status.MET, (f"persistent absence: {absence}",))
    also = " or persistent absence (10% or more)" if t.persistent_absence else ""
    return Verdict(
        item,
        Status.MISSING,
        missing=(
            f"not met: {r.unauthorised_10_weeks} unauthorised sessions in the 10 school weeks{window} "
            f"(at most {r.max_10_weeks} in any 10 this year) and {absence}; {threshold}{also}",
        ),
    )


def _letters_to_each_parent(
    f: ReferralFacts,
    item: str,
    templates: tuple[str, ...],
    what: str,
    wording: re.Pattern | None = None,
) -> Verdict:
    if not f.with_pr:
        return Verdict(
            item, Status.MISSING, missing=("no adult with parental responsibility is recorded",)
        )
    found, missing = [], []
    for adult in f.with_pr:
        theirs = [
            x
            for x in f.letters
            if x.template in templates
            and x.contact_id == adult.contact_id
            and x.letter_date
            and x.letter_date <= f.today
        ]
        valid = [x for x in theirs if not x.void_reason]
        good = [
            x
            for x in valid
            if x.posted_on
            and full_address(x.address)
            and (wording is None or wording.search(x.text.replace("*", "")))
        ]
        if good:
            x = good[-1]
            found.append(
                f"{x.reference} {x.name} to {x.addressee}, {x.address}: dated {dmy(x.letter_date)}, "
                f"posted {dmy(x.posted_on)}"
            )
            continue
        voided = "".join(
            f" ({x.reference} is void: {x.void_reason})" for x in theirs if x.void_reason
        )
        if not valid:
            missing.append(f"no {what} to {adult.name}{voided}")
        for x in valid:
            if wording is not None and not wording.search(x.text.replace("*", "")):
                missing.append(
                    f"{x.reference} to {adult.name} does not say that absences will no longer be "
                    "authorised without medical evidence"
                )
            elif not full_address(x.address):
                missing.append(
                    f"{x.reference} to {adult.name}: the address '{x.address}' is not a full postal address"
                )
            elif not x.posted_on:
                missing.append(f"{x.reference} to {adult.name}: no posting date recorded")
    return Verdict(item, Status.MISSING if missing else Status.MET, tuple(found), tuple(missing))


def stage1_letters(f: ReferralFacts) -> Verdict:
    return _letters_to_each_parent(
        f,
        "Stage 1 letters, posted to each adult with parental responsibility",
        (STAGE1,),
        "stage 1 letter",
    )


def stage2_letter(f: ReferralFacts) -> Verdict:
    return _letters_to_each_parent(
        f,
        "Stage 2 letter: absences no longer authorised without medical evidence",
        (STAGE2,),
        "stage 2 letter",
        NO_LONGER_AUTHORISED,
    )


def formal_warning(f: ReferralFacts) -> Verdict:
    return _letters_to_each_parent(
        f,
        "A formal warning letter issued before the referral",
        FORMAL_WARNINGS,
        "formal warning letter (formal warning, penalty warning or notice to improve)",
    )


def _sams(f: ReferralFacts) -> list[MeetingFact]:
    return [m for m in f.meetings if m.kind == "sam" and m.held_on <= f.today]


def _reviews(f: ReferralFacts, meeting: MeetingFact | None = None) -> list[MeetingFact]:
    return [
        m
        for m in f.meetings
        if m.kind == "review"
        and m.held_on <= f.today
        and (meeting is None or m.reviews_meeting_id == meeting.id)
    ]


def meetings_and_reviews(f: ReferralFacts) -> Verdict:
    item = "School Attendance Meeting, target between two dates, reviews with rates"
    sams = _sams(f)
    if not sams:
        return Verdict(item, Status.MISSING, missing=("no School Attendance Meeting recorded",))
    found, missing, complete = [], [], False
    for sam in sams:
        rates = f"; {sam.rates.text()}" if sam.rates else ""
        if sam.target_pct is None or not (sam.target_from and sam.target_to):
            missing.append(f"SAM of {dmy(sam.held_on)}: no attendance target set between two dates")
            continue
        found.append(
            f"SAM {dmy(sam.held_on)}: target {sam.target_pct:g}% between {dmy(sam.target_from)} and "
            f"{dmy(sam.target_to)}{rates}"
        )
        reviews = _reviews(f, sam)
        for review in reviews:
            found.append(
                f"review {dmy(review.held_on)}: "
                + (review.rates.text() if review.rates else "no figures")
            )
        if reviews:
            complete = True
        else:
            missing.append(
                f"no review of the SAM of {dmy(sam.held_on)} (review due {dmy(sam.target_to)})"
            )
    return Verdict(
        item,
        Status.MET if complete else Status.MISSING,
        tuple(found),
        () if complete else tuple(missing),
    )


def progress(f: ReferralFacts) -> Verdict:
    item = "Progress made or not"
    found = []
    for review in _reviews(f):
        if review.target_pct is None or review.achieved is None:
            continue
        verdict = "met" if review.target_met else "not met"
        line = (
            f"review {dmy(review.held_on)}: {review.achieved:.1f}% between {dmy(review.target_from)} and "
            f"{dmy(min(review.target_to or review.held_on, review.held_on))} against a target of {review.target_pct:g}%: {verdict}"
        )
        sam = next((m for m in f.meetings if m.id == review.reviews_meeting_id), None)
        at_sam = sam.rates.attendance_pct if sam and sam.rates else None
        at_review = review.rates.attendance_pct if review.rates else None
        if at_sam is not None and at_review is not None:  # None: no possible sessions
            change = at_review - at_sam
            trend = "improved" if change > 0 else "fell" if change < 0 else "unchanged"
            line += (
                f"; attendance this school year {at_sam:.1f}% at the SAM, "
                f"{at_review:.1f}% at the review ({trend})"
            )
        found.append(line)
    if found:
        return Verdict(item, Status.MET, tuple(found))
    return Verdict(
        item, Status.MISSING, missing=("no review has measured attendance against a target",)
    )


def _entries(f: ReferralFacts, kind: str) -> list[Entry]:
    return [e for e in f.entries if e.kind == kind and e.on <= f.today]


def early_help(f: ReferralFacts) -> Verdict:
    item = "Early help offered (with date) and its outcome"
    offers = _entries(f, "early_help")
    written = [
        f"{offer.rstrip('.')}; answer: {answer}" for offer, answer in f.written_offers if answer
    ]
    unanswered = [
        f"the written offer {offer} has no answer recorded"
        for offer, answer in f.written_offers
        if not answer
    ]
    if written:
        return Verdict(
            item,
            Status.MET,
            tuple(written)
            + tuple(
                f"offered {dmy(e.on)}: {e.notes or 'offer'}; outcome: {e.outcome}"
                for e in offers
                if not is_placeholder(e.outcome)
            ),
        )
    if unanswered and not any(not is_placeholder(e.outcome) for e in offers):
        return Verdict(item, Status.MISSING, missing=tuple(unanswered))
    if not offers:
        return Verdict(
            item,
            Status.MISSING,
            missing=("no offer of early help recorded (an 'early help' contact)",),
        )
    found = [
        f"offered {dmy(e.on)}"
        + (f" ({e.with_whom})" if e.with_whom else "")
        + f": {e.notes or 'offer'}; "
        f"outcome: {e.outcome}"
        for e in offers
        if not is_placeholder(e.outcome)
    ]
    if found:
        return Verdict(item, Status.MET, tuple(found))
    return Verdict(
        item,
        Status.MISSING,
        missing=tuple(
            f"the offer of {dmy(e.on)} has no outcome recorded"
            + (f" ('{e.outcome}' says nothing)" if e.outcome else "")
            for e in offers
        ),
    )


def _meeting_text(f: ReferralFacts, item: str, attribute: str, what: str) -> Verdict:
    said = [
        (m, getattr(m, attribute))
        for m in f.meetings
        if m.held_on <= f.today and getattr(m, attribute).strip()
    ]
    found = [f"{m.label} {dmy(m.held_on)}: {text}" for m, text in said if not is_placeholder(text)]
    if found:
        return Verdict(item, Status.MET, tuple(found))
    empty = tuple(
        f"{m.label} {dmy(m.held_on)} records '{text}', which is not an account of {what}"
        for m, text in said
    )
    return Verdict(item, Status.MISSING, missing=empty or (f"no meeting records {what}",))


def pupil_views(f: ReferralFacts) -> Verdict:
    return _meeting_text(f, "Pupil's views", "pupil_voice", "the pupil's views")


def barriers(f: ReferralFacts) -> Verdict:
    return _meeting_text(f, "Barriers to attendance", "barriers", "the barriers to attendance")


def actions_and_outcomes(f: ReferralFacts) -> Verdict:
    item = "Actions and adjustments, with their outcomes"
    actions: list[str] = []
    empty: list[str] = []
    for m in f.meetings:
        for who, what in m.actions:
            (empty if is_placeholder(what) else actions).append(
                f"{m.label} {dmy(m.held_on)}, {who}: {what}"
            )
    for p in f.plans:
        for who, what in (
            ("parent", p.parent_commitments),
            ("school", p.school_support),
            ("others", p.agency_support),
        ):
            if what.strip():
                (empty if is_placeholder(what) else actions).append(
                    f"{p.label} {dmy(p.starts)}, {who}: {what}"
                )
    outcomes = [
        f"outcome at the review of {dmy(m.held_on)}: {m.decision}"
        for m in _reviews(f)
        if not is_placeholder(m.decision)
    ]
    adjustments = [f"adjustment: {a}" for a in f.adjustments]
    missing = []
    if not actions:
        missing.append("no actions agreed at a meeting or in a plan")
    if not outcomes:
        missing.append("no review records the outcome of the actions")
    missing += [
        f"'{x.split(': ', 1)[-1]}' ({x.split(': ', 1)[0]}) is not a statement of actions"
        for x in empty
    ]
    status = Status.MET if actions and outcomes else Status.MISSING
    return Verdict(
        item,
        status,
        tuple(actions + adjustments + outcomes),
        () if status == Status.MET else tuple(missing),
    )


def impact_on_child(f: ReferralFacts) -> Verdict:
    item = "Impact of the absence on the child"
    records = _entries(f, "impact")
    found = [
        f"{dmy(e.on)}" + (f" ({e.with_whom})" if e.with_whom else "") + f": {text}"
        for e in records
        for text in ("; ".join(x for x in (e.outcome, e.notes) if x.strip()),)
        if not is_placeholder(text)
    ]
    if found:
        return Verdict(item, Status.MET, tuple(found))
    return Verdict(
        item,
        Status.MISSING,
        missing=(
            "no assessment of the impact of the absence on the child recorded (an 'impact' entry)"
            if not records
            else "the impact recorded says nothing about the child",
        ),
    )


def lead_professional(f: ReferralFacts) -> Verdict:
    item = "Decision discussed with the lead professional (CIN/CP plan)"
    plans = [
        x
        for x, on in (("child-in-need plan", f.child_in_need), ("child-protection plan", f.cp_plan))
        if on
    ]
    if f.social_worker.strip():
        plans.append(f"social worker {f.social_worker.strip()}")
    if not plans:
        return Verdict(
            item,
            Status.NOT_APPLICABLE,
            reason="no child-in-need or child-protection plan and no social worker recorded",
        )
    worker = f.social_worker.strip().lower()
    talks = [
        e
        for e in f.entries
        if e.on <= f.today
        and e.kind not in ("letter", "social_worker")  # telling of an absence is not a discussion
        and (e.kind == "lead_professional" or (worker and worker in e.with_whom.lower()))
    ]
    found = [
        f"{dmy(e.on)} with {e.with_whom or 'the lead professional'}: {text}"
        for e in talks
        for text in ("; ".join(x for x in (e.outcome, e.notes) if x.strip()),)
        if not is_placeholder(text)
    ]
    if found:
        return Verdict(item, Status.MET, tuple(found))
    return Verdict(
        item,
        Status.MISSING,
        missing=(
            f"{', '.join(plans)}: no recorded discussion of the referral with the lead professional",
        ),
    )


def agencies(f: ReferralFacts) -> list[str]:
    names = []
    if f.social_worker.strip():
        names.append(f"Children's social care ({f.social_worker.strip()}, social worker)")
    worker = f.social_worker.strip().lower()
    names += [
        e.with_whom
        for e in f.entries
        if e.kind in ("early_help", "lead_professional")
        and is_name(e.with_whom)
        and not (worker and worker in e.with_whom.lower())
    ]
    names += [p.agency_support for p in f.plans if not is_placeholder(p.agency_support)]
    names += [
        f"Early help ({offer.rstrip('.')}; {answer})"
        for offer, answer in f.written_offers
        if answer.startswith("accepted")
    ]
    names += [
        what
        for m in f.meetings
        for who, what in m.actions
        if who == "others" and not is_placeholder(what)
    ]
    return list(dict.fromkeys(names))


def referral_reason(f: ReferralFacts) -> str:
    criteria = referral_criteria(f)
    if criteria.status != Status.MET:
        return ""
    decisions = [m.decision for m in _reviews(f) if not is_placeholder(m.decision)]
    return criteria.evidence[0] + (f". Latest review: {decisions[-1]}" if decisions else "")


def referral_form(f: ReferralFacts) -> Verdict:
    item = "EWS referral form"
    missing = []
    if not f.dob:
        missing.append("date of birth not recorded")
    if not full_address(f.pupil_address):
        missing.append(
            "the pupil's home address (of an adult living with the pupil) is not recorded in full"
        )
    carers = [a for a in f.adults if a.parental_responsibility or a.lives_with]
    if not f.with_pr:
        missing.append("no adult with parental responsibility recorded")
    missing += [
        f"{a.name} ({a.relationship or 'contact'}): no full postal address"
        for a in carers
        if not full_address(a.address)
    ]
    if not agencies(f):
        missing.append(
            "no agency involved is recorded (early help, social worker, support in a plan)"
        )
    if not referral_reason(f):
        missing.append("reason for referral: the referral criteria are not met")
    found = [
        f"{f.pupil_name}, born {dmy(f.dob) or 'not recorded'}",
        f"{len(carers)} adult(s) with parental responsibility or day-to-day care",
        f"{len(f.siblings)} brother(s) or sister(s) recorded",
        f"{len(agencies(f))} agency(ies)",
    ]
    return Verdict(item, Status.MISSING if missing else Status.MET, tuple(found), tuple(missing))


def certificate(f: ReferralFacts) -> Verdict:
    item = "Head teacher's certificate of attendance (s.566)"
    if f.certificate:
        return Verdict(item, Status.MET, (f.certificate,))
    return Verdict(
        item, Status.MISSING, missing=(f"not attached: {f.certificate_problem or 'not made'}",)
    )


def letter_copies(f: ReferralFacts) -> Verdict:
    item = "Copies of the letters issued"
    void = [
        f"{x.reference} is void ({x.void_reason}): listed, not attached"
        for x in f.letters
        if x.void_reason
    ]
    if f.copy_problems:
        return Verdict(item, Status.MISSING, tuple(void), tuple(f.copy_problems))
    if not f.letter_copies:
        return Verdict(item, Status.MISSING, tuple(void), ("no letter has been issued",))
    return Verdict(
        item, Status.MET, (f"{len(f.letter_copies)} attached: {', '.join(f.letter_copies)}", *void)
    )


def overrides(f: ReferralFacts) -> Verdict:
    item = "Letters sent against their conditions, stages entered out of order"
    found = [
        f"{x.reference} {x.name} ({dmy(x.letter_date)}): sent although not met: {x.overridden}; reason: "
        f"{x.override_reason}" + (" (void)" if x.void_reason else "")
        for x in f.letters
        if x.override_reason
    ]
    found += list(f.steps_out_of_order)
    if found:
        return Verdict(item, Status.MET, tuple(found))
    return Verdict(
        item,
        Status.NOT_APPLICABLE,
        reason="every letter met its conditions and the stages were taken in order",
    )


def medical_evidence(f: ReferralFacts) -> Verdict:
    item = "Medical evidence for absence recorded as illness"
    if f.illness_undecided:
        return Verdict(
            item,
            Status.MISSING,
            missing=tuple(f.illness_undecided[:10])
            + (
                (f"and {len(f.illness_undecided) - 10} more",)
                if len(f.illness_undecided) > 10
                else ()
            ),
        )
    found = tuple(f"received: {x}" for x in f.medical_evidence) + tuple(
        f"illness without evidence: {x}" for x in f.illness_decisions
    )
    if found:
        return Verdict(item, Status.MET, found)
    return Verdict(
        item,
        Status.NOT_APPLICABLE,
        reason="no medical evidence was asked for: no illness absence since stage 2 waits for a decision",
    )


RULES = (
    referral_criteria,
    stage1_letters,
    stage2_letter,
    formal_warning,
    meetings_and_reviews,
    progress,
    early_help,
    medical_evidence,
    pupil_views,
    barriers,
    actions_and_outcomes,
    impact_on_child,
    lead_professional,
    referral_form,
    certificate,
    letter_copies,
    overrides,
)


def assess(facts: ReferralFacts) -> list[Verdict]:
    """Every item of the referral table, in the table's order."""
    return [rule(facts) for rule in RULES]
