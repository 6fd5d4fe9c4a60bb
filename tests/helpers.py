"""Small real school files on disk for tests."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from pypdf import PdfReader

from attendance_desk.domain.calendar import Closure, Term
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.upn import make_upn
from attendance_desk.services.school import create_school
from attendance_desk.store.db import Store
from attendance_desk.store.marks import insert_new_marks
from attendance_desk.store.resources import default_code_table

# A calendar with a two-week Christmas holiday and a half-term, across the 2024 code change.
TERMS = [
    Term("Summer 2 2024", date(2024, 6, 3), date(2024, 7, 19)),
    Term("Autumn 1 2024", date(2024, 9, 2), date(2024, 10, 25)),
    Term("Autumn 2 2024", date(2024, 11, 4), date(2024, 12, 20)),
    Term("Spring 1 2025", date(2025, 1, 6), date(2025, 2, 14)),
]
CLOSURES = [Closure(date(2024, 9, 2), "inset", "INSET")]


def upn(n: int) -> str:
    return make_upn(881, 2001, 24, n)


def make_school(tmp_path: Path, terms=TERMS, closures=CLOSURES) -> Store:
    """A school named "Test Primary School" (URN 123456) with `terms` and `closures`: a new file in
    `tmp_path`, or, when the test runs on PostgreSQL (tests/engines.py `school_engine`), a new
    database on the test server."""
    from tests.engines import current_engine, server_school

    kind, server = current_engine()
    if kind == "postgresql":
        return server_school(server, terms, closures)
    store = create_school(tmp_path / "school.sqlite", "Test Primary School", "123456")
    if terms:
        store.calendar.add_terms(list(terms))
    if closures:
        store.calendar.add_closures(list(closures))
    return store


def add_pupil(store: Store, n: int, **fields) -> Pupil:
    base = dict(
        id=None,
        upn=upn(n),
        surname=f"Surname{n}",
        forename=f"Pupil{n}",
        year_group="4",
        reg_group="4A",
        admission_date=date(2020, 9, 1),
    )
    base.update(fields)
    store.pupils.upsert_many([Pupil(**base)])
    return store.pupils.by_upn(base["upn"])


def put_marks(store: Store, pupil: Pupil, marks: dict[tuple[date, str], str]) -> None:
    """Marks as a register (or an import) records them: the class registers they fill are taken."""
    rows = [(pupil.id, d.isoformat(), s, c, None) for (d, s), c in sorted(marks.items())]
    insert_new_marks(store, rows, by="test", source="test")
    if rows:
        store.marks.record_registers_taken_from_marks(
            date.fromisoformat(rows[0][1]),
            date.fromisoformat(rows[-1][1]),
            default_code_table().register_taking_codes(),
            "test",
        )


def sessions(start: date, end: date, code_am: str, code_pm: str | None = None, calendar=None):
    """Marks for every weekday in [start, end] (both sessions) - or school days if a calendar is given."""
    result = {}
    day = start
    while day <= end:
        school = calendar.is_school_day(day) if calendar else day.weekday() < 5
        if school:
            result[(day, "AM")] = code_am
            result[(day, "PM")] = code_pm or ("\\" if code_am == "/" else code_am)
        day += timedelta(days=1)
    return result


def text_of(path) -> str:
    """The PDF's text with line breaks folded to spaces (table cells come out one per line)."""
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages)
