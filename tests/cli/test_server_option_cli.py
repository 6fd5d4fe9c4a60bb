"""The command line on a network drive, and on the school's server (issue 16, docs/server.md step 8):
`--db postgresql://LOGIN@SERVER/DATABASE` for every command that works on a school, signed in as on
a file; IT's `migrate` and `server-setup-sql`; `copy-to` onto a server and back into a new file;
the commands about a file refused naming what to use instead; every refusal one plain sentence
(server not found or unreachable, a password asked for with no terminal or not accepted, a
database not migrated naming `migrate`, a newer one, the program's own role migrating). Run in the
process through `main([...])`, on the throwaway cluster (tests/engines.py), over its socket folder
(`?host=/socket/folder`)."""

from __future__ import annotations

import getpass
import json
import os
import sys
from datetime import date
from pathlib import Path

import pytest

from attendance_desk.cli import main
from attendance_desk.services.users import add_user
from attendance_desk.store import db as store_db
from attendance_desk.store.db import open_store
from attendance_desk.store.location import Location
from attendance_desk.store.schema import SCHEMA_VERSION
from tests import engines
from tests.helpers import add_pupil, make_school, put_marks, sessions, upn
from tests.pg_logins import password_login

SHARE = Location(True, "cifs", "//nas/attendance on /mnt/office")
PASSWORD = "Staff-pass-2026"  # the app users' (ATTENDANCE_DESK_PASSWORD)
DB_PASSWORD = "Db-pass-Corr3ct"  # a database login's
PW_LOGIN = "pw_cli_office"


def on_a_share(monkeypatch):
    monkeypatch.setattr(store_db, "network_location", lambda _p: SHARE)
    monkeypatch.setattr("attendance_desk.services.server.network_location", lambda _p: SHARE)


def test_the_command_line_notes_a_network_drive(tmp_path, monkeypatch, capsys):
    make_school(tmp_path).close()
    on_a_share(monkeypatch)
    code = main(["--db", str(tmp_path / "school.sqlite"), "--as", "office1", "calendar", "show"])
    err = capsys.readouterr().err
    assert code == 0
    assert "note: The school file is on a network location (cifs" in err
    assert "server option" in err


def test_a_server_not_found_is_said_plainly(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(["--db", "postgresql://office@school-server.invalid/attendance", "stats"])
    err = capsys.readouterr().err
    assert code == 1
    assert "could not find the school's server 'school-server.invalid' by that name" in err
    assert "Traceback" not in err
    assert not list(tmp_path.iterdir())  # no folder called postgresql: made anywhere here


# --- on the throwaway cluster ----------------------------------------------------------------------


def database(server: dict, migrated: bool = True) -> str:
    """A new database: a copy of the migrated template, or an empty one IT has made ready for
    `migrate` (as `server-setup-sql` does: CONNECT for both roles, the schema the owner's)."""
    name = f"cli_{os.getpid()}_{next(engines._numbers)}"
    with engines._admin(server["host"], server["superuser"]) as admin:
        admin.execute(
            f"CREATE DATABASE {name}" + (f" TEMPLATE {engines.TEMPLATE}" if migrated else "")
        )
    server["databases"].append(name)
    if not migrated:
        with engines._admin(server["host"], server["superuser"], name) as db:
            db.execute(f"GRANT CONNECT ON DATABASE {name} TO attendance_app, attendance_owner")
            db.execute("ALTER SCHEMA public OWNER TO attendance_owner")
    return name


def url(server: dict, name: str, login: str = engines.LOGIN) -> str:
    return f"postgresql://{login}@/{name}?host={server['host']}"


@pytest.fixture
def quiet(monkeypatch, tmp_path):
    """No terminal, no database password from the environment; the app users' password given;
    run from an empty folder (nothing may be made in it)."""
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))
    monkeypatch.setenv("ATTENDANCE_DESK_PASSWORD", PASSWORD)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
    here = tmp_path / "cwd"
    here.mkdir()
    monkeypatch.chdir(here)
    return here


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def school_file(tmp_path: Path) -> Path:
    """A school file with two pupils, a fortnight of marks, an administrator and an office user."""
    store = make_school(tmp_path)
    for n in (1, 2):
        pupil = add_pupil(store, n)
        put_marks(store, pupil, sessions(date(2024, 9, 3), date(2024, 9, 13), "/"))
    add_user(store, "", "admin1", "admin", PASSWORD)
    add_user(store, "admin1", "office1", "office", PASSWORD)
    store.close()
    return tmp_path / "school.sqlite"


def test_migrate_applies_then_has_nothing_to_do_and_the_app_role_is_refused(
    pg_school_server, quiet, capsys
):
    server, it = pg_school_server, pg_school_server["superuser"]
    name = database(server, migrated=False)
    code, out, err = run(capsys, "--db", url(server, name), "migrate")
    assert code == 1
    assert f"the login '{engines.LOGIN}' may not migrate the database '{name}'" in err
    assert "attendance_owner" in err
    code, out, err = run(capsys, "--db", url(server, name), "stats")  # before IT migrates
    assert code == 1 and "has not been made ready for Attendance Desk" in err
    assert (
        f"attendance-desk --db postgresql://attendance_owner@/{name}?host={server['host']} migrate"
        in err
    )

    code, out, err = run(capsys, "--db", url(server, name, it), "migrate")
    assert code == 0, err
    assert f"{SCHEMA_VERSION} migration(s) applied" in out and "m001" in out
    assert f"The database is at version {SCHEMA_VERSION}" in out
    code, out, err = run(capsys, "--db", url(server, name, it), "migrate")
    assert code == 0 and "is up to date: no migration to apply" in out

    # a new database IT has migrated: init names the school; then it works as a file does
    code, out, err = run(
        capsys, "--db", url(server, name), "init", "--school", "Server Primary", "--urn", "654321"
    )
    assert code == 0, err
    assert f"Server Primary (URN 654321) is the school on {url(server, name)}" in out
    assert f"--db {url(server, name)} user add --name NAME --role admin" in out  # the next step
    code, out, err = run(capsys, "--db", url(server, name), "calendar", "usual", "--year", "2026")
    assert code == 0 and "Added the usual calendar for 2026/27" in out, err
    # the first user added is the administrator, as the README's init route says; then the
    # school has users (what the window needs to open it) and commands sign in as on a file
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ATTENDANCE_DESK_NEW_PASSWORD", PASSWORD)
        code, out, err = run(
            capsys, "--db", url(server, name), "user", "add", "--name", "head1", "--role", "admin"
        )
    assert code == 0, err
    code, out, err = run(capsys, "--db", url(server, name), "--as", "head1", "user", "list")
    assert code == 0 and "head1" in out and "admin" in out, err
    code, out, err = run(
        capsys, "--db", url(server, name), "init", "--school", "Another", "--urn", "111111"
    )
    assert code == 1 and "already holds a school (Server Primary, URN 654321)" in err
    assert not list(quiet.iterdir())


def test_a_file_says_it_migrates_itself(tmp_path, quiet, capsys):
    school = school_file(tmp_path)
    code, out, err = run(capsys, "--db", str(school), "--as", "admin1", "migrate")
    assert code == 0 and "a school file brings itself up to this version when it is opened" in out


def test_a_school_on_the_server_through_the_command_line_and_back(
    pg_school_server, quiet, tmp_path, capsys
):
    server, it = pg_school_server, pg_school_server["superuser"]
    school = school_file(tmp_path)
    name = database(server)
    onto = url(server, name, it)
    code, out, err = run(capsys, "--db", str(school), "--as", "admin1", "copy-to", onto)
    assert code == 0, err
    assert f"Copied to {onto}:" in out and "hash chains and their heads" in out
    at = url(server, name)

    # signed in as on a file: the app's users, over the PC's login
    code, out, err = run(capsys, "--db", at, "stats")
    assert code == 1 and "the name or password is not right" in err  # run as root, not a user
    code, out, err = run(
        capsys, "--db", at, "--as", "office1", "stats", "--from", "2024-09-02", "--to", "2024-09-13"
    )
    assert code == 0, err
    assert "Pupil1" in out and "Pupil2" in out
    code, out, err = run(
        capsys, "--db", at, "--as", "office1", "amend", "--upn", upn(1), "--date", "2024-09-04",
        "--session", "AM", "--code", "I", "--reason", "mother rang: ill",
    )  # fmt: skip
    assert code == 0, err
    # a week's registers saved onto the server (the command line's register: an import)
    week = tmp_path / "week.csv"
    week.write_text(
        "upn,date,session,code\n"
        + "".join(
            f"{upn(n)},2024-09-{day},{s},{'N' if n == 2 else '/'}\n"
            for day in range(16, 21)
            for n in (1, 2)
            for s in ("AM", "PM")
        ),
        encoding="utf-8",
    )
    code, out, err = run(capsys, "--db", at, "--as", "admin1", "import", "marks", str(week))
    assert code == 0 and "20 rows read, 20 added, 0 changed" in out, err
    code, out, err = run(
        capsys, "--db", at, "--as", "office1", "stats", "--from", "2024-09-16", "--to",
        "2024-09-20", "--json",
    )  # fmt: skip
    assert code == 0, err
    figures = {row["upn"]: row for row in json.loads(out)}
    assert (figures[upn(2)]["possible"], figures[upn(2)]["unauthorised"]) == (10, 10)
    assert figures[upn(1)]["attendance_pct"] == 100.0
    code, out, err = run(capsys, "--db", at, "--as", "office1", "history", "--upn", upn(1))
    assert code == 0 and "mother rang: ill" in out, err
    code, out, err = run(capsys, "--db", at, "--as", "admin1", "audit")
    assert code == 0 and "amend mark" in out and "office1" in out, err
    code, out, err = run(
        capsys, "--db", at, "--as", "office1", "calendar", "show", "--year", "2024"
    )
    assert code == 0 and "Academic year 2024/25" in out, err

    # back into a new file, from the server as the PC's login
    carried = tmp_path / "carried.sqlite"
    code, out, err = run(capsys, "--db", at, "--as", "admin1", "copy-to", str(carried))
    assert code == 0, err
    copy = open_store(carried)
    try:
        assert copy.query("SELECT COUNT(*) FROM marks")[0][0] == 36 + 20
        assert copy.query("SELECT reason FROM mark_history")[0][0] == "mother rang: ill"
    finally:
        copy.close()
    original = open_store(school)  # each copy in the audit of the school copied, no password
    try:
        logged = original.query("SELECT subject FROM audit WHERE action = 'copy-to'")
        assert [r[0] for r in logged] == [onto]
    finally:
        original.close()
    code, out, err = run(capsys, "--db", at, "--as", "admin1", "audit")
    assert code == 0 and f"copy-to              {carried.resolve()}" in out, err
    assert not list(quiet.iterdir())  # nothing made where the commands ran (no postgresql: folder)
    assert not (Path.home() / "Documents" / "Attendance Desk").exists()  # nor the PC's own place


def test_what_is_about_a_file_is_refused_on_a_server(pg_school_server, quiet, tmp_path, capsys):
    at = url(pg_school_server, database(pg_school_server))
    backup = tmp_path / "school-20240101-000000.sqlite"
    backup.write_bytes(b"")
    for argv, said in (
        (
            ["backup"],
            "a school on the school's server is backed up by IT with the server's own tools (pg_dump",
        ),
        (["restore", str(backup)], "restored by IT from the server's own backups (pg_restore)"),
        (["demo"], "demo writes a new school file, not a server's database"),
        (["check", "--against", str(backup)], "run check without --against"),
    ):
        code, out, err = run(capsys, "--db", at, *argv)
        assert code == 1, argv
        assert said in err, (argv, err)
        assert "copy-to" in err or argv[0] == "check"
    assert not list(quiet.iterdir())


def test_server_setup_sql_is_printed_for_psql(quiet, capsys):
    code, out, err = run(capsys, "server-setup-sql", "attendance")
    assert code == 0, err
    assert (
        "CREATE ROLE attendance_owner LOGIN" in out and "CREATE ROLE attendance_app NOLOGIN" in out
    )
    assert "\\connect attendance" in out
    # safe to pipe: no \password line (with no terminal psql would read the script's next lines
    # as the password); psql says which login has none; --passwords is for psql -f at a terminal
    assert not [line for line in out.splitlines() if line.startswith("\\password")]
    assert "has no password yet: set it at a terminal" in out
    assert "one school per cluster" in out and "listen_addresses" in out
    assert "host  attendance  office_pc,lead_laptop,attendance_owner  10.0.0.0/8" in out
    code, out, err = run(capsys, "server-setup-sql", "attendance", "--passwords")
    assert code == 0 and "\\password attendance_owner" in out.splitlines()
    assert "run it AT A TERMINAL:  psql -h SERVER -U postgres -f FILE" in out
    code, out, err = run(capsys, "server-setup-sql", "attendance", "--login", "office_pc")
    assert (
        code == 0
        and "CREATE ROLE office_pc LOGIN" in out
        and "GRANT attendance_app TO office_pc" in out
    )
    code, out, err = run(capsys, "server-setup-sql", "Bad-Name")
    assert code == 1 and "cannot be a database name here" in err


@pytest.fixture(scope="module")
def pw_login(pg_school_server):
    """A login that must give a password (scram-sha-256 in pg_hba.conf for it alone)."""
    with password_login(pg_school_server, PW_LOGIN, DB_PASSWORD) as login:
        yield login


def test_the_database_password(pg_school_server, pw_login, quiet, monkeypatch, capsys):
    name = database(pg_school_server)
    at = url(pg_school_server, name, pw_login)
    code, out, err = run(capsys, "--db", at, "calendar", "show")
    assert code == 1
    assert (
        f"asks for a password for the login '{pw_login}': give it in PGPASSWORD or the login's pgpass file"
        in err
    )
    monkeypatch.setenv("PGPASSWORD", "not-it")
    code, out, err = run(capsys, "--db", at, "calendar", "show")
    assert code == 1 and "did not accept the password" in err and "not-it" not in err
    monkeypatch.setenv("PGPASSWORD", DB_PASSWORD)
    code, out, err = run(capsys, "--db", at, "calendar", "show")
    assert code == 0, err
    monkeypatch.delenv("PGPASSWORD")
    # on a terminal it is asked for once, not echoed, and never printed
    asked: list[str] = []
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(getpass, "getpass", lambda prompt: asked.append(prompt) or DB_PASSWORD)
    code, out, err = run(capsys, "--db", at, "calendar", "show")
    assert code == 0, err
    assert len(asked) == 1 and pw_login in asked[0] and "password" in asked[0]
    assert DB_PASSWORD not in out + err


def test_the_pgpass_file_the_address_forms_and_the_servers_own_database(
    pg_school_server, pw_login, quiet, monkeypatch, tmp_path, capsys
):
    """Review item 11: a pgpass file others may read is ignored by libpq (said, with chmod 600); a
    misspelt database matches no pgpass line (said); libpq's key=value form works in --db; a
    password inside --db works but is warned of; the server's own `postgres` database is refused
    as not a school's. Every refusal one `attendance-desk: …` line, as the others end."""
    name = database(pg_school_server)
    pgpass = Path(os.environ["PGPASSFILE"])
    socket = pg_school_server["host"]  # libpq matches a socket folder by its path
    pgpass.write_text(f"# IT's sheet\n{socket}:*:{name}:{pw_login}:{DB_PASSWORD}\n")
    pgpass.chmod(0o644)
    said: list[str] = []

    code, out, err = run(capsys, "--db", url(pg_school_server, name, pw_login), "calendar", "show")
    said.append(err)
    assert code == 1
    assert f"the pgpass file {pgpass} is readable by others, so PostgreSQL ignores it" in err
    assert f"chmod 600 {pgpass}" in err
    pgpass.chmod(0o600)
    code, out, err = run(capsys, "--db", url(pg_school_server, name, pw_login), "calendar", "show")
    assert code == 0, err

    misspelt = name + "x"
    code, out, err = run(
        capsys, "--db", url(pg_school_server, misspelt, pw_login), "calendar", "show"
    )
    said.append(err)
    assert code == 1 and "asks for a password" in err
    port = os.environ.get("PGPORT", "5432")
    assert f"the pgpass file {pgpass} has no line for {socket}:{port}:{misspelt}:{pw_login}" in err
    # on a terminal: the note said once, then the plain question
    asked: list[str] = []
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(getpass, "getpass", lambda prompt: asked.append(prompt) or "wrong")
    code, out, err = run(
        capsys, "--db", url(pg_school_server, misspelt, pw_login), "calendar", "show"
    )
    assert code == 1 and "attendance-desk: note: the pgpass file" in err
    assert asked and "pgpass" not in asked[0] and asked[0].startswith("The school's server")
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)

    # libpq's key=value form, as the README allows
    pairs = f"host={pg_school_server['host']} dbname={name} user={engines.LOGIN}"
    code, out, err = run(capsys, "--db", pairs, "calendar", "show")
    assert code == 0, err
    assert not list(quiet.iterdir())  # not taken for a file's name

    # a password inside --db works, with a warning (never the password itself)
    inside = f"postgresql://{pw_login}:{DB_PASSWORD}@/{name}?host={pg_school_server['host']}"
    pgpass.unlink()
    code, out, err = run(capsys, "--db", inside, "calendar", "show")
    assert code == 0, err
    assert "attendance-desk: warning: the password inside --db can be read by other users" in err
    assert DB_PASSWORD not in out + err

    # the server's own database is not a school's: never "migrate it"
    for command in ("stats", "migrate"):
        code, out, err = run(capsys, "--db", url(pg_school_server, "postgres"), command)
        said.append(err)
        assert code == 1 and "'postgres' is the PostgreSQL server's own database" in err
        assert "not a school's" in err and "migrate`" not in err
    code, out, err = run(capsys, "server-setup-sql", "postgres")
    said.append(err)
    assert code == 1 and "the PostgreSQL server's own database" in err

    # every refusal: one line, `attendance-desk: ` then a lower-case sentence with no full stop
    # at its end, as the command line's other refusals are
    for err in said:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("attendance-desk: "), err
        text = lines[0].removeprefix("attendance-desk: ")
        first = next(c for c in text if c.isalpha())
        assert first.islower() and not text.endswith("."), text


def test_a_newer_database_and_an_unreachable_server(pg_school_server, quiet, tmp_path, capsys):
    name = database(pg_school_server)
    with engines._admin(pg_school_server["host"], pg_school_server["superuser"], name) as db:
        db.execute(
            "UPDATE settings SET value = %s WHERE key = 'schema_version'",
            (str(SCHEMA_VERSION + 1),),
        )
    code, out, err = run(capsys, "--db", url(pg_school_server, name), "stats")
    assert code == 1 and "was made by a newer Attendance Desk" in err
    code, out, err = run(
        capsys, "--db", url(pg_school_server, name, pg_school_server["superuser"]), "migrate"
    )
    assert code == 1 and "newer Attendance Desk" in err and "Nothing was changed" in err
    code, out, err = run(
        capsys, "--db", f"postgresql://office_pc@/{name}?host={tmp_path}/off", "stats"
    )
    assert code == 1 and "could not reach the school's server at this computer" in err
    code, out, err = run(capsys, "--db", url(pg_school_server, "no_such_school"), "stats")
    assert code == 1 and "has no database called 'no_such_school'" in err


def test_a_connection_lost_mid_command_is_one_sentence(
    pg_school_server, quiet, monkeypatch, capsys
):
    from attendance_desk.services import school

    at = url(pg_school_server, database(pg_school_server))
    shown = school.calendar_year

    def server_gone(store, year):  # the server restarts while the command runs
        with engines._admin(pg_school_server["host"], pg_school_server["superuser"]) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (store.engine.conn.info.backend_pid,))
        return shown(store, year)

    monkeypatch.setattr(school, "calendar_year", server_gone)
    code, out, err = run(capsys, "--db", at, "calendar", "show")
    assert code == 1
    assert "attendance-desk: the connection to the school's server was lost" in err
    assert len(err.strip().splitlines()) == 1
