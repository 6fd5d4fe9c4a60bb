"""End to end on a real school file, through the command line: the figures a local authority or a
court reads, at their edges (issue 11). The calendar is tests/helpers.TERMS: Summer 2 2024 ends
Fri 19/07/2024, Autumn 1 2024 starts with INSET on Mon 02/09/2024."""

import json
from datetime import date

import pytest

from attendance_desk.domain.calendar import SchoolCalendar
from attendance_desk.services.school import open_school
from tests.cli.test_cli import run
from tests.helpers import CLOSURES, TERMS, add_pupil, make_school, put_marks, sessions

CAL = SchoolCalendar(TERMS, CLOSURES)


@pytest.fixture
def db(tmp_path):
    make_school(tmp_path).close()
    return tmp_path / "school.sqlite"


def stats(capsys, db, *args):
    code, out, err = run(capsys, "--db", db, "stats", "--json", *args)
    assert code == 0, err
    return {r["upn"]: r for r in json.loads(out)}


def test_penalty_window_spans_the_summer_holiday_and_the_code_change(db, capsys):
    """DfE, Working together to improve school attendance (2024), para. on penalty notices: 10
    sessions of unauthorised absence in a rolling period of 10 school weeks, which "can also span
    different terms or school years". 6 G in mid-July 2024 (2006 codes) and 4 N on 3-4 September
    2024 (2024 codes) are in three consecutive school weeks (the summer weeks are not school weeks)."""
    store = open_school(db)
    p = add_pupil(store, 1)
    marks = sessions(date(2024, 6, 3), date(2024, 7, 19), "/", calendar=CAL)
    marks |= sessions(date(2024, 9, 3), date(2024, 9, 13), "/", calendar=CAL)
    for day in (15, 16, 17):
        marks[(date(2024, 7, day), "AM")] = marks[(date(2024, 7, day), "PM")] = "G"
    for day in (3, 4):
        marks[(date(2024, 9, day), "AM")] = marks[(date(2024, 9, day), "PM")] = "N"
    put_marks(store, p, marks)
    store.close()
    row = stats(capsys, db, "--to", "2024-09-12")[p.upn]  # from 01/09/2024, this academic year
    assert row["unauthorised"] == 4
    assert row["max_unauthorised_10_school_weeks"] == 10 and row["penalty_threshold"] is True
    assert row["unauthorised_last_10_school_weeks"] == 10
    assert row["missing"] == 0 and row["incomplete"] is False
    # a range that starts in July sees the same window
    assert (
        stats(capsys, db, "--from", "2024-07-01", "--to", "2024-09-12")[p.upn][
            "max_unauthorised_10_school_weeks"
        ]
        == 10
    )


def test_missing_marks_with_a_terms_calendar(db, capsys, tmp_path):
    """A session the school met, with the pupil on roll and no mark, is a missing mark: never present,
    never possible, and the figures say they are incomplete. Autumn 2024 in tests/helpers: Autumn 1
    is 8 weeks less the INSET day (39 days, 78 sessions); Autumn 2, 4 Nov-20 Dec, is 35 days (70)."""
    store = open_school(db)
    p = add_pupil(store, 1)
    q = add_pupil(store, 2)  # no marks at all
    put_marks(
        store,
        p,
        {k: "N" for k in sorted(sessions(date(2024, 9, 3), date(2024, 9, 9), "N", calendar=CAL))},
    )
    store.close()
    rows = stats(capsys, db, "--from", "2024-09-01", "--to", "2024-12-20")
    assert (rows[p.upn]["possible"], rows[p.upn]["missing"], rows[p.upn]["incomplete"]) == (
        10,
        148 - 10,
        True,
    )
    assert (rows[q.upn]["possible"], rows[q.upn]["missing"], rows[q.upn]["attendance_pct"]) == (
        0,
        148,
        None,
    )
    code, out, err = run(capsys, "--db", db, "stats", "--from", "2024-09-01", "--to", "2024-12-20")
    assert "INCOMPLETE(138 missing)" in out and "INCOMPLETE(148 missing)" in out
    code, out, err = run(capsys, "--db", db, "check")
    assert code == 1 and "missing mark(s)" in err
    assert (
        "4A Tue 10/09/2024 AM: 2 without a mark" in err
    )  # both pupils, listed by class and session
    assert "4A Mon 09/09/2024 AM: 1 without a mark (Pupil2 Surname2)" in err


def test_pa_rate_leaves_out_enrolments_with_no_possible_sessions(db, capsys):
    """DfE pupil absence statistics (methodology): enrolments with no possible sessions are not in
    the rates. One persistently absent, one all X, one with no marks, one present throughout:
    PA rate 1 of 2 = 50.0 %, not 1 of 4."""
    start, end = date(2024, 9, 3), date(2024, 9, 13)  # 9 school days, 18 sessions
    store = open_school(db)
    pa, x, empty, normal = (add_pupil(store, n) for n in range(1, 5))
    absent = sessions(start, end, "/", calendar=CAL)
    absent[(start, "AM")] = absent[(start, "PM")] = "N"  # 2 of 18 = 11.1 % absence
    put_marks(store, pa, absent)
    put_marks(store, x, sessions(start, end, "X", calendar=CAL))
    put_marks(store, normal, sessions(start, end, "/", calendar=CAL))
    store.close()
    code, out, _ = run(
        capsys,
        "--db",
        db,
        "stats",
        "--from",
        start.isoformat(),
        "--to",
        end.isoformat(),
        "--summary",
        "school",
    )
    line = next(ln for ln in out.splitlines() if ln.startswith("Whole school"))
    cells = line.split()
    assert cells[2] == "2"  # pupils counted in the rates
    assert "50.0%" in line and "25.0%" not in line
    assert cells[-1] == "18"  # the pupil with no marks: 18 missing marks, shown
    assert "INCOMPLETE" in out


def test_cli_percentages_round_halves_up(db, capsys):
    """One rounding rule (half up, one decimal) in every output: 1 absence in 16 sessions is 6.25 %,
    printed 6.3 % in the summary as in `absence_pct`."""
    start = date(2024, 9, 3)
    store = open_school(db)
    p = add_pupil(store, 1)
    marks = sessions(start, date(2024, 9, 12), "/", calendar=CAL)  # 8 days, 16 sessions
    marks[(start, "AM")] = "O"
    put_marks(store, p, marks)
    store.close()
    row = stats(capsys, db, "--from", start.isoformat(), "--to", "2024-09-12")[p.upn]
    assert row["absence_pct"] == 6.3 and row["possible"] == 16
    code, out, _ = run(
        capsys,
        "--db",
        db,
        "stats",
        "--from",
        start.isoformat(),
        "--to",
        "2024-09-12",
        "--summary",
        "school",
    )
    line = next(ln for ln in out.splitlines() if ln.startswith("Whole school"))
    assert "6.3%" in line and "6.2%" not in line


def test_certificate_refuses_a_period_with_missing_marks(db, capsys, tmp_path):
    """A s.566 certificate is a certified extract of the register: a session with no mark cannot be
    certified (it would print "?"). Refused, naming the sessions to complete; the complete period
    is certified."""
    store = open_school(db)
    p = add_pupil(store, 1, dob=date(2015, 5, 1))
    marks = sessions(date(2024, 9, 3), date(2024, 9, 13), "/", calendar=CAL)
    del marks[(date(2024, 9, 10), "PM")]
    put_marks(store, p, marks)
    store.close()
    out = tmp_path / "cert.pdf"
    code, _, err = run(
        capsys,
        "--db",
        db,
        "certificate",
        "--upn",
        p.upn,
        "--from",
        "2024-09-03",
        "--to",
        "2024-09-13",
        "--out",
        out,
    )
    assert code == 1 and "1 session(s) with no mark" in err and "Tue 10/09/2024 PM" in err
    assert not out.exists()
    code, _, err = run(
        capsys,
        "--db",
        db,
        "certificate",
        "--upn",
        p.upn,
        "--from",
        "2024-09-03",
        "--to",
        "2024-09-09",
        "--out",
        out,
    )
    assert code == 0, err
    assert out.exists()


def test_registers_taken_with_a_pre_marked_m(db, capsys, tmp_path):
    """DESIGN.md, lessons from the peers: a "register taken" record per class and session, apart
    from the marks. Class 1C: one pupil's dentist appointment (M) entered the day before, two pupils
    with nothing yet. 1C is "not yet taken" and nobody is called for "no mark"; once the register is
    imported with the others' marks, the one still unmarked is called."""
    store = open_school(db)
    a, b, c = (add_pupil(store, n, reg_group="1C", year_group="1") for n in (1, 2, 3))
    store.close()
    day = "2024-09-10"
    ahead = tmp_path / "ahead.csv"
    ahead.write_text(f"upn,date,session,code\n{a.upn},{day},AM,M\n", encoding="utf-8")
    assert run(capsys, "--db", db, "import", "marks", ahead)[0] == 0
    code, out, _ = run(capsys, "--db", db, "calls", "--date", day)
    assert code == 0 and "0 pupil(s)" in out and "Registers not yet taken: 1C" in out
    taken = tmp_path / "register.csv"
    taken.write_text(f"upn,date,session,code\n{b.upn},{day},AM,/\n", encoding="utf-8")
    assert run(capsys, "--db", db, "import", "marks", taken)[0] == 0
    code, out, _ = run(capsys, "--db", db, "calls", "--date", day, "--json")
    calls = json.loads(out)
    assert [(x["upn"], x["code"]) for x in calls] == [(c.upn, None)]
