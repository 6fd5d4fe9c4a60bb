"""copy-to (docs/server.md, step 7): a demo school copied from its file onto an empty, migrated
database on the throwaway cluster and back into a new file (the backup the school can carry), every
table's rows equal, the chains verified with equal heads, `check` and every pupil's figures as on
the original; and the refusals, each naming why with the target left as it was."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from datetime import date, datetime
from pathlib import Path

import pytest

from attendance_desk.services import copy_to as service
from attendance_desk.services import users
from attendance_desk.services.check import check_school
from attendance_desk.services.demo import build_demo_school
from attendance_desk.services.figures import pupil_figures
from attendance_desk.services.school import ServiceError
from attendance_desk.store.copy import NOT_COPIED, CopyRefused, copy_school, table_names
from attendance_desk.store.db import Store, open_store
from tests import engines

TODAY = date(2026, 11, 20)
pytestmark = pytest.mark.usefixtures("pg_school_server")


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("copy") / "demo.sqlite"
    build_demo_school(path, pupils=40, today=TODAY, seed=2, weeks=6).close()
    return path


@pytest.fixture
def demo(demo_file, tmp_path) -> Store:
    """A copy of the demo school's file for one test (the service writes its audit entry)."""
    path = tmp_path / "school.sqlite"
    shutil.copy(demo_file, path)
    store = open_store(path)
    yield store
    store.close()


def server_database(server: dict, as_owner: bool = True) -> Store:
    """An empty database migrated by IT (a copy of the migrated template), opened by IT's login
    (the superuser here, who may act as the schema's owner) or by the PC's login."""
    from attendance_desk.store.postgres_engine import PostgresEngine

    store = engines.pg_store(server)  # as the PC's login (the application's role)
    if not as_owner:
        return store
    name = store.path.name
    store.close()
    engine = PostgresEngine.connect(host=server["host"], dbname=name, user=server["superuser"])
    return Store(Path(f"postgresql://it@test-server/{name}"), engine)


def as_pc(server: dict, store: Store) -> Store:
    """The same database opened again by the PC's login."""
    from attendance_desk.store.postgres_engine import PostgresEngine

    name = store.path.name
    store.close()
    engine = PostgresEngine.connect(host=server["host"], dbname=name, user=engines.LOGIN)
    return Store(Path(f"postgresql://{engines.LOGIN}@test-server/{name}"), engine)


def all_rows(store: Store, audit_up_to: int | None = None) -> dict[str, list[tuple]]:
    """Every row of every copied table, in a fixed order (a table without an id sorted)."""
    found = {}
    for table in table_names(store.engine):
        if table in NOT_COPIED:
            continue
        columns = store.engine.table_columns(table)
        where = " WHERE key <> 'schema_version'" if table == "settings" else ""
        if table == "audit" and audit_up_to is not None:
            where = f" WHERE id <= {audit_up_to}"
        listed = ", ".join(f'"{c}"' for c in columns)  # "user": quoted on both engines
        rows = [tuple(r) for r in store.query(f"SELECT {listed} FROM {table}{where}")]
        found[table] = sorted(rows, key=repr)
    return found


def figures(store: Store) -> list:
    return pupil_figures(store, date(2025, 9, 1), TODAY)  # every pupil, last year and this


def test_a_school_goes_onto_a_server_and_back_into_a_new_file_unchanged(
    demo, pg_school_server, tmp_path
):
    users.add_user(demo, "", "Admin", "admin", "a long sentence of a password")
    users.add_user(demo, "Admin", "lead", "lead", "another long sentence here")
    with pytest.raises(ServiceError, match="attendance lead, who cannot copy"):
        service.copy_to(demo, tmp_path / "by-the-lead.sqlite", by="lead")
    assert not (tmp_path / "by-the-lead.sqlite").exists()
    before_audit = demo.query("SELECT MAX(id) FROM audit")[0][0]
    original = all_rows(demo)
    assert len(original["marks"]) > 1000 and original["mark_history"] and original["letters"]
    assert any(isinstance(v, bytes) for r in original["school_documents"] for v in r)  # BLOBs
    checked = check_school(demo, now=datetime(2026, 11, 20, 18))

    server = server_database(pg_school_server)
    started = time.perf_counter()
    steps: list[tuple[int, int]] = []
    there = service.copy_to(demo, server, by="Admin", progress=lambda *step: steps.append(step))
    assert steps[-1] == (there.rows, there.rows) and len(original["users"]) == 2
    onto_server = time.perf_counter() - started
    server = as_pc(pg_school_server, server)
    assert (
        all_rows(server) == original
    )  # every table's rows, ids, BLOBs and timestamps as they were
    # the copy audited in the school: who, where to (no password), what was copied
    entry = demo.query("SELECT action, subject, detail FROM audit ORDER BY id DESC LIMIT 1")[0]
    assert entry[0] == "copy-to" and entry[1].startswith("postgresql://it@test-server/")
    assert f"{there.rows} rows" in entry[2]
    # new ids on the server follow the copied ones (the identity sequences were set)
    with server.write():
        server.audit.log("office", "test", "after the copy")
    assert server.query("SELECT MAX(id) FROM audit")[0][0] == before_audit + 1

    back = tmp_path / "carried" / "backup.sqlite"
    back.parent.mkdir()
    started = time.perf_counter()
    service.copy_to(server, back, by="admin")  # names without regard to case, on a server too
    into_file = time.perf_counter() - started
    server.close()
    final = open_store(back)
    try:
        assert all_rows(final, audit_up_to=before_audit) == original
        again = check_school(final, now=datetime(2026, 11, 20, 18))
        assert set(again.problems) <= set(checked.problems)
        assert figures(final) == figures(demo) and len(figures(demo)) >= 40
        assert final.marks.week_count_drift() == [] and final.marks.year_count_drift() == []
    finally:
        final.close()
    print(f"copy of the demo: file to server {onto_server:.2f} s, server to file {into_file:.2f} s")


def test_a_target_that_is_not_empty_is_refused(demo, pg_school_server, tmp_path):
    server = server_database(pg_school_server)
    try:
        copy_school(demo, server)
        with pytest.raises(CopyRefused, match=r"the target is not empty: .*pupils \(40 rows\)"):
            copy_school(demo, server)
    finally:
        server.close()
    existing = tmp_path / "existing.sqlite"
    open_store(existing, create=True).close()
    with pytest.raises(ServiceError, match="already exists"):
        service.copy_to(demo, existing)


def test_a_target_at_another_version_is_refused_and_left_as_it_was(demo, pg_school_server):
    server = server_database(pg_school_server)
    try:
        from attendance_desk.store.schema import SCHEMA_VERSION as now

        server.execute(
            "UPDATE settings SET value = ? WHERE key = 'schema_version'", (str(now - 1),)
        )
        with pytest.raises(CopyRefused, match=f"schema version {now - 1} and this school at {now}"):
            copy_school(demo, server)
        assert server.query("SELECT COUNT(*) FROM pupils")[0][0] == 0
    finally:
        server.close()


def test_the_application_role_may_not_copy_onto_a_server(demo, pg_school_server):
    server = server_database(pg_school_server, as_owner=False)
    try:
        with pytest.raises(CopyRefused, match="schema's owner"):
            copy_school(demo, server)
        assert server.query("SELECT COUNT(*) FROM marks")[0][0] == 0
    finally:
        server.close()


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the sqlite3 shell is not installed")
def test_a_school_whose_history_was_edited_outside_the_app_is_not_copied(
    demo, pg_school_server, tmp_path
):
    path = demo.path
    demo.close()
    subprocess.run(
        [
            "sqlite3",
            str(path),
            "DROP TRIGGER mark_history_no_update; "
            "UPDATE mark_history SET reason = 'holiday' WHERE id = 2;",
        ],
        check=True,
        env={**os.environ},
    )
    tampered = open_store(path)
    server = server_database(pg_school_server)
    try:
        with pytest.raises(ServiceError, match="mark history.*row 2 does not match its seal"):
            service.copy_to(tampered, server)
        assert server.query("SELECT COUNT(*) FROM mark_history")[0][0] == 0
        with pytest.raises(ServiceError, match="chains do not verify") as refused:
            service.copy_to(tampered, tmp_path / "carried.sqlite")
        assert "restore the last backup made before the change" in str(refused.value)
        assert "check --against BACKUP" in str(refused.value)
        assert not (tmp_path / "carried.sqlite").exists()
    finally:
        server.close()
        tampered.close()


def _no_seal(report) -> list[str]:
    return [p for p in report.problems if "(no seal)" in p]


def test_a_school_with_a_mark_changed_by_another_tool_is_copied_both_ways_still_named(
    demo, pg_school_server, tmp_path
):
    """Review item 7: a plain `UPDATE marks` (sqlite3, psql) writes its history row unsealed,
    `direct = 1`, and check names it; the school still moves onto the server and back into a file
    it can carry, that row copied as it is and named by check on each copy the same way."""
    import sqlite3

    path = demo.path
    demo.close()
    with sqlite3.connect(path) as other_tool:  # as the sqlite3 shell would
        key = other_tool.execute(
            "SELECT pupil_id, date, session FROM marks WHERE code = '/' ORDER BY 1, 2, 3 LIMIT 1"
        ).fetchone()
        other_tool.execute(
            "UPDATE marks SET code = 'O' WHERE pupil_id = ? AND date = ? AND session = ?", key
        )
    other_tool.close()
    school = open_store(path)
    server = server_database(pg_school_server)
    back = tmp_path / "carried.sqlite"
    try:
        named = _no_seal(check_school(school, now=datetime(2026, 11, 20, 18)))
        assert len(named) == 1 and "mark history: 1 row(s)" in named[0]
        assert school.query("SELECT COUNT(*) FROM mark_history WHERE direct = 1")[0][0] == 1

        service.copy_to(school, server, by="")  # onto the server: copied, not refused
        server = as_pc(pg_school_server, server)
        assert _no_seal(check_school(server, now=datetime(2026, 11, 20, 18))) == named
        # and on the server another outside change (psql as the PC's login), then back into a file
        key = server.query(
            "SELECT pupil_id, date, session FROM marks WHERE code = '/' ORDER BY 1, 2, 3 LIMIT 1"
        )[0]
        server.execute(
            "UPDATE marks SET code = 'G' WHERE pupil_id = ? AND date = ? AND session = ?",
            tuple(key),
        )
        server.engine.commit()
        on_server = _no_seal(check_school(server, now=datetime(2026, 11, 20, 18)))
        assert len(on_server) == 1 and "mark history: 2 row(s)" in on_server[0]
        service.copy_to(server, back, by="")
        with open_store(back) as carried:
            assert _no_seal(check_school(carried, now=datetime(2026, 11, 20, 18))) == on_server
            assert carried.query("SELECT COUNT(*) FROM mark_history WHERE direct = 1")[0][0] == 2
            assert (
                carried.query("SELECT COUNT(*) FROM mark_history WHERE row_hash IS NULL")[0][0] == 2
            )
    finally:
        server.close()
        school.close()


def test_a_copy_whose_chain_findings_differ_from_the_schools_is_rolled_back(
    demo, pg_school_server, monkeypatch
):
    """The copy's chain findings are compared with the school's: a history row that lost its seal
    on the way (here: the copy drops it) is named and nothing is kept."""
    from attendance_desk.store import copy as copying

    insert = copying._insert
    width = len(demo.engine.table_columns("mark_history"))
    at = demo.engine.table_columns("mark_history").index("row_hash")

    def unsealing(engine, table, columns, rows):
        if table == "mark_history":
            rows = [(*r[:at], None, *r[at + 1 :]) if i == 0 else r for i, r in enumerate(rows)]
        insert(engine, table, columns, rows)

    assert width > at
    monkeypatch.setattr(copying, "_insert", unsealing)
    server = server_database(pg_school_server)
    try:
        with pytest.raises(
            CopyRefused, match=r"on the target: mark history: 1 row\(s\) not written"
        ):
            copy_school(demo, server)
        assert server.query("SELECT COUNT(*) FROM mark_history")[0][0] == 0
    finally:
        server.close()


def test_a_server_that_cannot_be_reached_is_named_without_the_password(demo):
    with pytest.raises(ServiceError, match="could not find the school's server") as refused:
        service.copy_to(demo, "postgresql://it:secret@school-server.invalid/attendance")
    assert "secret" not in str(refused.value)
    assert service.without_password("postgresql://it:secret@host:5432/db") == (
        "postgresql://it@host:5432/db"
    )


def test_a_copy_that_does_not_match_is_rolled_back_naming_the_difference(
    demo, pg_school_server, monkeypatch
):
    from attendance_desk.store import copy as copying

    insert = copying._insert

    def losing_a_letter(engine, table, columns, rows):
        insert(engine, table, columns, rows[:-1] if table == "letters" else rows)

    monkeypatch.setattr(copying, "_insert", losing_a_letter)
    server = server_database(pg_school_server)
    try:
        with pytest.raises(
            CopyRefused, match=r"nothing was kept.*letters has \d+ rows on the target"
        ):
            copy_school(demo, server)
        assert [
            table
            for table in table_names(server.engine)
            if table not in ("school_documents", "settings")
            and server.query(f"SELECT COUNT(*) FROM {table}")[0][0]
        ] == []
        assert server.query("SELECT COUNT(*) FROM school_documents")[0][0] == 21  # as migrated
        # the triggers set aside for the copy are on again (their ALTER was rolled back too)
        assert server.query("SELECT COUNT(*) FROM pg_trigger WHERE tgenabled = 'D'")[0][0] == 0
        assert server.query("SELECT COUNT(*) FROM pg_trigger WHERE NOT tgisinternal")[0][0] >= 19
    finally:
        server.close()


def test_a_copy_into_a_file_that_does_not_match_is_rolled_back_with_its_triggers(
    demo, tmp_path, monkeypatch
):
    from attendance_desk.store import copy as copying

    insert = copying._insert
    monkeypatch.setattr(
        copying,
        "_insert",
        lambda engine, table, columns, rows: insert(
            engine, table, columns, [(*r[:-1], "changed") if table == "terms" else r for r in rows]
        ),
    )
    target = open_store(tmp_path / "carried.sqlite", create=True)
    try:
        with pytest.raises(CopyRefused, match="terms's rows differ"):
            copy_school(demo, target)
        assert target.query("SELECT COUNT(*) FROM marks")[0][0] == 0
        triggers = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'"
        assert target.query(triggers)[0][0] == demo.query(triggers)[0][0]
    finally:
        target.close()
    monkeypatch.undo()
    with pytest.raises(ServiceError, match="terms's rows differ"):
        monkeypatch.setattr(
            copying,
            "_insert",
            lambda engine, table, columns, rows: insert(
                engine, table, columns, [(*r[:-1], "x") if table == "terms" else r for r in rows]
            ),
        )
        service.copy_to(demo, tmp_path / "half.sqlite")
    assert not list(tmp_path.glob("half.sqlite*"))  # no half-made file left


def test_a_value_the_server_refuses_is_named_and_nothing_kept(demo, pg_school_server):
    """A NUL in a text (SQLite keeps it; PostgreSQL's text cannot hold one), written with the
    sqlite3 module as another program would."""
    demo.execute("UPDATE terms SET name = 'Autumn' || char(0) WHERE id = 1")
    server = server_database(pg_school_server)
    try:
        with pytest.raises(CopyRefused, match="refused a row of terms, so nothing was kept"):
            copy_school(demo, server)
        assert server.query("SELECT COUNT(*) FROM pupils")[0][0] == 0
    finally:
        server.close()
