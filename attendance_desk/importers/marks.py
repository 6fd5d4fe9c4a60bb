"""Marks in long form from CSV/XLSX: upn, date, session (AM/PM), code, minutes_late.

Every row is checked against the school file before anything is written: a valid and known UPN,
a real date when the pupil was on roll and the school met, AM or PM, a code valid on that date
(2024 codes after 19/08/2024, the older set before), no future marks except codes entered ahead,
and no session given two different codes.

A year of marks for a large school is 760,000 rows: rows are streamed, each distinct cell value is
parsed once, and accepted marks are kept in compact arrays rather than one object per row.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from attendance_desk.domain.calendar import SchoolCalendar, parse_session
from attendance_desk.domain.codes import Category, CodeTable, UnknownCode
from attendance_desk.domain.figures import LATE_AFTER_CLOSE, LATE_BEFORE_CLOSE
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.register import MarkRow
from attendance_desk.domain.upn import validate_upn
from attendance_desk.importers.tabular import Problems, parse_date, read_table, text

REQUIRED = ("upn", "date", "session", "code")
LATE_CODES = (LATE_BEFORE_CLOSE, LATE_AFTER_CLOSE)
SESSION_BITS = {"AM": 0, "PM": 1}


@dataclass
class ParsedMarks:
    """Accepted marks, packed: pupil id, date ordinal, session bit, code index, minutes (-1: none)."""

    file: str
    rows_read: int = 0
    codes: list[str] = field(default_factory=list)
    pupil: array = field(default_factory=lambda: array("q"))
    day: array = field(default_factory=lambda: array("l"))
    session: array = field(default_factory=lambda: array("b"))
    code: array = field(default_factory=lambda: array("h"))
    minutes: array = field(default_factory=lambda: array("h"))

    def __len__(self) -> int:
        return len(self.pupil)

    def rows(self) -> Iterator[MarkRow]:
        iso: dict[int, str] = {}
        sessions = ("AM", "PM")
        for pid, ordinal, bit, code, minutes in zip(
            self.pupil, self.day, self.session, self.code, self.minutes, strict=True
        ):
            day = iso.get(ordinal) or iso.setdefault(ordinal, date.fromordinal(ordinal).isoformat())
            yield pid, day, sessions[bit], self.codes[code], None if minutes < 0 else minutes


def _minutes(value: object) -> int | None:
    raw = text(value)
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > 600:
        raise ValueError(f"minutes late must be a whole number of minutes, not '{raw}'")
    return int(raw)


def _upn(value: object) -> str:
    return validate_upn(text(value))


def _session(value: object) -> str:
    return parse_session(text(value))


def _date(value: object) -> date:
    return parse_date(value.strip() if isinstance(value, str) else value)


def _code(value: object) -> str:
    raw = text(value)
    return raw if raw in ("/", "\\") else raw.upper()


class _Cache(dict):
    """Each distinct cell value parsed once: (value, None) or (None, problem)."""

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


class _Checks:
    """What a (date, session, code) combination breaks, worked out once per combination."""

    def __init__(self, codes: CodeTable, calendar: SchoolCalendar, today: date):
        self.codes, self.calendar, self.today = codes, calendar, today
        self.closures = codes.closure_codes()
        self.cache: dict[tuple, tuple] = {}

    def __call__(self, day: date, session: str | None, code: str) -> tuple:
        key = (day, session, code)
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = self._work_out(day, session, code)
        return found

    def _work_out(self, day: date, session: str | None, code: str) -> tuple:
        """(entry or None, [(column, problem)])."""
        try:
            entry = self.codes.lookup(code, day)
        except UnknownCode as exc:
            return None, [("code", str(exc) if code else "code is missing")]
        problems = []
        if day > self.today and not entry.in_advance:
            problems.append(("date", f"{day:%d/%m/%Y} is in the future; only codes such as M, C or # "
                                     f"may be entered ahead, not {code}"))
        if session and self.calendar.has_terms_for(day) and code not in self.closures \
                and not self.calendar.is_school_session(day, session):
            problems.append(("date", f"{day:%d/%m/%Y} {session} is not a school session in the calendar"))
        return entry, problems


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
    upns, dates, sessions = _Cache(_upn), _Cache(_date), _Cache(_session)
    minutes_of, code_of = _Cache(_minutes), _Cache(_code)
    checks = _Checks(codes, calendar, today)
    at_upn, at_date, at_session, at_code = (table.position[c] for c in REQUIRED)
    at_minutes = table.position.get("minutes_late")
    code_index: dict[str, int] = {}
    seen: dict[int, int] = {}  # packed session key -> packed (row, code index)
    parsed = ParsedMarks(table.file)
    for number, row in table.rows():
        parsed.rows_read += 1
        if progress and parsed.rows_read % 20_000 == 0:
            progress(parsed.rows_read)
        upn, error = upns[row[at_upn]]
        pupil = None
        if error:
            problems.add(number, "upn", error)
        else:
            pupil = pupils.get(upn)
            if pupil is None:
                problems.add(number, "upn", f"no pupil with UPN {upn} in this school file")
        day, error = dates[row[at_date]]
        if error:
            problems.add(number, "date", error)
        session, error = sessions[row[at_session]]
        if error:
            problems.add(number, "session", error)
        code = code_of[row[at_code]][0]
        minutes, error = minutes_of[row[at_minutes] if at_minutes is not None else None]
        if error:
            problems.add(number, "minutes_late", error)
        if day is None:
            continue
        entry, found = checks(day, session, code)
        for column, message in found:
            problems.add(number, column, message)
        if entry is None:
            continue
        if minutes and code not in LATE_CODES:
            problems.add(number, "minutes_late", f"minutes late given for code {code} (only L or U)")
        if pupil is None or session is None:
            continue
        if not pupil.on_roll(day) and entry.category != Category.NOT_COUNTED:
            problems.add(number, "date", f"{pupil.name} was not on roll on {day:%d/%m/%Y}")
        index = code_index.setdefault(code, len(code_index))
        key = (pupil.id * 800_000 + day.toordinal()) * 2 + SESSION_BITS[session]
        if key in seen:
            first_row, first_code = divmod(seen[key], 1024)
            if first_code != index:
                problems.add(number, "code", f"{upn} {day:%d/%m/%Y} {session} is given code {code} "
                             f"here but {list(code_index)[first_code]} on row {first_row}")
            continue
        seen[key] = number * 1024 + index
        parsed.pupil.append(pupil.id)
        parsed.day.append(day.toordinal())
        parsed.session.append(SESSION_BITS[session])
        parsed.code.append(index)
        parsed.minutes.append(-1 if minutes is None else minutes)
    if parsed.rows_read == 0:
        problems.add(None, None, "the file has a header but no marks")
    problems.raise_if_any()
    parsed.codes = list(code_index)
    return parsed
