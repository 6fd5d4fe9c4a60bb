"""The pure rules for a code in one pupil's session (domain/mark_rules.py)."""

from datetime import date

from attendance_desk.domain.codes import Category, Code
from attendance_desk.domain.mark_rules import RegisterClock, ahead_refusal, pupil_refusal
from attendance_desk.domain.people import Pupil

TODAY = date(2024, 11, 20)
PRESENT = Code("/", "Present (AM)", Category.PRESENT, present_in="AM")
APPOINTMENT = Code("M", "Medical or dental appointment", Category.AUTHORISED, in_advance=True)


def pupil(**fields) -> Pupil:
    return Pupil(None, "A123", "Able", "Amy", **fields)


def test_a_register_not_yet_open_takes_only_codes_entered_ahead():
    before_pm = RegisterClock(TODAY, (TODAY, "AM"), {"AM": "08:45", "PM": "13:00"})
    assert ahead_refusal(PRESENT, (TODAY, "AM"), before_pm) is None
    assert ahead_refusal(PRESENT, (TODAY, "PM"), before_pm) == (
        "the PM register for 20/11/2024 has not opened yet (it opens at 13:00): only codes such as "
        "M, C or # can be entered ahead, not /"
    )
    assert "is in the future" in ahead_refusal(PRESENT, (date(2024, 11, 21), "AM"), before_pm)
    assert ahead_refusal(APPOINTMENT, (TODAY, "PM"), before_pm) is None
    assert ahead_refusal(APPOINTMENT, (date(2024, 12, 2), "AM"), before_pm) is None


def test_z_only_for_a_pupil_not_on_roll():
    joining = pupil(admission_date=date(2024, 11, 21))
    assert pupil_refusal("Z", TODAY, joining) is None
    assert "is on roll on 21/11/2024" in pupil_refusal("Z", date(2024, 11, 21), joining)
    left = pupil(admission_date=date(2020, 9, 1), leaving_date=date(2024, 11, 1))
    assert pupil_refusal("Z", TODAY, left) is None


def test_x_only_for_a_pupil_not_of_compulsory_school_age():
    """Education Act 1996 s.8 and the Education (School Leaving Date) Order 1997: from the prescribed
    day (31 Dec, 31 Mar, 31 Aug) on or after the fifth birthday to the last Friday in June of the
    school year in which the child turns 16."""
    four = pupil(dob=date(2020, 1, 10))  # fifth birthday 10/01/2025: of age from 31/03/2025
    assert pupil_refusal("X", date(2025, 3, 30), four) is None
    assert "from 31/03/2025" in pupil_refusal("X", date(2025, 3, 31), four)
    sixteen = pupil(dob=date(2008, 10, 1))  # 16 on 01/10/2024: leaves on Fri 27/06/2025
    assert "to 27/06/2025" in pupil_refusal("X", date(2025, 6, 27), sixteen)
    assert pupil_refusal("X", date(2025, 6, 30), sixteen) is None
    assert pupil_refusal("X", TODAY, pupil()) is None  # no date of birth: nothing to go on
    assert pupil_refusal("N", TODAY, sixteen) is None
