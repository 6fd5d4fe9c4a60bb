"""`check` on either engine (docs/server.md, step 5): on a school file the schema against the
migrations' own (sqlite_master) and SQLite's page checks; on a server the schema against what
`apply_pg` makes (tables and columns, every safeguard trigger present on its table, enabled and
calling its own function), then on both the chains, the marks and the counts by week and year.
What only a file has (`check --against` a backup file, the page checks) is refused or said plainly
on a server."""

from __future__ import annotations

from datetime import date

import pytest

from attendance_desk.services.check import check_school, full_check
from attendance_desk.services.marks import amend_mark
from attendance_desk.services.school import ServiceError
from tests.engines import address, as_owner, make_school_on, outside
from tests.helpers import add_pupil, make_school, put_marks, sessions

DAY = date(2024, 9, 10)


@pytest.fixture
def school(tmp_path):
    store = make_school(tmp_path)
    pupil = add_pupil(store, 1)
    put_marks(store, pupil, sessions(date(2024, 9, 2), DAY, "/"))
    amend_mark(store, pupil.upn, DAY, "AM", "I", "mother rang: flu", "office1")
    yield store, pupil
    store.close()


def _now():
    from datetime import datetime

    return datetime(2024, 9, 10, 18, 0).astimezone()


def test_a_clean_school_passes_the_quick_and_the_full_check(school):
    store, _ = school
    quick = check_school(store, _now())
    assert quick.problems == [] and quick.warnings == [], quick.problems + quick.warnings
    assert quick.amendments == 1 and quick.marks == 14
    full = full_check(store, "admin", _now())
    assert full.ok, full.problems
    on_server = store.engine.name != "sqlite"
    assert ("server" in full.how) == on_server and ("integrity_check" in full.how) != on_server
    last = store.audit.entries()[-1]
    assert last.action == (
        "full check of the school's database" if on_server else "full check of the school file"
    )


def _set_aside(store, table: str, trigger: str, sql: str) -> None:
    """The guard `trigger` on `table` set aside for `sql` and put back as it was: on a server by
    its owner (ALTER TABLE … DISABLE/ENABLE TRIGGER); on the file by the sqlite3 shell, which drops
    the trigger and makes it again from its own text."""
    if store.engine.name == "sqlite":
        conn = outside(store)
        (made,) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (trigger,)
        ).fetchone()
        conn.execute(f"DROP TRIGGER {trigger}")
        conn.execute(sql)
        conn.execute(made)
        conn.commit()
    else:
        conn = as_owner(store)
        conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        conn.execute(sql)
        conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
    conn.close()


def test_a_history_row_changed_with_its_guard_set_aside_is_named(school):
    store, _ = school
    (first,) = store.query("SELECT id FROM mark_history")
    _set_aside(
        store,
        "mark_history",
        "mark_history_no_update",
        "UPDATE mark_history SET reason = 'a quieter reason'",
    )
    report = check_school(store, _now())
    assert not any("schema" in p for p in report.problems)  # the guard is back as it was
    found = [p for p in report.problems if "mark history" in p]
    assert found and f"row {first[0]}" in found[0], report.problems


def test_a_safeguard_trigger_set_aside_and_left_so_is_named(school):
    store, _ = school
    if store.engine.name == "sqlite":  # SQLite has no disabled trigger: the shell drops it
        conn = outside(store)
        conn.execute("DROP TRIGGER audit_no_update")
        conn.commit()
        expected = "schema: the safeguard trigger 'audit_no_update' is missing"
    else:
        conn = as_owner(store)
        conn.execute("ALTER TABLE audit DISABLE TRIGGER audit_no_update")
        expected = "schema: the safeguard trigger 'audit_no_update' is disabled"
    conn.close()
    problems = check_school(store, _now()).problems
    assert [p for p in problems if p.startswith("schema")] == [
        next(p for p in problems if p.startswith(expected))
    ], problems


def test_a_trigger_added_or_dropped_by_hand_is_named(school):
    store, _ = school
    if store.engine.name == "sqlite":
        conn = outside(store)
        conn.execute("DROP TRIGGER marks_no_delete")
        conn.execute("CREATE TRIGGER quiet_marks AFTER UPDATE ON marks BEGIN SELECT 1; END")
        conn.commit()
    else:
        conn = as_owner(store)
        conn.execute("DROP TRIGGER marks_no_delete ON marks")
        conn.execute(
            "CREATE TRIGGER quiet_marks AFTER UPDATE ON marks FOR EACH ROW "
            "EXECUTE FUNCTION marks_count_update()"
        )
    conn.close()
    problems = [p for p in check_school(store, _now()).problems if p.startswith("schema")]
    assert problems == [
        "schema: the safeguard trigger 'marks_no_delete' is missing (dropped outside Attendance Desk)",
        "schema: a trigger 'quiet_marks' was added outside Attendance Desk",
    ]


def test_check_against_a_backup_file_is_refused_plainly_on_a_server(request, tmp_path):
    store = make_school_on(request, tmp_path, "postgresql")
    try:
        with pytest.raises(ServiceError, match="this school is on a server"):
            check_school(store, _now(), against=tmp_path / "backup.sqlite")
        with pytest.raises(ServiceError, match="this school is on a server"):
            full_check(store, "admin", _now(), against=tmp_path / "backup.sqlite")
        assert not any("full check" in e.action for e in store.audit.entries())
    finally:
        store.close()


def test_check_from_the_command_line_on_either_engine(school, capsys, tmp_path):
    from attendance_desk.cli import main

    store, _ = school
    where = address(store)
    assert main(["--db", where, "--as", "admin", "--today", "2024-09-10", "check"]) == 0
    out, err = capsys.readouterr()
    assert "OK; 14 marks, 1 amendments checked." in out, out + err
    assert ("server" in out) == (store.engine.name != "sqlite")
    _set_aside(store, "audit", "audit_no_update", "UPDATE audit SET detail = 'quieter'")
    assert main(["--db", where, "--as", "admin", "--today", "2024-09-10", "check", "--full"]) == 1
    out, err = capsys.readouterr()
    assert "problem: audit log: row" in err, out + err
    if store.engine.name != "sqlite":
        code = main(
            [
                "--db",
                where,
                "--as",
                "admin",
                "--today",
                "2024-09-10",
                "check",
                "--against",
                str(tmp_path / "b"),
            ]
        )
        out, err = capsys.readouterr()
        assert code != 0 and "server" in (out + err) and "Traceback" not in err
