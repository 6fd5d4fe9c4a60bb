"""Everything the pupil profile shows, gathered in one call."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from attendance_desk.domain.calendar import SchoolCalendar, academic_year_bounds, academic_year_of
from attendance_desk.domain.calls import ContactForCalls
from attendance_desk.domain.codes import Category
from attendance_desk.domain.people import Pupil
from attendance_desk.services.figures import PupilFigures, due_on, pupil_figures
from attendance_desk.services.marks import find_pupil
from attendance_desk.services.school import codes, school_calendar
from attendance_desk.services.stages import PupilStage, stage_overview
from attendance_desk.store.casework import CaseworkEntry
from attendance_desk.store.db import Store
from attendance_desk.store.letters import LetterRecord
from attendance_desk.store.marks import codes_by_session
from attendance_desk.store.stages import StageEvent

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")


@dataclass(frozen=True)
class Patterns:
    absence_by_weekday: dict[str, int]  # sessions of absence on each weekday
    possible_by_weekday: dict[str, int]
    absence_am: int
    absence_pm: int
    next_to_breaks: tuple[int, int]  # (sessions absent, possible) on days just before or after a break
    other_days: tuple[int, int]


@dataclass(frozen=True)
class PupilProfile:
    pupil: Pupil
    this_year: PupilFigures | None
    last_year: PupilFigures | None
    year_start: date
    today: date
    categories: dict[tuple[date, str], Category | None]  # this year's sessions, for the heat map
    patterns: Patterns
    contacts: list[ContactForCalls]
    chronology: list[CaseworkEntry]
    stage: PupilStage | None
    stage_events: list[StageEvent]
    letters: list[LetterRecord]


def _patterns(categories: dict[tuple[date, str], Category | None], calendar: SchoolCalendar) -> Patterns:
    absent, possible = Counter(), Counter()
    am = pm = 0
    edges = Counter()
    for (day, session), category in categories.items():
        if category is None or category == Category.NOT_COUNTED or day.weekday() > 4:
            continue
        name = WEEKDAYS[day.weekday()]
        possible[name] += 1
        edge = _next_to_break(day, calendar)
        edges[(edge, "possible")] += 1
        if category.is_absence:
            absent[name] += 1
            am += session == "AM"
            pm += session == "PM"
            edges[(edge, "absent")] += 1
    return Patterns(
        {d: absent[d] for d in WEEKDAYS}, {d: possible[d] for d in WEEKDAYS}, am, pm,
        (edges[(True, "absent")], edges[(True, "possible")]), (edges[(False, "absent")], edges[(False, "possible")]),
    )


def _next_to_break(day: date, calendar: SchoolCalendar) -> bool:
    """The school day before or after a weekday the school did not meet (holiday, INSET, bank holiday)."""
    for step in (-1, 1):
        other = day + timedelta(days=step)
        while other.weekday() > 4:
            other += timedelta(days=step)
        if not calendar.is_school_day(other):
            return True
    return False


def pupil_profile(store: Store, upn: str, today: date) -> PupilProfile:
    pupil = find_pupil(store, upn)
    start, _ = academic_year_bounds(academic_year_of(today))
    last_start, last_end = academic_year_bounds(academic_year_of(today) - 1)
    this = pupil_figures(store, start, today, pupils=[pupil], due=due_on(store, today))
    last = pupil_figures(store, last_start, last_end, pupils=[pupil])
    table = codes()
    categories = {
        session: table.category_or_none(code, session[0])
        for session, code in codes_by_session(store, pupil.id, start, today).items()
    }
    stage = stage_overview(store, today, pupil.upn)
    return PupilProfile(
        pupil=pupil, this_year=this[0] if this else None, last_year=last[0] if last else None,
        year_start=start, today=today, categories=categories,
        patterns=_patterns(categories, school_calendar(store, start - timedelta(days=7), today + timedelta(days=14))),
        contacts=store.contacts.for_pupils([pupil.id]).get(pupil.id, []),
        chronology=store.casework.for_pupil(pupil.id),
        stage=stage[0] if stage else None,
        stage_events=store.stages.events(pupil.id),
        letters=store.letters.for_pupil(pupil.id),
    )
