"""The store's engine on PostgreSQL (docs/server.md, step 2c), against the throwaway cluster: the
same statements in the store's common SQL give the same rows on both engines, read by index and by
name; `insert_id`; `Store.write()` commits all or nothing, with savepoints for nested writes and
the school's writer lock (a second writer waits, then is told the database is busy); a repository
(the school's documents) reads and writes through it. Still not reachable by users."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from attendance_desk.store.db import Store, StoreBusy
from attendance_desk.store.engine import SqliteEngine
from attendance_desk.store.postgres import schema_sql

psycopg = pytest.importorskip("psycopg")

from attendance_desk.store.postgres_engine import PostgresEngine  # noqa: E402

DATABASE = "engine_school"
SETTINGS = "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT)"
# the guarded tables as SQLite has them (store/schema.py), for the side-by-side statements
SQLITE_TABLES = """
CREATE TABLE audit (id INTEGER PRIMARY KEY, at TEXT NOT NULL, user TEXT NOT NULL,
    action TEXT NOT NULL, subject TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '',
    users_state TEXT, row_hash TEXT);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT);
"""


@pytest.fixture(scope="module")
def server(pg_cluster):
    sockets, superuser = pg_cluster
    admin = psycopg.connect(host=sockets, dbname="postgres", user=superuser, autocommit=True)
    admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
    admin.execute(f"CREATE DATABASE {DATABASE}")
    yield {"host": sockets, "dbname": DATABASE, "user": superuser}
    admin.execute(f"DROP DATABASE {DATABASE} WITH (FORCE)")
    admin.close()


@pytest.fixture
def pg(server):
    """A store on a fresh schema: the guarded tables and the settings."""
    engine = PostgresEngine.connect(**server)
    engine.execute("DROP SCHEMA public CASCADE")
    engine.execute("CREATE SCHEMA public")
    engine.execute(schema_sql())
    engine.execute(SETTINGS)
    store = Store(Path("school on the test server"), engine)
    yield store
    store.close()


@pytest.fixture
def lite(tmp_path):
    conn = sqlite3.connect(str(tmp_path / "side.sqlite"), check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.executescript(SQLITE_TABLES)
    store = Store(tmp_path / "side.sqlite", SqliteEngine(conn))
    yield store
    store.close()


ADD = 'INSERT INTO audit(at, "user", action, detail) VALUES (?, ?, ?, ?)'


def test_the_same_statements_give_the_same_rows_on_both_engines(pg, lite):
    for store in (pg, lite):
        with store.write():
            ids = [
                store.insert_id(ADD, ("2026-11-23T10:00:00Z", "office1", "mark amended", "50%")),
                store.insert_id(ADD, ("2026-11-23T10:05:00Z", "lead", "letter issued", "it's?")),
            ]
        assert ids == [1, 2]
    query = (
        'SELECT id, "user", action AS what, detail FROM audit '
        "WHERE at >= ? AND detail NOT LIKE '%nothing%' ORDER BY id"
    )
    rows = {
        store.engine.name: store.query(query, ("2026-11-23T00:00:00Z",)) for store in (pg, lite)
    }
    for row in rows["postgresql"]:
        assert row[0] == row["id"] and row["what"] == row[2] and row["WHAT"] == row[2]
        assert dict(row) == dict(zip(row.keys(), tuple(row), strict=True))
    assert (
        [tuple(r) for r in rows["postgresql"]]
        == [tuple(r) for r in rows["sqlite"]]
        == [
            (1, "office1", "mark amended", "50%"),
            (2, "lead", "letter issued", "it's?"),
        ]
    )
    assert [r.keys() for r in rows["postgresql"]] == [r.keys() for r in rows["sqlite"]]
    # no parameters: the statement goes as written (its % is not a placeholder)
    assert pg.query("SELECT count(*) FROM audit WHERE detail LIKE '%\\%' ESCAPE '\\'")[0][0] == 1
    with pytest.raises(IndexError):
        rows["postgresql"][0]["nobody"]


def test_a_write_is_all_or_nothing_and_a_nested_write_a_savepoint(pg):
    class Refused(Exception):
        pass

    with pytest.raises(Refused), pg.write():
        pg.insert_id(ADD, ("2026-11-23T11:00:00Z", "office1", "kept?", ""))
        raise Refused
    assert pg.query("SELECT count(*) FROM audit")[0][0] == 0
    with pg.write():
        pg.insert_id(ADD, ("2026-11-23T11:00:00Z", "office1", "outer", ""))
        with pytest.raises(Refused), pg.write():
            pg.insert_id(ADD, ("2026-11-23T11:01:00Z", "office1", "inner", ""))
            raise Refused
        changed = pg.execute(
            "UPDATE settings SET value = ? WHERE key = ?", ("x", "nothing such")
        ).rowcount
        assert changed == 0
    assert [r["action"] for r in pg.query("SELECT action FROM audit")] == ["outer"]
    assert not pg.engine.in_transaction  # a read outside write() leaves no transaction open


def test_the_append_only_guard_refuses_through_the_store(pg):
    with pg.write():
        pg.insert_id(ADD, ("2026-11-23T11:00:00Z", "office1", "mark amended", ""))
    with pytest.raises(pg.engine.IntegrityError, match="the audit log is append-only"), pg.write():
        pg.execute("DELETE FROM audit")
    assert pg.query("SELECT count(*) FROM audit")[0][0] == 1 and not pg.engine.in_transaction


def test_a_save_waits_for_another_pcs_as_long_as_on_the_file():
    """Without a lock timeout a save behind another PC's import waited for the whole import
    (about 50 s on the benchmark's server) and could end in a statement timeout, not "busy"."""
    from attendance_desk.store.db import BUSY_TIMEOUT_MS
    from attendance_desk.store.postgres_engine import LOCK_TIMEOUT_MS

    assert LOCK_TIMEOUT_MS == BUSY_TIMEOUT_MS


def test_every_connection_waits_at_most_the_lock_timeout(pg):
    assert pg.query("SHOW lock_timeout")[0][0] == "10s"


def test_one_writer_at_a_time_the_second_is_told_the_database_is_busy(pg, server):
    other = Store(Path("another PC"), PostgresEngine.connect(**server))
    holding, release = threading.Event(), threading.Event()

    def first_pc():
        with pg.write():
            pg.insert_id(ADD, ("2026-11-23T12:00:00Z", "office1", "first", ""))
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=first_pc)
    thread.start()
    try:
        assert holding.wait(10)
        with (
            other.engine.wait_at_most(200),
            pytest.raises(StoreBusy, match="busy"),
            other.write(),
        ):
            other.insert_id(ADD, ("2026-11-23T12:00:01Z", "office2", "second", ""))
        assert other.query("SELECT count(*) FROM audit")[0][0] == 0  # readers never wait
    finally:
        release.set()
        thread.join(10)
    with other.write():  # the lock is free once the first PC committed
        other.insert_id(ADD, ("2026-11-23T12:00:02Z", "office2", "second", ""))
    assert [r[0] for r in other.query("SELECT action FROM audit ORDER BY id")] == [
        "first",
        "second",
    ]
    assert other.query("SHOW lock_timeout")[0][0] == "10s"  # the usual wait is back
    other.close()


def test_a_repository_reads_and_writes_through_the_engine(pg):
    documents = pg.documents
    with pg.write():
        assert (
            documents.save("letter", "stage1", b"Dear parent", "lead", "2026-11-23T09:00:00Z") == 1
        )
        assert (
            documents.save("letter", "stage1", b"Dear carer", "lead", "2026-11-23T09:30:00Z") == 2
        )
    current = documents.current("letter", "stage1")
    assert (current.version, current.content, current.recorded_by) == (2, b"Dear carer", "lead")
    assert [v.version for v in documents.history("letter", "stage1")] == [1, 2]
    assert [(d.name, d.version) for d in documents.latest("letter")] == [("stage1", 2)]
    assert [(d.kind, d.version) for d in documents.latest()] == [("letter", 2)]
    assert pg.engine.table_columns("settings") == ["key", "value"]
    assert pg.engine.schema_version() == 0
    assert pg.engine.integrity_problems() == [] and pg.engine.foreign_key_problems() == []


def test_only_the_server_opener_reaches_the_engine_and_only_when_asked():
    """store/server.py opens a server's database (step 8); nothing else in the program names the
    engine, and psycopg is imported only when a server is asked for: a PC that opens school files
    runs without it."""
    package = Path(__file__).resolve().parents[2] / "attendance_desk"
    users = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "postgres_engine" in path.read_text(encoding="utf-8")
        and path.name != "postgres_engine.py"
    ]
    assert users == ["store/server.py"]
    import subprocess
    import sys

    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, attendance_desk.cli, attendance_desk.services.server, "
            "attendance_desk.store.server; print('psycopg' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "False"
