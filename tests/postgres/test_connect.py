"""Opening a school's database on a server (docs/server.md, step 8): `connect_to_server` opens a
migrated database as the PC's login, checks its version and never migrates; every failure is one
plain sentence naming the server (never the password): unreachable, no such database or login, a
password asked for (`ServerPasswordNeeded`) or not accepted, not migrated or older (naming IT's
`migrate`), newer. `migrate_server` as IT: applies, then finds nothing to do; refused for the
program's own role and before the roles exist. `server_setup_sql` run through psql makes a
database `migrate` accepts."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from datetime import date

import pytest

from attendance_desk.services import server
from attendance_desk.services.school import ServiceError, open_school
from attendance_desk.store.schema import SCHEMA_VERSION
from tests import engines
from tests.pg_logins import password_login

pytestmark = pytest.mark.usefixtures("pg_school_server")
PASSWORD = "Corr3ct-horse"
PW_LOGIN = "pw_office"


def fresh_database(server_: dict, template: str | None = engines.TEMPLATE) -> str:
    """A new database: a copy of the migrated template, or (template None) an empty one."""
    name = f"conn_{os.getpid()}_{next(engines._numbers)}"
    with engines._admin(server_["host"], server_["superuser"]) as admin:
        admin.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    server_["databases"].append(name)
    return name


def address(server_: dict, dbname: str, login: str = engines.LOGIN) -> str:
    return f"postgresql://{login}@/{dbname}?host={server_['host']}"


@pytest.fixture(scope="module")
def pw_login(pg_school_server):
    """A login that must give a password (scram-sha-256 in pg_hba.conf for it alone)."""
    with password_login(pg_school_server, PW_LOGIN, PASSWORD) as login:
        yield login


@pytest.fixture(autouse=True)
def _no_password_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))


def test_a_migrated_database_opens_as_the_pcs_login(pg_school_server):
    name = fresh_database(pg_school_server)
    where = address(pg_school_server, name)
    with server.connect_to_server(where) as store:
        assert store.on_server and store.server_address == where
        assert store.where == where
        assert store.path.name == name and not store.path.exists()  # this PC's place, not made
        assert server.documents_folder(store).name == f"{name}-documents"
        assert store.engine.schema_version() == SCHEMA_VERSION
        assert store.query("SELECT current_user")[0][0] == engines.LOGIN
        # a pulled cable is noticed in about a minute (TCP keepalives), not after hours
        assert "keepalives_idle=30" in store.engine.conn.info.dsn
        assert store.query("SHOW lock_timeout")[0][0] == "10s"  # a waiting save: then "busy"
    with open_school(where) as store:  # the same through open_school
        assert store.on_server


def test_a_file_is_not_on_a_server(tmp_path):
    from tests.helpers import make_school

    with make_school(tmp_path) as store:
        assert not store.on_server and store.server_address is None
        assert store.where == str(tmp_path / "school.sqlite")


def test_an_unreachable_server_is_named(tmp_path):
    with pytest.raises(ServiceError, match="could not reach the school's server at") as refused:
        server.connect_to_server(f"postgresql://office_pc@/school?host={tmp_path}/nowhere")
    assert "Traceback" not in str(refused.value)
    with pytest.raises(
        ServiceError, match=r"could not reach the school's server at 127\.0\.0\.1:1"
    ):
        server.connect_to_server("postgresql://office_pc@127.0.0.1:1/school?connect_timeout=3")


def test_a_missing_database_or_login_is_named(pg_school_server):
    with pytest.raises(ServiceError, match="has no database called 'nosuchschool'"):
        server.connect_to_server(address(pg_school_server, "nosuchschool"))
    name = fresh_database(pg_school_server)
    with pytest.raises(ServiceError, match="has no login called 'nobody_here'"):
        server.connect_to_server(address(pg_school_server, name, "nobody_here"))


def test_a_password_is_asked_for_checked_and_never_shown(
    pg_school_server, pw_login, monkeypatch, tmp_path
):
    name = fresh_database(pg_school_server)
    where = address(pg_school_server, name, pw_login)
    with pytest.raises(
        server.ServerPasswordNeeded, match=f"asks for a password for the login '{pw_login}'"
    ):
        server.connect_to_server(where)
    with pytest.raises(ServiceError, match="did not accept the password") as refused:
        server.connect_to_server(where, "wrong-one")
    assert not isinstance(refused.value, server.ServerPasswordNeeded)
    assert "wrong-one" not in str(refused.value)
    with server.connect_to_server(where, PASSWORD) as store:
        assert store.query("SELECT current_user")[0][0] == pw_login
    monkeypatch.setenv("PGPASSWORD", PASSWORD)  # libpq's own
    with server.connect_to_server(where) as store:
        assert store.on_server
    monkeypatch.delenv("PGPASSWORD")
    pgpass = tmp_path / "pgpass"  # the login's pgpass file, as IT sets it up on a PC
    pgpass.write_text(f"*:*:{name}:{pw_login}:{PASSWORD}\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    with server.connect_to_server(where) as store:
        assert store.on_server
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))
    given = server.ServerAddress(where)  # what the command line passes once it has asked
    given.password = PASSWORD
    with open_school(given) as store:
        assert store.on_server
    # a password written in the address is used, and never shown
    in_url = f"postgresql://{pw_login}:{PASSWORD}@/{name}?host={pg_school_server['host']}"
    with server.connect_to_server(in_url) as store:
        assert PASSWORD not in store.where and store.where == where
    assert PASSWORD not in server.shown_address(in_url)
    bad = f"postgresql://{pw_login}:nope-{PASSWORD}@/{name}?host={pg_school_server['host']}"
    with pytest.raises(ServiceError) as refused:
        server.connect_to_server(bad)
    assert PASSWORD not in str(refused.value)


def test_a_database_not_migrated_or_older_names_migrate(pg_school_server):
    host = pg_school_server["host"]
    empty = fresh_database(pg_school_server, template=None)
    with engines._admin(host, pg_school_server["superuser"], empty) as db:
        db.execute(f"GRANT CONNECT ON DATABASE {empty} TO attendance_app")
    with pytest.raises(
        ServiceError, match="has not been made ready for Attendance Desk"
    ) as refused:
        server.connect_to_server(address(pg_school_server, empty))
    assert (
        f"attendance-desk --db postgresql://attendance_owner@/{empty}?host={host} migrate"
        in str(refused.value)
    )
    older = fresh_database(pg_school_server)
    with engines._admin(host, pg_school_server["superuser"], older) as db:
        from attendance_desk.store.schema import migrations

        last = [m.name for m in migrations._migrations][-1]
        db.execute("DELETE FROM attendance_desk_migrations WHERE name = %s", (last,))
        db.execute(
            "UPDATE settings SET value = %s WHERE key = 'schema_version'",
            (str(SCHEMA_VERSION - 1),),
        )
    with pytest.raises(
        ServiceError, match=f"is at version {SCHEMA_VERSION - 1} and this"
    ) as refused:
        server.connect_to_server(address(pg_school_server, older))
    assert "migrate`" in str(refused.value)


def test_a_newer_database_is_refused(pg_school_server):
    newer = fresh_database(pg_school_server)
    with engines._admin(pg_school_server["host"], pg_school_server["superuser"], newer) as db:
        db.execute(
            "UPDATE settings SET value = %s WHERE key = 'schema_version'",
            (str(SCHEMA_VERSION + 1),),
        )
    with pytest.raises(ServiceError, match="made by a newer Attendance Desk"):
        server.connect_to_server(address(pg_school_server, newer))


def test_migrate_as_the_owner_then_nothing_to_do(pg_school_server):
    host, superuser = pg_school_server["host"], pg_school_server["superuser"]
    name = fresh_database(pg_school_server, template=None)
    with engines._admin(host, superuser, name) as db:  # the roles exist in the cluster already
        db.execute(f"GRANT CONNECT ON DATABASE {name} TO attendance_app, attendance_owner")
        db.execute("ALTER SCHEMA public OWNER TO attendance_owner")
    # the program's own role may not migrate
    with pytest.raises(ServiceError, match=f"the login '{engines.LOGIN}' may not migrate"):
        server.migrate_server(address(pg_school_server, name))
    report = server.migrate_server(address(pg_school_server, name, superuser))
    assert len(report.applied) == SCHEMA_VERSION and report.version == SCHEMA_VERSION
    again = server.migrate_server(address(pg_school_server, name, superuser))
    assert again.applied == [] and again.version == SCHEMA_VERSION
    with server.connect_to_server(address(pg_school_server, name)) as store:
        assert store.engine.schema_version() == SCHEMA_VERSION


def test_setup_sql_through_psql_makes_a_database_migrate_accepts(pg_school_server, pg_cluster):
    psql = shutil.which("psql") or str(engines._bindir() / "psql")
    host, superuser = pg_school_server["host"], pg_school_server["superuser"]
    name = f"setup_{os.getpid()}_{next(engines._numbers)}"
    pg_school_server["databases"].append(name)
    script = server.server_setup_sql(name, ["setup_pc", "setup_pc"])
    assert script.count("CREATE ROLE setup_pc LOGIN") == 1  # named twice, made once
    # safe to pipe (review item 14): no \password, which with no terminal would read the script's
    # next lines as the password; psql says which login has none and how to set one
    assert not [line for line in script.splitlines() if line.startswith("\\password")]
    try:
        for _ in range(2):  # safe to run again
            done = subprocess.run(
                [psql, "-h", host, "-U", superuser, "-d", "postgres", "-X", "-q"],
                input=script,
                capture_output=True,
                text=True,
                timeout=60,
                start_new_session=True,  # no terminal, as in a pipe from a script
            )
            assert done.returncode == 0, done.stderr
            assert "setup_pc has no password yet: set it at a terminal with psql -c " in done.stdout
            assert '"\\password setup_pc"' in done.stdout
            # the test cluster's roles already serve other databases: a second school, warned of
            assert "WARNING: the roles attendance_owner and attendance_app already serve" in (
                done.stdout
            )
            assert "one school per PostgreSQL cluster" in done.stdout
        report = server.migrate_server(address(pg_school_server, name, "attendance_owner"))
        assert report.version == SCHEMA_VERSION
        for login in (engines.LOGIN, "setup_pc"):  # the PC's login the script made, too
            with server.connect_to_server(address(pg_school_server, name, login)) as store:
                assert store.on_server
                assert store.query("SELECT current_user")[0][0] == login
        with pytest.raises(ServiceError, match="may not migrate"):
            server.migrate_server(address(pg_school_server, name, "setup_pc"))
    finally:
        with engines._admin(host, superuser) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute("DROP ROLE IF EXISTS setup_pc")
    with pytest.raises(ServiceError, match="cannot be a database name"):
        server.server_setup_sql("Attendance; DROP")
    with pytest.raises(ServiceError, match="one of the two roles, not a PC's login"):
        server.server_setup_sql("attendance", ["attendance_app"])
    with pytest.raises(ServiceError, match="cannot be a login's name"):
        server.server_setup_sql("attendance", ["Office PC"])


def test_setup_sql_with_passwords_asks_only_for_a_login_without_one(pg_school_server, tmp_path):
    """`server-setup-sql --passwords`, run with psql -f: psql asks the password of a new login and
    never resets one already set (a second school's run leaves IT's password as it was)."""
    psql = shutil.which("psql") or str(engines._bindir() / "psql")
    host, superuser = pg_school_server["host"], pg_school_server["superuser"]
    name = f"setup_{os.getpid()}_{next(engines._numbers)}"
    pg_school_server["databases"].append(name)
    script = server.server_setup_sql(name, ["setup_pw_pc"], passwords=True)
    assert "\\password setup_pw_pc" in script.splitlines()
    hash_of = "SELECT rolpassword FROM pg_authid WHERE rolname = %s"
    with engines._admin(host, superuser) as admin:
        owner_before = admin.execute(hash_of, ("attendance_owner",)).fetchone()[0]
        admin.execute("ALTER ROLE attendance_owner PASSWORD 'Its-own-2026'")
        owner_set = admin.execute(hash_of, ("attendance_owner",)).fetchone()[0]
    saved = tmp_path / "setup.sql"  # saved to a file, run with psql -f: the answers are psql's
    saved.write_text(script)  # input (here the test's, as a technician types them at a terminal)
    try:
        for answers in ("Pc-secret-1\nPc-secret-1\n", ""):  # the second run asks nothing
            done = subprocess.run(
                [psql, "-h", host, "-U", superuser, "-d", "postgres", "-X", "-q", "-f", str(saved)],
                input=answers,
                capture_output=True,
                text=True,
                timeout=60,
                start_new_session=True,
            )
            assert done.returncode == 0, done.stderr
            with engines._admin(host, superuser) as admin:
                assert admin.execute(hash_of, ("attendance_owner",)).fetchone()[0] == owner_set
                assert admin.execute(hash_of, ("setup_pw_pc",)).fetchone()[0] is not None
    finally:
        with engines._admin(host, superuser) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute("DROP ROLE IF EXISTS setup_pw_pc")
            if owner_before is None:
                admin.execute("ALTER ROLE attendance_owner PASSWORD NULL")
            else:
                admin.execute(f"ALTER ROLE attendance_owner PASSWORD '{owner_before}'")


def test_a_connection_lost_mid_work_is_one_sentence(pg_school_server):
    from attendance_desk.services import school

    name = fresh_database(pg_school_server)
    store = server.connect_to_server(address(pg_school_server, name))
    try:
        pid = store.engine.conn.info.backend_pid
        with engines._admin(pg_school_server["host"], pg_school_server["superuser"]) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(Exception) as lost:  # noqa: B017 (the driver's own error)
            school.add_term(store, "Autumn 1", date(2026, 9, 2), date(2026, 10, 23))
        said = server.server_error(lost.value)
        assert said is not None
        assert said.startswith("the connection to the school's server was lost")
        assert "nothing was saved that was not confirmed" in said
        assert server.server_error(ValueError("a fault of the program")) is None
    finally:
        with contextlib.suppress(Exception):
            store.close()


def test_another_programs_database_and_one_the_login_may_not_use(pg_school_server):
    host, superuser = pg_school_server["host"], pg_school_server["superuser"]
    theirs = fresh_database(pg_school_server, template=None)
    with engines._admin(host, superuser, theirs) as db:
        db.execute("CREATE TABLE invoices (id INTEGER)")
        db.execute(f"GRANT CONNECT ON DATABASE {theirs} TO attendance_app")
    with pytest.raises(ServiceError, match="is not an Attendance Desk database"):
        server.connect_to_server(address(pg_school_server, theirs))
    with pytest.raises(ServiceError, match="holds another program's tables"):
        server.migrate_server(address(pg_school_server, theirs, superuser))
    closed = fresh_database(pg_school_server)
    with engines._admin(host, superuser, closed) as db:
        db.execute(f"REVOKE CONNECT ON DATABASE {closed} FROM PUBLIC, attendance_app")
    with pytest.raises(ServiceError, match=f"the login '{engines.LOGIN}' may not use the database"):
        server.connect_to_server(address(pg_school_server, closed))


def test_migrate_before_the_roles_are_made_names_server_setup_sql(pg_school_server, monkeypatch):
    from attendance_desk.store import postgres

    name = fresh_database(pg_school_server, template=None)
    monkeypatch.setattr(postgres, "OWNER", "attendance_owner_not_made")  # as on a new server
    with pytest.raises(ServiceError, match="has no attendance_owner_not_made role yet") as refused:
        server.migrate_server(address(pg_school_server, name, pg_school_server["superuser"]))
    assert f"attendance-desk server-setup-sql {name}" in str(refused.value)
    assert "Nothing was changed" in str(refused.value)


def test_without_psycopg_the_server_option_says_so(monkeypatch):
    import sys

    for module in [m for m in sys.modules if m == "psycopg" or m.startswith("psycopg.")]:
        monkeypatch.setitem(sys.modules, module, None)  # as on a PC without it: imports fail
    with pytest.raises(
        ServiceError, match="not available in this installation: it needs the psycopg"
    ):
        server.connect_to_server("postgresql://office_pc@school-server/attendance")


def test_an_address_that_cannot_be_read_never_shows_its_password():
    for address in (
        "postgresql://office:Secr3t-pw@school-server/attendance?nonsense=1",
        "postgresql://office@school-server/attendance?password=Secr3t-pw&nonsense=1",
    ):
        with pytest.raises(
            ServiceError, match="is not a server address Attendance Desk can"
        ) as bad:
            server.connect_to_server(address)
        assert "Secr3t-pw" not in str(bad.value)


def test_a_trusts_second_school_admits_only_its_own_logins(pg_school_server):
    """Several schools on one server share the two roles; IT keeps each school's PCs to its own
    database by granting CONNECT to those logins instead of to attendance_app (README)."""
    host, superuser = pg_school_server["host"], pg_school_server["superuser"]
    second = fresh_database(pg_school_server)
    with engines._admin(host, superuser, second) as db:
        db.execute("DROP ROLE IF EXISTS second_school_pc")
        db.execute("CREATE ROLE second_school_pc LOGIN IN ROLE attendance_app")
        db.execute(f"REVOKE CONNECT ON DATABASE {second} FROM PUBLIC, attendance_app")
        db.execute(f"GRANT CONNECT ON DATABASE {second} TO second_school_pc")
    try:
        with server.connect_to_server(
            address(pg_school_server, second, "second_school_pc")
        ) as store:
            from attendance_desk.services.school import add_term

            add_term(store, "Autumn 1", date(2026, 9, 2), date(2026, 10, 23))  # works as a PC's
        with pytest.raises(ServiceError, match="granting it CONNECT on the database"):
            server.connect_to_server(address(pg_school_server, second))  # the first school's PC
    finally:
        with engines._admin(host, superuser) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {second} WITH (FORCE)")
            admin.execute("DROP ROLE IF EXISTS second_school_pc")


def test_a_servers_full_check_is_audited_with_its_address_not_a_folder(pg_school_server):
    """Review item 13: the full check's audit entry names the server's address (without a
    password), not this PC's local place for the school."""
    from attendance_desk.services.check import full_check

    name = fresh_database(pg_school_server)
    where = address(pg_school_server, name)
    with server.connect_to_server(where) as store:
        full_check(store, by="office")
        entry = store.query(
            "SELECT action, subject FROM audit WHERE action LIKE 'full check%' ORDER BY id DESC"
        )[0]
        assert tuple(entry) == ("full check of the school's database", where)
        assert entry[1] != str(store.path)
