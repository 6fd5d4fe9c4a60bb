"""The calendar from the command line, and late arrivals against the register's close time
(issue 11). 2024 Regulations reg. 10: L is a late arrival before the register closed (attendance);
U, after it closed, is unauthorised absence. The close time is school policy (default 09:15)."""

import json
from datetime import date

import pytest

from attendance_desk.services.school import open_school
from tests.cli.test_cli import run
from tests.helpers import add_pupil, make_school, put_marks


@pytest.fixture
def db(tmp_path):
    store = make_school(tmp_path)
    add_pupil(store, 1, reg_group="4A")
    add_pupil(store, 2, reg_group="4B")
    store.close()
    return tmp_path / "school.sqlite"


def test_calendar_show_add_and_remove(tmp_path, capsys):
    db = tmp_path / "new.sqlite"
    assert (
        run(capsys, "--db", db, "init", "--school", "Hill Top Primary", "--urn", "654321")[0] == 0
    )
    code, out, _ = run(capsys, "--db", db, "calendar", "show", "--year", "2026")
    assert code == 0 and "no terms entered" in out
    code, out, _ = run(
        capsys,
        "--db",
        db,
        "calendar",
        "term",
        "add",
        "--name",
        "Autumn 1 2026",
        "--from",
        "2026-09-02",
        "--to",
        "2026-10-23",
    )
    assert code == 0
    code, out, err = run(
        capsys,
        "--db",
        db,
        "calendar",
        "term",
        "add",
        "--name",
        "Overlap",
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-30",
    )
    assert code == 1 and "overlaps the term 'Autumn 1 2026'" in err
    code, _, _ = run(
        capsys,
        "--db",
        db,
        "calendar",
        "closure",
        "add",
        "--date",
        "2026-09-02",
        "--kind",
        "inset",
        "--reason",
        "INSET day",
    )
    assert code == 0
    code, _, _ = run(
        capsys,
        "--db",
        db,
        "calendar",
        "closure",
        "add",
        "--date",
        "2026-10-23",
        "--session",
        "PM",
        "--reason",
        "Early close for half-term",
    )
    assert code == 0
    code, out, _ = run(capsys, "--db", db, "calendar", "show", "--year", "2026")
    # 2 Sep - 23 Oct 2026: 38 weekdays, less the INSET day = 37 days; 74 sessions less one PM
    assert "37 school days, 73 sessions" in out
    assert "Fri 23/10/2026 (PM only): closure - Early close for half-term" in out
    code, _, err = run(
        capsys, "--db", db, "calendar", "closure", "add", "--date", "2026-10-24", "--reason", "x"
    )
    assert code == 1 and "weekend" in err
    code, _, _ = run(capsys, "--db", db, "calendar", "closure", "remove", "--date", "2026-10-23")
    code, out, _ = run(capsys, "--db", db, "calendar", "show", "--year", "2026")
    assert "37 school days, 74 sessions" in out
    code, out, err = run(capsys, "--db", db, "calendar", "usual", "--year", "2026")
    assert (
        code == 1 and "overlaps" in err
    )  # a usual year on top of entered terms: refused, nothing added
    code, out, _ = run(capsys, "--db", db, "calendar", "usual", "--year", "2027")
    assert code == 0 and "2027/28" in out
    code, out, _ = run(capsys, "--db", db, "audit")
    assert "calendar: term added" in out and "calendar: closure removed" in out


def test_closure_on_a_taken_register_is_refused_from_the_command_line(db, capsys):
    store = open_school(db)
    put_marks(
        store, store.pupils.by_upn(store.pupils.all()[0].upn), {(date(2024, 9, 10), "AM"): "N"}
    )
    store.close()
    code, _, err = run(
        capsys, "--db", db, "calendar", "closure", "add", "--date", "2024-09-10", "--reason", "Snow"
    )
    assert code == 1 and "already taken for 4A" in err


def test_late_arrival_is_l_before_the_close_and_u_after(db, capsys):
    store = open_school(db)
    first, second = store.pupils.all()
    put_marks(store, first, {(date(2024, 9, 10), "AM"): "N"})
    store.close()
    # no mark yet: recorded as L, minutes from the register opening at 08:45
    code, out, _ = run(
        capsys,
        "--db",
        db,
        "late",
        "--upn",
        second.upn,
        "--date",
        "2024-09-10",
        "--arrived",
        "09:05",
    )
    assert code == 0 and "no mark -> L (20 min late" in out
    # an N already recorded: amended to U (after the 09:15 close), the reason kept in the history
    code, out, _ = run(
        capsys, "--db", db, "late", "--upn", first.upn, "--date", "2024-09-10", "--arrived", "09:40"
    )
    assert code == 0 and "N -> U (55 min late" in out
    code, out, _ = run(capsys, "--db", db, "history", "--upn", first.upn)
    assert "N -> U" in out and "arrived 09:40" in out
    # the other code needs a reason
    code, _, err = run(
        capsys,
        "--db",
        db,
        "late",
        "--upn",
        first.upn,
        "--date",
        "2024-09-11",
        "--arrived",
        "09:40",
        "--code",
        "L",
    )
    assert code == 1 and "closes at 09:15" in err and "give the reason" in err
    code, out, _ = run(
        capsys,
        "--db",
        db,
        "late",
        "--upn",
        first.upn,
        "--date",
        "2024-09-11",
        "--arrived",
        "09:40",
        "--code",
        "L",
        "--reason",
        "school minibus late",
    )
    assert code == 0 and "-> L" in out and "the close time gives U" in out
    code, _, err = run(
        capsys, "--db", db, "late", "--upn", first.upn, "--date", "2024-09-12", "--arrived", "08:30"
    )
    assert code == 1 and "before the register opens" in err
    # punctuality: the most lates first, in the group summary too
    code, out, _ = run(
        capsys, "--db", db, "lates", "--from", "2024-09-02", "--to", "2024-09-13", "--json"
    )
    rows = json.loads(out)
    assert [(r["upn"], r["late_before_close"], r["late_after_close"]) for r in rows] == [
        (first.upn, 1, 1),
        (second.upn, 1, 0),
    ]
    code, out, _ = run(
        capsys,
        "--db",
        db,
        "stats",
        "--from",
        "2024-09-10",
        "--to",
        "2024-09-11",
        "--summary",
        "school",
    )
    cells = next(ln for ln in out.splitlines() if ln.startswith("Whole school")).split()
    assert cells[7:9] == ["2", "1"]  # L and U columns
