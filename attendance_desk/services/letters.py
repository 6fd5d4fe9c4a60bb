"""Letters: previewed, then issued. An issued letter has a number in the school's sequence (printed
as "Our ref"), goes to every adult with parental responsibility or day-to-day care, each at their own
address, and is logged with what it said, to whom, where, the figures quoted, the file it is kept in
(never overwritten) and that file's SHA-256. It may be voided with a reason; it stays in the log.

Each template says when it may be sent (domain/letter_rules.py); a letter whose conditions do not
hold is refused naming them, unless an attendance lead or the head teacher gives a reason to send it
anyway, which goes into the letter log, the audit and the chronology."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from attendance_desk.documents.letters import LetterContent, Letterhead, letters_pdf
from attendance_desk.documents.templates import (
    TemplateInfo,
    TemplateProblem,
    render_template,
    template_info,
    template_names,
)
from attendance_desk.domain.calendar import academic_year_bounds, academic_year_of
from attendance_desk.domain.calls import ContactForCalls
from attendance_desk.domain.letter_rules import LetterFacts, unmet
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.records import (
    CaseworkEntry,
    LetterRecord,
    NewLetter,
    SchoolSettings,
    reference,
)
from attendance_desk.domain.records import Meeting as RecordedMeeting
from attendance_desk.domain.roles import ROLE_NAMES, Permission
from attendance_desk.domain.support_map import SupportMap
from attendance_desk.files import discard, place, safe_name, stage
from attendance_desk.presentation import dmy, dmy_hm
from attendance_desk.services.figures import PupilFigures, pupil_figures
from attendance_desk.services.marks import find_pupil
from attendance_desk.services.school import (
    ServiceError,
    school_calendar,
    setting_number,
    support_map,
)
from attendance_desk.services.school_documents import letter_sources, logo_image
from attendance_desk.services.stages import current_stages, stage_overview
from attendance_desk.services.users import authorize, role_of
from attendance_desk.store.db import Store, read_time

if TYPE_CHECKING:  # for the annotation only: _read imports it when it runs
    from attendance_desk.services.lateness import Lateness

OVERRIDE_ROLES = ("lead", "head")  # an attendance lead or the head teacher may send a letter anyway
MEETING_KINDS = ("sam", "planning")  # meetings a parent is invited to (reviews follow them)
TITLES = {
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "professor",
    "rev",
    "revd",
    "sir",
    "dame",
    "lady",
    "lord",
}


@dataclass(frozen=True)
class Meeting:
    """The meeting an invitation letter offers (given when the letter is made)."""

    date: str = ""  # dd/mm/yyyy; empty: the school will telephone to arrange it
    time: str = ""
    place: str = "the school"
    with_whom: str = ""
    review_date: str = ""  # end of an improvement period (notice to improve); default four weeks on
    target_pct: str = "95"


@dataclass
class LetterBatch:
    letters: int = 0
    pupils: int = 0
    files: list[Path] = field(default_factory=list)
    not_sent: list[str] = field(default_factory=list)  # who could not be written to, and why
    references: list[str] = field(default_factory=list)  # "ATT/00042" of each letter issued
    preview: bool = False
    overridden: list[str] = field(
        default_factory=list
    )  # pupils whose letter was sent although a condition failed


@dataclass(frozen=True)
class LetterChoice:
    """A template for the Letter dialog: its name, whether it may be sent now, and why not."""

    template: str
    name: str
    ok: bool
    unmet: tuple[str, ...]
    overridable: bool  # False: a condition that no reason can replace (e.g. no recorded meeting)


# ---------------------------------------------------------------- who, and how they are addressed


def recipients(contacts: list[ContactForCalls]) -> tuple[list[ContactForCalls], str]:
    """Every adult with parental responsibility or day-to-day care (recorded as living with the
    pupil), each once, in priority order; if none is recorded, the first contact with a warning."""
    chosen = [c for c in contacts if c.parental_responsibility or c.lives_with_pupil]
    warning = (
        ""
        if any(c.parental_responsibility for c in contacts)
        else "no contact is recorded with parental responsibility: check and update the contacts"
    )
    if chosen:
        return chosen, warning
    return contacts[:1], warning


def salutation(name: str) -> str:
    """ "Ms Chen" from "Ms Mei Chen"; "Parent/Carer" when the name has no title to address them by."""
    words = name.replace(".", " ").split()
    if len(words) >= 2 and words[0].lower() in TITLES:
        title = name.split()[0]
        return f"{title} {words[-1]}"
    return "Parent/Carer"


def _address_lines(contact: ContactForCalls) -> tuple[str, ...]:
    lines = [p.strip() for p in contact.address.split(",") if p.strip()]
    return tuple(lines + ([contact.postcode] if contact.postcode else []))


def _dates_in_words(days: list[str]) -> str:
    return days[0] if len(days) == 1 else ", ".join(days[:-1]) + " and " + days[-1] if days else ""


# ---------------------------------------------------------------- what was true on the letter's date


def penalty_window(store: Store, day: date) -> tuple[date, date]:
    """The last 10 school weeks up to `day` (looking back across holidays and into last year): the
    first school day of the first of those weeks, and `day`."""
    count = setting_number(store, "penalty_weeks")  # the LA's period (national: 10 school weeks)
    calendar = school_calendar(store, day - timedelta(weeks=40 + count), day)
    weeks = calendar.school_weeks(day - timedelta(weeks=40 + count), day)[-count:]
    if not weeks:
        return day, day
    days = calendar.school_days(weeks[0], weeks[0] + timedelta(days=6))
    return (days[0] if days else weeks[0]), day


@dataclass
class _Pupil:
    """Everything the conditions and the wording need about one pupil, read once."""

    pupil: Pupil
    year: PupilFigures | None
    window_unauthorised: int
    stage_name: str  # the current support-map stage's name ("" for none)
    meetings: list[RecordedMeeting]
    letters: list[LetterRecord]
    lateness: Lateness | None = None  # late marks this half-term


def _read(
    store: Store, pupils: list[Pupil], today: date
) -> tuple[dict[int, _Pupil], tuple[date, date]]:
    start = academic_year_bounds(academic_year_of(today))[0]
    years = {r.pupil.id: r for r in pupil_figures(store, start, today, pupils=pupils)}
    window = penalty_window(store, today)
    # the figures service's own count of the 10 school weeks up to the letter's date (one definition,
    # looking back across holidays and into last year); pupils not on roll this year: over the window
    in_window = {pid: row.unauthorised_last_local_window for pid, row in years.items()}
    others = [p for p in pupils if p.id not in years]
    if others:
        in_window |= {
            r.pupil.id: r.figures.unauthorised for r in pupil_figures(store, *window, pupils=others)
        }
    stages = current_stages(store, [p.id for p in pupils], start)
    from attendance_desk.services.lateness import lateness_as_at

    lateness = lateness_as_at(store, pupils, today)
    result = {}
    for p in pupils:
        meetings = [m for m in store.meetings.meetings(p.id) if m.held_on <= today]
        letters = [
            x
            for x in store.letters.for_pupil(p.id)
            if not x.void and x.letter_date and x.letter_date <= today
        ]
        result[p.id] = _Pupil(
            p,
            years.get(p.id),
            in_window.get(p.id, 0),
            stages.get(p.id, ""),
            meetings,
            letters,
            lateness[p.id],
        )
    return result, window


def _missed_meeting(data: _Pupil) -> tuple[RecordedMeeting | None, str]:
    """The latest meeting the parent was invited to, if it was held without them; else a description."""
    invited = [m for m in data.meetings if m.kind in MEETING_KINDS]
    if not invited:
        return None, ""
    latest = invited[-1]
    if latest.parent_attended:
        return None, f"the parent attended the latest meeting, on {dmy(latest.held_on)}"
    return latest, ""


def _latest_review(data: _Pupil) -> RecordedMeeting | None:
    reviews = [m for m in data.meetings if m.kind == "review"]
    return reviews[-1] if reviews else None


def _review_text(review: RecordedMeeting | None) -> str:
    if review is None:
        return ""
    if review.target_met:
        return "met"
    if review.target_met is None:
        return "not assessed: no target was set"
    achieved = (
        f"{review.attendance_achieved:.1f}%"
        if review.attendance_achieved is not None
        else "no sessions"
    )
    return (
        f"not met on {dmy(review.held_on)}: {achieved} against a target of {review.target_pct:g}%"
    )


def _facts(
    data: _Pupil,
    info: TemplateInfo,
    ladder: SupportMap,
    window: tuple[date, date],
    template_names: dict[str, str],
) -> LetterFacts:
    names = [s.name for s in ladder.stages]
    position = (
        names.index(data.stage_name) + 1 if data.stage_name in names else 0
    )  # a stage of an earlier map: 0
    sends = next((n for n, s in enumerate(ladder.stages, 1) if s.letter == info.key), None)
    missed, latest = _missed_meeting(data)
    earlier: dict[str, str] = {}
    for x in data.letters:
        earlier[x.template] = dmy(x.letter_date)
    return LetterFacts(
        stage_position=position,
        stage_name=data.stage_name,
        letter_stage_position=sends,
        unauthorised=data.year.figures.unauthorised if data.year else 0,
        unauthorised_last_10_weeks=data.window_unauthorised,
        window=f"{dmy(window[0])} and {dmy(window[1])}",
        missed_meeting=dmy(missed.held_on) if missed else "",
        latest_meeting=latest,
        review=_review_text(_latest_review(data)),
        earlier_letters=earlier,
        template_names=template_names,
        **_lateness_facts(data),
    )


def _lateness_facts(data: _Pupil) -> dict:
    late = data.lateness
    if late is None:
        return {}
    return {
        "late_this_half_term": late.late,
        "half_term": f"{dmy(late.start)} and {dmy(late.end)}" if late.start else "",
        "lateness_letter1": late.steps.letter1,
        "lateness_letter2": late.steps.letter2,
    }


def _local(store: Store) -> dict:
    """The local authority's penalty-notice threshold and period (the school's settings)."""
    return {
        "penalty_threshold": setting_number(store, "penalty_sessions"),
        "window_weeks": setting_number(store, "penalty_weeks"),
    }


def _template_names(store: Store) -> dict[str, str]:
    sources = letter_sources(store)
    names = {}
    for key in template_names(sources):
        try:
            names[key] = template_info(key, sources=sources).name
        except TemplateProblem:
            names[key] = key
    return names


def _info(store: Store, template: str) -> TemplateInfo:
    try:
        return template_info(template, sources=letter_sources(store))
    except TemplateProblem as exc:
        raise ServiceError(str(exc)) from None


def letter_choices(store: Store, upn: str, today: date) -> list[LetterChoice]:
    """Every letter template by its name, with whether its conditions hold for this pupil today:
    those that may be sent first (for the Letter dialog)."""
    pupil = find_pupil(store, upn)
    data, window = _read(store, [pupil], today)
    ladder, names = support_map(store), _template_names(store)
    choices, local = [], _local(store)
    for key in template_names(letter_sources(store)):
        info = _info(store, key)
        facts = replace(_facts(data[pupil.id], info, ladder, window, names), **local)
        failed = unmet(info.conditions, facts)
        choices.append(
            LetterChoice(
                key,
                info.name,
                not failed,
                tuple(text for _, text in failed),
                all(c.overridable for c, _ in failed),
            )
        )
    return sorted(choices, key=lambda c: (not c.ok, c.name.lower()))


# ---------------------------------------------------------------- the wording's context


def _figures(row: PupilFigures | None) -> dict:
    if row is None:
        return {}
    f = row.figures
    return {
        "period_from": dmy(row.start),
        "period_to": dmy(row.end),
        "possible": f.possible,
        "attendance_pct": f.attendance_pct,
        "absence_pct": f.absence_pct,
        "sessions_missed": f.absent,
        "days_absent": f"{f.days_absent:g}",
        "authorised": f.authorised,
        "unauthorised": f.unauthorised,
        "late": f.late_before_close + f.late_after_close,
        "unauthorised_10_weeks": row.max_unauthorised_10_school_weeks,
    }


def _meeting_place(data: _Pupil, meeting: RecordedMeeting) -> tuple[str, str, str]:
    """The time and place of a recorded meeting, and the date of the letter that invited the parent
    to it: time and place from the meeting record if it has them, otherwise from that invitation."""
    when, where = str(getattr(meeting, "time", "") or ""), str(getattr(meeting, "place", "") or "")
    for letter in reversed(data.letters):
        invited = (letter.details or {}).get("meeting") or {}
        if invited.get("date") == dmy(meeting.held_on):
            return (
                when or invited.get("time", ""),
                where or invited.get("place", ""),
                dmy(letter.letter_date),
            )
    return when, where, ""


def _context(
    store: Store,
    data: _Pupil,
    contact: ContactForCalls,
    stage_name: str,
    meeting: Meeting,
    today: date,
    window: tuple[date, date],
    names: dict[str, str],
    school: SchoolSettings,
    local: dict,
) -> tuple[dict, dict]:
    """The placeholders of the wording, and what the letter quotes from the log (kept with it).
    `school` and `local` (`_local`): the settings, read once a batch, not once a letter."""
    pupil = data.pupil
    to_you = [
        x for x in data.letters if x.contact_id == contact.contact_id and x.letter_date < today
    ]
    letters = {key: "" for key in names}
    for x in to_you:
        letters[x.template] = dmy(x.letter_date)
    stage_letters_to_you = sorted(
        {dmy(x.letter_date) for x in to_you}, key=lambda d: d[6:] + d[3:5] + d[:2]
    )
    missed, _ = _missed_meeting(data)
    missed_context = {
        "date": "",
        "time": "",
        "place": "",
        "review_date": "",
        "target_pct": "",
        "kind": "",
        "invited_on": "",
    }
    if missed:
        when, where, invited_on = _meeting_place(data, missed)
        missed_context = {
            "date": dmy(missed.held_on),
            "time": when,
            "place": where,
            "invited_on": invited_on,
            "review_date": dmy(missed.review_date or missed.target_to),
            "target_pct": f"{missed.target_pct:g}" if missed.target_pct else "",
            "kind": {"sam": "School Attendance Meeting", "planning": "attendance planning meeting"}[
                missed.kind
            ],
        }
    review = _latest_review(data)
    invitation = asdict(meeting)
    invitation["review_date"] = meeting.review_date or dmy(today + timedelta(weeks=4))
    context = {
        "school": {
            k: getattr(school, k)
            for k in (
                "name",
                "address",
                "phone",
                "email",
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
            "surname": pupil.surname,
            "dob": dmy(pupil.dob),
            "year_group": pupil.year_group,
            "reg_group": pupil.reg_group,
            "upn": pupil.upn,
        },
        "addressee": {
            "name": contact.name,
            "relationship": contact.relationship,
            "salutation": salutation(contact.name),
        },
        "figures": _figures(data.year),
        "stage": {"name": stage_name},
        "window": {
            "from": dmy(window[0]),
            "to": dmy(window[1]),
            "unauthorised": data.window_unauthorised,
            "weeks": local["window_weeks"],
            "threshold": local["penalty_threshold"],
        },
        "letters": letters,
        "earlier": {
            "dates": _dates_in_words(stage_letters_to_you),
            "count": len(stage_letters_to_you),
        },
        "missed": missed_context,
        "review": {
            "date": dmy(review.held_on) if review else "",
            "met": bool(review and review.target_met),
            "achieved": f"{review.attendance_achieved:.1f}"
            if review and review.attendance_achieved is not None
            else "",
            "target_pct": f"{review.target_pct:g}" if review and review.target_pct else "",
        },
        "meeting": invitation,
        "lateness": data.lateness.as_context() if data.lateness else {},
        "today": dmy(today),
    }
    details = {
        "window": context["window"],
        "earlier_letters": {k: v for k, v in letters.items() if v},
    }
    if meeting.date:
        details["meeting"] = {
            "date": meeting.date,
            "time": meeting.time,
            "place": meeting.place,
            "with": meeting.with_whom,
        }
    if missed:
        details["missed_meeting"] = {"id": missed.id, **missed_context}
    return context, details


# ---------------------------------------------------------------- making and issuing


def _write_new(path: Path, data: bytes, taken: set[Path]) -> Path:
    """Write to `path`, or to `name-2.pdf`, `name-3.pdf` … if it exists: a file that holds issued
    letters is never overwritten (placed exclusively, so not by another PC either). The file is
    written whole under a temporary name and only then given its name."""
    temp = stage(path, data)
    try:
        return _place_new(temp, path, taken)
    finally:
        discard(temp)


def _place_new(temp: Path, path: Path, taken: set[Path]) -> Path:
    """Give a staged file `path`'s name, or the next free `name-N` one."""
    candidate, n = path.resolve(), 1
    while True:
        if candidate not in taken:
            try:
                place(temp, candidate, exclusive=True)
                taken.add(candidate)
                return candidate
            except FileExistsError:
                pass
        n += 1
        candidate = path.resolve().with_name(f"{path.stem}-{n}{path.suffix}")


def _may_override(store: Store, by: str) -> None:
    if not store.users.any():
        return
    role = role_of(store, by)
    if role not in OVERRIDE_ROLES:
        who = ROLE_NAMES.get(role or "", "not a user")
        raise ServiceError(
            f"refused: only an attendance lead or the head teacher may send a letter whose conditions "
            f"do not hold ({by} is {who})"
        )


def _now_on(day: date) -> datetime:
    """The time of issue on the letter's date (the clock's time; midday for a date given for tests)."""
    now = datetime.now().astimezone()
    return now if day == now.date() else datetime.combine(day, time(12, 0)).astimezone()


def make_letters(
    store: Store,
    template: str,
    pupils: list[Pupil],
    today: date,
    by: str,
    out: Path,
    individual: bool = False,
    stage_key: str | None = None,
    meeting: Meeting | None = None,
    *,
    preview: bool = False,
    override_reason: str = "",
    skip_unmet: bool = False,
    extra_context: dict | None = None,
    extra_facts: dict | None = None,
) -> LetterBatch:
    """Make the letters of one template for these pupils, dated `today`.

    Issued (the default): each letter gets the next number, is printed with it as "Our ref", logged
    with its file and page and that file's SHA-256, and entered in the chronology; `out` is never
    overwritten (a new name is chosen beside it). With `preview`, the PDF is marked as a preview and
    nothing is numbered or logged. A pupil for whom the template's conditions do not hold is refused
    (or, with `skip_unmet`, left out and listed in `not_sent`) unless `override_reason` is given by
    an attendance lead or the head teacher; a `Needs:` condition cannot be overridden.

    A workflow's own letter (a leave decision) passes what its wording quotes as `extra_context`
    (placeholders, also kept with the letter) and what its conditions check as `extra_facts`."""
    authorize(store, by, Permission.LETTERS)
    override_reason = override_reason.strip()
    if override_reason:
        _may_override(store, by)
    meeting = meeting or Meeting()
    info = _info(store, template)
    ladder, names = support_map(store), _template_names(store)
    school = store.settings.school()
    head = Letterhead(
        school.name, school.address, school.phone, school.email, logo_image(store) or ""
    )
    sources = letter_sources(store)
    signatory, role = (
        (school.attendance_lead, "Attendance lead")
        if school.attendance_lead
        else (school.head_teacher, "Head teacher")
    )
    data, window = _read(store, pupils, today)
    contacts = store.contacts.for_pupils([p.id for p in pupils])
    stage_name = ladder.stage(stage_key).name if stage_key else ""
    batch = LetterBatch(preview=preview)
    refused, planned, overridable = [], [], True
    local = _local(store)  # read once for the batch (each read is a round trip on a server)
    for pupil in pupils:
        facts = replace(
            _facts(data[pupil.id], info, ladder, window, names),
            **local,
            **(extra_facts or {}),
        )
        failed = unmet(info.conditions, facts)
        hard = [text for c, text in failed if not c.overridable]
        soft = [text for c, text in failed if c.overridable]
        if hard or (soft and not override_reason):
            why = "; ".join(hard + soft)
            refused.append(f"{pupil.name}: {why}")
            overridable = overridable and not hard
            if skip_unmet:
                batch.not_sent.append(f"{pupil.name}: not written, {info.name} needs {why}")
            continue
        chosen, warning = recipients(contacts.get(pupil.id, []))
        if warning:
            batch.not_sent.append(f"{pupil.name}: {warning}")
        if not chosen:
            batch.not_sent.append(f"{pupil.name}: no contacts recorded, no letter made")
            continue
        written = False
        for contact in chosen:
            lines = _address_lines(contact)
            if not lines:
                batch.not_sent.append(
                    f"{pupil.name}: no postal address for {contact.name}, no letter made"
                )
                continue
            context, details = _context(
                store,
                data[pupil.id],
                contact,
                stage_name,
                meeting,
                today,
                window,
                names,
                school,
                local,
            )
            if extra_context:
                context |= extra_context
                details |= extra_context
            try:
                rendered = render_template(template, context, sources=sources)
            except TemplateProblem as exc:
                raise ServiceError(str(exc)) from None
            planned.append(
                (data[pupil.id], contact, lines, context["figures"], rendered, details, soft)
            )
            written = True
        batch.pupils += written
    if refused and not skip_unmet:
        hint = (
            " An attendance lead or the head teacher may send it anyway, giving the reason."
            if overridable
            else ""
        )
        raise ServiceError(
            f"refused: the conditions for '{info.name}' do not hold. "
            + " ".join(f"Not met for {r}." for r in refused)
            + hint
        )
    if not planned:
        raise ServiceError("no letters could be made: " + "; ".join(batch.not_sent))

    def content(item, number: int | None) -> LetterContent:
        pupil_data, contact, lines, _, rendered, _, _ = item
        p = pupil_data.pupil
        year = f", Year {p.year_group}" if p.year_group else ""
        group = f" ({p.reg_group})" if p.reg_group else ""
        return LetterContent(
            head,
            contact.name,
            lines,
            dmy(today),
            salutation(contact.name),
            rendered,
            signatory,
            role,
            f"{p.legal_name}{year}{group}",
            reference(number) if number else "",
            preview=preview,
        )

    out.parent.mkdir(parents=True, exist_ok=True)
    if preview:  # never over an existing file either: it may hold issued letters
        pdf, _ = letters_pdf([content(item, None) for item in planned])
        batch.files.append(_write_new(out, pdf, set()))
        batch.letters = len(planned)
        return batch
    written_files: list[Path] = []
    staged: list[Path] = []
    try:
        with store.write():
            if stage_key:  # another PC may have issued this stage's letter since the list was read
                planned = _not_issued_meanwhile(store, planned, stage_key, stage_name, batch)
            first = store.letters.next_number()
            contents = [content(item, first + n) for n, item in enumerate(planned)]
            pdf, starts = letters_pdf(contents)
            # Every file is first written whole under a temporary name (a kill now leaves only those,
            # removed at the next start); then all are given their names, logged and committed at once.
            staged.append(stage(out, pdf))
            singles: list[tuple[Path, Path, str] | None] = []
            for n, (item, letter) in enumerate(zip(planned, contents, strict=True)):
                if not individual:
                    singles.append(None)
                    continue
                single, _ = letters_pdf([letter])
                name = (
                    safe_name(
                        f"{reference(first + n).replace('/', '-')}-{template}-{item[0].pupil.surname}",
                        fallback="letter",
                    )
                    + ".pdf"
                )
                target = out.parent / name
                staged.append(stage(target, single))
                singles.append((staged[-1], target, hashlib.sha256(single).hexdigest()))
            taken: set[Path] = set()
            batch_file = _place_new(staged[0], out, taken)
            written_files.append(batch_file)
            batch.files.append(batch_file)
            batch_hash = hashlib.sha256(pdf).hexdigest()
            for n, (item, page) in enumerate(zip(planned, starts, strict=True)):
                pupil_data, contact, lines, figures, rendered, details, soft = item
                number, pupil = first + n, pupil_data.pupil
                file, sha, where = batch_file, batch_hash, page
                if singles[n]:  # each letter also as its own file, logged by that file's hash
                    temp, target, sha = singles[n]
                    file = _place_new(temp, target, taken)
                    written_files.append(file)
                    where = 1
                    batch.files.append(file)
                overridden = "; ".join(soft)
                store.letters.log_issued(
                    NewLetter(
                        pupil.id,
                        template,
                        stage_key,
                        contact.contact_id,
                        contact.name,
                        ", ".join(lines),
                        figures,
                        rendered.text,
                        today,
                        details,
                        override_reason if soft else "",
                        overridden,
                    ),
                    number,
                    sha,
                    str(file),
                    where,
                    by,
                )
                notes = ", ".join(lines)
                if soft:
                    notes += f". Sent although not met: {overridden}. Reason given by {by}: {override_reason}"
                    if pupil.name not in batch.overridden:
                        batch.overridden.append(pupil.name)
                store.casework.add(
                    CaseworkEntry(
                        id=None,
                        pupil_id=pupil.id,
                        at=_now_on(today),
                        kind="letter",
                        by_user=by,
                        with_whom=contact.name,
                        contact_id=contact.contact_id,
                        outcome=f"{info.name} issued ({reference(number)})",
                        notes=notes,
                    )
                )
                if soft:
                    store.audit.log(
                        by,
                        "letter conditions overridden",
                        pupil.upn,
                        f"{reference(number)} {template}: not met: {overridden}; reason: {override_reason}",
                    )
                batch.references.append(reference(number))
                batch.letters += 1
            store.audit.log(
                by,
                "letters issued",
                template,
                f"{batch.letters} letters ({batch.references[0]} to {batch.references[-1]}) for "
                f"{batch.pupils} pupils: {batch_file}",
            )
    except BaseException:
        for path in written_files:  # nothing was logged: leave no unlogged letters behind
            path.unlink(missing_ok=True)
        raise
    finally:
        for temp in staged:
            discard(temp)
    return batch


def _not_issued_meanwhile(
    store: Store, planned: list, stage_key: str, stage_name: str, batch: LetterBatch
) -> list:
    """The planned letters, less those of pupils whose letter for this stage another user issued
    after the pupils were chosen (read again under the write lock: two PCs making one stage's
    letters at once issue each pupil's once). Those pupils are listed in `not_sent`; none left:
    refused, nothing issued."""
    issued = store.letters.stage_letters_issued(
        stage_key, sorted({item[0].pupil.id for item in planned})
    )
    if not issued:
        return planned
    for pupil_id, (number, by, at) in issued.items():
        name = next(i[0].pupil.name for i in planned if i[0].pupil.id == pupil_id)
        batch.not_sent.append(
            f"{name}: not written, {by} issued the {stage_name} letter ({reference(number)}) "
            f"at {dmy_hm(read_time(at))} while these were being made"
        )
    batch.pupils -= len(issued)
    kept = [item for item in planned if item[0].pupil.id not in issued]
    if not kept:
        raise ServiceError("no letters issued: " + "; ".join(batch.not_sent))
    return kept


def stage_letters(
    store: Store,
    stage_key: str,
    today: date,
    by: str,
    out: Path,
    individual: bool = False,
    meeting: Meeting | None = None,
    *,
    preview: bool = False,
    override_reason: str = "",
) -> LetterBatch:
    """Letters for every pupil now at this stage who has not had its letter yet (a voided letter does
    not count). Pupils for whom the letter's conditions do not hold are left out and listed."""
    ladder = support_map(store)
    try:
        stage = ladder.stage(stage_key)
    except KeyError as exc:
        raise ServiceError(str(exc.args[0])) from None
    if not stage.letter:
        raise ServiceError(f"{stage.name} has no letter in the support map")
    done = store.letters.stages_written(stage_key)
    pupils = [
        s.figures.pupil
        for s in stage_overview(store, today)
        if s.current and s.current.key == stage_key and s.figures.pupil.id not in done
    ]
    if not pupils:
        raise ServiceError(f"no pupil at {stage.name} is waiting for its letter")
    return make_letters(
        store,
        stage.letter,
        pupils,
        today,
        by,
        out,
        individual,
        stage_key,
        meeting,
        preview=preview,
        override_reason=override_reason,
        skip_unmet=True,
    )


def confirm_and_make_letters(
    store: Store, upns: list[str], today: date, by: str, folder: Path
) -> int:
    """Confirm each pupil's suggested stage, then issue the letters of every stage confirmed (one batch
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
            record_step(
                store,
                state.figures.pupil.upn,
                "entered",
                today,
                by,
                state.suggestion.stage.key,
                "confirmed at the attendance review",
            )
        for key in sorted({s.suggestion.stage.key for s in chosen}):
            stage = support_map(store).stage(key)
            if stage.letter:
                pupils = [s.figures.pupil for s in chosen if s.suggestion.stage.key == key]
                out = folder / f"{key}-letters-{today.isoformat()}.pdf"
                written += make_letters(
                    store, stage.letter, pupils, today, by, out, stage_key=key, skip_unmet=True
                ).letters
    return written


# ---------------------------------------------------------------- after issue: posting, voiding, checking


def _issued(store: Store, letter_id: int) -> LetterRecord:
    letter = store.letters.by_id(letter_id)
    if letter is None:
        raise ServiceError(f"no letter {letter_id} in the letter log")
    return letter


def record_posted(
    store: Store, letter_id: int, day: date, by: str = "", today: date | None = None
) -> LetterRecord:
    """The day a letter went in the post (legal warnings are expected to go by Royal Mail): not
    before it was issued, not after today. Audited."""
    authorize(store, by, Permission.LETTERS)
    letter = _issued(store, letter_id)
    if letter.void:
        raise ServiceError(
            f"letter {letter.reference} is void ({letter.void_reason}): it is not to be posted"
        )
    latest = min(today or date.today(), date.today())
    if letter.letter_date and day < letter.letter_date:
        raise ServiceError(
            f"letter {letter.reference} was issued on {dmy(letter.letter_date)}: it cannot have been "
            f"posted on {dmy(day)}"
        )
    if day > latest:
        raise ServiceError(
            f"{dmy(day)} is in the future (today is {dmy(latest)}): record the posting on the day it happens"
        )
    with store.write():
        store.letters.mark_posted(letter.id, day)
        before = f" (was {dmy(letter.posted_on)})" if letter.posted_on else ""
        store.audit.log(
            by,
            "letter posted",
            letter.reference,
            f"posted on {dmy(day)}{before}: {letter.template} to {letter.addressee}",
        )
    return store.letters.by_id(letter.id)


def void_letter(store: Store, letter_id: int, reason: str, by: str, today: date) -> LetterRecord:
    """Void an issued letter (sent to the wrong address, wrong figures…): it stays in the log,
    marked void with the reason, in the audit and the chronology; its stage letter may be issued again."""
    authorize(store, by, Permission.LETTERS)
    letter = _issued(store, letter_id)
    if not reason.strip():
        raise ServiceError("give the reason for voiding the letter (it is kept with the letter)")
    if letter.void:
        raise ServiceError(f"letter {letter.reference} is already void ({letter.void_reason})")
    with store.write():
        store.letters.void(letter.id, reason.strip(), by)
        store.casework.add(
            CaseworkEntry(
                id=None,
                pupil_id=letter.pupil_id,
                at=_now_on(today),
                kind="letter",
                by_user=by,
                with_whom=letter.addressee,
                contact_id=letter.contact_id,
                outcome=f"Letter {letter.reference} ({letter.template}) voided",
                notes=reason.strip(),
            )
        )
        store.audit.log(
            by,
            "letter voided",
            letter.reference,
            f"{letter.template} to {letter.addressee}: {reason.strip()}",
        )
    return store.letters.by_id(letter.id)


def letter_file_problems(store: Store) -> tuple[int, list[str]]:
    """Every logged letter's file must still exist and match the SHA-256 recorded when it was issued:
    (letters checked, problems). Each file is read once however many letters it holds."""
    digests: dict[str, str | None] = {}
    problems = []
    rows = store.letters.files()
    for letter_id, number, file, page, sha, void in rows:
        if file not in digests:
            path = Path(file)
            try:
                digests[file] = (
                    hashlib.sha256(path.read_bytes()).hexdigest()
                    if file and path.is_file()
                    else None
                )
            except OSError:
                digests[file] = None
        label = f"letter {reference(number)} (log entry {letter_id}{', void' if void else ''})"
        if digests[file] is None:
            problems.append(f"{label}: its file {file or '(none recorded)'} is missing")
        elif digests[file] != sha:
            problems.append(
                f"{label}: {file} (page {page}) has changed since it was issued: its SHA-256 no longer "
                "matches the letter log"
            )
    return len(rows), problems


def letter_log(store: Store, upn: str) -> tuple[Pupil, list[LetterRecord]]:
    """The letters issued about a pupil (void ones included, marked), oldest first."""
    pupil = find_pupil(store, upn)
    return pupil, store.letters.for_pupil(pupil.id)
