"""Amending marks and reading their history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from attendance_desk.domain.codes import UnknownCode
from attendance_desk.domain.mark_rules import pupil_refusal
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.register import HistoryEntry, Mark, NewMark, late_code
from attendance_desk.domain.roles import Permission
from attendance_desk.domain.upn import InvalidUPN, validate_upn
from attendance_desk.presentation import dmy, when_text
from attendance_desk.services.school import ServiceError, codes, school_calendar
from attendance_desk.services.users import authorize
from attendance_desk.store.db import Store
from attendance_desk.store.marks import StaleMark, changed_since, insert_new_marks


def find_pupil(store: Store, upn: str) -> Pupil:
    try:
        upn = validate_upn(upn)
    except InvalidUPN as exc:
        raise ServiceError(str(exc)) from None
    pupil = store.pupils.by_upn(upn)
    if pupil is None:
        raise ServiceError(f"no pupil with UPN {upn} in this school file")
    return pupil


def all_pupils(store: Store) -> list[Pupil]:
    """Every pupil in the file, on roll or not (the Pupil screen's search lists them all)."""
    return store.pupils.all()


def pupil_choices(store: Store) -> dict[str, str]:
    """Every pupil in the file, on roll or not, as the Pupil screen's search lists them:
    "Surname, Forename (class) UPN" -> UPN."""
    return {
        f"{surname}, {forename} ({group}) {upn}": upn
        for surname, forename, group, upn in store.pupils.names()
    }


def pupils_on_roll(store: Store, start: date, end: date) -> list[Pupil]:
    """The pupils on roll on any day from `start` to `end`."""
    return store.pupils.on_roll_between(start, end)


def check_code(code: str, day: date) -> str:
    try:
        return codes().lookup(code, day).code
    except UnknownCode as exc:
        raise ServiceError(str(exc)) from None


def amend_mark(
    store: Store,
    upn: str,
    day: date,
    session: str,
    code: str,
    reason: str,
    by: str,
    minutes_late: int | None = None,
    expected_version: int | None = None,
) -> tuple[Mark, Mark]:
    """Change a recorded mark, keeping the original in the history. Returns (before, after)."""
    authorize(store, by, Permission.AMEND)
    pupil = find_pupil(store, upn)
    code = check_code(code, day)
    if not reason.strip():
        raise ServiceError(
            "give the reason for the amendment (it is kept in the register's history)"
        )
    if not pupil.on_roll(day):
        raise ServiceError(f"{pupil.name} was not on roll on {dmy(day)}")
    if (refused := pupil_refusal(code, day, pupil)) is not None:  # as the register refuses it
        raise ServiceError(refused)
    before = store.marks.get(pupil.id, day, session)
    if before is None:
        raise ServiceError(
            f"{pupil.name} has no mark for {dmy(day)} {session}: there is nothing to amend"
        )
    if expected_version is not None and before.version != expected_version:
        raise ServiceError(changed_since(before))
    # Changed only from what was read now (or what the caller read earlier): another PC's change
    # in between is refused as stale, never overwritten, and the audit's "old -> new" is true.
    expected_version = before.version if expected_version is None else expected_version
    if before.code == code and (minutes_late is None or before.minutes_late == minutes_late):
        raise ServiceError(f"the mark is already {code}: nothing to amend")
    with store.write():  # the amendment and its audit entry: both or neither
        try:
            after = store.marks.amend(
                pupil.id, day, session, code, minutes_late, reason.strip(), by, expected_version
            )
        except StaleMark as exc:
            raise ServiceError(str(exc)) from None
        store.audit.log(
            by,
            "amend mark",
            pupil.upn,
            f"{dmy(day)} {session}: {before.code} -> {after.code}; {reason.strip()}",
        )
    return before, after


def late_code_for(store: Store, session: str, arrived: time) -> tuple[str, int, str]:
    """What the school's close time gives a pupil arriving at `arrived`: (L or U, minutes late,
    the close time), for the window to suggest before anything is recorded."""
    settings = store.settings.school()
    opens, closes = (
        (settings.am_register_opens, settings.am_register_closes)
        if session == "AM"
        else (settings.pm_register_opens, settings.pm_register_closes)
    )
    try:
        code, minutes = late_code(arrived, time.fromisoformat(opens), time.fromisoformat(closes))
    except ValueError as exc:
        raise ServiceError(str(exc)) from None
    return code, minutes, closes


def record_late_arrival(
    store: Store,
    upn: str,
    day: date,
    session: str,
    arrived: time,
    by: str,
    code: str | None = None,
    reason: str = "",
) -> tuple[Mark | None, Mark, str]:
    """A pupil who arrived late: L before the register closed, U after (the school's close time),
    with the minutes late. The person may record the other code, with a reason that is kept.
    Returns (mark before, mark now, the code the close time gave)."""
    pupil = find_pupil(store, upn)
    if not pupil.on_roll(day):
        raise ServiceError(f"{pupil.name} was not on roll on {dmy(day)}")
    suggested, minutes, closes = late_code_for(store, session, arrived)
    chosen = (code or suggested).upper()
    if chosen not in ("L", "U"):
        raise ServiceError(
            "a late arrival is recorded as L (before the register closed) or U (after)"
        )
    why = f"arrived {arrived:%H:%M}, {minutes} min after the register opened (closes {closes})"
    if chosen != suggested:
        if not reason.strip():
            raise ServiceError(
                f"the {session} register closes at {closes}: arriving at {arrived:%H:%M} is "
                f"{suggested}; give the reason for recording {chosen}"
            )
        why += f"; recorded {chosen} rather than {suggested}: {reason.strip()}"
    before = store.marks.get(pupil.id, day, session)
    with store.write():
        if before is None:
            authorize(store, by, Permission.MARK)
            insert_new_marks(
                store,
                [NewMark(pupil.id, day, session, chosen, minutes).as_row()],
                by=by,
                source="late",
            )
        else:
            authorize(store, by, Permission.AMEND)
            if before.code == chosen and before.minutes_late == minutes:
                raise ServiceError(
                    f"the mark is already {chosen} ({minutes} min): nothing to change"
                )
            try:
                store.marks.amend(
                    pupil.id,
                    day,
                    session,
                    chosen,
                    minutes,
                    f"late arrival: {why}",
                    by,
                    before.version,
                )
            except StaleMark as exc:
                raise ServiceError(str(exc)) from None
        store.audit.log(
            by,
            "late arrival",
            pupil.upn,
            f"{dmy(day)} {session}: {before.code if before else 'no mark'} -> {chosen}; {why}",
        )
    return before, store.marks.get(pupil.id, day, session), suggested


@dataclass(frozen=True)
class Punctuality:
    pupil: Pupil
    late_before_close: int  # L
    late_after_close: int  # U
    minutes: int

    @property
    def lates(self) -> int:
        return self.late_before_close + self.late_after_close


def half_term_start(store: Store, day: date) -> date | None:
    """The first day of the half-term (a term as entered in the calendar) holding `day`, or None
    in a holiday or with no terms entered: where punctuality is counted from."""
    term = school_calendar(store, day - timedelta(days=120), day).term_of(day)
    return term.start if term else None


def punctuality(store: Store, start: date, end: date, limit: int = 30) -> list[Punctuality]:
    """The pupils with the most late arrivals (L and U) in [start, end], most first."""
    rows = store.marks.late_counts(start, end)
    pupils = {p.id: p for p in store.pupils.on_roll_between(start, end)}
    result = [
        Punctuality(pupils[pid], l_count, u_count, minutes)
        for pid, l_count, u_count, minutes in rows
        if pid in pupils
    ]
    result.sort(
        key=lambda r: (-r.lates, -r.late_after_close, -r.minutes, r.pupil.surname, r.pupil.forename)
    )
    return result[:limit]


def mark_history(
    store: Store, upn: str, day: date | None = None
) -> tuple[Pupil, list[HistoryEntry]]:
    pupil = find_pupil(store, upn)
    return pupil, store.marks.history(pupil.id, day)


def register_history_text(store: Store, pupil_id: int, day: date, session: str) -> str:
    """A mark's changes, one line each, for a tooltip or side panel."""
    entries = store.marks.history(pupil_id, day)
    return "\n".join(
        f"{e.old_code} → {e.new_code} by {e.changed_by} at {when_text(e.changed_at)}: {e.reason}"
        for e in entries
        if e.session == session
    )
