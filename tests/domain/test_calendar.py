from datetime import date

from attendance_desk.domain.calendar import (
    SchoolCalendar,
    academic_year_label,
    academic_year_of,
)
from attendance_desk.domain.calendar_presets import typical_year
from tests.helpers import CLOSURES, TERMS


def test_academic_year_runs_september_to_august():
    assert academic_year_of(date(2024, 8, 31)) == 2023
    assert academic_year_of(date(2024, 9, 1)) == 2024
    assert academic_year_label(2024) == "2024/25"


def test_school_sessions_exclude_weekends_holidays_and_inset():
    cal = SchoolCalendar(TERMS, CLOSURES)
    assert not cal.is_school_session(date(2024, 9, 2), "AM")  # INSET
    assert cal.is_school_session(date(2024, 9, 3), "PM")
    assert not cal.is_school_day(date(2024, 9, 7))  # Saturday
    assert not cal.is_school_day(date(2024, 10, 30))  # half-term
    # first week of autumn: INSET Monday then four days
    assert len(cal.school_sessions(date(2024, 9, 2), date(2024, 9, 8))) == 8


def test_school_weeks_skip_holidays():
    cal = SchoolCalendar(TERMS, CLOSURES)
    weeks = cal.school_weeks(date(2024, 12, 9), date(2025, 1, 12))
    assert weeks == [date(2024, 12, 9), date(2024, 12, 16), date(2025, 1, 6)]


def test_years_without_terms_use_observed_sessions():
    observed = {(date(2022, 10, 3), "AM")}
    cal = SchoolCalendar(TERMS, CLOSURES, observed)
    assert cal.years_without_terms(date(2022, 9, 1), date(2024, 12, 1)) == [2022]
    assert cal.is_school_session(date(2022, 10, 3), "AM")
    assert not cal.is_school_session(date(2022, 10, 3), "PM")


def test_partial_closure_closes_one_session():
    from attendance_desk.domain.calendar import Closure

    cal = SchoolCalendar(TERMS, [Closure(date(2024, 9, 4), "closure", "polling station", ("PM",))])
    assert cal.is_school_session(date(2024, 9, 4), "AM") and not cal.is_school_session(
        date(2024, 9, 4), "PM"
    )


def test_typical_year_is_close_to_190_days_with_bank_holidays_closed():
    for year in range(2022, 2030):
        terms, closures = typical_year(year)
        cal = SchoolCalendar(terms, closures)
        days = len(cal.school_days(date(year, 9, 1), date(year + 1, 8, 31)))
        assert 185 <= days <= 193, (year, days)
        assert sum(c.kind == "inset" for c in closures) == 5
    terms, closures = typical_year(2026)
    assert date(2027, 5, 3) in {
        c.day for c in closures if c.kind == "bank_holiday"
    }  # Early May bank holiday
