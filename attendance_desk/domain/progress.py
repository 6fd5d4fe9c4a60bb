"""Progress reporting for long jobs: a callback `progress(done, total)` (total 0 if not known yet).
The callback may raise Cancelled; the job then writes nothing."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

Progress = Callable[[int, int], None]


class Cancelled(Exception):
    """The user cancelled the job."""


class Stoppable:
    """A progress callback that Cancel can also reach inside one long step: a job registers how to
    stop that step at once (`stopping(progress, conn.interrupt)`: SQLite's interrupt stops a statement
    such as the page walk of quick_check, which reports no progress of its own)."""

    def __init__(self, report: Progress):
        self.report = report
        self.stoppers: set[Callable[[], None]] = set()
        self.lock = threading.Lock()  # a stopper is never called after its block has ended
        self.stopped = False  # cancelled: a long job may look at this between its own reports

    def __call__(self, done: int, total: int) -> None:
        self.report(done, total)

    def stop(self) -> None:
        self.stopped = True
        with self.lock:
            for stop in self.stoppers:
                with suppress(Exception):  # the statement may have just ended
                    stop()


@contextmanager
def stopping(progress: Progress | None, stop: Callable[[], None]) -> Iterator[None]:
    """While the block runs, a Cancel also calls `stop` (when `progress` is a Stoppable)."""
    stoppers, lock = getattr(progress, "stoppers", None), getattr(progress, "lock", None)
    if stoppers is None or lock is None:
        yield
        return
    with lock:
        stoppers.add(stop)
    try:
        yield
    finally:
        with lock:
            stoppers.discard(stop)
