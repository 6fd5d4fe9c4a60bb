"""The whole-school picture for the dashboard over a chosen period: figures, breakdowns (FSM against
non-FSM, SEN against not, each year group), the lists that need action and the day each pupil crossed
a threshold.

The window asks for it in two steps so that its first numbers come quickly: `period_board` (the
figures for the period, one aggregate pass) and then `follow_ups` (the late arrivals, the support-map
suggestions and the crossing dates, which read pupils' marks one by one). `dashboard` does both, for
the command line and tests."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cached_property
from itertools import groupby

from attendance_desk.domain.calendar import academic_year_bounds, academic_year_of
from attendance_desk.domain.codes import CodeTable
from attendance_desk.domain.figures import (
    Figures,
    add_marks,
)
from attendance_desk.domain.groups import GROUPS
from attendance_desk.presentation import dmy
from attendance_desk.services.figures import (
    GroupSummary,
    PupilFigures,
    due_on,
    group_summaries,
    natural_key,
    pupil_figures,
    summarise,
)
from attendance_desk.services.marks import Punctuality, half_term_start, punctuality
from attendance_desk.services.school import ServiceError, codes, school_calendar, support_map
from attendance_desk.services.stages import PupilStage, stage_overview
from attendance_desk.store.db import Store
from attendance_desk.store.marks import codes_by_session


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date


@dataclass(frozen=True)
class Dashboard:
    start: date
    end: date
    school: GroupSummary
    by_year: list[GroupSummary]
    persistent: list[PupilFigures]
    severe: list[PupilFigures]
    suggested: list[
        PupilStage
    ]  # crossed a support-map threshold not yet acted on (this academic year)
    penalty: list[PupilFigures]
    punctuality: list[Punctuality] = field(
        default_factory=list
    )  # most late arrivals this half-term
    punctuality_from: date | None = None
    label: str = "Academic year to date"
    persistent_from: dict[str, date] = field(
        default_factory=dict
    )  # UPN: at or above 10 % from this day on
    suggested_from: dict[str, date] = field(
        default_factory=dict
    )  # UPN: day the suggested stage was reached
    # every pupil's figures for the period
    rows: list[PupilFigures] = field(default_factory=list, repr=False)

    # The classes and the FSM/SEN groups are summed when first asked for (the window: when their tab
    # is shown), not before the first numbers: 0.03 s of the 2,000-pupil school's first step.
    @cached_property
    def by_class(self) -> list[GroupSummary]:
        return group_summaries(self.rows, lambda p: p.reg_group)

    @cached_property
    def by_group(self) -> list[GroupSummary]:
        return compared_groups(self.rows)


@dataclass(frozen=True)
class FollowUps:
    suggested: list[PupilStage]
    persistent_from: dict[str, date]
    suggested_from: dict[str, date]
    punctuality: list[Punctuality] = field(default_factory=list)  # most late arrivals
    punctuality_from: date | None = None


def periods(store: Store, today: date) -> list[Period]:
    """This week, this half-term, this term and this year, each up to today. Half-terms are the terms as
    entered in the calendar (Autumn 1, Autumn 2, …); a term is the half-terms sharing its first word
    (Autumn, Spring, Summer) in the same academic year. In a holiday, the half-term just ended."""
    year_start, year_end = academic_year_bounds(academic_year_of(today))
    monday = today - timedelta(days=today.weekday())
    result = [Period("This week", max(monday, year_start), today)]
    terms = [
        t
        for t in school_calendar(store, year_start, year_end).terms
        if year_start <= t.start <= year_end and t.start <= today
    ]
    if terms:
        half = terms[-1]
        result.append(Period(f"This half-term ({half.name})", half.start, min(half.end, today)))
        season = half.name.split()[0] if half.name.split() else half.name
        whole = [t for t in terms if t.name.split()[:1] == [season]]
        if len(whole) > 1:
            result.append(
                Period(f"This term ({season})", whole[0].start, min(whole[-1].end, today))
            )
    result.append(Period("This year", year_start, today))
    return result


def period_board(
    store: Store, today: date, start: date | None = None, end: date | None = None, label: str = ""
) -> Dashboard:
    """The figures for the period (default: the academic year to date), without the late arrivals
    and the support-map lists (`follow_ups`)."""
    year_start, _ = academic_year_bounds(academic_year_of(today))
    start, end = start or year_start, min(end or today, today)
    if end < start:
        raise ServiceError(f"the period ends ({dmy(end)}) before it starts ({dmy(start)})")
    rows = pupil_figures(store, start, end, due=due_on(store, today))
    worst_first = sorted(rows, key=lambda r: r.figures.attendance_pct or 0.0)
    return Dashboard(
        start=start,
        end=end,
        label=label or ("Academic year to date" if start == year_start else "Chosen dates"),
        school=summarise("Whole school", rows),
        by_year=sorted(
            group_summaries(rows, lambda p: f"Year {p.year_group}"),
            key=lambda g: natural_key(g.label),
        ),
        rows=rows,
        persistent=[r for r in worst_first if r.figures.persistent],
        severe=[r for r in worst_first if r.figures.severe],
        suggested=[],
        # the pupils to consider for a penalty notice now: at the local authority's threshold (its
        # sessions in its school weeks, settings; nationally 10 in 10) in the weeks up to the
        # period's end (the window reaches back across holidays and into last year)
        penalty=sorted(
            (r for r in rows if r.local_penalty_threshold),
            key=lambda r: -r.unauthorised_last_local_window,
        ),
    )


def compared_groups(rows: list[PupilFigures]) -> list[GroupSummary]:
    """Each flag's group followed by its complement (FSM, Not FSM, …), for side-by-side reading."""
    result = []
    for group in GROUPS:  # domain/groups.py; each beside its complement where it has one
        chosen = [r for r in rows if group.member(r.pupil)]
        if chosen or group.others:
            result.append(summarise(group.label, chosen))
        if group.others:
            result.append(summarise(group.others, [r for r in rows if not group.member(r.pupil)]))
    return result


def follow_ups(
    store: Store, today: date, board: Dashboard, progress: Callable[[int, int], None] | None = None
) -> FollowUps:
    """The late arrivals over the half-term the period ends in (within the period), the support-map
    suggestions (this academic year), the day each suggested pupil reached the suggested stage, and
    the day each persistently absent pupil of the period reached 10 %."""
    term_start = half_term_start(store, board.end)
    late_from = max(term_start, board.start) if term_start else board.start
    lates = punctuality(store, late_from, board.end, limit=50)
    stages = stage_overview(store, today)
    suggested = [s for s in stages if s.suggestion]
    table, ladder = codes(), support_map(store)
    total = len(board.persistent) + len(suggested)
    persistent_from: dict[str, date] = {}
    for n, row in enumerate(board.persistent):
        marks = codes_by_session(store, row.pupil.id, row.start, row.end)
        if (
            day := first_day(marks.items(), table, lambda f: f.persistent, to_the_end=True)
        ) is not None:
            persistent_from[row.pupil.upn] = day
        if progress:
            progress(n + 1, total)
    suggested_from: dict[str, date] = {}
    for n, s in enumerate(suggested):
        row = s.figures
        step = ladder.stages.index(s.suggestion.stage)

        def reached(f: Figures, adjustment=s.adjustment, step=step) -> bool:
            stage = ladder.reached(f, adjustment)
            return stage is not None and ladder.stages.index(stage) >= step

        marks = codes_by_session(store, row.pupil.id, row.start, row.end)
        if (day := first_day(marks.items(), table, reached)) is not None:
            suggested_from[row.pupil.upn] = day
        if progress:
            progress(len(board.persistent) + n + 1, total)
    return FollowUps(suggested, persistent_from, suggested_from, lates, late_from)


def first_day(
    marks: Iterable[tuple[tuple[date, str], str]],
    table: CodeTable,
    test: Callable[[Figures], bool],
    to_the_end: bool = False,
) -> date | None:
    """The first day on which the pupil's figures from the start of `marks` up to the end of that day
    pass `test` (e.g. persistent absence: absence ≥ 10 % of possible sessions), reading the marks in
    date order; None if no day does. With `to_the_end`, the first day of the last unbroken run of
    passing days that lasts to the last mark ("persistently absent since"): a pupil absent on the
    period's first day is at 100 % that evening, which says little on its own."""
    totals: dict[str, int] = {}
    since = None
    ordered = sorted(marks, key=lambda m: (m[0][0], m[0][1]))
    for day, day_marks in groupby(ordered, key=lambda m: m[0][0]):
        add_marks(totals, day, (code for _session, code in day_marks), table)
        if test(Figures(**totals)):
            if not to_the_end:
                return day
            since = since or day
        else:
            since = None
    return since


def dashboard(
    store: Store, today: date, start: date | None = None, end: date | None = None
) -> Dashboard:
    """Everything at once (the command line and tests); the window asks for it in two steps."""
    board = period_board(store, today, start, end)
    more = follow_ups(store, today, board)
    return replace(
        board,
        suggested=more.suggested,
        persistent_from=more.persistent_from,
        suggested_from=more.suggested_from,
        punctuality=more.punctuality,
        punctuality_from=more.punctuality_from,
    )
