"""One timestamp form in the file (issue 11): UTC to the second with "Z", written alike by the app
and by the triggers, so the columns sort as text in time order; read back as local time for the
screen and paper. Files of earlier versions (local time with its offset) are rewritten on upgrade."""

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from attendance_desk.domain.records import CaseworkEntry
from attendance_desk.services.marks import amend_mark
from attendance_desk.store.db import open_store, read_time, stored_time
from tests.engines import outside
from tests.helpers import add_pupil, make_school, put_marks

STORED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
DAY = date(2024, 9, 10)


def test_app_and_triggers_write_the_same_utc_form(tmp_path):
    store = make_school(tmp_path)
    pupil = add_pupil(store, 1)
    put_marks(store, pupil, {(DAY, "AM"): "N", (DAY, "PM"): "N"})
    amend_mark(store, pupil.upn, DAY, "AM", "I", "mother rang", "office1")
    conn = outside(store)  # the sqlite3 shell on the file, psql as the PC's login on a server
    conn.execute(
        "UPDATE marks SET code = 'O' WHERE session = 'PM'"
    )  # outside the app: the trigger writes
    conn.commit()
    stamps = [
        r[0]
        for r in conn.execute(
            "SELECT recorded_at FROM marks UNION ALL SELECT changed_at FROM mark_history "
            "UNION ALL SELECT at FROM audit UNION ALL SELECT taken_at FROM registers_taken"
        )
    ]
    conn.close()
    store.close()
    assert stamps and all(STORED.match(s) for s in stamps), stamps


def test_stored_and_read_are_the_same_moment_in_local_time():
    bst = timezone(timedelta(hours=1))
    moment = datetime(2024, 7, 15, 9, 2, 11, tzinfo=bst)
    assert stored_time(moment) == "2024-07-15T08:02:11Z"
    back = read_time("2024-07-15T08:02:11Z")
    assert back == moment and back.tzinfo is not None  # aware, in the local zone
    assert (
        read_time("2024-07-15T09:02:11+01:00") == moment
    )  # an earlier version's form reads the same


@pytest.mark.file_only(
    "an older version's file upgraded: no server database predates the server option"
)
def test_an_older_file_is_rewritten_to_utc_keeping_the_moments_and_the_triggers(tmp_path):
    store = make_school(tmp_path)
    pupil = add_pupil(store, 1)
    put_marks(store, pupil, {(DAY, "AM"): "N"})
    store.casework.add(
        CaseworkEntry(None, pupil.id, datetime(2024, 7, 15, 9, 30, tzinfo=UTC), "call", "office1")
    )
    conn = store.conn
    triggers = sorted(
        r[0] for r in conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'")
    )
    # as an earlier version wrote them: local time with an offset (BST), and the last step not applied
    conn.execute("UPDATE marks SET recorded_at = '2024-09-10T09:05:00+01:00'")
    conn.execute(
        "UPDATE casework SET at = '2024-07-15T10:30:00+01:00', recorded_at = '2024-07-15T10:31:00+01:00'"
    )
    conn.execute(
        "INSERT INTO audit(at, user, action) VALUES ('2024-09-10T09:06:00+01:00', 'office1', 'x')"
    )
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm011_timestamps_in_utc'")
    conn.execute("PRAGMA user_version = 10")
    conn.commit()
    store.close()
    store = open_store(tmp_path / "school.sqlite")
    conn = store.conn
    assert conn.execute("SELECT recorded_at FROM marks").fetchone()[0] == "2024-09-10T08:05:00Z"
    assert tuple(conn.execute("SELECT at, recorded_at FROM casework").fetchone()) == (
        "2024-07-15T09:30:00Z",
        "2024-07-15T09:31:00Z",
    )
    (entry,) = store.casework.for_pupil(pupil.id)
    assert entry.at == datetime(2024, 7, 15, 9, 30, tzinfo=UTC)  # the same moment, in local time
    assert (
        sorted(r[0] for r in conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'"))
        == triggers
    )
    last = tuple(
        conn.execute("SELECT user, action, detail FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    )
    assert last[:2] == ("(upgrade)", "timestamps in UTC") and "rewritten" in last[2]
    store.close()
