"""Never swallow an error. An exception that nothing caught (in a slot, an event handler or another
thread) is written with its traceback to a rotating log in the user's log folder, and the user is
told in plain English; a native crash (a segmentation fault) is written to a file in the same
folder by `faulthandler`. The bundled window has no console, so without this an error would vanish."""

from __future__ import annotations

import faulthandler
import logging
import sys
import threading
import traceback
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType
from typing import IO

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

LOG_FILE = "attendance-desk.log"
CRASH_FILE = "native-crashes.log"
log = logging.getLogger("attendance_desk")
# On the school's server: what to say when an error of the server reaches the window (the open
# window's AppContext reconnects, or says the server cannot be reached); the first that answers
# is what the user is told, in an ordinary message box with no traceback.
SERVER_LOST: list[Callable[[BaseException], str | None]] = []


def server_sentence(error: BaseException) -> str | None:
    """An error of the school's server (its connection lost, a right the login lacks) as the
    sentence to show instead of "Something went wrong"; None for anything else."""
    try:
        from attendance_desk.services.server import server_error

        said = server_error(error)
    except Exception:  # never an error while telling of one
        return None
    if not said:
        return None
    said = said[:1].upper() + said[1:]
    return said if said.endswith(".") else said + "."


def log_folder() -> Path:
    from platformdirs import user_log_dir

    return Path(user_log_dir("AttendanceDesk", appauthor=False))


def friendly_message(log_path: Path) -> str:
    return (
        "Something went wrong; nothing was lost: what you had saved is safe, and you can carry on.\n\n"
        f"The details were saved to {log_path}. If it happens again, please send that file to "
        "whoever looks after Attendance Desk for your school."
    )


def show_error_dialog(parent, text: str) -> None:
    """The one place the dialog is shown (tests replace it)."""
    QMessageBox.critical(parent, "Something went wrong", text)


SERVER_TITLE = "The school's server"


def show_server_dialog(parent, text: str) -> None:
    """The school's server could not be reached or refused the work: not a fault of the program,
    so an ordinary message, not "Something went wrong" (tests replace it)."""
    QMessageBox.warning(parent, SERVER_TITLE, text)


class _Bridge(QObject):
    """Lives in the main thread: an error in another thread is shown from there."""

    report = Signal()


class ErrorLog:
    """The installed hooks; `uninstall()` puts back what was there before (for tests)."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.path = folder / LOG_FILE
        self.crash_path = folder / CRASH_FILE
        self.handler = RotatingFileHandler(
            self.path, maxBytes=1_000_000, backupCount=5, encoding="utf-8"
        )
        self.handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
        )
        self._showing = False
        self._previous = (
            sys.excepthook,
            threading.excepthook,
            log.level,
            faulthandler.is_enabled(),
        )
        self._crash_file: IO[str] | None = None
        self._bridge: _Bridge | None = None

    def install(self) -> ErrorLog:
        log.addHandler(self.handler)
        log.setLevel(logging.INFO)
        self._crash_file = open(self.crash_path, "a", encoding="utf-8")  # noqa: SIM115 (open while the app runs)
        faulthandler.enable(file=self._crash_file, all_threads=True)
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook
        app = QApplication.instance()
        if app is not None:
            self._bridge = _Bridge()
            self._bridge.moveToThread(app.thread())
            self._bridge.report.connect(self._tell_user, Qt.ConnectionType.QueuedConnection)
        return self

    def uninstall(self) -> None:
        hook, thread_hook, level, fault_enabled = self._previous
        sys.excepthook, threading.excepthook = hook, thread_hook
        log.removeHandler(self.handler)
        log.setLevel(level)
        self.handler.close()
        faulthandler.disable()
        if fault_enabled:
            faulthandler.enable(file=sys.__stderr__, all_threads=True)
        if self._crash_file is not None:
            self._crash_file.close()
            self._crash_file = None
        self._bridge = None

    def excepthook(
        self, kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, tb)
            return
        main = threading.current_thread() is threading.main_thread()
        said = self._server_said(error) if main else None
        if said:  # the server's trouble, not the program's: a line in the log, no traceback
            log.warning("The school's server: %s (%s: %s)", said, kind.__name__, error)
            self.handler.flush()
            self._tell_user(said, server=True)
            return
        self._write(kind, error, tb)
        if main:
            self._tell_user()
        elif self._bridge is not None:
            self._bridge.report.emit()

    @staticmethod
    def _server_said(error: BaseException) -> str | None:
        for said_of in list(SERVER_LOST):
            try:
                said = said_of(error)
            except Exception:  # never an error while telling of one
                log.exception("Telling of the school's server")
                continue
            if said:
                return said
        return server_sentence(error)

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        thread = args.thread.name if args.thread is not None else "a thread"
        self._write(args.exc_type, args.exc_value, args.exc_traceback, f" in {thread}")
        if self._bridge is not None:
            self._bridge.report.emit()

    def _write(self, kind, error, tb, where: str = "") -> None:
        details = "".join(traceback.format_exception(kind, error, tb))
        log.error("An error nothing caught%s:\n%s", where, details.rstrip())
        self.handler.flush()
        if sys.__stderr__ is not None:  # a console, when there is one
            print(details, file=sys.__stderr__, end="")

    def _tell_user(self, said: str | None = None, server: bool = False) -> None:
        if self._showing:  # one dialog at a time, however many errors follow it
            return
        self._showing = True
        try:
            app = QApplication.instance()
            parent = app.activeWindow() if app is not None else None
            if server and said:
                show_server_dialog(parent, said)
            else:
                show_error_dialog(parent, said or friendly_message(self.path))
        finally:
            self._showing = False


def install_error_log(folder: Path | None = None) -> ErrorLog:
    """Install the hooks for the window's lifetime (call once the QApplication exists)."""
    return ErrorLog(folder or log_folder()).install()
