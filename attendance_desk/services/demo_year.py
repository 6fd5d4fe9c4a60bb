"""The demo school's rest of the year, part one: leave of absence (demo_leave.py), a part-time
timetable and a missing-education referral, planned before the registers are written so that the
registers carry what each record says (C on granted leave, G on refused leave that was taken, C2 off a part-time
timetable, N for the child no one can reach). Each record is then made through its own service,
dated the day it happened, in date order with the rest (services/demo_casework.py).

Synthetic only: the names, places and reasons are made up."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from attendance_desk.domain.calendar import SchoolCalendar
from attendance_desk.domain.codes import SESSIONS
from attendance_desk.domain.part_time import Timetable, parse_sessions, suggestion
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.school_age import compulsory_school_age
from attendance_desk.store.db import Store

if TYPE_CHECKING:
    from attendance_desk.services.demo import Family

HEAD = "Mrs J. Harwood"
LEAD = "Mr T. Okonjo"
OFFICE = "office"
CME_DAYS = 10  # the school's default day count for a missing-education referral (Settings)
PART_TIME_ATTENDS = "Mon, Tue, Wed AM, Thu AM, Fri AM"

Step = Callable[[Store], None]
Fixed = dict[tuple[date, str], str]


@dataclass
class YearPlan:
    """What the registers must carry (pupil id -> (day, session) -> code), the pupils the morning's
    own examples must leave alone, and the dated steps that make the records."""

    documents: Path
    fixed: dict[int, Fixed] = field(default_factory=dict)
    reserved: set[int] = field(default_factory=set)
    steps: list[tuple[date, int, str, Step]] = field(default_factory=list)  # day, order, example
    made: dict[str, int] = field(default_factory=dict)  # ids the later steps need
    cases: list[int] = field(default_factory=list)  # the notice-to-improve path's cases
    holiday: tuple[list[date], list[Pupil], str] | None = None  # refused, taken: days, who, parent
    pool: list[tuple[Pupil, Family]] = field(default_factory=list)  # whom examples come from
    days: SchoolDays | None = None

    left_out: list[str] = field(default_factory=list)  # examples a service refused, and why

    def at(self, day: date, example: str, step: Step) -> None:
        """Make `step` on `day`; if a service refuses one step of an example, its later steps are
        left out too."""
        self.steps.append((day, len(self.steps), example, step))

    def fix(self, pupil_id: int, marks: Fixed) -> None:
        self.fixed.setdefault(pupil_id, {}).update(marks)
        self.reserved.add(pupil_id)


class SchoolDays:
    """The demo's school days up to (not including) today, and the ones after it."""

    def __init__(self, calendar: SchoolCalendar, first: date, today: date):
        self.calendar = calendar
        self.today = today
        self.past = [d for d in calendar.school_days(first, today) if d < today]

    def back(self, n: int) -> date | None:
        """The school day `n` school days before today (1: the last one)."""
        return self.past[-n] if 0 < n <= len(self.past) else None

    def on_or_after(self, day: date) -> date:
        """The first school day from `day` (a weekday where the calendar has no terms yet)."""
        return self._nearest(day, 1)

    def on_or_before(self, day: date) -> date:
        """The last school day up to `day` (a weekday where the calendar has no terms)."""
        return self._nearest(day, -1)

    def _nearest(self, day: date, step: int) -> date:
        """The school day nearest `day` going `step` days at a time, within 60 days (else `day`)."""
        for offset in range(60):
            candidate = day + timedelta(days=step * offset)
            if self.calendar.has_terms_for(candidate):
                if self.calendar.is_school_day(candidate):
                    return candidate
            elif candidate.weekday() < 5:
                return candidate
        return day

    def between(self, start: date, end: date) -> list[date]:
        return [d for d in self.past if start <= d <= end]


def whole_year_pupils(
    roster: list[tuple[Pupil, Family]], first: date, today: date
) -> list[tuple[Pupil, Family]]:
    """Pupils on roll from the first register to today, of compulsory school age all that time (the
    ones the examples are chosen from)."""
    chosen = []
    for pupil, family in roster:
        if pupil.leaving_date is not None or pupil.admission_date is None:
            continue
        if pupil.admission_date > first or pupil.dob is None:
            continue
        begins, ends = compulsory_school_age(pupil.dob)
        if begins <= first and today + timedelta(weeks=8) <= ends:
            chosen.append((pupil, family))
    return chosen


def only_children(
    pool: list[tuple[Pupil, Family]], roster: list[tuple[Pupil, Family]], today: date
) -> list[tuple[Pupil, Family]]:
    """Pupils with no brother or sister on roll (a family gone missing takes every child)."""
    count: dict[int, int] = {}
    for pupil, family in roster:
        if pupil.on_roll(today):
            count[id(family)] = count.get(id(family), 0) + 1
    return [(p, f) for p, f in pool if count.get(id(f)) == 1]


def take(
    rng: random.Random, pool: list[tuple[Pupil, Family]], plan: YearPlan, siblings: int = 1
) -> list[tuple[Pupil, Family]]:
    """`siblings` pupils of one family (all its pupils in the pool when more), none reserved yet."""
    by_family: dict[int, list[tuple[Pupil, Family]]] = {}
    for pupil, family in pool:
        by_family.setdefault(id(family), []).append((pupil, family))
    families = [
        kids
        for kids in by_family.values()
        if len(kids) == siblings and not any(p.id in plan.reserved for p, _ in kids)
    ]
    if not families:
        return []
    kids = rng.choice(families)
    plan.reserved |= {p.id for p, _ in kids}
    return kids


def parent_of(family: Family) -> str:
    return family.contacts[0][0].name  # the mother, with parental responsibility, at home


def plan_part_time(
    rng: random.Random,
    plan: YearPlan,
    pool: list[tuple[Pupil, Family]],
    days: SchoolDays,
    is_valid: Callable[[str, date], bool],
) -> None:
    """A phased return after two weeks off with anxiety: mornings only from Wednesday to Friday, C2
    on the register for the other sessions, the local authority told, reviewed once (every agreed
    session attended) and due again in a fortnight."""
    from attendance_desk.services import part_time

    start = days.back(24)
    kids = take(rng, pool, plan)
    if start is None or not kids:
        return
    start = days.on_or_after(start + timedelta(days=(7 - start.weekday()) % 7))  # a Monday
    first_review = days.on_or_after(start + timedelta(days=21))
    if first_review >= days.today:
        return
    told = days.on_or_after(start + timedelta(days=2))
    next_review = days.on_or_after(days.today + timedelta(days=12))
    pupil, family = kids[0]
    timetable = Timetable(None, pupil.id, start, first_review, parse_sessions(PART_TIME_ATTENDS))
    begins, ends = compulsory_school_age(pupil.dob) if pupil.dob else (start, days.today)
    # two weeks off with anxiety (I: illness, mental health included) before the timetable; then in
    # school for every agreed session up to the first review, and C2 for the others
    marks: Fixed = {
        (d, s): "I"
        for d in days.between(start - timedelta(days=60), start)[-11:-1]
        for s in SESSIONS
    }
    for day in [d for d in days.past if d >= start] + [days.today]:
        for session in SESSIONS:
            hint = suggestion(timetable, day, session, is_valid, begins <= day <= ends)
            if hint:
                marks[(day, session)] = hint.code
            elif day <= first_review:
                marks[(day, session)] = "/" if session == "AM" else "\\"
    plan.fix(pupil.id, marks)
    parent = parent_of(family)

    def add(store: Store) -> None:
        made = part_time.add_timetable(
            store,
            pupil.upn,
            starts=start,
            review_on=first_review,
            attends=PART_TIME_ATTENDS,
            reason="a phased return after two weeks off with anxiety, agreed with the CAMHS "
            "practitioner",
            by=LEAD,
            agreed_with=parent,
            today=start,
        )
        plan.made["part_time"] = made.id or 0

    def notify(store: Store) -> None:
        part_time.notify_la(store, plan.made["part_time"], told, LEAD, told)

    def review(store: Store) -> None:
        part_time.review_timetable(
            store,
            plan.made["part_time"],
            first_review,
            "Attending every agreed session and settling well; anxiety easing. Keep the timetable "
            "for now and look at adding afternoons at the next review.",
            LEAD,
            next_review=next_review,
            today=first_review,
        )

    plan.at(start, "part-time", add)
    plan.at(told, "part-time", notify)
    plan.at(first_review, "part-time", review)


def plan_cme(
    rng: random.Random, plan: YearPlan, pool: list[tuple[Pupil, Family]], days: SchoolDays
) -> None:
    """A child no one has reached for 13 school days (N on the register, the office's calls
    unanswered, two home visits), referred to the local authority on the tenth; the outcome awaited."""
    from attendance_desk.services import cme
    from attendance_desk.services.calls import log_call
    from attendance_desk.services.meetings import record_contact

    run = days.past[-(CME_DAYS + 2) :]
    kids = take(rng, pool, plan)
    if len(run) < CME_DAYS + 2 or not kids:
        return
    pupil = kids[0][0]
    plan.fix(pupil.id, {(d, s): "N" for d in [*run, days.today] for s in SESSIONS})
    referred = run[CME_DAYS - 1]
    for n, day in enumerate(run):

        def call(store: Store, day: date = day, n: int = n) -> None:
            mother = store.contacts.for_pupils([pupil.id])[pupil.id][0]
            at = datetime.combine(day, time(9, 40 + n % 3 * 5)).astimezone()
            outcome = ("no_answer", "voicemail", "no_answer")[n % 3]
            log_call(
                store,
                [pupil.id],
                day,
                "AM",
                outcome,
                OFFICE,
                mother.contact_id,
                mother.relationship,
                at=at,
            )

        plan.at(day, "cme", call)
        if n in (2, 7):

            def visit(store: Store, day: date = day, n: int = n) -> None:
                record_contact(
                    store,
                    pupil.upn,
                    "home_visit",
                    LEAD,
                    at=datetime.combine(day, time(11, 30)).astimezone(),
                    outcome="No answer at the house; a calling card left"
                    if n == 2
                    else "No answer; a neighbour has not seen the family for about a week",
                    notes="curtains drawn, post on the mat"
                    if n == 2
                    else "post piling up behind the door",
                    today=day,
                )

            plan.at(day, "cme", visit)

    def refer(store: Store) -> None:
        made = cme.refer(
            store, pupil.upn, referred, LEAD, la_contact="Northshire CME officer", today=referred
        )
        cme.referral_form(store, made.id or 0, plan.documents / f"cme-{referred}.pdf", LEAD)

    plan.at(referred, "cme", refer)


def plan_year(
    seed: int,
    roster: list[tuple[Pupil, Family]],
    calendar: SchoolCalendar,
    first: date,
    today: date,
    documents: Path,
    is_valid: Callable[[str, date], bool],
) -> YearPlan:
    """The records planned before the registers are written (deterministic with the demo's seed)."""
    rng = random.Random(seed * 1_000_003 + 7)
    days = SchoolDays(calendar, first, today)
    pool = whole_year_pupils(roster, days.past[0] if days.past else first, today)
    plan = YearPlan(documents, pool=pool, days=days)
    from attendance_desk.services.demo_leave import plan_leave

    plan_leave(rng, plan, pool, days)
    plan_part_time(rng, plan, pool, days, is_valid)
    plan_cme(rng, plan, only_children(pool, roster, today), days)
    return plan
