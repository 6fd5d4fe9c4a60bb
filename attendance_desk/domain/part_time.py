"""Part-time timetables and alternative provision: which sessions a pupil attends school, which they
spend at alternative provision, and the code the register should suggest for each session.

Sources: DfE, *Working together to improve school attendance* (August 2024): a part-time timetable
is an exceptional, temporary measure agreed with the parents, with a time limit and regular reviews,
and the local authority is to be told of it; the School Attendance (Pupil Registration) (England)
Regulations 2024, reg. 10 (resources/codes.toml): C2 "leave of absence: part-time timetable" for a
pupil of compulsory school age (authorised absence); K "attending education provision arranged by
the local authority" and B "attending any other approved educational activity" (both approved
educational activity); X "non-compulsory school age pupil not required to attend". Before 19/08/2024
(2006 Regulations) the sessions off the timetable were C and off-site provision B."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from attendance_desk.presentation import dmy

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")
SESSIONS = ("AM", "PM")
PROVIDERS = {"la": "arranged by the local authority", "school": "arranged by the school"}
Slot = tuple[int, str]  # (weekday 0-4, "AM"/"PM")


class TimetableError(ValueError):
    """A timetable that cannot be recorded as given (the message says why)."""


def parse_sessions(text: str) -> frozenset[Slot]:
    """'Mon AM, Mon PM, Tue' -> the slots (a weekday on its own is both sessions). Empty -> none."""
    slots: set[Slot] = set()
    for part in re.split(r"[,;]+", text or ""):
        words = part.replace("-", " ").split()
        if not words:
            continue
        day = words[0][:3].title()
        if day not in WEEKDAYS:
            raise TimetableError(
                f"'{part.strip()}' is not a session like 'Mon AM' (weekdays Mon to Fri, AM or PM)"
            )
        halves = [w.upper() for w in words[1:]] or list(SESSIONS)
        for half in halves:
            if half not in SESSIONS:
                raise TimetableError(f"'{part.strip()}': a session is AM or PM, not '{half}'")
            slots.add((WEEKDAYS.index(day), half))
    return frozenset(slots)


def sessions_text(slots: frozenset[Slot] | set[Slot]) -> str:
    """The slots in weekday order: 'Mon AM, Mon PM, Tue AM'."""
    return ", ".join(f"{WEEKDAYS[d]} {s}" for d, s in sorted(slots, key=lambda x: (x[0], x[1])))


@dataclass(frozen=True)
class Timetable:
    id: int | None
    pupil_id: int
    starts: date
    review_on: date  # the agreed review date (the next one, after a review)
    attends: frozenset[Slot]  # sessions in school
    provision: frozenset[Slot] = frozenset()  # sessions at alternative provision
    provision_by: str = ""  # "la" or "school"
    provision_name: str = ""
    reason: str = ""
    agreed_with: str = ""  # the parent who agreed it
    la_notified_on: date | None = None
    ends: date | None = None  # the last day it applies (ended at a review, or early)
    end_reason: str = ""
    by_user: str = ""
    recorded_at: str = ""

    def covers(self, day: date) -> bool:
        return self.starts <= day and (self.ends is None or day <= self.ends)

    def open_on(self, day: date) -> bool:
        """Still running on `day` (not ended by then)."""
        return self.ends is None or self.ends >= day

    @property
    def off_timetable(self) -> frozenset[Slot]:
        every = {(d, s) for d in range(5) for s in SESSIONS}
        return frozenset(every - self.attends - self.provision)

    def summary(self) -> str:
        parts = [f"in school {sessions_text(self.attends) or 'no sessions'}"]
        if self.provision:
            where = self.provision_name or "alternative provision"
            parts.append(
                f"at {where} ({PROVIDERS.get(self.provision_by, '')}) {sessions_text(self.provision)}"
            )
        return "; ".join(parts)


@dataclass(frozen=True)
class TimetableReview:
    id: int | None
    timetable_id: int
    pupil_id: int
    held_on: date
    outcome: str
    next_review: date | None  # None: the timetable ended at this review
    by_user: str = ""


@dataclass(frozen=True)
class Suggestion:
    code: str
    why: str


def check_timetable(t: Timetable) -> list[str]:
    """What is wrong with a new timetable, in words (empty: it may be recorded)."""
    problems = []
    if t.review_on is None:
        problems.append(
            "a part-time timetable needs an agreed review date: it is a temporary measure with a "
            "time limit (DfE, Working together to improve school attendance, 2024)"
        )
    elif t.review_on <= t.starts:
        problems.append(
            f"the review date ({dmy(t.review_on)}) must be after the start ({dmy(t.starts)})"
        )
    if len(t.reason.split()) < 3:
        problems.append("give the reason for the part-time timetable (a few words at least)")
    both = t.attends & t.provision
    if both:
        problems.append(
            f"a session cannot be both in school and at alternative provision: {sessions_text(both)}"
        )
    if not t.off_timetable and not t.provision:
        problems.append(
            "every session is in school: that is a full-time timetable, not a part-time one"
        )
    if t.provision and t.provision_by not in PROVIDERS:
        problems.append(
            "say who arranged the alternative provision: the local authority (code K) or the school (code B)"
        )
    if t.la_notified_on and t.la_notified_on < t.starts.replace(year=t.starts.year - 1):
        problems.append(
            "the date the local authority was told is more than a year before the start"
        )
    return problems


def suggestion(
    t: Timetable,
    day: date,
    session: str,
    is_valid: Callable[[str, date], bool],
    compulsory_age: bool = True,
) -> Suggestion | None:
    """The code the register should suggest for a session under this timetable, or None (the pupil is
    due in school, or the timetable does not cover the day)."""
    if not t.covers(day) or day.weekday() > 4:
        return None
    slot = (day.weekday(), session)
    if slot in t.attends:
        return None
    if slot in t.provision:
        where = t.provision_name or "alternative provision"
        if t.provision_by == "la" and is_valid("K", day):
            return Suggestion(
                "K", f"at {where}, arranged by the local authority (part-time timetable)"
            )
        return Suggestion(
            "B", f"at {where}, {PROVIDERS.get(t.provision_by, 'off site')} (part-time timetable)"
        )
    if not compulsory_age and is_valid("X", day):
        return Suggestion("X", "not on the part-time timetable; not of compulsory school age")
    code = "C2" if is_valid("C2", day) else "C"
    return Suggestion(code, f"not on the part-time timetable agreed from {dmy(t.starts)}")
