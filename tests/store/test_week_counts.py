"""The marks counted by pupil, week and code (schema m023) and by pupil, school year and code (m025),
which the whole-school figures read instead of every mark: kept by the same transactions that write
the marks, through every path that writes them, and checked against the marks by `check --full`
after an edit outside the app."""

from __future__ import annotations

import random
import sqlite3
from collections import Counter
from datetime import date, timedelta

import pytest

from attendance_desk.services.check import check_school
from attendance_desk.store.db import Store
from attendance_desk.store.marks import insert_new_marks, week_cut, year_days, year_of_week
from attendance_desk.store.resources import default_code_table
from attendance_desk.store.schema import YEAR_OF_WEEK
from tests.engines import as_owner, outside, reopen
from tests.helpers import add_pupil, make_school

CODES = ["/", "\\", "I", "M", "O", "G", "N", "L", "U", "C", "#", "B", "E"]
# The code sets change on Monday 19 August 2024 (DfE, "Working together to improve school attendance",
# 2024: new and changed codes from the 2024/25 academic year); ranges below cross it.
ERAS = default_code_table().era_boundaries()


def plain_counts(store, start: date, end: date, ids) -> Counter:
    """The same figures straight from the marks: (pupil, era, code) -> marks."""
    out: Counter = Counter()
    for pid, day, code in store.query(
        "SELECT pupil_id, date, code FROM marks WHERE date BETWEEN ? AND ?",
        (start.isoformat(), end.isoformat()),
    ):
        if pid in ids:
            era = sum(1 for b in ERAS if b <= date.fromisoformat(day))
            out[(pid, era, code)] += 1
    return out


def kept_counts(store, start: date, end: date, ids) -> Counter:
    out: Counter = Counter()
    for pid, era, code, n in store.marks.code_counts(start, end, ERAS, sorted(ids)):
        out[(pid, era, code)] += n
    return out


def days(start: date, n: int) -> list[date]:
    return [
        start + timedelta(days=i) for i in range(n) if (start + timedelta(days=i)).weekday() < 5
    ]


@pytest.fixture
def school(tmp_path):
    store = make_school(tmp_path)
    yield store
    store.close()


def test_week_cut_keeps_whole_monday_to_sunday_weeks_only():
    assert week_cut(date(2024, 9, 2), date(2024, 9, 15)) == (date(2024, 9, 2), date(2024, 9, 9))
    assert week_cut(date(2024, 9, 3), date(2024, 9, 15)) == (date(2024, 9, 9), date(2024, 9, 9))
    assert week_cut(date(2024, 9, 3), date(2024, 9, 14)) is None  # Tuesday to Saturday
    assert week_cut(date(2024, 9, 2), date(2024, 9, 8)) == (date(2024, 9, 2), date(2024, 9, 2))


def test_every_way_of_writing_marks_keeps_the_week_counts_equal_to_the_marks(school_on):
    """On both engines (tests/engines.py): the file's triggers count row by row, the server's
    by statement; the same counts."""
    school = school_on
    rng = random.Random(7)
    pupils = [add_pupil(school, i) for i in range(1, 7)]
    ids = {p.id for p in pupils}
    span = days(date(2024, 7, 1), 120)  # across the summer and the 2024 code change
    # a register taken: rows inserted as new
    insert_new_marks(
        school,
        [
            (p.id, d.isoformat(), s, rng.choice(CODES), None)
            for p in pupils[:3]
            for d in span[:40]
            for s in ("AM", "PM")
        ],
        by="office",
        source="register",
    )
    # an import: some new, some amended, some the same
    rows = [
        (p.id, d.isoformat(), s, rng.choice(CODES), None)
        for p in pupils
        for d in span[20:80]
        for s in ("AM", "PM")
    ]
    school.marks.add_or_amend_many(rows, by="office", source="import", reason="MIS import")
    # single amendments, as the register and the call log make them
    for p in pupils[:3]:
        mark = school.marks.get(p.id, span[25], "AM")
        new = "M" if mark.code != "M" else "I"
        school.marks.amend(
            p.id, span[25], "AM", new, None, "dentist's letter", "lead", mark.version
        )
    assert school.marks.week_count_drift() == []
    assert school.marks.year_count_drift() == []
    ranges = [
        (span[0], span[-1]),
        (date(2024, 8, 14), date(2024, 9, 4)),  # a cut week each side of the code change
        (date(2024, 9, 3), date(2024, 9, 5)),  # inside one week
        (date(2024, 9, 2), date(2024, 9, 8)),  # exactly one week
        # most of a school year with marks on both sides: the year's counts less the days outside
        (date(2024, 9, 4), date(2024, 12, 10)),
        # the school year 2023/24 holds both code sets: its counts less the new set's days
        (date(2024, 7, 1), date(2024, 8, 18)),
        (date(2023, 9, 1), date(2025, 8, 31)),  # two whole school years and more
    ]
    for _ in range(40):  # and ranges anywhere in and around the marks
        lo = date(2024, 6, 20) + timedelta(days=rng.randrange(200))
        ranges.append((lo, lo + timedelta(days=rng.randrange(1, 200))))
    for lo, hi in ranges:
        assert kept_counts(school, lo, hi, ids) == plain_counts(school, lo, hi, ids), (lo, hi)
        by_week: Counter = Counter()
        for monday, era, code, n in school.marks.school_week_counts(lo, hi, ERAS):
            by_week[(monday, era, code)] += n
        plain: Counter = Counter()
        for _pid, day, code in school.query(
            "SELECT pupil_id, date, code FROM marks WHERE date BETWEEN ? AND ?",
            (lo.isoformat(), hi.isoformat()),
        ):
            d = date.fromisoformat(day)
            monday = (d - timedelta(days=d.weekday())).isoformat()
            plain[(monday, sum(1 for b in ERAS if b <= d), code)] += 1
        assert by_week == plain, (lo, hi)


def test_a_school_year_is_the_whole_weeks_whose_thursday_falls_in_it():
    # 1 September 2025 is a Monday: the year starts that day
    assert year_days(2025) == (date(2025, 9, 1), date(2026, 8, 30))
    # 1 September 2026 is a Tuesday: its week (Thursday 3 September) belongs to 2026/27
    assert year_days(2026) == (date(2026, 8, 31), date(2027, 8, 29))
    # 1 September 2028 is a Friday: its week (Thursday 31 August) still belongs to 2027/28
    assert year_days(2027)[1] == date(2028, 9, 3) and year_days(2028)[0] == date(2028, 9, 4)
    # the trigger's SQL says the same as the Python for every Monday of twelve years
    conn = sqlite3.connect(":memory:")
    monday = date(2019, 12, 30)
    while monday < date(2032, 1, 1):
        sql = conn.execute(f"SELECT {YEAR_OF_WEEK.format(w='?1')}", (monday.isoformat(),))
        first, last = year_days(year_of_week(monday))
        assert sql.fetchone()[0] == year_of_week(monday) and first <= monday <= last, monday
        monday += timedelta(days=7)


def test_a_retention_removal_takes_the_pupils_counts_with_it(request, school_on):
    school = school_on
    # left long enough ago: on a server the removal's own checks ask it (store/schema_pg.py)
    pupil = add_pupil(school, 1, leaving_date=date(2017, 7, 20))
    insert_new_marks(school, [(pupil.id, "2024-09-02", "AM", "/", None)], by="t", source="t")
    if school.engine.name == "sqlite":
        school.pupils.remove([pupil.id])
    else:  # a retention removal on a server is IT's, as the owner (m027)
        from tests.postgres.owner import owner_store

        owner = owner_store(school, request.getfixturevalue("pg_school_server"))
        try:
            owner.pupils.remove([pupil.id])
        finally:
            owner.close()
    assert school.query("SELECT COUNT(*) FROM mark_week_counts")[0][0] == 0
    assert school.query("SELECT COUNT(*) FROM mark_year_counts")[0][0] == 0
    assert school.marks.week_count_drift() == [] and school.marks.year_count_drift() == []


def test_an_edit_outside_the_app_is_counted_by_the_triggers_and_a_forged_count_is_found(school):
    """Another tool's edits: the sqlite3 shell on the file; on a server psql as the PC's login for
    the mark (tests.engines.outside) and as IT's login, the schema's owner, for the counts (the
    rights to change a count by hand there may be the owner's alone); the school's own triggers
    count a changed mark, and check --full finds a count changed by hand."""
    pupil = add_pupil(school, 1)
    insert_new_marks(
        school,
        [
            (pupil.id, d.isoformat(), s, "/" if s == "AM" else "\\", None)
            for d in days(date(2024, 9, 2), 5)
            for s in ("AM", "PM")
        ],
        by="t",
        source="t",
    )
    store = school

    def shell(*statements: str, owner: bool = False) -> Store:
        conn = as_owner(store) if owner and store.engine.name != "sqlite" else outside(store)
        for sql in statements:
            conn.execute(sql)
        conn.commit()
        conn.close()
        return reopen(store)

    # change a mark directly; the school's own triggers count it
    store = shell("UPDATE marks SET code = 'O' WHERE date = '2024-09-03' AND session = 'AM'")
    assert store.marks.week_count_drift() == []
    kept = kept_counts(store, date(2024, 9, 2), date(2024, 9, 8), {pupil.id})
    assert kept[(pupil.id, 1, "O")] == 1 and kept[(pupil.id, 1, "/")] == 4
    # a forged count: the figures would not show the absence; check --full finds it
    store = shell("DELETE FROM mark_week_counts WHERE code = 'O'", owner=True)
    quick = check_school(store)
    assert not any("counted for the figures" in p for p in quick.problems)
    full = check_school(store, full=True)
    found = [p for p in full.problems if "counted for the figures" in p]
    assert found and "week of 2024-09-02" in found[0]
    # a forged count by year (the weeks left right): check --full finds that too
    store = shell(
        f"INSERT INTO mark_week_counts VALUES ({pupil.id}, '2024-09-02', 'O', 1)",
        "UPDATE mark_year_counts SET n = n + 2 WHERE code = '/'",
        owner=True,
    )
    assert store.marks.week_count_drift() == []
    found = [p for p in check_school(store, full=True).problems if "counted for the" in p]
    assert found == [
        f"figures: pupil {pupil.id}, school year 2024/25, code '/': 4 mark(s) but 6 counted for the figures (edited outside Attendance Desk)"
    ]
    # the switch that sets the counting aside, left on: the quick check sees it
    store = shell("INSERT INTO mark_counts_by_statement VALUES (1)", owner=True)
    assert any("switched off" in p for p in check_school(store).problems)
    store.close()
