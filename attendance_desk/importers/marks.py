"""Marks from files: long form (upn, date, session, code[, minutes_late]) and register grids.

Every mark is checked before anything is written: a valid and known UPN, a real date when the
pupil was on roll and the school met, AM or PM, a code valid on that date (2024 codes from
19/08/2024, the older set before), no future marks except codes entered ahead, no code for
today's register before it opens except those entered ahead, neither Z for a pupil on roll nor X
for one of compulsory school age, and no session given two different codes. A year of marks for
a large school is 760,000 rows: rows are streamed, each distinct cell value is parsed once, and
accepted marks are packed into compact arrays.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from attendance_desk.domain.calendar import SchoolCalendar, parse_session
from attendance_desk.domain.codes import Category, Code, CodeTable, UnknownCode
from attendance_desk.domain.figures import LATE_AFTER_CLOSE, LATE_BEFORE_CLOSE
from attendance_desk.domain.mark_rules import RegisterClock, ahead_refusal, pupil_refusal
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.register import MarkRow
from attendance_desk.domain.upn import validate_upn
from attendance_desk.importers.tabular import (
    ImportRefused,
    Problem,
    Problems,
    Table,
    parse_date,
    read_table,
    text,
)
from attendance_desk.presentation import dmy

REQUIRED = ("upn", "date", "session", "code")
LATE_CODES = (LATE_BEFORE_CLOSE, LATE_AFTER_CLOSE)
SESSIONS = ("AM", "PM")
NO_MARK = {"", "-"}  # MIS exports show a session with no mark as blank or '-'


@dataclass
class ParsedMarks:
    """Accepted marks, packed: pupil (index into `upns`), date ordinal, session bit, code index,
    minutes late (-1: none)."""

    file: str
    rows_read: int = 0
    upns: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    pupil: array = field(default_factory=lambda: array("i"))
    day: array = field(default_factory=lambda: array("i"))
    session: array = field(default_factory=lambda: array("b"))
    code: array = field(default_factory=lambda: array("h"))
    minutes: array = field(default_factory=lambda: array("h"))

    def __len__(self) -> int:
        return len(self.pupil)

    def rows(self, ids_by_upn: Mapping[str, int]) -> Iterator[MarkRow]:
        ids = [ids_by_upn[u] for u in self.upns]
        iso: dict[int, str] = {}
        for who, ordinal, bit, code, minutes in zip(
            self.pupil, self.day, self.session, self.code, self.minutes, strict=True
        ):
            day = iso.get(ordinal) or iso.setdefault(ordinal, date.fromordinal(ordinal).isoformat())
            yield ids[who], day, SESSIONS[bit], self.codes[code], None if minutes < 0 else minutes


class Cache(dict):
    """Each distinct cell value parsed once: (value, None) or (None, problem)."""

    def __init__(self, parse: Callable):
        super().__init__()
        self.parse = parse

    def __missing__(self, key: str) -> tuple[object, str | None]:
        value: tuple[object, str | None]
        try:
            value = (self.parse(key), None)
        except ValueError as exc:
            value = (None, str(exc))
        self[key] = value
        return value


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


def normalise_code(value: object) -> str:
    raw = text(value)
    return raw if raw in ("/", "\\") else raw.upper()


class MarkCollector:
    """Checks marks one at a time, records every problem with where it was, and packs the rest.

    `pupils` are the pupils known by UPN (those in the school file, plus any arriving in the same
    file, such as a CTF); `check_calendar` is off for sources that carry their own closures and are
    another school's register as it stands (a CTF): then neither the calendar nor the rules for Z
    and X, which this school's own register keeps, are applied.
    `clock` says which of today's registers have opened (services/registers.py `register_clock`):
    given, a code other than those entered ahead is refused for today's register before it opens,
    as in the register itself."""

    def __init__(
        self,
        file: str,
        pupils: Mapping[str, Pupil],
        codes: CodeTable,
        calendar: SchoolCalendar,
        today: date,
        check_calendar: bool = True,
        clock: RegisterClock | None = None,
    ):
        self.problems = Problems(file)
        self.parsed = ParsedMarks(file)
        self.pupils, self.codes, self.calendar, self.today = pupils, codes, calendar, today
        self.check_calendar, self.clock = check_calendar, clock
        self.closures = codes.closure_codes()
        self.upn_cache, self.minutes_cache = Cache(_upn), Cache(_minutes)
        self._checks: dict[tuple, tuple] = {}
        self._pupil_index: dict[str, int] = {}
        self._code_index: dict[str, int] = {}
        self._seen: dict[int, int] = {}  # packed session key -> packed (row, code index)

    def pupil_for(self, row: int | None, column: str, raw_upn: object) -> tuple[str, Pupil] | None:
        upn, error = self.upn_cache[raw_upn]
        if error:
            self.problems.add(row, column, error)
            return None
        pupil = self.pupils.get(upn)
        if pupil is None:
            self.problems.add(row, column, f"no pupil with UPN {upn} in this school file")
            return None
        return upn, pupil

    def _combination(self, day: date, session: str, code: str) -> tuple[Code | None, list]:
        key = (day, session, code)
        found = self._checks.get(key)
        if found is None:
            found = self._checks[key] = self._work_out(day, session, code)
        return found

    def _work_out(self, day: date, session: str, code: str) -> tuple[Code | None, list]:
        try:
            entry = self.codes.lookup(code, day)
        except UnknownCode as exc:
            return None, [("code", str(exc) if code else "code is missing")]
        problems = []
        if day > self.today and not entry.in_advance:
            problems.append(
                (
                    "date",
                    f"{dmy(day)} is in the future; only codes such as M, C or # "
                    f"may be entered ahead, not {code}",
                )
            )
        elif self.clock is not None and day == self.clock.today:
            why = ahead_refusal(entry, (day, session), self.clock)
            if why:
                problems.append(("date", why))
        if (
            self.check_calendar
            and self.calendar.has_terms_for(day)
            and code not in self.closures
            and not self.calendar.is_school_session(day, session)
        ):
            problems.append(
                ("date", f"{dmy(day)} {session} is not a school session in the calendar")
            )
        return entry, problems

    def check_only(
        self,
        row: int | None,
        day: date,
        session: str,
        code: str,
        columns: tuple[str, str] = ("date", "code"),
    ) -> None:
        """Report what is wrong with a mark whose pupil is already reported unknown."""
        for which, message in self._combination(day, session, code)[1]:
            self.problems.add(row, columns[0] if which == "date" else columns[1], message)

    def add(
        self,
        row: int | None,
        upn: str,
        pupil: Pupil,
        day: date,
        session: str,
        code: str,
        minutes: int | None,
        columns: tuple[str, str, str] = ("date", "code", "minutes_late"),
    ) -> None:
        """One mark; `columns` name where its date, code and minutes came from, for problems."""
        date_column, code_column, minutes_column = columns
        entry, found = self._combination(day, session, code)
        for which, message in found:
            self.problems.add(row, date_column if which == "date" else code_column, message)
        if entry is None:
            return
        if minutes and code not in LATE_CODES:
            self.problems.add(
                row, minutes_column, f"minutes late given for code {code} (only L or U)"
            )
        if not pupil.on_roll(day) and entry.category != Category.NOT_COUNTED:
            self.problems.add(row, date_column, f"{pupil.name} was not on roll on {dmy(day)}")
        if self.check_calendar and code in ("Z", "X"):  # as the register does (EA 1996 s.8)
            why = pupil_refusal(code, day, pupil)
            if why:
                self.problems.add(row, code_column, why)
        who = self._pupil_index.setdefault(upn, len(self._pupil_index))
        index = self._code_index.setdefault(code, len(self._code_index))
        key = (who * 800_000 + day.toordinal()) * 2 + SESSIONS.index(session)
        if key in self._seen:
            first_row, first_code = divmod(self._seen[key], 1024)
            if first_code != index:
                where = f"on row {first_row}" if first_row else "earlier in the file"
                self.problems.add(
                    row,
                    code_column,
                    f"{upn} {dmy(day)} {session} is given code {code} "
                    f"here but {list(self._code_index)[first_code]} {where}",
                )
            return
        self._seen[key] = (row or 0) * 1024 + index
        parsed = self.parsed
        parsed.pupil.append(who)
        parsed.day.append(day.toordinal())
        parsed.session.append(SESSIONS.index(session))
        parsed.code.append(index)
        parsed.minutes.append(-1 if minutes is None else minutes)

    def next_pupil(self) -> None:
        """For sources that give each pupil's marks together (a CTF, which refuses a UPN given
        twice): sessions already seen are forgotten, so memory is not held for every mark."""
        self._seen.clear()

    def finish(self) -> ParsedMarks:
        self.problems.raise_if_any()
        self.parsed.upns = list(self._pupil_index)
        self.parsed.codes = list(self._code_index)
        return self.parsed


def is_long_form(table: Table) -> bool:
    return all(table.has(c) for c in REQUIRED)


def parse_marks(
    path: Path,
    pupils: Mapping[str, Pupil],
    codes: CodeTable,
    calendar: SchoolCalendar,
    today: date,
    progress: Callable[[int], None] | None = None,
    clock: RegisterClock | None = None,
) -> ParsedMarks:
    """Long form, or a register grid (one row per pupil, one column per session) if the file has no
    upn/date/session/code columns. `clock`: which of today's registers have opened."""
    table = read_table(path, ())
    if not is_long_form(table):
        from attendance_desk.importers.grid import NotAGrid, parse_grid

        try:
            return parse_grid(path, pupils, codes, calendar, today, progress, clock)
        except NotAGrid:
            missing = ", ".join(c for c in REQUIRED if not table.has(c))
            raise ImportRefused(
                [
                    Problem(
                        table.file,
                        table.header_row,
                        None,
                        f"missing column(s): {missing}; nor is it a register grid (one column per session "
                        "headed by its date and AM/PM)",
                    )
                ]
            ) from None
    collector = MarkCollector(table.file, pupils, codes, calendar, today, clock=clock)
    problems = collector.problems
    dates, sessions, code_of = Cache(_date), Cache(_session), Cache(normalise_code)
    at_upn, at_date, at_session, at_code = (table.position[c] for c in REQUIRED)
    at_minutes = table.position.get("minutes_late")
    parsed = collector.parsed
    for number, row in table.rows():
        parsed.rows_read += 1
        if progress and parsed.rows_read % 20_000 == 0:
            progress(parsed.rows_read)
        found = collector.pupil_for(number, "upn", row[at_upn])
        day, error = dates[row[at_date]]
        if error:
            problems.add(number, "date", error)
        session, error = sessions[row[at_session]]
        if error:
            problems.add(number, "session", error)
        code = code_of[row[at_code]][0]
        minutes, error = collector.minutes_cache[
            row[at_minutes] if at_minutes is not None else None
        ]
        if error:
            problems.add(number, "minutes_late", error)
        if day is None or session is None:
            continue
        if found is None:
            collector.check_only(number, day, session, code)
            continue
        collector.add(number, *found, day, session, code, minutes)
    if parsed.rows_read == 0:
        problems.add(None, None, "the file has a header but no marks")
    return collector.finish()
