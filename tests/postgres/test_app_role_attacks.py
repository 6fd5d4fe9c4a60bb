"""What a PC's login (the application's role, attendance_app) cannot do on the server, each proved
by trying it (docs/server.md, "Roles" and "Retention removal on a server"; the reviewer's
findings 4, 6 and 13 of 26/11/2026):

- erase a current pupil's amendment history and letters through the owner's retention function
  (listing the pupil in `removals` after backdating the leaving date, then re-sealing): the
  function, `removals` and every DELETE the program makes only in a retention removal are the
  owner's; a retention removal on a server is IT's, run as the owner, and the service says so;
- change the figures by writing the counts by week or year (or switching the counting off): the
  counts are kept only by the owner's triggers from the marks themselves;
- change a mark with a plain UPDATE without the history saying which login did it, or without
  the version rising (so that another PC's stale save would be refused, not written over it)."""

from __future__ import annotations

from datetime import date

import pytest

from attendance_desk.services.check import check_school
from attendance_desk.services.privacy import archive_and_remove
from attendance_desk.services.school import ServiceError
from attendance_desk.store.marks import StaleMark
from attendance_desk.store.postgres import OWNER
from tests.engines import LOGIN, make_store, outside
from tests.helpers import add_pupil, put_marks, sessions
from tests.postgres.owner import owner_store

psycopg = pytest.importorskip("psycopg")


@pytest.fixture
def school(request, tmp_path):
    """A server school: a pupil who is still here, with amended marks and a letter, and one who
    left in 2018; a login in the application's role (the PC's) and psql's way in as that login."""
    store = make_store(request, tmp_path, "postgresql")
    stays = add_pupil(store, 1, surname="Stays")
    gone = add_pupil(store, 2, surname="Gone", leaving_date=date(2018, 7, 20))
    put_marks(store, stays, sessions(date(2025, 9, 8), date(2025, 9, 12), "/"))
    put_marks(store, gone, sessions(date(2017, 9, 11), date(2017, 9, 15), "N"))
    store.marks.amend(stays.id, date(2025, 9, 9), "AM", "M", None, "dentist", "office")
    store.marks.amend(gone.id, date(2017, 9, 12), "AM", "I", None, "mum phoned", "office")
    yield store, stays, gone
    store.close()


def _refused(db, statement: str, match: str) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match=match):
        db.execute(statement)


# ---- finding 4: erasing a current pupil's history through the retention function


def test_the_reviewers_erasure_is_refused_at_each_step(school):
    store, stays, _ = school
    history = store.query("SELECT count(*) FROM mark_history WHERE pupil_id = ?", (stays.id,))
    with outside(store) as db:  # psql as the PC's login
        db.execute(f"UPDATE pupils SET leaving_date = '2015-07-20' WHERE id = {stays.id}")
        _refused(
            db,
            f"INSERT INTO removals(pupil_id) VALUES ({stays.id})",
            "permission denied for table removals",
        )
        db.rollback()
        _refused(
            db,
            f"SELECT remove_chained_rows(ARRAY[{stays.id}]::BIGINT[])",
            "permission denied for function remove_chained_rows",
        )
        db.rollback()
        for table in ("marks", "casework", "meetings", "stage_events", "pupil_contacts", "pupils"):
            _refused(db, f"DELETE FROM {table}", f"permission denied for table {table}")
            db.rollback()
    after = store.query("SELECT count(*) FROM mark_history WHERE pupil_id = ?", (stays.id,))
    assert after == history


def test_a_retention_removal_on_a_server_is_its_owners(request, school, tmp_path):
    store, stays, gone = school
    with pytest.raises(ServiceError) as refused:
        archive_and_remove(store, date(2026, 11, 26), tmp_path / "archive", "admin")
    message = str(refused.value)
    assert "done by IT, connected as the database's owner: nothing was archived or removed" in (
        message
    )
    assert "attendance-desk --db postgresql://attendance_owner@test-server/" in message
    assert message.endswith(
        "--as ADMIN retention --apply --archive FOLDER` (ADMIN: an administrator of "
        "Attendance Desk)"
    )
    assert not (tmp_path / "archive").exists()
    assert store.query("SELECT count(*) FROM marks WHERE pupil_id = ?", (gone.id,))[0][0] == 10

    owner = owner_store(store, request.getfixturevalue("pg_school_server"))
    try:
        removed = archive_and_remove(owner, date(2026, 11, 26), tmp_path / "archive", "admin")
    finally:
        owner.close()
    assert removed == [gone.upn]
    assert store.query("SELECT count(*) FROM marks WHERE pupil_id = ?", (gone.id,))[0][0] == 0
    assert store.query("SELECT count(*) FROM marks WHERE pupil_id = ?", (stays.id,))[0][0] == 10
    assert not store.query("SELECT 1 FROM mark_week_counts WHERE pupil_id = ?", (gone.id,))
    assert [p for p in check_school(store).problems if "missing mark" not in p] == []


def test_the_owners_login_runs_the_retention_command(request, school, tmp_path, monkeypatch):
    """What IT does: the same CLI command, as a login that is the owner (server-setup-sql makes
    attendance_owner LOGIN), signed in as the school's administrator."""
    from attendance_desk.cli import PASSWORD_VARIABLE, main
    from attendance_desk.services.users import add_user

    store, stays, gone = school
    server = request.getfixturevalue("pg_school_server")
    add_user(store, "", "head", "admin", "Correct-Horse-9")
    info = store.engine.conn.info
    with psycopg.connect(
        host=info.host, dbname="postgres", user=server["superuser"], autocommit=True
    ) as admin:
        admin.execute(f"ALTER ROLE {OWNER} LOGIN")
    try:
        monkeypatch.setenv(PASSWORD_VARIABLE, "Correct-Horse-9")
        folder = tmp_path / "archive"
        as_pc = f"postgresql://{LOGIN}@/{info.dbname}?host={info.host}"
        as_it = f"postgresql://{OWNER}@/{info.dbname}?host={info.host}"
        args = ["--as", "head", "retention", "--apply", "--archive", str(folder)]
        assert main(["--db", as_pc, *args]) != 0
        assert main(["--db", as_it, *args]) == 0
    finally:
        with psycopg.connect(
            host=info.host, dbname="postgres", user=server["superuser"], autocommit=True
        ) as admin:
            admin.execute(f"ALTER ROLE {OWNER} NOLOGIN")
    assert (folder / f"archive-{gone.upn}-{date.today().isoformat()}.zip").is_file()
    assert store.query("SELECT count(*) FROM pupils")[0][0] == 1
    entry = store.audit.entries()[-1]
    assert (entry.user, entry.action) == ("head", "retention: pupils removed")


# ---- finding 6: the counts the figures read


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE mark_week_counts SET n = n + 5",
        "INSERT INTO mark_week_counts VALUES ({pid}, '2025-09-15', 'O', 3)",
        "DELETE FROM mark_week_counts",
        "UPDATE mark_year_counts SET n = 1",
        "INSERT INTO mark_year_counts VALUES ({pid}, 2025, 'O', 3)",
        "DELETE FROM mark_year_counts",
        "INSERT INTO mark_counts_by_statement VALUES (1)",
    ],
)
def test_the_counts_cannot_be_written_by_a_pcs_login(school, statement):
    store, stays, _ = school
    words = statement.split()
    table = words[2] if words[0] in ("INSERT", "DELETE") else words[1]
    with outside(store) as db:
        _refused(db, statement.format(pid=stays.id), f"permission denied for table {table}")
    assert store.marks.week_count_drift() == [] and store.marks.year_count_drift() == []


def test_the_programs_own_writes_still_count_every_mark(school):
    """Through every path that writes marks (a register's new marks, an amendment, the bulk
    write's amendments and new marks, a plain UPDATE), the counts follow the marks."""
    store, stays, _ = school
    put_marks(store, stays, sessions(date(2025, 9, 15), date(2025, 9, 16), "/"))
    store.marks.amend(stays.id, date(2025, 9, 15), "AM", "O", None, "no reason given", "office")
    rows = [
        (stays.id, "2025-09-16", "PM", "L", 10),
        (stays.id, "2025-09-17", "AM", "/", None),
        (stays.id, "2025-09-17", "PM", "/", None),
    ]
    result = store.marks.add_or_amend_many(rows, "office", "import", "the MIS export")
    assert (result.added, result.amended) == (2, 1)
    with outside(store) as db:
        db.execute(
            f"UPDATE marks SET code = 'C' WHERE pupil_id = {stays.id} AND date = '2025-09-08'"
        )
    assert store.marks.week_count_drift() == [] and store.marks.year_count_drift() == []
    week = dict(
        store.query(
            "SELECT code, n FROM mark_week_counts WHERE pupil_id = ? AND week = '2025-09-15'",
            (stays.id,),
        )
    )
    assert week == {"/": 3, "\\": 1, "O": 1, "L": 1}


# ---- finding 13: a plain UPDATE of a mark


def test_a_plain_update_names_the_login_and_raises_the_version(school):
    store, stays, _ = school
    before = store.marks.get(stays.id, date(2025, 9, 10), "AM")
    with outside(store) as db:
        db.execute(
            f"UPDATE marks SET code = 'O', version = 1 WHERE pupil_id = {stays.id} "
            "AND date = '2025-09-10' AND session = 'AM'"
        )
    after = store.marks.get(stays.id, date(2025, 9, 10), "AM")
    assert (after.code, after.version) == ("O", before.version + 1)
    row = store.query(
        "SELECT changed_by, direct FROM mark_history WHERE pupil_id = ? ORDER BY id DESC LIMIT 1",
        (stays.id,),
    )[0]
    assert tuple(row) == (f"server login {LOGIN}", 1)
    # a PC that read the mark before the outside change is told its save is stale
    with pytest.raises(StaleMark):
        store.marks.amend(
            stays.id, date(2025, 9, 10), "AM", "/", None, "was here", "office", before.version
        )
    assert store.marks.get(stays.id, date(2025, 9, 10), "AM").code == "O"


# ---- a database made earlier today (before m027): `migrate` takes the rights back


def test_migrate_takes_back_what_a_database_made_before_m027_granted(request, monkeypatch):
    from attendance_desk.store.postgres import APP, roles_sql
    from attendance_desk.store.postgres_engine import PostgresEngine
    from attendance_desk.store.schema import migrations
    from attendance_desk.store.schema_pg import COUNTING_FUNCTIONS, apply_pg

    server = request.getfixturevalue("pg_school_server")
    host, superuser, name = server["host"], server["superuser"], "made_earlier_today"
    with psycopg.connect(host=host, dbname="postgres", user=superuser, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    engine = PostgresEngine.connect(host=host, dbname=name, user=superuser)
    try:
        engine.execute(  # the roles are the cluster's already: this database's part only
            "\n".join(x for x in roles_sql(name).splitlines() if not x.startswith("CREATE ROLE"))
        )
        everything = migrations._migrations
        monkeypatch.setattr(migrations, "_migrations", everything[:-1])
        apply_pg(engine)  # up to m026, then the rights the version before m027 granted
        engine.execute(f"SET ROLE {OWNER}")
        engine.execute(f"GRANT EXECUTE ON FUNCTION remove_chained_rows(BIGINT[]) TO {APP}")
        for table in ("marks", "casework", "pupils", "removals", "mark_week_counts"):
            engine.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP}")
        engine.execute("RESET ROLE")
        monkeypatch.setattr(migrations, "_migrations", everything)

        def may(sql: str) -> bool:
            return engine.query(sql)[0][0]

        assert may(f"SELECT has_table_privilege('{APP}', 'casework', 'DELETE')")
        assert apply_pg(engine) == ["m027_outside_changes_raise_version"]
        assert not may(
            f"SELECT has_function_privilege('{APP}', 'remove_chained_rows(bigint[])', 'EXECUTE')"
        )
        for table in ("marks", "casework", "pupils", "removals", "mark_week_counts"):
            assert not may(f"SELECT has_table_privilege('{APP}', '{table}', 'DELETE')"), table
        for table in ("removals", "mark_week_counts", "mark_year_counts"):
            assert not may(f"SELECT has_table_privilege('{APP}', '{table}', 'INSERT')"), table
            assert not may(f"SELECT has_table_privilege('{APP}', '{table}', 'UPDATE')"), table
            assert may(f"SELECT has_table_privilege('{APP}', '{table}', 'SELECT')"), table
        assert may(f"SELECT has_table_privilege('{APP}', 'terms', 'DELETE')")
        definers = engine.query(
            "SELECT proname FROM pg_proc WHERE prosecdef AND proname = ANY(?) ORDER BY 1",
            (list(COUNTING_FUNCTIONS),),
        )
        assert [r[0] for r in definers] == sorted(COUNTING_FUNCTIONS)
    finally:
        engine.close()
        with psycopg.connect(host=host, dbname="postgres", user=superuser, autocommit=True) as a:
            a.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
