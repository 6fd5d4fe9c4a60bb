"""On the server option, PostgreSQL itself refuses what the application must never do (issue 16):
connected as the application's role, DROP TRIGGER, DELETE FROM audit and UPDATE mark_history are
refused; the owner, who may, is still stopped by the append-only triggers."""

from __future__ import annotations

import pytest

from attendance_desk.store.postgres import APP, OWNER, grants_sql, pg_sql, roles_sql, schema_sql
from tests.engines import release_roles

psycopg = pytest.importorskip("psycopg")


@pytest.fixture(scope="module")
def school_db(pg_cluster):
    sockets, superuser = pg_cluster
    admin = psycopg.connect(host=sockets, dbname="postgres", user=superuser, autocommit=True)
    admin.execute("DROP DATABASE IF EXISTS school")
    release_roles(admin)  # the other modules' template (tests/engines.py) owns objects
    for role in (APP, OWNER, "office_pc"):
        admin.execute(f"DROP ROLE IF EXISTS {role}")
    admin.execute("CREATE DATABASE school")
    with psycopg.connect(host=sockets, dbname="school", user=superuser, autocommit=True) as db:
        db.execute(roles_sql("school"))
        db.execute(f"CREATE ROLE office_pc LOGIN IN ROLE {APP}")  # one PC's login (docs/server.md)
        db.execute(f"SET ROLE {OWNER}")
        db.execute(schema_sql())
        db.execute(grants_sql())
        db.execute(
            "INSERT INTO mark_history(pupil_id, date, session, old_code, new_code, changed_by, "
            "changed_at) VALUES (1, '2026-11-23', 'AM', 'N', 'I', 'office1', '2026-11-23T10:00:00Z')"
        )
        db.execute(
            "INSERT INTO audit(at, \"user\", action) VALUES ('2026-11-23T10:00:00Z', 'office1', 'mark amended')"
        )
    yield sockets, superuser
    admin.execute("DROP DATABASE school WITH (FORCE)")
    for role in ("office_pc", APP, OWNER):
        admin.execute(f"DROP ROLE IF EXISTS {role}")
    admin.close()


def as_app(sockets):
    return psycopg.connect(host=sockets, dbname="school", user="office_pc", autocommit=True)


@pytest.mark.parametrize(
    "statement, refusal",
    [
        ("DROP TRIGGER audit_no_delete ON audit", "must be owner of (relation|table) audit"),
        ("DROP TRIGGER mark_history_no_update ON mark_history", "must be owner of"),
        ("DELETE FROM audit", "permission denied for (relation|table) audit"),
        (
            "UPDATE mark_history SET new_code = 'O'",
            "permission denied for (relation|table) mark_history",
        ),
        ("UPDATE audit SET detail = 'nothing happened'", "permission denied"),
        ("ALTER TABLE audit DISABLE TRIGGER ALL", "must be owner of"),
        ("ALTER TABLE mark_history DROP COLUMN reason", "must be owner of"),
        ("DROP TABLE audit", "must be owner of"),
        ("CREATE TABLE audit_copy (x int)", "permission denied for schema public"),
        ("DELETE FROM school_documents", "permission denied"),
    ],
)
def test_the_application_role_is_refused_by_postgresql(school_db, statement, refusal):
    sockets, _ = school_db
    with as_app(sockets) as db:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match=refusal):
            db.execute(statement)
        # what it may do: read, and add
        db.execute(
            "INSERT INTO audit(at, \"user\", action) VALUES ('2026-11-23T10:05:00Z', 'office1', 'x')"
        )
        assert db.execute("SELECT count(*) FROM audit").fetchone()[0] >= 2
        assert db.execute("SELECT new_code FROM mark_history").fetchone()[0] == "I"


@pytest.mark.parametrize(
    "statement, message",
    [
        ("DELETE FROM audit", "the audit log is append-only"),
        ("UPDATE mark_history SET new_code = 'O'", "mark history is append-only"),
        ("DELETE FROM mark_history", "mark history is append-only"),
    ],
)
def test_even_the_owner_meets_the_append_only_triggers(school_db, statement, message):
    sockets, superuser = school_db
    with psycopg.connect(host=sockets, dbname="school", user=superuser, autocommit=True) as db:
        db.execute(f"SET ROLE {OWNER}")
        with pytest.raises(psycopg.errors.RestrictViolation, match=message):
            db.execute(statement)


@pytest.mark.parametrize(
    "sqlite, postgres",
    [
        (
            "SELECT * FROM audit WHERE id > ? AND action = ?",
            "SELECT * FROM audit WHERE id > %s AND action = %s",
        ),
        ("SELECT 'why?' AS q, ? AS p", "SELECT 'why?' AS q, %s AS p"),
        ("SELECT 'it''s ? 5%' WHERE a LIKE ?", "SELECT 'it''s ? 5%%' WHERE a LIKE %s"),
        ('SELECT "odd?name" FROM t WHERE x = ?', 'SELECT "odd?name" FROM t WHERE x = %s'),
        ("SELECT 1 -- is it? 100%\nWHERE x = ?", "SELECT 1 -- is it? 100%%\nWHERE x = %s"),
        ("SELECT x % 7 FROM t", "SELECT x %% 7 FROM t"),
    ],
)
def test_the_stores_placeholders_as_psycopg_takes_them(sqlite, postgres):
    assert pg_sql(sqlite) == postgres


def test_translated_statements_run_on_postgresql_as_on_sqlite(school_db):
    import sqlite3

    sockets, _ = school_db
    query = (
        "SELECT count(*) FROM mark_history WHERE pupil_id = ? AND date = ? "
        "AND reason NOT LIKE '%outside Attendance Desk%' AND new_code IN (?, ?)"
    )
    params = (1, "2026-11-23", "I", "O")
    lite = sqlite3.connect(":memory:")
    lite.execute(
        "CREATE TABLE mark_history (pupil_id INTEGER, date TEXT, reason TEXT, new_code TEXT)"
    )
    lite.execute("INSERT INTO mark_history VALUES (1, '2026-11-23', '', 'I')")
    with as_app(sockets) as db:
        assert db.execute(pg_sql(query), params).fetchone()[0] == 1
    assert lite.execute(query, params).fetchone()[0] == 1
