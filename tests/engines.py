"""A school store on either engine (docs/server.md, step 5): a school file (SQLite), or a fresh
database on a throwaway PostgreSQL cluster, migrated by `apply_pg` and opened as one PC's login in
the application's role, as the program will open a server's database.

- `pg_cluster` (session): initdb and pg_ctl in a temporary folder, a Unix socket only (no TCP),
  stopped at the end of the session. initdb refuses to run as root, so as root (CI, these machines)
  the cluster belongs to `postgres` (runuser). Without the PostgreSQL programs (or psycopg) the
  PostgreSQL cases are skipped, except on CI, where .ci/install puts them there and a missing one
  fails.
- `pg_school_server` (module): the two roles, one login, and a template database migrated once
  a session (~0.5 s), kept from module to module; each test's database is a copy of it
  (`CREATE DATABASE … TEMPLATE`, ~0.1 s), dropped at the module's end. The roles belong to the
  cluster: a module that makes them its own way (tests/postgres) calls `release_roles` first.
- `school_store` (parametrised "sqlite", "postgresql"): an empty school, as `make_store` makes it.
  `make_store(tmp_path, kind)` for a test that wants one of each side by side.

Imported by tests/conftest.py, so every folder sees one cluster per session."""

from __future__ import annotations

import glob
import inspect
import itertools
import os
import shutil
import subprocess
import tempfile
import types
from pathlib import Path

import pytest

from attendance_desk.store.db import Store, open_store

ENGINES = ("sqlite", "postgresql")
TEMPLATE = "school_template"
LOGIN = "office_pc"  # one PC's login in the application's role (docs/server.md, "Roles")
_numbers = itertools.count(1)


def _bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(versions[-1]).parent if versions else None


def _as_cluster_owner(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@pytest.fixture(scope="session")
def pg_cluster():
    """(socket folder, superuser name) of a running throwaway cluster."""
    psycopg = pytest.importorskip("psycopg")
    del psycopg
    bindir = _bindir()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed: .ci/install should have installed it")
        pytest.skip("PostgreSQL (initdb, pg_ctl) is not installed")
    root = Path(tempfile.mkdtemp(prefix="ad-pg-"))
    data, sockets = root / "data", root / "run"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
    superuser = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")
    run = dict(check=True, capture_output=True, text=True, timeout=120)
    subprocess.run(
        _as_cluster_owner(
            [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", superuser, "--no-sync"]
        ),
        **run,
    )
    options = f"-k {sockets} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
    subprocess.run(
        _as_cluster_owner(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(root / "log"),
                "-w",
                "start",
            ]
        ),
        **run,
    )
    try:
        yield str(sockets), superuser
    finally:
        subprocess.run(
            _as_cluster_owner([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)


def _admin(host: str, superuser: str, dbname: str = "postgres"):
    import psycopg

    return psycopg.connect(host=host, dbname=dbname, user=superuser, autocommit=True)


@pytest.fixture(scope="module")
def pg_school_server(pg_cluster):
    """The roles, one login in the application's role, and a template database migrated by
    `apply_pg` as the owner; what each test's database is copied from. Made once a session and
    kept from module to module (migrating costs ~0.5-3 s); a module that makes the roles its own
    way (tests/postgres) calls `release_roles` first, and the next module makes them again. Each
    module's own databases are dropped at its end."""
    host, superuser = pg_cluster
    with _admin(host, superuser) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (TEMPLATE,))
        if found.fetchone() is None:
            _make_template(host, superuser)
    made: list[str] = []
    yield {"host": host, "superuser": superuser, "databases": made, "pool": []}
    _HANDED.clear()
    with _admin(host, superuser) as admin:
        for name in made:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _make_template(host: str, superuser: str) -> None:
    from attendance_desk.store.postgres import APP, roles_sql
    from attendance_desk.store.postgres_engine import PostgresEngine
    from attendance_desk.store.schema_pg import apply_pg

    _PRISTINE.clear()
    with _admin(host, superuser) as admin:
        release_roles(admin)
        admin.execute(f"CREATE DATABASE {TEMPLATE}")
    with _admin(host, superuser, TEMPLATE) as db:
        db.execute(roles_sql(TEMPLATE))
        db.execute(f"CREATE ROLE {LOGIN} LOGIN IN ROLE {APP}")
    engine = PostgresEngine.connect(host=host, dbname=TEMPLATE, user=superuser)
    try:
        apply_pg(engine)
    finally:
        engine.close()  # none left open: a template cannot be copied while in use


def release_roles(admin) -> None:
    """Drop the template database and the roles, for a module that makes them itself (a role that
    owns a database's objects cannot be dropped)."""
    from attendance_desk.store.postgres import APP, OWNER

    admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
    for role in (LOGIN, APP, OWNER):
        admin.execute(f"DROP ROLE IF EXISTS {role}")


def pg_store(server: dict) -> Store:
    """A fresh copy of the migrated template, opened as the PC's login (the application's role):
    a database of the module's pool, emptied back to the template's rows after the test that had
    it (`_databases_back_to_the_pool`), or else a new copy (`CREATE DATABASE … TEMPLATE`)."""
    from attendance_desk.store.postgres_engine import PostgresEngine

    if server["pool"]:
        name = server["pool"].pop()
    else:
        name = f"school_{os.getpid()}_{next(_numbers)}"
        with _admin(server["host"], server["superuser"]) as admin:
            admin.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        server["databases"].append(name)
    _HANDED.append((server, name))
    engine = PostgresEngine.connect(host=server["host"], dbname=name, user=LOGIN)
    return Store(Path(f"postgresql://{LOGIN}@test-server/{name}"), engine)


# --- a test's database, emptied for the next test -----------------------------------------------
# A copy of the template costs ~0.1 s on a quiet machine but 0.5-0.7 s on these 2 shared cores
# (PostgreSQL 15 copies the template's 9.4 MB, mostly its catalogs, and WAL-logs it); emptying a
# used database back to the template's rows costs a fraction of that. A database goes back to its
# module's pool only if its schema is still the template's (the same tables, columns, triggers and
# whether each is enabled, functions and their text, owners and rights: one fingerprint); one a
# test altered (check's tests disable and drop triggers as the owner) is dropped instead.

_HANDED: list[tuple[dict, str]] = []  # (server, database) handed out, in order
_PRISTINE: dict = {}  # the template's fingerprint, rows and sequences, read once a session

FINGERPRINT = """
SELECT md5(string_agg(x, ',' ORDER BY x)) FROM (
  SELECT 't:' || c.relname || ':' || t.tgname || ':' || t.tgenabled::text || ':' || t.tgfoid::regproc::text
         || ':' || pg_get_triggerdef(t.oid) AS x
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND NOT t.tgisinternal
  UNION ALL
  SELECT 'f:' || p.oid::regprocedure::text || ':' || md5(p.prosrc) || ':' || p.proowner::regrole::text
         || ':' || p.prosecdef::text || ':' || coalesce(p.proacl::text, '') || ':'
         || coalesce(p.proconfig::text, '')
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
  UNION ALL
  SELECT 'c:' || c.relname || ':' || c.relkind::text || ':' || c.relowner::regrole::text || ':'
         || coalesce(c.relacl::text, '')
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
  UNION ALL
  SELECT 'a:' || c.relname || ':' || a.attname || ':' || a.atttypid::regtype::text || ':'
         || a.attnotnull::text || ':' || coalesce(a.attacl::text, '') || ':'
         || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'n:' || n.nspname || ':' || n.nspowner::regrole::text || ':' || coalesce(n.nspacl::text, '')
    FROM pg_namespace n WHERE n.nspname = 'public'
) parts
"""


def _pristine(host: str, superuser: str) -> dict:
    """The template's fingerprint, the rows of its tables that have any (the migrations' own:
    settings, the shipped documents, the migrations' record), and its sequences' states."""
    if not _PRISTINE:
        with _admin(host, superuser, TEMPLATE) as db:
            fingerprint = db.execute(FINGERPRINT).fetchone()[0]
            tables = [
                r[0]
                for r in db.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
                )
            ]
            rows = {}
            for table in tables:
                if db.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")').fetchone()[0]:
                    with db.cursor().copy(f'COPY "{table}" TO STDOUT (FORMAT binary)') as copy:
                        rows[table] = b"".join(bytes(block) for block in copy)
            sequences = [
                (name, *db.execute(f"SELECT last_value, is_called FROM {name}").fetchone())
                for (name,) in db.execute(
                    "SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences "
                    "WHERE schemaname = 'public'"
                ).fetchall()
            ]
        _PRISTINE.update(fingerprint=fingerprint, tables=tables, rows=rows, sequences=sequences)
    return _PRISTINE


def _emptied(server: dict, name: str) -> bool:
    """The database `name` back to the template's rows and sequences, its connections ended;
    False (left as it is) if its schema is no longer the template's."""
    host, superuser = server["host"], server["superuser"]
    pristine = _pristine(host, superuser)
    with _admin(host, superuser) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
    with _admin(host, superuser, name) as db:
        if db.execute(FINGERPRINT).fetchone()[0] != pristine["fingerprint"]:
            return False
        with db.transaction():
            db.execute("SET LOCAL session_replication_role = replica")  # no trigger fires
            db.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in pristine["tables"]))
            for table, data in pristine["rows"].items():
                with db.cursor().copy(f'COPY "{table}" FROM STDIN (FORMAT binary)') as copy:
                    copy.write(data)
            for sequence, value, called in pristine["sequences"]:
                db.execute("SELECT setval(%s, %s, %s)", (sequence, value, called))
    return True


@pytest.fixture(autouse=True)
def _databases_back_to_the_pool():
    """After each test, the databases it was handed (not those of a wider fixture, handed before
    it began) emptied back into their module's pool, or dropped if the test changed their schema."""
    start = len(_HANDED)
    yield
    handed = _HANDED[start:]
    del _HANDED[start:]
    for server, name in handed:
        if _emptied(server, name):
            server["pool"].append(name)
        else:
            with _admin(server["host"], server["superuser"]) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            server["databases"].remove(name)


def make_store(request: pytest.FixtureRequest, tmp_path: Path, kind: str) -> Store:
    """An empty school on `kind`: a new school file, or a new database on the test server."""
    if kind == "sqlite":
        return open_store(tmp_path / "school.sqlite", create=True)
    return pg_store(request.getfixturevalue("pg_school_server"))


def make_school_on(request: pytest.FixtureRequest, tmp_path: Path, kind: str) -> Store:
    """tests.helpers.make_school on `kind`: the school's name and URN, its terms and closures."""
    from tests.helpers import CLOSURES, TERMS, make_school

    if kind == "sqlite":
        return make_school(tmp_path)
    return server_school(request.getfixturevalue("pg_school_server"), TERMS, CLOSURES)


def server_school(server: dict, terms, closures) -> Store:
    """`tests.helpers.make_school`'s school on the test server: a new database, the school's name
    and URN saved as `create_school` saves them, its terms and closures."""
    from dataclasses import replace

    from attendance_desk.domain.records import SchoolSettings

    store = pg_store(server)
    store.settings.save_school(replace(SchoolSettings(), name="Test Primary School", urn="123456"))
    if terms:
        store.calendar.add_terms(list(terms))
    if closures:
        store.calendar.add_closures(list(closures))
    return store


# --- the store and services suites on both engines ----------------------------------------------
# Every test in tests/store and tests/services that makes its school through tests.helpers'
# `make_school` (itself, or through a fixture or a function of its module) runs once per engine,
# ids `[sqlite]` and `[postgresql]`: `school_engine` (below) is parametrised by
# `pytest_generate_tests`, and `make_school` asks it which engine to make the school on. A test
# about the file itself is marked `@pytest.mark.file_only("why")`: it runs on SQLite, and its
# PostgreSQL case is reported skipped with that reason. Tests that never make a school (pure
# rules, the demo's own file) run once. Tests that already take both engines side by side
# (`school_on`, `school_store`, `make_store`, `make_school_on`) are left as they are.
#
# AD_TEST_ENGINE: in tests/store and tests/services, `sqlite` or `postgresql` runs only that
# engine's cases (a quick local run); elsewhere, `postgresql` makes every `make_school` school on
# the test server (a census of the other folders: tests/documents, tests/year, tests/trust), the
# tests marked file_only excepted.

BOTH_ENGINES = ("tests/store/", "tests/services/")
_SIDE_BY_SIDE = {"make_store", "make_school_on", "pg_store", "school_on", "school_store"}
_current: dict = {"kind": "sqlite", "server": None}


def current_engine() -> tuple[str, dict | None]:
    """The engine `tests.helpers.make_school` makes the school on, and the test server if any."""
    return _current["kind"], _current["server"]


def _names_in(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names_in(const)
    return names


def _reaches(func, target: set[str], seen: set) -> bool:
    """Whether `func`'s code, or a test module's function it names, names one of `target`."""
    func = inspect.unwrap(func)
    func = getattr(getattr(func, "hypothesis", None), "inner_test", func)  # a @given test
    code = getattr(func, "__code__", None)
    if code is None or code in seen:
        return False
    seen.add(code)
    names = _names_in(code)
    if names & target:
        return True
    known = getattr(func, "__globals__", {})
    return any(
        _reaches(known[name], target, seen)
        for name in names
        if inspect.isfunction(known.get(name))
        and (known[name].__module__ or "").startswith("tests")
    )


def _makes_school(metafunc: pytest.Metafunc) -> set[str]:
    """What the test's own code and its fixtures defined under tests/ name, of `make_school` and
    the side-by-side makers. A fixture wider than one test that makes a school must take
    `school_engine`, or it would keep the first engine's school for the other's tests."""
    found: set[str] = set()
    funcs = [metafunc.function]
    for name, defs in metafunc.definition._fixtureinfo.name2fixturedefs.items():
        if name in _SIDE_BY_SIDE:
            found.add(name)
        for fixture in defs:
            if not (fixture.func.__module__ or "").startswith("tests"):
                continue
            funcs.append(fixture.func)
            if (
                fixture.scope != "function"
                and "school_engine" not in fixture.argnames
                and _reaches(fixture.func, {"make_school"}, set())
            ):
                raise pytest.UsageError(
                    f"{metafunc.definition.nodeid}: the {fixture.scope}-scoped fixture {name} "
                    "makes a school: give it the argument school_engine (tests/engines.py)"
                )
    for func in funcs:
        for target in ("make_school", *_SIDE_BY_SIDE):
            if target not in found and _reaches(func, {target}, set()):
                found.add(target)
    return found


def _in_both_engines_folder(path: Path) -> bool:
    text = path.as_posix()
    return any(f"/{folder}" in text for folder in BOTH_ENGINES)


def parametrise_by_engine(metafunc: pytest.Metafunc) -> None:
    """pytest_generate_tests (tests/conftest.py): see the comment above."""
    if "school_engine" not in metafunc.fixturenames:
        return
    if not _in_both_engines_folder(Path(str(metafunc.definition.path))):
        return
    makers = _makes_school(metafunc)
    if "make_school" not in makers or makers & _SIDE_BY_SIDE:
        return
    only = os.environ.get("AD_TEST_ENGINE")
    file_only = metafunc.definition.get_closest_marker("file_only")
    cases = []
    for kind in ENGINES:
        if only and kind != only:
            continue
        if file_only is not None and kind != "sqlite":
            why = file_only.args[0] if file_only.args else file_only.kwargs.get("reason", "")
            cases.append(pytest.param(kind, marks=pytest.mark.skip(reason=f"file only: {why}")))
        else:
            cases.append(kind)
    metafunc.parametrize("school_engine", cases, indirect=True, scope="module")


@pytest.fixture(scope="module", autouse=True)
def school_engine(request):
    """The engine this test's `make_school` makes its school on: the parameter, for the tests
    parametrised above; else `sqlite` (AD_TEST_ENGINE=postgresql outside tests/store and
    tests/services: the census)."""
    kind = getattr(request, "param", None)
    if kind is None:
        wanted = os.environ.get("AD_TEST_ENGINE", "sqlite")
        in_both = request.module is not None and _in_both_engines_folder(
            Path(request.module.__file__)
        )
        kind = "sqlite" if in_both else wanted
    server = request.getfixturevalue("pg_school_server") if kind == "postgresql" else None
    _current.update(kind=kind, server=server)
    try:
        yield kind
    finally:
        _current.update(kind="sqlite", server=None)


@pytest.fixture(autouse=True)
def _file_only_stays_on_the_file(request):
    """A test marked file_only makes its school on SQLite, whatever the census asks."""
    if request.node.get_closest_marker("file_only") is None or _current["kind"] == "sqlite":
        yield
        return
    saved = dict(_current)
    _current.update(kind="sqlite", server=None)
    try:
        yield
    finally:
        _current.update(saved)


@pytest.fixture(params=ENGINES)
def school_on(request, tmp_path):
    """tests.helpers.make_school's school on each engine in turn."""
    store = make_school_on(request, tmp_path, request.param)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(params=ENGINES)
def school_store(request, tmp_path):
    """An empty school on each engine in turn."""
    store = make_store(request, tmp_path, request.param)
    try:
        yield store
    finally:
        store.close()


def outside(store: Store):
    """A plain connection to the same school, as another tool would open it: the sqlite3 module on
    the file (the sqlite3 shell's way), or psycopg as the same PC's login on the server (psql's
    way, in the application's role). `execute` and `commit` on both; no parameters (placeholders
    differ)."""
    if store.engine.name == "sqlite":
        import sqlite3

        return sqlite3.connect(store.path)
    import psycopg

    info = store.engine.conn.info
    return psycopg.connect(host=info.host, dbname=info.dbname, user=info.user)


def reopen(store: Store) -> Store:
    """Close `store` and open the same school again: the file, or a new connection to the server's
    database as the same login."""
    if store.engine.name == "sqlite":
        store.close()
        return open_store(store.path)
    from attendance_desk.store.postgres_engine import PostgresEngine

    info = store.engine.conn.info
    host, dbname, user = info.host, info.dbname, info.user
    store.close()
    return Store(store.path, PostgresEngine.connect(host=host, dbname=dbname, user=user))


def as_owner(store: Store):
    """On a server: a connection to the school's database as the schema's owner (IT's login, in
    autocommit), which may alter tables and their triggers; what the tests of `check` tamper with.
    On the file there is no owner: the sqlite3 shell (`outside`) can do anything."""
    from attendance_desk.store.postgres import OWNER

    _, server = current_engine()
    conn = _admin(server["host"], server["superuser"], store.engine.conn.info.dbname)
    conn.execute(f"SET ROLE {OWNER}")
    return conn


def address(store: Store) -> str:
    """What `--db` names for this school: the file's path, or the server database's address as the
    PC's login (the socket folder as `host`), which `services.school.open_school` opens."""
    if store.engine.name == "sqlite":
        return str(store.path)
    info = store.engine.conn.info
    return f"postgresql://{info.user}@/{info.dbname}?host={info.host}"
