"""A class register for a week: who is in the class, what is recorded, and saving what was typed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from attendance_desk.domain.calendar import (
    SchoolCalendar,
    academic_year_label,
    academic_year_of,
    days_between,
    session_index,
)
from attendance_desk.domain.codes import SESSIONS
from attendance_desk.domain.mark_rules import RegisterClock, ahead_refusal, pupil_refusal
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.register import Mark, NewMark
from attendance_desk.domain.roles import Permission
from attendance_desk.presentation import dmy, weekday_dmy
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


def clock_now() -> datetime:
    """The real clock (tests replace it)."""
    return datetime.now()


def register_clock(
    store: Store, today: date | None = None, now: datetime | None = None
) -> RegisterClock:
    """Which registers have opened as the app sees `today`: on the real date, by the clock and the
    school's register times (Settings: AM register opens, PM register opens); on another day given
    for display (a demo, `--today`) every register of that day is open, as `due_on` counts none of
    them closed."""
    now = now or clock_now()
    today = today or now.date()
    settings = store.settings.school()
    opens = {"AM": settings.am_register_opens, "PM": settings.pm_register_opens}
    if today != now.date():
        return RegisterClock(today, (today, "PM"), opens)
    clock = now.strftime("%H:%M")
    if clock >= opens["PM"]:
        opened = (today, "PM")
    elif clock >= opens["AM"]:
        opened = (today, "AM")
    else:
        opened = (today - timedelta(days=1), "PM")
    return RegisterClock(today, opened, opens)


def entry_refusals(
    store: Store, entries: dict[tuple[int, date, str], str], clock: RegisterClock
) -> list[str]:
    """Why each code typed for a pupil's session may not be saved, naming the pupil and the session
    (an unknown code, a session whose register has not opened, Z or X that does not fit the pupil)."""
    table = codes()
    pupils = {p.id: p for p in store.pupils.by_ids(sorted({pid for pid, _, _ in entries}))}
    problems = []
    for (pid, day, session), code in sorted(entries.items(), key=lambda kv: kv[0][1:]):
        pupil = pupils.get(pid)
        where = f"{pupil.name if pupil else f'pupil {pid}'}, {weekday_dmy(day)} {session}"
        if not table.is_valid(code, day):
            problems.append(f"{where}: '{code}' is not an attendance code on {dmy(day)}")
            continue
        why = ahead_refusal(table.lookup(code, day), (day, session), clock) or (
            pupil_refusal(code, day, pupil) if pupil else None
        )
        if why:
            problems.append(f"{where}: {why}")
    return problems


def save_register(
    store: Store,
    reg_group: str,
    new: dict[tuple[int, date, str], str],
    changed: dict[tuple[int, date, str], tuple[str, int]],
    reason: str | dict[tuple[int, date, str], str],
    by: str,
    today: date,
    now: datetime | None = None,
) -> tuple[int, int]:
    """Record new marks (and that the register was taken for those sessions) and amend changed ones
    (code, version read) with one reason for all, or a reason for each (a dict by mark). All of it or
    none of it. Returns (recorded, amended).

    Refused, naming the pupil and the session: a code not valid that day; a code other than those
    entered ahead (M, C, # …) for a session whose register has not opened (a later day, or today's PM
    before it opens, by `now`: the clock by default); Z for a pupil on roll; X for a pupil of
    compulsory school age (domain/mark_rules.py)."""
    authorize(store, by, Permission.MARK)
    if changed:
        authorize(store, by, Permission.AMEND)
    problems = entry_refusals(
        store,
        {**new, **{k: v[0] for k, v in changed.items()}},
        register_clock(store, today, now),
    )
    if problems:
        raise ServiceError(
            problems[0]
            + (f" (and {len(problems) - 1} more refused)" if len(problems) > 1 else "")
            + ". Nothing was saved."
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
