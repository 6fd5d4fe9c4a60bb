"""The whole schema on PostgreSQL (docs/server.md, step 3b), on the throwaway cluster: every SQLite
migration has its PostgreSQL body; an empty database is migrated in order, as the owner, each step
recorded, the version in `settings`; applying again does nothing; a newer database is refused; the
tables, columns, indexes and triggers are SQLite's; the same statements through the store give the
same history, refusals and counts (by week and by school year) on both engines; the append-only
tables refuse UPDATE and DELETE even to the owner, with SQLite's messages; and the application's
role is refused by PostgreSQL itself what it must never do."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from attendance_desk.store.db import Store, StoreError, open_store
from attendance_desk.store.postgres import APP, OWNER, roles_sql
from attendance_desk.store.schema import SCHEMA_VERSION, migrations
from attendance_desk.store.schema_pg import (
    MIGRATIONS_TABLE,
    PG_MIGRATIONS,
    PG_NOW,
    apply_pg,
    pending_pg,
)

DATABASE = "migrated_school"
LOGIN = "lead_laptop"  # one PC's login in the application's role (docs/server.md, "Roles")
NAMES = [m.name for m in migrations._migrations]


def test_every_sqlite_migration_has_its_postgresql_body():
    assert list(PG_MIGRATIONS) and set(PG_MIGRATIONS) == set(NAMES)
    assert all(PG_MIGRATIONS[name] for name in NAMES)


psycopg = pytest.importorskip("psycopg")

from attendance_desk.store.postgres_engine import PostgresEngine  # noqa: E402
from tests.engines import release_roles  # noqa: E402


def test_now_is_written_as_the_engine_writes_it():
    assert PostgresEngine.now_sql == PG_NOW


@pytest.fixture(scope="module")
def server(pg_cluster):
    """A database with the two roles and one login, migrated once by `apply_pg` (timed)."""
    import time

    sockets, superuser = pg_cluster
    admin = psycopg.connect(host=sockets, dbname="postgres", user=superuser, autocommit=True)
    admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
    release_roles(admin)  # the other modules' template (tests/engines.py) owns objects
    for role in (LOGIN, APP, OWNER):
        admin.execute(f"DROP ROLE IF EXISTS {role}")
    admin.execute(f"CREATE DATABASE {DATABASE}")
    with psycopg.connect(host=sockets, dbname=DATABASE, user=superuser, autocommit=True) as db:
        db.execute(roles_sql(DATABASE))
        db.execute(f"CREATE ROLE {LOGIN} LOGIN IN ROLE {APP}")
    engine = PostgresEngine.connect(host=sockets, dbname=DATABASE, user=superuser)
    assert engine.schema_version() == 0 and pending_pg(engine) == NAMES
    started = time.perf_counter()
    applied = apply_pg(engine)
    took = time.perf_counter() - started
    engine.close()  # none left open: the marks' test copies the database as a template
    yield {"host": sockets, "superuser": superuser, "applied": applied, "seconds": took}
    admin.execute(f"DROP DATABASE {DATABASE} WITH (FORCE)")
    for role in (LOGIN, APP, OWNER):
        admin.execute(f"DROP ROLE IF EXISTS {role}")
    admin.close()


@pytest.fixture
def superuser(server):
    engine = PostgresEngine.connect(host=server["host"], dbname=DATABASE, user=server["superuser"])
    yield engine
    engine.close()


def as_owner(server) -> PostgresEngine:
    engine = PostgresEngine.connect(host=server["host"], dbname=DATABASE, user=server["superuser"])
    engine.execute(f"SET ROLE {OWNER}")
    return engine


def as_app(server) -> PostgresEngine:
    return PostgresEngine.connect(host=server["host"], dbname=DATABASE, user=LOGIN)


@pytest.fixture(scope="module")
def lite(tmp_path_factory):
    store = open_store(tmp_path_factory.mktemp("lite") / "school.sqlite", create=True)
    yield store
    store.close()


def test_an_empty_database_is_migrated_in_order_and_recorded(server, superuser):
    engine = superuser
    assert server["applied"] == NAMES
    assert server["seconds"] < 30, server["seconds"]
    recorded = engine.query(f"SELECT name, applied_at FROM {MIGRATIONS_TABLE}")
    assert sorted(r[0] for r in recorded) == sorted(NAMES)
    assert all(len(r[1]) == 20 and r[1].endswith("Z") for r in recorded)
    assert engine.schema_version() == SCHEMA_VERSION
    assert engine.query("SELECT value FROM settings WHERE key = 'schema_version'")[0][0] == str(
        SCHEMA_VERSION
    )
    # everything belongs to the owner, nothing to the role that ran it
    owners = {
        r[0] for r in engine.query("SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")
    }
    assert owners == {OWNER}
    functions = engine.query(
        "SELECT p.proname, r.rolname FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
    )
    assert functions and {r[1] for r in functions} == {OWNER}


def test_applying_again_does_nothing(superuser):
    engine = superuser
    before = engine.query(f"SELECT name, applied_at FROM {MIGRATIONS_TABLE} ORDER BY name")
    assert pending_pg(engine) == []
    assert apply_pg(engine) == []
    assert engine.query(f"SELECT name, applied_at FROM {MIGRATIONS_TABLE} ORDER BY name") == before


def test_a_newer_database_is_refused_untouched(server, superuser):
    engine = as_owner(server)
    try:
        with engine.conn.transaction(force_rollback=True):
            engine.execute(
                "UPDATE settings SET value = ? WHERE key = 'schema_version'",
                (str(SCHEMA_VERSION + 1),),
            )
            with pytest.raises(StoreError, match="newer Attendance Desk"):
                apply_pg(_no_begin(engine))
        with engine.conn.transaction(force_rollback=True):
            engine.execute(
                f"INSERT INTO {MIGRATIONS_TABLE} VALUES ('m999_from_the_future', {PG_NOW})"
            )
            with pytest.raises(StoreError, match="m999_from_the_future"):
                apply_pg(_no_begin(engine))
    finally:
        engine.close()
    assert superuser.schema_version() == SCHEMA_VERSION


def _no_begin(engine):
    """The engine inside the test's own transaction (rolled back): apply_pg must refuse before
    it begins anything."""

    class Refusing(PostgresEngine):
        def begin(self, exclusive: bool = False) -> None:
            raise AssertionError("apply_pg began a migration on a newer database")

    return Refusing(engine.conn)


# ---- the same tables, columns, indexes and triggers as SQLite's

SQLITE_OWN = {"_sqlite_migrations"}


def _sqlite_shape(store: Store):
    conn = store.engine.conn  # type: ignore[attr-defined]
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        if r[0] not in SQLITE_OWN
    ]
    columns = {
        t: {(r[1], bool(r[3]) and not r[5]) for r in conn.execute(f"PRAGMA table_info({t})")}
        for t in tables
    }
    indexes = {
        r[0]
        for r in conn.execute(
            "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        )
        if r[1] not in SQLITE_OWN
    }
    triggers = {
        (r[0], r[1])
        for r in conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")
    }
    return columns, indexes, triggers


def _postgres_shape(engine: PostgresEngine):
    primary = {
        (r[0], r[1])
        for r in engine.query(
            "SELECT k.table_name, k.column_name FROM information_schema.key_column_usage k "
            "JOIN information_schema.table_constraints c ON c.constraint_name = k.constraint_name "
            "AND c.table_schema = k.table_schema WHERE c.constraint_type = 'PRIMARY KEY' "
            "AND k.table_schema = 'public'"
        )
    }
    columns: dict[str, set] = {}
    for table, column, nullable in engine.query(
        "SELECT table_name, column_name, is_nullable FROM information_schema.columns "
        "WHERE table_schema = 'public'"
    ):
        if table == MIGRATIONS_TABLE:
            continue
        not_null = nullable == "NO" and (table, column) not in primary
        columns.setdefault(table, set()).add((column, not_null))
    indexes = {
        r[0]
        for r in engine.query(
            "SELECT i.indexname FROM pg_indexes i WHERE i.schemaname = 'public' AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        )
    }
    triggers = {
        (r[0], r[1])
        for r in engine.query(
            "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal"
        )
    }
    return columns, indexes, triggers


def test_the_tables_columns_indexes_and_triggers_are_sqlites(superuser, lite):
    lite_columns, lite_indexes, lite_triggers = _sqlite_shape(lite)
    pg_columns, pg_indexes, pg_triggers = _postgres_shape(superuser)
    assert sorted(pg_columns) == sorted(lite_columns)
    for table, columns in lite_columns.items():
        # the same names, and NOT NULL where SQLite has it (primary keys aside: SQLite lets a
        # text key be NULL, PostgreSQL never)
        assert pg_columns[table] == columns, table
    assert pg_indexes == lite_indexes
    assert pg_triggers == lite_triggers
    assert len(pg_triggers) == 19


def test_the_columns_defaults_are_sqlites(superuser, lite):
    """Every column's default, as SQLite and PostgreSQL write it ('' and ''::text alike)."""
    conn = lite.engine.conn  # type: ignore[attr-defined]
    on_file = {
        (table, r[1]): r[4]
        for (table,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        if table not in SQLITE_OWN
        for r in conn.execute(f"PRAGMA table_info({table})")
    }
    on_server = {
        (r[0], r[1]): None if r[2] is None else re.sub(r"::[a-z ]+$", "", r[2])
        for r in superuser.query(
            "SELECT table_name, column_name, column_default FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name <> ?",
            (MIGRATIONS_TABLE,),
        )
    }
    assert len(on_server) > 300
    assert on_server == on_file


def test_the_shipped_documents_are_copied_in_as_on_a_new_file(superuser, lite):
    query = (
        "SELECT kind, name, version, shipped, recorded_by FROM school_documents ORDER BY kind, name"
    )
    on_file = [tuple(r) for r in lite.query(query)]
    assert on_file and [tuple(r) for r in superuser.query(query)] == on_file


# ---- the triggers behave as SQLite's, through the store on both engines

MONDAY = date(2026, 8, 24)  # two weeks in the summer holiday's school year, then September's


def _mark_statements(store: Store) -> dict[str, list]:
    """The same marks, amendments and refusals on either engine; what the database then holds."""
    refused = []
    with store.write():
        pupils = [
            store.insert_id(
                "INSERT INTO pupils(upn, surname, forename) VALUES (?, ?, ?)",
                (f"A8{n:011d}", f"Surname{n}", f"Pupil{n}"),
            )
            for n in range(3)
        ]
        for pupil in pupils:  # the first two pupils a mark a statement, the third in one
            rows = [
                (pupil, when.isoformat(), session, "/" if (day + pupil) % 4 else "N")
                for day in range(0, 21)
                if (when := MONDAY + timedelta(days=day)).weekday() < 5
                for session in ("AM", "PM")
            ]
            one = "(?, ?, ?, ?, 'office1', '2026-08-24T08:50:00Z')"
            add = (
                "INSERT INTO marks(pupil_id, date, session, code, recorded_by, recorded_at) VALUES "
            )
            if pupil == pupils[2]:
                store.execute(add + ", ".join([one] * len(rows)), [v for r in rows for v in r])
            else:
                for row in rows:
                    store.execute(add + one, row)
    first, second, third = pupils
    with store.write():  # one statement swapping codes within weeks: / to N and N to /
        store.execute(
            "UPDATE marks SET code = CASE code WHEN '/' THEN 'N' ELSE '/' END "
            "WHERE pupil_id = ? AND date BETWEEN ? AND ?",
            (third, "2026-08-26", "2026-09-02"),
        )
    with store.write():  # through the app: the next version, with a reason
        store.execute(
            "UPDATE marks SET code = 'I', minutes_late = NULL, amend_reason = ?, recorded_by = ?, "
            "recorded_at = ?, version = version + 1 WHERE pupil_id = ? AND date = ? AND session = ?",
            ("mum rang: ill", "lead", "2026-09-01T09:30:00Z", first, "2026-08-31", "AM"),
        )
    with store.write():  # another tool's UPDATE: no version, no reason
        store.execute(
            "UPDATE marks SET code = 'O' WHERE pupil_id = ? AND date >= ? AND code = 'N'",
            (second, "2026-08-28"),
        )
    # the bulk write's switch on the file: the app counts its own new marks (none counted by the
    # triggers); on a server the app may not touch it (m027): the trigger counts every mark
    on_file = store.engine.name == "sqlite"
    with store.write():
        if on_file:
            store.execute("INSERT INTO mark_counts_by_statement VALUES (1)")
        store.execute(
            "INSERT INTO marks(pupil_id, date, session, code, recorded_by, recorded_at) "
            "VALUES (?, '2026-09-14', 'AM', 'L', 'office1', '2026-09-14T08:50:00Z')",
            (first,),
        )
        if on_file:
            store.execute("DELETE FROM mark_counts_by_statement")
    for statement, params in (
        ("DELETE FROM marks WHERE pupil_id = ?", (first,)),
        (
            "UPDATE marks SET session = 'PM' WHERE pupil_id = ? AND date = '2026-08-24' "
            "AND session = 'AM'",
            (first,),
        ),
    ):
        try:
            with store.write():
                store.execute(statement, params)
        except store.engine.Error as exc:  # the trigger's refusal, or PostgreSQL's own
            refused.append(str(exc).splitlines()[0])
    rows = {
        "history": store.query(
            "SELECT pupil_id, date, session, old_code, new_code, reason, changed_by, direct, "
            "changed_at = ? AS at_given FROM mark_history ORDER BY id",
            ("2026-09-01T09:30:00Z",),
        ),
        "reasons": store.query("SELECT count(*) FROM marks WHERE amend_reason IS NOT NULL"),
        "weeks": store.query(
            "SELECT pupil_id, week, code, n FROM mark_week_counts ORDER BY pupil_id, week, code"
        ),
        "years": store.query(
            "SELECT pupil_id, year, code, n FROM mark_year_counts ORDER BY pupil_id, year, code"
        ),
        "marks": store.query("SELECT pupil_id, date, code FROM marks ORDER BY 1, 2, session"),
    }
    out = {key: [tuple(r) for r in value] for key, value in rows.items()}
    out["refused"] = refused
    return out


def _recount(marks: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    """The counts from the marks themselves: a mark's week is its Monday; a week's school year
    (1 September to 31 August) the year of its Thursday (store/schema.py m023, m025)."""
    weeks: dict[tuple, int] = {}
    for pupil, day, code in marks:
        monday = date.fromisoformat(day) - timedelta(days=date.fromisoformat(day).weekday())
        key = (pupil, monday.isoformat(), code)
        weeks[key] = weeks.get(key, 0) + 1
    years: dict[tuple, int] = {}
    for (pupil, week, code), n in weeks.items():
        thursday = date.fromisoformat(week) + timedelta(days=3)
        key = (pupil, thursday.year - (thursday.month < 9), code)
        years[key] = years.get(key, 0) + n
    return (
        sorted((p, w, c, n) for (p, w, c), n in weeks.items()),
        sorted((p, y, c, n) for (p, y, c), n in years.items()),
    )


@pytest.fixture
def marked_pg(server):
    """The marks' statements on a fresh copy of the migrated database, through the app's role."""
    sockets, superuser = server["host"], server["superuser"]
    copy = "marked_school"
    with psycopg.connect(host=sockets, dbname="postgres", user=superuser, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {copy}")
        admin.execute(f"CREATE DATABASE {copy} TEMPLATE {DATABASE}")
    store = Store(
        Path("the test server"), PostgresEngine.connect(host=sockets, dbname=copy, user=LOGIN)
    )
    try:
        yield store
    finally:
        store.close()
        with psycopg.connect(
            host=sockets, dbname="postgres", user=superuser, autocommit=True
        ) as admin:
            admin.execute(f"DROP DATABASE {copy} WITH (FORCE)")


def test_marks_history_refusals_and_counts_are_sqlites(marked_pg, tmp_path):
    lite = open_store(tmp_path / "school.sqlite", create=True)
    try:
        on_file = _mark_statements(lite)
    finally:
        lite.close()
    on_server = _mark_statements(marked_pg)
    for key in ("marks", "reasons"):
        assert on_server[key] == on_file[key], key
    # what SQLite's triggers do, said outright; who changed a mark outside the app: the file
    # cannot know, the server names the login (m027)
    for history, who in ((on_file["history"], "unknown"), (on_server["history"], "server login")):
        through_the_app = [h for h in history if h[7] == 0]
        assert [h[3:] for h in through_the_app] == [("N", "I", "mum rang: ill", "lead", 0, True)]
        outside = [h for h in history if h[7] == 1]
        assert len(outside) == len(history) - 1
        assert {h[3:5] for h in outside} == {("/", "N"), ("N", "/"), ("N", "O")}
        assert all(
            h[5] == "changed outside Attendance Desk: no reason recorded"
            and h[6] == (who if who == "unknown" else f"{who} {LOGIN}")
            for h in outside
        )
    same = [(*h[:6], "who", *h[7:]) for h in on_server["history"]]
    assert same == [(*h[:6], "who", *h[7:]) for h in on_file["history"]]
    assert on_server["reasons"] == [(0,)]  # the reason is used once
    moved = "a mark cannot be moved to another pupil or session"
    assert on_file["refused"] == [
        "attendance marks cannot be deleted: amend the mark with a reason instead",
        moved,
    ]
    # on a server a PC's login may not DELETE marks at all (retention is IT's: m027)
    assert on_server["refused"] == ["permission denied for table marks", moved]
    # the counts by week and by year are the marks recounted; on the file but for the mark the
    # bulk write added with the switch on (it counts its own: store/marks.py)
    counted = [m for m in on_file["marks"] if m[1:] != ("2026-09-14", "L")]
    assert len(counted) == len(on_file["marks"]) - 1
    weeks, years = _recount(counted)
    assert (on_file["weeks"], on_file["years"]) == (weeks, years)
    assert (on_server["weeks"], on_server["years"]) == _recount(on_server["marks"])
    assert {y for _, y, _, _ in years} == {2025, 2026}  # the summer's weeks, then September's


# ---- append-only, for the owner too; and what the application's role may not do at all

LETTER = (
    "INSERT INTO letters(pupil_id, template, addressee, address, text, generated_at, sha256, "
    "by_user, number, letter_date) VALUES (?, 'stage1', 'Ms Parent', '1 Road', 'Dear …', "
    "'2026-09-01T10:00:00Z', 'abc', 'lead', ?, '2026-09-01')"
)


@pytest.fixture(scope="module")
def rows(server):
    """A pupil, a mark amended once (its history), an audit entry and a letter, added as the
    application adds them."""
    engine = as_app(server)
    try:
        with engine.conn.transaction():
            pupil = engine.insert_id(
                "INSERT INTO pupils(upn, surname, forename) VALUES ('Z80000000001A', 'Able', 'Ann')"
            )
            engine.execute(
                "INSERT INTO marks(pupil_id, date, session, code, recorded_by, recorded_at) "
                "VALUES (?, '2026-09-07', 'AM', 'N', 'office1', '2026-09-07T08:50:00Z')",
                (pupil,),
            )
            engine.execute(
                "UPDATE marks SET code = 'I', amend_reason = 'ill', version = 2 WHERE pupil_id = ?",
                (pupil,),
            )
            engine.execute(
                "INSERT INTO audit(at, \"user\", action) VALUES ('2026-09-07T09:00:00Z', 'lead', 'x')"
            )
            engine.execute(LETTER, (pupil, 1))
    finally:
        engine.close()
    return pupil


@pytest.mark.parametrize(
    "statement, message",
    [
        ("UPDATE audit SET detail = 'nothing happened'", "the audit log is append-only"),
        ("DELETE FROM audit", "the audit log is append-only"),
        ("UPDATE mark_history SET new_code = 'O'", "mark history is append-only"),
        ("UPDATE mark_history SET reason = 'x', row_hash = 'h'", "mark history is append-only"),
        ("DELETE FROM mark_history", "mark history is append-only"),
        ("DELETE FROM marks", "attendance marks cannot be deleted: amend the mark"),
        ("UPDATE marks SET date = '2026-09-08'", "a mark cannot be moved to another pupil"),
        ("UPDATE school_documents SET reason = 'x'", "school documents are versioned"),
        ("DELETE FROM school_documents", "school documents keep their history"),
        ("UPDATE letters SET text = 'Dear other'", "an issued letter cannot be changed"),
        ("DELETE FROM letters", "the letter log is a record: letters cannot be deleted"),
    ],
)
def test_even_the_owner_meets_the_triggers_with_sqlites_messages(server, rows, statement, message):
    engine = as_owner(server)
    try:
        with pytest.raises(psycopg.errors.RestrictViolation, match=message):
            engine.execute(statement)
    finally:
        engine.close()


def test_a_hash_is_filled_once_and_a_letter_voided_once(server, rows):
    """What the triggers let through, as on SQLite: a row's hash filled once (chain.py seals
    in the row's transaction), a letter voided once."""
    engine = as_owner(server)
    try:
        with engine.conn.transaction(force_rollback=True):
            assert engine.execute(
                "UPDATE audit SET row_hash = 'h1' WHERE row_hash IS NULL"
            ).rowcount
            with pytest.raises(psycopg.errors.RestrictViolation, match="append-only"):
                engine.execute("UPDATE audit SET row_hash = 'h2'")
        with engine.conn.transaction(force_rollback=True):
            assert engine.execute("UPDATE letters SET row_hash = 'h1'").rowcount == 1
            with pytest.raises(psycopg.errors.RestrictViolation, match="cannot be changed"):
                engine.execute("UPDATE letters SET row_hash = 'h2'")
        with engine.conn.transaction(force_rollback=True):
            engine.execute("UPDATE letters SET void_reason = 'wrong pupil', voided_by = 'lead'")
            with pytest.raises(psycopg.errors.RestrictViolation, match="already void"):
                engine.execute("UPDATE letters SET void_reason = 'again'")
    finally:
        engine.close()


def test_a_retention_removal_lets_the_pupils_marks_go(server, rows):
    """m007: marks (and history, letters) of a pupil listed in `removals` may be deleted, in the
    removal's own transaction; the counts follow (the owner here: see docs/server.md, step 3b)."""
    engine = as_owner(server)
    try:
        with engine.conn.transaction(force_rollback=True):
            engine.execute("INSERT INTO removals VALUES (?)", (rows,))
            assert engine.execute("DELETE FROM marks WHERE pupil_id = ?", (rows,)).rowcount == 1
            assert engine.execute("DELETE FROM mark_history WHERE pupil_id = ?", (rows,)).rowcount
            assert engine.execute("DELETE FROM letters WHERE pupil_id = ?", (rows,)).rowcount == 1
            left = engine.query(
                "SELECT (SELECT count(*) FROM mark_week_counts WHERE pupil_id = ?), "
                "(SELECT count(*) FROM mark_year_counts WHERE pupil_id = ?)",
                (rows, rows),
            )
            assert tuple(left[0]) == (0, 0)
    finally:
        engine.close()


@pytest.mark.parametrize(
    "statement, refusal",
    [
        ("DROP TRIGGER audit_no_delete ON audit", "must be owner of"),
        ("DROP TRIGGER marks_keep_history ON marks", "must be owner of"),
        ("DROP TRIGGER marks_count_insert ON marks", "must be owner of"),
        ("DELETE FROM audit", "permission denied for table audit"),
        ("UPDATE audit SET detail = 'h'", "permission denied for table audit"),
        ("UPDATE audit SET row_hash = 'h', detail = 'h'", "permission denied for table audit"),
        ("UPDATE mark_history SET new_code = 'O'", "permission denied for table mark_history"),
        ("DELETE FROM mark_history", "permission denied for table mark_history"),
        ("UPDATE school_documents SET reason = 'x'", "permission denied"),
        ("DELETE FROM letters", "permission denied for table letters"),
        ("UPDATE letters SET text = 'Dear other'", "permission denied for table letters"),
        ("ALTER TABLE marks DISABLE TRIGGER ALL", "must be owner of"),
        ("ALTER TABLE marks DROP COLUMN version", "must be owner of"),
        ("DROP TABLE audit", "must be owner of"),
        ("DROP FUNCTION marks_keep_history() CASCADE", "must be owner of"),
        (
            "CREATE OR REPLACE FUNCTION mark_week_of(day TEXT) RETURNS TEXT LANGUAGE sql "
            "AS $$ SELECT '2000-01-03' $$",
            "must be owner of|permission denied",
        ),
        (f"DELETE FROM {MIGRATIONS_TABLE}", "permission denied"),
        ("UPDATE settings SET value = '999' WHERE key = 'schema_version'", None),
    ],
)
def test_the_application_role_is_refused_by_postgresql(server, rows, statement, refusal):
    engine = as_app(server)
    try:
        if refusal is None:  # what it may do: its settings (the version is checked on open)
            with engine.conn.transaction(force_rollback=True):
                engine.execute(statement)
            return
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match=refusal):
            engine.execute(statement)
        # and what it may: read everything, add a history or audit row, post a letter
        with engine.conn.transaction(force_rollback=True):
            engine.execute(
                "INSERT INTO audit(at, \"user\", action) VALUES ('2026-09-07T09:05:00Z', 'lead', 'y')"
            )
            engine.execute("UPDATE letters SET posted_on = '2026-09-02'")
        assert engine.query("SELECT count(*) FROM mark_history")[0][0] == 1
    finally:
        engine.close()


def test_a_users_name_in_another_case_is_the_same_user_on_both_engines(server, tmp_path):
    """users.name is COLLATE NOCASE on the file; on PostgreSQL the `nocase` collation of m006."""
    add = (
        "INSERT INTO users(name, role, password_hash, created_at) "
        "VALUES (?, 'lead', 'x', '2026-09-01T08:00:00Z')"
    )

    def same_user(store: Store) -> None:
        # UniqueViolation on PostgreSQL
        with pytest.raises(store.engine.IntegrityError), store.write():
            store.execute(add, ("J.Smith",))
            found = store.query("SELECT name FROM users WHERE name = ?", ("j.smith",))
            assert [r[0] for r in found] == ["J.Smith"]
            store.execute(add, ("j.SMITH",))
        assert not store.query("SELECT 1 FROM users")  # rolled back, all of it

    lite = open_store(tmp_path / "school.sqlite", create=True)
    pg = Store(Path("the test server"), as_app(server))
    try:
        same_user(lite)
        same_user(pg)
    finally:
        pg.close()
        lite.close()


def test_a_temporary_table_cannot_stand_in_for_the_removals(server, rows):
    """The guards read `public.removals`, never a temporary table of the same name that the
    application's connection made (it may make temporary tables: the bulk writes use one)."""
    engine = as_app(server)
    try:
        engine.execute("CREATE TEMPORARY TABLE removals (pupil_id BIGINT PRIMARY KEY)")
        engine.execute("INSERT INTO removals VALUES (?)", (rows,))
        assert engine.query("SELECT count(*) FROM removals")[0][0] == 1  # the temporary one
        # since m027 the app may not delete marks at all (a retention removal is the owner's)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="table marks"):
            engine.execute("DELETE FROM marks WHERE pupil_id = ?", (rows,))
    finally:
        engine.close()
    # a connection that may delete (here the superuser) still meets the guard, which reads
    # public.removals only
    engine = PostgresEngine.connect(host=server["host"], dbname=DATABASE, user=server["superuser"])
    try:
        engine.execute("CREATE TEMPORARY TABLE removals (pupil_id BIGINT PRIMARY KEY)")
        engine.execute("INSERT INTO removals VALUES (?)", (rows,))
        with pytest.raises(psycopg.errors.RestrictViolation, match="cannot be deleted"):
            engine.execute("DELETE FROM marks WHERE pupil_id = ?", (rows,))
    finally:
        engine.close()


def test_a_migration_that_fails_leaves_the_ones_before_it_and_nothing_of_itself(
    server, monkeypatch
):
    """One transaction each: a fault in m003 leaves m001 and m002 applied and recorded, nothing of
    m003 (not its table, not its record); the next run carries on from there."""
    sockets, superuser = server["host"], server["superuser"]
    half = "half_school"
    with psycopg.connect(host=sockets, dbname="postgres", user=superuser, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {half}")
        admin.execute(f"CREATE DATABASE {half}")
    engine = PostgresEngine.connect(host=sockets, dbname=half, user=superuser)
    try:
        engine.execute(  # the roles exist already (the cluster's): this database's part only
            "\n".join(
                line for line in roles_sql(half).splitlines() if not line.startswith("CREATE ROLE")
            )
        )
        broken = (PG_MIGRATIONS["m003_letters"][0], "SELECT 1/0")
        monkeypatch.setitem(PG_MIGRATIONS, "m003_letters", broken)
        with pytest.raises(psycopg.errors.DivisionByZero):
            apply_pg(engine)
        assert pending_pg(engine) == NAMES[2:]
        assert engine.schema_version() == 2
        assert engine.query("SELECT to_regclass('letters')")[0][0] is None
        monkeypatch.undo()
        assert apply_pg(engine) == NAMES[2:]
        assert engine.schema_version() == SCHEMA_VERSION
    finally:
        engine.close()
        with psycopg.connect(
            host=sockets, dbname="postgres", user=superuser, autocommit=True
        ) as admin:
            admin.execute(f"DROP DATABASE {half} WITH (FORCE)")


def test_a_step_that_would_rewrite_rows_refuses_when_there_are_some(server, rows):
    """m010, m011, m013, m021, m022, m026 rewrite an earlier version's rows on a file; on a server
    there are none at that point, and finding some is refused, not skipped."""
    from attendance_desk.store.schema_pg import NotNewDatabase, nothing_to_convert

    engine = as_owner(server)
    try:
        nothing_to_convert("removals")(engine)  # empty: nothing to do
        with pytest.raises(NotNewDatabase, match="marks has rows that this step would rewrite"):
            PG_MIGRATIONS["m011_timestamps_in_utc"][0](engine)  # type: ignore[operator]
        with pytest.raises(NotNewDatabase, match="marks has rows"):
            PG_MIGRATIONS["m010_registers_taken_inferred"][0](engine)  # type: ignore[operator]
    finally:
        engine.close()
