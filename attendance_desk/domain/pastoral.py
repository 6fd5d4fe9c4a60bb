"""Record types and rules for medical evidence, early help offered in writing, lateness letters and
recognition certificates. Plain values, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from attendance_desk.presentation import dmy

ILLNESS_CODE = "I"
UNAUTHORISED_INSTEAD = "O"  # DfE: illness not accepted -> unauthorised, "other" (O)
ANSWERS = {"accepted": "accepted", "declined": "declined", "no_answer": "no answer"}


@dataclass(frozen=True)
class MedicalEvidence:
    id: int | None
    pupil_id: int
    received_on: date
    what: str  # "GP letter", "appointment card", "prescription"
    from_whom: str
    dated: date  # the date on the evidence
    covers_from: date
    covers_to: date
    notes: str = ""
    by_user: str = ""

    def covers(self, day: date) -> bool:
        return self.covers_from <= day <= self.covers_to

    def text(self) -> str:
        span = (
            f"{dmy(self.covers_from)}"
            if self.covers_from == self.covers_to
            else f"{dmy(self.covers_from)} to {dmy(self.covers_to)}"
        )
        return (
            f"{self.what} from {self.from_whom}, dated {dmy(self.dated)}, received "
            f"{dmy(self.received_on)}, covering {span}"
        )


@dataclass(frozen=True)
class IllnessDecision:
    id: int | None
    pupil_id: int
    day: date
    session: str
    decision: str  # "I" (authorised) or "O" (unauthorised)
    reason: str
    by_user: str = ""
    recorded_at: str = ""


@dataclass(frozen=True)
class EarlyHelpOffer:
    id: int | None
    pupil_id: int
    offered_on: date
    what: str  # the help offered, in the letter's words
    letter_refs: str = ""  # "ATT/00012, ATT/00013"
    answer: str | None = None  # accepted / declined / no_answer
    answered_on: date | None = None
    answer_note: str = ""
    by_user: str = ""
    answered_by: str = ""

    @property
    def answer_text(self) -> str:
        if not self.answer:
            return "no answer recorded yet"
        note = f" ({self.answer_note})" if self.answer_note else ""
        return f"{ANSWERS[self.answer]} on {dmy(self.answered_on)}{note}"


@dataclass(frozen=True)
class LatenessLadder:
    """The school's punctuality ladder: this many late marks (L) in a half-term for letter 1, and
    for letter 2 (school policy; no national rule)."""

    letter1: int = 5
    letter2: int = 10

    def step(self, lates: int) -> int:
        return 2 if lates >= self.letter2 else 1 if lates >= self.letter1 else 0

    def problems(self) -> list[str]:
        if self.letter1 < 1:
            return ["the first lateness letter needs at least 1 late mark"]
        if self.letter2 <= self.letter1:
            return [
                f"the second lateness letter ({self.letter2}) must need more late marks than the "
                f"first ({self.letter1})"
            ]
        return []


MIN_AWARD_SESSIONS = 20  # ten school days: fewer possible sessions is too short to recognise


@dataclass(frozen=True)
class AwardCandidate:
    name: str
    reg_group: str
    possible: int
    attendance_pct: float | None
    missing: int  # sessions with no mark in the period
    earlier_pct: float | None = None  # most improved: the comparison period
    earlier_possible: int = 0


def award_refusal(c: AwardCandidate, minimum: int = MIN_AWARD_SESSIONS) -> str | None:
    """Why a pupil may not be given a certificate for the period, or None."""
    if c.missing:
        return f"{c.missing} session{'s' if c.missing != 1 else ''} without a mark in the period"
    if c.possible < minimum:
        return f"only {c.possible} possible sessions in the period (at least {minimum} needed)"
    return None
