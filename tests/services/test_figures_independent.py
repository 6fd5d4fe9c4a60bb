"""The whole-school figures (read from the marks counted by week, with the cut weeks from the
marks) and the per-pupil reads agree with an independent count for every pupil, on ranges within a
term, across terms and holidays, and across the 2024 code change (DfE, "Working together to improve
school attendance", 2024, and the school census guide: each mark counted by the meaning its code has
on its own date; possible sessions = present + approved educational activity + authorised +
unauthorised)."""

from __future__ import annotations

import random
from datetime import date

import pytest

import attendance_desk.services.figures as service
from attendance_desk.domain.calendar import SchoolCalendar
from attendance_desk.domain.codes import Category
from attendance_desk.services.figures import pupil_figures
from attendance_desk.store.resources import default_code_table
from tests.helpers import CLOSURES, TERMS, add_pupil, make_school, put_marks, sessions

CAL = SchoolCalendar(TERMS, CLOSURES)
TABLE = default_code_table()
RANGES = [
    (date(2024, 9, 3), date(2024, 10, 25)),  # within a term, starting on a Tuesday
    (date(2024, 10, 16), date(2024, 11, 13)),  # across half-term, Wednesday to Wednesday
    (date(2024, 6, 5), date(2024, 9, 20)),  # across the summer and the 2024 code change
    (date(2024, 7, 1), date(2025, 2, 14)),  # across the change, three terms, to a Friday
    (date(2024, 11, 12), date(2024, 11, 14)),  # part of one week
    (date(2024, 6, 3), date(2025, 2, 14)),  # everything
]


def independent(store, start: date, end: date) -> dict[str, tuple[int, int, int, int, int]]:
    """Per pupil UPN: (possible, attended, authorised, unauthorised, not counted), from each mark
    read on its own and categorised by the code set in force on its date, over the pupil's days on
    roll in the range."""
    out: dict[str, list[int]] = {}
    rows = store.query(
        "SELECT p.upn, p.admission_date, p.leaving_date, m.date, m.code FROM marks m "
        "JOIN pupils p ON p.id = m.pupil_id WHERE m.date BETWEEN ? AND ?",
        (start.isoformat(), end.isoformat()),
    )
    for upn, admitted, left, day, code in rows:
        if (admitted and day < admitted) or (left and day > left):
            continue
        category = TABLE.category_or_none(code, date.fromisoformat(day))
        t = out.setdefault(upn, [0, 0, 0, 0, 0])
        if category in (Category.PRESENT, Category.AEA):
            t[1] += 1
        elif category == Category.AUTHORISED:
            t[2] += 1
        elif category == Category.UNAUTHORISED:
            t[3] += 1
        elif category == Category.NOT_COUNTED:
            t[4] += 1
    return {upn: (a + b + c, a, b, c, d) for upn, (_, a, b, c, d) in out.items()}


def service_figures(store, start: date, end: date) -> dict[str, tuple[int, int, int, int, int]]:
    return {
        r.pupil.upn: (
            r.figures.possible,
            r.figures.attended,
            r.figures.authorised,
            r.figures.unauthorised,
            r.figures.not_counted,
        )
        for r in pupil_figures(store, start, end, due=(end, "PM"))
    }


@pytest.fixture(scope="module")
def school(tmp_path_factory, school_engine):
    rng = random.Random(2024)
    store = make_school(tmp_path_factory.mktemp("independent"))
    days = (date(2024, 6, 3), date(2025, 2, 14))
    for n in range(1, 15):
        fields = {}
        if n % 5 == 0:
            fields["admission_date"] = date(2024, 9, 16)  # joined after the change
        if n % 7 == 0:
            fields["leaving_date"] = date(2024, 11, 8)  # left in Autumn 2
        pupil = add_pupil(store, n, **fields)
        marks = {}
        for key in sessions(*days, "/", calendar=CAL):
            day, session = key
            if not pupil.on_roll(day):
                continue
            codes = sorted(TABLE.set_for(day).codes)
            marks[key] = (
                rng.choice(codes) if rng.random() < 0.25 else ("/" if session == "AM" else "\\")
            )
        put_marks(store, pupil, marks)
    yield store
    store.close()


@pytest.mark.parametrize("start,end", RANGES)
def test_whole_school_and_per_pupil_figures_equal_an_independent_count(
    school, monkeypatch, start, end
):
    expected = independent(school, start, end)
    monkeypatch.setattr(service, "WHOLE_SCHOOL_PASS_FROM", 0)  # the whole-school pass
    assert service_figures(school, start, end) == expected
    monkeypatch.setattr(service, "WHOLE_SCHOOL_PASS_FROM", 10_000)  # each pupil by key
    assert service_figures(school, start, end) == expected
