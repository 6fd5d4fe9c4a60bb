"""Attendance figures from marks: possible sessions, attendance %, persistent and severe absence,
and the penalty-notice measure (most unauthorised sessions in any 10 consecutive school weeks).

Figures are always computed from the marks (never cached), so they cannot drift.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache
from operator import attrgetter

from attendance_desk.domain.calendar import week_start
from attendance_desk.domain.codes import Category, CodeTable, UnknownCode

PENALTY_WINDOW_WEEKS = 10
PENALTY_THRESHOLD_SESSIONS = 10
LATE_BEFORE_CLOSE = "L"
LATE_AFTER_CLOSE = "U"


def one_decimal(numerator: int, denominator: int) -> float | None:
    """Percentage to one decimal place, rounding halves up (as a person would), None if no sessions."""
    if denominator == 0:
        return None
    value = Decimal(numerator * 100) / Decimal(denominator)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Figures:
    present: int = 0  # includes L
    aea: int = 0
    authorised: int = 0
    unauthorised: int = 0  # includes U
    not_counted: int = 0
    late_before_close: int = 0  # L
    late_after_close: int = 0  # U
    unknown: int = 0  # codes not valid on their date: reported by `check`, never guessed
    missing: int = 0  # school sessions on roll with no mark yet: never counted as present

    @property
    def incomplete(self) -> bool:
        """Some sessions the school met while the pupil was on roll have no mark: every figure
        built on these marks is provisional until the register is completed."""
        return self.missing > 0

    @property
    def possible(self) -> int:
        return self.present + self.aea + self.authorised + self.unauthorised

    @property
    def attended(self) -> int:
        return self.present + self.aea

    @property
    def absent(self) -> int:
        return self.authorised + self.unauthorised

    @property
    def attendance_pct(self) -> float | None:
        return one_decimal(self.attended, self.possible)

    @property
    def absence_pct(self) -> float | None:
        return one_decimal(self.absent, self.possible)

    @property
    def authorised_pct(self) -> float | None:
        return one_decimal(self.authorised, self.possible)

    @property
    def unauthorised_pct(self) -> float | None:
        return one_decimal(self.unauthorised, self.possible)

    @property
    def attendance_fraction(self) -> Fraction | None:
        """Attendance as an exact percentage, for comparing with thresholds: 341/379 is below 90 %
        although it is shown as 90.0 %."""
        return Fraction(self.attended * 100, self.possible) if self.possible else None

    @property
    def persistent(self) -> bool:
        """Absence at or above 10 % of possible sessions (exact integer comparison)."""
        return self.possible > 0 and self.absent * 10 >= self.possible

    @property
    def severe(self) -> bool:
        """Absence at or above 50 % of possible sessions."""
        return self.possible > 0 and self.absent * 2 >= self.possible

    @property
    def days_absent(self) -> float:
        return self.absent / 2

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(getattr(self, name) + getattr(other, name) for name in _FIELD_NAMES))


_FIELD_NAMES = tuple(f.name for f in fields(Figures))  # in declaration order
_ALL_FIELDS = attrgetter(*_FIELD_NAMES)


def total_of(items: Iterable[Figures]) -> Figures:
    """The sum of many pupils' figures, field by field (a group's figures: one pass, no Figures
    built for each partial sum)."""
    columns = list(zip(*map(_ALL_FIELDS, items), strict=True))
    return Figures(*map(sum, columns)) if columns else Figures()


_CATEGORY_FIELD = {
    Category.PRESENT: "present",
    Category.AEA: "aea",
    Category.AUTHORISED: "authorised",
    Category.UNAUTHORISED: "unauthorised",
    Category.NOT_COUNTED: "not_counted",
}


def figures_from_counts(
    counts: Iterable[tuple[int | None, str, int]], codes: CodeTable, missing: int = 0
) -> Figures:
    """Figures from (era index, code, number of sessions) rows: the shape the store's aggregate
    returns. An era of None means the date has no code set: the marks count as unknown."""
    totals: dict[str, int] = {"missing": missing} if missing else {}
    for era, code, n in counts:
        for name in _fields_of(codes, era, code):
            totals[name] = totals.get(name, 0) + n
    return Figures(**totals)


@lru_cache(maxsize=4096)
def _fields_of(codes: CodeTable, era: int | None, code: str) -> tuple[str, ...]:
    """The Figures fields a mark adds to: its category's, and L or U's own (cached: a school's marks
    use a few dozen codes, and the whole school's figures look each one up thousands of times)."""
    entry = None if era is None else codes.sets[era].codes.get(code)
    if entry is None:
        return ("unknown",)
    extra = {LATE_BEFORE_CLOSE: ("late_before_close",), LATE_AFTER_CLOSE: ("late_after_close",)}
    return (_CATEGORY_FIELD[entry.category], *extra.get(code, ()))


def add_marks(
    totals: dict[str, int], day: date, codes_of_day: Iterable[str], codes: CodeTable
) -> None:
    """Add one day's marks to running `totals` (Figures field -> sessions): for replaying a pupil's
    register day by day (the day a threshold was crossed) without building Figures per mark."""
    try:
        era: int | None = codes.era_index(day)
    except UnknownCode:
        era = None
    for code in codes_of_day:
        for name in _fields_of(codes, era, code):
            totals[name] = totals.get(name, 0) + 1


def figures_from_marks(marks: Iterable[tuple[date, str]], codes: CodeTable) -> Figures:
    """Figures from (date, code) marks, each categorised by the code set in force on its date."""
    counts: Counter[tuple[int | None, str]] = Counter()
    for day, code in marks:
        try:
            counts[(codes.era_index(day), code)] += 1
        except UnknownCode:
            counts[(None, code)] += 1
    return figures_from_counts(((era, code, n) for (era, code), n in counts.items()), codes)


def max_in_consecutive_weeks(
    per_week: Mapping[date, int],
    school_weeks: Sequence[date],
    window: int = PENALTY_WINDOW_WEEKS,
    look_back: int = 0,
    position: Mapping[date, int] | None = None,
) -> int:
    """Largest total over any `window` consecutive school weeks that ends within the range.

    `school_weeks` are the Mondays of the school weeks in order; the first `look_back` of them come
    before the range, so a window may begin before it (DfE, Working together to improve school
    attendance, 2024: the 10 school weeks "can also span different terms or school years").
    Holiday weeks are not school weeks, so a window spans as many calendar weeks as it needs.
    With fewer school weeks than the window in all, the total of all of them. `position` (each
    week's index in `school_weeks`) may be given when many pupils share the same weeks."""
    if len(school_weeks) <= look_back:
        return 0
    if len(school_weeks) <= window:
        return sum(per_week.get(week, 0) for week in school_weeks)
    # Only weeks with a mark can change a total: the best window ends at one of them (or at the
    # range's first week, if every mark is before the range), so only those ends are tried.
    if position is None:
        position = {week: i for i, week in enumerate(school_weeks)}
    marked = sorted((position[w], n) for w, n in per_week.items() if n and w in position)
    ends = sorted({i for i, _ in marked if i >= look_back} | {look_back})
    best = running = 0
    first = last = 0  # `marked[first:last]` is the window ending at `end`, kept as the end moves
    for end in ends:
        while last < len(marked) and marked[last][0] <= end:
            running += marked[last][1]
            last += 1
        while first < last and marked[first][0] <= end - window:
            running -= marked[first][1]
            first += 1
        best = max(best, running)
    return best


def look_back_weeks(
    school_weeks_before: Sequence[date], window: int = PENALTY_WINDOW_WEEKS
) -> list[date]:
    """The school weeks before a range that a window ending in the range can reach back to."""
    return list(school_weeks_before[-(window - 1) :]) if window > 1 else []


def unauthorised_by_week(marks: Iterable[tuple[date, str]], codes: CodeTable) -> Counter[date]:
    """Unauthorised sessions per week (keyed by Monday), each mark categorised by its own date."""
    per_week: Counter[date] = Counter()
    for day, code in marks:
        if codes.category_or_none(code, day) == Category.UNAUTHORISED:
            per_week[week_start(day)] += 1
    return per_week


def reaches_penalty_threshold(max_in_window: int) -> bool:
    return max_in_window >= PENALTY_THRESHOLD_SESSIONS
