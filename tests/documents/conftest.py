"""Shared fixtures for the document tests: a school with one pupil, her parents and marks."""

from datetime import date

import pytest

from attendance_desk.domain.calendar import SchoolCalendar
from attendance_desk.domain.calls import Phone
from attendance_desk.domain.people import Contact, Link
from tests.helpers import CLOSURES, TERMS, add_pupil, make_school, put_marks, sessions

CAL = SchoolCalendar(TERMS, CLOSURES)


@pytest.fixture
def store(tmp_path):
    s = make_school(tmp_path)
    from dataclasses import replace

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
    pupil = add_pupil(s, 1, forename="Łucja", surname="Wiśniewska", dob=date(2015, 3, 2))
    marks = sessions(date(2024, 9, 3), date(2024, 11, 19), "/", calendar=CAL)
    for day in CAL.school_days(date(2024, 9, 16), date(2024, 9, 20)):
        marks[(day, "AM")] = marks[(day, "PM")] = "I"
    marks[(date(2024, 10, 1), "AM")] = "O"
    put_marks(s, pupil, marks)
    mum = s.contacts.add(
        Contact(
            None,
            "Anna Wiśniewska",
            address="12 Mill Lane, Northbridge",
            postcode="NB1 2AB",
            phones=(Phone("mobile", "07700 900001"),),
        )
    )
    dad = s.contacts.add(
        Contact(None, "Tomasz Wiśniewski", address="4 Elm Court, Southbridge", postcode="NB9 9ZZ")
    )
    gran = s.contacts.add(
        Contact(None, "Maria Nowak", address="1 Station Road", postcode="NB3 3CC")
    )
    s.contacts.link(Link(pupil.id, mum, "Mother", True, 1))
    s.contacts.link(Link(pupil.id, dad, "Father", True, 2, lives_with=False))
    s.contacts.link(Link(pupil.id, gran, "Grandparent", False, 3, lives_with=False))
    yield s
    s.close()
