"""The attendance certificate (s.566 Education Act 1996): a certified extract of the register,
session by session, with its legend, totals, the amendments made in the period and the head
teacher's declaration and signature."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from attendance_desk.documents.layout import GRID, Styles, build_pdf
from attendance_desk.presentation import CATEGORY_COLOURS


@dataclass(frozen=True)
class CertificateData:
    school: str
    urn: str
    local_authority: str
    head_teacher: str
    pupil_name: str
    dob: str
    upn: str
    year_group: str
    start: date
    end: date
    weeks: list[tuple[date, list[tuple[str, str | None]]]]  # week Monday, 10 cells (text, category)
    legend: list[tuple[str, str, str]]  # code, meaning, category label
    totals: list[tuple[str, str]]
    amendments: list[list[str]]
    parents: list[str]
    issued: date
    signature: str = ""  # the head's signature image, only when the head makes the certificate


def write_certificate(path: str | Path, c: CertificateData) -> None:
    s = Styles()
    story = [
        Paragraph("Certificate of attendance", s.title),
        Paragraph("Section 566 of the Education Act 1996", s.body),
        Spacer(0, 4 * mm),
    ]
    facts = [["School", f"{c.school} (URN {c.urn}), {c.local_authority}"],
             ["Pupil", f"{c.pupil_name}, born {c.dob}, UPN {c.upn}, Year {c.year_group}"],
             ["Period", f"{c.start:%d/%m/%Y} to {c.end:%d/%m/%Y}"],
             ["Parents with parental responsibility", "\n".join(c.parents) or "none recorded"]]
    table = Table([[Paragraph(f"<b>{k}</b>", s.cell), Paragraph(escape(v).replace("\n", "<br/>"), s.cell)]
                   for k, v in facts], colWidths=[45 * mm, 135 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([("FONT", (0, 0), (0, -1), "DejaVuSans-Bold", 8.5), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [table, Spacer(0, 4 * mm), Paragraph("Register, session by session", s.heading)]
    story += register_flowables(c.weeks, s)
    story += [Paragraph("Totals for the period", s.heading)]
    totals = Table([[k, v] for k, v in c.totals], colWidths=[120 * mm, 30 * mm], hAlign="LEFT")
    totals.setStyle(TableStyle(GRID[:1] + GRID[3:]))
    story.append(totals)
    story += [Paragraph("Codes used", s.heading), legend_table(c.legend, s)]
    story += [Paragraph("Amendments made to these entries", s.heading)]
    story.append(amendments_table(c.amendments, s) if c.amendments
                 else Paragraph("None: every entry above is as first recorded.", s.body))
    story.append(declaration(c.school, c.pupil_name, c.head_teacher, c.issued, s, c.signature))
    build_pdf(path, story, f"Certificate of attendance: {c.pupil_name}", c.school,
              f"{c.school} — certificate of attendance — {c.pupil_name} (UPN {c.upn})")


def register_flowables(weeks, s: Styles) -> list:
    header = ["Week of"] + [f"{d} {p}" for d in ("Mon", "Tue", "Wed", "Thu", "Fri") for p in ("AM", "PM")]
    rows = [header]
    style = list(GRID) + [("ALIGN", (1, 0), (-1, -1), "CENTER")]
    for r, (monday, cells) in enumerate(weeks, start=1):
        rows.append([f"{monday:%d/%m/%Y}"] + [text for text, _ in cells])
        for col, (_, category) in enumerate(cells, start=1):
            if category and category != "present":
                style.append(("BACKGROUND", (col, r), (col, r), colors.HexColor(f"#{CATEGORY_COLOURS[category]}")))
    grid = Table(rows, colWidths=[24 * mm] + [15.6 * mm] * 10, repeatRows=1, hAlign="LEFT")
    grid.setStyle(TableStyle(style))
    return [grid, Paragraph("Blank: outside the period or the school did not meet (weekends are not shown); "
                            "– : before admission or after leaving; ? : no mark recorded.", s.small)]


def legend_table(legend, s: Styles) -> Table:
    table = Table([["Code", "Meaning", "Counts as"]] + [[a, Paragraph(escape(b), s.cell), d] for a, b, d in legend],
                  colWidths=[14 * mm, 112 * mm, 54 * mm], repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(GRID))
    return table


def amendments_table(amendments, s: Styles) -> Table:
    table = Table([["Session", "Original", "Amended", "Reason", "By", "When"]]
                  + [[a, b, d, Paragraph(escape(e), s.cell), f, g] for a, b, d, e, f, g in amendments],
                  colWidths=[28 * mm, 17 * mm, 18 * mm, 65 * mm, 22 * mm, 30 * mm], repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(GRID))
    return table


def declaration(school: str, pupil: str, head: str, issued: date, s: Styles, signature: str = "") -> KeepTogether:
    signed: list = [Spacer(0, 14 * mm), Paragraph("Signed: ______________________________", s.body)]
    if signature:
        from reportlab.platypus import Image

        signed = [Spacer(0, 3 * mm), Paragraph("Signed:", s.body), Image(signature, width=50 * mm, height=15 * mm,
                                                                         kind="proportional", hAlign="LEFT")]
    return KeepTogether([
        Paragraph("Declaration", s.heading),
        Paragraph(f"I certify that the particulars above are a true extract of the attendance register kept at "
                  f"{escape(school)} under the School Attendance (Pupil Registration) (England) Regulations, "
                  f"and that {escape(pupil)} was a registered pupil of the school during the period shown.", s.body),
        *signed,
        Spacer(0, 3 * mm),
        Paragraph(f"{escape(head or 'Head teacher')}, Head teacher", s.body),
        Paragraph(f"Date: {issued:%d/%m/%Y}", s.body),
    ])
