"""One shared object the widgets talk through: the open school, who is using it, what day it is,
a signal when data changed, and a pool that runs long jobs off the GUI thread."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from attendance_desk.domain.progress import Cancelled
from attendance_desk.errors import UserError
from attendance_desk.services.school import open_school
from attendance_desk.store.db import Store


class TaskSignals(QObject):
    progress = Signal(int, int)
    done = Signal(object)
    failed = Signal(str)


class Task(QRunnable):
    """Runs `job(store, progress)` with its own connection to the school file (SQLite connections
    belong to one thread). `cancel()` makes the next progress report raise Cancelled."""

    def __init__(self, path: Path, job: Callable[[Store, Callable[[int, int], None]], object]):
        super().__init__()
        self.path, self.job = path, job
        self.signals = TaskSignals()
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def _progress(self, done: int, total: int) -> None:
        if self.cancelled:
            raise Cancelled
        self.signals.progress.emit(done, total)

    @Slot()
    def run(self) -> None:
        try:
            store = open_school(self.path)
            try:
                result = self.job(store, self._progress)
            finally:
                store.close()
        except Cancelled:
            self.signals.failed.emit("Cancelled: nothing was changed.")
        except UserError as exc:
            self.signals.failed.emit(str(exc))
        except Exception:  # a bug: show it rather than lose it
            self.signals.failed.emit("Something went wrong:\n" + traceback.format_exc(limit=3))
        else:
            self.signals.done.emit(result)


class AppContext(QObject):
    data_changed = Signal()
    open_pupil = Signal(str)  # UPN
    status = Signal(str)

    def __init__(self, path: Path, user: str, today: date | None = None, synchronous: bool = False,
                 auto_backup: bool = False):
        super().__init__()
        self.auto_backup = auto_backup  # back up when the window opens and closes
        self.closed = False
        self.path = Path(path)
        self.user = user
        self._today = today
        self.synchronous = synchronous  # tests run jobs inline
        self.store = open_school(self.path)
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(1)  # one writer at a time

    @property
    def today(self) -> date:
        return self._today or date.today()

    def run(self, task: Task) -> Task:
        if self.synchronous:
            task.run()
        else:
            self.pool.start(task)
        return task

    def close(self) -> None:
        self.pool.waitForDone()
        self.store.close()
        self.closed = True
