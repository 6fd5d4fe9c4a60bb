"""Routine backups and checks that do not stop the school (issue 17, item 3).

A routine backup checks its copy with SQLite's quick_check and the app's own checks (the hash chains,
and the chain heads and number of marks equal to the school file's at the moment copied), not the
full integrity_check; the full check runs on demand (`check --full`) and weekly. A copy that does
not verify, a backup that is cancelled and a backup process killed with SIGKILL all leave no backup
that can be listed or restored, and the next backup removes what a killed one left."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from attendance_desk.cli import main
from attendance_desk.domain.progress import Cancelled
from attendance_desk.services.backups import list_backups, make_backup, restore
from attendance_desk.services.check import check_school, full_check, full_check_due
from attendance_desk.services.school import ServiceError
from attendance_desk.store import backup as store_backup
from attendance_desk.store.backup import verify_copy
from attendance_desk.store.db import open_store
from tests.helpers import add_pupil, make_school, put_marks, sessions

ROOT = Path(__file__).resolve().parents[2]
START, END = date(2024, 9, 2), date(2024, 12, 20)


def debris(folder: Path) -> list[str]:
    return sorted(
        p.name for p in folder.iterdir() if ".ad-" in p.name or p.name.endswith(".partial")
    )


@pytest.fixture
def school(tmp_path):
    """Thirty pupils with a term of marks (a file of some hundreds of pages), and an amendment."""
    store = make_school(tmp_path)
    for n in range(1, 31):
        put_marks(store, add_pupil(store, n), sessions(START, END, "/"))
    store.marks.amend(1, date(2024, 9, 10), "AM", "I", None, "mum rang: ill", "office")
    yield store
    store.close()


def _page_of(path: Path, table: str) -> tuple[int, int]:
    """(page number, page size) of a leaf page of `table` (SQLite's dbstat)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        page = conn.execute(
            "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET 1",
            (table,),
        ).fetchone()[0]
    finally:
        conn.close()
    return page, size


def _hex_write(path: Path, offset: int, data: bytes) -> None:
    with path.open("r+b") as fh:
        fh.seek(offset)
        fh.write(data)


def test_a_routine_backup_is_checked_quickly_and_by_its_chains(school, tmp_path, monkeypatch):
    seen = []
    real = store_backup.structure_problems

    def spy(conn, full=False, *args, **kwargs):
        seen.append(full)
        return real(conn, full, *args, **kwargs)

    monkeypatch.setattr(store_backup, "structure_problems", spy)
    result = make_backup(school, tmp_path / "backups")
    assert seen == [False]  # quick_check, never the full integrity_check
    assert list_backups(school, tmp_path / "backups") == [result.path]
    assert verify_copy(result.path, chains=True) == [] and result.warnings == []


def test_a_page_overwritten_in_the_copy_is_rejected(school, tmp_path):
    """A hex write of garbage over a page of the marks table: quick_check sees it."""
    copy = make_backup(school, tmp_path / "backups").path
    page, size = _page_of(copy, "marks")
    _hex_write(copy, (page - 1) * size + 8, b"\xff" * (size - 8))
    problems = verify_copy(copy)
    assert problems and ("integrity check:" in problems[0] or "malformed" in problems[0])
    with pytest.raises(ServiceError, match="not restored"):
        restore(school.path, copy)


def test_a_byte_changed_inside_an_audit_row_is_rejected_by_the_chains(school, tmp_path):
    """One character of an audit entry changed with a hex write: the page is still well formed (the
    quick_check passes), but the audit chain no longer matches its seal."""
    copy = make_backup(school, tmp_path / "backups").path
    data = copy.read_bytes()
    at = data.index(b"mum rang: ill")  # the amendment's reason, in the mark history
    _hex_write(copy, at, b"mum rang: ILL")
    assert verify_copy(copy) == []  # structure intact: quick_check alone would keep it
    problems = verify_copy(copy, chains=True)
    assert any("mark history: row 1 does not match its seal" in p for p in problems), problems
    with pytest.raises(ServiceError, match="not restored: mark history: row 1 does not match"):
        restore(school.path, copy)


@pytest.mark.parametrize("damage", ["page", "byte"])
def test_a_copy_damaged_while_it_is_made_never_becomes_a_backup(
    school, tmp_path, monkeypatch, damage
):
    """The damage is done to the temporary copy just before the routine verification reads it: the
    backup is refused, nothing gets a backup's name, and the temporary copy is gone."""
    real = store_backup.inspect_copy

    def damaged(path, heads, progress=None, chains=True):
        if damage == "page":
            page, size = _page_of(path, "marks")
            _hex_write(path, (page - 1) * size + 8, b"\xff" * (size - 8))
        else:
            data = path.read_bytes()
            _hex_write(path, data.index(b"mum rang: ill"), b"mum rang: ILL")
        return real(path, heads, progress, chains)

    monkeypatch.setattr(store_backup, "inspect_copy", damaged)
    folder = tmp_path / "backups"
    with pytest.raises(ServiceError, match="did not verify"):
        make_backup(school, folder)
    assert list_backups(school, folder) == [] and debris(folder) == []
    assert school.settings.school().last_backup == ""


def test_a_faithful_copy_of_a_file_whose_chain_is_broken_is_kept_with_a_warning(
    school, tmp_path, capsys
):
    """The school file itself was edited outside the app: its backup is still made (a backup refused
    every day would leave the school with none), and the backup says why it is not clean."""
    school.conn.execute("DROP TRIGGER mark_history_no_update")
    school.conn.execute("UPDATE mark_history SET reason = 'holiday' WHERE id = 1")
    school.conn.commit()
    result = make_backup(school, tmp_path / "backups")
    assert result.path.is_file()
    assert any("mark history: row 1 does not match its seal" in w for w in result.warnings)
    assert main(["--db", str(school.path), "backup"]) == 0
    captured = capsys.readouterr()
    assert "passed quick_check and its hash chains" in captured.out
    assert "warning: the school file itself: mark history: row 1" in captured.err


def test_a_cancelled_backup_leaves_nothing(school, tmp_path):
    folder = tmp_path / "backups"
    for stop_at in (1, 600):  # during the copy; during the quick_check of the copy

        def progress(done, total, stop_at=stop_at):
            if done >= stop_at:
                raise Cancelled

        with pytest.raises(Cancelled):
            make_backup(school, folder, progress=progress)
        assert list_backups(school, folder) == [] and debris(folder) == []
    assert school.settings.school().last_backup == ""


KILLED_BACKUP = """
import sys, time
from attendance_desk.store import backup
from attendance_desk.services.backups import make_backup
from attendance_desk.store.db import open_store

backup.PAGES_PER_STEP = 1  # one page a step, slowly: the kill lands in the middle of the copy
said = []

def progress(done, total):
    if not said:
        print("copying", flush=True)
        said.append(1)
    time.sleep(0.01)

make_backup(open_store(sys.argv[1]), progress=progress)
print("finished", flush=True)
"""


def test_a_backup_process_killed_mid_copy_leaves_no_backup_and_the_next_one_tidies(
    school, tmp_path
):
    school.close()
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(KILLED_BACKUP), str(school.path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "copying"
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    folder = tmp_path / "backups"
    left = [p for p in folder.iterdir() if ".ad-" in p.name]
    assert left, "the kill should have left the temporary copy"
    store = open_store(school.path)
    try:
        assert list_backups(store) == []  # nothing is listed as a backup
        for partial in left:  # nor can it be restored
            with pytest.raises(ServiceError, match="not restored"):
                restore(school.path, partial)
        assert store.settings.school().last_backup == ""
        result = make_backup(store)  # the next backup removes what the killed one left
        assert debris(folder) == [] and list_backups(store) == [result.path]
        assert verify_copy(result.path, chains=True) == []
    finally:
        store.close()


# ---------------------------------------------------------------- check: quick, or full


def _spy_structure(monkeypatch) -> list[bool]:
    seen: list[bool] = []
    real = store_backup.structure_problems  # what the store's engine runs for a check

    def spy(conn, full=False, *args, **kwargs):
        seen.append(full)
        return real(conn, full, *args, **kwargs)

    monkeypatch.setattr(store_backup, "structure_problems", spy)
    return seen


def test_check_is_quick_and_says_so_check_full_is_the_integrity_check_and_is_recorded(
    school, tmp_path, monkeypatch, capsys
):
    seen = _spy_structure(monkeypatch)
    db = str(school.path)
    school.close()
    assert main(["--db", db, "--today", "2024-12-20", "check"]) == 0
    out = capsys.readouterr().out
    assert seen == [False] and "quick check: SQLite's quick_check" in out and "OK;" in out
    with open_store(db) as store:
        assert full_check_due(store) and store.settings.last_full_check() is None

    assert main(["--db", db, "--today", "2024-12-20", "check", "--full"]) == 0
    out = capsys.readouterr().out
    assert seen == [False, True] and "full check: SQLite's integrity_check" in out
    with open_store(db) as store:
        record = store.settings.last_full_check()
        assert record["problems"] == 0 and record["by"]
        assert not full_check_due(store)
        assert full_check_due(store, datetime.now() + timedelta(days=7, minutes=1))
        entry = store.audit.entries()[-1]
        assert entry.action == "full check of the school file" and entry.detail == "no problems"


def test_check_keeps_its_exit_codes_missing_marks_and_against(school, tmp_path, capsys):
    """Missing marks still listed (exit 1), with either check; --against still compares."""
    backup = make_backup(school, tmp_path / "elsewhere").path
    add_pupil(school, 40)  # on roll with no marks at all
    db = str(school.path)
    school.close()
    for extra in ([], ["--full"]):
        assert main(["--db", db, "--today", "2024-12-20", "check", *extra]) == 1
        captured = capsys.readouterr()
        assert "missing mark(s)" in captured.err and "  missing: " in captured.err
    assert main(["--db", db, "--today", "2024-12-20", "check", "--against", str(backup)]) == 1
    assert "since " + backup.name in capsys.readouterr().out


def test_a_cancelled_full_check_stops_and_is_not_recorded(school):
    for stop_at in (0, 500, 900):  # before it starts, in integrity_check, in the app's checks

        def progress(done, total, stop_at=stop_at):
            if done >= stop_at:
                raise Cancelled

        with pytest.raises(Cancelled):
            full_check(school, "office", progress=progress)
    assert school.settings.last_full_check() is None
    report = check_school(school, full=True)
    assert report.full and "integrity_check" in report.how
