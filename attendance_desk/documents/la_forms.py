"""Forms the school sends the local authority: a request to issue a penalty notice (with its evidence)
and a children-missing-education referral. The services gather what the form says (as at its date);
this module lays it out: a title, who and when, then sections of labelled lines or lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from attendance_desk.documents.layout import GRID, Styles, build_pdf


@dataclass(frozen=True)
class Section:
    heading: str
    lines: Sequence[tuple[str, str]] = ()  # label, value
    items: Sequence[str] = ()  # a list (one line each)
    empty: str = "none recorded"  # what a section with no lines and no items says
    table: Sequence[Sequence[str]] = ()  # a table, first row the headings


@dataclass(frozen=True)
class LaForm:
    title: str
    school: str
    reference: str  # printed under the title ("Request to Northshire County Council, 19/12/2024")
    pupil_line: str  # on every page's footer, with the school
    sections: Sequence[Section] = field(default_factory=tuple)
    declaration: str = ""  # signed by the school


def write_la_form(path: str | Path, form: LaForm) -> None:
    s = Styles()
    story = [
        Paragraph(escape(form.title), s.title),
        Paragraph(f"{escape(form.school)} — {escape(form.reference)}", s.body),
        Spacer(0, 4),
    ]
    for section in form.sections:
        block = [Paragraph(escape(section.heading), s.heading)]
        if section.lines:
            rows = [
                [Paragraph(escape(label), s.cell_bold), Paragraph(escape(value or "—"), s.cell)]
                for label, value in section.lines
            ]
            table = Table(rows, colWidths=[150, 360], hAlign="LEFT")
            table.setStyle(TableStyle([g for g in GRID if g[0] not in ("FONT", "BACKGROUND")]))
            block.append(table)
        if section.table:
            head, *body = section.table
            rows = [[Paragraph(escape(c), s.cell_bold) for c in head]] + [
                [Paragraph(escape(c), s.cell) for c in row] for row in body
            ]
            table = Table(rows, repeatRows=1, hAlign="LEFT")
            table.setStyle(TableStyle(GRID))
            block.append(table)
        for item in section.items:
            block.append(Paragraph("• " + escape(item), s.body))
        if not (section.lines or section.items or len(section.table) > 1):
            block.append(Paragraph(escape(section.empty), s.body))
        story.append(KeepTogether(block[:3]))
        story.extend(block[3:])
    if form.declaration:
        story.append(
            KeepTogether(
                [
                    Spacer(0, 10),
                    Paragraph(escape(form.declaration), s.body),
                    Spacer(0, 18),
                    Paragraph(
                        "Signed: ______________________________   Date: ____________", s.body
                    ),
                    Spacer(0, 8),
                    Paragraph("Name and role: ______________________________", s.body),
                ]
            )
        )
    build_pdf(
        path,
        story,
        form.title,
        "Attendance Desk",
        f"{form.school} — {form.pupil_line} — {form.title} — confidential",
    )
