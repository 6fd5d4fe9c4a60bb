"""A class register for a week: who is in the class, what is recorded, and saving what was typed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from attendance_desk.domain.calendar import (
    SchoolCalendar,
    academic_year_label,
    academic_year_of,
    days_between,
    session_index,
)
from attendance_desk.domain.codes import SESSIONS
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.register import Mark, NewMark
from attendance_desk.domain.roles import Permission
from attendance_desk.presentation import dmy
from attendance_desk.services.figures import due_on, natural_key
from attendance_desk.services.school import ServiceError, codes, school_calendar
from attendance_desk.services.users import authorize
from attendance_desk.store.db import Store
from attendance_desk.store.marks import StaleMark, insert_new_marks

Session = tuple[date, str]


PERIODS = ("week", "half-term", "term")


@dataclass(frozen=True)
class RegisterWeek:
    """A class register over a week, a half-term or a term (weekday sessions, in order)."""

    reg_group: str
    start: date
    end: date
    label: str
    sessions: tuple[Session, ...]
    closed: frozenset[Session]  # sessions when the school did not meet
    pupils: tuple[Pupil, ...]
    marks: dict[tuple[int, date, str], Mark]
    amended: frozenset[tuple[int, date, str]]  # marks that have a history
    missing: frozenset[tuple[int, date, str]] = (
        frozenset()
    )  # register closed, pupil on roll, no mark
    # the code a session should have and why (a part-time timetable's C2, K or B): offered by Ctrl+P
    # and the F2 picker, never saved until someone saves it
    suggested: dict = field(default_factory=dict)

    def mark(self, pupil_id: int, session: Session) -> Mark | None:
        return self.marks.get((pupil_id, *session))


def class_names(store: Store, year_group: str | None = None) -> list[str]:
    return sorted(
        {
            group
            for year, group in store.pupils.groups()
            if group and (year_group is None or year == year_group)
        },
        key=natural_key,
    )


def year_groups(store: Store) -> list[str]:
    return sorted(
        {year for year, _ in store.pupils.groups() if year}, key=lambda y: natural_key(f"Year {y}")
    )


def _period_bounds(calendar: SchoolCalendar, day: date, period: str) -> tuple[date, date, str]:
    monday = day - timedelta(days=day.weekday())
    week = (monday, monday + timedelta(days=4), f"week of {dmy(monday)}")
    term = calendar.term_of(day)
    if period == "week" or term is None:
        return week
    if period == "half-term":
        return term.start, term.end, term.name
    season = term.name.split()[0]
    same = [
        t
        for t in calendar.terms
        if t.name.split()[0] == season and academic_year_of(t.start) == academic_year_of(term.start)
    ]
    return (
        min(t.start for t in same),
        max(t.end for t in same),
        f"{season} term {academic_year_label(academic_year_of(term.start))}",
    )


def register_week(
    store: Store, reg_group: str, any_day: date, period: str = "week", today: date | None = None
) -> RegisterWeek:
    """A class register for the period holding `any_day`; `today` (the app's) decides which
    registers have closed, so an empty one there shows as a missing mark."""
    from attendance_desk.services.leave import leave_suggestions
    from attendance_desk.services.part_time import register_suggestions

    if period not in PERIODS:
        raise ServiceError(f"unknown register period '{period}'")
    calendar: SchoolCalendar = school_calendar(
        store, any_day - timedelta(days=200), any_day + timedelta(days=200)
    )
    start, end, label = _period_bounds(calendar, any_day, period)
    all_sessions = [(d, s) for d in days_between(start, end) if d.weekday() < 5 for s in SESSIONS]
    pupils = tuple(store.pupils.on_roll_between(start, end, reg_group))
    marks = {}
    for pupil in pupils:
        for mark in store.marks.for_pupil(pupil.id, start, end):
            marks[(pupil.id, mark.date, mark.session)] = mark
    amended = store.marks.amended_sessions([p.id for p in pupils], start, end)
    closed = frozenset(
        s
        for s in all_sessions
        if calendar.has_terms_for(s[0]) and not calendar.is_school_session(*s)
    )
    due = session_index(due_on(store, today))
    missing = frozenset(
        (p.id, d, s)
        for p in pupils
        for d, s in all_sessions
        if (p.id, d, s) not in marks
        and (d, s) not in closed
        and p.on_roll(d)
        and session_index((d, s)) <= due
        and calendar.is_school_session(d, s)
    )
    return RegisterWeek(
        reg_group,
        start,
        end,
        label,
        tuple(all_sessions),
        closed,
        pupils,
        marks,
        frozenset(amended),
        missing,
        register_suggestions(store, pupils, start, end)
        | leave_suggestions(store, pupils, start, end),
    )


def registers_taken_by(new: dict[tuple[int, date, str], str], today: date) -> list[Session]:
    """The sessions whose register a save takes: on or before today, with at least one mark of the
    kind recorded when the register is taken. Marks entered ahead (an appointment M, granted leave,
    a closure) do not take it, so the rest of the class is not mistaken for "no mark"."""
    taking = codes().register_taking_codes()
    return sorted({(d, s) for (_, d, s), code in new.items() if d <= today and code in taking})


def save_register(
    store: Store,
    reg_group: str,
    new: dict[tuple[int, date, str], str],
    changed: dict[tuple[int, date, str], tuple[str, int]],
    reason: str | dict[tuple[int, date, str], str],
    by: str,
    today: date,
) -> tuple[int, int]:
    """Record new marks (and that the register was taken for those sessions) and amend changed ones
    (code, version read) with one reason for all, or a reason for each (a dict by mark). All of it or
    none of it. Returns (recorded, amended)."""
    authorize(store, by, Permission.MARK)
    if changed:
        authorize(store, by, Permission.AMEND)
    table = codes()
    for (_, day, _), code in [*new.items(), *((k, v[0]) for k, v in changed.items())]:
        if not table.is_valid(code, day):
            raise ServiceError(f"'{code}' is not an attendance code on {dmy(day)}")
        if day > today and not table.lookup(code, day).in_advance:
            raise ServiceError(
                f"{dmy(day)} is in the future: only codes such as M, C or # can be entered ahead"
            )
    reasons = reason if isinstance(reason, dict) else dict.fromkeys(changed, reason)
    if any(not reasons.get(key, "").strip() for key in changed):
        raise ServiceError(
            "give the reason for changing recorded marks (it is kept in the register's history)"
        )
    with store.write():
        try:
            if new:
                insert_new_marks(
                    store,
                    [NewMark(pid, d, s, code).as_row() for (pid, d, s), code in new.items()],
                    by=by,
                    source="register",
                )
                for day, session in registers_taken_by(new, today):
                    store.marks.record_register_taken(reg_group, day, session, by)
            for (pid, d, s), (code, version) in changed.items():
                store.marks.amend(
                    pid,
                    d,
                    s,
                    code,
                    None,
                    reasons[(pid, d, s)].strip(),
                    by,
                    expected_version=version,
                )
        except StaleMark as exc:
            raise ServiceError(str(exc)) from None
        if new or changed:  # with the marks, in the same transaction
            sessions = sorted({(d, s) for (_, d, s) in [*new, *changed]})
            store.audit.log(
                by,
                "register saved",
                reg_group,
                f"{len(new)} recorded, {len(changed)} amended; "
                + ", ".join(f"{dmy(d)} {s}" for d, s in sessions[:10])
                + (f" and {len(sessions) - 10} more sessions" if len(sessions) > 10 else ""),
            )
    return len(new), len(changed)
