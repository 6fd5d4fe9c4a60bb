"""The targeted support meeting pack as a landscape PDF (the workbook with the same columns is
exporters/tsm.py).

The service (`services/tsm.py`) gathers the figures and the casework; this module only lays them out.
Column headings wrap at spaces, never inside a word: each column is at least as wide as the longest
word of its heading."""

from __future__ import annotations

from html import escape
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Paragraph, Spacer, Table, TableStyle

from attendance_desk.documents.layout import BOLD, FONT, GRID, Styles, build_pdf
from attendance_desk.domain.tsm import SECTIONS, TsmPack, TsmRow, summary_lines
from attendance_desk.presentation import dmy, percent

HEADERS = (
    "Pupil",
    "Class",
    "Why listed",
    "Attendance",
    "Unauthorised sessions",
    "Stage",
    "Contacts made",
    "Barriers",
    "Actions agreed",
    "Early help",
    "Lead professional",
)
# preferred widths in mm (landscape A4 less 15 mm margins: 267 mm); widened where a heading's longest
# word needs more, the wide text columns giving way
PREFERRED_MM = (30, 12, 28, 21, 24, 23, 19, 24, 41, 22, 23)
GIVE_WAY = (2, 7, 8)  # Why listed, Barriers, Actions agreed
CELL_SIZE, CELL_LEADING, PADDING = 8, 9.8, 3
PAGE_WIDTH = landscape(A4)[0] - 30 * mm
# a pupil's row is kept whole; only a very long one (more than a page) is split, and only where at least
# this much of it fits on the page
SPLIT_ROW_FROM = 60 * mm


def contacts_text(row: TsmRow) -> str:
    return (
        f"{row.contacts_made}\nlast {dmy(row.last_contact)}"
        if row.last_contact
        else f"{row.contacts_made}"
    )


def attendance_text(row: TsmRow) -> str:
    text = percent(row.attendance_pct)
    if row.incomplete:
        text += f"\nIncomplete: {row.missing} session{'s' if row.missing != 1 else ''} with no mark"
    return text


def cells(row: TsmRow) -> list[str]:
    """The PDF's cells for a pupil, in the order of HEADERS."""
    reasons = row.reasons[0] if len(row.reasons) == 1 else "\n".join(f"• {r}" for r in row.reasons)
    return [
        f"{row.name}\n{row.upn}",
        row.reg_group,
        reasons,
        attendance_text(row),
        str(row.unauthorised),
        row.stage,
        contacts_text(row),
        row.barriers,
        row.actions_agreed,
        row.early_help,
        row.lead_professional,
    ]


# words the cells of a column must hold whole: a UPN, a date
BODY_WORDS = {0: "W999999999999", 6: "99/99/9999", 9: "99/99/9999:"}


def heading_min_width(heading: str) -> float:
    """The narrowest column (points) that holds each word of the heading whole."""
    return max(stringWidth(word, BOLD, CELL_SIZE) for word in heading.split()) + 2 * PADDING + 1


def min_width(column: int) -> float:
    """The narrowest the column may be: its heading's words, and the words its cells must keep whole."""
    body = BODY_WORDS.get(column)
    return max(
        heading_min_width(HEADERS[column]),
        stringWidth(body, FONT, CELL_SIZE) + 2 * PADDING + 1 if body else 0,
    )


def column_widths() -> list[float]:
    widths = [max(p * mm, min_width(i)) for i, p in enumerate(PREFERRED_MM)]
    excess = sum(widths) - PAGE_WIDTH
    if excess > 0:
        spare = sum(widths[i] - min_width(i) for i in GIVE_WAY)
        for i in GIVE_WAY:
            widths[i] -= excess * (widths[i] - min_width(i)) / spare
    return widths


def _paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def write_tsm_pdf(path: Path, pack: TsmPack) -> None:
    s = Styles()
    cell = ParagraphStyle("tsm_cell", parent=s.cell, fontSize=CELL_SIZE, leading=CELL_LEADING)
    head = ParagraphStyle("tsm_head", parent=cell, fontName=BOLD, splitLongWords=0)
    widths = column_widths()
    style = GRID + [
        ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
    ]
    summary = Table(
        [
            [Paragraph(f"<b>{escape(k)}</b>", s.body), Paragraph(escape(v), s.body)]
            for k, v in summary_lines(pack)
        ],
        colWidths=[62 * mm, PAGE_WIDTH - 62 * mm],
        hAlign="LEFT",
    )
    summary.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 9.5),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#C8CED6")),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    story = [Paragraph(escape(pack.title), s.title), summary, Spacer(1, 3 * mm)]
    story.append(Paragraph("Who is listed, and where the columns come from", s.heading))
    rule_style = ParagraphStyle(
        "tsm_rule", parent=s.small, leftIndent=9, bulletIndent=1, bulletFontName=FONT
    )
    story += [Paragraph(escape(rule), rule_style, bulletText="•") for rule in pack.rules]
    header = [Paragraph(escape(h), head) for h in HEADERS]
    for key, heading in SECTIONS.items():
        rows = [r for r in pack.rows if r.group == key]
        if not rows:
            continue
        story.append(CondPageBreak(40 * mm))
        story.append(Paragraph(f"{escape(heading)} ({len(rows)})", s.heading))
        table = Table(
            [header] + [[_paragraph(v, cell) for v in cells(r)] for r in rows],
            colWidths=widths,
            repeatRows=1,
            hAlign="LEFT",
            splitInRow=SPLIT_ROW_FROM,
        )
        shading = [
            ("BACKGROUND", (0, i), (-1, i), colors.HexColor("#F6F8FA"))
            for i in range(2, len(rows) + 1, 2)
        ]
        table.setStyle(TableStyle(style + shading))
        story.append(table)
    if not pack.rows:
        story.append(Paragraph("No pupil on roll meets any of the rules above.", s.body))
    build_pdf(
        path,
        story,
        pack.title,
        pack.school,
        f"{pack.school} — targeted support meeting {pack.period} — confidential",
        wide=True,
    )
