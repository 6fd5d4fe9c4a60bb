"""Children missing education: when the school refers a pupil to the local authority.

DfE, "Children missing education" (statutory guidance, August 2016) and "Working together to
improve school attendance" (August 2024): schools tell the local authority of a pupil who fails to
attend regularly or has been absent without the school's permission for a continuous period of 10
school days or more; the school's own day count is a setting (the Widnes Academy policy and the
Halton framework: 10 school days of unexplained absence). Unexplained absence here is an absence
recorded as N (reason not yet established) or O (other unauthorised: unknown circumstances); a day
with no mark is unknown and ends the run, as on the call list (domain/calls.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from attendance_desk.domain.codes import Category, CodeTable

DEFAULT_DAYS = 10
UNEXPLAINED = frozenset({"N", "O"})


def unexplained_day(day_codes: Sequence[str]) -> bool:
    """Every mark of the day is N or O (and there is at least one)."""
    return bool(day_codes) and all(c in UNEXPLAINED for c in day_codes)


def unexplained_run(days: Sequence[date], marks_by_day: Mapping[date, Sequence[str]]) -> int:
    """School days in a row, most recent first (`days`), of unexplained absence."""
    run = 0
    for day in days:
        if not unexplained_day(marks_by_day.get(day, ())):
            break
        run += 1
    return run


def last_seen(
    days: Sequence[date], marks_by_day: Mapping[date, Sequence[str]], codes: CodeTable
) -> date | None:
    """The latest of `days` (most recent first) on which the pupil was present or at approved
    educational activity."""
    for day in days:
        for code in marks_by_day.get(day, ()):
            if codes.category_or_none(code, day) in (Category.PRESENT, Category.AEA):
                return day
    return None
