"""Leave of absence in term time: a request, the head's decision within the school's deadline, and
the code the register should carry on the dates asked for.

The School Attendance (Pupil Registration) (England) Regulations 2024, reg 11, let the head teacher
(or someone the head authorises) grant leave only in exceptional circumstances, on a request made
in advance by a parent the pupil normally lives with; leave is never granted retrospectively. On
the dates, granted leave is recorded as C (leave of absence, exceptional circumstances) and leave
that was refused but taken as G (holiday not granted, unauthorised): DfE "Working together to
improve school attendance" (August 2024), the attendance codes. How quickly the school replies is
its own policy (the Widnes Academy policy: within 10 school days), kept as a setting.

Pure rules: the service reads the calendar and the requests; this module decides."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from attendance_desk.domain.codes import SESSIONS
from attendance_desk.presentation import dmy

DEFAULT_DECISION_DAYS = 10
STATUSES = ("pending", "granted", "refused", "withdrawn")
CODE_FOR = {"granted": "C", "refused": "G"}  # on the dates: C granted; G refused but taken
NOT_EVIDENCE = {"", "-", "n/a", "na", "none", "nil", "no", "tbc", "?", "..."}


@dataclass(frozen=True)
class LeaveRequest:
    id: int | None
    family_ref: int | None  # the first request's id: siblings asked for together share it
    pupil_id: int
    first_date: date
    first_session: str
    last_date: date
    last_session: str
    reason: str
    requested_by: str  # who asked (a parent's name)
    received_on: date
    deadline: date  # the school day by which the school should reply
    status: str = "pending"
    decided_on: date | None = None
    decided_by: str = ""
    exceptional_reason: str = ""  # why leave was granted (exceptional circumstances)
    decision_note: str = ""
    by_user: str = ""  # who recorded the request
    letters: str = ""  # references of the decision letters issued ("ATT/00042, ATT/00043")

    @property
    def decided_late(self) -> bool:
        """The decision was made after the school's deadline."""
        return self.decided_on is not None and self.decided_on > self.deadline

    @property
    def code(self) -> str | None:
        """The code the register should carry on the dates (None: pending or withdrawn)."""
        return CODE_FOR.get(self.status)

    def covers(self, day: date, session: str) -> bool:
        key = (day, SESSIONS.index(session))
        return (
            (self.first_date, SESSIONS.index(self.first_session))
            <= key
            <= (self.last_date, SESSIONS.index(self.last_session))
        )

    def sessions(self) -> Iterator[tuple[date, str]]:
        day = self.first_date
        while day <= self.last_date:
            for s in SESSIONS:
                if self.covers(day, s):
                    yield day, s
            day += timedelta(days=1)

    @property
    def dates_text(self) -> str:
        first = f"{dmy(self.first_date)}" + (" PM" if self.first_session == "PM" else "")
        last = f"{dmy(self.last_date)}" + (" AM" if self.last_session == "AM" else "")
        return (
            first
            if (self.first_date, self.first_session, self.last_session)
            == (
                self.last_date,
                "AM",
                "PM",
            )
            else f"{first} to {last}"
        )


def is_evidence(text: str) -> bool:
    """A reason a person wrote, not a placeholder ("none", "-", "n/a", a word or two)."""
    cleaned = " ".join(text.split()).strip().lower()
    return cleaned not in NOT_EVIDENCE and len(cleaned.split()) >= 3


def decision_deadline(
    received_on: date, school_days: int, is_school_day: Callable[[date], bool]
) -> date:
    """The `school_days`th school day after the request was received (the day it arrived is day
    0): 10 school days from Friday 20 November is Friday 4 December; holidays do not count."""
    day, counted = received_on, 0
    for _ in range(400):
        day += timedelta(days=1)
        if is_school_day(day):
            counted += 1
            if counted >= school_days:
                return day
    return day


def school_days_left(today: date, deadline: date, is_school_day: Callable[[date], bool]) -> int:
    """School days from `today` (not counted) to the deadline (counted): 0 on the day itself,
    negative when it has passed (the school days since)."""
    if today <= deadline:
        return sum(
            1
            for n in range(1, (deadline - today).days + 1)
            if is_school_day(today + timedelta(days=n))
        )
    return -sum(
        1
        for n in range(0, (today - deadline).days)
        if is_school_day(deadline + timedelta(days=n + 1))
    )


def check_request(
    first_date: date, first_session: str, last_date: date, last_session: str, received_on: date
) -> str | None:
    """Why a request cannot be recorded as given, or None."""
    if first_session not in SESSIONS or last_session not in SESSIONS:
        return "a session is AM or PM"
    if (last_date, SESSIONS.index(last_session)) < (first_date, SESSIONS.index(first_session)):
        return (
            f"the leave cannot end ({dmy(last_date)} {last_session}) before it starts "
            f"({dmy(first_date)} {first_session})"
        )
    if (last_date - first_date).days > 366:
        return "a request for more than a year of leave is not a leave request: check the dates"
    return None
