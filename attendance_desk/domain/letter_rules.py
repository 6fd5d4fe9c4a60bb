"""When a letter may be sent: each template declares its conditions in its header, as data.

    Name: Warning that a penalty notice may be issued
    Needs: unauthorised_last_10_weeks >= 1
    When: unauthorised_last_10_weeks >= penalty_threshold

`When:` conditions may be overridden, with a reason, by an attendance lead or the head teacher;
`Needs:` conditions may not (the letter's own wording depends on them: a failed-to-attend letter
without a recorded meeting would have no meeting to quote). The vocabulary:

| condition | holds when |
|---|---|
| `stage >= N` | the pupil is at the Nth step of the school's support map or beyond (or at or beyond the step whose letter this is) |
| `unauthorised >= N` | at least N sessions of unauthorised absence this school year, as at the letter's date |
| `unauthorised_last_10_weeks >= N` or `>= penalty_threshold` | that many unauthorised sessions in the school's penalty-notice window (a setting: 10 school weeks nationally, some LAs' codes of conduct differ) up to the letter's date; `penalty_threshold` is the school's setting (10 sessions nationally) |
| `missed_meeting` | the latest recorded meeting (School Attendance Meeting or planning meeting) was held without the parent |
| `review_target_met` | the latest review of a target found it met |
| `earlier_letter T` or `earlier_letter T1 or T2` | a letter from template T (or T1, T2) about the pupil was issued before and not voided |
| `late_this_half_term >= N`, `>= lateness_letter1` or `>= lateness_letter2` | at least N late marks (L, late before the register closed) this half-term up to the letter's date; `lateness_letter1`/`lateness_letter2` are the school's punctuality ladder (settings) |
| `early_help_offer` | the letter is made from a written offer of early help (`early-help offer`) |
| `leave_granted`, `leave_refused` | a leave-of-absence request was decided so (the letter is made from the request) |
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from attendance_desk.domain.figures import PENALTY_THRESHOLD_SESSIONS, PENALTY_WINDOW_WEEKS

KINDS = (
    "stage",
    "unauthorised",
    "unauthorised_last_10_weeks",
    "missed_meeting",
    "review_target_met",
    "earlier_letter",
    "leave_granted",
    "leave_refused",
    "late_this_half_term",
    "early_help_offer",
)
LATENESS_STEPS = ("lateness_letter1", "lateness_letter2")  # the school's punctuality ladder


class ConditionError(ValueError):
    """A condition the vocabulary does not have, or written wrongly."""


@dataclass(frozen=True)
class Condition:
    kind: str
    number: int = 0  # for stage / unauthorised / unauthorised_last_10_weeks
    templates: tuple[str, ...] = ()  # for earlier_letter
    overridable: bool = True  # When: (True) or Needs: (False)
    written: str = ""  # as in the template
    symbolic: str = ""  # "penalty_threshold": the number is the school's setting, read when checked


_AT_LEAST = re.compile(
    r"^(stage|unauthorised|unauthorised_last_10_weeks)\s*>=\s*(\d+|penalty_threshold)$"
)
_LATE = re.compile(r"^late_this_half_term\s*>=\s*(\d+|lateness_letter1|lateness_letter2)$")
_EARLIER = re.compile(r"^earlier_letter\s+([a-z0-9_]+(?:\s+or\s+[a-z0-9_]+)*)$")


def parse_condition(text: str, overridable: bool = True) -> Condition:
    written = " ".join(text.split())
    if written in (
        "missed_meeting",
        "review_target_met",
        "leave_granted",
        "leave_refused",
        "early_help_offer",
    ):
        return Condition(written, overridable=overridable, written=written)
    if m := _AT_LEAST.match(written):
        kind, value = m.groups()
        if value == "penalty_threshold":
            if kind != "unauthorised_last_10_weeks":
                raise ConditionError(
                    f"'{written}': penalty_threshold applies to unauthorised_last_10_weeks only"
                )
            return Condition(
                kind,
                number=PENALTY_THRESHOLD_SESSIONS,
                overridable=overridable,
                written=written,
                symbolic=value,
            )
        return Condition(kind, number=int(value), overridable=overridable, written=written)
    if m := _LATE.match(written):
        value = m.group(1)
        if value.isdigit():
            return Condition(
                "late_this_half_term", number=int(value), overridable=overridable, written=written
            )
        return Condition(
            "late_this_half_term", overridable=overridable, written=written, symbolic=value
        )
    if m := _EARLIER.match(written):
        return Condition(
            "earlier_letter",
            templates=tuple(re.split(r"\s+or\s+", m.group(1))),
            overridable=overridable,
            written=written,
        )
    raise ConditionError(
        f"'{written}' is not a condition Attendance Desk knows (it knows: {', '.join(KINDS)}; "
        "see letter_templates/README.md)"
    )


@dataclass(frozen=True)
class LetterFacts:
    """What was true about the pupil on the letter's date, for checking a letter's conditions."""

    stage_position: int  # 1-based position of the current stage in the support map; 0: no stage
    stage_name: str  # "" for none
    letter_stage_position: int | None  # the support-map step whose letter this template is, if any
    unauthorised: int  # this school year, up to the letter's date
    unauthorised_last_10_weeks: int
    window: str  # "02/09/2024 to 20/11/2024"
    missed_meeting: str = ""  # "12/11/2024" if the latest meeting was held without the parent
    latest_meeting: str = ""  # description of the latest meeting, if the parent attended it
    review: str = ""  # "met" / "not met (70.6% against a target of 95%)" / "" if none
    earlier_letters: dict[str, str] = field(
        default_factory=dict
    )  # template -> date of latest issued
    template_names: dict[str, str] = field(default_factory=dict)  # template -> human name
    # the local authority's code of conduct, as the school's settings (national: 10 in 10 school weeks)
    penalty_threshold: int = PENALTY_THRESHOLD_SESSIONS
    window_weeks: int = PENALTY_WINDOW_WEEKS
    leave_decision: str = ""  # "granted" / "refused": the leave request a letter is made from
    early_help_offer: bool = False  # the letter is made from a written offer of early help
    # punctuality: late marks (L) this half-term up to the letter's date, the half-term's dates, and
    # the school's ladder (settings: late marks for the first and the second lateness letter)
    late_this_half_term: int = 0
    half_term: str = ""  # "04/11/2024 and 29/11/2024"
    lateness_letter1: int = 5
    lateness_letter2: int = 10


def _letter_names(condition: Condition, facts: LetterFacts) -> str:
    return " or ".join(facts.template_names.get(t, t) for t in condition.templates)


def _number(condition: Condition, facts: LetterFacts | None) -> int:
    if condition.symbolic == "penalty_threshold" and facts is not None:
        return facts.penalty_threshold
    if condition.symbolic in LATENESS_STEPS:
        return getattr(facts or LetterFacts(0, "", None, 0, 0, ""), condition.symbolic)
    return condition.number


def describe(condition: Condition, facts: LetterFacts | None = None) -> str:
    """The condition in words a person reads (in refusals and the Letter dialog)."""
    n = _number(condition, facts)
    names = facts or LetterFacts(0, "", None, 0, 0, "")
    if condition.kind == "stage":
        if facts and facts.letter_stage_position:
            n = min(n, facts.letter_stage_position)
        return f"the pupil is at stage {n} of the support map or beyond"
    if condition.kind == "unauthorised":
        return (
            f"at least {n} session{'s' if n != 1 else ''} of unauthorised absence this school year"
        )
    if condition.kind == "unauthorised_last_10_weeks":
        threshold = " (the penalty-notice threshold)" if condition.symbolic else ""
        weeks = names.window_weeks
        return f"at least {n} session{'s' if n != 1 else ''} of unauthorised absence in the last {weeks} school weeks{threshold}"
    if condition.kind == "missed_meeting":
        return "a recorded meeting that the parent did not attend"
    if condition.kind == "review_target_met":
        return "the latest review found the attendance target met"
    if condition.kind == "late_this_half_term":
        step = (
            f" (step {condition.symbolic[-1]} of the school's punctuality ladder)"
            if condition.symbolic
            else ""
        )
        return f"at least {n} late mark{'s' if n != 1 else ''} (L) this half-term{step}"
    if condition.kind == "early_help_offer":
        return "an offer of early help being made (the letter is made from the offer: `early-help offer`)"
    if condition.kind in ("leave_granted", "leave_refused"):
        decided = condition.kind.removeprefix("leave_")
        return f"a leave-of-absence request {decided} (the letter is made from the request: `leave letter`)"
    return f"an earlier {_letter_names(condition, names)} letter has been issued (and not voided)"


def check(condition: Condition, facts: LetterFacts) -> str | None:
    """None when the condition holds; otherwise what was found instead."""
    kind, n = condition.kind, _number(condition, facts)
    if kind == "stage":
        needed = min(n, facts.letter_stage_position) if facts.letter_stage_position else n
        if facts.stage_position >= needed:
            return None
        return f"now at {facts.stage_name}" if facts.stage_name else "the pupil is at no stage"
    if kind == "unauthorised":
        return None if facts.unauthorised >= n else f"{facts.unauthorised} this school year"
    if kind == "unauthorised_last_10_weeks":
        if facts.unauthorised_last_10_weeks >= n:
            return None
        return f"{facts.unauthorised_last_10_weeks} between {facts.window}"
    if kind == "missed_meeting":
        if facts.missed_meeting:
            return None
        return facts.latest_meeting or "no meeting is recorded"
    if kind == "review_target_met":
        if facts.review == "met":
            return None
        return (
            f"the latest review: target {facts.review}"
            if facts.review
            else "no review of a target is recorded"
        )
    if kind == "late_this_half_term":
        if facts.late_this_half_term >= n:
            return None
        where = f" between {facts.half_term}" if facts.half_term else " (not in a half-term)"
        return f"{facts.late_this_half_term}{where}"
    if kind == "early_help_offer":
        return None if facts.early_help_offer else "no offer being made"
    if kind in ("leave_granted", "leave_refused"):
        if facts.leave_decision == kind.removeprefix("leave_"):
            return None
        return f"leave {facts.leave_decision}" if facts.leave_decision else "no leave request given"
    if any(t in facts.earlier_letters for t in condition.templates):
        return None
    return "none issued"


def unmet(conditions: tuple[Condition, ...], facts: LetterFacts) -> list[tuple[Condition, str]]:
    """Each condition that does not hold, with its explanation ("condition (found)")."""
    result = []
    for condition in conditions:
        found = check(condition, facts)
        if found is not None:
            result.append((condition, f"{describe(condition, facts)} ({found})"))
    return result
