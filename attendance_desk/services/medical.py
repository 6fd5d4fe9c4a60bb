"""Medical evidence: what was received, from whom, dated and covering which days; illness marks (I)
it covers are shown as evidenced. From stage 2 of the support map onwards an illness absence without
evidence is not authorised silently: it is flagged for the attendance lead, who keeps it as I (with
the reason) or recodes it O through the register's amendment path, with the history and the audit.

Sources: DfE, Working together to improve school attendance (2024): schools should not usually need
to ask for medical evidence, but may where there are concerns or a pattern of absence, and record
illness as unauthorised (O) where they are not satisfied it is genuine; the school's policy (stage 2
letters say further illness will not be authorised without medical evidence; domain/referral.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from attendance_desk.domain.calendar import academic_year_bounds, academic_year_of
from attendance_desk.domain.pastoral import (
    ILLNESS_CODE,
    UNAUTHORISED_INSTEAD,
    IllnessDecision,
    MedicalEvidence,
)
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.records import CaseworkEntry
from attendance_desk.domain.roles import Permission
from attendance_desk.presentation import dmy, weekday_dmy
from attendance_desk.services.marks import amend_mark, find_pupil
from attendance_desk.services.school import ServiceError, support_map
from attendance_desk.services.users import authorize
from attendance_desk.store.db import Store

KIND = "medical"
FLAG_FROM_STAGE = 2  # the support map's second step onwards


def _entry(store: Store, pupil_id: int, day: date, by: str, outcome: str, notes: str) -> None:
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


def record_evidence(
    store: Store,
    upn: str,
    *,
    what: str,
    from_whom: str,
    dated: date,
    covers_from: date,
    covers_to: date | None,
    by: str,
    received_on: date,
    today: date,
    notes: str = "",
) -> MedicalEvidence:
    """Record medical evidence received. Refused when it says nothing (what, from whom), covers no
    days, is dated after it was received, or was received in the future."""
    authorize(store, by, Permission.CASEWORK)
    pupil = find_pupil(store, upn)
    covers_to = covers_to or covers_from
    problems = []
    if len(what.split()) < 2:
        problems.append("say what the evidence is (e.g. 'GP letter', 'appointment card')")
    if len(from_whom.split()) < 2:
        problems.append("say who it is from (e.g. 'Dr Patel, Northbridge Surgery')")
    if covers_to < covers_from:
        problems.append(
            f"it cannot cover {dmy(covers_from)} to {dmy(covers_to)}: the end is before the start"
        )
    if received_on > today:
        problems.append(
            f"it cannot have been received on {dmy(received_on)}: that is in the future"
        )
    if dated > received_on:
        problems.append(
            f"it is dated {dmy(dated)}, after the day it was received ({dmy(received_on)})"
        )
    if problems:
        raise ServiceError("refused: " + "; ".join(problems))
    evidence = MedicalEvidence(
        None,
        pupil.id,
        received_on,
        " ".join(what.split()),
        " ".join(from_whom.split()),
        dated,
        covers_from,
        covers_to,
        notes.strip(),
        by,
    )
    with store.write():
        evidence = replace(evidence, id=store.pastoral.add_evidence(evidence))
        covered = len(
            [
                m
                for m in store.marks.for_pupil(pupil.id, covers_from, covers_to)
                if m.code == ILLNESS_CODE
            ]
        )
        _entry(
            store,
            pupil.id,
            received_on,
            by,
            "Medical evidence received",
            f"{evidence.text()}; {covered} illness session{'s' if covered != 1 else ''} covered",
        )
        store.audit.log(by, "medical evidence recorded", pupil.upn, evidence.text())
    return evidence


def stage2_since(store: Store, pupil_id: int, today: date) -> date | None:
    """The day the pupil's open staged process reached the support map's second step (or beyond),
    or None if it is not there now."""
    ladder = support_map(store)
    keys = [s.key for s in ladder.stages]
    since, position = None, 0
    for e in sorted(store.stages.events(pupil_id), key=lambda e: (e.on, e.id)):
        if e.on > today:
            break
        if e.event in ("entered", "reopened") and e.stage_key:
            key = ladder.stage_or_earlier(e.stage_key).key
            position = keys.index(key) + 1 if key in keys else 0
            if position >= FLAG_FROM_STAGE and since is None:
                since = e.on
            elif position < FLAG_FROM_STAGE:
                since = None
        elif e.event == "closed":
            since, position = None, 0
    return since


@dataclass(frozen=True)
class IllnessSession:
    pupil: Pupil
    day: date
    session: str
    evidence: MedicalEvidence | None
    decision: IllnessDecision | None
    flagged: bool  # at stage 2 or beyond on the day, no evidence, no decision yet

    def text(self) -> str:
        head = f"{weekday_dmy(self.day)} {self.session}"
        if self.evidence:
            return f"{head}: evidenced ({self.evidence.text()})"
        if self.decision:
            return (
                f"{head}: no evidence; {self.decision.by_user} decided {self.decision.decision}: "
                f"{self.decision.reason}"
            )
        if self.flagged:
            return f"{head}: no medical evidence (stage 2 or beyond): for the attendance lead to decide, I or O"
        return f"{head}: no medical evidence"


def illness_sessions(
    store: Store, pupil: Pupil, start: date, end: date, today: date
) -> list[IllnessSession]:
    """The pupil's illness sessions (I) in [start, end] with their evidence, decision and flag; a
    session the lead recoded O is listed with its decision."""
    evidence = store.pastoral.evidence([pupil.id])
    decisions = {(d.day, d.session): d for d in store.pastoral.decisions([pupil.id])}
    since = stage2_since(store, pupil.id, today)
    result = []
    for mark in store.marks.for_pupil(pupil.id, start, end):
        decision = decisions.get((mark.date, mark.session))
        if mark.code != ILLNESS_CODE and not decision:
            continue
        covering = next((e for e in evidence if e.covers(mark.date)), None)
        flagged = (
            mark.code == ILLNESS_CODE
            and covering is None
            and decision is None
            and since is not None
            and mark.date >= since
        )
        result.append(IllnessSession(pupil, mark.date, mark.session, covering, decision, flagged))
    return result


def illness_notes(store: Store, pupil_id: int, start: date, end: date, today: date) -> dict:
    """(day, session) -> one line for the register's tooltip and the pupil screen's heat map."""
    pupil = store.pupils.by_id(pupil_id)
    return {
        (s.day, s.session): s.text().split(": ", 1)[1]
        for s in illness_sessions(store, pupil, start, end, today)
    }


def flagged_illness(store: Store, today: date) -> list[IllnessSession]:
    """Every illness session this school year, of a pupil now at stage 2 or beyond, with no evidence
    covering it and no decision yet: the attendance lead's list."""
    start = academic_year_bounds(academic_year_of(today))[0]
    pupils = {p.id: p for p in store.pupils.all()}
    ids = {e.pupil_id for e in store.stages.events()}
    result = []
    for pid in sorted(ids):
        if pid in pupils and stage2_since(store, pid, today):
            result += [
                s for s in illness_sessions(store, pupils[pid], start, today, today) if s.flagged
            ]
    result.sort(key=lambda s: (s.day, s.session, s.pupil.surname))
    return result


def decide_illness(
    store: Store,
    upn: str,
    day: date,
    session: str,
    decision: str,
    reason: str,
    by: str,
    today: date,
) -> IllnessSession:
    """The attendance lead's decision on an illness absence without evidence: keep it as I (the reason
    is recorded), or recode it O through the register's amendment (history and audit kept)."""
    authorize(store, by, Permission.CASEWORK)
    pupil = find_pupil(store, upn)
    decision = decision.strip().upper()
    if decision not in (ILLNESS_CODE, UNAUTHORISED_INSTEAD):
        raise ServiceError("decide I (authorise the illness) or O (unauthorised: not accepted)")
    if len(reason.split()) < 3:
        raise ServiceError("give the reason for the decision (a few words at least)")
    mark = store.marks.get(pupil.id, day, session)
    if mark is None or mark.code != ILLNESS_CODE:
        raise ServiceError(
            f"{pupil.name} has no illness mark (I) on {dmy(day)} {session}"
            + (f": the mark is {mark.code}" if mark else "")
        )
    covering = next((e for e in store.pastoral.evidence([pupil.id]) if e.covers(day)), None)
    if covering:
        raise ServiceError(f"that session is covered by medical evidence: {covering.text()}")
    record = IllnessDecision(None, pupil.id, day, session, decision, " ".join(reason.split()), by)
    with store.write():
        if decision == UNAUTHORISED_INSTEAD:
            amend_mark(
                store,
                upn,
                day,
                session,
                UNAUTHORISED_INSTEAD,
                f"illness not authorised without medical evidence: {record.reason}",
                by,
            )
        record = replace(record, id=store.pastoral.add_decision(record))
        what = "kept as illness (I)" if decision == ILLNESS_CODE else "recoded O (unauthorised)"
        _entry(
            store,
            pupil.id,
            today,
            by,
            f"Illness on {dmy(day)} {session} without medical evidence: {what}",
            record.reason,
        )
        store.audit.log(
            by,
            "illness without evidence decided",
            pupil.upn,
            f"{dmy(day)} {session}: {what}; {record.reason}",
        )
    return IllnessSession(pupil, day, session, None, record, False)


def evidence_lines(
    store: Store, pupil: Pupil, today: date
) -> tuple[list[str], list[str], list[str]]:
    """For the referral pack: the evidence received, the decisions taken, and the flagged sessions
    still waiting for a decision (this school year, up to `today`)."""
    start = academic_year_bounds(academic_year_of(today))[0]
    evidence = [e.text() for e in store.pastoral.evidence([pupil.id]) if e.received_on <= today]
    sessions = illness_sessions(store, pupil, start - timedelta(days=0), today, today)
    decided = [s.text() for s in sessions if s.decision]
    waiting = [
        f"{weekday_dmy(s.day)} {s.session}: illness (I) without medical evidence at stage 2 or beyond, "
        "not yet decided (keep it as I or recode it O: medical decide)"
        for s in sessions
        if s.flagged
    ]
    return evidence, decided, waiting


def pupil_illness(store: Store, upn: str, today: date) -> tuple[Pupil, list[IllnessSession]]:
    """A pupil's illness sessions this school year to `today`, with evidence, decision and flag."""
    pupil = find_pupil(store, upn)
    start = academic_year_bounds(academic_year_of(today))[0]
    return pupil, illness_sessions(store, pupil, start, today, today)
