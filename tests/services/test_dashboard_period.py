"""The dashboard's crossing dates and periods, worked out by hand on a one-pupil school."""

from datetime import date

import pytest

from attendance_desk.domain.calendar import SchoolCalendar
from attendance_desk.services.dashboard import dashboard, periods
from attendance_desk.services.school import ServiceError
from attendance_desk.services.trend import national_figures, school_phase
from tests.helpers import CLOSURES, TERMS, add_pupil, make_school, put_marks, sessions

TODAY = date(2024, 11, 20)
CAL = SchoolCalendar(TERMS, CLOSURES)


@pytest.fixture
def store(tmp_path):
    s = make_school(tmp_path)
    yield s
    s.close()


def test_crossing_dates_of_persistent_absence_and_the_support_map(store):
    a = add_pupil(store, 1)
    marks = sessions(date(2024, 9, 3), date(2024, 11, 19), "/", calendar=CAL)
    # absent (I, authorised) Mon 11 to Thu 14 Nov: 4 days, the default map's stage 1 at 4 days
    for day in (11, 12, 13, 14):
        marks[(date(2024, 11, day), "AM")] = marks[(date(2024, 11, day), "PM")] = "I"
    put_marks(store, a, marks)
    # the half-term from 04/11: 10 sessions present to Fri 08/11, then 2 absent of 12 on Mon 11/11
    # (16.7 %: at least 10 %), so persistent from that day
    board = dashboard(store, TODAY, date(2024, 11, 4), TODAY)
    assert [r.pupil.upn for r in board.persistent] == [a.upn]
    assert board.persistent_from == {a.upn: date(2024, 11, 11)}
    # stage 1 (4 days absent this year) was reached at the end of the fourth day, Thu 14/11
    assert [s.figures.pupil.upn for s in board.suggested] == [a.upn]
    assert board.suggested_from == {a.upn: date(2024, 11, 14)}
    # over the year (8 of 102 sessions, 7.8 %) not persistent, so no date
    year = dashboard(store, TODAY)
    assert year.persistent == [] and year.persistent_from == {}


def test_periods_and_a_period_that_ends_before_it_starts(store):
    assert [p.label for p in periods(store, date(2024, 10, 30))] == [  # half-term holiday
        "This week",
        "This half-term (Autumn 1 2024)",
        "This year",
    ]
    with pytest.raises(ServiceError, match="ends"):
        dashboard(store, TODAY, date(2024, 11, 10), date(2024, 11, 1))


def test_national_figures_for_the_schools_phase(store):
    add_pupil(store, 1, year_group="4")
    assert school_phase(store, TODAY) == "primary"
    national = national_figures(store, TODAY)
    assert national.academic_year == "2022/23" and national.overall_absence_pct == 5.9
    assert national.persistent_absence_pct is None  # not shipped: not cited with confidence
    assert national.url.startswith("https://explore-education-statistics.service.gov.uk/")
    add_pupil(store, 2, year_group="9")
    assert school_phase(store, TODAY) == "all"
