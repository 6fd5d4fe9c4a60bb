"""Everything the pupil profile shows, gathered in one call."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from attendance_desk.domain.calendar import SchoolCalendar, academic_year_bounds, academic_year_of
from attendance_desk.domain.calls import ContactForCalls
from attendance_desk.domain.codes import Category, CodeTable
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.records import CaseworkEntry, LetterRecord, Meeting, StageEvent
from attendance_desk.presentation import dmy
from attendance_desk.services.figures import PupilFigures, due_on, pupil_figures
from attendance_desk.services.marks import find_pupil
from attendance_desk.services.meetings import KINDS
from attendance_desk.services.school import codes, school_calendar, support_map
from attendance_desk.services.stages import PupilStage, stage_overview
from attendance_desk.store.db import Store
from attendance_desk.store.marks import codes_by_session

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")


@dataclass(frozen=True)
class Patterns:
    absence_by_weekday: dict[str, int]  # sessions of absence on each weekday
    possible_by_weekday: dict[str, int]
    absence_am: int
    absence_pm: int
    next_to_breaks: tuple[
        int, int
    ]  # (sessions absent, possible) on days just before or after a break
    other_days: tuple[int, int]


@dataclass(frozen=True)
class Action:
    """One line of the profile's casework summary: something due (outstanding) or done."""

    what: str
    on: date | None = None  # due date (outstanding) or the day it was done
    overdue: bool = False


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
    marks: dict[tuple[date, str], tuple[str, str]] = field(
        default_factory=dict
    )  # session: (code, meaning)
    school_days: frozenset[date] = (
        frozenset()
    )  # this school year's days the school meets (heat map)
    outstanding: list[Action] = field(
        default_factory=list
    )  # the current stage's actions not yet done
    done: list[Action] = field(default_factory=list)  # stage steps, letters, meetings: newest first


def _patterns(
    categories: dict[tuple[date, str], Category | None], calendar: SchoolCalendar
) -> Patterns:
    absent: Counter[str] = Counter()  # by weekday
    possible: Counter[str] = Counter()
    am = pm = 0
    edges: Counter[tuple[bool, str]] = Counter()  # (next to a break?, "possible" or "absent")
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
        {d: absent[d] for d in WEEKDAYS},
        {d: possible[d] for d in WEEKDAYS},
        am,
        pm,
        (edges[(True, "absent")], edges[(True, "possible")]),
        (edges[(False, "absent")], edges[(False, "possible")]),
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
    by_session = codes_by_session(store, pupil.id, start, today)
    categories = {
        session: table.category_or_none(code, session[0]) for session, code in by_session.items()
    }
    marks = {
        session: (code, _meaning(table, code, session[0])) for session, code in by_session.items()
    }
    stage = stage_overview(store, today, pupil.upn)
    year_calendar = school_calendar(store, start, date(start.year + 1, 7, 31))
    school_days = frozenset(year_calendar.school_days(start, date(start.year + 1, 7, 31)))
    events = store.stages.events(pupil.id)
    letters = store.letters.for_pupil(pupil.id)
    meetings = store.meetings.meetings(pupil.id)
    outstanding = _outstanding(stage[0] if stage else None, events, letters, meetings, today)
    return PupilProfile(
        pupil=pupil,
        this_year=this[0] if this else None,
        last_year=last[0] if last else None,
        year_start=start,
        today=today,
        categories=categories,
        marks=marks,
        patterns=_patterns(
            categories,
            school_calendar(store, start - timedelta(days=7), today + timedelta(days=14)),
        ),
        contacts=store.contacts.for_pupils([pupil.id]).get(pupil.id, []),
        chronology=store.casework.for_pupil(pupil.id),
        stage=stage[0] if stage else None,
        stage_events=events,
        letters=letters,
        outstanding=outstanding,
        school_days=school_days,
        done=_done(events, letters, meetings, {s.key: s.name for s in support_map(store).stages}),
    )


def _meaning(table: CodeTable, code: str, day: date) -> str:
    try:
        return table.lookup(code, day).meaning
    except ValueError:  # UnknownCode
        return "not a code on this date"


def _letter_day(letter: LetterRecord) -> date:
    """The date the letter bears (the day it was made for), not the moment it was generated."""
    return letter.letter_date


def _outstanding(
    stage: PupilStage | None,
    events: list[StageEvent],
    letters: list[LetterRecord],
    meetings: list[Meeting],
    today: date,
) -> list[Action]:
    """What is due: the suggested stage (due now), the current stage's actions not yet shown done
    (its letter issued, a meeting held since the step), and meeting reviews not yet held, with their dates."""
    due: list[Action] = []
    if stage is not None and stage.suggestion is not None:
        due.append(Action(f"Confirm {stage.suggestion.stage.name} (threshold crossed)", today))
    if stage is not None and stage.current is not None and not stage.closed:
        entered = [e for e in events if e.event == "entered" and e.stage_key == stage.current.key]
        since = entered[-1].on if entered else None
        for action in stage.current.actions:
            lowered = action.lower()
            if ("letter" in lowered or "notice" in lowered) and stage.current.letter:
                done = any(
                    x.template == stage.current.letter
                    and (since is None or _letter_day(x) >= since)
                    for x in letters
                )
            elif "meeting" in lowered:
                done = any(since is None or m.held_on >= since for m in meetings)
            else:
                done = False
            if not done:
                due.append(Action(action, since))
    reviewed = {m.reviews_meeting_id for m in meetings if m.reviews_meeting_id}
    for m in meetings:
        if m.review_date and m.id not in reviewed:
            due.append(
                Action(
                    f"Review of the {KINDS.get(m.kind, m.kind)} of {dmy(m.held_on)}",
                    m.review_date,
                    m.review_date < today,
                )
            )
    return due


def _done(
    events: list[StageEvent],
    letters: list[LetterRecord],
    meetings: list[Meeting],
    names: dict[str, str],
) -> list[Action]:
    done = [
        Action(
            ("Entered " + names.get(e.stage_key or "", e.stage_key or "a stage"))
            if e.event == "entered"
            else f"Staged process {e.event}" + (f": {e.note}" if e.note else ""),
            e.on,
        )
        for e in events
    ]
    done += [
        Action(f"Letter {x.template.replace('_', ' ')} to {x.addressee}", _letter_day(x))
        for x in letters
    ]
    done += [Action(f"{KINDS.get(m.kind, m.kind)} held", m.held_on) for m in meetings]
    return sorted(done, key=lambda a: a.on or date.min, reverse=True)
