"""Compulsory school age in England (Education Act 1996, s.8): it begins on the first prescribed day
(31 March, 31 August, 31 December) on or after the child's fifth birthday, and ends on the school
leaving date, the last Friday in June of the school year (1 September - 31 August) in which the
child turns 16 (Education (School Leaving Date) Order 1997)."""

from __future__ import annotations

from datetime import date, timedelta

PRESCRIBED_DAYS = ((3, 31), (8, 31), (12, 31))


def _birthday(dob: date, years: int) -> date:
    try:
        return dob.replace(year=dob.year + years)
    except ValueError:  # born on 29 February
        return date(dob.year + years, 3, 1)


def compulsory_school_age(dob: date) -> tuple[date, date]:
    """The first and last day a child born on `dob` is of compulsory school age."""
    fifth = _birthday(dob, 5)
    begins = min(
        date(year, month, day)
        for year in (fifth.year, fifth.year + 1)
        for month, day in PRESCRIBED_DAYS
        if date(year, month, day) >= fifth
    )
    sixteenth = _birthday(dob, 16)
    june_year = sixteenth.year + 1 if sixteenth.month >= 9 else sixteenth.year
    last = date(june_year, 6, 30)
    ends = last - timedelta(days=(last.weekday() - 4) % 7)
    return begins, ends
