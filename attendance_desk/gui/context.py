"""One shared object the widgets talk through: the open school, who is using it, what day it is,
a signal when data changed, and a pool that runs long jobs off the GUI thread."""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import traceback
from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from attendance_desk.domain.progress import Cancelled, Stoppable
from attendance_desk.errors import UserError
from attendance_desk.gui.error_log import SERVER_LOST, server_sentence
from attendance_desk.gui.server_place import Place, SchoolServer, on_server, open_place
from attendance_desk.services.school import SchoolFile, school_settings


class TaskSignals(QObject):
    progress = Signal(int, int)
    done = Signal(object)
    failed = Signal(str)
    finished = Signal()  # always the last signal of a task, after `done` or `failed`


class _Report:
    """A Task's progress report: emits its signal, or raises Cancelled once the task is cancelled."""

    def __init__(self, signals: TaskSignals, cancelled: threading.Event):
        self.signals, self.cancelled = signals, cancelled

    def __call__(self, done: int, total: int) -> None:
        if self.cancelled.is_set():
            raise Cancelled
        self.signals.progress.emit(done, total)


class Task(QRunnable):
    """Runs `job(store, progress)` with its own connection to the school file (SQLite connections
    belong to one thread), or to the school's server (a connection of its own, as the window's login). `cancel()` makes the next progress report raise Cancelled.

    A Task and its `signals` must be freed in the main thread, never in the pool's worker: the
    signals object is a QObject that lives in the main thread and has queued signals waiting there.
    An auto-deleted runnable dropped the last reference to it in the worker thread while the main
    thread was delivering those signals, and the window crashed on start about one time in ten
    (issue 12). So a Task is never auto-deleted; AppContext.run keeps it until its `finished`
    signal has been handled and the worker has left run(), then frees it in the main thread."""

    def __init__(
        self, path: Place, job: Callable[[SchoolFile, Callable[[int, int], None]], object]
    ):
        super().__init__()
        self.setAutoDelete(False)  # the pool must not delete it in the worker thread
        self.path, self.job = path, job
        self.signals = TaskSignals()
        self._cancelled = threading.Event()
        # the job's progress callback; Cancel also stops a long SQLite statement the job registered.
        # It must not refer back to the Task (a bound method would): a reference cycle leaves the
        # Task and its signals to the cyclic garbage collector, which may run in a worker thread.
        self.progress = Stoppable(_Report(self.signals, self._cancelled))
        self.cancel_on_close = False  # a backup or check: closing the window stops it, never waits

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def cancel(self) -> None:
        self._cancelled.set()
        self.progress.stop()

    @Slot()
    def run(self) -> None:
        try:
            store = open_place(self.path)
            try:
                result = self.job(store, self.progress)
            finally:
                store.close()
        except Cancelled:
            self.signals.failed.emit("Cancelled: nothing was changed.")
        except UserError as exc:
            self.signals.failed.emit(str(exc))
        except Exception as exc:  # a bug: show it and log it rather than lose it
            logging.getLogger("attendance_desk.tasks").exception("A background job failed")
            said = server_sentence(exc)  # the server's connection lost: a sentence, not a bug
            self.signals.failed.emit(
                said or "Something went wrong:\n" + traceback.format_exc(limit=3)
            )
        else:
            self.signals.done.emit(result)
        self.signals.finished.emit()


class AppContext(QObject):
    data_changed = Signal()
    open_pupil = Signal(str)  # UPN
    status = Signal(str)

    def __init__(
        self,
        path: Place,
        user: str,
        today: date | None = None,
        synchronous: bool = False,
        auto_backup: bool = False,
        store: SchoolFile | None = None,
    ):
        """`path`: the school file, or the school's server (a SchoolServer); `store`: the school
        already open there (the Connect dialog's connection), else it is opened here."""
        super().__init__()
        self.auto_backup = auto_backup  # back up when the window opens and closes
        self.closed = False
        self.path: Place = path if isinstance(path, SchoolServer) else Path(path)
        self.user = user
        self._today = today
        self.synchronous = synchronous  # tests run jobs inline
        self.store = store if store is not None else open_place(self.path)
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(1)  # one writer at a time
        # backups and full checks, one at a time, beside the screens' work (never queued behind a
        # check of several minutes); closing the window cancels them (run_background)
        self.background = QThreadPool()
        self.background.setMaxThreadCount(1)
        self._tasks: dict[int, Task] = {}  # started in a pool and not yet freed (see Task)
        self._pools: dict[int, QThreadPool] = {}
        self._handled: set[int] = (
            set()
        )  # of those, the ones whose `finished` the main thread has handled
        self._keys = itertools.count()
        self._reaper = QTimer(self)
        self._reaper.setSingleShot(True)
        self._reaper.setInterval(20)
        self._reaper.timeout.connect(self._free_finished_tasks)
        if self.on_server:
            SERVER_LOST.append(self.reconnect)

    def reconnect(self) -> None:
        """On a server, after an error of its connection (the server restarted, the network
        dropped): if the window's connection is gone, open a new one, so the next action works.
        Nothing unsaved is carried over: what was not confirmed as saved was not saved."""
        if not self.on_server or self.closed:
            return
        try:
            school_settings(self.store)  # a read through the window's connection
            return  # still connected: the error was something else
        except Exception:
            pass
        store = open_place(self.path)  # refused (still unreachable): the caller logs it
        old, self.store = self.store, store
        with contextlib.suppress(Exception):  # a lost connection may not close cleanly
            old.close()
        self.status.emit("Connected again to the school's server")

    @property
    def on_server(self) -> bool:
        """The school's server, not a file: no backups, file checks or folders beside a file."""
        return on_server(self.path)

    @property
    def today(self) -> date:
        return self._today or date.today()

    def now(self) -> datetime:
        """The time now, on `today` (which tests and --today may fix), with the local time zone."""
        now = datetime.now()
        if self._today is not None:
            now = datetime.combine(self._today, now.time())
        return now.astimezone()

    def run(self, task: Task, pool: QThreadPool | None = None) -> Task:
        if self.synchronous:
            task.run()
            return task
        pool = pool or self.pool
        key = next(self._keys)
        self._tasks[key] = task  # the main thread owns the task and its signals from now on
        self._pools[key] = pool
        # queued to the main thread (the signals object lives there), after the task's done/failed
        task.signals.finished.connect(partial(self._task_finished, key))
        pool.start(task)
        return task

    def run_background(self, task: Task) -> Task:
        """A backup or a full check: in its own pool, and cancelled (never waited for) on close."""
        task.cancel_on_close = True
        return self.run(task, self.background)

    def _task_finished(self, key: int) -> None:
        """In the main thread, while Qt is still delivering the task's own signal: only note it; the
        task is freed later from a timer, never from inside its own signal."""
        if key not in self._tasks:  # delivered after close() freed it (a cancelled backup's)
            return
        self._handled.add(key)
        self._reaper.start()

    def _free_finished_tasks(self) -> None:
        for key in sorted(self._handled):
            if self._pools[key].activeThreadCount():  # its worker may not have left run() yet
                continue
            self._free(self._tasks.pop(key))
            del self._pools[key]
            self._handled.discard(key)
        if self._handled:  # look again soon
            self._reaper.start()

    @staticmethod
    def _free(task: Task) -> None:
        """Delete the runnable now, in the main thread (the pool keeps a reference to every Python
        runnable it started until its C++ object is deleted); its signals go with the last reference."""
        if shiboken6.isValid(task):
            shiboken6.delete(task)

    def close(self) -> None:
        """Closing never waits for a backup or a check: they are cancelled (a backup leaves no
        copy, see store/backup.py) and stop within a step; the screens' work is waited for."""
        self.background.clear()  # not started yet: never will be
        for task in self._tasks.values():
            if task.cancel_on_close:
                task.cancel()
        self.background.waitForDone()
        self.pool.waitForDone()
        self._reaper.stop()
        for (
            task
        ) in self._tasks.values():  # signals not yet delivered are dropped: the window is gone
            self._free(task)
        self._tasks.clear()
        self._handled.clear()
        if self.reconnect in SERVER_LOST:
            SERVER_LOST.remove(self.reconnect)
        self.store.close()
        self.closed = True
