"""The referral evidence pack for the local authority's Education Welfare Service: the referral
table's items checked one by one (domain/referral.py), the referral form, the casework, the head
teacher's certificate and copies of the letters actually issued (their stored pages, appended)."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from attendance_desk.documents.pack import Appendix, PackData, append_pages, write_pack
from attendance_desk.documents.templates import template_info, template_names
from attendance_desk.domain.calendar import academic_year_bounds, academic_year_of
from attendance_desk.domain.calls import ContactForCalls
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.records import LetterRecord, SchoolSettings
from attendance_desk.domain.referral import Status, Verdict, agencies, assess, referral_reason
from attendance_desk.domain.referral_facts import (
    Adult,
    Entry,
    LetterFact,
    MeetingFact,
    PlanFact,
    Rates,
    ReferralFacts,
    ReferralThreshold,
)
from attendance_desk.domain.roles import Permission
from attendance_desk.domain.school_age import compulsory_school_age
from attendance_desk.presentation import dmy, dmy_hm
from attendance_desk.services.as_at import figures_as_at, recorded_later
from attendance_desk.services.certificates import make_certificate, register_weeks, when_text
from attendance_desk.services.figures import due_through, missing_sessions, pupil_figures
from attendance_desk.services.marks import find_pupil
from attendance_desk.services.meetings import CONTACT_KINDS, KINDS, PLAN_KINDS
from attendance_desk.services.school import ServiceError, support_map
from attendance_desk.services.school_documents import letter_sources
from attendance_desk.services.users import authorize, head_signature
from attendance_desk.services.year_evidence import pack_lines
from attendance_desk.store.contacts import home_addresses
from attendance_desk.store.db import Store

SHORT = {"sam": "SAM", "review": "Review", "planning": "Planning meeting"}
BEYOND_NEXT = "Beyond the next stage"  # how services/stages.py words a step taken out of order


@dataclass(frozen=True)
class PackResult:
    out: Path
    checklist: list[Verdict]
    pages: int = 0

    @property
    def missing(self) -> list[Verdict]:
        return [c for c in self.checklist if not c.ok]


def _rates(store: Store, pupil: Pupil, day: date) -> Rates:
    at = figures_as_at(store, pupil, day)
    row = at.year
    f = row.figures if row else None
    return Rates(
        day,
        f.possible if f else 0,
        f.absent if f else 0,
        f.unauthorised if f else 0,
        f.attendance_pct if f else None,
        f.authorised_pct if f else None,
        f.unauthorised_pct if f else None,
        f.absence_pct if f else None,
        bool(f and f.persistent),
        at.unauthorised_10_school_weeks,
        at.window_start,
        row.max_unauthorised_10_school_weeks if row else 0,
    )


def _letter_names(store: Store, records: list[LetterRecord]) -> dict[str, str]:
    sources = letter_sources(store)
    known = set(template_names(sources))
    return {
        key: template_info(key, sources=sources).name
        for key in {x.template for x in records}
        if key in known
    }


def _certificate_period(pupil: Pupil, today: date) -> tuple[date, date] | str:
    """This school year to the pack's date, while on roll and of compulsory school age; or why not."""
    start, end = academic_year_bounds(academic_year_of(today))[0], today
    if pupil.dob:
        first, last = compulsory_school_age(pupil.dob)
        start, end = max(start, first), min(end, last)
    window = pupil.on_roll_between(start, end)
    if window is None:
        return (
            f"{pupil.name} was not on roll and of compulsory school age between "
            f"{dmy(academic_year_bounds(academic_year_of(today))[0])} and {dmy(today)}"
        )
    return window


def _certificate_blocker(
    store: Store, pupil: Pupil, period: tuple[date, date] | str, today: date
) -> str:
    """What would stop services/certificates from certifying the period (the same checks, no file)."""
    if isinstance(period, str):
        return period
    due = (
        due_through(store) if today == date.today() else (today - timedelta(days=1), "PM")
    )  # as certificates do
    gaps = missing_sessions(store, pupil, *period, due)
    if gaps:
        shown = ", ".join(f"{dmy(d)} {s}" for d, s in gaps[:6]) + (
            f" and {len(gaps) - 6} more" if len(gaps) > 6 else ""
        )
        return f"{len(gaps)} session(s) with no mark: complete the register first ({shown})"
    return ""


def _copies(store: Store, records: list[LetterRecord]) -> tuple[list, list[str]]:
    """(letters whose stored file still matches its SHA-256, with their page ranges; problems)."""
    starts: dict[str, list[int]] = {}
    for _, _, file, page, _, _ in store.letters.files():
        starts.setdefault(file, []).append(page)
    digests: dict[str, str | None] = {}
    good, problems = [], []
    for x in records:
        if x.void:
            continue
        if x.file not in digests:
            path = Path(x.file)
            digests[x.file] = (
                hashlib.sha256(path.read_bytes()).hexdigest() if x.file and path.is_file() else None
            )
        if digests[x.file] is None:
            problems.append(
                f"{x.reference}: its stored file {x.file or '(none)'} is missing, so it cannot be attached"
            )
        elif digests[x.file] != x.sha256:
            problems.append(
                f"{x.reference}: {x.file} has changed since it was issued (SHA-256 differs): not attached"
            )
        else:
            later = [p for p in sorted(set(starts.get(x.file, []))) if p > x.page]
            good.append((x, x.page, later[0] - 1 if later else None))
    return good, problems


def _facts(store: Store, pupil: Pupil, today: date) -> tuple[ReferralFacts, list]:
    try:
        threshold = ReferralThreshold.from_dict(support_map(store).referral)
    except (TypeError, ValueError) as exc:
        raise ServiceError(f"the support map's [referral] threshold is not valid: {exc}") from None
    contacts = store.contacts.for_pupils([pupil.id]).get(pupil.id, [])
    home = home_addresses({pupil.id: contacts}).get(pupil.id, ("", ""))
    records = store.letters.for_pupil(pupil.id)
    names = _letter_names(store, records)
    meetings = store.meetings.meetings(pupil.id)
    events = store.stages.events(pupil.id)
    ladder = support_map(store)
    adjustment = store.stages.adjustments().get(pupil.id)
    period = _certificate_period(pupil, today)
    blocker = _certificate_blocker(store, pupil, period, today)
    good, problems = _copies(store, records)
    facts = ReferralFacts(
        today=today,
        pupil_name=pupil.legal_name,
        dob=pupil.dob,
        child_in_need=pupil.child_in_need,
        cp_plan=pupil.cp_plan,
        social_worker=pupil.social_worker,
        pupil_address=", ".join(x for x in home if x),
        adults=tuple(
            Adult(
                c.contact_id,
                c.name,
                c.relationship,
                c.parental_responsibility,
                c.lives_with_pupil,
                ", ".join(x for x in (c.address, c.postcode) if x),
            )
            for c in contacts
        ),
        siblings=tuple(_siblings(store, pupil, contacts, today)),
        threshold=threshold,
        rates=_rates(store, pupil, today),
        letters=tuple(
            LetterFact(
                x.reference,
                x.template,
                names.get(x.template, x.template),
                x.contact_id,
                x.addressee,
                x.address,
                x.letter_date,
                x.posted_on,
                x.text,
                x.void_reason,
                x.override_reason,
                x.overridden,
            )
            for x in records
        ),
        meetings=tuple(
            MeetingFact(
                m.id,
                m.kind,
                SHORT[m.kind],
                m.held_on,
                m.barriers,
                m.pupil_voice,
                tuple(
                    (who, what)
                    for who, what in (
                        ("parent", m.actions_parent),
                        ("school", m.actions_school),
                        ("others", m.actions_others),
                    )
                    if what.strip()
                ),
                m.target_pct,
                m.target_from,
                m.target_to,
                m.reviews_meeting_id,
                m.target_met,
                m.attendance_achieved,
                m.decision,
                _rates(store, pupil, m.held_on),
            )
            for m in meetings
        ),
        plans=tuple(
            PlanFact(
                PLAN_KINDS[p.kind],
                p.starts,
                p.parent_commitments,
                p.school_support,
                p.agency_support,
            )
            for p in store.meetings.plans(pupil.id)
        ),
        entries=tuple(
            Entry(
                e.kind,
                e.at.date(),
                e.with_whom,
                "" if e.outcome.strip() == CONTACT_KINDS.get(e.kind) else e.outcome.strip(),
                e.notes.strip(),
            )
            for e in store.casework.for_pupil(pupil.id)
            if e.kind != "letter"
        ),
        adjustments=(f"{adjustment.reason} (thresholds moved by {adjustment.threshold_offset:g})",)
        if adjustment
        else (),
        steps_out_of_order=tuple(
            f"{dmy(e.on)} {ladder.stage_or_earlier(e.stage_key).name} {e.event}: {e.note}"
            for e in events
            if e.note.startswith(BEYOND_NEXT) and e.stage_key
        ),
        certificate=""
        if blocker or isinstance(period, str)  # a period that is a reason is its own blocker
        else (
            f"the register from {dmy(period[0])} to {dmy(period[1])}, attached "
            "for the head teacher to sign and date"
        ),
        certificate_problem=blocker,
        letter_copies=tuple(x.reference for x, _, _ in good),
        copy_problems=tuple(problems),
        **_pastoral_facts(store, pupil, today),
    )
    return facts, good


def _pastoral_facts(store: Store, pupil: Pupil, today: date) -> dict:
    """Medical evidence and decisions on illness (services/medical), and early help offered in
    writing with the family's answer (services/early_help)."""
    from attendance_desk.services.early_help import offer_facts
    from attendance_desk.services.medical import evidence_lines

    evidence, decided, waiting = evidence_lines(store, pupil, today)
    return {
        "medical_evidence": tuple(evidence),
        "illness_decisions": tuple(decided),
        "illness_undecided": tuple(waiting),
        "written_offers": tuple(offer_facts(store, pupil, today)),
    }


def _siblings(
    store: Store, pupil: Pupil, contacts: list[ContactForCalls], today: date
) -> list[str]:
    ids = {c.contact_id for c in contacts}
    school = store.settings.school().name
    found = {
        pid
        for pid, cs in store.contacts.for_pupils().items()
        if pid != pupil.id and ids & {c.contact_id for c in cs}
    }
    return [
        f"{p.name} (Year {p.year_group}, {p.reg_group}), {school}"
        for p in (store.pupils.by_id(pid) for pid in sorted(found))
        if p and p.on_roll(today)
    ]


def evidence_checklist(store: Store, upn: str, today: date) -> list[Verdict]:
    """Each item of the referral table: met, missing (saying what), or not applicable (saying why)."""
    return assess(_facts(store, find_pupil(store, upn), today)[0])


def _form(facts: ReferralFacts, pupil: Pupil, contacts: list[ContactForCalls]) -> list[list[str]]:
    carers = [a for a in facts.adults if a.parental_responsibility or a.lives_with]
    return [
        [
            "Pupil",
            f"{pupil.legal_name}"
            + (f" (known as {pupil.preferred_name})" if pupil.preferred_name else "")
            + f", UPN {pupil.upn}, Year {pupil.year_group} ({pupil.reg_group})",
        ],
        ["Date of birth", f"{dmy(pupil.dob)}" if pupil.dob else "NOT RECORDED"],
        ["Home address", facts.pupil_address or "NOT RECORDED"],
        [
            "Adults with parental responsibility or day-to-day care",
            "\n".join(
                f"{a.name} ({a.relationship or 'contact'}; "
                + ("parental responsibility" if a.parental_responsibility else "day-to-day care")
                + f"): {a.address or 'NO ADDRESS RECORDED'}"
                + "".join(
                    f", {ph.number}"
                    for c in contacts
                    if c.contact_id == a.contact_id
                    for ph in c.phones
                )
                for a in carers
            )
            or "NONE RECORDED",
        ],
        [
            "Brothers and sisters, and their schools",
            "\n".join(facts.siblings)
            or "none recorded at this school (brothers and sisters at other schools are not held here: add them by hand)",
        ],
        ["Agencies involved", "\n".join(agencies(facts)) or "NONE RECORDED"],
        [
            "Reason for referral",
            referral_reason(facts) or "NOT MET: the referral criteria are not met",
        ],
    ]


def assemble_evidence_pack(
    store: Store, upn: str, today: date, out: Path, by: str, complete: bool = False
) -> PackResult:
    """Make the pack: the checklist first, then the referral form and the casework, then the head's
    certificate and the stored pages of every letter issued (not voided). With `complete`, refuse
    (nothing written) while any applicable item is missing."""
    authorize(store, by, Permission.LETTERS)
    pupil = find_pupil(store, upn)
    facts, copies = _facts(store, pupil, today)
    if complete:
        _refuse_if_missing(assess(facts))
    school = store.settings.school()
    contacts = store.contacts.for_pupils([pupil.id]).get(pupil.id, [])
    with tempfile.TemporaryDirectory() as folder:
        appendices = []
        period = _certificate_period(pupil, today)  # or why there is no certificate
        if facts.certificate and not isinstance(period, str):
            try:
                cert = make_certificate(
                    store,
                    pupil.upn,
                    period[0],
                    period[1],
                    Path(folder) / "certificate.pdf",
                    by,
                    today=today,
                )
                appendices.append(
                    Appendix(
                        f"Certificate of attendance, {dmy(period[0])} to {dmy(period[1])}",
                        cert.out,
                        1,
                        None,
                    )
                )
                if head_signature(
                    store, by
                ):  # services/certificates printed the head's stored signature
                    facts = replace(
                        facts,
                        certificate=facts.certificate.replace(
                            "for the head teacher to sign and date",
                            "signed with the head teacher's stored signature "
                            "(the date of signing left for the head to write)",
                        ),
                    )
            except ServiceError as exc:
                facts = replace(facts, certificate="", certificate_problem=str(exc))
        checklist = assess(facts)
        if complete:
            _refuse_if_missing(checklist)
        names = _letter_names(store, [x for x, _, _ in copies])
        appendices += [
            Appendix(
                f"{x.reference} {names.get(x.template, x.template)} to {x.addressee}, "
                f"{dmy(x.letter_date)}",
                Path(x.file),
                first,
                last,
            )
            for x, first, last in copies
        ]
        data = _pack_data(store, pupil, today, by, facts, checklist, contacts, school)
        pages = append_pages(
            out,
            write_pack(data, [a.title for a in appendices]),
            appendices,
            f"Evidence pack: {pupil.legal_name} (UPN {pupil.upn}) — confidential",
        )
    missing = [c.item for c in checklist if c.status == Status.MISSING]
    store.audit.log(
        by,
        "evidence pack made",
        pupil.upn,
        f"{out}; {pages} pages; {len(missing)} item(s) missing"
        + (f": {'; '.join(missing)}" if missing else ""),
    )
    return PackResult(out, checklist, pages)


def _refuse_if_missing(checklist: list[Verdict]) -> None:
    missing = [c for c in checklist if c.status == Status.MISSING]
    if missing:
        raise ServiceError(
            f"{len(missing)} item(s) of evidence missing, the pack was not made: "
            + " | ".join(f"{c.item}: {c.detail}" for c in missing)
        )


def _pack_data(
    store: Store,
    pupil: Pupil,
    today: date,
    by: str,
    facts: ReferralFacts,
    checklist: list[Verdict],
    contacts: list[ContactForCalls],
    school: SchoolSettings,
) -> PackData:
    start = academic_year_bounds(academic_year_of(today))[0]
    last_start, last_end = academic_year_bounds(academic_year_of(today) - 1)
    years = []
    for label, first, last in (("This year", start, today), ("Last year", last_start, last_end)):
        rows = pupil_figures(store, first, last, pupils=[pupil])
        if rows:
            weeks, legend = register_weeks(store, pupil, rows[0].start, rows[0].end, today)
            years.append((label, rows[0], weeks, legend))
    ladder = support_map(store)
    stages = []
    for e in sorted(store.stages.events(pupil.id), key=lambda e: (e.on, e.id)):
        name = ladder.stage_or_earlier(e.stage_key).name if e.stage_key else ""
        later = recorded_later(e.by_user, e.at, e.on, e.late_reason)
        stages.append(
            [
                f"{dmy(e.on)}",
                e.event,
                name,
                ladder.describe(e.measure_value) if e.measure_value is not None else "",
                e.by_user,
                "; ".join(x for x in (e.note, later) if x),
            ]
        )
    records = store.letters.for_pupil(pupil.id)
    names = _letter_names(store, records)
    meetings = store.meetings.meetings(pupil.id)
    return PackData(
        school=school,
        pupil=pupil,
        today=today,
        prepared_by=by,
        legal=pack_lines(store, pupil, today),
        checklist=[(c.item, c.status.value, c.detail) for c in checklist],
        form=_form(facts, pupil, contacts),
        contacts=contacts,
        years=years,
        amendments=[
            [
                f"{dmy(e.date)} {e.session}",
                e.old_code,
                e.new_code,
                e.reason,
                e.changed_by,
                when_text(e.changed_at),
            ]
            for e in store.marks.history(pupil.id)
        ],
        chronology=[
            [
                dmy_hm(e.at),
                e.kind.replace("_", " "),
                e.by_user,
                e.with_whom,
                e.outcome,
                "; ".join(
                    x
                    for x in (
                        e.notes,
                        recorded_later(e.recorded_by, e.recorded_at, e.at, e.late_reason),
                    )
                    if x
                ),
            ]
            for e in store.casework.for_pupil(pupil.id)
        ],
        letters=[
            [
                f"{dmy(x.letter_date)}",
                f"{names.get(x.template, x.template)} ({x.reference})"
                + (
                    f"; sent although not met: {x.overridden}; reason: {x.override_reason}"
                    if x.override_reason
                    else ""
                ),
                x.addressee,
                x.address,
                f"VOID: {x.void_reason}"
                if x.void
                else f"{dmy(x.posted_on)}"
                if x.posted_on
                else "not recorded",
            ]
            for x in records
        ],
        meetings=[(KINDS[m.kind], m) for m in meetings],
        meeting_figures={m.id: figures_as_at(store, pupil, m.held_on).summary() for m in meetings},
        plans=[(PLAN_KINDS[p.kind], p) for p in store.meetings.plans(pupil.id)],
        stages=stages,
    )
