"""Creating a school file, and the calendar and support map as the rest of the services see them."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from functools import lru_cache
from pathlib import Path

from attendance_desk.domain.calendar import (
    SchoolCalendar,
    academic_year_bounds,
    academic_year_label,
    academic_year_of,
)
from attendance_desk.domain.codes import CodeTable
from attendance_desk.domain.records import SchoolSettings
from attendance_desk.domain.support_map import SupportMap
from attendance_desk.errors import UserError
from attendance_desk.presentation import dmy
from attendance_desk.store.db import Store, StoreError, open_store
from attendance_desk.store.resources import default_code_table


class ServiceError(UserError):
    """Refused: bad input or an action that is not allowed. The message is for the user."""


SchoolFile = Store
"""The open school file as the window and the command line hold it: something to pass to services
(and close), never to read from; only services reach its repositories."""


def create_school(path: Path | str, name: str, urn: str, **details: str) -> Store:
    """A new school file; or, given a server's address, the school named in its database, which IT
    has made and migrated and which holds no school yet (nothing is created on the server)."""
    from attendance_desk.services.server import is_server_address

    server = is_server_address(path)
    if not server and Path(path).exists() and Path(path).stat().st_size > 0:
        raise ServiceError(f"{path} already exists: choose another file name")
    if not name.strip():
        raise ServiceError("the school needs a name")
    if not (urn.isdigit() and len(urn) == 6):
        raise ServiceError(f"URN must be 6 digits, not '{urn}'")
    if server:
        address = path if isinstance(path, str) else str(path)  # a ServerAddress keeps its password
        return _name_the_school_on_a_server(address, name, urn, **details)
    store = open_store(Path(path), create=True)
    store.settings.save_school(replace(SchoolSettings(), name=name.strip(), urn=urn, **details))
    return store


def _name_the_school_on_a_server(address: str, name: str, urn: str, **details: str) -> Store:
    from attendance_desk.services.server import connect_to_server

    store = connect_to_server(address)
    try:
        current = store.settings.school()
        if current.name.strip() or store.pupils.count() or store.users.any():
            raise ServiceError(
                f"{store.where} already holds a school ({current.name or 'unnamed'}, URN "
                f"{current.urn or 'none'}): init is for a new database IT has just migrated; "
                "open it instead"
            )
        with store.write():
            store.settings.save_school(
                replace(SchoolSettings(), name=name.strip(), urn=urn, **details)
            )
    except BaseException:
        store.close()
        raise
    return store


def open_school(path: Path | str) -> Store:
    """The school: a school file, or (an address `postgresql://LOGIN@SERVER/DATABASE`) its database
    on the school's server (services/server.py `connect_to_server`, with the password a
    `ServerAddress` carries, else libpq's own)."""
    from attendance_desk.services.server import connect_to_server, is_server_address

    if is_server_address(path):
        return connect_to_server(str(path) if not isinstance(path, str) else path)
    try:
        return open_store(path)
    except StoreError as exc:
        raise ServiceError(str(exc)) from None


def setting_number(store: Store, name: str) -> int:
    """A numeric school setting (leave_decision_days, penalty_sessions, penalty_weeks, cme_days) as a
    number; a value that is not one (an older file edited by hand) falls back to the default."""
    value = str(getattr(store.settings.school(), name)).strip()
    return (
        int(value) if value.isdigit() and int(value) > 0 else int(getattr(SchoolSettings(), name))
    )


def codes() -> CodeTable:
    return default_code_table()


def school_calendar(store: Store, start: date, end: date) -> SchoolCalendar:
    """The calendar as entered; academic years with no terms entered take their school sessions
    from the registers themselves (any mark other than a closure)."""
    terms = store.calendar.terms()
    closures = store.calendar.closures()
    calendar = SchoolCalendar(terms, closures)
    observed: set = set()
    for year in calendar.years_without_terms(start, end):
        first, last = academic_year_bounds(year)
        observed |= store.marks.sessions_marked(
            max(first, start), min(last, end), codes().closure_codes()
        )
    if observed:
        calendar = SchoolCalendar(terms, closures, observed)
    return calendar


def support_map(store: Store) -> SupportMap:
    """The support map in use, as the school's file holds it (services/school_documents.py)."""
    name = store.settings.school().support_map
    text = store.documents.texts("support_map").get(name)
    if text is None:
        raise ServiceError(f"no support map called {name} in the school's file")
    return _load_map(text, name)


@lru_cache(maxsize=8)
def _load_map(text: str, name: str) -> SupportMap:
    """Parsed once per version: an edited support map is picked up on the next call."""
    from attendance_desk.services.school_documents import parse_support_map

    return parse_support_map(text, name)


def _may_change_settings(store: Store, by: str) -> None:
    from attendance_desk.domain.roles import Permission
    from attendance_desk.services.users import authorize

    authorize(store, by, Permission.SETTINGS)


def save_settings(store: Store, settings: SchoolSettings, by: str = "") -> None:
    """Save the school's settings, each checked (services/settings.py): a value the rest of the
    program cannot use is refused (SettingsRefused names each setting) and nothing is saved."""
    from attendance_desk.services.settings import SettingsRefused, normalised, problems

    _may_change_settings(store, by)
    settings = normalised(settings)
    found = problems(store, settings)
    if found:
        raise SettingsRefused(found)
    with store.write():  # the settings and the audit entry: both or neither
        before = store.settings.school()
        store.settings.save_school(settings)
        changed = [
            f"{f.name}: '{getattr(before, f.name)}' → '{getattr(settings, f.name)}'"
            for f in fields(settings)
            if getattr(before, f.name) != getattr(settings, f.name)
        ]
        store.audit.log(by, "settings changed", "school", "; ".join(changed) or "nothing changed")


def add_typical_year(store: Store, start_year: int, by: str = "") -> None:
    """Terms, INSET days and England's bank holidays for a year, as a start the school adjusts."""
    _may_change_settings(store, by)
    from attendance_desk.domain.calendar_presets import typical_year

    terms, closures = typical_year(start_year)
    try:
        with store.write():
            store.calendar.add_terms(terms)
            store.calendar.add_closures(closures)
            store.audit.log(
                by,
                "calendar: usual year added",
                academic_year_label(start_year),
                f"{len(terms)} terms, {len(closures)} closures",
            )
    except ValueError as exc:
        raise ServiceError(f"{exc}: remove that term first, or add the terms one by one") from None


def add_term(store: Store, name: str, start: date, end: date, by: str = "") -> None:
    _may_change_settings(store, by)
    from attendance_desk.domain.calendar import Term

    if not name.strip():
        raise ServiceError("give the term a name, e.g. Autumn 1 2026")
    if end >= start and academic_year_of(start) != academic_year_of(end):
        first, last = academic_year_bounds(academic_year_of(start))
        raise ServiceError(
            f"a term lies within one school year ({dmy(first)} to {dmy(last)}): "
            f"{dmy(start)} to {dmy(end)} runs into the next; enter a term for each year"
        )
    if start.weekday() > 4 or end.weekday() > 4:
        day = start if start.weekday() > 4 else end
        raise ServiceError(
            f"a term starts and ends on a school day, not on a weekend ({day:%A} {dmy(day)})"
        )
    try:
        term = Term(name.strip(), start, end)
        with store.write():
            store.calendar.add_terms([term])
            store.audit.log(by, "calendar: term added", term.name, f"{dmy(start)} to {dmy(end)}")
    except ValueError as exc:
        raise ServiceError(str(exc)) from None


CLOSURE_KINDS = {"inset": "INSET day", "bank_holiday": "Bank holiday", "closure": "Other closure"}


def add_closure(
    store: Store, day: date, sessions: tuple[str, ...], kind: str, description: str, by: str = ""
) -> None:
    _may_change_settings(store, by)
    from attendance_desk.domain.calendar import Closure

    if day.weekday() > 4:
        raise ServiceError(f"{dmy(day)} is a weekend: the school does not meet anyway")
    if not sessions or any(s not in ("AM", "PM") for s in sessions):
        raise ServiceError("a closure is for the AM session, the PM session or both")
    if kind not in CLOSURE_KINDS:
        raise ServiceError(
            f"a closure is an INSET day (inset), a bank holiday (bank_holiday) or another closure "
            f"(closure), not '{kind}'"
        )
    year_terms = [
        t for t in store.calendar.terms() if academic_year_of(t.start) == academic_year_of(day)
    ]
    if year_terms and not any(t.start <= day <= t.end for t in year_terms):
        raise ServiceError(
            f"{dmy(day)} is not in a term of {academic_year_label(academic_year_of(day))} (the "
            f"terms run from {dmy(min(t.start for t in year_terms))} to "
            f"{dmy(max(t.end for t in year_terms))}, with holidays between): the school is closed "
            "then anyway"
        )
    if any(c.day == day for c in store.calendar.closures()):
        raise ServiceError(
            f"there is already a closure on {dmy(day)}: remove it first to change it"
        )
    taken = sorted({group for s in sessions for group in store.marks.registers_taken(day, s)})
    if taken:
        raise ServiceError(
            f"the register for {dmy(day)} {'/'.join(sessions)} is already taken for "
            f"{', '.join(taken)}: amend those marks (with a reason) before recording a closure"
        )
    if not description.strip():
        raise ServiceError("give the reason for the closure (e.g. INSET day, heating failure)")
    with store.write():
        store.calendar.add_closures([Closure(day, kind, description.strip(), sessions)])
        store.audit.log(
            by,
            "calendar: closure added",
            f"{dmy(day)} {'/'.join(sessions)}",
            f"{kind}: {description.strip()}",
        )


def support_map_choices(store: Store | None = None) -> list[str]:
    """The support maps in the school's file: the default, the presets shipped beside it and any
    the school saved under a name of its own (without a school: those shipped)."""
    from attendance_desk.services.school_documents import support_map_names

    return support_map_names(store)


def choose_support_map(store: Store, name: str, by: str = "") -> SupportMap:
    """Change the support map; pupils' open stages are carried over (see stages.switch_support_map,
    which also returns the list of changes to show)."""
    from attendance_desk.services.stages import switch_support_map

    return switch_support_map(store, name, by).map


def save_support_map_choice(store: Store, name: str, by: str = "") -> SupportMap:
    _may_change_settings(store, by)
    if name not in support_map_choices(store):
        raise ServiceError(f"no support map called {name}")
    with store.write():  # the choice and the audit entry: both or neither
        store.settings.save_school(replace(store.settings.school(), support_map=name))
        store.audit.log(by, "support map chosen", name)
    return support_map(store)


def remove_closure(store: Store, day: date, by: str = "") -> None:
    _may_change_settings(store, by)
    with store.write():
        if not store.calendar.remove_closure(day):
            raise ServiceError(f"no closure on {dmy(day)}")
        store.audit.log(by, "calendar: closure removed", f"{dmy(day)}")


def remove_term(store: Store, name: str, by: str = "") -> None:
    _may_change_settings(store, by)
    with store.write():
        if not store.calendar.remove_term(name):
            raise ServiceError(f"no term called {name}")
        store.audit.log(by, "calendar: term removed", name)


@dataclass(frozen=True)
class CalendarYear:
    """One academic year of the school calendar as entered, with what it adds up to."""

    year: int
    terms: list
    closures: list
    school_days: int
    school_sessions: int

    @property
    def label(self) -> str:
        return academic_year_label(self.year)


def calendar_year(store: Store, year: int) -> CalendarYear:
    first, last = academic_year_bounds(year)
    terms = [t for t in store.calendar.terms() if first <= t.start <= last]
    closures = [c for c in store.calendar.closures() if first <= c.day <= last]
    calendar = SchoolCalendar(store.calendar.terms(), store.calendar.closures())
    sessions = calendar.school_sessions(first, last) if terms else []
    return CalendarYear(year, terms, closures, len({d for d, _ in sessions}), len(sessions))


def school_settings(store: Store) -> SchoolSettings:
    """The school's details, register times and choices, as last saved."""
    return store.settings.school()


def calendar_entries(store: Store) -> tuple[list, list]:
    """Every term and every closure as entered (Settings lists them)."""
    return store.calendar.terms(), store.calendar.closures()


@dataclass(frozen=True)
class SchoolSize:
    pupils: int
    contacts: int
    marks: int


def school_size(store: Store) -> SchoolSize:
    """How much the file holds (what `demo` reports it wrote)."""
    return SchoolSize(store.pupils.count(), store.contacts.count(), store.marks.count())
