"""Penalty notices, as the local authority's code of conduct sets them: Notice to Improve → request
to the LA with its evidence (register extract, letters, meetings) → issued (LA reference, amounts
by the national rules) → paid / unpaid / withdrawn → prosecution referral. A case is one parent
and one pupil (notices are per parent per child). Rules and sources: domain/penalties.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from attendance_desk.domain.calendar import academic_year_bounds, academic_year_of
from attendance_desk.domain.calls import ContactForCalls
from attendance_desk.domain.codes import Category
from attendance_desk.domain.groups import sen_words
from attendance_desk.domain.penalties import (
    ENDED,
    STEPS,
    Amounts,
    amount_due,
    below_threshold,
    check_improvement_period,
    notice_amounts,
)
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.records import CaseworkEntry
from attendance_desk.domain.roles import ROLE_NAMES, Permission
from attendance_desk.presentation import dmy
from attendance_desk.services.as_at import check_event_date
from attendance_desk.services.figures import pupil_figures
from attendance_desk.services.marks import find_pupil
from attendance_desk.services.school import ServiceError, codes
from attendance_desk.services.users import authorize, role_of
from attendance_desk.store.db import Store
from attendance_desk.store.penalties import PenaltyStep

OVERRIDE_ROLES = ("lead", "head")


@dataclass(frozen=True)
class ThresholdFigures:
    """The penalty-notice measure for a pupil on a day, by the school's local settings."""

    most: int  # the most unauthorised sessions in any window of `weeks` school weeks this year
    latest: int  # in the last `weeks` school weeks up to the day
    threshold: int
    weeks: int
    window: str  # "09/09/2024 to 20/11/2024"

    @property
    def reached(self) -> bool:
        return self.most >= self.threshold

    def as_dict(self) -> dict:
        return {
            "most_in_window": self.most,
            "in_last_window": self.latest,
            "threshold": self.threshold,
            "weeks": self.weeks,
            "window": self.window,
        }


@dataclass(frozen=True)
class PenaltyCase:
    case_id: int
    pupil: Pupil
    parent: str
    steps: tuple[PenaltyStep, ...]

    @property
    def state(self) -> str:
        return self.steps[-1].step

    @property
    def issued(self) -> PenaltyStep | None:
        return next((s for s in self.steps if s.step == "issued"), None)

    def step(self, name: str) -> PenaltyStep | None:
        return next((s for s in reversed(self.steps) if s.step == name), None)

    @property
    def summary(self) -> str:
        parts = []
        for s in self.steps:
            text = f"{STEPS[s.step]} {dmy(s.occurred_on)}"
            if s.step == "notice_to_improve" and s.improvement_ends:
                text += f" (improve by {dmy(s.improvement_ends)})"
            if s.step == "issued":
                reduced = (
                    f", £{s.reduced_amount} by {dmy(s.reduced_by)}" if s.reduced_amount else ""
                )
                text += f" ref {s.la_reference}: £{s.amount} by {dmy(s.pay_by)}{reduced}"
            if s.step == "paid" and s.amount:
                text += f" (£{s.amount})"
            parts.append(text)
        return "; ".join(parts)


def threshold_figures(store: Store, pupil: Pupil, day: date) -> ThresholdFigures:
    from attendance_desk.services.letters import penalty_window

    start = academic_year_bounds(academic_year_of(day))[0]
    rows = pupil_figures(store, start, day, pupils=[pupil])
    window = penalty_window(store, day)
    row = rows[0] if rows else None
    return ThresholdFigures(
        row.max_unauthorised_local_window if row else 0,
        row.unauthorised_last_local_window if row else 0,
        row.local_threshold if row else 10,
        row.local_window_weeks if row else 10,
        f"{dmy(window[0])} to {dmy(window[1])}",
    )


def _check_threshold(store: Store, pupil: Pupil, day: date, by: str, override: str) -> dict:
    """The figures, or a refusal naming them; an attendance lead or the head teacher may go ahead
    with a reason, which travels with the step."""
    figures = threshold_figures(store, pupil, day)
    refusal = below_threshold(
        figures.most, figures.threshold, figures.weeks, figures.latest, figures.window
    )
    if refusal and not override.strip():
        raise ServiceError(
            f"{refusal}. An attendance lead or the head teacher may go ahead, giving the reason"
        )
    if refusal and store.users.any() and role_of(store, by) not in OVERRIDE_ROLES:
        who = ROLE_NAMES.get(role_of(store, by) or "", "not a user")
        raise ServiceError(
            f"{refusal}; only an attendance lead or the head teacher may go ahead ({by} is {who})"
        )
    result = figures.as_dict()
    if refusal:
        result["below_threshold_override"] = override.strip()
    return result


def _parents(store: Store, pupil: Pupil, parent: str | None) -> list[ContactForCalls]:
    contacts = store.contacts.for_pupils([pupil.id]).get(pupil.id, [])
    with_pr = [c for c in contacts if c.parental_responsibility]
    if parent:
        chosen = [c for c in with_pr if c.name.lower() == parent.strip().lower()]
        if not chosen:
            names = ", ".join(c.name for c in with_pr) or "none recorded"
            raise ServiceError(
                f"'{parent}' is not recorded with parental responsibility for {pupil.name} "
                f"(those who are: {names})"
            )
        return chosen
    if not with_pr:
        raise ServiceError(
            f"no one is recorded with parental responsibility for {pupil.name}: a penalty notice is "
            "issued to a parent; update the contacts first"
        )
    return with_pr


def _entry(store: Store, step: PenaltyStep, pupil: Pupil, by: str, outcome: str, notes: str):
    store.casework.add(
        CaseworkEntry(
            None,
            pupil.id,
            datetime.combine(step.occurred_on, time(12, 0)).astimezone(),
            "penalty",
            by,
            step.parent,
            step.contact_id,
            outcome,
            False,
            notes,
        )
    )


def _add(store: Store, step: PenaltyStep, pupil: Pupil, by: str, outcome: str, notes: str) -> int:
    step_id = store.penalties.add(step)
    _entry(store, step, pupil, by, outcome, notes)
    store.audit.log(
        by,
        f"penalty: {STEPS[step.step].lower()}",
        pupil.upn,
        f"case {step.case_id or step_id}, {step.parent}: {outcome}"
        + (f"; {notes}" if notes else ""),
    )
    return step_id


def notice_to_improve(
    store: Store,
    upn: str,
    day: date,
    ends: date,
    by: str,
    *,
    parent: str | None = None,
    override_reason: str = "",
    today: date | None = None,
) -> list[PenaltyCase]:
    """A Notice to Improve to each parent with parental responsibility (or the one named): a new
    case each. Refused below the local threshold, naming the figures."""
    authorize(store, by, Permission.CASEWORK)
    pupil = find_pupil(store, upn)
    check_event_date(day, today, "", "the notice to improve")
    problem = check_improvement_period(day, ends)
    if problem:
        raise ServiceError(problem)
    figures = _check_threshold(store, pupil, day, by, override_reason)
    ids = []
    with store.write():
        for contact in _parents(store, pupil, parent):
            step = PenaltyStep(
                None,
                None,
                pupil.id,
                contact.contact_id,
                contact.name,
                "notice_to_improve",
                day,
                improvement_ends=ends,
                figures=figures,
                note=override_reason.strip(),
                by_user=by,
            )
            ids.append(
                _add(
                    store,
                    step,
                    pupil,
                    by,
                    f"Notice to improve to {contact.name}: improvement period to {dmy(ends)}",
                    _figures_text(figures),
                )
            )
    return [case(store, i) for i in ids]


def _figures_text(figures: dict) -> str:
    text = (
        f"{figures['most_in_window']} unauthorised sessions at most in {figures['weeks']} school "
        f"weeks (threshold {figures['threshold']}); {figures['in_last_window']} in "
        f"{figures['window']}"
    )
    if figures.get("below_threshold_override"):
        text += f". Below the threshold; reason to go ahead: {figures['below_threshold_override']}"
    return text


def case(store: Store, case_id: int) -> PenaltyCase:
    steps = store.penalties.case(case_id)
    if not steps:
        raise ServiceError(f"no penalty-notice case {case_id}")
    return PenaltyCase(
        case_id, store.pupils.by_id(steps[0].pupil_id), steps[0].parent, tuple(steps)
    )


def cases(store: Store, upn: str | None = None) -> list[PenaltyCase]:
    steps = store.penalties.for_pupil(find_pupil(store, upn).id) if upn else store.penalties.all()
    return [case(store, cid) for cid in dict.fromkeys(s.case_id for s in steps)]


def _evidence(store: Store, pupil: Pupil, day: date, weeks_from: str) -> dict:
    """What the LA asks for with a request: the register extract (the unauthorised sessions this
    school year), the letters issued (not voided) and the meetings held."""
    start = academic_year_bounds(academic_year_of(day))[0]
    table = codes()
    by_day: dict[date, list[str]] = {}
    for m in store.marks.for_pupil(pupil.id, start, day):
        if table.category_or_none(m.code, m.date) == Category.UNAUTHORISED:
            by_day.setdefault(m.date, []).append(f"{m.session} {m.code}")
    unauthorised = [f"{dmy(d)}: {', '.join(marks)}" for d, marks in by_day.items()]
    letters = [
        f"{dmy(x.letter_date)} {x.template.replace('_', ' ')} letter to {x.addressee} "
        f"({x.reference})" + (f", posted {dmy(x.posted_on)}" if x.posted_on else "")
        for x in store.letters.for_pupil(pupil.id)
        if not x.void and x.letter_date and x.letter_date <= day
    ]
    meetings = [
        f"{dmy(m.held_on)} {m.kind}"
        + ("" if m.parent_attended else " (parent did not attend)")
        + (f", target {m.target_pct:g}%" if m.target_pct else "")
        for m in store.meetings.meetings(pupil.id)
        if m.held_on <= day
    ]
    missing = [what for what, items in (("letters", letters), ("meetings", meetings)) if not items]
    return {
        "register_extract": unauthorised,
        "letters": letters,
        "meetings": meetings,
        "missing": missing,
        "window": weeks_from,
    }


def request_notice(
    store: Store,
    day: date,
    by: str,
    *,
    case_id: int | None = None,
    upn: str | None = None,
    parent: str | None = None,
    no_notice_reason: str = "",
    override_reason: str = "",
    today: date | None = None,
) -> PenaltyCase:
    """A request to the LA to issue a penalty notice, with its evidence. After a Notice to Improve
    whose improvement period has ended (`case_id`), or for a new case (`upn`, one parent) with the
    reason no notice to improve was given. Refused below the local threshold, naming the figures."""
    authorize(store, by, Permission.CASEWORK)
    check_event_date(day, today, "", "the request")
    if case_id is not None:
        current = case(store, case_id)
        pupil, contact_id, name = current.pupil, current.steps[0].contact_id, current.parent
        nti = current.step("notice_to_improve")
        if current.state != "notice_to_improve":
            raise ServiceError(f"case {case_id} is at '{STEPS[current.state]}': no request follows")
        if nti and nti.improvement_ends and day < nti.improvement_ends:
            raise ServiceError(
                f"the improvement period of the notice to improve runs to "
                f"{dmy(nti.improvement_ends)}: a request may follow only after it"
            )
    else:
        if not upn:
            raise ServiceError("give the case (after a notice to improve) or the pupil")
        if len(no_notice_reason.strip().split()) < 3:
            raise ServiceError(
                "a request without a notice to improve needs the reason none was given "
                "(a sentence, recorded with the request)"
            )
        pupil = find_pupil(store, upn)
        parents = _parents(store, pupil, parent)
        if len(parents) > 1:
            raise ServiceError(
                "name the parent the notice is for (--parent): a notice is per parent per child"
            )
        contact_id, name = parents[0].contact_id, parents[0].name
    figures = _check_threshold(store, pupil, day, by, override_reason)
    evidence = _evidence(store, pupil, day, figures["window"])
    note = "; ".join(
        x
        for x in (
            no_notice_reason.strip() and f"no notice to improve: {no_notice_reason.strip()}",
            override_reason.strip(),
        )
        if x
    )
    step = PenaltyStep(
        None,
        case_id,
        pupil.id,
        contact_id,
        name,
        "request",
        day,
        figures=figures,
        evidence=evidence,
        note=note,
        by_user=by,
    )
    with store.write():
        step_id = _add(
            store,
            step,
            pupil,
            by,
            f"Penalty notice requested from the local authority for {name}",
            _figures_text(figures)
            + f". Evidence: register extract ({len(evidence['register_extract'])} days with "
            f"unauthorised absence this year), {len(evidence['letters'])} letters, "
            f"{len(evidence['meetings'])} meetings"
            + (f"; none recorded: {', '.join(evidence['missing'])}" if evidence["missing"] else ""),
        )
    return case(store, case_id or step_id)


def _earlier_notices(store: Store, pupil_id: int, contact_id: int | None, exclude: int) -> list:
    """Dates of notices already issued to this parent for this pupil, not withdrawn."""
    dates = []
    for c in cases(store, store.pupils.by_id(pupil_id).upn):
        if c.case_id == exclude or c.steps[0].contact_id != contact_id:
            continue
        issued = c.issued
        if issued and not c.step("withdrawn"):
            dates.append(issued.occurred_on)
    return dates


def record_issued(
    store: Store, case_id: int, day: date, la_reference: str, by: str, today: date | None = None
) -> PenaltyCase:
    """The LA issued the notice: its reference and date; the amounts follow the national rules (a
    third within three years is refused: prosecution is the route)."""
    authorize(store, by, Permission.CASEWORK)
    check_event_date(day, today, "", "the notice")
    current = case(store, case_id)
    if current.state != "request":
        raise ServiceError(
            f"case {case_id} is at '{STEPS[current.state]}': a notice is issued after a request"
        )
    if not la_reference.strip():
        raise ServiceError("record the local authority's reference for the notice")
    first = current.steps[0]
    amounts = notice_amounts(
        day, _earlier_notices(store, first.pupil_id, first.contact_id, case_id)
    )
    if isinstance(amounts, str):
        raise ServiceError(f"refused: {amounts}")
    step = PenaltyStep(
        None,
        case_id,
        first.pupil_id,
        first.contact_id,
        first.parent,
        "issued",
        day,
        la_reference=la_reference.strip(),
        amount=amounts.amount,
        reduced_amount=amounts.reduced_amount,
        reduced_by=amounts.reduced_by,
        pay_by=amounts.pay_by,
        by_user=by,
    )
    reduced = (
        f"£{amounts.reduced_amount} if paid by {dmy(amounts.reduced_by)}, "
        if amounts.reduced_amount
        else "no reduction (a second notice within three years), "
    )
    with store.write():
        _add(
            store,
            step,
            current.pupil,
            by,
            f"Penalty notice {la_reference.strip()} issued to {first.parent}",
            f"{reduced}£{amounts.amount} by {dmy(amounts.pay_by)}",
        )
    return case(store, case_id)


def record_outcome(
    store: Store,
    case_id: int,
    outcome: str,
    day: date,
    by: str,
    note: str = "",
    today: date | None = None,
) -> PenaltyCase:
    """Paid (the amount settled follows from the date), not paid (after the 28 days) or withdrawn
    (with the reason; a withdrawn notice does not count towards the two in three years)."""
    authorize(store, by, Permission.CASEWORK)
    check_event_date(day, today, "", "the outcome")
    if outcome not in ENDED:
        raise ServiceError(f"an outcome is one of: {', '.join(ENDED)}")
    current = case(store, case_id)
    issued = current.issued
    if current.state != "issued" or issued is None:
        raise ServiceError(
            f"case {case_id} is at '{STEPS[current.state]}': an outcome follows an issued notice"
        )
    if day < issued.occurred_on:
        raise ServiceError(f"the notice was issued on {dmy(issued.occurred_on)}, after {dmy(day)}")
    amounts = Amounts(issued.amount, issued.reduced_amount, issued.reduced_by, issued.pay_by, 1)
    paid = None
    if outcome == "paid":
        paid = amount_due(amounts, day)
        if paid is None:
            raise ServiceError(
                f"the notice had to be paid by {dmy(issued.pay_by)}: a payment on "
                f"{dmy(day)} is late; record it as not paid and consider prosecution"
            )
        text = f"Penalty notice {issued.la_reference} paid: £{paid}"
    elif outcome == "unpaid":
        if day <= issued.pay_by:
            raise ServiceError(
                f"the notice may still be paid until {dmy(issued.pay_by)}: record it as not "
                "paid after that day"
            )
        text = f"Penalty notice {issued.la_reference} not paid by {dmy(issued.pay_by)}"
    else:
        if len(note.strip().split()) < 2:
            raise ServiceError("record why the notice was withdrawn")
        text = f"Penalty notice {issued.la_reference} withdrawn"
    step = PenaltyStep(
        None,
        case_id,
        issued.pupil_id,
        issued.contact_id,
        issued.parent,
        outcome,
        day,
        amount=paid,
        note=note.strip(),
        by_user=by,
    )
    with store.write():
        _add(store, step, current.pupil, by, text, note.strip())
    return case(store, case_id)


def refer_for_prosecution(
    store: Store,
    day: date,
    by: str,
    note: str,
    *,
    case_id: int | None = None,
    upn: str | None = None,
    parent: str | None = None,
    today: date | None = None,
) -> PenaltyCase:
    """A referral for prosecution under s.444 Education Act 1996: after a notice not paid, or (a new
    case) where a third notice within three years may not be issued. The reason is recorded."""
    authorize(store, by, Permission.CASEWORK)
    check_event_date(day, today, "", "the referral")
    if len(note.strip().split()) < 3:
        raise ServiceError("record why the case is referred for prosecution (a sentence)")
    if case_id is not None:
        current = case(store, case_id)
        if current.state != "unpaid":
            raise ServiceError(
                f"case {case_id} is at '{STEPS[current.state]}': a prosecution referral follows a "
                "notice not paid (or, with --upn, a parent who has had two notices in three years)"
            )
        pupil, contact_id, name = current.pupil, current.steps[0].contact_id, current.parent
    else:
        pupil = find_pupil(store, upn or "")
        parents = _parents(store, pupil, parent)
        if len(parents) > 1:
            raise ServiceError("name the parent (--parent): prosecution is of a parent")
        contact_id, name = parents[0].contact_id, parents[0].name
        if not isinstance(
            notice_amounts(day, _earlier_notices(store, pupil.id, contact_id, -1)), str
        ):
            raise ServiceError(
                f"{name} has not had two penalty notices for {pupil.name} in the last three years: "
                "a referral follows a notice not paid (give --case)"
            )
    step = PenaltyStep(
        None, case_id, pupil.id, contact_id, name, "prosecution", day, note=note.strip(), by_user=by
    )
    with store.write():
        step_id = _add(
            store,
            step,
            pupil,
            by,
            f"Referred to the local authority for prosecution (s.444 Education Act 1996): {name}",
            note.strip(),
        )
    return case(store, case_id or step_id)


def _pupil_lines(store: Store, pupil: Pupil) -> list[tuple[str, str]]:
    lines = [
        ("Name", pupil.legal_name),
        ("Date of birth", f"{dmy(pupil.dob)}" if pupil.dob else ""),
        ("UPN", pupil.upn),
        ("Year and class", f"Year {pupil.year_group}, {pupil.reg_group}"),
    ]
    flags = ", ".join(pupil.vulnerable_reasons) or "none recorded"
    lines.append(("Vulnerability", flags))
    lines.append(("SEN", sen_words(pupil, none="none recorded")))
    return lines


def request_form(store: Store, case_id: int, out, by: str):
    """The request to the LA as a PDF: the pupil, the parent, the figures and the evidence as they
    stood on the day of the request (kept with the request), and the steps so far."""
    from pathlib import Path

    from attendance_desk.documents.la_forms import LaForm, Section, write_la_form

    authorize(store, by, Permission.LETTERS)
    current = case(store, case_id)
    request = current.step("request")
    if request is None:
        raise ServiceError(f"case {case_id} has no request to the local authority yet")
    school = store.settings.school()
    pupil = current.pupil
    contact = next(
        (
            c
            for c in store.contacts.for_pupils([pupil.id]).get(pupil.id, [])
            if c.contact_id == request.contact_id
        ),
        None,
    )
    f, ev = request.figures, request.evidence
    figures = [
        (
            f"Most in any {f['weeks']} school weeks",
            f"{f['most_in_window']} unauthorised sessions (the threshold is {f['threshold']})",
        ),
        (f"In the last {f['weeks']} school weeks", f"{f['in_last_window']} ({f['window']})"),
    ]
    if f.get("below_threshold_override"):
        figures.append(("Below the threshold: reason", f["below_threshold_override"]))
    nti = current.step("notice_to_improve")
    steps = [
        (
            "Notice to improve",
            f"{dmy(nti.occurred_on)}, improvement period to {dmy(nti.improvement_ends)}"
            if nti
            else f"none: {request.note}",
        )
    ]
    form = LaForm(
        "Request to issue a penalty notice for absence",
        school.name,
        f"to {school.local_authority or 'the local authority'}, {dmy(request.occurred_on)} "
        f"(case {case_id})",
        pupil.legal_name,
        (
            Section("The pupil", _pupil_lines(store, pupil)),
            Section(
                "The parent the notice is for",
                [
                    ("Name", current.parent),
                    ("Relationship", contact.relationship if contact else ""),
                    (
                        "Address",
                        ", ".join(x for x in (contact.address, contact.postcode) if x)
                        if contact
                        else "",
                    ),
                ],
            ),
            Section(
                "Unauthorised absence (the local authority's code of conduct; nationally 10 "
                "sessions in 10 school weeks)",
                figures,
            ),
            Section("Before this request", steps),
            Section(
                "Register extract: unauthorised sessions this school year",
                items=ev.get("register_extract", []),
            ),
            Section("Letters sent", items=ev.get("letters", [])),
            Section("Meetings held", items=ev.get("meetings", [])),
        ),
        declaration=(
            "I confirm that the information above is taken from the school's attendance register "
            "and records, as they stood on the date of this request"
            + (
                ", and that the school offered the family the support shown above (the notice to "
                "improve, letters and meetings) before making it."
                if nti or ev.get("meetings")
                else ". No notice to improve or meeting is recorded: the local authority's code of "
                "conduct expects support to be offered before a penalty notice, except for leave "
                "taken in term time without the school's agreement."
            )
        ),
    )
    out = Path(out)
    write_la_form(out, form)
    store.audit.log(by, "document made: penalty notice request", pupil.upn, str(out))
    return out


def check_pupil(store: Store, upn: str, day: date) -> tuple[Pupil, ThresholdFigures]:
    """A pupil's figures against the local threshold (the `penalty check` command, the dialog)."""
    pupil = find_pupil(store, upn)
    return pupil, threshold_figures(store, pupil, day)
