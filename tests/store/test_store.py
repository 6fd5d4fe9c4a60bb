import sqlite3
from datetime import date

import pytest
from sqlite_utils import Database

from attendance_desk.store.db import StoreError, open_store
from attendance_desk.store.marks import StaleMark
from attendance_desk.store.schema import SCHEMA_VERSION, migrations
from tests.engines import outside, reopen
from tests.helpers import add_pupil, make_school, put_marks

DAY = date(2024, 9, 10)


@pytest.fixture
def school(tmp_path):
    store = make_school(tmp_path)
    pupil = add_pupil(store, 1)
    put_marks(store, pupil, {(DAY, "AM"): "N", (DAY, "PM"): "N"})
    yield store, pupil
    store.close()


@pytest.fixture
def either(school_on):
    """The same school on each engine in turn (tests/engines.py): the tests that are not about the
    file itself."""
    pupil = add_pupil(school_on, 1)
    put_marks(school_on, pupil, {(DAY, "AM"): "N", (DAY, "PM"): "N"})
    return school_on, pupil


def _refused(store, sqlite_reason: str):
    """What refuses a statement the app never makes: the file's trigger, or on a server the
    trigger (the same message) or, where the app's role has no right at all, PostgreSQL itself
    (a mark's DELETE: since m027 only IT's retention removal, as the owner, deletes marks)."""
    if store.engine.name == "sqlite" or sqlite_reason not in ("append-only", "cannot be deleted"):
        return pytest.raises(store.engine.IntegrityError, match=sqlite_reason)
    import psycopg

    return pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied")


@pytest.mark.file_only("WAL, foreign_keys and user_version are the file's PRAGMAs")
def test_file_is_wal_with_foreign_keys_and_versioned(school):
    store, _ = school
    assert store.query("PRAGMA journal_mode")[0][0] == "wal"
    assert store.query("PRAGMA foreign_keys")[0][0] == 1
    assert store.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION
    assert len(migrations.pending(Database(memory=True))) == SCHEMA_VERSION


def test_amend_keeps_the_original_with_reason_who_and_when(either):
    store, pupil = either
    original = store.marks.get(pupil.id, DAY, "AM")
    store.marks.amend(pupil.id, DAY, "AM", "I", None, "mother rang: flu", "office1")
    (entry,) = store.marks.history(pupil.id)
    assert (entry.old_code, entry.new_code, entry.reason, entry.changed_by) == (
        "N",
        "I",
        "mother rang: flu",
        "office1",
    )
    assert (
        entry.old_recorded_by == original.recorded_by
        and entry.old_recorded_at == original.recorded_at
    )
    assert not entry.direct
    assert store.marks.get(pupil.id, DAY, "AM").version == 2


def test_raw_delete_is_refused(either):
    store, _ = either
    with _refused(store, "cannot be deleted"), store.write():
        store.execute("DELETE FROM marks")
    assert store.marks.count() == 2


def test_raw_update_still_leaves_history_flagged_as_direct(tmp_path, school):
    """Another tool's UPDATE: the sqlite3 shell on the file; psql as the PC's login on a server."""
    store, pupil = school
    raw = outside(store)
    raw.execute("UPDATE marks SET code = 'O' WHERE session = 'PM'")
    raw.commit()
    raw.close()
    (entry,) = store.marks.history(pupil.id)
    # who: the file cannot know; on a server, the login PostgreSQL let in (m027)
    who = "unknown" if store.engine.name == "sqlite" else "server login office_pc"
    assert (entry.old_code, entry.new_code, entry.direct, entry.changed_by) == (
        "N",
        "O",
        True,
        who,
    )
    assert "outside Attendance Desk" in entry.reason
    assert store.marks.direct_changes() == 1
    assert store.marks.history_chain_problems() == []


def test_history_itself_cannot_be_rewritten(either):
    store, pupil = either
    store.marks.amend(pupil.id, DAY, "AM", "I", None, "illness", "office1")
    for sql in ("UPDATE mark_history SET reason = 'x'", "DELETE FROM mark_history"):
        with _refused(store, "append-only"), store.write():
            store.execute(sql)
    assert [h.reason for h in store.marks.history(pupil.id)] == ["illness"]


def test_a_mark_cannot_be_moved_to_another_session(either):
    store, _ = either
    with _refused(store, "cannot be moved"), store.write():
        store.execute("UPDATE marks SET session = 'PM' WHERE session = 'AM'")


def test_stale_amendment_is_refused(either):
    store, pupil = either
    seen = store.marks.get(pupil.id, DAY, "AM")
    store.marks.amend(
        pupil.id, DAY, "AM", "I", None, "illness", "office1", expected_version=seen.version
    )
    with pytest.raises(StaleMark, match="office1"):
        store.marks.amend(
            pupil.id, DAY, "AM", "M", None, "appointment", "lead", expected_version=seen.version
        )
    assert store.marks.get(pupil.id, DAY, "AM").code == "I"


def test_bulk_write_adds_amends_and_leaves_identical_marks(either):
    from attendance_desk.domain.register import NewMark

    store, pupil = either
    marks = [
        NewMark(pupil.id, DAY, "AM", "N"),
        NewMark(pupil.id, DAY, "PM", "I"),
        NewMark(pupil.id, date(2024, 9, 11), "AM", "/"),
    ]
    result = store.marks.add_or_amend_many(
        [m.as_row() for m in marks], by="t", source="import", reason="import x.csv"
    )
    assert (result.added, result.amended, result.unchanged) == (1, 1, 1)
    (entry,) = store.marks.history(pupil.id)
    assert entry.reason == "import x.csv" and entry.new_code == "I"


def test_a_failed_write_leaves_nothing(either):
    store, pupil = either
    with pytest.raises(RuntimeError), store.write():
        store.marks.amend(pupil.id, DAY, "AM", "I", None, "illness", "office1")
        raise RuntimeError("power cut")
    assert store.marks.get(pupil.id, DAY, "AM").code == "N"
    assert store.marks.history(pupil.id) == []


def test_refuses_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("dear diary")
    with pytest.raises(StoreError, match="not an Attendance Desk school file"):
        open_store(path)
    assert path.read_text() == "dear diary"


def test_refuses_another_programs_database_untouched(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="another program"):
        open_store(path)
    assert path.read_bytes() == before


@pytest.mark.file_only(
    "a file's PRAGMA user_version; a newer server database: tests/postgres/test_connect.py"
)
def test_refuses_a_file_from_a_newer_version(tmp_path):
    store = make_school(tmp_path)
    store.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    store.close()
    with pytest.raises(StoreError, match="newer Attendance Desk"):
        open_store(tmp_path / "school.sqlite")


def test_missing_file_is_not_created_silently(tmp_path):
    with pytest.raises(StoreError, match="no school file"):
        open_store(tmp_path / "nope.sqlite")
    assert not (tmp_path / "nope.sqlite").exists()


def test_a_write_after_a_figures_query_is_committed(tmp_path):
    """A read once left a transaction open (a temporary table), so the next write became a savepoint
    that was never committed and vanished when the program closed."""
    from attendance_desk.services.calls import call_list, log_call
    from attendance_desk.services.figures import pupil_figures

    store = make_school(tmp_path)
    pupil = add_pupil(store, 1)
    put_marks(store, pupil, {(DAY, "AM"): "N"})
    pupil_figures(store, date(2024, 9, 1), DAY, pupils=[pupil])
    call_list(store, DAY, "AM")
    assert not store.engine.in_transaction
    log_call(store, [pupil.id], DAY, "AM", "spoke_to_parent", "office1", reason_code="I")
    again = reopen(store)
    assert again.marks.get(pupil.id, DAY, "AM").code == "I"
    assert len(again.casework.for_pupil(pupil.id)) == 1
    again.close()


def test_write_refuses_to_nest_in_a_stray_transaction(school):
    store, pupil = school
    if store.engine.name != "sqlite":  # autocommit: a transaction is only ever begun explicitly
        store.execute("BEGIN")
    store.execute("INSERT INTO settings(key, value) VALUES ('x', '1')")  # SQLite: implicit BEGIN
    with pytest.raises(RuntimeError, match="left open"), store.write():
        pass
    store.engine.rollback()
