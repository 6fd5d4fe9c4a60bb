"""People on the admission register and their contacts (plain values)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from attendance_desk.domain.calls import Phone


@dataclass(frozen=True)
class Pupil:
    id: int | None
    upn: str
    surname: str
    forename: str
    preferred_name: str | None = None
    dob: date | None = None
    sex: str | None = None
    year_group: str = ""
    reg_group: str = ""
    admission_date: date | None = None
    leaving_date: date | None = None
    sen: str = ""
    fsm: bool = False
    looked_after: bool = False
    child_in_need: bool = False
    cp_plan: bool = False
    young_carer: bool = False
    cme_concern: bool = False
    social_worker: str = ""
    notes: str = ""
    social_worker_phone: str = ""
    social_worker_email: str = ""
    virtual_school_contact: str = ""  # the virtual school's contact for a looked-after child

    @property
    def name(self) -> str:
        return f"{self.preferred_name or self.forename} {self.surname}"

    @property
    def legal_name(self) -> str:
        return f"{self.forename} {self.surname}"

    def on_roll(self, day: date) -> bool:
        if self.admission_date and day < self.admission_date:
            return False
        return not (self.leaving_date and day > self.leaving_date)

    def on_roll_between(self, start: date, end: date) -> tuple[date, date] | None:
        """The part of [start, end] the pupil was on roll, or None."""
        first = max(start, self.admission_date or start)
        last = min(end, self.leaving_date or end)
        return (first, last) if first <= last else None

    @property
    def vulnerable_reasons(self) -> tuple[str, ...]:
        reasons = []
        if self.cp_plan:
            reasons.append("child protection plan")
        if self.looked_after:
            reasons.append("looked after")
        if self.child_in_need:
            reasons.append("child in need")
        if self.social_worker:
            reasons.append(f"social worker: {self.social_worker}")
        if self.cme_concern:
            reasons.append("previous missing-education concern")
        return tuple(reasons)


@dataclass(frozen=True)
class Contact:
    id: int | None
    name: str
    email: str = ""
    address: str = ""
    postcode: str = ""
    phones: tuple[Phone, ...] = ()


@dataclass(frozen=True)
class Link:
    pupil_id: int
    contact_id: int
    relationship: str = ""
    parental_responsibility: bool = False
    priority: int = 1
    lives_with: bool = True
