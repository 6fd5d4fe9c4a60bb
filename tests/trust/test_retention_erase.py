"""Retention removes for real (issue 13, item 8): after it, a removed pupil's name is nowhere in the
school file's bytes, nor in its write-ahead log; the audit says how many records went, not whose;
the chains the removal cut are re-sealed, so check still passes."""

import hashlib
from datetime import date
from pathlib import Path

from attendance_desk.domain.calls import Phone
from attendance_desk.domain.people import Contact, Link
from attendance_desk.domain.records import NewLetter
from attendance_desk.services.check import check_school
from attendance_desk.services.privacy import archive_and_remove
from tests.helpers import add_pupil, make_school, put_marks, sessions

NAME = "Quixleywhistle"


def file_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    wal = Path(str(path) + "-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


def test_a_removed_pupil_is_not_left_in_the_file(tmp_path):
    store = make_school(tmp_path, terms=(), closures=())
    gone = add_pupil(
        store,
        1,
        surname=NAME,
        forename="Gone",
        leaving_date=date(2018, 7, 20),
        notes=f"{NAME} family moved abroad",
    )
    stays = add_pupil(store, 2, forename="Stays")
    put_marks(store, gone, sessions(date(2017, 9, 11), date(2017, 12, 15), "N"))
    for day in (date(2017, 9, 12), date(2017, 10, 3)):
        store.marks.amend(gone.id, day, "AM", "I", None, f"{NAME} mum phoned", "office")
    put_marks(store, stays, sessions(date(2024, 9, 9), date(2024, 9, 13), "/"))
    store.marks.amend(
        stays.id, date(2024, 9, 10), "AM", "M", None, "dentist", "office"
    )  # history after the removed
    mum = store.contacts.add(
        Contact(None, f"Mrs {NAME}", phones=(Phone("mobile", "07700 900555"),))
    )
    store.contacts.link(Link(gone.id, mum, "Mother", True, 1))
    pdf = tmp_path / "l.pdf"
    pdf.write_bytes(b"%PDF letter")
    for n in (1, 2):
        pupil = gone if n == 1 else stays
        store.letters.log_issued(
            NewLetter(
                pupil.id,
                "stage1",
                "stage1",
                None,
                f"Parent of {pupil.surname}",
                "1 Road",
                {},
                f"Dear parent of {pupil.surname}",
                date(2017, 10, 1),
                {},
            ),
            n,
            hashlib.sha256(pdf.read_bytes()).hexdigest(),
            str(pdf),
            1,
            "office",
        )
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert NAME.encode() in file_bytes(
        store.path
    )  # the test can fail: the name is there to begin with

    # as with an SQLite built without SECURE_DELETE (this one has it on by default): the app must set it
    store.conn.execute("PRAGMA secure_delete = OFF")
    assert archive_and_remove(store, date(2026, 11, 24), tmp_path / "archive", "admin") == [
        gone.upn
    ]
    assert store.conn.execute("PRAGMA secure_delete").fetchone()[0] == 0  # put back as it was

    assert NAME.encode() not in file_bytes(store.path)
    assert b"Gone" not in file_bytes(store.path) and gone.upn.encode() not in file_bytes(store.path)
    entry = store.audit.entries()[-1]
    assert entry.action == "retention: pupils removed" and "compacted" in entry.detail
    assert (
        "1 pupils" in entry.detail
        and "2 mark history" in entry.detail
        and "1 letters" in entry.detail
    )
    assert "1 contacts" in entry.detail
    report = check_school(store)
    assert not [p for p in report.problems if "missing mark" not in p], report.problems
    store.close()


def test_retention_refuses_to_reseal_rows_written_outside_the_app(tmp_path):
    """A removal re-seals the chains after the rows it removes: it must not take in a history row
    another tool wrote, so it refuses, and nothing is removed."""
    import sqlite3

    import pytest

    from attendance_desk.errors import UserError

    store = make_school(tmp_path, terms=(), closures=())
    gone = add_pupil(store, 1, surname=NAME, leaving_date=date(2018, 7, 20))
    put_marks(store, gone, sessions(date(2017, 9, 11), date(2017, 9, 15), "N"))
    store.marks.amend(gone.id, date(2017, 9, 12), "AM", "I", None, "ill", "office")
    raw = sqlite3.connect(str(store.path))
    raw.execute(
        "UPDATE marks SET code = 'M', version = version + 1, amend_reason = 'x', recorded_by = 'someone' "
        "WHERE date = '2017-09-13' AND session = 'AM'"
    )
    raw.commit()
    raw.close()
    with pytest.raises(
        UserError, match="nothing was removed: the mark history has rows changed or written outside"
    ):
        archive_and_remove(store, date(2026, 11, 24), tmp_path / "archive", "admin")
    assert store.pupils.by_upn(gone.upn) is not None
    store.close()
