"""The targeted support meeting pack as a landscape PDF and as a workbook with the same columns.

The service (`services/tsm.py`) gathers the figures and the casework; this module only lays them out.
Column headings wrap at spaces, never inside a word: each column is at least as wide as the longest
word of its heading."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Paragraph, Spacer, Table, TableStyle

from attendance_desk.documents.layout import BOLD, FONT, GRID, Styles, build_pdf
from attendance_desk.files import atomic_path
from attendance_desk.presentation import percent


@dataclass(frozen=True)
class TsmRow:
    upn: str
    name: str
    reg_group: str
    group: str  # "persistent", "at_risk" or "part_time": the section the pupil is listed in
    reasons: tuple[str, ...]  # why the pupil is listed, each in words
    attendance_pct: float | None  # from domain.figures.one_decimal
    absence_pct: float | None
    unauthorised: int  # sessions (G, N, O, U) in the period
    missing: int  # sessions with no mark: the figures are incomplete
    severe: bool
    stage: str
    contacts_made: int
    last_contact: date | None
    barriers: str
    actions_agreed: str
    early_help: str
    lead_professional: str

    @property
    def incomplete(self) -> bool:
        return self.missing > 0


@dataclass(frozen=True)
class TsmSummary:
    """The whole school's figures for the period, as services.figures.summarise counts them."""

    attendance_pct: float | None
    persistent: int
    persistent_pct: float | None
    severe: int
    severe_pct: float | None
    pupils: int  # enrolments with at least one possible session: the rates' denominator
    on_roll: int  # every enrolment in the period
    incomplete: int  # pupils with sessions that have no mark


@dataclass(frozen=True)
class TsmPack:
    school: str
    start: date
    end: date
    summary: TsmSummary
    rows: list[TsmRow]
    rules: tuple[str, ...]  # why pupils are listed and where the lead professional comes from
    attendance_lead: str = ""
    named_ewo: str = ""

    @property
    def title(self) -> str:
        return f"Targeted support meeting: {self.school}"

    @property
    def period(self) -> str:
        return f"{self.start:%d/%m/%Y} to {self.end:%d/%m/%Y}"


SECTIONS = {
    "persistent": "Persistently absent (absence of 10% or more)",
    "at_risk": "At risk of persistent absence",
    "part_time": "On a part-time timetable",
}
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
        f"{row.contacts_made}\nlast {row.last_contact:%d/%m/%Y}"
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


def _summary_lines(pack: TsmPack) -> list[tuple[str, str]]:
    s = pack.summary
    left_out = s.on_roll - s.pupils
    counted = f"{s.persistent} of {s.pupils} pupils with possible sessions"
    if left_out:
        counted += f"; {left_out} on roll with no possible sessions left out, as the DfE counts"
    by_group = {key: sum(r.group == key for r in pack.rows) for key in SECTIONS}
    lines = [
        ("Period", f"{pack.period} (this academic year to date)"),
        ("School attendance", percent(s.attendance_pct)),
        ("School persistent absence rate", f"{percent(s.persistent_pct)} ({counted})"),
        (
            "Severe absence (50% or more)",
            f"{percent(s.severe_pct)} ({s.severe} pupil{'s' if s.severe != 1 else ''})",
        ),
        (
            "Pupils listed",
            f"{len(pack.rows)}: {by_group['persistent']} persistently absent, {by_group['at_risk']} at risk, "
            f"{by_group['part_time']} on a part-time timetable only",
        ),
    ]
    if s.incomplete:
        lines.append(
            (
                "Incomplete figures",
                f"{s.incomplete} pupil{'s have' if s.incomplete != 1 else ' has'} sessions "
                "with no mark: their figures may change when the registers are completed",
            )
        )
    lines.append(("Attendance lead", pack.attendance_lead or "not recorded"))
    lines.append(("Named EWO", pack.named_ewo or "not recorded"))
    return lines


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
            for k, v in _summary_lines(pack)
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


XLSX_HEADERS = (
    "UPN",
    "Pupil",
    "Class",
    "Attendance",
    "Unauthorised sessions",
    "Why listed",
    "Stage",
    "Contacts made",
    "Barriers",
    "Actions agreed",
    "Early help",
    "Lead professional",
    "Last contact",
    "Sessions with no mark",
)
XLSX_WIDTHS = (15, 22, 7, 11, 13, 40, 28, 9, 36, 50, 32, 28, 12, 11)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # as exporters/inert.py


def _text_safe(cell) -> None:
    """A typed value that a spreadsheet would read as a formula (= + - @) is kept as text."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True


def write_tsm_xlsx(path: Path, pack: TsmPack) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    wb = Workbook()
    ws = wb.active
    ws.title = "Targeted support"
    ws.append([f"{pack.title}, {pack.period}"])
    ws["A1"].font = bold
    ws.append(list(XLSX_HEADERS))
    for c in ws[2]:
        c.font = bold
        c.alignment = Alignment(wrap_text=True, vertical="top")
    for r in pack.rows:
        ws.append(
            [
                r.upn,
                r.name,
                r.reg_group,
                None if r.attendance_pct is None else r.attendance_pct / 100,
                r.unauthorised,
                "\n".join(r.reasons),
                r.stage,
                r.contacts_made,
                r.barriers,
                r.actions_agreed,
                r.early_help,
                r.lead_professional,
                r.last_contact,
                r.missing,
            ]
        )
        ws.cell(ws.max_row, 4).number_format = "0.0%"
        ws.cell(ws.max_row, 13).number_format = "dd/mm/yyyy"
    for col, width in enumerate(XLSX_WIDTHS, start=1):
        ws.column_dimensions[ws.cell(2, col).column_letter].width = width
    for row in ws.iter_rows(min_row=3):
        for c in row:
            _text_safe(c)
            c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "C3"
    ws.auto_filter.ref = f"A2:{ws.cell(2, len(XLSX_HEADERS)).column_letter}{ws.max_row}"

    figures = wb.create_sheet("School figures")
    figures.append([pack.title])
    figures["A1"].font = bold
    for label, value in _summary_lines(pack):
        figures.append([label, value])
        figures.cell(figures.max_row, 1).font = bold
    figures.append([])
    for rule in pack.rules:
        figures.append([rule])
    for row in figures.iter_rows(min_row=2):
        for c in row:
            _text_safe(c)
    figures.column_dimensions["A"].width = 32
    figures.column_dimensions["B"].width = 110
    with atomic_path(path) as temp:  # complete or not at all
        wb.save(temp)
