"""The school calendar: academic years, terms, closures, sessions and school weeks.

A session is (date, "AM"|"PM"). A school week is a Monday-Sunday week with at least one
school session. Where no terms are entered for an academic year, school sessions are those
the registers show (`observed`), so a school that only imports marks still gets weeks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from attendance_desk.domain.codes import SESSIONS

Session = tuple[date, str]


def session_index(session: Session) -> tuple[date, int]:
    """Sessions in time order: AM before PM on the same day."""
    return session[0], SESSIONS.index(session[1])


def academic_year_of(day: date) -> int:
    """The starting calendar year of the academic year (1 September - 31 August) holding `day`."""
    return day.year if day.month >= 9 else day.year - 1


def academic_year_bounds(start_year: int) -> tuple[date, date]:
    return date(start_year, 9, 1), date(start_year + 1, 8, 31)


def academic_year_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def days_between(start: date, end: date) -> Iterator[date]:
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def parse_session(value: str) -> str:
    text = value.strip().upper()
    if text not in SESSIONS:
        raise ValueError(f"session must be AM or PM, not '{value}'")
    return text


@dataclass(frozen=True)
class Term:
    name: str
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"term {self.name} ends before it starts")


@dataclass(frozen=True)
class Closure:
    """A day (or one session of it) when the school does not meet: INSET, bank holiday, closure."""

    day: date
    kind: str
    description: str = ""
    sessions: tuple[str, ...] = SESSIONS


@dataclass
class SchoolCalendar:
    terms: list[Term] = field(default_factory=list)
    closures: list[Closure] = field(default_factory=list)
    observed: set[Session] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.terms = sorted(self.terms, key=lambda t: t.start)
        self._closed: dict[date, set[str]] = {}
        for closure in self.closures:
            self._closed.setdefault(closure.day, set()).update(closure.sessions)
        self._years_with_terms = {academic_year_of(t.start) for t in self.terms} | {
            academic_year_of(t.end) for t in self.terms
        }

    def has_terms_for(self, day: date) -> bool:
        return academic_year_of(day) in self._years_with_terms

    def years_without_terms(self, start: date, end: date) -> list[int]:
        years = range(academic_year_of(start), academic_year_of(end) + 1)
        return [y for y in years if y not in self._years_with_terms]

    def term_of(self, day: date) -> Term | None:
        for term in self.terms:
            if term.start <= day <= term.end:
                return term
        return None

    def is_school_session(self, day: date, session: str) -> bool:
        if not self.has_terms_for(day):
            return (day, session) in self.observed
        if day.weekday() >= 5 or self.term_of(day) is None:
            return False
        return session not in self._closed.get(day, ())

    def is_school_day(self, day: date) -> bool:
        return any(self.is_school_session(day, s) for s in SESSIONS)

    def school_sessions(self, start: date, end: date) -> list[Session]:
        return [
            (day, s)
            for day in days_between(start, end)
            for s in SESSIONS
            if self.is_school_session(day, s)
        ]

    def school_days(self, start: date, end: date) -> list[date]:
        return sorted({day for day, _ in self.school_sessions(start, end)})

    def school_weeks(self, start: date, end: date) -> list[date]:
        """Mondays of the weeks in [start, end] in which the school met at least once."""
        return sorted({week_start(day) for day in self.school_days(start, end)})

    def school_weeks_before(self, before: date, count: int, limit_weeks: int = 60) -> list[date]:
        """Mondays of up to `count` school weeks wholly before the week of `before`, oldest first
        (the look-back of a rolling window: across holidays, terms and academic years)."""
        found: list[date] = []
        monday = week_start(before)
        for _ in range(limit_weeks):
            if len(found) == count:
                break
            monday -= timedelta(days=7)
            if any(self.is_school_day(monday + timedelta(days=i)) for i in range(7)):
                found.append(monday)
        return found[::-1]

    def previous_school_days(self, before: date, count: int, limit_days: int = 400) -> list[date]:
        """Up to `count` school days strictly before `before`, most recent first."""
        found: list[date] = []
        day = before - timedelta(days=1)
        for _ in range(limit_days):
            if len(found) == count:
                break
            if self.is_school_day(day):
                found.append(day)
            day -= timedelta(days=1)
        return found
