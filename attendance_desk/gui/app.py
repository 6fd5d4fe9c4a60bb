"""Starting the window."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path


def exit_now(status: int) -> None:
    """End the process as soon as the window has closed and everything is put away: the school file
    and its background tasks are closed (AppContext.close: a running backup or check is cancelled,
    never waited for), the window's settings are saved, the log is flushed here. What is skipped is
    Python's own teardown of Qt and of every module loaded, which has nothing left to save and took
    1-2 s on a busy 2-core machine, so closing the window did not end the program for that long
    (issue 17; docs/benchmarks.md)."""
    import contextlib
    import logging
    import os

    from PySide6.QtCore import QSettings

    QSettings("AttendanceDesk", "AttendanceDesk").sync()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(status if isinstance(status, int) else 1)


def run_gui(path: Path | str, user: str, today: date | None = None, smoke: bool = False) -> int:
    """Open the window. `path`: the school file, or the school's server (`postgresql://…`: the
    Connect dialog opens on it, asks for the password if the server wants one, then the sign-in).
    With the usual school file (no --db) and a server remembered on this PC, the window connects
    to that server. `smoke`: open it as a user would (including the start-up backup in the
    background), paint it once when the start-up work has finished, then close it (to check that an
    installed bundle works, and by scripts/start_loop.py to prove the start is reliable)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from attendance_desk.gui.context import AppContext
    from attendance_desk.gui.error_log import install_error_log, log
    from attendance_desk.gui.main_window import MainWindow
    from attendance_desk.paths import resource_path

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Attendance Desk")
    app.setOrganizationName("AttendanceDesk")
    install_error_log()  # an uncaught error is logged and explained, never lost
    log.info("Attendance Desk started on %s", path)
    app.setWindowIcon(QIcon(str(resource_path("icons", "attendance-desk.png"))))
    connected = _server_at_start(path, user, smoke)
    if connected is False:  # the server's dialog or its sign-in was cancelled
        return 0
    import_ctf = just_created = False
    if connected is None and not Path(path).exists():  # first run: no school file yet
        from attendance_desk.gui.welcome import WelcomeDialog

        welcome = WelcomeDialog(Path(path), today or date.today())
        if welcome.exec() != WelcomeDialog.DialogCode.Accepted:
            return 0
        connected = welcome.connected
        if connected is None and welcome.path is None:
            return 0
        path, import_ctf = welcome.path or path, welcome.import_ctf
        just_created = bool(
            welcome.admin_name
        )  # the administrator who just created the school is signed in
        user = welcome.admin_name or user
    from attendance_desk.services.school import open_school
    from attendance_desk.services.users import users_set_up

    if connected is not None:  # the school's server, signed in to
        context = AppContext(
            connected.place, connected.user, today, auto_backup=True, store=connected.store
        )
    else:
        with open_school(Path(path)) as store:
            if users_set_up(store) and not smoke and not just_created:
                from attendance_desk.gui.login import LoginDialog

                login = LoginDialog(store, "Sign in to Attendance Desk", user)
                if login.exec() != LoginDialog.DialogCode.Accepted:
                    return 0
                user = login.user_name
        context = AppContext(Path(path), user, today, auto_backup=True)
    window = MainWindow(context)
    window.show()
    current = {"context": context, "window": window}

    def switched(new_window: MainWindow) -> None:  # File → Connect…: another school's window
        current.update(context=new_window.context, window=new_window)
        new_window.switched.connect(switched)

    window.switched.connect(switched)
    if smoke:

        def finish() -> None:
            window.grab()
            window.close()
            app.quit()

        def too_slow() -> None:
            print("attendance-desk: the start-up work did not finish within 60 s", file=sys.stderr)
            app.exit(3)

        window.startup_finished.connect(lambda: QTimer.singleShot(200, finish))
        QTimer.singleShot(60_000, too_slow)
    elif import_ctf:
        window.import_data()
    status = app.exec()
    current["context"].close()
    return status


def _server_at_start(path: Path | str, user: str, smoke: bool):
    """The school's server to open at start: `--db postgresql://…`, or the server remembered on
    this PC when no other school file was asked for. None: open the file as usual (also when the
    remembered server's dialog is cancelled: the server may be down, and this PC's own school file
    or the welcome screen is still there); False: `--db postgresql://…`'s dialog or sign-in was
    cancelled (the program ends, as when the sign-in is cancelled)."""
    from attendance_desk.gui.server_dialog import connect_and_sign_in, remembered_server
    from attendance_desk.gui.server_place import is_address
    from attendance_desk.paths import default_db_path
    from attendance_desk.services.server import shown_or_given

    remembered = False
    if is_address(shown_or_given(str(path))):
        address = shown_or_given(str(path))
    elif not smoke and Path(path) == default_db_path() and remembered_server():
        address, remembered = remembered_server(), True
    else:
        return None
    password = getattr(path, "password", None)  # the command line's ServerAddress, if it asked
    if smoke:  # opened as the file is in a smoke run: no dialog, no sign-in
        from attendance_desk.gui.server_dialog import Connected
        from attendance_desk.gui.server_place import SchoolServer, open_place

        place = SchoolServer(address, password)
        return Connected(place, open_place(place), user)
    connected = connect_and_sign_in(None, user, address, connect_now=True, password=password)
    if connected is None:
        return None if remembered else False
    return connected
