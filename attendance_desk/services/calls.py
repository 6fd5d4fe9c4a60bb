"""This morning's first-day-call list, and logging a call (which may recode the mark)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from attendance_desk.domain.calendar import academic_year_bounds, academic_year_of
from attendance_desk.domain.calls import CallList, PupilForCalls, build_call_list, needs_call
from attendance_desk.domain.records import CaseworkEntry
from attendance_desk.domain.register import NewMark
from attendance_desk.domain.roles import Permission
from attendance_desk.presentation import dmy, dmy_hm
from attendance_desk.services.figures import pupil_figures
from attendance_desk.services.school import ServiceError, codes, school_calendar, setting_number
from attendance_desk.services.stages import current_stages
from attendance_desk.services.users import authorize
from attendance_desk.store.db import Store, read_time

LOOK_BACK_SCHOOL_DAYS = 25
CALL_OUTCOMES = {
    "spoke_to_parent": "Spoke to parent/carer",
    "no_answer": "No answer",
    "voicemail": "Voicemail left",
    "message_left": "Message left with someone else",
    "wrong_number": "Wrong number",
}


# The reasons a parent or carer can give by phone that the office may record from a first-day call.
# Source: DfE, "Working together to improve school attendance" (August 2024), the attendance codes
# (School Attendance (Pupil Registration) (England) Regulations 2024, reg. 10 and Schedule); see
# docs/rules.md and resources/codes.toml. Each code thought through:
#   I  illness (incl. mental health): the parent's word is normally enough (evidence only if doubted)
#   M  medical or dental appointment: the parent tells the school of it
#   R  religious observance: a day set apart by the parent's religious body; the parent says so
#   G  holiday not granted: a parent who says the child is on holiday is recorded as unauthorised;
#      leave is asked for and granted (C) only through the leave workflow
#   O  other or unknown circumstances: a reason given that the school does not accept as authorised
# Not from a call:
#   C, C1, C2, J1, S (and H, F before 2024): leave of absence, granted by the head teacher or a
#      delegate in advance (the leave workflow), never by the office on a parent's say-so
#   T  parent travelling for occupational purposes: the school must be satisfied of the conditions
#   E  suspension or exclusion: the school's own decision
#   U  arrived after the register closed: an arrival time, not a reason for absence
#   N  no reason yet: the absence stays as it is when no reason is given
#   Q, Y1-Y7, X, D, Z, #, and the educational-activity codes: not absences the parent explains
CALL_REASONS = ("I", "M", "R", "G", "O")
_NOT_FROM_A_CALL = {
    "C": "leave of absence in exceptional circumstances is granted only by the head teacher or "
    "a delegate: use Leave",
    "C1": "leave for a regulated performance or employment abroad is granted by the school in "
    "advance: use Leave",
    "C2": "a part-time timetable is agreed by the school, not given by a parent on the phone",
    "J1": "leave for an interview is granted by the school in advance: use Leave",
    "S": "study leave is granted by the school: use Leave",
    "H": "an agreed holiday is granted by the school in advance: use Leave",
    "F": "an agreed holiday is granted by the school in advance: use Leave",
    "T": "traveller absence is authorised by the school once it is satisfied of the conditions",
    "E": "a suspension or exclusion is recorded by the school, not from a call",
    "U": "U means arrived after the register closed, not a reason for absence: record the "
    "arrival on the register",
    "N": "N means no reason yet: choose 'No reason given' instead",
}


def reason_codes(day: date) -> list[tuple[str, str]]:
    """The reasons a call can record on `day` (CALL_REASONS in force then), for the log-call form."""
    table = codes().set_for(day)
    return [(c, table.codes[c].meaning) for c in CALL_REASONS if c in table.codes]


def _refuse_reason(code: str, day: date) -> str:
    """Why a call cannot record `code` ('' when it can)."""
    if code in CALL_REASONS and code in codes().set_for(day).codes:
        return ""
    why = _NOT_FROM_A_CALL.get(code, "it is not a reason for absence a parent gives")
    allowed = ", ".join(c for c, _ in reason_codes(day))
    return f"'{code}' cannot be recorded from a call: {why} (a call records {allowed})"


def call_list(store: Store, day: date, session: str = "AM") -> CallList:
    table = codes()
    calendar = school_calendar(store, day - timedelta(days=60), day)
    classes = store.pupils.classes_on_roll(day)  # the whole roll, by id; pupils built below only
    if not classes:  # for those on the list
        return CallList(day, session, (), message="No pupils on roll: import pupils first.")
    if calendar.has_terms_for(day) and not calendar.is_school_session(day, session):
        return CallList(day, session, (), message=f"{dmy(day)} {session} is not a school session.")
    marks = store.marks.for_session(day, session)
    # the "register taken" record, not "any mark in the class": a mark entered ahead (M for an
    # appointment) does not mean the rest of the class was marked
    taken = set(store.marks.registers_taken(day, session))
    not_taken = sorted(set(classes.values()) - taken)
    wanted = store.pupils.by_ids(
        [
            pid
            for pid, group in classes.items()
            if group in taken and needs_call(marks.get(pid), day, table)
        ]
    )
    wanted, not_called = _leave_taken_off(store, wanted, day, session)
    ids = [p.id for p in wanted]
    year_start = academic_year_bounds(academic_year_of(day))[0]
    persistent = {
        r.pupil.id
        for r in pupil_figures(store, year_start, day, pupils=wanted)
        if r.figures.persistent
    }
    staged = current_stages(store, ids, year_start)
    candidates = []
    for p in wanted:
        amber = []
        if p.id in persistent:
            amber.append("persistent absence this year")
        if staged.get(p.id):
            amber.append(f"support map: {staged[p.id]}")
        candidates.append(
            (
                PupilForCalls(
                    pupil_id=p.id,
                    upn=p.upn,
                    name=p.name,
                    reg_group=p.reg_group,
                    year_group=p.year_group,
                    vulnerable_reasons=p.vulnerable_reasons,
                    amber_reasons=tuple(amber),
                ),
                marks.get(p.id),
            )
        )
    earlier = calendar.previous_school_days(day, LOOK_BACK_SCHOOL_DAYS)
    history = (
        store.marks.codes_between(earlier[-1], day - timedelta(days=1), ids) if earlier else {}
    )
    result = build_call_list(
        day,
        session,
        candidates,
        earlier,
        history,
        last_contact=store.casework.last_contact_dates(day),
        contacts_of=store.contacts.for_pupils(ids),
        codes=table,
        registers_not_taken=not_taken,
        cme_after=setting_number(store, "cme_days"),
        referred=_cme_referred(store, ids),
    )
    return replace(result, not_called=tuple(not_called))


def _leave_taken_off(store: Store, wanted: list, day: date, session: str) -> tuple[list, list[str]]:
    """Pupils whose leave was decided for this session are not rung: where they are is known (C
    granted; G refused but taken). Each is named, with why, for Today."""
    from attendance_desk.services.leave import leave_on

    on_leave = leave_on(store, day, day, [p.id for p in wanted])
    keep, off = [], []
    for p in wanted:
        hit = on_leave.get((p.id, day, session))
        if hit:
            off.append(f"{p.name} ({p.reg_group}): {hit[1]}; not called")
        else:
            keep.append(p)
    return keep, off


def _cme_referred(store: Store, ids: list[int]) -> dict[int, str]:
    """What a referred pupil's line on Today says instead of the referral prompt."""
    wanted = set(ids)
    lines = {}
    for pid, r in store.cme.open_referrals().items():
        if pid in wanted:
            outcome = f"; outcome: {r.outcome}" if r.outcome else "; awaiting the LA's outcome"
            lines[pid] = f"CME referral made {dmy(r.referred_on)}{outcome}"
    return lines


def log_call(
    store: Store,
    pupil_ids: list[int],
    day: date,
    session: str,
    outcome: str,
    by: str,
    contact_id: int | None = None,
    with_whom: str = "",
    reason_code: str | None = None,
    notes: str = "",
    at: datetime | None = None,
) -> list[int]:
    """Record a call for each pupil in the family; a reason given recodes their mark for the session
    (an amendment with history, or a new mark if none was recorded). All of it or none of it.

    A reason recodes only a mark still waiting for one (no reason yet, or no mark), read under the
    write lock: if another user changed it meanwhile (a late arrival recorded, a reason given on
    another PC), the call is refused naming the mark and who changed it, never overwriting it."""
    authorize(store, by, Permission.CALLS)
    if outcome not in CALL_OUTCOMES:
        raise ServiceError(
            f"unknown call outcome '{outcome}' (use one of: {', '.join(CALL_OUTCOMES)})"
        )
    if reason_code is not None:
        if refused := _refuse_reason(
            reason_code, day
        ):  # the form offers only these: defence in depth
            raise ServiceError(refused)
        if outcome != "spoke_to_parent":
            raise ServiceError("a reason can only be recorded when someone was spoken to")
    at = at or datetime.now().astimezone()
    label = CALL_OUTCOMES[outcome]
    ids = []
    with store.write():
        if reason_code is not None:
            _refuse_if_answered_meanwhile(store, pupil_ids, day, session)
        for pid in pupil_ids:
            ids.append(
                store.casework.add(
                    CaseworkEntry(
                        id=None,
                        pupil_id=pid,
                        at=at,
                        kind="call",
                        by_user=by,
                        with_whom=with_whom,
                        contact_id=contact_id,
                        outcome=label,
                        contact_made=outcome == "spoke_to_parent",
                        notes=notes,
                    )
                )
            )
            if reason_code is not None:
                reason = f"first-day call {dmy_hm(at)}: {label.lower()}"
                reason += f" ({with_whom})" if with_whom else ""
                reason += f": {notes}" if notes else ""
                store.marks.add_or_amend_many(
                    [NewMark(pid, day, session, reason_code).as_row()],
                    by=by,
                    source="call",
                    reason=reason,
                )
        store.audit.log(
            by,
            "call logged",
            ", ".join(str(p) for p in pupil_ids),
            f"{label}" + (f"; recoded to {reason_code}" if reason_code else ""),
        )
    return ids


def _refuse_if_answered_meanwhile(
    store: Store, pupil_ids: list[int], day: date, session: str
) -> None:
    table = codes()
    changed = []
    for pupil in store.pupils.by_ids(sorted(set(pupil_ids))):
        mark = store.marks.get(pupil.id, day, session)
        if mark is not None and not needs_call(mark.code, day, table):
            when = dmy_hm(read_time(mark.recorded_at)) if mark.recorded_at else "earlier"
            changed.append(
                f"{pupil.name}'s {session} mark for {dmy(day)} is now {mark.code}, recorded by "
                f"{mark.recorded_by} at {when}"
            )
    if changed:
        raise ServiceError(
            "; ".join(changed)
            + ": the reason from this call was not recorded and nothing was logged. Reload the "
            "list (a call can still be logged without a reason)"
        )


def save_call_list(store: Store, calls: CallList, path: Path, by: str) -> Path:
    """The call list as a page for the office (documents/call_list), written whole or not at all.
    Audited: it names pupils and their families' phone numbers."""
    from attendance_desk.documents.call_list import write_call_list

    authorize(store, by, Permission.CALLS)
    write_call_list(path, store.settings.school().name, calls)
    store.audit.log(
        by,
        "call list saved",
        f"{dmy(calls.day)} {calls.session}",
        f"{len(calls.families)} calls: {path}",
    )
    return Path(path)


def call_attempts(store: Store, pupil_ids: list[int], day: date) -> dict[int, list[CaseworkEntry]]:
    """The calls logged on `day` for each pupil, earliest first (Today shows who was tried, when,
    and what happened, on the family's line)."""
    return {
        pid: [e for e in store.casework.for_pupil(pid) if e.kind == "call" and e.at.date() == day]
        for pid in pupil_ids
    }
