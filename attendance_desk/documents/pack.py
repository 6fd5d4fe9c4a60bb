"""The referral evidence pack: one PDF. Its own pages (the checklist first, the referral form, the
casework) are footed with the pupil's name and UPN; the head's certificate and the stored pages of the
letters issued follow, unchanged, and every page is numbered "page x of y" across the whole pack."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape
from pathlib import Path
from typing import Protocol

from pypdf import PdfReader, PdfWriter
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import PageBreak, Paragraph, Spacer, Table, TableStyle

from attendance_desk.documents.certificate import amendments_table, legend_table, register_flowables
from attendance_desk.documents.layout import FONT, GRID, Styles, build_pdf, register_fonts
from attendance_desk.domain.groups import pupil_flags
from attendance_desk.domain.people import Pupil
from attendance_desk.presentation import dmy


class SchoolOnPaper(Protocol):
    """What the pack prints about the school (the school's settings carry it)."""

    @property
    def name(self) -> str: ...
    @property
    def urn(self) -> str: ...
    @property
    def local_authority(self) -> str: ...
    @property
    def named_ewo(self) -> str: ...


STATUS = {
    "met": ("Met", "#D9EAD3"),
    "missing": ("MISSING", "#F4CCCC"),
    "not applicable": ("Not applicable", "#EEEEEE"),
}


@dataclass(frozen=True)
class PackData:
    school: SchoolOnPaper
    pupil: Pupil
    today: date
    prepared_by: str
    checklist: list[
        tuple[str, str, str]
    ]  # (item, "met" / "missing" / "not applicable", evidence or what is missing)
    form: list[list[str]]  # the EWS referral form: (field, value)
    contacts: list
    years: list  # (label, PupilFigures, weeks, legend)
    amendments: list[list[str]]
    chronology: list[list[str]]
    letters: list[list[str]]
    meetings: list  # (label, Meeting)
    plans: list  # (label, Plan)
    stages: list[list[str]]
    meeting_figures: dict = field(
        default_factory=dict
    )  # meeting id -> the figures on the day it was held
    # leave requests, penalty notices and missing-education referrals: (when, what, detail)
    legal: list[list[str]] = field(default_factory=list)


@dataclass(frozen=True)
class Appendix:
    """Pages of a stored PDF appended as they are: `first` to `last` (1-based; None: to the end)."""

    title: str
    path: Path
    first: int = 1
    last: int | None = None


def _table(
    rows: Sequence[Sequence[object]], widths: Sequence[float], s: Styles, header: bool = True
) -> Table:
    """Every text cell wraps at spaces inside its column (a date and time, a long word never run over)."""
    body = [
        [
            Paragraph(escape(v), s.cell_bold if header and r == 0 else s.cell)
            if isinstance(v, str)
            else v
            for v in row
        ]
        for r, row in enumerate(rows)
    ]
    table = Table(
        body, colWidths=[w * mm for w in widths], repeatRows=1 if header else 0, hAlign="LEFT"
    )
    table.setStyle(TableStyle(GRID if header else GRID[:1] + GRID[3:]))
    return table


def _none(s: Styles, text: str = "None recorded.") -> Paragraph:
    return Paragraph(text, s.body)


def _lines(text: str) -> str:
    return "<br/>".join(escape(x) for x in str(text).split("\n"))


def checklist_flowables(d: PackData, appendices: list[str], s: Styles) -> list:
    rows = [["Item of the referral table", "Status", "Evidence found, or what is missing"]]
    style = list(GRID)
    for r, (item, status, detail) in enumerate(d.checklist, start=1):
        label, colour = STATUS[status]
        rows.append(
            [
                Paragraph(escape(item), s.cell),
                Paragraph(label, s.cell_bold),
                Paragraph(escape(detail), s.small),
            ]
        )
        style.append(("BACKGROUND", (1, r), (1, r), colors.HexColor(colour)))
    table = Table(rows, colWidths=[50 * mm, 25 * mm, 105 * mm], repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            style
            + [("TOPPADDING", (0, 0), (-1, -1), 1.8), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.8)]
        )
    )
    missing = sum(status == "missing" for _, status, _ in d.checklist)
    summary = (
        f"<b>{missing} item(s) missing.</b> The local authority returns incomplete referrals."
        if missing
        else "<b>Every applicable item is met.</b>"
    )
    if appendices:
        summary += (
            f" {len(appendices)} document(s) are attached after the pack's own pages, as they were issued "
            "(listed on the next page)."
        )
    return [Paragraph(summary, s.body), Spacer(0, 2 * mm), table]


def write_pack(d: PackData, appendices: list[str]) -> bytes:
    """The pack's own pages, as PDF bytes (numbered later, across the appended pages too)."""
    s, p, sch = Styles(), d.pupil, d.school
    story = [
        Paragraph("Referral to the Education Welfare Service: evidence pack", s.title),
        Paragraph(
            f"{escape(sch.name)} (URN {escape(sch.urn)}), {escape(sch.local_authority)}", s.body
        ),
        Paragraph(
            f"Pupil: <b>{escape(p.legal_name)}</b>, UPN {p.upn}. Prepared {dmy(d.today)} by "
            f"{escape(d.prepared_by)}. Named EWO: {escape(sch.named_ewo or 'not recorded')}. Figures are "
            f"as at {dmy(d.today)} unless a date is given.",
            s.body,
        ),
        Paragraph("Checklist", s.heading),
    ]
    story += checklist_flowables(d, appendices, s)
    story += [PageBreak(), Paragraph("Referral form (Education Welfare Service)", s.heading)]
    form = Table(
        [[Paragraph(escape(k), s.cell_bold), Paragraph(_lines(v), s.cell)] for k, v in d.form],
        colWidths=[50 * mm, 130 * mm],
        hAlign="LEFT",
    )
    form.setStyle(TableStyle(GRID[:1] + GRID[3:]))
    story.append(form)
    if appendices:
        story += [
            Paragraph("Attached at the end of the pack", s.heading),
            _table(
                [["", "Document (as issued; a voided letter is not attached)"]]
                + [[str(n), title] for n, title in enumerate(appendices, start=1)],
                [10, 170],
                s,
            ),
        ]
    story.append(Paragraph("The pupil", s.heading))
    flags = pupil_flags(p)
    facts = [
        ["Name", p.legal_name + (f" (known as {p.preferred_name})" if p.preferred_name else "")],
        ["Date of birth", f"{dmy(p.dob)}" if p.dob else "not recorded"],
        ["Sex", p.sex or ""],
        ["Year and class", f"Year {p.year_group}, {p.reg_group}"],
        ["UPN", p.upn],
        ["Admitted", f"{dmy(p.admission_date)}" if p.admission_date else "not recorded"],
        ["Needs and vulnerability", ", ".join(flags) or "none recorded"],
        ["Social worker", p.social_worker or "none recorded"],
    ]
    story.append(_table(facts, [50, 130], s, header=False))
    story.append(Paragraph("Parents and carers", s.heading))
    rows = [["Name", "Relationship", "PR", "Address", "Phones"]]
    rows += [
        [
            c.name,
            c.relationship,
            "Yes" if c.parental_responsibility else "No",
            f"{c.address} {c.postcode}".strip(),
            ", ".join(ph.number for ph in c.phones),
        ]
        for c in d.contacts
    ]
    story.append(_table(rows, [38, 26, 12, 66, 38], s) if d.contacts else _none(s))

    story.append(Paragraph("Attendance figures", s.heading))
    rows = [
        [
            "",
            "Period",
            "Possible",
            "Attendance",
            "Authorised",
            "Unauthorised",
            "Most unauth. in 10 weeks",
        ]
    ]
    for label, row, _, _ in d.years:
        f = row.figures
        rows.append(
            [
                label,
                f"{dmy(row.start)} to {dmy(row.end)}",
                f.possible,
                f"{f.attendance_pct:.1f}%" if f.attendance_pct is not None else "–",
                f.authorised,
                f.unauthorised,
                row.max_unauthorised_10_school_weeks,
            ]
        )
    story.append(_table(rows, [18, 40, 17, 23, 22, 25, 35], s))
    for label, row, weeks, legend in d.years:
        if not (row.figures.possible or row.figures.not_counted):
            continue  # no marks that year: nothing to print but empty weeks
        story += [
            PageBreak(),
            Paragraph(f"Register: {label.lower()} ({dmy(row.start)} to {dmy(row.end)})", s.heading),
        ]
        story += register_flowables(weeks, s)
        story += [Spacer(0, 3 * mm), legend_table(legend, s)]
    story += [
        PageBreak(),
        Paragraph("Changes to the register", s.heading),
        amendments_table(d.amendments, s)
        if d.amendments
        else _none(s, "No entry has been changed."),
    ]
    story.append(Paragraph("Support-map stages", s.heading))
    story.append(
        _table(
            [["When", "Step", "Stage", "Figures then", "By", "Note"]] + d.stages,
            [29, 17, 48, 26, 22, 38],
            s,
        )
        if d.stages
        else _none(s)
    )
    story.append(Paragraph("Letters", s.heading))
    story.append(
        _table([["Date", "Letter", "To", "Address", "Posted"]] + d.letters, [20, 26, 36, 72, 26], s)
        if d.letters
        else _none(s, "No letters recorded.")
    )
    story.append(Paragraph("Meetings, targets and reviews", s.heading))
    if not d.meetings:
        story.append(_none(s))
    for label, m in d.meetings:
        rows = [
            [
                f"{label}, {dmy(m.held_on)}",
                "Parent attended" if m.parent_attended else "Parent did not attend",
            ]
        ]
        if d.meeting_figures.get(m.id):
            rows.append(["Attendance", d.meeting_figures[m.id]])
        for name, value in (
            ("Attendees", m.attendees),
            ("Barriers", m.barriers),
            ("Pupil's views", m.pupil_voice),
            ("Parent will", m.actions_parent),
            ("School will", m.actions_school),
            ("Others will", m.actions_others),
            ("Decision", m.decision),
        ):
            if value:
                rows.append([name, value])
        if m.target_pct is not None:
            target = f"{m.target_pct:g}% from {dmy(m.target_from)} to {dmy(m.target_to)}"
            if m.kind == "review":
                achieved = (
                    f"{m.attendance_achieved:.1f}%"
                    if m.attendance_achieved is not None
                    else "no sessions yet"
                )
                target += f": achieved {achieved}, {'met' if m.target_met else 'not met'}"
            rows.append(["Target", target])
        if m.review_date and m.kind != "review":
            rows.append(["Review", f"{dmy(m.review_date)}"])
        story += [_table(rows, [40, 140], s), Spacer(0, 3 * mm)]
    story.append(Paragraph("Parenting contracts and plans", s.heading))
    if not d.plans:
        story.append(_none(s))
    for label, plan in d.plans:
        rows = [
            [
                label,
                f"{dmy(plan.starts)} to {dmy(plan.ends)}, review {dmy(plan.review_date)}",
            ],
            ["Parent agrees to", plan.parent_commitments],
            ["School will", plan.school_support],
        ]
        if plan.agency_support:
            rows.append(["Other services will", plan.agency_support])
        if plan.target_pct is not None:
            rows.append(["Target", f"{plan.target_pct:g}%"])
        story += [_table(rows, [40, 140], s), Spacer(0, 3 * mm)]
    story += [
        Paragraph(
            "Leave of absence, penalty notices and children missing education referrals", s.heading
        ),
        _table([["When", "What", "Detail"]] + d.legal, [27, 60, 93], s) if d.legal else _none(s),
        Paragraph("Chronology of contact with the family", s.heading),
        _table(
            [["When", "What", "By", "With", "Outcome", "Notes"]] + d.chronology,
            [27, 24, 15, 30, 40, 44],
            s,
        )
        if d.chronology
        else _none(s),
    ]
    out = io.BytesIO()
    build_pdf(
        out,
        story,
        f"Evidence pack: {p.legal_name}",
        sch.name,
        f"{sch.name} — evidence pack — {p.legal_name} (UPN {p.upn}) — confidential",
        numbered=False,
    )
    return out.getvalue()


def append_pages(out: str | Path, pack: bytes, appendices: list[Appendix], header: str) -> int:
    """Write the pack's pages then each appendix's pages, numbering every page "Page x of y" (at the foot
    of the pack's own pages; at the head of appended pages, which keep their own footers, with `header`).
    Returns the number of pages."""
    writer = PdfWriter()
    own = PdfReader(io.BytesIO(pack)).pages
    for page in own:
        writer.add_page(page)
    for a in appendices:
        pages = PdfReader(a.path).pages
        for index in range(a.first - 1, a.last if a.last is not None else len(pages)):
            writer.add_page(pages[index])
    total = len(writer.pages)
    register_fonts()
    stamp = io.BytesIO()
    canvas = Canvas(stamp)
    for n, page in enumerate(writer.pages, start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        canvas.setPageSize((width, height))
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        if n <= len(own):
            canvas.drawRightString(width - 15 * mm, 9 * mm, f"Page {n} of {total}")
        else:
            canvas.drawString(15 * mm, height - 7 * mm, header)
            canvas.drawRightString(width - 15 * mm, height - 7 * mm, f"Page {n} of {total}")
        canvas.showPage()
    canvas.save()
    for page, mark in zip(writer.pages, PdfReader(io.BytesIO(stamp.getvalue())).pages, strict=True):
        page.merge_page(mark)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        writer.write(fh)
    return total
