"""Whether a code may be entered for one pupil's session: pure rules that the register grid applies at
the cell and the register service applies again when it saves (defence in depth).

- Ahead of time. A session whose register has not opened yet (a later day, or today's PM before the
  school's PM register opens) takes only the codes the DfE allows to be entered in advance (M, C, #
  and the like: `Code.in_advance`), the same rule as for a later day (DfE, "Working together to
  improve school attendance" (2024), the codes that "can be entered in advance").
- Z, "prospective pupil not on admission register", is for a pupil who is not on the admission
  register that day (School Attendance (Pupil Registration) (England) Regulations 2024, Schedule 2;
  before 19/08/2024 "pupil not yet on roll"), so never for a pupil on roll.
- X, "non-compulsory school age pupil not required to attend", is for a pupil who is not of
  compulsory school age that day (Education Act 1996, s.8: from the prescribed day (31 December,
  31 March, 31 August) on or after the fifth birthday to the last Friday in June of the school year
  in which the child turns 16; `domain/school_age.py`), so never for a pupil of compulsory school age.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from attendance_desk.domain.calendar import Session, session_index
from attendance_desk.domain.codes import Code
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.school_age import compulsory_school_age
from attendance_desk.presentation import dmy


@dataclass(frozen=True)
class RegisterClock:
    """Which registers have opened as the app sees the day: `opened` is the last session whose
    register has opened; `opens` the time each of today's registers opens ("HH:MM", for messages)."""

    today: date
    opened: Session
    opens: dict[str, str] = field(default_factory=dict)

    def is_open(self, session: Session) -> bool:
        return session_index(session) <= session_index(self.opened)


def ahead_refusal(code: Code, session: Session, clock: RegisterClock) -> str | None:
    """Why `code` may not be entered yet for `session`, or None. Codes entered in advance (M, C, # …)
    are allowed for any session; others only once the session's register has opened."""
    if code.in_advance or clock.is_open(session):
        return None
    day, name = session
    if day > clock.today:
        return (
            f"{dmy(day)} is in the future: only codes such as M, C or # can be entered ahead, "
            f"not {code.code}"
        )
    opens = clock.opens.get(name)
    return (
        f"the {name} register for {dmy(day)} has not opened yet"
        + (f" (it opens at {opens})" if opens else "")
        + f": only codes such as M, C or # can be entered ahead, not {code.code}"
    )


def pupil_refusal(code: str, day: date, pupil: Pupil) -> str | None:
    """Why `code` does not fit this pupil on `day` (Z for a pupil on roll, X for a pupil of
    compulsory school age), or None."""
    if code == "Z" and pupil.on_roll(day):
        return (
            f"Z (prospective pupil, not on the admission register) cannot be used: "
            f"{pupil.name} is on roll on {dmy(day)}"
        )
    if code == "X" and pupil.dob is not None:
        begins, ends = compulsory_school_age(pupil.dob)
        if begins <= day <= ends:
            return (
                f"X (not of compulsory school age) cannot be used: {pupil.name} is of compulsory "
                f"school age on {dmy(day)} (from {dmy(begins)} to {dmy(ends)})"
            )
    return None
