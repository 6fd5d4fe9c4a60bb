"""A typical English school year, as a starting point the school then adjusts: six half-terms,
five INSET days, and the bank holidays of England (from the `holidays` package) that fall in term."""

from __future__ import annotations

from datetime import date, timedelta

import holidays
from dateutil.easter import easter

from attendance_desk.domain.calendar import Closure, Term


def _monday_on_or_after(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7)


def _friday_on_or_before(day: date) -> date:
    return day - timedelta(days=(day.weekday() - 4) % 7)


def _weekday_on_or_after(day: date) -> date:
    return day if day.weekday() < 5 else _monday_on_or_after(day)


def _weekday_on_or_before(day: date) -> date:
    return day if day.weekday() < 5 else _friday_on_or_before(day)


def _last_monday(year: int, month: int) -> date:
    first_next = date(year + (month == 12), month % 12 + 1, 1)
    day = first_next - timedelta(days=1)
    return day - timedelta(days=day.weekday())


def typical_year(start_year: int) -> tuple[list[Term], list[Closure]]:
    """Terms and closures for the academic year starting in September of `start_year`."""
    y1, y2 = start_year, start_year + 1
    autumn_start = _weekday_on_or_after(date(y1, 9, 1))
    october_break = _last_monday(y1, 10)
    christmas_end = _weekday_on_or_before(date(y1, 12, 19))
    spring_start = _weekday_on_or_after(date(y2, 1, 5))
    february_break = _monday_on_or_after(date(y2, 2, 1)) + timedelta(days=14)
    easter_break = easter(y2) - timedelta(days=6)  # Monday of Holy Week: two weeks off
    may_break = _last_monday(y2, 5)
    summer_end = _weekday_on_or_before(date(y2, 7, 22))
    terms = [
        Term(f"Autumn 1 {y1}", autumn_start, october_break - timedelta(days=3)),
        Term(f"Autumn 2 {y1}", october_break + timedelta(days=7), christmas_end),
        Term(f"Spring 1 {y2}", spring_start, february_break - timedelta(days=3)),
        Term(
            f"Spring 2 {y2}", february_break + timedelta(days=7), easter_break - timedelta(days=3)
        ),
        Term(f"Summer 1 {y2}", easter_break + timedelta(days=14), may_break - timedelta(days=3)),
        Term(f"Summer 2 {y2}", may_break + timedelta(days=7), summer_end),
    ]
    second_day = _weekday_on_or_after(autumn_start + timedelta(days=1))
    inset = [autumn_start, second_day, spring_start, february_break + timedelta(days=7), summer_end]
    closures = [Closure(day, "inset", "INSET day (staff training)") for day in inset]
    bank = holidays.country_holidays("GB", subdiv="ENG", years=[y1, y2])
    for day, name in sorted(bank.items()):
        in_term = any(t.start <= day <= t.end for t in terms)
        if in_term and day.weekday() < 5 and day not in inset:
            closures.append(Closure(day, "bank_holiday", name))
    return terms, closures
