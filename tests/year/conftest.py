"""A real school file for the rest-of-the-year workflows (leave, penalty notices, missing education,
social workers, messages): two siblings sharing their parents, a third pupil, and users of each role."""

from dataclasses import replace
from datetime import date

import pytest

from attendance_desk.domain.calendar import SchoolCalendar
from attendance_desk.domain.calls import Phone
from attendance_desk.domain.people import Contact, Link
from attendance_desk.services.users import add_user
from tests.helpers import CLOSURES, TERMS, add_pupil, make_school, put_marks, sessions

CAL = SchoolCalendar(TERMS, CLOSURES)
PASSWORD = "a long enough sentence"
TODAY = date(2024, 11, 20)  # a Wednesday in the autumn term of the test calendar


@pytest.fixture
def store(tmp_path):
    s = make_school(tmp_path)
    s.settings.save_school(
        replace(
            s.settings.school(),
            head_teacher="Mrs J. Harwood",
            attendance_lead="Mr T. Okonjo",
            address="School Lane, Northbridge, NB1 1AA",
            phone="01632 960000",
            local_authority="Northshire County Council",
        )
    )
    amy = add_pupil(s, 1, forename="Amy", surname="Brook", dob=date(2015, 3, 2))
    ben = add_pupil(
        s, 2, forename="Ben", surname="Brook", dob=date(2017, 5, 6), year_group="2", reg_group="2B"
    )
    cal = add_pupil(s, 3, forename="Cal", surname="Field", dob=date(2015, 1, 9))
    for p in (amy, ben):
        put_marks(s, p, sessions(date(2024, 9, 3), date(2024, 11, 19), "/", calendar=CAL))
    # Cal: 11 unauthorised sessions in the last two school weeks (the national threshold is 10 in
    # any 10 school weeks), the first and third of them N, the rest O
    marks = sessions(date(2024, 9, 3), date(2024, 11, 19), "/", calendar=CAL)
    marks |= sessions(date(2024, 11, 11), date(2024, 11, 15), "O")
    marks[(date(2024, 11, 18), "AM")] = "O"
    marks[(date(2024, 11, 11), "AM")] = marks[(date(2024, 11, 12), "AM")] = "N"
    put_marks(s, cal, marks)
    mum = s.contacts.add(
        Contact(
            None,
            "Ms Jo Brook",
            address="12 Mill Lane, Northbridge",
            postcode="NB1 2AB",
            phones=(Phone("mobile", "07700 900001"),),
        )
    )
    dad = s.contacts.add(
        Contact(
            None,
            "Mr Sam Brook",
            address="4 Elm Court, Southbridge",
            postcode="NB9 9ZZ",
            phones=(Phone("home", "01632 960002"),),
        )
    )
    carer = s.contacts.add(
        Contact(
            None,
            "Mrs Dee Field",
            address="1 Station Road, Northbridge",
            postcode="NB3 3CC",
            phones=(Phone("mobile", "07700 900003"),),
        )
    )
    for p in (amy, ben):
        s.contacts.link(Link(p.id, mum, "Mother", True, 1))
        s.contacts.link(Link(p.id, dad, "Father", True, 2, lives_with=False))
    s.contacts.link(Link(cal.id, carer, "Mother", True, 1))
    add_user(s, "", "Admin", "admin", PASSWORD)
    add_user(s, "Admin", "Harwood", "head", PASSWORD)
    add_user(s, "Admin", "Okonjo", "lead", PASSWORD)
    add_user(s, "Admin", "Reception", "office", PASSWORD)
    yield s
    s.close()
