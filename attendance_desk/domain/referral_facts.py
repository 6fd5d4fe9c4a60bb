"""The facts the referral table's rules read (domain/referral.py): plain values gathered by the pack
service from the register, the letter log, meetings and the chronology, as at the pack's date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from attendance_desk.presentation import dmy  # noqa: F401 (referral.py imports it here)


@dataclass(frozen=True)
class ReferralThreshold:
    """The school's referral threshold: unauthorised sessions in 10 school weeks (default the national
    penalty-notice threshold, 10), or persistent absence (10 % or more of possible sessions)."""

    unauthorised_sessions: int = 10
    persistent_absence: bool = True

    @classmethod
    def from_dict(cls, data: dict | None) -> ReferralThreshold:
        data = data or {}
        sessions = int(data.get("unauthorised_sessions", cls.unauthorised_sessions))
        if sessions < 1:
            raise ValueError("the referral threshold needs at least 1 unauthorised session")
        return cls(sessions, bool(data.get("persistent_absence", cls.persistent_absence)))


@dataclass(frozen=True)
class Rates:
    """A pupil's figures as at a day (from services/as_at)."""

    day: date
    possible: int
    absent: int
    unauthorised: int
    attendance_pct: float | None
    authorised_pct: float | None
    unauthorised_pct: float | None
    absence_pct: float | None
    persistent: bool
    unauthorised_10_weeks: int  # in the 10 school weeks up to `day`
    window_start: date | None
    max_10_weeks: int  # the most in any 10 school weeks ending this school year, up to `day`

    def text(self) -> str:
        if not self.possible:
            return f"no sessions this school year by {dmy(self.day)}"
        return (
            f"as at {dmy(self.day)}: attendance {self.attendance_pct:.1f}%, authorised absence "
            f"{self.authorised_pct:.1f}%, unauthorised absence {self.unauthorised_pct:.1f}%"
        )


@dataclass(frozen=True)
class Adult:
    contact_id: int
    name: str
    relationship: str
    parental_responsibility: bool
    lives_with: bool
    address: str  # with the postcode


@dataclass(frozen=True)
class LetterFact:
    reference: str
    template: str
    name: str
    contact_id: int | None
    addressee: str
    address: str
    letter_date: date | None
    posted_on: date | None
    text: str
    void_reason: str = ""
    override_reason: str = ""
    overridden: str = ""


@dataclass(frozen=True)
class MeetingFact:
    id: int
    kind: str
    label: str
    held_on: date
    barriers: str = ""
    pupil_voice: str = ""
    actions: tuple[tuple[str, str], ...] = ()  # (who, what)
    target_pct: float | None = None
    target_from: date | None = None
    target_to: date | None = None
    reviews_meeting_id: int | None = None
    target_met: bool | None = None
    achieved: float | None = None
    decision: str = ""
    rates: Rates | None = None  # the figures as at the day it was held


@dataclass(frozen=True)
class PlanFact:
    label: str
    starts: date
    parent_commitments: str
    school_support: str
    agency_support: str = ""


@dataclass(frozen=True)
class Entry:
    """A chronology entry: early help, impact on the child, a discussion with the lead professional."""

    kind: str
    on: date
    with_whom: str
    outcome: str  # empty when only the kind's default wording was recorded
    notes: str = ""


@dataclass(frozen=True)
class ReferralFacts:
    today: date
    pupil_name: str
    dob: date | None
    child_in_need: bool
    cp_plan: bool
    social_worker: str
    pupil_address: str
    adults: tuple[Adult, ...]
    siblings: tuple[str, ...]
    threshold: ReferralThreshold
    rates: Rates | None
    letters: tuple[LetterFact, ...] = ()
    meetings: tuple[MeetingFact, ...] = ()
    plans: tuple[PlanFact, ...] = ()
    entries: tuple[Entry, ...] = ()
    adjustments: tuple[str, ...] = ()
    steps_out_of_order: tuple[str, ...] = ()  # "dd/mm/yyyy Stage 3 …: reason"
    certificate: str = ""  # what the appended certificate covers; empty when it could not be made
    certificate_problem: str = ""
    letter_copies: tuple[str, ...] = ()  # references of the letters whose stored pages are appended
    copy_problems: tuple[str, ...] = field(default_factory=tuple)
    # medical evidence received this school year, the attendance lead's decisions on illness without
    # it, and illness sessions since stage 2 still waiting for a decision (services/medical)
    medical_evidence: tuple[str, ...] = ()
    illness_decisions: tuple[str, ...] = ()
    illness_undecided: tuple[str, ...] = ()
    # early help offered in writing (services/early_help): "offered dd/mm/yyyy (ATT/00012): what",
    # with the family's answer or "" while none is recorded
    written_offers: tuple[tuple[str, str], ...] = ()

    @property
    def with_pr(self) -> tuple[Adult, ...]:
        return tuple(a for a in self.adults if a.parental_responsibility)
