"""Registers for the demo school that look like a real school's: winter illness, Monday/Friday
absence for some, term-time holidays next to half-terms, appointments, trips, lates, a few
persistent and severe absentees, and this morning's register with unexplained absences to chase."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from attendance_desk.domain.calendar import SchoolCalendar, academic_year_of, days_between
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.records import CaseworkEntry
from attendance_desk.presentation import dmy_hm
from attendance_desk.store.db import Store
from attendance_desk.store.marks import insert_new_marks
from attendance_desk.store.resources import default_code_table

if TYPE_CHECKING:
    from attendance_desk.services.demo import Family

Marks = dict[tuple[date, str], tuple[str, int | None]]
RECENT_SCHOOL_DAYS = 20


class _Profile:
    def __init__(self, rng: random.Random, risk: float):
        roll = rng.random()
        self.severe = roll < 0.012
        self.persistent = not self.severe and roll < 0.12
        base = (
            0.5
            if self.severe
            else rng.uniform(0.04, 0.09)
            if self.persistent
            else rng.uniform(0.006, 0.022)
        )
        self.spell_rate = min(0.7, base * risk)
        self.mon_fri = rng.random() < 0.05
        self.late_rate = 0.08 if rng.random() < 0.1 else 0.01


def _spell_code(rng: random.Random, profile: _Profile) -> str:
    roll = rng.random()
    if profile.severe:
        return "O" if roll < 0.6 else "I" if roll < 0.85 else "N"
    return "I" if roll < 0.86 else "O" if roll < 0.96 else "N"


def _present(rng: random.Random, profile: _Profile, session: str) -> tuple[str, int | None]:
    if session == "AM" and rng.random() < profile.late_rate:
        if rng.random() < 0.12:
            return "U", rng.randint(35, 70)
        return "L", rng.randint(3, 25)
    return ("/" if session == "AM" else "\\"), None


def _holiday_days(
    rng: random.Random, calendar: SchoolCalendar, start: date, end: date
) -> set[date]:
    """3-5 school days taken next to a half-term, once a year, by families who do so."""
    days: set[date] = set()
    for year in range(academic_year_of(start), academic_year_of(end) + 1):
        terms = [t for t in calendar.terms if academic_year_of(t.start) == year]
        if not terms:
            continue
        term = rng.choice(terms)
        school = [d for d in calendar.school_days(term.start, term.end)]
        days |= set(school[-rng.randint(3, 5) :])
    return {d for d in days if start <= d <= end}


def simulate_registers(
    store: Store,
    rng: random.Random,
    roster: list[tuple[Pupil, Family]],
    calendar: SchoolCalendar,
    start: date,
    today: date,
    user: str,
    fixed: dict[int, dict[tuple[date, str], str]] | None = None,
    reserved: set[int] | frozenset[int] = frozenset(),
) -> None:
    """`fixed`: the codes the demo's casework needs on a pupil's sessions (granted leave C, say);
    `reserved`: the pupils that casework is about, left out of this morning's examples."""
    fixed = fixed or {}
    school_days = calendar.school_days(start, today)
    closed = [
        d
        for d in days_between(start, today)
        if d.weekday() < 5 and calendar.term_of(d) and not calendar.is_school_day(d)
    ]
    trips = _class_trips(rng, roster, calendar, start, today)
    holidays: dict[int, set[date]] = {}
    classes = {p.reg_group for p, _ in roster if p.on_roll(today)}
    shown = {p.reg_group for p, _ in roster if (today, "AM") in fixed.get(p.id, {})}
    untaken_class = rng.choice(sorted(classes - shown) or sorted(classes))  # casework's are taken
    recent = set(school_days[-RECENT_SCHOOL_DAYS - 1 : -1]) if school_days else set()
    rows: list[tuple] = []
    recode: dict[date, list[tuple[int, date, str, str]]] = defaultdict(list)
    scenarios = _scenarios(rng, roster, today, untaken_class, reserved)
    for pupil, family in roster:
        profile = _Profile(rng, family.risk)
        if id(family) not in holidays:
            holidays[id(family)] = (
                _holiday_days(rng, calendar, start, today) if family.holiday_taker else set()
            )
        marks = _simulate_pupil(
            rng, pupil, profile, school_days, holidays[id(family)], trips, today
        )
        for day in closed:
            if pupil.on_roll(day):
                marks[(day, "AM")] = marks[(day, "PM")] = ("#", None)
        if pupil.reg_group == untaken_class:
            marks.pop((today, "AM"), None)
        run = _unexplained_run(rng, pupil, marks, today, scenarios.get(pupil.id))
        if run:
            _mark_unexplained(marks, school_days, today, run)
        mine = fixed.get(pupil.id, {})
        for key, code in mine.items():
            if key in marks:
                marks[key] = (code, None)
        for (day, session), (code, minutes) in marks.items():
            if (
                day in recent
                and code in ("I", "O", "G")
                and (day, session) not in mine
                and rng.random() < 0.4
            ):
                recode[day].append((pupil.id, day, session, code))
                code = "N"
            rows.append((pupil.id, day.isoformat(), session, code, minutes))
    insert_new_marks(store, rows, by=user, source="demo")
    store.marks.record_registers_taken_from_marks(
        start, today, default_code_table().register_taking_codes(), user
    )
    _record_calls(store, rng, recode, user)
    _record_stages(store, rng, today)


def _simulate_pupil(
    rng: random.Random,
    pupil: Pupil,
    profile: _Profile,
    school_days: list[date],
    holidays: set[date],
    trips: dict[tuple[str, date], str],
    today: date,
) -> Marks:
    marks: Marks = {}
    spell_left, spell_code = 0, ""
    for day in school_days:
        if not pupil.on_roll(day):
            continue
        sessions = ("AM",) if day == today else ("AM", "PM")
        season = 1.6 if day.month in (12, 1, 2) else 0.7 if day.month == 9 else 1.0
        extra = 0.12 if profile.mon_fri and day.weekday() in (0, 4) else 0.0
        if spell_left == 0 and rng.random() < profile.spell_rate * season + extra:
            spell_left = 1 + min(int(rng.expovariate(0.9)), 6 if not profile.severe else 12)
            spell_code = "O" if extra and rng.random() < 0.6 else _spell_code(rng, profile)
        code_for: dict[str, tuple[str, int | None]]  # code and minutes late, by session
        if day in holidays:
            code_for = {s: ("G", None) for s in sessions}
        elif (pupil.reg_group, day) in trips:
            code_for = {s: ("V", None) for s in sessions}
        elif spell_left:
            spell_left -= 1
            code_for = {s: (spell_code, None) for s in sessions}
        elif rng.random() < 0.005:
            appointment = rng.choice(("AM", "PM"))
            code_for = {
                s: ("M", None) if s == appointment else _present(rng, profile, s) for s in sessions
            }
        else:
            code_for = {s: _present(rng, profile, s) for s in sessions}
        for session, value in code_for.items():
            marks[(day, session)] = value
    return marks


def _class_trips(
    rng: random.Random,
    roster: list[tuple[Pupil, Family]],
    calendar: SchoolCalendar,
    start: date,
    today: date,
) -> dict[tuple[str, date], str]:
    trips = {}
    for group in sorted(
        {p.reg_group for p, _ in roster}
    ):  # sorted: the same seed gives the same school
        for term in calendar.terms:
            days = calendar.school_days(
                max(term.start, start), min(term.end, today - timedelta(days=1))
            )
            if days:
                trips[(group, rng.choice(days))] = "V"
    return trips


def _unexplained_run(
    rng: random.Random, pupil: Pupil, marks: Marks, today: date, scenario: str | None
) -> int:
    """How many school days up to today this pupil has been absent with no reason given (0: none).
    These are this morning's call list: most on day 1, some for days (home visit due), one for
    over two weeks (missing-education prompt), a pair of siblings, and vulnerable pupils."""
    today_mark = marks.get((today, "AM"))
    if today_mark is None:
        return 0
    if scenario == "long":
        return 11
    if scenario == "siblings":
        return 1
    if scenario == "vulnerable" or rng.random() < 0.012:
        return rng.choice((1, 1, 1, 2, 3, 4))
    if today_mark[0] in ("O", "N") or (today_mark[0] == "I" and rng.random() < 0.5):
        return 1
    return 0


def _mark_unexplained(marks: Marks, school_days: list[date], today: date, run: int) -> None:
    for day in [d for d in school_days if d <= today][-run:]:
        for session in ("AM", "PM"):
            if (day, session) in marks:
                marks[(day, session)] = ("N", None)


def _scenarios(
    rng: random.Random,
    roster: list[tuple[Pupil, Family]],
    today: date,
    untaken: str,
    reserved: set[int] | frozenset[int] = frozenset(),
) -> dict[int, str]:
    """Pick who carries this morning's illustrative cases (by pupil id), none of the `reserved`."""
    here = [
        (p, f)
        for p, f in roster
        if p.on_roll(today) and p.reg_group != untaken and p.id not in reserved
    ]
    chosen: dict[int, str] = {}
    by_family: dict[int, list[Pupil]] = defaultdict(list)
    for pupil, family in here:
        by_family[id(family)].append(pupil)
    families = [kids for kids in by_family.values() if len(kids) >= 2]
    if families:
        for pupil in rng.choice(families)[:2]:
            chosen[pupil.id] = "siblings"
    vulnerable = [p for p, _ in here if p.vulnerable_reasons and p.id not in chosen]
    for pupil in rng.sample(vulnerable, min(2, len(vulnerable))):
        chosen[pupil.id] = "vulnerable"
    others = [p for p, _ in here if p.id not in chosen and not p.vulnerable_reasons]
    if others:
        chosen[rng.choice(others).id] = "long"
    return chosen


def _record_calls(store: Store, rng: random.Random, recode: dict, user: str) -> None:
    """Past unexplained absences recoded after a first-day call: an amendment with history."""
    from attendance_desk.domain.register import NewMark

    with store.write():
        for day, items in sorted(recode.items()):
            at = datetime.combine(day, time(9, 40 + rng.randint(0, 15))).astimezone()
            reason = f"first-day call {dmy_hm(at)}: spoke to parent/carer"
            store.marks.add_or_amend_many(
                [NewMark(*item).as_row() for item in items],
                by="office",
                source="call",
                reason=reason,
            )
            for pupil_id in sorted({item[0] for item in items}):
                store.casework.add(
                    CaseworkEntry(
                        None,
                        pupil_id,
                        at,
                        "call",
                        "office",
                        "parent/carer",
                        None,
                        "Spoke to parent/carer",
                        True,
                        "Reason for absence given",
                        recorded_at=at,
                    )
                )


def _record_stages(store: Store, rng: random.Random, today: date) -> None:
    """Most pupils who reached a stage a fortnight ago had it confirmed; today's list shows the rest."""
    from attendance_desk.services.stages import record_step, stage_overview

    earlier = today - timedelta(days=14)
    for state in stage_overview(store, earlier):
        if state.suggestion and rng.random() < 0.8:
            record_step(
                store,
                state.figures.pupil.upn,
                "entered",
                earlier,
                "Mr T. Okonjo",
                state.suggestion.stage.key,
                "Confirmed at the weekly attendance review",
                at=f"{earlier.isoformat()}T15:30:00",
            )
