import json
import sqlite3
import zipfile
from datetime import date

import pytest

from attendance_desk.cli import main
from attendance_desk.domain.calls import Phone
from attendance_desk.domain.people import Contact, Link
from attendance_desk.services.privacy import archive_and_remove, subject_access_export
from attendance_desk.services.school import ServiceError
from tests.helpers import add_pupil, make_school, put_marks, upn

DAY = date(2017, 9, 12)


@pytest.fixture
def store(tmp_path):
    s = make_school(tmp_path, terms=(), closures=())
    old = add_pupil(s, 1, forename="Gone", leaving_date=date(2018, 7, 20))
    sibling = add_pupil(s, 2, forename="Stays")
    put_marks(s, old, {(DAY, "AM"): "N"})
    s.marks.amend(old.id, DAY, "AM", "I", None, "flu", "office")
    put_marks(s, sibling, {(date(2024, 9, 10), "AM"): "/"})
    mum = s.contacts.add(Contact(None, "Shared Mum", phones=(Phone("mobile", "07700 900321"),)))
    s.contacts.link(Link(old.id, mum, "Mother", True, 1))
    s.contacts.link(Link(sibling.id, mum, "Mother", True, 1))
    yield s
    s.close()


def test_subject_access_export_has_one_pupils_data_only(tmp_path, store):
    out = subject_access_export(store, upn(2), tmp_path / "sar.zip", "lead")
    with zipfile.ZipFile(out) as archive:
        record = json.loads(archive.read("record.json"))
        register = archive.read("register.csv").decode("utf-8-sig")
    assert record["pupil"]["forename"] == "Stays" and record["contacts"][0]["name"] == "Shared Mum"
    assert (
        "Gone" not in json.dumps(record)
        and upn(1) not in register
        and "2024-09-10,AM,/" in register
    )


def test_retention_archives_then_removes_only_pupils_gone_over_six_years(tmp_path, store):
    with pytest.raises(ServiceError, match="at least 6 years"):
        archive_and_remove(store, date(2026, 11, 24), tmp_path / "a", "admin", keep_years=3)
    assert (
        archive_and_remove(store, date(2024, 7, 1), tmp_path / "a", "admin") == []
    )  # left under 6 years ago
    assert archive_and_remove(store, date(2026, 11, 24), tmp_path / "a", "admin") == [upn(1)]
    with zipfile.ZipFile(tmp_path / "a" / f"archive-{upn(1)}-2026-11-24.zip") as archive:
        record = json.loads(archive.read("record.json"))
    assert record["mark_history"][0]["reason"] == "flu"
    assert store.pupils.by_upn(upn(1)) is None and store.pupils.by_upn(upn(2)) is not None
    assert (
        store.query("SELECT COUNT(*) FROM marks")[0][0] == 1 and store.contacts.count() == 1
    )  # the shared mother stays
    assert store.query("SELECT COUNT(*) FROM removals")[0][0] == 0
    with pytest.raises(sqlite3.IntegrityError, match="cannot be deleted"):
        store.conn.execute("DELETE FROM marks")  # the guard is back for everyone else
    store.conn.rollback()
    entry = store.audit.entries()[-1]
    assert (
        entry.action == "retention: pupils removed"
        and upn(1) not in entry.detail
        and "Gone" not in entry.detail
    )
    assert "removed 1 pupils, 1 marks, 1 mark history" in entry.detail  # counts, not names


def test_retention_from_the_command_line(tmp_path, store, capsys):
    db = str(store.path)
    assert main(["--db", db, "--today", "2026-11-24", "retention"]) == 0
    assert "left 20/07/2018" in capsys.readouterr().out
    assert main(["--db", db, "--today", "2026-11-24", "retention", "--apply"]) == 1
    assert (
        main(
            [
                "--db",
                db,
                "--today",
                "2026-11-24",
                "retention",
                "--apply",
                "--archive",
                str(tmp_path / "arch"),
            ]
        )
        == 0
    )
    assert main(["--db", db, "sar", "--upn", upn(2), "--out", str(tmp_path / "s.zip")]) == 0
