"""Documents on the letterhead from the casework records: a parenting contract to sign, the minutes
of a School Attendance Meeting or review, and a home-visit record to take on a visit. The wording is
in letter_templates/forms/ and can be edited like the letters."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from attendance_desk.documents.letters import Letterhead, form_pdf
from attendance_desk.documents.templates import TemplateProblem, render_template
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.roles import Permission
from attendance_desk.presentation import dmy
from attendance_desk.services.as_at import figures_as_at, recorded_later
from attendance_desk.services.meetings import KINDS, PLAN_KINDS
from attendance_desk.services.school import ServiceError
from attendance_desk.services.school_documents import form_sources, logo_image
from attendance_desk.services.users import authorize
from attendance_desk.store.db import Store


def _base(store: Store, pupil: Pupil, as_at: date) -> dict:
    """What every form says about the school and the pupil, with the figures as they stood on `as_at`
    (the day of the meeting, the start of the plan, today for a blank form)."""
    school = store.settings.school()
    return {
        "school": {
            k: getattr(school, k)
            for k in (
                "name",
                "address",
                "phone",
                "local_authority",
                "head_teacher",
                "attendance_lead",
                "named_ewo",
            )
        },
        "pupil": {
            "name": pupil.name,
            "legal_name": pupil.legal_name,
            "forename": pupil.preferred_name or pupil.forename,
            "dob": dmy(pupil.dob),
            "reg_group": pupil.reg_group,
            "upn": pupil.upn,
        },
        "figures": figures_as_at(store, pupil, as_at).as_context(),
    }


def _write(
    store: Store,
    name: str,
    context: dict,
    out: Path,
    signatures: list[str],
    pupil: Pupil,
    by: str = "",
) -> Path:
    school = store.settings.school()
    try:
        rendered = render_template(name, context, sources=form_sources(store))
    except TemplateProblem as exc:
        raise ServiceError(str(exc)) from None
    form_pdf(
        out,
        Letterhead(
            school.name, school.address, school.phone, school.email, logo_image(store) or ""
        ),
        rendered,
        signatures,
        f"{school.name} — {pupil.legal_name} (UPN {pupil.upn}) — confidential",
    )
    store.audit.log(by, f"document made: {name.replace('_', ' ')}", pupil.upn, str(out))
    return out


def contract_document(store: Store, plan_id: int, out: Path, today: date, by: str = "") -> Path:
    authorize(store, by, Permission.LETTERS)
    plan = store.meetings.plan(plan_id)
    if plan is None:
        raise ServiceError(f"no plan {plan_id}")
    pupil = store.pupils.by_id(plan.pupil_id)
    contacts = store.contacts.for_pupils([pupil.id]).get(pupil.id, [])
    parents = [c.name for c in contacts if c.parental_responsibility] or [
        c.name for c in contacts[:1]
    ]
    context = _base(store, pupil, min(plan.starts, today)) | {
        "parents": " and ".join(parents) or "the parent(s)",
        "plan": {
            "title": PLAN_KINDS[plan.kind],
            "parent_commitments": plan.parent_commitments,
            "school_support": plan.school_support,
            "agency_support": plan.agency_support,
            "target_pct": f"{plan.target_pct:g}" if plan.target_pct else "",
            "starts": dmy(plan.starts),
            "review_date": dmy(plan.review_date),
            "ends": dmy(plan.ends),
        },
    }
    school = store.settings.school()
    # a contract is signed by both sides: a line for the parent even when none is recorded yet
    signatures = ([f"{name} (parent)" for name in parents] or ["Parent/carer"]) + [
        f"{school.attendance_lead or school.head_teacher} (for the school)"
    ]
    return _write(store, "parenting_contract", context, out, signatures, pupil, by)


def minutes_document(store: Store, meeting_id: int, out: Path, today: date, by: str = "") -> Path:
    authorize(store, by, Permission.LETTERS)
    meeting = store.meetings.meeting(meeting_id)
    if meeting is None:
        raise ServiceError(f"no meeting {meeting_id}")
    pupil = store.pupils.by_id(meeting.pupil_id)
    outcome = (
        ""
        if meeting.target_met is None
        else (
            f"target {'met' if meeting.target_met else 'not met'} (attendance {meeting.attendance_achieved:.1f}%)"
            if meeting.attendance_achieved is not None
            else "no sessions in the target period yet"
        )
    )
    # the figures as they stood on the day of the meeting, whatever has been marked since
    review = None
    earlier = (
        store.meetings.meeting(meeting.reviews_meeting_id) if meeting.reviews_meeting_id else None
    )
    if (
        earlier is not None
    ):  # a review: what Halton asks a review to record, against the meeting it reviews
        review = {
            "held_on": dmy(earlier.held_on),
            "title": KINDS[earlier.kind],
            "figures": figures_as_at(store, pupil, earlier.held_on).as_context(),
            "actions_parent": earlier.actions_parent,
            "actions_school": earlier.actions_school,
            "actions_others": earlier.actions_others,
            "parent_attended_then": earlier.parent_attended,
            "target_pct": f"{earlier.target_pct:g}" if earlier.target_pct else "",
            "target_from": dmy(earlier.target_from),
            "target_to": dmy(earlier.target_to),
        }
    context = _base(store, pupil, meeting.held_on) | {
        "review": review,
        "meeting": {
            "title": KINDS[meeting.kind],
            "held_on": dmy(meeting.held_on),
            "attendees": meeting.attendees,
            "parent_attended": meeting.parent_attended,
            "barriers": meeting.barriers,
            "pupil_voice": meeting.pupil_voice,
            "actions_parent": meeting.actions_parent,
            "actions_school": meeting.actions_school,
            "actions_others": meeting.actions_others,
            "target_pct": f"{meeting.target_pct:g}" if meeting.target_pct else "",
            "target_from": dmy(meeting.target_from),
            "target_to": dmy(meeting.target_to),
            "review_date": dmy(meeting.review_date),
            "outcome": outcome,
            "decision": meeting.decision,
        },
    }
    return _write(store, "sam_minutes", context, out, ["Chair of the meeting", "Parent"], pupil, by)


def home_visit_record(store: Store, entry_id: int, out: Path, by: str = "") -> Path:
    """A home visit that was recorded, printed as a record (when, who visited, who was seen, what
    happened, what was said), with the figures as they stood on the day of the visit."""
    authorize(store, by, Permission.LETTERS)
    entry = store.casework.entry(entry_id)
    if entry is None or entry.kind != "home_visit":
        raise ServiceError(
            f"chronology entry {entry_id} is not a recorded home visit "
            "(`contact --kind home_visit` prints the entry's number)"
        )
    pupil = store.pupils.by_id(entry.pupil_id)
    later = recorded_later(entry.recorded_by, entry.recorded_at, entry.at, entry.late_reason)
    context = _base(store, pupil, entry.at.date()) | {
        "visit": {
            "at": f"{dmy(entry.at)} at {entry.at:%H:%M}",
            "by": entry.by_user,
            "with_whom": entry.with_whom,
            "seen": entry.contact_made,
            "outcome": entry.outcome,
            "notes": entry.notes,
            "recorded_later": later,
        }
    }
    return _write(store, "home_visit_record", context, out, ["Visiting officer"], pupil, by)


def home_visit_form(store: Store, upn: str, out: Path, today: date, by: str = "") -> Path:
    """A record to take on a home visit: it lists every contact's address and phone, so it needs the
    letters permission (attendance lead, head, administrator) and is audited."""
    authorize(store, by, Permission.LETTERS)
    from attendance_desk.services.marks import find_pupil

    pupil = find_pupil(store, upn)
    contacts = store.contacts.for_pupils([pupil.id]).get(pupil.id, [])
    addresses = [
        f"{c.name} ({c.relationship or 'contact'}): {c.address} {c.postcode}".strip()
        + (f", {', '.join(p.number for p in c.phones)}" if c.phones else "")
        for c in contacts
    ]
    context = _base(store, pupil, today) | {"addresses": addresses or ["none recorded"]}
    return _write(store, "home_visit", context, out, ["Visiting officer"], pupil, by)
