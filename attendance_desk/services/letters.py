"""Letters: to every adult with parental responsibility, each at their own address, logged with
what was said, to whom, where, the figures quoted and a hash of the PDF."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from attendance_desk.documents.letters import LetterContent, Letterhead, letters_pdf
from attendance_desk.documents.templates import TemplateProblem, render_template
from attendance_desk.domain.calendar import academic_year_bounds, academic_year_of
from attendance_desk.domain.calls import ContactForCalls
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.roles import Permission
from attendance_desk.services.figures import PupilFigures, pupil_figures
from attendance_desk.services.school import ServiceError, support_map
from attendance_desk.services.stages import stage_overview
from attendance_desk.services.users import authorize
from attendance_desk.store.casework import CaseworkEntry
from attendance_desk.store.db import Store


@dataclass(frozen=True)
class Meeting:
    date: str = "a date we will confirm with you by telephone"
    time: str = "to be arranged"
    place: str = "at the school"
    with_whom: str = ""
    review_date: str = "to be agreed"
    target_pct: str = "95"


@dataclass
class LetterBatch:
    letters: int = 0
    pupils: int = 0
    files: list[Path] = field(default_factory=list)
    not_sent: list[str] = field(default_factory=list)  # who could not be written to, and why


def recipients(contacts: list[ContactForCalls]) -> tuple[list[ContactForCalls], str]:
    """Every adult with parental responsibility (each once); if none is recorded, the first contact,
    with a warning to check who has parental responsibility."""
    with_pr = [c for c in contacts if c.parental_responsibility]
    if with_pr:
        return with_pr, ""
    return contacts[:1], "no contact is recorded with parental responsibility: check and update the contacts"


def _address_lines(contact: ContactForCalls) -> tuple[str, ...]:
    lines = [p.strip() for p in contact.address.split(",") if p.strip()]
    return tuple(lines + ([contact.postcode] if contact.postcode else []))


def _figures(row: PupilFigures | None) -> dict:
    if row is None:
        return {}
    f = row.figures
    return {
        "period_from": f"{row.start:%d/%m/%Y}", "period_to": f"{row.end:%d/%m/%Y}", "possible": f.possible,
        "attendance_pct": f.attendance_pct, "absence_pct": f.absence_pct, "sessions_missed": f.absent,
        "days_absent": f"{f.days_absent:g}", "authorised": f.authorised, "unauthorised": f.unauthorised,
        "late": f.late_before_close + f.late_after_close,
        "unauthorised_10_weeks": row.max_unauthorised_10_school_weeks,
    }


def _context(store: Store, pupil: Pupil, figures: dict, contact: ContactForCalls, stage_name: str,
             meeting: Meeting, today: date) -> dict:
    school = store.settings.school()
    return {
        "school": {k: getattr(school, k) for k in ("name", "address", "phone", "email", "local_authority",
                                                  "head_teacher", "attendance_lead", "named_ewo")},
        "pupil": {"name": pupil.name, "legal_name": pupil.legal_name, "forename": pupil.preferred_name or pupil.forename,
                  "surname": pupil.surname, "dob": f"{pupil.dob:%d/%m/%Y}" if pupil.dob else "",
                  "year_group": pupil.year_group, "reg_group": pupil.reg_group, "upn": pupil.upn},
        "addressee": {"name": contact.name, "relationship": contact.relationship, "salutation": contact.name},
        "figures": figures, "stage": {"name": stage_name},
        "meeting": meeting.__dict__, "today": f"{today:%d/%m/%Y}",
    }


def make_letters(
    store: Store, template: str, pupils: list[Pupil], today: date, by: str, out: Path,
    individual: bool = False, stage_key: str | None = None, meeting: Meeting | None = None,
) -> LetterBatch:
    """Render, log and write the letters. `out` is the batch PDF; with `individual`, each letter is
    also saved beside it. Nothing is logged if any letter cannot be made."""
    authorize(store, by, Permission.LETTERS)
    meeting = meeting or Meeting()
    school = store.settings.school()
    head = Letterhead(school.name, school.address, school.phone, school.email, school.logo)
    signatory, role = (school.attendance_lead, "Attendance lead") if school.attendance_lead else (school.head_teacher, "Head teacher")
    start = academic_year_bounds(academic_year_of(today))[0]
    rows = {r.pupil.id: r for r in pupil_figures(store, start, today, pupils=pupils)}
    contacts = store.contacts.for_pupils([p.id for p in pupils])
    stage_name = support_map(store).stage(stage_key).name if stage_key else ""
    batch, contents, logs = LetterBatch(), [], []
    for pupil in pupils:
        chosen, warning = recipients(contacts.get(pupil.id, []))
        if warning:
            batch.not_sent.append(f"{pupil.name} ({pupil.upn}): {warning}")
        if not chosen:
            batch.not_sent.append(f"{pupil.name} ({pupil.upn}): no contacts recorded, no letter made")
            continue
        figures = _figures(rows.get(pupil.id))
        written = False
        for contact in chosen:
            lines = _address_lines(contact)
            if not lines:
                batch.not_sent.append(f"{pupil.name}: no postal address for {contact.name}, no letter made")
                continue
            try:
                rendered = render_template(template, _context(store, pupil, figures, contact, stage_name, meeting, today))
            except TemplateProblem as exc:
                raise ServiceError(str(exc)) from None
            contents.append(LetterContent(head, contact.name, lines, f"{today:%d/%m/%Y}", contact.name, rendered,
                                          signatory, role, f"{pupil.legal_name} (UPN {pupil.upn})"))
            logs.append((pupil, contact, lines, figures, rendered.text))
            written = True
        batch.pupils += written
    if not contents:
        raise ServiceError("no letters could be made: " + "; ".join(batch.not_sent))
    pdf, starts = letters_pdf(contents)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    batch.files.append(out)
    batch_hash = hashlib.sha256(pdf).hexdigest()
    with store.write():
        for (pupil, contact, lines, figures, text), content, page in zip(logs, contents, starts, strict=True):
            file, sha, where = out, batch_hash, page
            if individual:  # each letter also as its own file, logged by that file's hash
                single, _ = letters_pdf([content])
                file = out.parent / f"{template}-{pupil.surname}-{pupil.upn}-{contact.contact_id}.pdf".replace(" ", "_")
                file.write_bytes(single)
                sha, where = hashlib.sha256(single).hexdigest(), 1
                batch.files.append(file)
            store.letters.log(pupil.id, template, stage_key, contact.contact_id, contact.name, ", ".join(lines),
                              figures, text, sha, str(file), where, by)
            store.casework.add(CaseworkEntry(None, pupil.id, _now(), "letter", by, contact.name, contact.contact_id,
                                             f"{template} letter generated", False, ", ".join(lines)))
            batch.letters += 1
        store.audit.log(by, "letters made", template, f"{batch.letters} letters for {batch.pupils} pupils: {out}")
    return batch


def _now():
    from datetime import datetime

    return datetime.now().astimezone()


def stage_letters(store: Store, stage_key: str, today: date, by: str, out: Path, individual: bool = False,
                  meeting: Meeting | None = None) -> LetterBatch:
    """Letters for every pupil now at this stage who has not had its letter yet."""
    ladder = support_map(store)
    try:
        stage = ladder.stage(stage_key)
    except KeyError as exc:
        raise ServiceError(str(exc.args[0])) from None
    if not stage.letter:
        raise ServiceError(f"{stage.name} has no letter in the support map")
    done = store.letters.stages_written(stage_key)
    pupils = [s.figures.pupil for s in stage_overview(store, today)
              if s.current and s.current.key == stage_key and s.figures.pupil.id not in done]
    if not pupils:
        raise ServiceError(f"no pupil at {stage.name} is waiting for its letter")
    return make_letters(store, stage.letter, pupils, today, by, out, individual, stage_key, meeting)


def confirm_and_make_letters(store: Store, upns: list[str], today: date, by: str, folder: Path) -> int:
    """Confirm each pupil's suggested stage, then make the letters of every stage confirmed (one batch
    file a stage). All confirmed or none if a letter cannot be made."""
    from attendance_desk.services.stages import record_step

    authorize(store, by, Permission.CASEWORK)
    authorize(store, by, Permission.LETTERS)
    states = {s.figures.pupil.upn: s for s in stage_overview(store, today)}
    chosen = [states[u] for u in upns if u in states and states[u].suggestion]
    if not chosen:
        raise ServiceError("none of those pupils has a suggested stage")
    written = 0
    with store.write():
        for state in chosen:
            record_step(store, state.figures.pupil.upn, "entered", today, by, state.suggestion.stage.key,
                        "confirmed at the attendance review")
        for key in sorted({s.suggestion.stage.key for s in chosen}):
            stage = support_map(store).stage(key)
            if stage.letter:
                pupils = [s.figures.pupil for s in chosen if s.suggestion.stage.key == key]
                out = folder / f"{key}-letters-{today.isoformat()}.pdf"
                written += make_letters(store, stage.letter, pupils, today, by, out, stage_key=key).letters
    return written


def record_posted(store: Store, letter_id: int, day: date) -> None:
    """The day a letter went in the post (legal warnings are expected to go by Royal Mail)."""
    if not store.letters.mark_posted(letter_id, day):
        raise ServiceError(f"no letter {letter_id} in the letter log")
