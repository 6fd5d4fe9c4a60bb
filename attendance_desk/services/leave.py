"""Leave of absence in term time: record a request (a pupil and any siblings asked for together),
decide it within the school's deadline (the head teacher, or someone the head has delegated), write
to every adult with parental responsibility, and on the dates suggest the code (C granted, G refused
but taken) and keep those pupils off the first-day-call list. Rules: domain/leave.py."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

from attendance_desk.domain.leave import (
    LeaveRequest,
    check_request,
    decision_deadline,
    is_evidence,
    school_days_left,
)
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.records import CaseworkEntry
from attendance_desk.domain.roles import ROLE_NAMES, Permission
from attendance_desk.presentation import dmy
from attendance_desk.services.marks import find_pupil
from attendance_desk.services.school import ServiceError, school_calendar, setting_number
from attendance_desk.services.users import authorize, printable, role_of
from attendance_desk.store.db import Store

DECISIONS = ("granted", "refused")
TEMPLATES = {"granted": "leave_granted", "refused": "leave_refused"}


@dataclass(frozen=True)
class LeaveLine:
    """A request as the lists show it."""

    request: LeaveRequest
    pupil: Pupil
    days_left: int  # school days to the deadline (negative: past it)

    @property
    def flag(self) -> str:
        r = self.request
        if r.status == "pending":
            if self.days_left < 0:
                return f"OVERDUE: the reply was due by {dmy(r.deadline)}"
            return f"{self.days_left} school day{'s' if self.days_left != 1 else ''} left"
        if r.decided_late:
            return f"decided after the deadline ({dmy(r.deadline)})"
        return ""


def school_day_test(store: Store, start: date, end: date) -> Callable[[date], bool]:
    """Is `day` a school day: the calendar where terms are entered, else a weekday (the dates a
    request asks for are usually ahead of any register)."""
    calendar = school_calendar(store, start, end)

    def test(day: date) -> bool:
        if calendar.has_terms_for(day):
            return calendar.is_school_day(day)
        return day.weekday() < 5

    return test


def _deadline(store: Store, received_on: date) -> date:
    days = setting_number(store, "leave_decision_days")
    test = school_day_test(store, received_on, received_on + timedelta(days=days * 3 + 60))
    return decision_deadline(received_on, days, test)


def _entry(
    store: Store, pupil_id: int, day: date, by: str, outcome: str, notes: str, with_whom: str = ""
) -> None:
    store.casework.add(
        CaseworkEntry(
            None,
            pupil_id,
            datetime.combine(day, time(12, 0)).astimezone(),
            "leave",
            by,
            with_whom,
            None,
            outcome,
            False,
            notes,
        )
    )


def record_request(
    store: Store,
    upns: list[str],
    first_date: date,
    last_date: date,
    reason: str,
    requested_by: str,
    received_on: date,
    by: str,
    *,
    first_session: str = "AM",
    last_session: str = "PM",
    today: date | None = None,
) -> list[LeaveRequest]:
    """One request for a pupil and any siblings asked for with them (one row each, one family)."""
    authorize(store, by, Permission.CALLS)
    today = today or date.today()
    if not upns:
        raise ServiceError("name the pupil (and any siblings) the leave is asked for")
    pupils = [find_pupil(store, u) for u in dict.fromkeys(upns)]
    problem = check_request(first_date, first_session, last_date, last_session, received_on)
    if problem:
        raise ServiceError(problem)
    if received_on > today:
        raise ServiceError(
            f"the request cannot have been received on {dmy(received_on)}, after today"
        )
    if not reason.strip():
        raise ServiceError("record the reason the parent gave for the leave")
    if not requested_by.strip():
        raise ServiceError("record who asked for the leave (the parent's name)")
    for p in pupils:
        if not p.on_roll(first_date):
            raise ServiceError(f"{p.name} is not on roll on {dmy(first_date)}")
    deadline = _deadline(store, received_on)
    made = []
    with store.write():
        family = None
        for p in pupils:
            request = LeaveRequest(
                None,
                family,
                p.id,
                first_date,
                first_session,
                last_date,
                last_session,
                reason.strip(),
                requested_by.strip(),
                received_on,
                deadline,
                by_user=by,
            )
            new_id = store.leave.add(request)
            family = family or new_id
            made.append(store.leave.by_id(new_id))
            _entry(
                store,
                p.id,
                received_on,
                by,
                f"Leave of absence requested ({made[-1].dates_text})",
                f"Reason given: {reason.strip()}. Reply due by {dmy(deadline)}.",
                requested_by.strip(),
            )
        store.audit.log(
            by,
            "leave requested",
            ", ".join(p.upn for p in pupils),
            f"request {family}: {made[0].dates_text}; received {dmy(received_on)}; "
            f"reply due by {dmy(deadline)}",
        )
    return made


def delegates(store: Store) -> list[str]:
    return [n.strip() for n in store.settings.school().leave_delegates.split(",") if n.strip()]


def may_decide(store: Store, by: str) -> None:
    """The head teacher decides; or a user the head has delegated to (Settings: leave delegates).
    With no users set up, whoever runs the program."""
    if not store.users.any():
        return
    role = role_of(store, by)
    if role == "head":
        return
    if role is not None and by.lower() in {d.lower() for d in delegates(store)}:
        return
    who = ROLE_NAMES.get(role or "", "not a user")
    raise ServiceError(
        f"refused: leave of absence is decided by the head teacher or someone the head has "
        f"delegated (Settings: leave decisions delegated to); {printable(by)} is {who} and not a "
        f"delegate"
    )


def delegate(store: Store, names: list[str], by: str) -> None:
    """The head (or the administrator) names the users who may decide leave requests."""
    if store.users.any() and role_of(store, by) not in ("head", "admin"):
        raise ServiceError("refused: only the head teacher (or the administrator) delegates leave")
    cleaned = [n.strip() for n in names if n.strip()]
    for name in cleaned:
        if store.users.any() and role_of(store, name) is None:
            raise ServiceError(f"'{printable(name)}' is not a user of this school file")
    with store.write():
        store.settings.save_school(
            replace(store.settings.school(), leave_delegates=", ".join(cleaned))
        )
        store.audit.log(
            by, "leave delegates", "school", ", ".join(cleaned) or "none: the head decides"
        )


def _family(store: Store, request_id: int) -> list[LeaveRequest]:
    request = store.leave.by_id(request_id)
    if request is None:
        raise ServiceError(f"no leave request {request_id}")
    return store.leave.family(request.family_ref or request.id)


def decide(
    store: Store,
    request_id: int,
    decision: str,
    by: str,
    decided_on: date,
    *,
    exceptional_reason: str = "",
    note: str = "",
    today: date | None = None,
) -> list[LeaveRequest]:
    """Grant or refuse a request (and its siblings'). Granting needs the exceptional circumstances;
    leave is never granted for dates before the request arrived. A decision after the school's
    deadline is recorded and flagged."""
    may_decide(store, by)
    today = today or date.today()
    if decision not in DECISIONS:
        raise ServiceError(f"decide 'granted' or 'refused', not '{decision}'")
    family = _family(store, request_id)
    first = family[0]
    if first.status != "pending":
        raise ServiceError(
            f"request {first.family_ref} was already {first.status} on {dmy(first.decided_on)}"
            if first.decided_on
            else f"request {first.family_ref} is {first.status}"
        )
    if decided_on > today:
        raise ServiceError(f"a decision cannot be dated {dmy(decided_on)}, after today")
    if decided_on < first.received_on:
        raise ServiceError(
            f"a decision cannot be made ({dmy(decided_on)}) before the request was received "
            f"({dmy(first.received_on)})"
        )
    if decision == "granted":
        if not is_evidence(exceptional_reason):
            raise ServiceError(
                "leave in term time is granted only in exceptional circumstances: record what they "
                "are (a sentence, not 'n/a' or a word or two)"
            )
        if first.first_date < first.received_on:
            raise ServiceError(
                f"leave cannot be granted retrospectively: it began on {dmy(first.first_date)}, "
                f"before the request was received on {dmy(first.received_on)}"
            )
    late = decided_on > first.deadline
    flag = f" (after the deadline of {dmy(first.deadline)})" if late else ""
    with store.write():
        for r in family:
            store.leave.decide(r.id, decision, decided_on, by, exceptional_reason.strip(), note)
            why = (
                f"Exceptional circumstances: {exceptional_reason.strip()}."
                if decision == "granted"
                else "Refused: absence on these dates will be unauthorised (G)."
            )
            _entry(
                store,
                r.pupil_id,
                decided_on,
                by,
                f"Leave {decision} ({r.dates_text}){flag}",
                why + (f" {note}" if note else ""),
            )
        store.audit.log(
            by,
            "leave decided",
            ", ".join(store.pupils.by_id(r.pupil_id).upn for r in family),
            f"request {first.family_ref}: {decision} on {dmy(decided_on)}{flag}",
        )
    return store.leave.family(first.family_ref)


def withdraw(
    store: Store, request_id: int, by: str, day: date, note: str, today: date | None = None
) -> list[LeaveRequest]:
    """The parent withdrew a request not yet decided (with what they said): nothing is suggested on
    the register and it leaves the list awaiting a decision."""
    authorize(store, by, Permission.CALLS)
    today = today or date.today()
    family = _family(store, request_id)
    first = family[0]
    if first.status != "pending":
        raise ServiceError(f"request {first.family_ref} is already {first.status}")
    if day > today or day < first.received_on:
        raise ServiceError(
            f"a withdrawal is dated between the request's receipt ({dmy(first.received_on)}) "
            "and today"
        )
    if len(note.split()) < 2:
        raise ServiceError("record what the parent said when withdrawing the request")
    with store.write():
        for r in family:
            store.leave.decide(r.id, "withdrawn", day, by, "", note.strip())
            _entry(store, r.pupil_id, day, by, f"Leave request withdrawn ({r.dates_text})", note)
        store.audit.log(
            by,
            "leave withdrawn",
            ", ".join(store.pupils.by_id(r.pupil_id).upn for r in family),
            f"request {first.family_ref} on {dmy(day)}: {note.strip()}",
        )
    return store.leave.family(first.family_ref)


def decision_letters(
    store: Store, request_id: int, today: date, by: str, out: Path, *, preview: bool = False
):
    """The decision letter to every adult with parental responsibility, for each pupil of the request
    (granted; or refused, warning that unauthorised leave may lead to a penalty notice)."""
    from attendance_desk.services.letters import make_letters

    family = _family(store, request_id)
    first = family[0]
    if first.status not in DECISIONS:
        raise ServiceError(
            f"request {first.family_ref} is {first.status}: a letter follows a decision"
        )
    pupils = [store.pupils.by_id(r.pupil_id) for r in family]
    names = [p.name for p in pupils]
    batch = None
    for r, pupil in zip(family, pupils, strict=True):
        others = [n for n in names if n != pupil.name]
        context = {
            "leave": {
                "dates": r.dates_text,
                "from": f"{dmy(r.first_date)}",
                "to": f"{dmy(r.last_date)}",
                "sessions": sum(1 for _ in r.sessions()),
                "reason": r.reason.rstrip(". "),  # the letter adds the full stop
                "requested_by": r.requested_by,
                "received_on": f"{dmy(r.received_on)}",
                "decided_on": f"{dmy(r.decided_on)}",
                "decision": r.status,
                "exceptional_reason": r.exceptional_reason,
                "code": r.code,
                "siblings": ", ".join(others),
                "request": r.family_ref,
            }
        }
        made = make_letters(
            store,
            TEMPLATES[r.status],
            [pupil],
            today,
            by,
            out,
            preview=preview,
            extra_context=context,
            extra_facts={"leave_decision": r.status},
        )
        if not preview:
            with store.write():
                store.leave.add_letters(r.id, ", ".join(made.references))
        if batch is None:
            batch = made
        else:
            batch.letters += made.letters
            batch.pupils += made.pupils
            batch.files += made.files
            batch.references += made.references
            batch.not_sent += made.not_sent
    return batch


def _lines(store: Store, requests: list[LeaveRequest], today: date) -> list[LeaveLine]:
    if not requests:
        return []
    test = school_day_test(
        store,
        min(min(r.deadline, today) for r in requests) - timedelta(days=1),
        max(max(r.deadline, today) for r in requests) + timedelta(days=1),
    )
    return [
        LeaveLine(r, store.pupils.by_id(r.pupil_id), school_days_left(today, r.deadline, test))
        for r in requests
    ]


def awaiting_decision(store: Store, today: date) -> list[LeaveLine]:
    """Requests not yet decided, the nearest deadline first, with the school days left."""
    return _lines(store, store.leave.pending(), today)


def requests(store: Store, today: date, upn: str | None = None) -> list[LeaveLine]:
    """Every request (or one pupil's), latest received first."""
    rows = store.leave.for_pupil(find_pupil(store, upn).id) if upn else store.leave.all()
    return sorted(_lines(store, rows, today), key=lambda x: (x.request.received_on, x.request.id))[
        ::-1
    ]


def leave_on(
    store: Store, start: date, end: date, pupil_ids: Iterable[int] | None = None
) -> dict[tuple[int, date, str], tuple[str, str]]:
    """The code each decided request suggests for each of its sessions in [start, end] (C granted, G
    refused but taken) and why, for the register and the call list."""
    result = {}
    for r in store.leave.overlapping(start, end, pupil_ids):
        why = (
            f"leave granted by {r.decided_by} on {dmy(r.decided_on)} (request {r.family_ref}): C"
            if r.status == "granted"
            else f"leave refused on {dmy(r.decided_on)} (request {r.family_ref}): G if taken"
        )
        for day, session in r.sessions():
            if start <= day <= end:
                result[(r.pupil_id, day, session)] = (r.code, why)
    return result


@dataclass(frozen=True)
class LeaveSuggestion:
    """The code the register should carry on a session of decided leave, and why (Ctrl+P, F2)."""

    code: str
    why: str


def leave_suggestions(store: Store, pupils: Iterable[Pupil], start: date, end: date) -> dict:
    return {
        key: LeaveSuggestion(code, why)
        for key, (code, why) in leave_on(store, start, end, [p.id for p in pupils]).items()
    }
