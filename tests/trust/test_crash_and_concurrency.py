"""Killed mid-import, the file is intact and holds all of the import or none of it; two processes
amending the same marks lose no update and every refusal says why."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date

from attendance_desk.domain.calendar import SchoolCalendar
from attendance_desk.store.db import integrity_problems, open_store
from tests.helpers import CLOSURES, TERMS, add_pupil, make_school, put_marks, upn

CAL = SchoolCalendar(TERMS, CLOSURES)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENV = {**os.environ, "PYTHONPATH": ROOT}


PUPILS = 600


def _school_with_pupils(tmp_path) -> None:
    from attendance_desk.domain.people import Pupil

    store = make_school(tmp_path)
    store.pupils.upsert_many(
        [
            Pupil(
                id=None,
                upn=upn(n),
                surname=f"S{n}",
                forename=f"F{n}",
                reg_group="4A",
                admission_date=date(2020, 9, 1),
            )
            for n in range(1, PUPILS + 1)
        ]
    )
    store.close()


def _big_import_file(tmp_path, pupils: int) -> tuple:
    days = CAL.school_days(date(2024, 9, 3), date(2024, 10, 25))
    rows = [
        f"{upn(n)},{d.isoformat()},{s},/"
        for n in range(1, pupils + 1)
        for d in days
        for s in ("AM", "PM")
    ]
    path = tmp_path / "big.csv"
    path.write_text("upn,date,session,code\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path, len(rows)


def test_kill_9_during_an_import_leaves_all_or_nothing(tmp_path):
    _school_with_pupils(tmp_path)
    csv, rows = _big_import_file(tmp_path, PUPILS)  # 45,600 marks: about a second to import
    rng = random.Random(7)
    outcomes = Counter()
    for attempt in range(8):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "attendance_desk",
                "--db",
                str(tmp_path / "school.sqlite"),
                "--today",
                "2024-11-29",
                "import",
                "marks",
                str(csv),
            ],
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.25 + attempt * 0.12 + rng.uniform(0, 0.1))  # from start-up to after the commit
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        store = open_store(tmp_path / "school.sqlite")
        assert integrity_problems(store) == []
        count = store.marks.count()
        assert count in (0, rows), count
        outcomes[count] += 1
        store.close()
        if count:  # start again from an empty register for the next kill
            (tmp_path / "school.sqlite").unlink()
            for extra in ("-wal", "-shm"):
                (tmp_path / f"school.sqlite{extra}").unlink(missing_ok=True)
            _school_with_pupils(tmp_path)
    assert outcomes[0] >= 1, outcomes  # some kills landed before the commit


def test_two_processes_editing_the_same_marks_lose_nothing(tmp_path):
    store = make_school(tmp_path)
    for n in range(1, 4):
        pupil = add_pupil(store, n)
        put_marks(
            store, pupil, {(date(2024, 9, d), s): "N" for d in (3, 4, 5) for s in ("AM", "PM")}
        )
    store.close()
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.trust.edit_worker",
                str(tmp_path / "school.sqlite"),
                name,
                "4",
                str(seed),
            ],
            env=ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed, name in enumerate(("office-pc", "lead-pc"))
    ]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        results.append(json.loads(out))
    saved = [tuple(edit) for r in results for edit in r["saved"]]
    refused = [reason for r in results for reason in r["refused"]]
    assert saved
    assert all("changed by" in reason and "reload" in reason for reason in refused), set(refused)
    store = open_store(tmp_path / "school.sqlite")
    assert integrity_problems(store) == [] and store.marks.history_chain_problems() == []
    history = store.query(
        "SELECT pupil_id, date, session, new_code FROM mark_history WHERE direct = 0"
    )
    assert Counter(tuple(h) for h in history) == Counter(
        saved
    )  # every saved edit is in the history
    store.close()


def test_a_busy_file_is_explained_and_nothing_changes(tmp_path):
    import sqlite3

    import pytest

    from attendance_desk.store.db import StoreBusy

    store = make_school(tmp_path)
    pupil = add_pupil(store, 1)
    put_marks(store, pupil, {(date(2024, 9, 3), "AM"): "N"})
    other = sqlite3.connect(tmp_path / "school.sqlite", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another PC in the middle of saving
    store.conn.execute("PRAGMA busy_timeout = 300")
    store.busy_timeout_ms = 300
    started = time.monotonic()
    with pytest.raises(StoreBusy, match="busy: another computer .* Nothing was changed"):
        store.marks.amend(pupil.id, date(2024, 9, 3), "AM", "I", None, "flu", "office")
    assert time.monotonic() - started < 5  # the wait is bounded
    other.execute("ROLLBACK")
    other.close()
    assert store.marks.get(pupil.id, date(2024, 9, 3), "AM").code == "N"
    store.marks.amend(
        pupil.id, date(2024, 9, 3), "AM", "I", None, "flu", "office"
    )  # and works once free
    store.close()


def test_sign_in_does_not_wait_on_another_pcs_save(tmp_path):
    """Issue 13, item 6: sign-in (a read) never needs the write lock. While another PC holds the
    file for a save, the right password signs in at once; the "signed in" entry is kept with its
    time and written to the audit with the next entry."""
    import sqlite3

    from attendance_desk.services.users import add_user, sign_in

    store = make_school(tmp_path)
    add_user(store, "", "Admin", "admin", "admin-pass-1x")
    other = sqlite3.connect(tmp_path / "school.sqlite", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another PC in the middle of saving (the usual wait is 10 s)
    started = time.monotonic()
    assert sign_in(store, "Admin", "admin-pass-1x").name == "Admin"
    assert time.monotonic() - started < 2
    assert not [e for e in store.audit.entries() if e.action == "signed in"]  # not yet written
    other.execute("ROLLBACK")
    other.close()
    store.audit.log("Admin", "settings changed", "school")
    actions = [e.action for e in store.audit.entries()]
    assert actions[-2:] == ["signed in", "settings changed"]
    # a command that only reads: the entry kept back is written when the school file is closed
    other = sqlite3.connect(tmp_path / "school.sqlite", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    sign_in(store, "Admin", "admin-pass-1x")
    other.execute("ROLLBACK")
    other.close()
    store.close()
    from attendance_desk.store.db import open_store

    with open_store(tmp_path / "school.sqlite") as again:
        assert [e.action for e in again.audit.entries()][-1] == "signed in"
