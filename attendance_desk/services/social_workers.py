"""Unexplained absence of a child with a social worker: today's list (child protection plan, child
in need plan or looked after; absent with no reason, the register taken), each worker's contact and
the virtual school's, a drafted e-mail per worker, and the record that each was told (the
chronology and the audit). Rules: domain/social_workers.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from attendance_desk.domain.calls import consecutive_days_absent, needs_call
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.records import CaseworkEntry
from attendance_desk.domain.roles import Permission
from attendance_desk.domain.social_workers import (
    NO_WORKER,
    AbsentChild,
    WorkerNotice,
    draft_email,
    group_by_worker,
)
from attendance_desk.presentation import dmy
from attendance_desk.services.marks import find_pupil
from attendance_desk.services.school import ServiceError, codes, school_calendar
from attendance_desk.services.users import authorize
from attendance_desk.store.db import Store

HOW = {
    "email": "e-mail",
    "phone": "telephone",
    "in_person": "in person",
    "secure_mail": "secure e-mail",
}


def _flagged(p: Pupil) -> bool:
    return p.cp_plan or p.child_in_need or p.looked_after


def _told_today(store: Store, pupil_id: int, day: date) -> str:
    for e in reversed(store.casework.for_pupil(pupil_id)):
        if e.kind == "social_worker" and e.at.date() == day:
            return f"told {e.at:%H:%M} by {e.by_user} ({e.outcome.split('(')[-1].rstrip(')')})"
    return ""


def absent_today(store: Store, day: date, session: str = "AM") -> list[WorkerNotice]:
    """Children with a CP plan, CIN plan or looked after, absent without a reason this session, by
    social worker."""
    table = codes()
    pupils = [p for p in store.pupils.on_roll_between(day, day) if _flagged(p)]
    if not pupils:
        return []
    marks = store.marks.for_session(day, session)
    taken = set(store.marks.registers_taken(day, session))
    wanted = [p for p in pupils if p.reg_group in taken and needs_call(marks.get(p.id), day, table)]
    calendar = school_calendar(store, day - timedelta(days=60), day)
    earlier = calendar.previous_school_days(day, 25)
    history = (
        store.marks.codes_between(earlier[-1], day - timedelta(days=1), [p.id for p in wanted])
        if earlier
        else {}
    )
    children = [
        AbsentChild(
            p,
            marks.get(p.id),
            consecutive_days_absent(day, earlier, history.get(p.id, {}), table),
            _told_today(store, p.id, day),
        )
        for p in wanted
    ]
    return group_by_worker(children)


def drafts(
    store: Store, day: date, session: str = "AM", by: str = ""
) -> list[tuple[WorkerNotice, str]]:
    """Each worker's notice with the e-mail to copy (from the attendance lead, or the user)."""
    school = store.settings.school()
    sender = school.attendance_lead or by
    return [
        (n, draft_email(n, day, session, school.name, sender, school.phone))
        for n in absent_today(store, day, session)
    ]


def record_told(
    store: Store,
    worker: str,
    day: date,
    by: str,
    how: str = "email",
    *,
    session: str = "AM",
    at: datetime | None = None,
) -> list[str]:
    """Record that the worker was told about each of their children on today's list: a chronology
    entry per child and one audit entry. Refused for a worker with no child on the list."""
    authorize(store, by, Permission.CALLS)
    if worker == NO_WORKER:
        raise ServiceError(
            "record the social worker first (social-workers contacts, or the pupils import), then "
            "tell them"
        )
    if how not in HOW:
        raise ServiceError(f"told how: one of {', '.join(HOW)}")
    notice = next((n for n in absent_today(store, day, session) if n.worker == worker), None)
    if notice is None:
        raise ServiceError(
            f"no child of '{worker}' is on the list of unexplained absences for {dmy(day)} {session}"
        )
    at = at or datetime.now().astimezone()
    if at.date() != day:
        at = datetime.combine(day, at.time()).astimezone()
    names = []
    with store.write():
        for child in notice.children:
            store.casework.add(
                CaseworkEntry(
                    None,
                    child.pupil.id,
                    at,
                    "social_worker",
                    by,
                    worker,
                    None,
                    f"Social worker told of today's unexplained absence ({HOW[how]})",
                    False,
                    (
                        f"{dmy(day)} {session}: {child.code or 'no mark'}, day {child.days_absent} "
                        "of absence"
                    )
                    + (
                        f"; virtual school: {'; '.join(notice.virtual_school)}"
                        if notice.virtual_school
                        else ""
                    ),
                )
            )
            names.append(child.pupil.upn)
        store.audit.log(
            by,
            "social worker told",
            ", ".join(names),
            f"{worker} ({HOW[how]}) of the unexplained absence on {dmy(day)} {session}",
        )
    return names


def set_contacts(
    store: Store,
    upn: str,
    by: str,
    *,
    social_worker: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    virtual_school: str | None = None,
):
    """The social worker's name, phone and e-mail and the virtual school's contact on the pupil
    (where the pupil's agencies are recorded). Audited."""
    authorize(store, by, Permission.CASEWORK)
    pupil = find_pupil(store, upn)
    if email and "@" not in email:
        raise ServiceError(f"'{email}' is not an e-mail address")
    changed: dict[str, Any] = {  # Pupil field -> new text (replace() takes them by name)
        k: v.strip()
        for k, v in (
            ("social_worker", social_worker),
            ("social_worker_phone", phone),
            ("social_worker_email", email),
            ("virtual_school_contact", virtual_school),
        )
        if v is not None
    }
    if not changed:
        raise ServiceError("give what to change: the worker, phone, e-mail or virtual school")
    with store.write():
        store.pupils.upsert_many([replace(pupil, **changed)])
        store.audit.log(
            by, "agency contacts", pupil.upn, ", ".join(f"{k}: {v}" for k, v in changed.items())
        )
    return store.pupils.by_upn(upn)
