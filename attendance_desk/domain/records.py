"""The records the program keeps (casework, letters, meetings and plans, support-map steps, the audit
log, users, the school's settings): plain frozen dataclasses that the store fills from the school file and the services,
documents and both shells read. They live here, not in `store/`, so that a shell can hold one without
importing the store (DESIGN.md: gui and cli call services and domain only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class CaseworkEntry:
    id: int | None
    pupil_id: int
    at: datetime  # when it happened (the chronology's order and date)
    kind: str  # call, text, email, letter, home_visit, meeting, early_help, note, stage
    by_user: str  # who did it
    with_whom: str = ""
    contact_id: int | None = None
    outcome: str = ""
    contact_made: bool = False
    notes: str = ""
    recorded_at: datetime | None = None  # when it was entered (now, if not given)
    recorded_by: str = ""  # who entered it (by_user, if not given)
    late_reason: str = ""  # why it was entered more than a fortnight after it happened

    @property
    def occurred_at(self) -> datetime:
        return self.at

    @property
    def recorded_later(self) -> bool:
        """Entered on a later day than it happened."""
        return self.recorded_at is not None and self.recorded_at.date() > self.at.date()


def reference(number: int) -> str:
    """The letter's number as printed on it ("Our ref")."""
    return f"ATT/{number:05d}"


@dataclass(frozen=True)
class LetterRecord:
    id: int
    pupil_id: int
    template: str
    stage_key: str | None
    contact_id: int | None
    addressee: str
    address: str
    figures: dict
    text: str
    generated_at: str
    posted_on: date | None
    sha256: str
    file: str
    page: int
    by_user: str
    number: int = 0
    letter_date: date | None = None  # the date printed on the letter (the day it was issued)
    details: dict | None = (
        None  # what the letter quoted from the log: meetings, earlier letters, window
    )
    override_reason: str = ""  # the reason it was sent although a condition did not hold
    overridden: str = ""  # the conditions that did not hold
    void_reason: str = ""
    voided_by: str = ""
    voided_at: str = ""

    @property
    def reference(self) -> str:
        return reference(self.number)

    @property
    def void(self) -> bool:
        return bool(self.void_reason)


@dataclass(frozen=True)
class NewLetter:
    pupil_id: int
    template: str
    stage_key: str | None
    contact_id: int | None
    addressee: str
    address: str
    figures: dict
    text: str
    letter_date: date
    details: dict
    override_reason: str = ""
    overridden: str = ""


@dataclass(frozen=True)
class Meeting:
    id: int | None
    pupil_id: int
    kind: str
    held_on: date
    attendees: str = ""
    parent_attended: bool = False
    barriers: str = ""
    pupil_voice: str = ""
    actions_parent: str = ""
    actions_school: str = ""
    actions_others: str = ""
    target_pct: float | None = None
    target_from: date | None = None
    target_to: date | None = None
    review_date: date | None = None
    reviews_meeting_id: int | None = None
    target_met: bool | None = None
    attendance_achieved: float | None = None
    decision: str = ""
    by_user: str = ""  # who recorded it
    late_reason: str = ""  # why it was recorded more than a fortnight after it was held
    recorded_at: str = ""  # when it was recorded (set by the store)


@dataclass(frozen=True)
class Plan:
    id: int | None
    pupil_id: int
    kind: str
    parent_commitments: str
    school_support: str
    agency_support: str
    target_pct: float | None
    starts: date
    review_date: date
    ends: date
    by_user: str = ""


@dataclass(frozen=True)
class StageEvent:
    id: int
    pupil_id: int
    event: str
    stage_key: str | None
    map_name: str
    measure_value: float | None
    figures: dict
    note: str
    by_user: str
    at: str  # when it was recorded
    occurred_on: date | None = None  # when the step was taken
    late_reason: str = ""  # why it was recorded more than a fortnight later

    @property
    def on(self) -> date:
        """The day the step was taken (the day it was recorded, for steps from before dates were kept)."""
        return self.occurred_on or date.fromisoformat(self.at[:10])


@dataclass(frozen=True)
class StageStep:
    """A support-map step as where-a-pupil-stands needs it: no figures, note or who (the store reads
    these for each pupil's latest steps only; the whole StageEvent is for the pupil's history)."""

    id: int
    pupil_id: int
    event: str
    stage_key: str | None
    map_name: str
    measure_value: float | None
    on: date  # the day the step was taken


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    user: str
    action: str
    subject: str
    detail: str


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    password_hash: str
    active: bool
    failed_signins: int = 0
    locked_until: str = ""  # UTC ISO, while sign-in is locked after repeated wrong passwords


@dataclass(frozen=True)
class SchoolSettings:
    """The school's details, register times and choices, declared once with their defaults (the
    store keeps them as one JSON value; a setting added later reads as its default). Each is
    described, and checked, in services/settings.py. The letterhead's logo and the head's signature
    were paths here; they are documents in the school file now (m021, m022; m026 took the paths out)."""

    name: str = ""
    urn: str = ""
    local_authority: str = ""
    la_number: str = ""
    estab_number: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    head_teacher: str = ""
    attendance_lead: str = ""
    named_ewo: str = ""
    am_register_opens: str = "08:45"
    am_register_closes: str = "09:15"
    pm_register_opens: str = "13:00"
    pm_register_closes: str = "13:30"
    support_map: str = "support_map.toml"
    # at 1 September: "keep" (a pupil mid-process keeps the stage and the process; the thresholds count this
    # year's absence) or "restart" (every pupil starts the year with no stage)
    stages_at_year_start: str = "keep"
    backup_folder: str = (
        ""  # where backups go (a network drive, say); empty: beside the school file
    )
    last_backup: str = ""  # when the last good backup was made (ISO)
    lock_minutes: str = (
        "10"  # the window locks after this many idle minutes (when users are set up)
    )
    # leave of absence: the head replies within this many school days (Widnes: 10); the users the
    # head has delegated decisions to (names, comma-separated)
    leave_decision_days: str = "10"
    leave_delegates: str = ""
    # penalty notices, the local authority's code of conduct (national: 10 sessions in 10 school weeks)
    penalty_sessions: str = "10"
    penalty_weeks: str = "10"
    # children missing education: refer after this many school days of unexplained absence
    cme_days: str = "10"
    # punctuality: late marks (L) in a half-term for the first and the second lateness letter (school
    # policy; services/lateness.py)
    lateness_letter1: str = "5"
    lateness_letter2: str = "10"
    # part-time timetables: "yes" when the local authority asks to be told of each one (the list and
    # the TSM pack then show those not yet told); "no" when it does not
    part_time_tell_la: str = "yes"
