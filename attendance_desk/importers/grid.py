"""Register grids, the shape MIS register reports export: one row per pupil (UPN, or name and date
of birth), one column per session, headed either by one row such as `Mon 02/09/2024 AM` or by a
row of dates (Excel dates, serial numbers or text; merged across both sessions) over a row of
AM/PM. Blank rows, totals rows and totals columns are passed over; a blank or '-' cell is no mark."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path

from attendance_desk.domain.calendar import SchoolCalendar
from attendance_desk.domain.codes import CodeTable
from attendance_desk.domain.mark_rules import RegisterClock
from attendance_desk.domain.people import Pupil
from attendance_desk.importers.marks import NO_MARK, MarkCollector, ParsedMarks, normalise_code
from attendance_desk.importers.tabular import (
    ImportRefused,
    Problem,
    normalise_header,
    parse_date,
    source_rows,
    text,
)
from attendance_desk.presentation import dmy, weekday_dmy

HEADER_SCAN_ROWS = 15


class NotAGrid(ImportRefused):
    """No row of session headings: the file is not a register grid."""


_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_DATE = r"(\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})"
SESSION_HEADER = re.compile(rf"^{_WEEKDAY}{_DATE}\s*[-/ ]?\s*(am|pm)$", re.IGNORECASE)
DATE_HEADER = re.compile(rf"^{_WEEKDAY}{_DATE}$", re.IGNORECASE)
TOTALS_ROW = re.compile(r"^(totals?|sum|count|average|mean|%)\b", re.IGNORECASE)
EXCEL_EPOCH = date(1899, 12, 30)
ID_ALIASES = {
    "upn": "upn",
    "surname": "surname",
    "legal_surname": "surname",
    "forename": "forename",
    "first_name": "forename",
    "legal_forename": "forename",
    "name": "name",
    "pupil": "name",
    "pupil_name": "name",
    "dob": "dob",
    "date_of_birth": "dob",
}


def _as_date(value: object) -> date | None:
    """A header cell as a date: a date cell, an Excel serial number, or text (weekday optional)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and 36526 <= value <= 73051:  # 2000-2099
        return EXCEL_EPOCH + timedelta(days=int(value))
    match = DATE_HEADER.match(text(value))
    return parse_date(match.group(1)) if match else None


def _session_columns(
    rows: list[tuple[int, list]],
) -> tuple[int, dict[int, tuple[date, str]]] | None:
    """(index of the last header row, column -> (date, session)) or None if no grid header."""
    for i, (_, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
        single = {}
        for col, value in enumerate(cells):
            match = SESSION_HEADER.match(text(value))
            if match:
                single[col] = (parse_date(match.group(1)), match.group(2).upper())
        if single:
            return i, single
        if i + 1 < len(rows):
            below = rows[i + 1][1]
            double, current = {}, None
            for col, value in enumerate(cells):
                current = _as_date(value) or (current if value in (None, "") else None)
                session = text(below[col]).upper() if col < len(below) else ""
                if current and session in ("AM", "PM"):
                    double[col] = (current, session)
            if double:
                return i + 1, double
    return None


def _identity_columns(header_rows: list[list]) -> dict[str, int]:
    found: dict[str, int] = {}
    for cells in header_rows:
        for col, value in enumerate(cells):
            key = ID_ALIASES.get(normalise_header(value))
            if key and key not in found:
                found[key] = col
    return found


def _name_index(pupils: Mapping[str, Pupil]) -> dict[tuple, str]:
    index: dict[tuple, str] = {}
    for upn, p in pupils.items():
        for forename in {p.forename, p.preferred_name or p.forename}:
            index[(p.surname.lower(), forename.lower(), p.dob)] = upn
            index[(f"{forename} {p.surname}".lower(), p.dob)] = upn
            index[(f"{p.surname}, {forename}".lower(), p.dob)] = upn
    return index


def parse_grid(
    path: Path,
    pupils: Mapping[str, Pupil],
    codes: CodeTable,
    calendar: SchoolCalendar,
    today: date,
    progress: Callable[[int], None] | None = None,
    clock: RegisterClock | None = None,
) -> ParsedMarks:
    rows = [
        (n, list(cells))
        for n, cells in source_rows(path, "Register")
        if any(text(v) for v in cells)
    ]
    found = _session_columns(rows)
    if found is None:
        raise NotAGrid([Problem(path.name, None, None, "no register grid found")])
    last_header, columns = found
    ids = _identity_columns([cells for _, cells in rows[: last_header + 1]])
    by_name = "dob" in ids and ("name" in ids or {"surname", "forename"} <= set(ids))
    if "upn" not in ids and not by_name:
        raise ImportRefused(
            [
                Problem(
                    path.name,
                    rows[last_header][0],
                    None,
                    "the register grid needs a UPN column, or name and date-of-birth columns",
                )
            ]
        )
    labels = {col: f"{weekday_dmy(d)} {s}" for col, (d, s) in columns.items()}
    collector = MarkCollector(path.name, pupils, codes, calendar, today, clock=clock)
    names = _name_index(pupils)
    for done, (number, cells) in enumerate(rows[last_header + 1 :], start=1):
        identity = {key: cells[col] if col < len(cells) else None for key, col in ids.items()}
        collector.parsed.rows_read += 1
        if progress and done % 200 == 0:
            progress(done)
        who = _pupil(collector, number, identity, names, by_name)
        if who is None:
            continue
        for col, (day, session) in columns.items():
            raw = cells[col] if col < len(cells) else None
            code = normalise_code(raw)
            if code in NO_MARK:
                continue
            label = labels[col]
            collector.add(number, *who, day, session, code, None, columns=(label, label, label))
    return collector.finish()


def _pupil(
    collector: MarkCollector, row: int, identity: dict, names: dict, by_name: bool
) -> tuple[str, Pupil] | None:
    cell = identity.get
    if text(cell("upn")):
        return collector.pupil_for(row, "upn", cell("upn"))
    name = text(cell("name")) or f"{text(cell('forename'))} {text(cell('surname'))}".strip()
    if TOTALS_ROW.match(name) or (not name and not text(cell("dob"))):
        return None  # a totals row under the grid
    if not by_name:
        collector.problems.add(row, "upn", "UPN is missing")
        return None
    try:
        dob = parse_date(cell("dob"))
    except ValueError as exc:
        collector.problems.add(row, "dob", str(exc))
        return None
    if "name" in identity:
        upn = names.get((name.lower(), dob))
    else:
        upn = names.get((text(cell("surname")).lower(), text(cell("forename")).lower(), dob))
    if upn is None:
        collector.problems.add(
            row, "name", f"no pupil called {name} born {dmy(dob)} in this school file"
        )
        return None
    return collector.pupil_for(row, "upn", upn)
