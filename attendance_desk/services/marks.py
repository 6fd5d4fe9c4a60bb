"""Amending marks and reading their history."""

from __future__ import annotations

from datetime import date

from attendance_desk.domain.codes import UnknownCode
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.register import HistoryEntry, Mark
from attendance_desk.domain.roles import Permission
from attendance_desk.domain.upn import InvalidUPN, validate_upn
from attendance_desk.services.school import ServiceError, codes
from attendance_desk.services.users import authorize
from attendance_desk.store.db import Store
from attendance_desk.store.marks import StaleMark


def find_pupil(store: Store, upn: str) -> Pupil:
    try:
        upn = validate_upn(upn)
    except InvalidUPN as exc:
        raise ServiceError(str(exc)) from None
    pupil = store.pupils.by_upn(upn)
    if pupil is None:
        raise ServiceError(f"no pupil with UPN {upn} in this school file")
    return pupil


def check_code(code: str, day: date) -> str:
    try:
        return codes().lookup(code, day).code
    except UnknownCode as exc:
        raise ServiceError(str(exc)) from None


def amend_mark(
    store: Store, upn: str, day: date, session: str, code: str, reason: str, by: str,
    minutes_late: int | None = None, expected_version: int | None = None,
) -> tuple[Mark, Mark]:
    """Change a recorded mark, keeping the original in the history. Returns (before, after)."""
    authorize(store, by, Permission.AMEND)
    pupil = find_pupil(store, upn)
    code = check_code(code, day)
    if not reason.strip():
        raise ServiceError("give the reason for the amendment (it is kept in the register's history)")
    if not pupil.on_roll(day):
        raise ServiceError(f"{pupil.name} was not on roll on {day:%d/%m/%Y}")
    before = store.marks.get(pupil.id, day, session)
    if before is None:
        raise ServiceError(
            f"{pupil.name} has no mark for {day:%d/%m/%Y} {session}: there is nothing to amend"
        )
    if expected_version is not None and before.version != expected_version:
        raise ServiceError(f"this mark was changed by {before.recorded_by} at {before.recorded_at} since you "
                           "opened it; reload and try again")
    if before.code == code and (minutes_late is None or before.minutes_late == minutes_late):
        raise ServiceError(f"the mark is already {code}: nothing to amend")
    try:
        after = store.marks.amend(
            pupil.id, day, session, code, minutes_late, reason.strip(), by, expected_version
        )
    except StaleMark as exc:
        raise ServiceError(str(exc)) from None
    store.audit.log(by, "amend mark", pupil.upn, f"{day:%d/%m/%Y} {session}: {before.code} -> {after.code}; {reason.strip()}")
    return before, after


def mark_history(store: Store, upn: str, day: date | None = None) -> tuple[Pupil, list[HistoryEntry]]:
    pupil = find_pupil(store, upn)
    return pupil, store.marks.history(pupil.id, day)


def register_history_text(store: Store, pupil_id: int, day: date, session: str) -> str:
    """A mark's changes, one line each, for a tooltip or side panel."""
    entries = store.marks.history(pupil_id, day)
    return "\n".join(
        f"{e.old_code} → {e.new_code} by {e.changed_by} at {e.changed_at[:16].replace('T', ' ')}: {e.reason}"
        for e in entries if e.session == session
    )
