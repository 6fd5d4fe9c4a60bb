"""School Attendance Meetings, their reviews (was the target met? worked out from the register) and
parenting contracts / attendance improvement plans."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

from attendance_desk.domain.people import Pupil
from attendance_desk.domain.records import CaseworkEntry, Meeting, Plan
from attendance_desk.domain.roles import Permission
from attendance_desk.presentation import dmy, dmy_hm
from attendance_desk.services.as_at import check_event_date, event_audit_detail
from attendance_desk.services.figures import pupil_figures
from attendance_desk.services.marks import find_pupil
from attendance_desk.services.school import ServiceError, school_calendar
from attendance_desk.services.users import authorize
from attendance_desk.store.db import Store

KINDS = {
    "sam": "School Attendance Meeting",
    "review": "Review meeting",
    "planning": "Attendance planning meeting",
}
PLAN_KINDS = {
    "parenting_contract": "Parenting contract",
    "improvement_plan": "Attendance improvement plan",
}
REVIEW_WEEKS = (4, 6)  # reviews 4 to 6 weeks on (DfE guidance and LA practice)


def _check_target(target_pct: float | None) -> None:
    if target_pct is not None and not 0 < target_pct <= 100:
        raise ServiceError(
            f"a target is an attendance percentage between 0 and 100, not {target_pct:g}"
        )


def _check_review(weeks: int) -> None:
    if not REVIEW_WEEKS[0] <= weeks <= REVIEW_WEEKS[1]:
        raise ServiceError(
            f"the review should be {REVIEW_WEEKS[0]} to {REVIEW_WEEKS[1]} weeks on, not {weeks}"
        )


def _chronology(
    store: Store,
    pupil_id: int,
    day: date,
    by: str,
    what: str,
    with_whom: str,
    notes: str,
    late_reason: str = "",
) -> None:
    store.casework.add(
        CaseworkEntry(
            None,
            pupil_id,
            datetime.combine(day, time(12, 0)).astimezone(),
            "meeting",
            by,
            with_whom,
            None,
            what,
            True,
            notes,
            late_reason=late_reason,
        )
    )


def school_day_from(store: Store, day: date) -> date:
    """The first school day on or after `day`: a review four to six weeks on must not fall in a
    holiday (six weeks from 20 November is New Year's Day). With no terms entered for that year,
    the next weekday."""
    calendar = school_calendar(store, day, day + timedelta(days=60))
    for offset in range(60):
        candidate = day + timedelta(days=offset)
        if calendar.has_terms_for(candidate):
            if calendar.is_school_day(candidate):
                return candidate
        elif candidate.weekday() < 5:
            return candidate
    return day


def record_meeting(
    store: Store,
    upn: str,
    kind: str,
    held_on: date,
    by: str,
    *,
    attendees: str = "",
    parent_attended: bool = False,
    barriers: str = "",
    pupil_voice: str = "",
    actions_parent: str = "",
    actions_school: str = "",
    actions_others: str = "",
    target_pct: float | None = None,
    review_weeks: int = 6,
    today: date | None = None,
    late_reason: str = "",
) -> Meeting:
    """`held_on` is the day the meeting took place: not in the future, and with `late_reason` when it is
    recorded more than a fortnight after `today` (the day it is recorded; the real date if not given)."""
    authorize(store, by, Permission.CASEWORK)
    pupil = find_pupil(store, upn)
    if kind not in ("sam", "planning"):
        raise ServiceError(
            "record a School Attendance Meeting ('sam') or a planning meeting; reviews follow a meeting"
        )
    late_reason = check_event_date(held_on, today, late_reason, "the meeting")
    _check_target(target_pct)
    _check_review(review_weeks)
    review = school_day_from(store, held_on + timedelta(weeks=review_weeks))
    meeting = Meeting(
        None,
        pupil.id,
        kind,
        held_on,
        attendees,
        parent_attended,
        barriers,
        pupil_voice,
        actions_parent,
        actions_school,
        actions_others,
        target_pct,
        held_on + timedelta(days=1) if target_pct else None,
        review if target_pct else None,
        review,
        by_user=by,
        late_reason=late_reason,
    )
    with store.write():
        meeting = replace(meeting, id=store.meetings.add_meeting(meeting))
        outcome = KINDS[kind] + (
            "" if parent_attended else " (parent did not attend: held in their absence)"
        )
        _chronology(
            store,
            pupil.id,
            held_on,
            by,
            outcome,
            attendees,
            f"Target {target_pct:g}% by {dmy(review)}" if target_pct else f"Review {dmy(review)}",
            late_reason,
        )
        store.audit.log(
            by,
            "meeting recorded",
            pupil.upn,
            f"{KINDS[kind]} {meeting.id}; {event_audit_detail(held_on, late_reason)}",
        )
    return meeting


def review_meeting(
    store: Store,
    meeting_id: int,
    held_on: date,
    by: str,
    decision: str,
    *,
    attendees: str = "",
    parent_attended: bool = False,
    pupil_voice: str = "",
    today: date | None = None,
    late_reason: str = "",
) -> Meeting:
    """Record the review of a meeting: whether its target was met is worked out from the register, up to
    the day of the review."""
    authorize(store, by, Permission.CASEWORK)
    original = store.meetings.meeting(meeting_id)
    if original is None:
        raise ServiceError(f"no meeting {meeting_id}")
    if not decision.strip():
        raise ServiceError("record the decision taken at the review")
    late_reason = check_event_date(held_on, today, late_reason, "the review")
    if held_on < original.held_on:
        raise ServiceError(
            f"a review cannot be held ({dmy(held_on)}) before the meeting it reviews "
            f"({dmy(original.held_on)})"
        )
    achieved = met = None
    if original.target_pct is not None and original.target_from and original.target_to:
        pupil = store.pupils.by_id(original.pupil_id)
        end = min(original.target_to, held_on)
        rows = (
            pupil_figures(store, original.target_from, end, pupils=[pupil])
            if end >= original.target_from
            else []
        )
        achieved = rows[0].figures.attendance_pct if rows else None
        met = achieved is not None and achieved >= original.target_pct
    review = Meeting(
        None,
        original.pupil_id,
        "review",
        held_on,
        attendees,
        parent_attended,
        pupil_voice=pupil_voice,
        target_pct=original.target_pct,
        target_from=original.target_from,
        target_to=original.target_to,
        reviews_meeting_id=original.id,
        target_met=met,
        attendance_achieved=achieved,
        decision=decision.strip(),
        by_user=by,
        late_reason=late_reason,
    )
    with store.write():
        review = replace(review, id=store.meetings.add_meeting(review))
        result = (
            "no target set"
            if met is None
            else (
                f"target met ({achieved:.1f}%)"
                if met
                else f"target not met ({achieved if achieved is not None else 0:.1f}%)"
            )
        )
        _chronology(
            store,
            original.pupil_id,
            held_on,
            by,
            f"Review: {result}",
            attendees,
            decision.strip(),
            late_reason,
        )
        store.audit.log(
            by,
            "review recorded",
            store.pupils.by_id(original.pupil_id).upn,
            f"review {review.id} of meeting {original.id}; {event_audit_detail(held_on, late_reason)}",
        )
    return review


def record_plan(
    store: Store,
    upn: str,
    kind: str,
    by: str,
    *,
    parent_commitments: str,
    school_support: str,
    agency_support: str = "",
    target_pct: float | None = None,
    starts: date,
    review_weeks: int = 6,
    weeks: int = 12,
) -> Plan:
    """A parenting contract (s.19 Anti-social Behaviour Act 2003) must state what the parent agrees to do and
    the support the school (and others) will give."""
    authorize(store, by, Permission.CASEWORK)
    pupil = find_pupil(store, upn)
    if kind not in PLAN_KINDS:
        raise ServiceError(f"a plan is one of: {', '.join(PLAN_KINDS)}")
    if not parent_commitments.strip() or not school_support.strip():
        raise ServiceError(
            "a contract needs both the parent's statement and the school's statement of support"
        )
    _check_target(target_pct)
    _check_review(review_weeks)
    if weeks < review_weeks:
        raise ServiceError("the plan should run at least until its review")
    plan = Plan(
        None,
        pupil.id,
        kind,
        parent_commitments.strip(),
        school_support.strip(),
        agency_support.strip(),
        target_pct,
        starts,
        school_day_from(store, starts + timedelta(weeks=review_weeks)),
        starts + timedelta(weeks=weeks),
        by,
    )
    with store.write():
        plan = replace(plan, id=store.meetings.add_plan(plan))
        _chronology(
            store,
            pupil.id,
            starts,
            by,
            f"{PLAN_KINDS[kind]} agreed",
            "",
            f"Review {dmy(plan.review_date)}",
        )
        store.audit.log(
            by, "plan recorded", pupil.upn, f"{PLAN_KINDS[kind]} {plan.id} from {dmy(starts)}"
        )
    return plan


CONTACT_KINDS = {
    "home_visit": "Home visit",
    "text": "Text message",
    "email": "E-mail",
    "call": "Telephone call",
    "early_help": "Early help / referral to another service",
    "note": "Note",
    # the referral table asks for these; recorded as dated entries by the person who assessed or spoke
    "impact": "Impact of the absence on the child",
    "lead_professional": "Discussion with the lead professional (social worker)",
}


def record_contact(
    store: Store,
    upn: str,
    kind: str,
    by: str,
    *,
    at: datetime,
    with_whom: str = "",
    outcome: str = "",
    contact_made: bool = False,
    notes: str = "",
    today: date | None = None,
    late_reason: str = "",
) -> int:
    """Any other contact with the family for the chronology: home visits, texts, e-mails, early help.
    `at` is when it happened (not in the future; more than a fortnight before `today` needs `late_reason`);
    when and by whom it was entered are kept as well."""
    authorize(store, by, Permission.CASEWORK)
    pupil = find_pupil(store, upn)
    if kind not in CONTACT_KINDS:
        raise ServiceError(f"a contact is one of: {', '.join(CONTACT_KINDS)}")
    if not (outcome.strip() or notes.strip()):
        raise ServiceError("record what happened (outcome or notes)")
    if at.tzinfo is None:
        at = at.astimezone()
    if at > datetime.now().astimezone() + timedelta(minutes=5):
        raise ServiceError(
            f"a {CONTACT_KINDS[kind].lower()} cannot be dated {dmy_hm(at)}: that is in the future"
        )
    late_reason = check_event_date(
        at.date(), today, late_reason, f"the {CONTACT_KINDS[kind].lower()}"
    )
    with store.write():
        entry_id = store.casework.add(
            CaseworkEntry(
                None,
                pupil.id,
                at,
                kind,
                by,
                with_whom,
                None,
                outcome.strip() or CONTACT_KINDS[kind],
                contact_made,
                notes.strip(),
                late_reason=late_reason,
            )
        )
        store.audit.log(
            by,
            "contact recorded",
            pupil.upn,
            f"{CONTACT_KINDS[kind]}; {event_audit_detail(at, late_reason)}",
        )
    return entry_id


def meetings_of(store: Store, upn: str) -> list[tuple[Meeting, Pupil]]:
    """A pupil's meetings and reviews, oldest first, each with the pupil."""
    pupil = find_pupil(store, upn)
    return [(m, pupil) for m in store.meetings.meetings(pupil.id)]


def reviews_due(store: Store, on_or_before: date) -> list[tuple[Meeting, Pupil]]:
    """Meetings whose review falls on or before the day and has not been held, with their pupil."""
    due = []
    for m in store.meetings.reviews_due(on_or_before):
        pupil = store.pupils.by_id(m.pupil_id)
        if pupil is not None:  # removing a pupil removes their meetings: never None in practice
            due.append((m, pupil))
    return due
