"""The referral evidence pack for the local authority's Education Welfare Service, and the checklist
of stage 1 and stage 2 evidence (DOMAIN.md §6) that shows what is missing before it is sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from attendance_desk.documents.pack import PackData, write_pack
from attendance_desk.documents.templates import template_info, template_names
from attendance_desk.domain.calendar import academic_year_bounds, academic_year_of
from attendance_desk.domain.roles import Permission
from attendance_desk.services.as_at import figures_as_at, recorded_later
from attendance_desk.services.certificates import register_weeks, when_text
from attendance_desk.services.figures import pupil_figures
from attendance_desk.services.marks import find_pupil
from attendance_desk.services.meetings import KINDS, PLAN_KINDS
from attendance_desk.services.school import support_map
from attendance_desk.services.users import authorize
from attendance_desk.store.db import Store

WARNING_LETTERS = {"stage3", "formal_warning", "penalty_warning", "notice_to_improve", "referral_notice"}
WARNING_WITHIN_WEEKS = 18


@dataclass(frozen=True)
class CheckItem:
    item: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class PackResult:
    out: Path
    checklist: list[CheckItem]

    @property
    def missing(self) -> list[CheckItem]:
        return [c for c in self.checklist if not c.ok]


def evidence_checklist(store: Store, upn: str, today: date) -> list[CheckItem]:
    pupil = find_pupil(store, upn)
    start = academic_year_bounds(academic_year_of(today))[0]
    last_start, last_end = academic_year_bounds(academic_year_of(today) - 1)
    contacts = store.contacts.for_pupils([pupil.id]).get(pupil.id, [])
    with_pr = [c for c in contacts if c.parental_responsibility]
    letters = [x for x in store.letters.for_pupil(pupil.id) if not x.void]  # a voided letter is no evidence
    written_to = {x.contact_id for x in letters}
    casework = store.casework.for_pupil(pupil.id)
    meetings = store.meetings.meetings(pupil.id)
    sams = [m for m in meetings if m.kind == "sam"]
    reviews = [m for m in meetings if m.kind == "review"]
    recent = [x for x in letters if x.template in WARNING_LETTERS
              and x.generated_at[:10] >= (today - timedelta(weeks=WARNING_WITHIN_WEEKS)).isoformat()]
    calls = [e for e in casework if e.kind == "call"]
    visits = [e for e in casework if e.kind == "home_visit"]
    early = [e for e in casework if e.kind == "early_help"] + [m for m in meetings if m.actions_others.strip()]
    history = store.marks.history(pupil.id)
    plans = store.meetings.plans(pupil.id)
    unwritten = [c.name for c in with_pr if c.contact_id not in written_to]
    return [
        CheckItem("Attendance this year", True, f"from {start:%d/%m/%Y}"),
        CheckItem("Attendance last year", pupil.on_roll_between(last_start, last_end) is not None,
                  "included" if pupil.on_roll_between(last_start, last_end) else "not on roll last year"),
        CheckItem("Register change history", True, f"{len(history)} amendment(s) listed"),
        CheckItem("Parents with parental responsibility identified", bool(with_pr),
                  ", ".join(c.name for c in with_pr) or "none recorded: check who has parental responsibility"),
        CheckItem("Letters sent separately to each parent with parental responsibility", bool(with_pr) and not unwritten,
                  "not yet written to: " + ", ".join(unwritten) if unwritten else f"{len(letters)} letter(s)"),
        CheckItem(f"A formal warning within the last {WARNING_WITHIN_WEEKS} weeks", bool(recent),
                  f"{recent[-1].template} on {recent[-1].generated_at[:10]}" if recent else "none"),
        CheckItem("School Attendance Meeting with targets", any(m.target_pct for m in sams),
                  f"{len(sams)} meeting(s)" if sams else "none recorded"),
        CheckItem("Review of the targets", bool(reviews),
                  "; ".join(f"{m.held_on:%d/%m/%Y}: {'met' if m.target_met else 'not met'}" for m in reviews) or "none"),
        CheckItem("Parenting contract or attendance improvement plan", bool(plans), f"{len(plans)} recorded"),
        CheckItem("Home visit", bool(visits), f"{len(visits)} recorded" if visits else "none recorded"),
        CheckItem("First-day contact log", bool(calls), f"{len(calls)} call(s)"),
        CheckItem("Pupil's views", any(m.pupil_voice.strip() for m in meetings), "from meeting notes"),
        CheckItem("Early help or other agencies offered", bool(early), f"{len(early)} record(s)" if early else "none recorded"),
    ]


def assemble_evidence_pack(store: Store, upn: str, today: date, out: Path, by: str) -> PackResult:
    authorize(store, by, Permission.LETTERS)
    pupil = find_pupil(store, upn)
    checklist = evidence_checklist(store, upn, today)
    school = store.settings.school()
    start = academic_year_bounds(academic_year_of(today))[0]
    last_start, last_end = academic_year_bounds(academic_year_of(today) - 1)
    years = []
    for label, first, last in (("This year", start, today), ("Last year", last_start, last_end)):
        rows = pupil_figures(store, first, last, pupils=[pupil])
        if rows:
            weeks, legend = register_weeks(store, pupil, rows[0].start, rows[0].end, today)
            years.append((label, rows[0], weeks, legend))
    contacts = store.contacts.for_pupils([pupil.id]).get(pupil.id, [])
    sibling_ids = {pid for pid, cs in store.contacts.for_pupils().items()
                   if pid != pupil.id and {c.contact_id for c in cs} & {c.contact_id for c in contacts}}
    siblings = [p for p in (store.pupils.by_id(pid) for pid in sorted(sibling_ids)) if p and p.on_roll(today)]
    ladder = support_map(store)
    stages = []
    for e in sorted(store.stages.events(pupil.id), key=lambda e: (e.on, e.id)):
        name = ladder.stage_or_earlier(e.stage_key).name if e.stage_key else ""
        later = recorded_later(e.by_user, e.at, e.on, e.late_reason)
        stages.append([f"{e.on:%d/%m/%Y}", e.event, name, ladder.describe(e.measure_value) if e.measure_value is not None
                       else "", e.by_user, "; ".join(x for x in (e.note, later) if x)])
    meetings = store.meetings.meetings(pupil.id)
    letter_names = {key: template_info(key).name for key in {x.template for x in store.letters.for_pupil(pupil.id)}
                    if key in template_names()}
    write_pack(out, PackData(
        school=school, pupil=pupil, today=today, prepared_by=by,
        checklist=[(c.item, c.ok, c.detail) for c in checklist],
        contacts=contacts, siblings=[f"{p.name} ({p.reg_group})" for p in siblings], years=years,
        amendments=[[f"{e.date:%d/%m/%Y} {e.session}", e.old_code, e.new_code, e.reason, e.changed_by, when_text(e.changed_at)]
                    for e in store.marks.history(pupil.id)],
        chronology=[[e.at.strftime("%d/%m/%Y %H:%M"), e.kind.replace("_", " "), e.by_user, e.with_whom, e.outcome,
                     "; ".join(x for x in (e.notes, recorded_later(e.recorded_by, e.recorded_at, e.at, e.late_reason)) if x)]
                    for e in store.casework.for_pupil(pupil.id)],
        letters=[[f"{x.letter_date:%d/%m/%Y}",
                  f"{letter_names.get(x.template, x.template)} ({x.reference})"
                  + (f"; sent although its conditions did not hold: {x.override_reason}" if x.override_reason else ""),
                  x.addressee, x.address,
                  f"VOID: {x.void_reason}" if x.void else f"{x.posted_on:%d/%m/%Y}" if x.posted_on else "not recorded"]
                 for x in store.letters.for_pupil(pupil.id)],
        meetings=[(KINDS[m.kind], m) for m in meetings],
        meeting_figures={m.id: figures_as_at(store, pupil, m.held_on).summary() for m in meetings},
        plans=[(PLAN_KINDS[p.kind], p) for p in store.meetings.plans(pupil.id)],
        stages=stages,
    ))
    store.audit.log(by, "evidence pack made", pupil.upn, f"{out}; {sum(not c.ok for c in checklist)} item(s) missing")
    return PackResult(out, checklist)
