"""The referral evidence pack: one PDF, every page footed with the pupil's name and UPN."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from html import escape
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, Spacer, Table, TableStyle

from attendance_desk.documents.certificate import (
    amendments_table,
    declaration,
    legend_table,
    register_flowables,
)
from attendance_desk.documents.layout import GRID, Styles, build_pdf


@dataclass(frozen=True)
class PackData:
    school: object  # SchoolSettings
    pupil: object  # Pupil
    today: date
    prepared_by: str
    checklist: list[tuple[str, bool, str]]
    contacts: list
    siblings: list[str]
    years: list  # (label, PupilFigures, weeks, legend)
    amendments: list[list[str]]
    chronology: list[list[str]]
    letters: list[list[str]]
    meetings: list  # (label, Meeting)
    plans: list  # (label, Plan)
    stages: list[list[str]]
    meeting_figures: dict = field(default_factory=dict)  # meeting id -> the figures on the day it was held


def _table(rows, widths, s: Styles, header=True) -> Table:
    body = [[Paragraph(escape(str(v)), s.cell) if isinstance(v, str) and len(v) > 18 else v for v in row] for row in rows]
    table = Table(body, colWidths=[w * mm for w in widths], repeatRows=1 if header else 0, hAlign="LEFT")
    table.setStyle(TableStyle(GRID if header else GRID[:1] + GRID[3:]))
    return table


def _none(s: Styles, text: str = "None recorded.") -> Paragraph:
    return Paragraph(text, s.body)


def write_pack(path: str | Path, d: PackData) -> None:
    s, p, sch = Styles(), d.pupil, d.school
    story = [Paragraph("Referral to the Education Welfare Service: evidence pack", s.title),
             Paragraph(f"{escape(sch.name)} (URN {escape(sch.urn)}), {escape(sch.local_authority)}", s.body),
             Paragraph(f"Pupil: <b>{escape(p.legal_name)}</b>, UPN {p.upn}. Prepared {d.today:%d/%m/%Y} by "
                       f"{escape(d.prepared_by)}. Named EWO: {escape(sch.named_ewo or 'not recorded')}.", s.body),
             Paragraph("Checklist", s.heading)]
    check = Table([["Evidence", "", "Detail"]] + [[Paragraph(escape(item), s.cell), "Yes" if ok else "MISSING",
                                                  Paragraph(escape(detail), s.cell)] for item, ok, detail in d.checklist],
                  colWidths=[70 * mm, 20 * mm, 90 * mm], repeatRows=1, hAlign="LEFT")
    style = list(GRID)
    for r, (_, ok, _) in enumerate(d.checklist, start=1):
        style.append(("BACKGROUND", (1, r), (1, r), colors.HexColor("#D9EAD3" if ok else "#F4CCCC")))
    check.setStyle(TableStyle(style))
    missing = sum(not ok for _, ok, _ in d.checklist)
    story += [check, Paragraph(f"{missing} item(s) missing. Local authorities return incomplete referrals."
                               if missing else "Every item on the checklist is present.", s.body)]

    story += [PageBreak(), Paragraph("The pupil", s.heading)]
    flags = [x for x, on in (("SEN support", p.sen == "K"), ("EHCP", p.sen == "E"), ("FSM", p.fsm),
                             ("child protection plan", p.cp_plan), ("looked after", p.looked_after),
                             ("child in need", p.child_in_need), ("young carer", p.young_carer)) if on]
    facts = [["Name", p.legal_name + (f" (known as {p.preferred_name})" if p.preferred_name else "")],
             ["Date of birth", f"{p.dob:%d/%m/%Y}" if p.dob else "not recorded"], ["Sex", p.sex or ""],
             ["Year and class", f"Year {p.year_group}, {p.reg_group}"], ["UPN", p.upn],
             ["Admitted", f"{p.admission_date:%d/%m/%Y}" if p.admission_date else "not recorded"],
             ["Needs and vulnerability", ", ".join(flags) or "none recorded"],
             ["Social worker", p.social_worker or "none recorded"],
             ["Brothers and sisters at the school", ", ".join(d.siblings) or "none"]]
    story.append(_table(facts, [50, 130], s, header=False))
    story.append(Paragraph("Parents and carers", s.heading))
    rows = [["Name", "Relationship", "PR", "Address", "Phones"]]
    rows += [[c.name, c.relationship, "Yes" if c.parental_responsibility else "No", f"{c.address} {c.postcode}".strip(),
              ", ".join(ph.number for ph in c.phones)] for c in d.contacts]
    story.append(_table(rows, [38, 26, 12, 66, 38], s) if d.contacts else _none(s))

    story.append(Paragraph("Attendance figures", s.heading))
    rows = [["", "Period", "Possible", "Attendance", "Authorised", "Unauthorised", "Most unauth. in 10 weeks"]]
    for label, row, _, _ in d.years:
        f = row.figures
        rows.append([label, f"{row.start:%d/%m/%Y} to {row.end:%d/%m/%Y}", f.possible,
                     f"{f.attendance_pct:.1f}%" if f.attendance_pct is not None else "–", f.authorised, f.unauthorised,
                     row.max_unauthorised_10_school_weeks])
    story.append(_table(rows, [19, 42, 17, 21, 21, 25, 35], s))
    for label, row, weeks, legend in d.years:
        story += [PageBreak(), Paragraph(f"Register: {label.lower()} ({row.start:%d/%m/%Y} to {row.end:%d/%m/%Y})", s.heading)]
        story += register_flowables(weeks, s)
        story += [Spacer(0, 3 * mm), legend_table(legend, s)]
    story += [PageBreak(), Paragraph("Changes to the register", s.heading),
              amendments_table(d.amendments, s) if d.amendments else _none(s, "No entry has been changed.")]
    story.append(Paragraph("Support-map stages", s.heading))
    story.append(_table([["When", "Step", "Stage", "Figures then", "By", "Note"]] + d.stages, [29, 17, 48, 26, 22, 38], s)
                 if d.stages else _none(s))
    story.append(Paragraph("Letters", s.heading))
    story.append(_table([["Date", "Letter", "To", "Address", "Posted"]] + d.letters, [20, 26, 36, 72, 26], s)
                 if d.letters else _none(s, "No letters recorded."))
    story.append(Paragraph("Meetings, targets and reviews", s.heading))
    if not d.meetings:
        story.append(_none(s))
    for label, m in d.meetings:
        rows = [[f"{label}, {m.held_on:%d/%m/%Y}", "Parent attended" if m.parent_attended else "Parent did not attend"]]
        if d.meeting_figures.get(m.id):
            rows.append(["Attendance", d.meeting_figures[m.id]])
        for name, value in (("Attendees", m.attendees), ("Barriers", m.barriers), ("Pupil's views", m.pupil_voice),
                            ("Parent will", m.actions_parent), ("School will", m.actions_school),
                            ("Others will", m.actions_others), ("Decision", m.decision)):
            if value:
                rows.append([name, value])
        if m.target_pct is not None:
            target = f"{m.target_pct:g}% from {m.target_from:%d/%m/%Y} to {m.target_to:%d/%m/%Y}"
            if m.kind == "review":
                achieved = f"{m.attendance_achieved:.1f}%" if m.attendance_achieved is not None else "no sessions yet"
                target += f": achieved {achieved}, {'met' if m.target_met else 'not met'}"
            rows.append(["Target", target])
        if m.review_date and m.kind != "review":
            rows.append(["Review", f"{m.review_date:%d/%m/%Y}"])
        story += [_table(rows, [40, 140], s), Spacer(0, 3 * mm)]
    story.append(Paragraph("Parenting contracts and plans", s.heading))
    if not d.plans:
        story.append(_none(s))
    for label, plan in d.plans:
        rows = [[label, f"{plan.starts:%d/%m/%Y} to {plan.ends:%d/%m/%Y}, review {plan.review_date:%d/%m/%Y}"],
                ["Parent agrees to", plan.parent_commitments], ["School will", plan.school_support]]
        if plan.agency_support:
            rows.append(["Other services will", plan.agency_support])
        if plan.target_pct is not None:
            rows.append(["Target", f"{plan.target_pct:g}%"])
        story += [_table(rows, [40, 140], s), Spacer(0, 3 * mm)]
    story += [Paragraph("Chronology of contact with the family", s.heading),
              _table([["When", "What", "By", "With", "Outcome", "Notes"]] + d.chronology, [26, 18, 20, 30, 40, 46], s)
              if d.chronology else _none(s)]
    if d.years:
        label, row, _, _ = d.years[0]
        story += [PageBreak(), Paragraph("Certificate of attendance (section 566 of the Education Act 1996)", s.heading),
                  Paragraph(f"The register for {row.start:%d/%m/%Y} to {row.end:%d/%m/%Y} is printed above. "
                            f"Possible sessions {row.figures.possible}; attendance "
                            f"{row.figures.attendance_pct if row.figures.attendance_pct is not None else 0:.1f}%.", s.body),
                  declaration(sch.name, p.legal_name, sch.head_teacher, d.today, s, start=row.start)]
    build_pdf(path, story, f"Evidence pack: {p.legal_name}", sch.name,
              f"{sch.name} — evidence pack — {p.legal_name} (UPN {p.upn}) — confidential")
