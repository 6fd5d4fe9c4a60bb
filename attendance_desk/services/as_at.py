"""Time and truth in casework: the figures as they stood on a day, and the checks on the day an
event is said to have happened.

Every document about an event (minutes, review minutes, the pack's summaries) quotes the figures
from `figures_as_at` with the event's date, never from today's register: marks entered after the
meeting must not change what the minutes say was true at the meeting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from attendance_desk.domain.calendar import academic_year_bounds, academic_year_of
from attendance_desk.domain.people import Pupil
from attendance_desk.presentation import dmy, dmy_hm, percent
from attendance_desk.services.figures import PupilFigures, pupil_figures
from attendance_desk.services.school import ServiceError, school_calendar
from attendance_desk.store.db import Store

LATE_AFTER_DAYS = 14  # an event entered more than a fortnight after it happened needs a reason
WINDOW_SCHOOL_WEEKS = 10  # the penalty-notice window (national framework, from August 2024)
_LOOK_BACK = timedelta(weeks=30)  # far enough back to find ten school weeks across any holiday


@dataclass(frozen=True)
class FiguresAsAt:
    """A pupil's figures as they stood at the end of `day`: this academic year from 1 September (or
    admission) to `day`, and the unauthorised sessions in the ten school weeks up to `day`."""

    day: date
    year: PupilFigures | None  # None: not on roll this academic year by that day
    window_start: date | None  # the Monday the ten school weeks begin
    unauthorised_10_school_weeks: int

    def as_context(self) -> dict:
        """The figures for a document's wording, with the day they are as at (dd/mm/yyyy)."""
        base = {
            "as_at": f"{dmy(self.day)}",
            "window_from": f"{dmy(self.window_start)}" if self.window_start else "",
            "unauthorised_last_10_weeks": self.unauthorised_10_school_weeks,
        }
        if self.year is None:
            return base | {
                "attendance_pct": "–",
                "sessions_missed": 0,
                "unauthorised": 0,
                "authorised": 0,
                "possible": 0,
                "days_absent": "0",
                "period_from": "",
                "period_to": f"{dmy(self.day)}",
                "unauthorised_10_weeks": 0,
                "late": 0,
                "absence_pct": None,
                "authorised_pct": percent(None),
                "unauthorised_pct": percent(None),
                "missing": 0,
                "incomplete_note": "",
            }
        row, f = self.year, self.year.figures
        return base | {
            "period_from": f"{dmy(row.start)}",
            "period_to": f"{dmy(row.end)}",
            "possible": f.possible,
            "attendance_pct": f.attendance_pct if f.attendance_pct is not None else "–",
            "absence_pct": f.absence_pct,
            "sessions_missed": f.absent,
            "days_absent": f"{f.days_absent:g}",
            "authorised": f.authorised,
            "unauthorised": f.unauthorised,
            "late": f.late_before_close + f.late_after_close,
            "authorised_pct": percent(f.authorised_pct),
            "unauthorised_pct": percent(f.unauthorised_pct),
            "missing": f.missing,
            "incomplete_note": self.incomplete_note(),
            "unauthorised_10_weeks": row.max_unauthorised_10_school_weeks,
        }

    def incomplete_note(self) -> str:
        """Said after any figure built on a register with missing marks (they are never present)."""
        missing = self.year.figures.missing if self.year else 0
        return (
            f" (incomplete: {missing} session{'s' if missing != 1 else ''} with no mark by that day)"
            if missing
            else ""
        )

    def summary(self) -> str:
        """One line for a table: 'on 13/09/2024: 91.2% this year, 4 unauthorised (3 in the last 10 school weeks)'."""
        if self.year is None or self.year.figures.possible == 0:
            return f"on {dmy(self.day)}: no sessions yet this school year"
        f = self.year.figures
        return (
            f"on {dmy(self.day)}: {f.attendance_pct:.1f}% this school year, {f.unauthorised} unauthorised "
            f"session(s) ({self.unauthorised_10_school_weeks} in the last {WINDOW_SCHOOL_WEEKS} school weeks)"
            f"{self.incomplete_note()}"
        )


def figures_as_at(store: Store, pupil: Pupil, day: date) -> FiguresAsAt:
    """The one place a document gets "the figures on the day of the event": marks up to and including
    `day` only, whatever has been entered since."""
    start = academic_year_bounds(academic_year_of(day))[0]
    rows = pupil_figures(store, start, day, pupils=[pupil])
    weeks = school_calendar(store, day - _LOOK_BACK, day).school_weeks(day - _LOOK_BACK, day)[
        -WINDOW_SCHOOL_WEEKS:
    ]
    if rows:  # the figures service's own count of the ten school weeks to `day` (across holidays and years)
        unauthorised = rows[0].unauthorised_last_10_school_weeks
    else:
        window = pupil_figures(store, weeks[0], day, pupils=[pupil]) if weeks else []
        unauthorised = window[0].figures.unauthorised if window else 0
    return FiguresAsAt(day, rows[0] if rows else None, weeks[0] if weeks else None, unauthorised)


def check_event_date(
    happened: date, today: date | None, late_reason: str = "", what: str = "this"
) -> str:
    """Refuse an event dated in the future (against the computer's real date, whatever day the app is
    showing), and one dated more than a fortnight before the day it is recorded without a reason for the
    delay. Returns the reason, tidied ('' when none is needed)."""
    real_today = date.today()
    if happened > real_today:
        raise ServiceError(
            f"{what} cannot be dated {dmy(happened)}: that is in the future "
            f"(today is {dmy(real_today)})"
        )
    recording_day = today or real_today
    reason = late_reason.strip()
    if (recording_day - happened).days > LATE_AFTER_DAYS and not reason:
        raise ServiceError(
            f"{what} is dated {dmy(happened)}, more than {LATE_AFTER_DAYS} days ago: give the "
            "reason it is being recorded late (it is kept with the record)"
        )
    return reason


def event_audit_detail(happened: date | datetime, late_reason: str) -> str:
    """What the audit keeps about an event's date: when it happened, and why it was recorded late."""
    when = f"{dmy_hm(happened)}" if isinstance(happened, datetime) else f"{dmy(happened)}"
    return f"happened {when}" + (f"; recorded late: {late_reason}" if late_reason else "")


def recorded_later(
    recorded_by: str,
    recorded_at: datetime | str | None,
    happened: date | datetime,
    late_reason: str = "",
) -> str:
    """'recorded later by … on dd/mm/yyyy' when an event was entered on a later day than it happened
    (with the reason when one was given), else ''."""
    if not recorded_at:
        return ""
    if isinstance(recorded_at, str):
        try:
            recorded_at = datetime.fromisoformat(recorded_at.replace("Z", "+00:00"))
        except ValueError:
            return ""
    day = happened.date() if isinstance(happened, datetime) else happened
    if recorded_at.date() <= day:
        return ""
    text = f"recorded later by {recorded_by or 'unknown'} on {dmy(recorded_at)}"
    return text + (f" (reason: {late_reason})" if late_reason else "")
