"""The attendance workbook a lead hands to the head: a summary by group, every pupil's figures,
the persistent and severe absence lists, and the register (pupils x sessions, codes coloured by
category). Numbers are numbers and dates are dates. Written in openpyxl's streaming mode."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any  # openpyxl has no type information: a worksheet is Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from attendance_desk.domain.codes import Category, CodeTable
from attendance_desk.exporters.inert import risky, text_cell
from attendance_desk.presentation import CATEGORY_COLOURS, UNKNOWN_COLOUR

FILLS = {
    category: None if category == Category.PRESENT else PatternFill("solid", fgColor=colour)
    for category, colour in CATEGORY_COLOURS.items()
}
UNKNOWN_FILL = PatternFill("solid", fgColor=UNKNOWN_COLOUR)
BOLD = Font(bold=True)
PCT = "0.0%"
DMY = "dd/mm/yyyy"


@dataclass(frozen=True)
class PupilLine:
    upn: str
    surname: str
    forename: str
    reg_group: str
    year_group: str
    flags: str
    start: date
    end: date
    possible: int
    present: int
    aea: int
    authorised: int
    unauthorised: int
    late_before_close: int
    late_after_close: int
    attendance: float | None  # fraction 0-1
    persistent: bool
    severe: bool
    max_unauthorised_10_weeks: int
    penalty_threshold: bool
    missing: int = 0  # sessions with no mark: the figures are incomplete


@dataclass(frozen=True)
class GroupLine:
    group: str
    pupils: int
    possible: int
    attendance: float | None
    authorised: float | None
    unauthorised: float | None
    persistent: int
    persistent_rate: float | None
    severe: int
    penalty_threshold: int
    late_before_close: int = 0
    late_after_close: int = 0
    missing: int = 0


FIGURE_COLUMNS = [
    ("UPN", 15),
    ("Surname", 18),
    ("Forename", 14),
    ("Class", 8),
    ("Year", 6),
    ("Flags", 16),
    ("From", 11),
    ("To", 11),
    ("Possible", 9),
    ("Present (incl. L)", 10),
    ("AEA", 6),
    ("Authorised", 10),
    ("Unauthorised", 12),
    ("Late before close (L)", 11),
    ("Late after close (U)", 11),
    ("Attendance", 11),
    ("Persistent (>=10%)", 11),
    ("Severe (>=50%)", 9),
    ("Most unauthorised in 10 school weeks", 14),
    ("Penalty threshold", 10),
    ("Missing marks (figures incomplete)", 12),
]
GROUP_COLUMNS = [
    ("Group", 26),
    ("Pupils", 11),
    ("Possible sessions", 11),
    ("Attendance", 11),
    ("Authorised absence", 11),
    ("Unauthorised absence", 12),
    ("Persistent absentees", 11),
    ("Persistent absence rate", 11),
    ("Severe absentees", 9),
    ("At penalty threshold", 10),
    ("Late before close (L)", 11),
    ("Late after close (U)", 11),
    ("Missing marks", 10),
]


def _cell(
    ws: Any,
    value: object,
    font: Font | None = None,
    fill: PatternFill | None = None,
    number_format: str | None = None,
    align: Alignment | None = None,
) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    text_cell(cell)  # a name like =HYPERLINK(...) stays text
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    if number_format:
        cell.number_format = number_format
    if align:
        cell.alignment = align
    return cell


def _inert(ws: Any, row: list) -> list:
    """A row with any text a spreadsheet would run as a formula made a string cell."""
    return [_cell(ws, v) if risky(v) else v for v in row]


def _sheet(wb: Workbook, title: str, columns: Sequence[tuple[str, int]], freeze: str):
    ws = wb.create_sheet(title)
    for i, (_, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = freeze
    ws.row_dimensions[1].height = 48  # three lines of wrapped heading
    wrap = Alignment(wrap_text=True, vertical="top")
    ws.append([_cell(ws, name, BOLD, align=wrap) for name, _ in columns])
    return ws


def _figure_row(ws: Any, line: PupilLine) -> list:
    return _inert(
        ws,
        [
            line.upn,
            line.surname,
            line.forename,
            line.reg_group,
            line.year_group,
            line.flags,
            _cell(ws, line.start, number_format=DMY),
            _cell(ws, line.end, number_format=DMY),
            line.possible,
            line.present,
            line.aea,
            line.authorised,
            line.unauthorised,
            line.late_before_close,
            line.late_after_close,
            _cell(ws, line.attendance, number_format=PCT),
            "Yes" if line.persistent else "",
            "Yes" if line.severe else "",
            line.max_unauthorised_10_weeks,
            "Yes" if line.penalty_threshold else "",
            line.missing or "",
        ],
    )


def write_workbook(
    path: Path,
    title: str,
    start: date,
    end: date,
    groups: Sequence[GroupLine],
    pupils: Sequence[PupilLine],
    sessions: Sequence[tuple[date, str]],
    register: Callable[[PupilLine], dict[tuple[date, str], str]],
    codes: CodeTable,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """`register(pupil)` gives that pupil's codes by session. `progress(done, total)` may raise
    domain.progress.Cancelled; no partly written file is left behind."""
    wb = Workbook(write_only=True)
    try:
        _summary(wb, title, start, end, groups, codes)
        for name, keep in (
            ("Figures", lambda p: True),
            ("Persistent absence", lambda p: p.persistent),
            ("Severe absence", lambda p: p.severe),
        ):
            ws = _sheet(wb, name, FIGURE_COLUMNS, "D2")
            chosen = [p for p in pupils if keep(p)]
            for line in chosen:
                ws.append(_figure_row(ws, line))
            if chosen:
                ws.auto_filter.ref = f"A1:{get_column_letter(len(FIGURE_COLUMNS))}{len(chosen) + 1}"
        _register(wb, pupils, sessions, register, codes, progress)
        wb.save(path)
    except BaseException:
        _discard(wb)
        path.unlink(missing_ok=True)
        raise


def _discard(wb: Workbook) -> None:
    """Close the streamed sheets of an abandoned workbook and remove their temporary files
    (openpyxl keeps one per sheet until the workbook is saved)."""
    for ws in wb.worksheets:
        try:
            if not ws.closed:
                ws.close()
            if ws._writer is not None:
                ws._writer.cleanup()
        except Exception:  # noqa: S110 - best effort: the user's error is the one to show
            pass


def _summary(
    wb: Workbook, title: str, start: date, end: date, groups: Sequence[GroupLine], codes: CodeTable
):
    ws = _sheet(wb, "Summary", GROUP_COLUMNS, "A2")
    for g in groups:
        ws.append(
            _inert(
                ws,
                [
                    g.group,
                    g.pupils,
                    g.possible,
                    _cell(ws, g.attendance, number_format=PCT),
                    _cell(ws, g.authorised, number_format=PCT),
                    _cell(ws, g.unauthorised, number_format=PCT),
                    g.persistent,
                    _cell(ws, g.persistent_rate, number_format=PCT),
                    g.severe,
                    g.penalty_threshold,
                    g.late_before_close,
                    g.late_after_close,
                    g.missing or "",
                ],
            )
        )
    ws.append([])
    ws.append([_cell(ws, title, BOLD)])
    ws.append(["Period", _cell(ws, start, number_format=DMY), _cell(ws, end, number_format=DMY)])
    ws.append(
        [
            "Persistent absence: absence of 10% or more of possible sessions; severe: 50% or more. "
            "Penalty threshold: 10 or more unauthorised sessions in 10 school weeks (a window may begin "
            "before the period). Pupils: those with possible sessions (as the DfE counts them). "
            "Missing marks: sessions the school met with no mark; figures with missing marks are incomplete."
        ]
    )
    ws.append([])
    ws.append([_cell(ws, "Register colours", BOLD)])
    for category in Category:
        ws.append([_cell(ws, category.label, fill=FILLS[category])])


def _register(
    wb: Workbook,
    pupils: Sequence[PupilLine],
    sessions: Sequence[tuple[date, str]],
    register: Callable[[PupilLine], dict[tuple[date, str], str]],
    codes: CodeTable,
    progress: Callable[[int, int], None] | None,
) -> None:
    columns: list[tuple[str, float]] = [
        ("UPN", 15),
        ("Surname", 16),
        ("Forename", 13),
        ("Class", 7),
    ]
    columns += [("", 4.5)] * len(sessions) + [("Possible", 9), ("Present", 9), ("Attendance", 11)]
    ws = wb.create_sheet("Register")
    for i, (_, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "E3"
    ws.row_dimensions[1].height = 105  # dates written upwards above the narrow session columns
    upwards = Alignment(text_rotation=90, horizontal="center")
    dates = [_cell(ws, "Date", BOLD), None, None, None]
    dates += [
        _cell(ws, day, BOLD, number_format="ddd dd/mm/yyyy", align=upwards) for day, _ in sessions
    ]
    ws.append(dates + ["Totals"])
    ws.append(
        [_cell(ws, h, BOLD) for h in ("UPN", "Surname", "Forename", "Class")]
        + [_cell(ws, s, BOLD) for _, s in sessions]
        + [_cell(ws, h, BOLD) for h in ("Possible", "Present", "Attendance")]
    )
    styled: dict[tuple[str, date], PatternFill | None] = {}
    for done, line in enumerate(pupils, start=1):
        marks = register(line)
        row = _inert(ws, [line.upn, line.surname, line.forename, line.reg_group])
        for session in sessions:
            code = marks.get(session)
            if code is None:
                row.append(None)
                continue
            key = (code, session[0])
            if key not in styled:
                category = codes.category_or_none(code, session[0])
                styled[key] = UNKNOWN_FILL if category is None else FILLS[category]
            fill = styled[key]
            row.append(code if fill is None else _cell(ws, code, fill=fill))
        row += [
            line.possible,
            line.present + line.aea,
            _cell(ws, line.attendance, number_format=PCT),
        ]
        ws.append(row)
        if progress and done % 50 == 0:
            progress(done, len(pupils))
    last = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A2:{last}{len(pupils) + 2}"


def as_fraction(pct: float | None) -> float | None:
    return None if pct is None else round(pct / 100, 4)


def flags_text(parts: Iterable[tuple[str, bool]]) -> str:
    return ", ".join(name for name, on in parts if on)
