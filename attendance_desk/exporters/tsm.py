"""The targeted support meeting pack as a workbook: the PDF's pupils and columns (documents/tsm.py),
one row a pupil, with the school's figures and the listing rules on a second sheet."""

from __future__ import annotations

from pathlib import Path

from attendance_desk.domain.tsm import TsmPack, summary_lines
from attendance_desk.exporters.inert import text_cell
from attendance_desk.files import atomic_path

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
            text_cell(c)
            c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "C3"
    ws.auto_filter.ref = f"A2:{ws.cell(2, len(XLSX_HEADERS)).column_letter}{ws.max_row}"

    figures = wb.create_sheet("School figures")
    figures.append([pack.title])
    figures["A1"].font = bold
    for label, value in summary_lines(pack):
        figures.append([label, value])
        figures.cell(figures.max_row, 1).font = bold
    figures.append([])
    for rule in pack.rules:
        figures.append([rule])
    for row in figures.iter_rows(min_row=2):
        for c in row:
            text_cell(c)
    figures.column_dimensions["A"].width = 32
    figures.column_dimensions["B"].width = 110
    with atomic_path(path) as temp:  # complete or not at all
        wb.save(temp)
