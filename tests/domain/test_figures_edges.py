"""The figures at their edges (issue 11): the rolling window's look-back, exact thresholds, the one
rounding rule and the group rates as the DfE counts them. Each test names the rule and its source."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from attendance_desk.domain.figures import (
    Figures,
    look_back_weeks,
    max_in_consecutive_weeks,
    one_decimal,
)
from attendance_desk.domain.support_map import Measure, Stage, SupportMap
from attendance_desk.presentation import percent

MONDAYS = [date(2024, 6, 3) + timedelta(weeks=i) for i in range(40)]


def test_window_may_begin_before_the_range():
    """DfE, Working together to improve school attendance (2024), penalty notices: the 10 school
    weeks "can also span different terms or school years". A range that starts after 6 unauthorised
    sessions still sees them in a window that ends inside the range."""
    weeks = MONDAYS[:12]
    per_week = {weeks[7]: 6, weeks[10]: 4}  # 6 before the range, 4 in its first weeks
    # the range begins at weeks[9]: look-back is the 9 school weeks before it
    assert max_in_consecutive_weeks(per_week, weeks, look_back=9) == 10
    # without the look-back (the old behaviour) only the 4 in the range are seen
    assert max_in_consecutive_weeks(per_week, weeks[9:], look_back=0) == 4


def test_window_never_counts_a_window_that_ends_before_the_range():
    """A window must end within the range: 10 sessions wholly before it belong to an earlier period."""
    weeks = MONDAYS[:20]
    per_week = {weeks[0]: 10}
    assert max_in_consecutive_weeks(per_week, weeks[10:20], look_back=0) == 0
    assert (
        max_in_consecutive_weeks(per_week, weeks[1:20], look_back=9) == 0
    )  # weeks[0] is out of reach
    assert (
        max_in_consecutive_weeks(per_week, weeks[0:20], look_back=9) == 10
    )  # window weeks 0-9 ends at 9


def test_look_back_is_nine_school_weeks():
    """A 10-week window ending in the range's first week reaches back 9 school weeks, no more."""
    assert look_back_weeks(MONDAYS[:20]) == MONDAYS[11:20]
    assert look_back_weeks(MONDAYS[:3]) == MONDAYS[:3]


@given(
    st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=30),
    st.integers(min_value=0, max_value=29),
    st.integers(min_value=0, max_value=29),
)
def test_rolling_maximum_over_a_range_is_never_less_than_over_a_sub_range(values, a, b):
    """Property (issue 11): widening the range can only add windows that end within it."""
    weeks = MONDAYS[: len(values)]
    per_week = dict(zip(weeks, values, strict=True))
    lo, hi = sorted((a % len(values), b % len(values)))
    wide = max_in_consecutive_weeks(per_week, weeks, look_back=0)

    def over(first, last):  # range weeks [first, last] with their look-back
        before = look_back_weeks(weeks[:first])
        return max_in_consecutive_weeks(
            per_week, before + weeks[first : last + 1], look_back=len(before)
        )

    assert wide >= over(lo, hi)
    assert over(0, hi) >= over(lo, hi) or lo == 0


def test_thresholds_compare_exact_fractions_not_displayed_values():
    """341/379 = 89.97 % is shown as 90.0 % (half up, one decimal: DfE statistics round the same way)
    but is below a "< 90 %" step; 359/378 = 94.97 % is below "< 95 %"."""
    la = SupportMap(
        "LA",
        Measure.ATTENDANCE_BELOW,
        (Stage("early", "Early", 95.0), Stage("concern", "Concern", 90.0)),
    )
    f = Figures(present=341, authorised=38)
    assert f.attendance_pct == 90.0
    assert la.reached(f).key == "concern"
    g = Figures(present=359, authorised=19)
    assert g.attendance_pct == 95.0
    assert la.reached(g).key == "early"
    assert la.reached(Figures(present=360, authorised=18)) is None  # 95.24 %


def test_one_rounding_rule_for_every_output():
    """1 absence in 16 sessions is 6.25 %: halves round up, so 6.3 % everywhere (the CLI printed 6.2)."""
    f = Figures(present=15, unauthorised=1)
    assert one_decimal(1, 16) == 6.3
    assert f.absence_pct == f.unauthorised_pct == 6.3
    assert percent(f.unauthorised_pct) == "6.3%"
    assert percent(None) == "–"


def test_missing_marks_make_figures_incomplete_but_never_present():
    """A session the school met, with the pupil on roll and no mark, is missing: not present, not
    possible, and it flags the figures as incomplete."""
    f = Figures(unauthorised=10, missing=126)
    assert f.possible == 10 and f.attended == 0 and f.incomplete
    assert not Figures(present=10).incomplete
    assert (f + Figures(present=2, missing=1)).missing == 127
