"""The targeted support meeting pack: the termly meeting with the named EWO about the pupils who are
persistently absent, at risk of it, or on a part-time timetable, with the school's own rates — stage,
unauthorised sessions, contacts made, barriers, actions agreed, early help and the lead professional."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from attendance_desk.domain.calendar import academic_year_bounds, academic_year_of
from attendance_desk.domain.figures import Figures
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.records import Meeting, Plan, SchoolSettings
from attendance_desk.domain.roles import Permission
from attendance_desk.domain.support_map import SupportMap
from attendance_desk.domain.tsm import TsmPack, TsmRow, TsmSummary
from attendance_desk.presentation import dmy, percent
from attendance_desk.services.figures import summarise
from attendance_desk.services.meetings import KINDS, PLAN_KINDS
from attendance_desk.services.school import ServiceError, support_map
from attendance_desk.services.stages import PupilStage, stage_overview
from attendance_desk.services.users import authorize
from attendance_desk.store.db import Store

PART_TIME_CODE = "C2"  # leave of absence: part-time timetable (2024 Regulations)
RULES = (
    "Persistently absent: absence of 10% or more of the pupil's possible sessions this academic year "
    "(severe: 50% or more).",
    "At risk: not persistently absent, but absence of 5% or more and under 10% (attendance of 95% or less and above "
    "90%), or a threshold of the school's support map crossed.",
    f"Part-time timetable: a part-time timetable recorded for the period, or one or more sessions coded "
    f"{PART_TIME_CODE} in it.",
    'Figures are for the part of the period each pupil was on roll, rounded to one decimal place; "incomplete" '
    "marks a pupil with sessions that have no mark yet. Pupils who have left are not listed.",
    "Lead professional: the pupil's social worker where one is recorded, otherwise the school's attendance lead "
    "(or the named EWO) from the school's settings. Actions agreed: from the pupil's latest meeting and "
    "their current parenting contract or plan.",
)


def _persistent_reason(f: Figures) -> str:
    if f.severe:
        return f"Severe absence: {percent(f.absence_pct)} (50% or more)"
    return f"Persistent absence: {percent(f.absence_pct)}"


def _at_risk_reasons(f: Figures, state: PupilStage, ladder: SupportMap) -> list[str]:
    """Why a pupil who is not persistently absent is at risk of it (exact fractions, never the
    rounded figure)."""
    reasons = []
    if f.possible and f.absent * 20 >= f.possible:  # 5 % or more (and under 10 %: not persistent)
        reasons.append(f"Absence {percent(f.absence_pct)}: 5% to under 10%")
    reached = ladder.reached(f, state.adjustment)
    if reached is not None:
        reasons.append(
            f"Threshold crossed for {reached.name} ({ladder.describe(ladder.measure_value(f))})"
        )
    return reasons


def lead_professional(pupil: Pupil, school: SchoolSettings) -> str:
    """A person: the social worker (the lead professional for a child with a CIN or CP plan), else the
    school's attendance lead or named EWO as the school has recorded them; never a login name."""
    if pupil.social_worker.strip():
        return f"{pupil.social_worker.strip()}, social worker"
    if school.attendance_lead.strip():
        return f"{school.attendance_lead.strip()}, attendance lead"
    if school.named_ewo.strip():
        return f"{school.named_ewo.strip()}, named EWO"
    return "not recorded"


def _labelled(*parts: tuple[str, str]) -> str:
    return "\n".join(f"{label}: {text.strip()}" for label, text in parts if text.strip())


def _meeting_actions(m: Meeting) -> str:
    if m.kind == "review":
        return m.decision.strip() and f"Decision: {m.decision.strip()}"
    return _labelled(
        ("Parent", m.actions_parent), ("School", m.actions_school), ("Others", m.actions_others)
    )


def actions_agreed(meetings: list[Meeting], plans: list[Plan], today: date) -> str:
    """What was last agreed, newest first: the latest meeting that recorded actions, the decision of a
    later review of it, and the parenting contract or plan running on `today` (or the latest, if it
    began after that meeting)."""
    held = [m for m in meetings if m.held_on <= today]
    parts: list[tuple[date, str]] = []

    def add(m: Meeting) -> None:
        parts.append(
            (m.held_on, f"{KINDS.get(m.kind, m.kind)}, {dmy(m.held_on)}\n{_meeting_actions(m)}")
        )

    meeting = next((m for m in reversed(held) if m.kind != "review" and _meeting_actions(m)), None)
    review = next((m for m in reversed(held) if m.kind == "review" and _meeting_actions(m)), None)
    if meeting:
        add(meeting)
    if review and (meeting is None or review.held_on >= meeting.held_on):
        add(review)
    since = max((d for d, _ in parts), default=None)
    started = [p for p in plans if p.starts <= today]
    plan = next((p for p in reversed(started) if p.ends >= today), started[-1] if started else None)
    if plan and (plan.ends >= today or since is None or plan.starts > since):
        text = _labelled(
            ("Parent", plan.parent_commitments),
            ("School", plan.school_support),
            ("Agencies", plan.agency_support),
        )
        parts.append(
            (
                plan.starts,
                f"{PLAN_KINDS.get(plan.kind, plan.kind)} from {dmy(plan.starts)} "
                f"(review {dmy(plan.review_date)})\n{text}",
            )
        )
    parts.sort(key=lambda p: p[0], reverse=True)
    return "\n\n".join(text for _, text in parts) or "none recorded"


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        if item.strip():
            seen.setdefault(item.strip(), None)
    return list(seen)


def _row(
    store: Store,
    state: PupilStage,
    group: str,
    reasons: list[str],
    school: SchoolSettings,
    today: date,
) -> TsmRow:
    f, pupil = state.figures.figures, state.figures.pupil
    casework = [e for e in store.casework.for_pupil(pupil.id) if e.at.date() <= today]
    reached = [e for e in casework if e.contact_made]
    meetings = [m for m in store.meetings.meetings(pupil.id) if m.held_on <= today]
    plans = store.meetings.plans(pupil.id)
    barriers = _unique(m.barriers for m in reversed(meetings))
    early = [f"{dmy(e.at)}: {e.outcome}" for e in casework if e.kind == "early_help"]
    stage = (
        state.current.name
        if state.current
        else ("staged process closed" if state.closed else "no stage")
    )
    return TsmRow(
        upn=pupil.upn,
        name=pupil.name,
        reg_group=pupil.reg_group,
        group=group,
        reasons=tuple(reasons),
        attendance_pct=f.attendance_pct,
        absence_pct=f.absence_pct,
        unauthorised=f.unauthorised,
        missing=f.missing,
        severe=f.severe,
        stage=stage,
        contacts_made=len(reached),
        last_contact=reached[-1].at.date() if reached else None,
        barriers="; ".join(barriers) or "not yet recorded",
        actions_agreed=actions_agreed(meetings, plans, today),
        early_help="\n".join(early) or "none recorded",
        lead_professional=lead_professional(pupil, school),
    )


def tsm_pack(store: Store, today: date) -> TsmPack:
    """Everything the pack shows, as at `today`: figures over this academic year to `today`."""
    school = store.settings.school()
    ladder = support_map(store)
    start = academic_year_bounds(academic_year_of(today))[0]
    states = stage_overview(store, today)
    whole = summarise("Whole school", [s.figures for s in states])
    part_time: dict[int, list[date]] = {}
    for pid, day, _ in store.marks.with_codes(start, today, [PART_TIME_CODE]):
        part_time.setdefault(pid, []).append(day)
    from attendance_desk.services.part_time import la_to_be_told, part_time_pupils

    timetables = part_time_pupils(store, start, today)  # recorded timetables (services/part_time)
    order = {"persistent": 0, "at_risk": 1, "part_time": 2}
    listed = []
    for state in states:
        f, pupil = state.figures.figures, state.figures.pupil
        if state.left:  # not on roll on the day of the pack
            continue
        c2 = sum(1 for day in part_time.get(pupil.id, ()) if pupil.on_roll(day))
        reasons, group = [], None
        if f.persistent:
            reasons.append(_persistent_reason(f))
            group = "persistent"
        else:
            risk = _at_risk_reasons(f, state, ladder)
            if risk:
                reasons += risk
                group = "at_risk"
        timetable = timetables.get(pupil.id)
        if timetable:
            review = (
                f"ended {dmy(timetable.ends)}"
                if timetable.ends
                else f"review {dmy(timetable.review_on)}"
                + (" (overdue)" if timetable.review_on < today else "")
            )
            reasons.append(
                f"Part-time timetable from {dmy(timetable.starts)} ({timetable.reason}); {review}"
                + (
                    "; local authority not yet told"
                    if not timetable.la_notified_on and la_to_be_told(store)
                    else ""
                )
            )
        if c2:
            reasons.append(
                f"Part-time timetable: {c2} session{'s' if c2 != 1 else ''} coded {PART_TIME_CODE}"
            )
        if c2 or timetable:
            group = group or "part_time"
        if group:
            exact = f.attendance_fraction
            listed.append(
                (
                    (order[group], exact is None, exact or 0, pupil.name),
                    _row(store, state, group, reasons, school, today),
                )
            )
    listed.sort(key=lambda item: item[0])
    summary = TsmSummary(
        attendance_pct=whole.figures.attendance_pct,
        persistent=whole.persistent,
        persistent_pct=whole.persistent_pct,
        severe=whole.severe,
        severe_pct=whole.severe_pct,
        pupils=whole.pupils,
        on_roll=whole.on_roll,
        incomplete=whole.incomplete,
    )
    return TsmPack(
        school=school.name,
        start=start,
        end=today,
        summary=summary,
        rows=[row for _, row in listed],
        rules=RULES,
        attendance_lead=school.attendance_lead.strip(),
        named_ewo=school.named_ewo.strip(),
    )


def make_tsm_pack(
    store: Store, today: date, out_pdf: Path, out_xlsx: Path | None = None, by: str = ""
) -> int:
    """Write the pack (and the workbook with the same columns); audited. Returns the number of pupils listed."""
    from attendance_desk.documents.tsm import write_tsm_pdf
    from attendance_desk.exporters.tsm import write_tsm_xlsx

    authorize(store, by, Permission.LETTERS)
    pack = tsm_pack(store, today)
    if not pack.rows:
        raise ServiceError(
            "no pupil on roll is persistently absent, at risk of it or on a part-time timetable "
            "this year: nothing to discuss"
        )
    write_tsm_pdf(out_pdf, pack)
    if out_xlsx:
        write_tsm_xlsx(out_xlsx, pack)
    groups = {
        key: sum(r.group == key for r in pack.rows)
        for key in ("persistent", "at_risk", "part_time")
    }
    store.audit.log(
        by,
        "targeted support meeting pack made",
        "",
        f"{out_pdf}" + (f" and {out_xlsx}" if out_xlsx else "") + f"; {pack.period}; "
        f"{groups['persistent']} persistently absent, {groups['at_risk']} at risk, "
        f"{groups['part_time']} part-time only; school PA rate {percent(pack.summary.persistent_pct)}",
    )
    return len(pack.rows)
