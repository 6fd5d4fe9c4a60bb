"""The window's backups and checks run off the GUI thread and never hold up closing (issue 17, item
3): with the real thread pool, closing the window while a backup or the full check is running
returns at once, and the backup is then either complete and verified or absent (never a partial
copy with a backup's name); the full check has progress and Cancel, and runs weekly by itself."""

import time
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressBar, QPushButton

from attendance_desk.gui.context import AppContext, _Report
from attendance_desk.gui.main_window import MainWindow
from attendance_desk.services.backups import list_backups
from attendance_desk.store import backup as store_backup
from attendance_desk.store.backup import verify_copy
from attendance_desk.store.db import open_store
from tests.gui.test_window import TODAY, school  # noqa: F401  (fixture)


def _slow_tasks(monkeypatch, pause: float = 0.005) -> None:
    """One page per step of the copy and a pause at each report: the backup takes seconds."""
    monkeypatch.setattr(store_backup, "PAGES_PER_STEP", 1)
    real = _Report.__call__

    def slow(self, done, total):
        time.sleep(pause)
        real(self, done, total)

    monkeypatch.setattr(_Report, "__call__", slow)


def _debris(folder):
    return [p.name for p in folder.iterdir() if ".ad-" in p.name] if folder.exists() else []


def _open(qtbot, school, auto_backup=False):  # noqa: F811
    context = AppContext(school, "office1", TODAY, auto_backup=auto_backup)
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.show()
    return context, win


@pytest.mark.parametrize("when", ["copying", "checking the copy"])
def test_closing_with_a_backup_running_does_not_wait_and_leaves_no_partial_backup(
    qtbot,
    school,  # noqa: F811
    monkeypatch,
    when,
):
    _slow_tasks(monkeypatch)
    context, win = _open(qtbot, school)
    win._backup_in_background(starting=False)
    task = win._backup_task
    reached = []
    task.signals.progress.connect(lambda done, total: reached.append(done))
    threshold = 1 if when == "copying" else store_backup.COPIED + 1
    qtbot.waitUntil(lambda: bool(reached) and reached[-1] >= threshold, timeout=30000)
    assert win.backup_label.text() == "Backing up…"
    started = time.monotonic()
    win.close()
    context.close()
    took = time.monotonic() - started
    assert took < 5, f"closing waited {took:.1f} s for the backup"
    folder = school.parent / "backups"
    assert _debris(folder) == []  # no temporary copy left behind
    with open_store(school) as store:
        kept = list_backups(store)
        assert len(kept) <= 1 and all(verify_copy(p, chains=True) == [] for p in kept)
        assert bool(kept) == bool(store.settings.school().last_backup)  # recorded only if made


def test_no_backup_on_closing_and_one_when_due_while_open(qtbot, school, monkeypatch):  # noqa: F811
    """Closing makes no backup (the window backs up when it opens and every BACKUP_EVERY while open)."""
    from attendance_desk.services import backups

    context, win = _open(qtbot, school)
    win._backup_if_due()  # never backed up: due
    qtbot.waitUntil(
        lambda: win._backup_task is None and bool(list_backups(context.store)), timeout=30000
    )
    assert (
        win.backup_label.text().startswith("Last backup: ")
        and "never" not in win.backup_label.text()
    )
    win._backup_if_due()  # just made: not due
    assert win._backup_task is None
    monkeypatch.setattr(backups, "BACKUP_EVERY", timedelta(0))
    win._backup_if_due()
    assert win._backup_task is not None
    qtbot.waitUntil(lambda: win._backup_task is None, timeout=30000)
    made = list_backups(context.store)
    win.close()
    context.close()
    with open_store(school) as store:
        assert list_backups(store) == made  # none added by closing


def test_the_weekly_full_check_runs_in_the_background_with_progress_and_cancel(
    qtbot,
    school,  # noqa: F811
    monkeypatch,
):
    """After the start-up backup, the full check starts by itself when a week has passed since the
    last one; its progress and Cancel are in the status bar; a cancelled check is not recorded."""
    from attendance_desk.services.check import full_check_due

    original = _Report.__call__
    _slow_tasks(monkeypatch, 0.2)
    monkeypatch.setattr(store_backup, "REPORT_EVERY_S", 0)
    context, win = _open(qtbot, school, auto_backup=True)
    qtbot.waitUntil(lambda: win.check_status is not None, timeout=30000)
    assert list_backups(context.store)  # the start-up backup came first
    (button,) = win.check_status.findChildren(QPushButton)
    (bar,) = win.check_status.findChildren(QProgressBar)
    qtbot.waitUntil(lambda: bar.value() > 0, timeout=30000)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.check_status is None, timeout=30000)
    assert full_check_due(context.store) and context.store.settings.last_full_check() is None

    monkeypatch.setattr(_Report, "__call__", original)
    win._full_check_if_due()  # due still: runs to the end this time
    qtbot.waitUntil(lambda: win.check_status is None and win._check_task is None, timeout=60000)
    record = context.store.settings.last_full_check()
    assert record is not None and record["by"] == "(weekly check)"
    if record["problems"]:  # the registers of TODAY may have closed with no marks: said
        assert win.check_warning.text() == f"⚠ Full check: {record['problems']} problem(s)"
    assert not full_check_due(context.store)
    assert full_check_due(context.store, datetime.now() + timedelta(days=8))
    win._full_check_if_due()  # not due: nothing started
    assert win._check_task is None
    win.close()
    context.close()


def test_closing_during_the_full_check_does_not_wait(qtbot, school, monkeypatch):  # noqa: F811
    _slow_tasks(monkeypatch, 0.2)
    monkeypatch.setattr(store_backup, "REPORT_EVERY_S", 0)
    context, win = _open(qtbot, school)
    win._full_check_if_due()
    qtbot.waitUntil(lambda: win.check_status is not None, timeout=30000)
    time.sleep(0.3)
    started = time.monotonic()
    win.close()
    context.close()
    assert time.monotonic() - started < 5
    with open_store(school) as store:
        assert store.settings.last_full_check() is None


def test_file_check_the_school_file_shows_progress_cancel_and_the_findings(
    qtbot,
    school,  # noqa: F811
    monkeypatch,
):
    from attendance_desk.gui.check_dialog import CheckDialog

    monkeypatch.setattr(CheckDialog, "exec", lambda self: self.show())
    context, win = _open(qtbot, school)
    action = next(
        a
        for a in win.menuBar().actions()[0].menu().actions()
        if a.text() == "&Check the school file…"
    )
    action.trigger()
    dialog = win.check_dialog
    assert "The last full check: never" in dialog.last.text()
    qtbot.waitUntil(lambda: not dialog.running, timeout=60000)
    text = dialog.result.toPlainText()
    assert "Checked with the full check: SQLite's integrity_check" in text
    assert "No problems found." in text or "problem(s) found" in text
    record = context.store.settings.last_full_check()
    assert record is not None and record["by"] == "office1"
    dialog.close()

    _slow_tasks(monkeypatch, 0.2)
    monkeypatch.setattr(store_backup, "REPORT_EVERY_S", 0)
    action.trigger()  # again, and Cancel this time
    dialog = win.check_dialog
    assert "by office1" in dialog.last.text()
    qtbot.waitUntil(lambda: dialog.bar.value() > 0, timeout=30000)
    dialog.reject()
    qtbot.waitUntil(lambda: not dialog.running, timeout=30000)
    assert "cancelled" in dialog.result.toPlainText()
    assert context.store.settings.last_full_check() == record  # not recorded
    win.close()
    context.close()
