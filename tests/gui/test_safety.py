"""Issue 12, the window's safety: background jobs are freed in the main thread (the start-up
crash), and an error nothing caught is logged and explained instead of vanishing."""

import logging
import threading
import weakref

import pytest
from PySide6.QtWidgets import QMessageBox, QPushButton

from attendance_desk.gui import error_log
from attendance_desk.gui.context import AppContext, Task
from tests.helpers import make_school


@pytest.fixture
def school(tmp_path):
    make_school(tmp_path).close()
    return tmp_path / "school.sqlite"


def test_tasks_and_their_signals_are_freed_in_the_main_thread(qtbot, school):
    """The start-up segfault: an auto-deleted runnable freed its signals object (a main-thread
    QObject with queued signals) in the pool's worker thread. Each Task must now be kept by the
    main thread until its last signal has been handled, then freed there."""
    context = AppContext(school, "office1", synchronous=False)
    freed_in, results = [], []
    main = threading.get_ident()
    for n in range(25):
        task = Task(school, lambda store, progress, n=n: (progress(1, 1), n)[1])
        assert not task.autoDelete()
        task.signals.done.connect(results.append)
        weakref.finalize(task, lambda: freed_in.append(("task", threading.get_ident())))
        weakref.finalize(task.signals, lambda: freed_in.append(("signals", threading.get_ident())))
        context.run(task)
        del task
    qtbot.waitUntil(lambda: len(freed_in) == 50, timeout=20_000)
    assert sorted(results) == list(
        range(25)
    )  # every result was delivered before its task was freed
    assert {thread for _, thread in freed_in} == {main}
    assert context._tasks == {}
    context.close()


def test_a_task_still_running_is_not_freed(qtbot, school):
    context = AppContext(school, "office1", synchronous=False)
    go_on = threading.Event()
    task = Task(school, lambda store, progress: go_on.wait(10))
    alive = weakref.ref(task)
    context.run(task)
    del task
    qtbot.wait(100)
    assert alive() is not None  # the main thread holds it while the worker runs
    go_on.set()
    qtbot.waitUntil(lambda: alive() is None, timeout=10_000)
    context.close()


@pytest.fixture
def installed(monkeypatch):
    shown = []
    monkeypatch.setattr(
        QMessageBox, "critical", lambda parent, title, text, *a: shown.append((title, text))
    )
    hooks = error_log.install_error_log()
    yield hooks, shown
    hooks.uninstall()


@pytest.mark.qt_no_exception_capture
def test_an_error_in_a_slot_is_logged_and_explained(qtbot, tmp_path, installed):
    hooks, shown = installed
    assert str(hooks.path).startswith(
        str(tmp_path.parent)
    )  # the tests' private folders, not the user's
    assert hooks.path.parent == error_log.log_folder()

    def broken_slot():
        raise ValueError("register cell 4A out of range")

    button = QPushButton("Go")
    qtbot.addWidget(button)
    button.clicked.connect(broken_slot)
    button.click()

    assert len(shown) == 1
    title, text = shown[0]
    assert title == "Something went wrong"
    assert "nothing was lost" in text and str(hooks.path) in text
    logged = hooks.path.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in logged
    assert "in broken_slot" in logged and "ValueError: register cell 4A out of range" in logged
    assert hooks.crash_path.exists()  # faulthandler writes native crashes beside the log


@pytest.mark.qt_no_exception_capture
def test_an_error_in_another_thread_is_logged_and_explained_from_the_main_thread(qtbot, installed):
    hooks, shown = installed

    def job():
        raise RuntimeError("backup folder vanished")

    worker = threading.Thread(target=job, name="worker-1")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=5000)
    logged = hooks.path.read_text(encoding="utf-8")
    assert "in worker-1" in logged and "RuntimeError: backup folder vanished" in logged


def test_a_failed_background_job_is_logged(qtbot, school, installed):
    hooks, shown = installed
    context = AppContext(school, "office1", synchronous=True)
    messages = []
    task = Task(school, lambda store, progress: 1 / 0)
    task.signals.failed.connect(messages.append)
    context.run(task)
    assert messages and "ZeroDivisionError" in messages[0]
    logging.getLogger("attendance_desk").handlers[-1].flush()
    assert "A background job failed" in hooks.path.read_text(encoding="utf-8")
    context.close()
