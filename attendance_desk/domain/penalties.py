"""Penalty notices for absence, as the national framework and the local authority's code of conduct
set them. Pure rules: the service gathers the steps and figures; this module decides.

Sources (see docs/rules.md and ../shared/DOMAIN.md §4):
- The Education (Penalty Notices) (England) Regulations 2007 as amended by the Education (Penalty
  Notices) (England) (Amendment) Regulations 2024, for offences from 19 August 2024: £160 for each
  parent for each child, reduced to £80 if paid within 21 days, to be paid within 28 days; a second
  notice to the same parent for the same child within three years of the first is £160 with no
  reduction; no more than two within three years: a third is not issued, and prosecution (s.444
  Education Act 1996) or another legal measure is considered instead. Notices paid or prosecuted
  count towards the two; withdrawn notices do not.
- DfE, "Working together to improve school attendance" (August 2024), paras 174-200: the national
  threshold is 10 sessions of unauthorised absence (G, N, O, U in any mix, not necessarily
  consecutive) in a rolling period of 10 school weeks, which may span terms and school years; local
  codes of conduct may differ (e.g. a 12-week period), so both numbers are school settings. A Notice
  to Improve is an optional last chance before a notice, with an improvement period (3 to 6 weeks in
  the codes of conduct we have seen).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from attendance_desk.presentation import dmy

FULL_AMOUNT = 160  # pounds, per parent per child
REDUCED_AMOUNT = 80  # if paid within REDUCED_DAYS
REDUCED_DAYS = 21
PAY_DAYS = 28
NOTICES_IN_THREE_YEARS = 2
IMPROVEMENT_WEEKS = (3, 6)
STEPS = {
    "notice_to_improve": "Notice to improve",
    "request": "Request to the local authority",
    "issued": "Penalty notice issued",
    "paid": "Paid",
    "unpaid": "Not paid",
    "withdrawn": "Withdrawn",
    "prosecution": "Referred for prosecution",
}
ENDED = ("paid", "unpaid", "withdrawn")


@dataclass(frozen=True)
class Amounts:
    amount: int
    reduced_amount: int | None  # None: no reduction (a second notice within three years)
    reduced_by: date | None
    pay_by: date
    nth: int  # 1 or 2: the notice's place among this parent's for this child in three years


def three_years_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 3)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 3, day=28)


def notice_amounts(issued_on: date, earlier: Sequence[date]) -> Amounts | str:
    """The amounts of a notice issued on `issued_on` to a parent who had notices (for the same
    child, not withdrawn) on the `earlier` dates; or why it may not be issued."""
    window = three_years_before(issued_on)
    recent = sorted(d for d in earlier if window < d <= issued_on)
    if len(recent) >= NOTICES_IN_THREE_YEARS:
        listed = " and ".join(f"{dmy(d)}" for d in recent)
        return (
            f"a third penalty notice within three years is not allowed (notices issued {listed}): "
            "the route now is prosecution under section 444 of the Education Act 1996 (or another "
            "legal measure): record a prosecution referral instead"
        )
    pay_by = issued_on + timedelta(days=PAY_DAYS)
    if recent:
        return Amounts(FULL_AMOUNT, None, None, pay_by, 2)
    return Amounts(FULL_AMOUNT, REDUCED_AMOUNT, issued_on + timedelta(days=REDUCED_DAYS), pay_by, 1)


def amount_due(amounts: Amounts, paid_on: date) -> int | None:
    """What a payment on `paid_on` settles: the reduced amount within 21 days (first notice), the
    full amount within 28 days, None after 28 days (the notice is unpaid: prosecution is considered)."""
    if amounts.reduced_by and paid_on <= amounts.reduced_by:
        return amounts.reduced_amount
    if paid_on <= amounts.pay_by:
        return amounts.amount
    return None


def check_improvement_period(notice_on: date, ends: date) -> str | None:
    low, high = IMPROVEMENT_WEEKS
    if not notice_on + timedelta(weeks=low) <= ends <= notice_on + timedelta(weeks=high):
        return (
            f"the improvement period should end {low} to {high} weeks after the notice "
            f"({dmy(notice_on + timedelta(weeks=low))} to {dmy(notice_on + timedelta(weeks=high))}), "
            f"not on {dmy(ends)}"
        )
    return None


def below_threshold(most: int, threshold: int, weeks: int, latest: int, window: str) -> str | None:
    """Why a penalty warning or request is refused for a pupil below the local threshold, naming the
    figures; None when the threshold is reached."""
    if most >= threshold:
        return None
    return (
        f"refused: below the penalty-notice threshold of {threshold} unauthorised sessions in "
        f"{weeks} school weeks (the local authority's code of conduct; nationally 10 in 10): the most "
        f"in any {weeks} school weeks this school year is {most}, and {latest} in the last {weeks} "
        f"({window})"
    )
