"""One shared object the widgets talk through: the open school, who is using it, what day it is,
a signal when data changed, and a pool that runs long jobs off the GUI thread."""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import threading
import time
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
from attendance_desk.gui.server_place import (
    Place,
    SchoolServer,
    describe_server,
    on_server,
    open_place,
)
from attendance_desk.services.school import SchoolFile, school_settings


class TaskSignals(QObject):
    progress = Signal(int, int)
    done = Signal(object)
    failed = Signal(str)
    finished = Signal()  # always the last signal of a task, after `done` or `failed`
    unreachable = Signal()  # on a server: its connection failed (the window's is tried then)


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
            try:
                store = open_place(self.path)
            except UserError:
                if on_server(self.path):  # the server may be down: the window finds out
                    self.signals.unreachable.emit()
                raise
            try:
                result = self.job(store, self.progress)
            finally:
                store.close()
        except Cancelled:
            self.signals.failed.emit("Cancelled: nothing was changed.")
        except UserError as exc:
            self.signals.failed.emit(str(exc))
        except Exception as exc:  # a bug: show it and log it rather than lose it
            said = server_sentence(exc)  # the server's connection lost: a sentence, not a bug
            if said is None:
                logging.getLogger("attendance_desk.tasks").exception("A background job failed")
            else:
                logging.getLogger("attendance_desk.tasks").warning(
                    "A background job met the school's server: %s", exc
                )
                if _connection_error(exc):
                    self.signals.unreachable.emit()
            self.signals.failed.emit(
                said or "Something went wrong:\n" + traceback.format_exc(limit=3)
            )
        else:
            self.signals.done.emit(result)
        self.signals.finished.emit()


PING_EVERY_S = 1.0  # on a server, the window's connection is tried at most this often before use
PROBE_EVERY_MS = 5000  # while the server cannot be reached, how often it is tried again


def _connection_error(exc: BaseException) -> bool:
    """An error of the server's connection itself (lost, closed, the server going down), not a
    refusal of the work (a right the login lacks, a value refused), which reconnecting cannot mend."""
    import sys

    psycopg = sys.modules.get("psycopg")
    if psycopg is None or not isinstance(exc, psycopg.Error):
        return False
    return isinstance(exc, psycopg.OperationalError) or getattr(exc, "sqlstate", None) is None


def _unreachable(error: BaseException) -> str:
    """Why the server could not be opened again, in a few words."""
    text = str(error).strip().rstrip(".")
    low = text.lower()
    if "could not reach" in low or "could not find the school's server" in low:
        return "it may be switched off or restarting, or the network may be down"
    return text.replace(". Nothing was opened", "").replace("Nothing was opened; ", "")


def reads(what: str):
    """A screen's loading method (`refresh`, a register's `reload`): on the school's server, an
    error of its connection is said in place, on the screen ("Could not read the call list from
    the school's server: …"), never an empty or old list that looks like a real answer; the window
    is told the server is not reachable, and the screen is read again once it is back. The screen
    is said to have loaded when the outermost such method ends without error. Anything else (a
    fault of the program) goes on up as before."""

    def wrap(method):
        @functools.wraps(method)
        def guarded(self) -> None:
            context: AppContext = self.context
            depth = getattr(self, "_reads_depth", 0)
            if depth:  # inside another loading method of the same screen: it reports
                method(self)
                return
            self._reads_depth = 1
            try:
                method(self)
            except Exception as exc:
                said = context.server_trouble(exc)
                if said is None:
                    raise
                if context.lost is None:  # connected again at once: read it again, once
                    try:
                        method(self)
                    except Exception as again:
                        said = context.server_trouble(again)
                        if said is None:
                            raise
                    else:
                        context.loaded.emit(self)
                        return
                context.load_failed.emit(
                    self,
                    f"Could not read {what} from the school's server: "
                    f"{said[:1].lower() + said[1:]} Refresh when it is back.",
                )
            else:
                context.loaded.emit(self)
            finally:
                self._reads_depth = 0

        return guarded

    return wrap


class _Reopened(QObject):
    """Carries a background attempt to reach the server again to the main thread."""

    came = Signal(object, object)  # the store opened, or None; the error, or None


class AppContext(QObject):
    data_changed = Signal()
    open_pupil = Signal(str)  # UPN
    status = Signal(str)
    # on the school's server: False when its connection is lost and it cannot be reached, True
    # when it has been reached again (the window then reads the screen in view again)
    server_reachable = Signal(bool)
    load_failed = Signal(object, str)  # a screen that could not be read, and what to say there
    loaded = Signal(object)  # a screen read

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
        self._store = store if store is not None else open_place(self.path)
        self.lost: str | None = None  # on a server: why it cannot be reached, while it cannot
        self._tried = 0.0  # when the window's connection was last tried (time.monotonic)
        self._probe = QTimer(self)  # while it cannot be reached: tried again in the background
        self._probe.setInterval(PROBE_EVERY_MS)
        self._probe.timeout.connect(self._probe_again)
        self._probing = False
        self._reopened = _Reopened(self)
        self._reopened.came.connect(self._probe_answered)
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
            SERVER_LOST.append(self.server_said)

    @property
    def store(self) -> SchoolFile:
        """The school, as the window's connection sees it. On a server, that connection is tried
        before it is used (at most once a second, never inside a transaction), and opened again
        if the server restarted or came back meanwhile: the next action after an outage works
        the first time, rather than failing once on a connection the server has closed."""
        if self.on_server and not self.closed:
            self._make_sure_connected()
        return self._store

    @store.setter
    def store(self, store: SchoolFile) -> None:
        self._store = store

    def _make_sure_connected(self) -> None:
        now = time.monotonic()
        if now - self._tried < PING_EVERY_S:
            return
        self._tried = now
        if self.lost is None:
            try:
                busy = self._store.engine.in_transaction  # a property on a server's engine
                if busy() if callable(busy) else busy:
                    return  # a write under way (a dialog inside it): never pinged or swapped
            except Exception:
                pass
            try:
                school_settings(self._store)  # one small read through the window's connection
                return
            except Exception as exc:
                if not _connection_error(exc):
                    return  # not the connection: the action itself will meet and say it
        self._reopen()  # dropped, or known lost (that connection is gone whatever it says)

    def _reopen(self) -> bool:
        """Open the window's connection again (in the main thread); False, and the window told,
        while the server cannot be reached."""
        try:
            store = open_place(self.path)
        except Exception as exc:
            logging.getLogger("attendance_desk.gui").info(
                "The school's server cannot be reached: %s", exc
            )
            self._set_lost(_unreachable(exc))
            return False
        self._use(store)
        return True

    def _use(self, store: SchoolFile) -> None:
        old, self._store = self._store, store
        with contextlib.suppress(Exception):  # a lost connection may not close cleanly
            old.close()
        self._tried = time.monotonic()
        self._probe.stop()
        if self.lost is not None:
            self.lost = None
            self.server_reachable.emit(True)
        self.status.emit("Connected again to the school's server")

    def _set_lost(self, why: str) -> None:
        first = self.lost is None
        self.lost = why
        if not self._probe.isActive():
            self._probe.start()
        if first:
            self.server_reachable.emit(False)

    def _probe_again(self) -> None:
        """While the server cannot be reached: try it in a thread (an unreachable network may
        take the connect timeout to answer), never freezing the window."""
        if self._probing or self.closed or self.lost is None:
            return
        self._probing = True
        place, answer = self.path, self._reopened

        def work() -> None:
            store, error = None, None
            try:
                store = open_place(place)
            except Exception as exc:
                error = exc
            try:
                answer.came.emit(store, error)
            except RuntimeError:  # the window is gone
                if store is not None:
                    store.close()

        threading.Thread(target=work, name="reach-the-server", daemon=True).start()

    def _probe_answered(self, store: SchoolFile | None, error: BaseException | None) -> None:
        self._probing = False
        if store is None:
            if error is not None and self.lost is not None:
                self.lost = _unreachable(error)
            return
        if self.closed or self.lost is None:  # closed, or connected again meanwhile
            store.close()
            return
        self._use(store)

    def reconnect(self) -> None:
        """Open the window's connection again if it is gone (the server restarted, the network
        dropped), so the next action works; nothing unsaved is carried over."""
        if self.on_server and not self.closed:
            self._tried = 0.0
            self._make_sure_connected()

    def server_trouble(self, exc: BaseException) -> str | None:
        """An error of the school's server met by an action or a screen, as one sentence (None
        if `exc` is not one: a fault of the program). A lost connection is opened again at once
        when the server answers (`lost` is then None: the same action will work now); else
        `lost` says why, the window says the server is not reachable, and it is tried again in
        the background until it is back."""
        said = server_sentence(exc)
        if said is None or not self.on_server or self.closed:
            return said
        if not _connection_error(exc):
            return said  # a refusal of the work: reconnecting does not mend it
        if time.monotonic() - self._tried >= PING_EVERY_S or self.lost is None:
            self._tried = time.monotonic()
            self._reopen()
        if self.lost is not None:
            return (
                f"The school's server ({describe_server(self.path)}) cannot be reached: "
                f"{self.lost}."
            )
        return (
            "The connection to the school's server was lost, and has been made again: what was "
            "not confirmed as saved was not saved."
        )

    def server_said(self, exc: BaseException) -> str | None:
        """What the window tells the user when an error of the server reaches it from an action
        (error_log's hook): `server_trouble`, and what to do next."""
        said = self.server_trouble(exc)
        if said is None:
            return None
        if self.lost is not None:
            return said + " Nothing was changed that was not confirmed; try again when it is back."
        return said + " Try again."

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
            if self.on_server:
                task.signals.unreachable.connect(self.reconnect)
            task.run()
            return task
        if self.on_server:
            task.signals.unreachable.connect(self.reconnect)
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
        if self.server_said in SERVER_LOST:
            SERVER_LOST.remove(self.server_said)
        self._probe.stop()
        self.closed = True
        if self.lost is None:
            self._store.close()
        else:  # a connection the server dropped may not close cleanly
            with contextlib.suppress(Exception):
                self._store.close()
