"""The dashboard's slower pictures: whole-school attendance week by week for this academic year and
the last, and the DfE's national figures for the school's phase (shipped in resources/national_figures.toml)."""

from __future__ import annotations

import tomllib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from attendance_desk.domain.calendar import academic_year_bounds, academic_year_of, week_start
from attendance_desk.domain.figures import figures_from_counts
from attendance_desk.paths import resource_path
from attendance_desk.services.school import codes, school_calendar
from attendance_desk.store.db import Store


@dataclass(frozen=True)
class WeekPoint:
    week: int  # 1 = the week of September's first weekday, so two years line up
    monday: date
    attendance_pct: float | None


@dataclass(frozen=True)
class Trend:
    this_label: str  # "2024/25"
    last_label: str
    this_year: list[WeekPoint]
    last_year: list[WeekPoint]


def _label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def weekly_trend(
    store: Store, today: date, progress: Callable[[int, int], None] | None = None
) -> Trend:
    """Whole-school attendance % for each school week of this academic year (to today) and of the last
    (the whole year), from the marks, one aggregate per week."""
    table = codes()
    boundaries = table.era_boundaries()
    this = academic_year_of(today)
    years = []
    for year in (this, this - 1):
        start, end = academic_year_bounds(year)
        end = min(end, today)
        weeks = school_calendar(store, start, end).school_weeks(start, end)
        years.append((start, end, weeks))
    total, done = sum(len(w) for *_, w in years), 0
    points: list[list[WeekPoint]] = []
    for start, end, weeks in years:
        weekday = start + timedelta(days=max(0, 7 - start.weekday()) if start.weekday() > 4 else 0)
        first = week_start(weekday)  # the week of September's first weekday is week 1
        series = []
        by_week: dict[str, Counter[tuple[int, str]]] = defaultdict(Counter)
        if weeks:
            for monday_text, era, code, n in store.marks.school_week_counts(start, end, boundaries):
                by_week[monday_text][(era, code)] += n
        for monday in weeks:
            counts = by_week.get(monday.isoformat(), Counter())
            figures = figures_from_counts(
                ((era, code, n) for (era, code), n in counts.items()), table
            )
            if figures.possible:
                series.append(
                    WeekPoint((monday - first).days // 7 + 1, monday, figures.attendance_pct)
                )
            done += 1
            if progress:
                progress(done, total)
        points.append(series)
    return Trend(_label(this), _label(this - 1), points[0], points[1])


@dataclass(frozen=True)
class National:
    title: str
    publisher: str
    published: date
    academic_year: str
    url: str
    phase: str  # "primary", "secondary" or "all" (all state-funded schools)
    overall_absence_pct: float | None
    persistent_absence_pct: float | None


SECONDARY_YEARS = {"7", "8", "9", "10", "11", "12", "13"}


def school_phase(store: Store, today: date) -> str:
    """Primary, secondary, or 'all' for a school with both (all-through): from the pupils' year groups."""
    start, _ = academic_year_bounds(academic_year_of(today))
    years = {
        year.strip().upper().removeprefix("Y")
        for year in store.pupils.year_groups_on_roll(start, today)
    }
    secondary = bool(years & SECONDARY_YEARS)
    primary = bool(years - SECONDARY_YEARS)
    return "all" if secondary == primary else ("secondary" if secondary else "primary")


def national_figures(store: Store, today: date) -> National | None:
    """The newest shipped DfE release, for the school's phase. A figure not shipped for the phase stays
    None: an all-schools figure beside a primary school's own would compare unlike with unlike."""
    path = resource_path("national_figures.toml")
    if not path.exists():
        return None
    releases = tomllib.loads(path.read_text(encoding="utf-8")).get("release", [])
    if not releases:
        return None
    release = max(releases, key=lambda r: r["academic_year"])
    phase = school_phase(store, today)
    mine = release.get(phase, {})
    return National(
        title=release["title"],
        publisher=release.get("publisher", "Department for Education"),
        published=release["published"],
        academic_year=release["academic_year"],
        url=release["url"],
        phase=phase,
        overall_absence_pct=mine.get("overall_absence_pct"),
        persistent_absence_pct=mine.get("persistent_absence_pct"),
    )
