"""Attendance codes as data, with the code set in force chosen by each mark's own date.

Nothing else in the program hard-codes code letters: it asks this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache

from attendance_desk.presentation import dmy


class Category(StrEnum):
    PRESENT = "present"
    AEA = "aea"
    AUTHORISED = "authorised"
    UNAUTHORISED = "unauthorised"
    NOT_COUNTED = "not_counted"

    @property
    def counts_as_attendance(self) -> bool:
        return self in (Category.PRESENT, Category.AEA)

    @property
    def is_absence(self) -> bool:
        return self in (Category.AUTHORISED, Category.UNAUTHORISED)

    @property
    def label(self) -> str:
        return _CATEGORY_LABELS[self]


_CATEGORY_LABELS = {
    Category.PRESENT: "Present",
    Category.AEA: "Approved educational activity",
    Category.AUTHORISED: "Authorised absence",
    Category.UNAUTHORISED: "Unauthorised absence",
    Category.NOT_COUNTED: "Not counted in possible sessions",
}

SESSIONS = ("AM", "PM")


@dataclass(frozen=True)
class Code:
    code: str
    meaning: str
    category: Category
    reason_known: bool = True
    office_only: bool = False
    in_advance: bool = False
    school_closed: bool = False
    present_in: str = ""  # the session ("AM" or "PM") whose present mark this is (/ or \\)

    @property
    def needs_reason(self) -> bool:
        """An absence whose reason is not yet established: the first-day-call list chases it."""
        return self.category.is_absence and not self.reason_known


@dataclass(frozen=True)
class CodeSet:
    key: str
    title: str
    valid_from: date
    valid_to: date
    codes: dict[str, Code] = field(repr=False)

    def covers(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to


class UnknownCode(ValueError):
    pass


class CodeTable:
    """All code sets, ordered by date; `lookup(code, day)` is the one way to read a mark."""

    def __init__(self, sets: list[CodeSet]):
        self.sets = sorted(sets, key=lambda s: s.valid_from)
        for earlier, later in zip(self.sets, self.sets[1:], strict=False):
            if later.valid_from <= earlier.valid_to:
                raise ValueError(f"code sets {earlier.key} and {later.key} overlap")

    def set_for(self, day: date) -> CodeSet:
        return self.sets[_era_index(self, day)]

    def era_index(self, day: date) -> int:
        return _era_index(self, day)

    def lookup(self, code: str, day: date) -> Code:
        code_set = self.set_for(day)
        try:
            return code_set.codes[code]
        except KeyError:
            raise UnknownCode(
                f"'{code}' is not an attendance code on {dmy(day)} ({code_set.title})"
            ) from None

    def category(self, code: str, day: date) -> Category:
        return self.lookup(code, day).category

    def category_or_none(self, code: str, day: date) -> Category | None:
        """The category, or None for a code not valid on that day (counted as unknown, never guessed).
        Cached: a school's marks repeat a few dozen codes over a few hundred dates."""
        return _category_or_none(self, code, day)

    def is_valid(self, code: str, day: date) -> bool:
        try:
            self.lookup(code, day)
        except UnknownCode:
            return False
        return True

    def codes_in(self, category: Category) -> frozenset[str]:
        """Every code that has this category in at least one code set (for SQL pre-filters)."""
        return frozenset(
            c.code for s in self.sets for c in s.codes.values() if c.category == category
        )

    def register_taking_codes(self) -> frozenset[str]:
        """Codes recorded when a register is taken (/, L, N, I, …), as opposed to those entered ahead
        of the session (an appointment, granted leave, a closure): a class whose only marks for a
        session were entered ahead has not had its register taken (DESIGN: "register taken" record)."""
        return frozenset(c.code for s in self.sets for c in s.codes.values() if not c.in_advance)

    def present_code(self, day: date, session: str) -> str:
        """The present mark of a session on that day (/ AM, \\ PM), as the code table declares it."""
        code_set = self.set_for(day)
        for code in code_set.codes.values():
            if code.present_in == session:
                return code.code
        raise UnknownCode(f"{code_set.title} has no present mark for the {session} session")

    def closure_code(self, day: date) -> str:
        """The mark of a session the school did not meet (#) in the code set of that day."""
        code_set = self.set_for(day)
        for code in code_set.codes.values():
            if code.school_closed:
                return code.code
        raise UnknownCode(f"{code_set.title} has no code for a school closure")

    def as_entered(self, typed: str, day: date, session: str) -> str:
        """What a register records for a typed code: letters in capitals, and either present mark
        as the one of this session (/ typed in an afternoon column is \\)."""
        typed = typed.strip()
        try:
            code = self.set_for(day).codes.get(typed)
        except UnknownCode:
            code = None
        if code is not None and code.present_in:
            return self.present_code(day, session)
        return typed.upper()

    def closure_codes(self) -> frozenset[str]:
        return frozenset(c.code for s in self.sets for c in s.codes.values() if c.school_closed)

    def era_boundaries(self) -> list[date]:
        """Start dates of each set after the first: marks are grouped by era in queries."""
        return [s.valid_from for s in self.sets[1:]]


@lru_cache(maxsize=1 << 14)
def _era_index(table: CodeTable, day: date) -> int:
    """Which code set a day falls in (cached: replaying a register asks once per day per pupil)."""
    for i, code_set in enumerate(table.sets):
        if code_set.covers(day):
            return i
    raise UnknownCode(f"no attendance code set covers {dmy(day)}")


@lru_cache(maxsize=1 << 16)
def _category_or_none(table: CodeTable, code: str, day: date) -> Category | None:
    try:
        return table.lookup(code, day).category
    except UnknownCode:
        return None


def _parse_set(raw: dict) -> CodeSet:
    codes = {}
    for entry in raw["codes"]:
        code = Code(
            code=entry["code"],
            meaning=entry["meaning"],
            category=Category(entry["category"]),
            reason_known=entry.get("reason_known", True),
            office_only=entry.get("office_only", False),
            in_advance=entry.get("in_advance", False),
            school_closed=entry.get("school_closed", False),
            present_in=entry.get("session", ""),
        )
        if code.code in codes:
            raise ValueError(f"code {code.code} listed twice in set {raw['key']}")
        codes[code.code] = code
    return CodeSet(
        key=raw["key"],
        title=raw["title"],
        valid_from=raw.get("valid_from", date.min),
        valid_to=raw.get("valid_to", date.max),
        codes=codes,
    )


def code_table_from_dict(data: dict) -> CodeTable:
    """The code table from its file's contents (store/resources.py reads resources/codes.toml)."""
    return CodeTable([_parse_set(raw) for raw in data["code_sets"]])
