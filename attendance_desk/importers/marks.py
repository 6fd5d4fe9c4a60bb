"""Marks in long form from CSV/XLSX: upn, date, session (AM/PM), code, minutes_late.

Every row is checked against the school file before anything is written: a valid and known UPN,
a real date when the pupil was on roll and the school met, AM or PM, a code valid on that date
(2024 codes after 19/08/2024, the older set before), no future marks except codes entered ahead,
and no session given two different codes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from attendance_desk.domain.calendar import SchoolCalendar, parse_session
from attendance_desk.domain.codes import Category, CodeTable, UnknownCode
from attendance_desk.domain.figures import LATE_AFTER_CLOSE, LATE_BEFORE_CLOSE
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.register import NewMark
from attendance_desk.domain.upn import validate_upn
from attendance_desk.importers.tabular import Problems, parse_date, read_table, text

REQUIRED = ("upn", "date", "session", "code")
LATE_CODES = (LATE_BEFORE_CLOSE, LATE_AFTER_CLOSE)


@dataclass(frozen=True)
class ParsedMarks:
    file: str
    marks: list[NewMark]
    rows: int


def _minutes(value: object) -> int | None:
    raw = text(value)
    if not raw:
        return None
    if not raw.isdigit():
        raise ValueError(f"minutes late must be a whole number, not '{raw}'")
    return int(raw)


class _Cache(dict):
    """Remember each distinct cell's parse (a year of marks repeats the same few hundred values)."""

    def __init__(self, parse: Callable):
        super().__init__()
        self.parse = parse

    def __missing__(self, key):
        try:
            value = (self.parse(key), None)
        except ValueError as exc:
            value = (None, str(exc))
        self[key] = value
        return value


def parse_marks(
    path: Path,
    pupils: Mapping[str, Pupil],
    codes: CodeTable,
    calendar: SchoolCalendar,
    today: date,
    progress: Callable[[int], None] | None = None,
) -> ParsedMarks:
    table = read_table(path, REQUIRED)
    problems = Problems(table.file)
    upns = _Cache(lambda v: validate_upn(text(v)))
    dates = _Cache(parse_date)
    sessions = _Cache(lambda v: parse_session(text(v)))
    closure_codes = codes.closure_codes()
    seen: dict[tuple[int, date, str], tuple[int, str]] = {}
    marks: list[NewMark] = []
    rows = 0
    for number, row in table.rows():
        rows += 1
        if progress and rows % 20_000 == 0:
            progress(rows)
        upn, error = upns[text(table.get(row, "upn"))]
        pupil = None
        if error:
            problems.add(number, "upn", error)
        else:
            pupil = pupils.get(upn)
            if pupil is None:
                problems.add(number, "upn", f"no pupil with UPN {upn} in this school file")
        day, error = dates[table.get(row, "date")]
        if error:
            problems.add(number, "date", error)
        session, error = sessions[text(table.get(row, "session"))]
        if error:
            problems.add(number, "session", error)
        raw_code = text(table.get(row, "code"))
        code = raw_code.upper() if raw_code not in ("/", "\\") else raw_code
        minutes = problems.convert(number, "minutes_late", _minutes, table.get(row, "minutes_late"))
        if day is None:
            continue
        try:
            entry = codes.lookup(code, day)
        except UnknownCode as exc:
            problems.add(number, "code", str(exc) if code else "code is missing")
            continue
        if minutes and code not in LATE_CODES:
            problems.add(number, "minutes_late", f"minutes late given for code {code} (only L or U)")
        if day > today and not entry.in_advance:
            problems.add(number, "date", f"{day:%d/%m/%Y} is in the future; only codes such as "
                         f"M, C or # may be entered ahead, not {code}")
        if session and calendar.has_terms_for(day) and code not in closure_codes \
                and not calendar.is_school_session(day, session):
            problems.add(number, "date", f"{day:%d/%m/%Y} {session} is not a school session in the calendar")
        if pupil is None or session is None:
            continue
        if not pupil.on_roll(day) and entry.category != Category.NOT_COUNTED:
            problems.add(number, "date", f"{pupil.name} was not on roll on {day:%d/%m/%Y}")
        key = (pupil.id, day, session)
        if key in seen:
            first_row, first_code = seen[key]
            if first_code != code:
                problems.add(number, "code", f"{upn} {day:%d/%m/%Y} {session} is given code {code} "
                             f"here but {first_code} on row {first_row}")
            continue
        seen[key] = (number, code)
        marks.append(NewMark(pupil.id, day, session, code, minutes))
    if rows == 0:
        problems.add(None, None, "the file has a header but no marks")
    problems.raise_if_any()
    return ParsedMarks(table.file, marks, rows)

