import sqlite3
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attendance_desk.cli import main
from attendance_desk.domain.retention import backups_to_keep
from attendance_desk.services.backups import make_backup, restore
from attendance_desk.services.school import ServiceError
from attendance_desk.store.db import open_store
from tests.helpers import add_pupil, make_school, put_marks

DAY = date(2024, 9, 10)


@given(
    st.lists(
        st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31)), max_size=60
    )
)
def test_rotation_keeps_the_newest_and_at_most_23(stamps):
    keep = backups_to_keep(stamps)
    assert keep <= set(stamps) and len(keep) <= 7 + 4 + 12
    if stamps:
        assert max(stamps) in keep
        days = sorted({s.date() for s in stamps}, reverse=True)[:7]
        assert all(any(k.date() == d for k in keep) for d in days)


def test_a_year_of_daily_backups_rotates_to_7_4_12(tmp_path):
    store = make_school(tmp_path)
    folder = tmp_path / "backups"
    start = datetime(2025, 11, 24, 17, 0)
    for n in range(366):
        make_backup(store, folder, now=start + timedelta(days=n))
    files = sorted(folder.glob("school-*.sqlite"))
    assert 12 <= len(files) <= 23 and files[-1].name == "school-20261124-170000.sqlite"
    assert store.settings.school().last_backup == "2026-11-24T17:00:00"
    store.close()


def test_backup_is_a_verified_copy_and_restore_keeps_the_current_file(tmp_path, capsys):
    store = make_school(tmp_path)
    pupil = add_pupil(store, 1)
    put_marks(store, pupil, {(DAY, "AM"): "N"})
    store.close()
    db = str(tmp_path / "school.sqlite")
    assert main(["--db", db, "backup", "--to", str(tmp_path / "b")]) == 0
    (copy,) = (tmp_path / "b").glob("school-*.sqlite")
    store = open_store(tmp_path / "school.sqlite")
    store.marks.amend(pupil.id, DAY, "AM", "I", None, "mum rang", "office")
    store.close()
    assert main(["--db", db, "restore", str(copy)]) == 0
    restored = open_store(tmp_path / "school.sqlite")
    assert restored.marks.get(pupil.id, DAY, "AM").code == "N"
    restored.close()
    (aside,) = tmp_path.glob("school-before-restore-*.sqlite")
    kept = open_store(aside)
    assert (
        kept.marks.get(pupil.id, DAY, "AM").code == "I"
    )  # nothing lost: the replaced file is kept
    kept.close()


def test_restore_refuses_a_damaged_copy_and_changes_nothing(tmp_path):
    store = make_school(tmp_path)
    add_pupil(store, 1)
    store.close()
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    before = (tmp_path / "school.sqlite").read_bytes()
    with pytest.raises(ServiceError, match="not restored"):
        restore(tmp_path / "school.sqlite", bad)
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE x (y)").connection.commit()
    with pytest.raises(ServiceError, match="not an Attendance Desk school file"):
        restore(tmp_path / "school.sqlite", other)
    assert (tmp_path / "school.sqlite").read_bytes() == before


def test_the_audit_log_records_actions_and_cannot_be_rewritten(tmp_path, capsys):
    store = make_school(tmp_path)
    pupil = add_pupil(store, 1)
    put_marks(store, pupil, {(DAY, "AM"): "N"})
    store.close()
    db = str(tmp_path / "school.sqlite")
    assert (
        main(
            [
                "--db",
                db,
                "--as",
                "lead",
                "amend",
                "--upn",
                pupil.upn,
                "--date",
                "2024-09-10",
                "--session",
                "AM",
                "--code",
                "I",
                "--reason",
                "flu",
            ]
        )
        == 0
    )
    assert main(["--db", db, "--as", "admin", "backup", "--to", str(tmp_path / "b")]) == 0
    assert main(["--db", db, "--as", "lead", "audit", "--csv", str(tmp_path / "audit.csv")]) == 0
    text = (tmp_path / "audit.csv").read_text(encoding="utf-8-sig")
    assert "lead,amend mark" in text and "N -> I; flu" in text and ",backup," in text
    store = open_store(tmp_path / "school.sqlite")
    assert [e.action for e in store.audit.entries()][-1] == "export audit log"
    for sql in ("UPDATE audit SET user = 'x'", "DELETE FROM audit"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            store.conn.execute(sql)
        store.conn.rollback()
    store.close()
