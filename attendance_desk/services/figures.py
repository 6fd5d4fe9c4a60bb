"""Attendance figures for one pupil, any group, or the whole school, over any date range."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from attendance_desk.domain.calendar import (
    Session,
    days_between,
    session_index,
    week_start,
)
from attendance_desk.domain.codes import SESSIONS, Category
from attendance_desk.domain.figures import (
    PENALTY_THRESHOLD_SESSIONS,
    PENALTY_WINDOW_WEEKS,
    Figures,
    figures_from_counts,
    look_back_weeks,
    max_in_consecutive_weeks,
    one_decimal,
    reaches_penalty_threshold,
    total_of,
    unauthorised_by_week,
)
from attendance_desk.domain.groups import GROUP_FILTERS
from attendance_desk.domain.people import Pupil
from attendance_desk.services.school import codes, school_calendar, setting_number
from attendance_desk.store.db import Store
from attendance_desk.store.marks import codes_by_session


@dataclass(frozen=True)
class PupilFigures:
    pupil: Pupil
    start: date  # the part of the range the pupil was on roll
    end: date
    figures: Figures
    max_unauthorised_10_school_weeks: (
        int  # the most in any window of 10 school weeks ending in the range
    )
    unauthorised_last_10_school_weeks: int = 0  # in the 10 school weeks up to the range's end
    # the local authority's code of conduct (the school's settings): its period in school weeks and
    # the same two counts over it (equal to the 10-week ones where the LA follows the national 10)
    local_window_weeks: int = PENALTY_WINDOW_WEEKS
    local_threshold: int = PENALTY_THRESHOLD_SESSIONS
    max_unauthorised_local_window: int = 0
    unauthorised_last_local_window: int = 0

    @property
    def penalty_threshold(self) -> bool:
        return reaches_penalty_threshold(self.max_unauthorised_10_school_weeks)

    @property
    def local_penalty_threshold(self) -> bool:
        """At the local authority's threshold in its own period, up to the range's end."""
        return self.unauthorised_last_local_window >= self.local_threshold

    def as_json(self) -> dict:
        f = self.figures
        return {
            "upn": self.pupil.upn,
            "name": self.pupil.name,
            "reg_group": self.pupil.reg_group,
            "year_group": self.pupil.year_group,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "possible": f.possible,
            "present": f.present,
            "aea": f.aea,
            "authorised": f.authorised,
            "unauthorised": f.unauthorised,
            "not_counted": f.not_counted,
            "late_before_close": f.late_before_close,
            "late_after_close": f.late_after_close,
            "attendance_pct": f.attendance_pct,
            "absence_pct": f.absence_pct,
            "persistent": f.persistent,
            "severe": f.severe,
            "max_unauthorised_10_school_weeks": self.max_unauthorised_10_school_weeks,
            "penalty_threshold": self.penalty_threshold,
            "unauthorised_last_10_school_weeks": self.unauthorised_last_10_school_weeks,
            "local_window_weeks": self.local_window_weeks,
            "local_threshold": self.local_threshold,
            "max_unauthorised_local_window": self.max_unauthorised_local_window,
            "unauthorised_last_local_window": self.unauthorised_last_local_window,
            "unknown_codes": f.unknown,
            "missing": f.missing,
            "incomplete": f.incomplete,
        }


@dataclass(frozen=True)
class GroupSummary:
    """A group's figures as the DfE counts them: enrolments with no possible sessions (all X, not
    yet marked) are on roll but left out of the rates ("pupils" counts those with sessions)."""

    label: str
    pupils: int  # enrolments with at least one possible session: the denominator of the PA rate
    figures: Figures
    persistent: int
    severe: int
    penalty_threshold: int
    on_roll: int = 0  # every enrolment in the group, including those with no possible sessions
    incomplete: int = 0  # pupils with missing marks

    @property
    def persistent_pct(self) -> float | None:
        return one_decimal(self.persistent, self.pupils)

    @property
    def severe_pct(self) -> float | None:
        return one_decimal(self.severe, self.pupils)


PupilFilter = Callable[[Pupil], bool]
# Above this many pupils one pass over every mark in the range beats reading each pupil by key
# (measured on the 2,000-pupil benchmark: ~0.3 ms a pupil by key, ~300 ms for the whole pass).
WHOLE_SCHOOL_PASS_FROM = 400
# How far back the calendar is read to find the school weeks a penalty window may reach into:
# 9 school weeks plus the longest run of holidays (summer) with room to spare.
LOOK_BACK_CALENDAR_WEEKS = 30

FLAG_FILTERS: dict[str, PupilFilter] = GROUP_FILTERS  # domain/groups.py: fsm, sen, cp, …


def due_through(store: Store, now: datetime | None = None) -> Session:
    """The last session whose register has closed by `now` (the real clock by default): sessions
    after it are not yet due, so an empty register there is not a missing mark."""
    now = now or datetime.now()
    settings = store.settings.school()
    clock = now.strftime("%H:%M")
    if clock >= settings.pm_register_closes:
        return now.date(), "PM"
    if clock >= settings.am_register_closes:
        return now.date(), "AM"
    return now.date() - timedelta(days=1), "PM"


def due_on(store: Store, today: date | None) -> Session:
    """The last register closed as the app sees `today`: the clock on the real date; on another day
    given for display (a demo, `--today`), the registers of that day are still open."""
    if today is None or today == date.today():
        return due_through(store)
    return today - timedelta(days=1), "PM"


def pupil_figures(
    store: Store,
    start: date,
    end: date,
    keep: PupilFilter | None = None,
    pupils: Sequence[Pupil] | None = None,
    due: Session | None = None,
) -> list[PupilFigures]:
    """Figures for every pupil on roll in [start, end] (or those given), each over the part of the
    range they were on roll. One aggregate query for the whole school; a per-pupil query only for
    pupils admitted or leaving inside the range.

    Missing marks are school sessions on roll, up to `due` (default: the last register closed by
    now), with no mark. The penalty-notice measure looks back up to 9 school weeks before the
    range, so a window that ends in the range may begin before it."""
    table = codes()
    if pupils is None:
        pupils = store.pupils.on_roll_between(start, end)
    if keep is not None:
        pupils = [p for p in pupils if keep(p)]
    if not pupils:
        return []
    due = due or due_through(store)
    local_weeks = setting_number(store, "penalty_weeks")
    local_threshold = setting_number(store, "penalty_sessions")
    reach_weeks = max(PENALTY_WINDOW_WEEKS, local_weeks)
    calendar_from = week_start(start) - timedelta(weeks=LOOK_BACK_CALENDAR_WEEKS + reach_weeks)
    calendar = school_calendar(store, calendar_from, end)
    # the school weeks the calendar knows, worked out once (a week in which the school met)
    known_weeks = calendar.school_weeks(calendar_from, end)
    boundaries = table.era_boundaries()
    unauthorised = table.codes_in(Category.UNAUTHORISED)
    windows = {p.id: w for p in pupils if (w := p.on_roll_between(start, end)) is not None}
    look_back: dict[date, list[date]] = {}

    def weeks_before(first: date, window: int = reach_weeks) -> list[date]:
        """The school weeks a window of `window` weeks ending in the range may reach back to."""
        if first not in look_back:
            i = bisect_left(known_weeks, week_start(first))
            look_back[first] = look_back_weeks(
                known_weeks[max(0, i - reach_weeks) : i], reach_weeks
            )
        held = look_back[first]
        return held[max(0, len(held) - (window - 1)) :] if window > 1 else []

    def reach(first: date) -> date:
        before = weeks_before(first)
        return before[0] if before else week_start(first)

    # A whole school in one pass over the range; pupils admitted or leaving inside the range, or a
    # handful of pupils, through the primary key, each over their own dates.
    whole_school = len(pupils) > WHOLE_SCHOOL_PASS_FROM
    full = {pid for pid, w in windows.items() if w == (start, end)} if whole_school else set()
    counts: dict[int, list] = defaultdict(list)
    unauth: dict[int, list] = defaultdict(list)
    weekly: dict[int, Counter[date]] = defaultdict(Counter)
    # G, N, O and U are unauthorised and valid in every code set: counted by week in SQL. Should a
    # code set ever differ, each mark is categorised by its own date instead.
    steady = all(
        table.category_or_none(code, s.valid_from) == Category.UNAUTHORISED
        for code in unauthorised
        for s in table.sets
    )
    if full:
        for pid, era, code, n in store.marks.code_counts(start, end, boundaries, sorted(full)):
            counts[pid].append((era, code, n))
        if steady:
            by_week = store.marks.per_week(reach(start), end, unauthorised, pupil_ids=sorted(full))
            mondays: dict[str, date] = {}
            for pid, monday, n in by_week:
                if monday not in mondays:
                    mondays[monday] = date.fromisoformat(monday)
                weekly[pid][mondays[monday]] += n
        else:
            for pid, day, code in store.marks.with_codes(reach(start), end, unauthorised):
                if pid in full:
                    unauth[pid].append((day, code))
    rest = {pid: w for pid, w in windows.items() if pid not in full}
    for pid, era, code, n in store.marks.code_counts_within(rest, boundaries):
        counts[pid].append((era, code, n))
    reaching = {pid: (reach(first), last) for pid, (first, last) in rest.items()}
    if steady:
        for pid, monday, n in store.marks.per_week(start, end, unauthorised, reaching):
            weekly[pid][date.fromisoformat(monday)] += n
    else:
        for pid, day, code in store.marks.with_codes_within(reaching, unauthorised):
            unauth[pid].append((day, code))
    for pid, marks in unauth.items():
        weekly[pid] = unauthorised_by_week(marks, table)
    # the school's sessions worked out once: for missing marks (in the range) and school weeks
    sessions = calendar.school_sessions(week_start(start), end)
    in_range = sessions[bisect_left(sessions, (start, "AM")) :]
    missing = _missing_marks(
        store, in_range, start, end, windows, counts, due, None if full else list(rest)
    )
    school_days = sorted({day for day, _ in sessions})
    week_of_day = [week_start(day) for day in school_days]  # each worked out once
    # most pupils share the whole range: their school weeks (with those before the range that a
    # window may reach back to) worked out once for each distinct (first, last)
    shared: dict[tuple[date, date], _Weeks] = {}
    results = []
    for pupil in pupils:
        if pupil.id not in windows:
            continue
        first, last = span = windows[pupil.id]
        held = shared.get(span)
        if held is None:
            from_, to = bisect_left(school_days, week_start(first)), bisect_right(school_days, last)
            held = shared[span] = _Weeks(
                list(dict.fromkeys(week_of_day[from_:to])),  # in order, once each
                weeks_before(first, PENALTY_WINDOW_WEEKS),
                weeks_before(first, local_weeks),
            )
        figures = figures_from_counts(counts.get(pupil.id, ()), table, missing.get(pupil.id, 0))
        per_week = weekly.get(pupil.id)
        ten = in_local = (0, 0)
        if per_week:
            ten = (
                max_in_consecutive_weeks(
                    per_week, held.weeks, look_back=held.looking_back, position=held.position
                ),
                sum(n for w, n in per_week.items() if w in held.last_ten),
            )
            in_local = (
                ten
                if local_weeks == PENALTY_WINDOW_WEEKS
                else (
                    max_in_consecutive_weeks(
                        per_week, held.local, local_weeks, held.local_looking_back
                    ),
                    sum(per_week.get(w, 0) for w in held.local[-local_weeks:]),
                )
            )
        results.append(
            PupilFigures(
                pupil=pupil,
                start=first,
                end=last,
                figures=figures,
                max_unauthorised_10_school_weeks=ten[0],
                unauthorised_last_10_school_weeks=ten[1],
                local_window_weeks=local_weeks,
                local_threshold=local_threshold,
                max_unauthorised_local_window=in_local[0],
                unauthorised_last_local_window=in_local[1],
            )
        )
    return results


class _Weeks:
    """The school weeks of one (first, last) on roll, shared by the pupils on roll for it: with the
    weeks before that a 10-week window (and the local authority's own) may reach back to."""

    __slots__ = ("weeks", "looking_back", "position", "last_ten", "local", "local_looking_back")

    def __init__(self, in_range: list[date], before: list[date], local_before: list[date]):
        self.weeks = before + in_range
        self.looking_back = len(before)
        self.position = {w: i for i, w in enumerate(self.weeks)}
        self.last_ten = frozenset(self.weeks[-PENALTY_WINDOW_WEEKS:])
        self.local = local_before + in_range
        self.local_looking_back = len(local_before)


def missing_sessions(
    store: Store, pupil: Pupil, start: date, end: date, due: Session | None = None
) -> list[Session]:
    """The sessions in [start, end] on which the school met, the pupil was on roll and the register
    (closed by `due`) has no mark for them: what must be completed before a certificate is signed."""
    return missing_sessions_of(store, [pupil], start, end, due).get(pupil.id, [])


def missing_sessions_of(
    store: Store, pupils: Sequence[Pupil], start: date, end: date, due: Session | None = None
) -> dict[int, list[Session]]:
    """`missing_sessions` for several pupils, with the calendar worked out once (`check` lists every
    missing mark of a school this way)."""
    due_key = session_index(due or due_through(store))
    calendar = school_calendar(store, start, end)
    expected = [s for s in calendar.school_sessions(start, end) if session_index(s) <= due_key]
    result: dict[int, list[Session]] = {}
    for pupil in pupils:
        window = pupil.on_roll_between(start, end)
        if window is None:
            continue
        marked = codes_by_session(store, pupil.id, *window)
        gaps = [
            s
            for s in expected[
                bisect_left(expected, (window[0], "AM")) : bisect_right(expected, (window[1], "PM"))
            ]
            if s not in marked
        ]
        if gaps:
            result[pupil.id] = gaps
    return result


def _missing_marks(
    store: Store,
    school_sessions: Sequence[Session],
    start: date,
    end: date,
    windows: dict[int, tuple[date, date]],
    counts: dict[int, list],
    due: Session,
    pupil_ids: list[int] | None,
) -> dict[int, int]:
    """School sessions (`school_sessions`: those in [start, end]) due and on roll, less the marks on
    them, for each pupil. Marks on other sessions (a weekend, a closure, a session not yet due) are
    read separately: they are few."""
    due_key = session_index(due)
    expected = [s for s in school_sessions if session_index(s) <= due_key]
    expected_set = set(expected)
    other_days = [
        d for d in days_between(start, end) if any((d, s) not in expected_set for s in SESSIONS)
    ]
    other_sessions = [(d, s) for d in other_days for s in SESSIONS if (d, s) not in expected_set]
    whole = [
        pid
        for pid in (pupil_ids if pupil_ids is not None else windows)
        if windows[pid] == (start, end)
    ]
    part = [
        pid
        for pid in (pupil_ids if pupil_ids is not None else windows)
        if windows[pid] != (start, end)
    ]
    elsewhere: Counter[int] = Counter()
    if whole:  # counted in SQL (closure days carry a mark for every pupil)
        chosen = None if pupil_ids is None else whole
        kept = set(whole)
        elsewhere.update(
            {
                pid: n
                for pid, n in store.marks.count_on_sessions(other_sessions, chosen)
                if pid in kept
            }
        )
    if part:  # pupils on roll for part of the range: each mark against the pupil's own dates
        for pid, day, session in store.marks.marks_on_days(other_days, part):
            first, last = windows[pid]
            if first <= day <= last and (day, session) not in expected_set:
                elsewhere[pid] += 1
    result = {}
    for pid, (first, last) in windows.items():
        on_roll = bisect_right(expected, (last, "PM")) - bisect_left(expected, (first, "AM"))
        marked = sum(n for _, _, n in counts.get(pid, ())) - elsewhere[pid]
        result[pid] = max(0, on_roll - marked)
    return result


def summarise(label: str, rows: Sequence[PupilFigures]) -> GroupSummary:
    pupils = persistent = severe = incomplete = 0
    for row in rows:
        f = row.figures
        if f.possible:
            pupils += 1
            persistent += f.persistent
            severe += f.severe
        incomplete += f.incomplete
    return GroupSummary(
        label=label,
        pupils=pupils,
        figures=total_of(r.figures for r in rows),
        persistent=persistent,
        severe=severe,
        penalty_threshold=sum(r.penalty_threshold for r in rows),
        on_roll=len(rows),
        incomplete=incomplete,
    )


def group_summaries(rows: Sequence[PupilFigures], by: Callable[[Pupil], str]) -> list[GroupSummary]:
    groups: dict[str, list[PupilFigures]] = defaultdict(list)
    for row in rows:
        groups[by(row.pupil)].append(row)
    return [summarise(key, groups[key]) for key in sorted(groups, key=natural_key)]


def natural_key(text: str) -> list:
    """Year R before Year 1, Year 7 before Year 10, Class 4A before Class 4B."""
    text = re.sub(r"\bR(?=[A-Z]?\b)", "0", text)
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]
