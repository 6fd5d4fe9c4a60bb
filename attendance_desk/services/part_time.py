"""Part-time timetables and alternative provision: recorded with an agreed review date (refused
without one), reviewed, the local authority's notification, the list of those overdue for review,
and the codes the register suggests for each pupil's sessions (domain/part_time.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time

from attendance_desk.domain.part_time import (
    PROVIDERS,
    Suggestion,
    Timetable,
    TimetableError,
    TimetableReview,
    check_timetable,
    parse_sessions,
    sessions_text,
    suggestion,
)
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.records import CaseworkEntry
from attendance_desk.domain.roles import Permission
from attendance_desk.domain.school_age import compulsory_school_age
from attendance_desk.presentation import dmy
from attendance_desk.services.as_at import check_event_date, event_audit_detail
from attendance_desk.services.marks import find_pupil
from attendance_desk.services.school import ServiceError, codes
from attendance_desk.services.users import authorize
from attendance_desk.store.db import Store

KIND = "part_time"  # the chronology's kind for timetable steps


def _sessions(text: str) -> frozenset:
    try:
        return parse_sessions(text)
    except TimetableError as exc:
        raise ServiceError(str(exc)) from None


def _chronology(store: Store, pupil_id: int, day: date, by: str, outcome: str, notes: str) -> None:
    store.casework.add(
        CaseworkEntry(
            None,
            pupil_id,
            datetime.combine(day, time(12, 0)).astimezone(),
            KIND,
            by,
            "",
            None,
            outcome,
            False,
            notes,
        )
    )


def add_timetable(
    store: Store,
    upn: str,
    *,
    starts: date,
    review_on: date | None,
    attends: str,
    reason: str,
    by: str,
    provision: str = "",
    provision_by: str = "",
    provision_name: str = "",
    agreed_with: str = "",
    la_notified_on: date | None = None,
    today: date | None = None,
) -> Timetable:
    """Record a part-time timetable. Refused without an agreed review date, with a review date not
    after the start, without a reason, or while another timetable is running for the pupil."""
    authorize(store, by, Permission.CASEWORK)
    pupil = find_pupil(store, upn)
    if review_on is None:
        raise ServiceError(
            f"refused: a part-time timetable for {pupil.name} needs an agreed review date. DfE guidance "
            "(Working together to improve school attendance, 2024) says a part-time timetable is a "
            "temporary measure with a time limit and regular reviews: agree the review with the family "
            "and give it (--review)"
        )
    timetable = Timetable(
        None,
        pupil.id,
        starts,
        review_on,
        _sessions(attends),
        _sessions(provision),
        provision_by.strip().lower() if provision.strip() else "",
        provision_name.strip(),
        " ".join(reason.split()),
        agreed_with.strip(),
        la_notified_on,
        by_user=by,
    )
    problems = check_timetable(timetable)
    if la_notified_on and today and la_notified_on > today:
        problems.append(
            f"the local authority cannot have been told on {dmy(la_notified_on)}: that is in the future"
        )
    if problems:
        raise ServiceError("refused: " + "; ".join(problems))
    for other in store.pastoral.timetables(pupil.id):
        if other.open_on(starts):
            raise ServiceError(
                f"refused: {pupil.name} already has a part-time timetable from {dmy(other.starts)} "
                f"(number {other.id}); review and end it first"
            )
    with store.write():
        timetable = replace(timetable, id=store.pastoral.add_timetable(timetable))
        notes = f"{timetable.summary()}; reason: {timetable.reason}; review {dmy(review_on)}"
        if timetable.agreed_with:
            notes += f"; agreed with {timetable.agreed_with}"
        if la_notified_on:
            notes += f"; local authority told {dmy(la_notified_on)}"
        elif la_to_be_told(store):
            notes += "; local authority not yet told"
        _chronology(
            store,
            pupil.id,
            starts,
            by,
            f"Part-time timetable {timetable.id} from {dmy(starts)}",
            notes,
        )
        store.audit.log(
            by, "part-time timetable recorded", pupil.upn, f"timetable {timetable.id}: {notes}"
        )
    return timetable


def _timetable(store: Store, timetable_id: int) -> tuple[Timetable, Pupil]:
    t = store.pastoral.timetable(timetable_id)
    if t is None:
        raise ServiceError(f"no part-time timetable {timetable_id}")
    return t, store.pupils.by_id(t.pupil_id)


def review_timetable(
    store: Store,
    timetable_id: int,
    held_on: date,
    outcome: str,
    by: str,
    *,
    next_review: date | None = None,
    end: bool = False,
    today: date | None = None,
    late_reason: str = "",
) -> TimetableReview:
    """Record a review: either a next review date (the timetable carries on) or the end (full-time
    from the day after the review, or `end` with the last day = the review day)."""
    authorize(store, by, Permission.CASEWORK)
    t, pupil = _timetable(store, timetable_id)
    if t.ends is not None:
        raise ServiceError(f"timetable {timetable_id} ended on {dmy(t.ends)}")
    if len(outcome.split()) < 3:
        raise ServiceError("record what the review found and decided (a few words at least)")
    if held_on < t.starts:
        raise ServiceError(
            f"a review ({dmy(held_on)}) cannot be before the timetable started ({dmy(t.starts)})"
        )
    late_reason = check_event_date(held_on, today, late_reason, "the review")
    if end == (next_review is not None):
        raise ServiceError(
            "either agree the next review date (the timetable carries on) or end the timetable"
        )
    if next_review is not None and next_review <= held_on:
        raise ServiceError(
            f"the next review ({dmy(next_review)}) must be after this one ({dmy(held_on)})"
        )
    review = TimetableReview(
        None, t.id, t.pupil_id, held_on, " ".join(outcome.split()), next_review, by
    )
    with store.write():
        review = replace(review, id=store.pastoral.add_review(review))
        if end:
            store.pastoral.set_timetable(t.id, ends=held_on, end_reason=review.outcome)
            what = f"Part-time timetable {t.id} reviewed and ended (full-time from the next school day)"
        else:
            store.pastoral.set_timetable(t.id, review_on=next_review)
            what = f"Part-time timetable {t.id} reviewed; next review {dmy(next_review)}"
        _chronology(store, pupil.id, held_on, by, what, review.outcome)
        store.audit.log(
            by,
            "part-time timetable reviewed",
            pupil.upn,
            f"{what}: {review.outcome}; {event_audit_detail(held_on, late_reason)}",
        )
    return review


def notify_la(store: Store, timetable_id: int, on: date, by: str, today: date) -> Timetable:
    """Record the day the local authority was told of the timetable."""
    authorize(store, by, Permission.CASEWORK)
    t, pupil = _timetable(store, timetable_id)
    if on > today:
        raise ServiceError(f"{dmy(on)} is in the future")
    if t.la_notified_on:
        raise ServiceError(
            f"the local authority was already recorded as told on {dmy(t.la_notified_on)}"
        )
    with store.write():
        store.pastoral.set_timetable(t.id, la_notified_on=on)
        _chronology(
            store,
            pupil.id,
            on,
            by,
            f"Local authority told of part-time timetable {t.id}",
            t.summary(),
        )
        store.audit.log(
            by,
            "part-time timetable: local authority told",
            pupil.upn,
            f"timetable {t.id} on {dmy(on)}",
        )
    return store.pastoral.timetable(t.id)


@dataclass(frozen=True)
class TimetableLine:
    timetable: Timetable
    pupil: Pupil
    overdue_days: int  # days past the review date (0: not yet due)
    la_told: bool
    la_required: bool = True  # the local authority asks to be told (the school's setting)

    def text(self) -> str:
        t = self.timetable
        due = (
            f"review overdue by {self.overdue_days} day{'s' if self.overdue_days != 1 else ''} "
            f"(was due {dmy(t.review_on)})"
            if self.overdue_days
            else f"review due {dmy(t.review_on)}"
        )
        told = (
            f"local authority told {dmy(t.la_notified_on)}"
            if self.la_told
            else "LOCAL AUTHORITY NOT TOLD"
            if self.la_required
            else "the local authority is not told of timetables (school setting)"
        )
        return f"{t.id:>4}  {self.pupil.name} ({self.pupil.reg_group}): from {dmy(t.starts)}; {due}; {told}; {t.summary()}"


def timetables(
    store: Store, today: date, overdue_only: bool = False, upn: str | None = None
) -> list[TimetableLine]:
    """The timetables running on `today` (or every timetable of one pupil), most overdue first."""
    pupils = {p.id: p for p in store.pupils.all()}
    if upn:
        pupil = find_pupil(store, upn)
        chosen = store.pastoral.timetables(pupil.id)
    else:
        chosen = [t for t in store.pastoral.timetables() if t.open_on(today)]
    lines = []
    for t in chosen:
        overdue = max(0, (today - t.review_on).days) if t.ends is None else 0
        if overdue_only and not overdue:
            continue
        lines.append(
            TimetableLine(
                t, pupils[t.pupil_id], overdue, t.la_notified_on is not None, la_to_be_told(store)
            )
        )
    lines.sort(key=lambda x: (-x.overdue_days, x.timetable.review_on, x.pupil.surname))
    return lines


def la_to_be_told(store: Store) -> bool:
    """Whether the local authority asks to be told of each part-time timetable (the school's
    setting, default yes)."""
    return str(store.settings.school().part_time_tell_la).strip().lower() != "no"


def register_suggestions(
    store: Store, pupils: list[Pupil] | tuple[Pupil, ...], start: date, end: date
) -> dict[tuple[int, date, str], Suggestion]:
    """The code each empty or recorded session should be under a part-time timetable, for the
    register's suggestions (Ctrl+P and the F2 picker). Sessions due in school are not listed."""
    by_pupil = {p.id: p for p in pupils}
    table = codes()
    result = {}
    for t in store.pastoral.timetables_between(start, end, by_pupil):
        pupil = by_pupil[t.pupil_id]
        span = compulsory_school_age(pupil.dob) if pupil.dob else None
        day = max(start, t.starts)
        last = min(end, t.ends or end)
        while day <= last:
            compulsory = span is None or span[0] <= day <= span[1]
            for session in ("AM", "PM"):
                s = suggestion(t, day, session, table.is_valid, compulsory)
                if s:
                    result[(pupil.id, day, session)] = s
            day = date.fromordinal(day.toordinal() + 1)
    return result


def part_time_pupils(store: Store, start: date, end: date) -> dict[int, Timetable]:
    """Pupils with a timetable running at some point in [start, end] (the latest one each), for the
    TSM pack."""
    result = {}
    for t in store.pastoral.timetables_between(start, end):
        result[t.pupil_id] = t
    return result


__all__ = [
    "PROVIDERS",
    "TimetableLine",
    "add_timetable",
    "notify_la",
    "part_time_pupils",
    "register_suggestions",
    "review_timetable",
    "sessions_text",
    "timetables",
]
