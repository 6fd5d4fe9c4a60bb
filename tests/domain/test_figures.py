from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from attendance_desk.domain.calendar import SchoolCalendar, week_start
from attendance_desk.domain.figures import (
    Figures,
    figures_from_marks,
    max_in_consecutive_weeks,
    one_decimal,
    unauthorised_by_week,
)
from attendance_desk.store.resources import default_code_table
from tests.helpers import CLOSURES, TERMS

CODES = default_code_table()
OLD = date(2024, 7, 1)  # 2006 regulations
NEW = date(2024, 9, 9)  # 2024 regulations


def test_figures_across_the_code_change_by_hand():
    marks = [
        (OLD, "/"),
        (OLD, "\\"),
        (OLD, "J"),
        (OLD, "H"),
        (OLD, "Y"),
        (OLD, "L"),
        (OLD, "G"),
        (NEW, "/"),
        (NEW, "J1"),
        (NEW, "Q"),
        (NEW, "Y3"),
        (NEW, "K"),
        (NEW, "U"),
        (NEW, "D"),
        (NEW, "X"),
        (NEW, "#"),
        (NEW, "N"),
        (NEW, "I"),
    ]
    f = figures_from_marks(marks, CODES)
    # present: / \ L (old) + / (new) = 4; AEA: J (old) + K (new) = 2
    assert (f.present, f.aea) == (4, 2)
    # authorised: H (old) + J1, I (new) = 3; unauthorised: G (old) + U, N (new) = 3
    assert (f.authorised, f.unauthorised) == (3, 3)
    # not counted: Y (old) + Q, Y3, D, X, # (new) = 6, outside possible sessions
    assert f.not_counted == 6
    assert f.possible == 12
    assert (f.late_before_close, f.late_after_close) == (1, 1)
    assert f.attendance_pct == 50.0  # 6 of 12
    assert f.persistent and f.severe  # 6 absent of 12: exactly 50 % is severe


def test_persistent_boundary_is_inclusive():
    at_ten = Figures(present=90, unauthorised=10)
    just_under = Figures(present=91, unauthorised=9)
    assert at_ten.persistent and not just_under.persistent
    assert (
        Figures(present=50, authorised=50).severe and not Figures(present=51, authorised=49).severe
    )


def test_no_possible_sessions_gives_no_percentage():
    f = Figures(not_counted=4)
    assert f.possible == 0 and f.attendance_pct is None and not f.persistent


def test_rounding_half_up_to_one_decimal():
    assert one_decimal(1, 8) == 12.5
    assert one_decimal(2, 3) == 66.7
    assert one_decimal(1, 16) == 6.3  # 6.25 rounds up, not to even
    assert one_decimal(0, 0) is None


def test_ten_sessions_in_ten_school_weeks_spanning_twelve_calendar_weeks():
    calendar = SchoolCalendar(TERMS, CLOSURES)
    first, last = date(2024, 11, 18), date(2025, 2, 3)  # Christmas holiday (2 weeks) in between
    weeks = calendar.school_weeks(date(2024, 9, 2), date(2025, 2, 14))
    assert weeks.index(week_start(last)) - weeks.index(week_start(first)) == 9  # 10 school weeks
    assert (last - first).days // 7 == 11  # ... which are 12 calendar weeks
    marks = [(first + timedelta(days=d), "N") for d in range(5)] + [
        (last + timedelta(days=d // 2), "G") for d in range(5)
    ]
    per_week = unauthorised_by_week(marks, CODES)
    assert max_in_consecutive_weeks(per_week, weeks) == 10
    later = [(first + timedelta(days=d), "N") for d in range(5)] + [(date(2025, 2, 10), "O")] * 5
    assert max_in_consecutive_weeks(unauthorised_by_week(later, CODES), weeks) == 5


def test_window_shorter_than_ten_weeks_takes_them_all():
    weeks = [date(2024, 9, 2) + timedelta(weeks=i) for i in range(3)]
    assert max_in_consecutive_weeks({weeks[0]: 3, weeks[2]: 4}, weeks) == 7
    assert max_in_consecutive_weeks({}, []) == 0


CODES_ANY = st.sampled_from(sorted(CODES.set_for(NEW).codes))
DAYS = st.dates(min_value=date(2023, 9, 1), max_value=date(2025, 8, 31))


@given(
    st.lists(
        st.tuples(
            DAYS, st.sampled_from(sorted(CODES.set_for(NEW).codes | CODES.set_for(OLD).codes))
        )
    )
)
def test_every_mark_lands_in_exactly_one_bucket(marks):
    f = figures_from_marks(marks, CODES)
    assert f.possible + f.not_counted + f.unknown == len(marks)
    assert f.possible == f.present + f.aea + f.authorised + f.unauthorised
    assert f.attended + f.absent == f.possible
    assert f.late_before_close <= f.present and f.late_after_close <= f.unauthorised
    if f.possible:
        assert 0.0 <= f.attendance_pct <= 100.0
        assert abs(f.attendance_pct + f.absence_pct - 100.0) <= 0.1 + 1e-9
        assert f.persistent == (f.absent / f.possible >= 0.1 - 1e-12)


@given(st.lists(st.integers(min_value=0, max_value=10), max_size=40))
def test_window_maximum_matches_brute_force(values):
    weeks = [date(2024, 1, 1) + timedelta(weeks=i) for i in range(len(values))]
    per_week = dict(zip(weeks, values, strict=True))
    expected = max((sum(values[i : i + 10]) for i in range(max(1, len(values) - 9))), default=0)
    assert max_in_consecutive_weeks(per_week, weeks) == expected
