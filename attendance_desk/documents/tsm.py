"""The targeted support meeting pack as a landscape PDF and as a workbook."""

from __future__ import annotations

from html import escape
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Table, TableStyle

from attendance_desk.documents.layout import GRID, Styles, build_pdf

HEADERS = ["Pupil", "Class", "Attendance", "Stage", "Contacts made", "Barriers", "Strategies", "Early help",
           "Lead professional"]


def _cells(row) -> list[str]:
    pct = f"{row.attendance_pct:.1f}%" if row.attendance_pct is not None else "–"
    return [f"{row.name}\n{row.upn}", row.reg_group, pct + (" (severe)" if row.severe else ""), row.stage,
            f"{row.contacts_made} (last {row.last_contact})", row.barriers, row.strategies, row.early_help,
            row.lead_professional]


def write_tsm_pdf(path: Path, title: str, school: str, ewo: str, rows) -> None:
    s = Styles()
    body = [[Paragraph(escape(str(v)).replace("\n", "<br/>"), s.cell) for v in _cells(r)] for r in rows]
    header = [Paragraph(f"<b>{h}</b>", s.cell) for h in HEADERS]
    table = Table([header] + body, colWidths=[m * mm for m in (36, 13, 20, 34, 24, 38, 46, 34, 22)],
                  repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(GRID))
    story = [Paragraph(escape(title), s.title),
             Paragraph(f"Every persistently absent pupil (absence of 10% or more), lowest attendance first. "
                       f"Named EWO: {escape(ewo or 'not recorded')}.", s.body), table]
    build_pdf(path, story, title, school, f"{school} — targeted support meeting — confidential", wide=True)


def write_tsm_xlsx(path: Path, title: str, rows) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Targeted support"
    ws.append([title])
    ws["A1"].font = Font(bold=True)
    ws.append(["UPN", "Pupil", "Class", "Attendance", "Severe", "Stage", "Contacts made", "Last contact",
               "Barriers", "Strategies", "Early help", "Lead professional"])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append([r.upn, r.name, r.reg_group, None if r.attendance_pct is None else r.attendance_pct / 100,
                   "Yes" if r.severe else "", r.stage, r.contacts_made, r.last_contact, r.barriers, r.strategies,
                   r.early_help, r.lead_professional])
        ws.cell(ws.max_row, 4).number_format = "0.0%"
    for col, width in zip("ABCDEFGHIJKL", (15, 22, 7, 11, 8, 30, 9, 12, 40, 50, 36, 26), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "C3"
    ws.auto_filter.ref = f"A2:L{ws.max_row}"
    wb.save(path)
