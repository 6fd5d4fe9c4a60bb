"""The window on the school's server (docs/server.md, step 8), driven by keys and clicks against a
real throwaway PostgreSQL (tests/engines.py): connecting from the welcome screen and from the File
menu, the password asked only when the server wants one, every refusal said in the dialog with
nothing opened, and the window doing none of a file's things on a server (no backup, the server
named in the status bar)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication

from attendance_desk.gui import registers, server_dialog
from attendance_desk.gui.context import AppContext, Task
from attendance_desk.gui.login import LoginDialog
from attendance_desk.gui.main_window import MainWindow
from attendance_desk.gui.server_dialog import ConnectDialog
from attendance_desk.gui.server_place import (
    SETTINGS_KEY,
    SchoolServer,
    describe_server,
    server_address,
)
from attendance_desk.gui.welcome import WelcomeDialog
from attendance_desk.services.school import ServiceError
from attendance_desk.services.users import add_user
from tests import engines
from tests.gui.test_window import CAL, TODAY, school  # noqa: F401  (fixture)
from tests.helpers import add_pupil, put_marks, sessions
from tests.pg_logins import password_login

pytestmark = pytest.mark.usefixtures("pg_school_server")
PASSWORD = "Corr3ct-horse"
PW_LOGIN = "pw_desk"  # a login that must give a password (scram-sha-256 for it alone)
OFFICE, OFFICE_PASSWORD = "Olive Office", "olive-password"


def _address(server: dict, dbname: str, login: str = engines.LOGIN) -> str:
    return f"postgresql://{login}@/{dbname}?host={server['host']}"


@pytest.fixture(autouse=True)
def _no_password_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))
    yield
    QSettings("AttendanceDesk", "AttendanceDesk").remove(SETTINGS_KEY)


@pytest.fixture
def server_school(request, tmp_path, pg_school_server):
    """A school on the test server: users (an administrator, the office), a class of three with
    this term's marks, TODAY's too (the full check counts a session whose register has closed by
    the clock as missing: without TODAY's marks it found three after 09:15). Its address as the
    PC's login."""
    store = engines.make_school_on(request, tmp_path, "postgresql")
    try:
        add_user(store, "", "Ann Admin", "admin", "admin-password")
        add_user(store, "Ann Admin", OFFICE, "office", OFFICE_PASSWORD)
        for n, name in enumerate(("Amy", "Ben", "Cat"), start=1):
            pupil = add_pupil(store, n, forename=name, surname="Server", reg_group="4A")
            put_marks(store, pupil, sessions(date(2024, 9, 3), TODAY, "/", calendar=CAL))
        name = store.path.name
    finally:
        store.close()
    return _address(pg_school_server, name)


@pytest.fixture(scope="module")
def pw_login(pg_school_server):
    """A login that must give a password (scram-sha-256 in pg_hba.conf for it alone)."""
    with password_login(pg_school_server, PW_LOGIN, PASSWORD) as login:
        yield login


class Script:
    """Acts on the modal dialogs as they come up (each step: the dialog's class, what to do)."""

    def __init__(self, *steps):
        self.steps = list(steps)
        self.seen: list[str] = []
        self.timer = QTimer()
        self.timer.setInterval(30)
        self.timer.timeout.connect(self._look)
        self.timer.start()

    def _look(self) -> None:
        dialog = QApplication.activeModalWidget()
        if not self.steps or dialog is None or not dialog.isVisible():
            return
        kind, act = self.steps[0]
        if isinstance(dialog, kind) and act(dialog) is not False:
            self.seen.append(type(dialog).__name__)
            self.steps.pop(0)

    def stop(self) -> None:
        self.timer.stop()


def type_address_and_connect(address: str):
    def act(dialog: ConnectDialog):
        if not dialog.connect_button.isEnabled():  # still connecting
            return False
        dialog.server.clear()
        dialog.server.setFocus()
        from pytestqt.qtbot import QtBot

        QtBot.keyClicks(dialog.server, address)
        QtBot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
        return None

    return (ConnectDialog, act)


def sign_in(name: str, password: str):
    def act(dialog: LoginDialog):
        from pytestqt.qtbot import QtBot

        dialog.name.setText(name)
        QtBot.keyClicks(dialog.password, password)
        QtBot.keyClick(dialog.password, Qt.Key.Key_Return)

    return (LoginDialog, act)


def _window_on(qtbot, connected) -> MainWindow:
    context = AppContext(
        connected.place, connected.user, TODAY, synchronous=True, store=connected.store
    )
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    return window


def register_names(window: MainWindow) -> list[str]:
    window.nav.setCurrentRow(1)
    model = window.views[1].model
    return [model.headerData(r, Qt.Orientation.Vertical) for r in range(model.rowCount())]


def test_connect_from_the_welcome_screen_sign_in_and_see_the_register(
    qtbot, tmp_path, server_school
):
    welcome = WelcomeDialog(tmp_path / "school.sqlite", TODAY)
    qtbot.addWidget(welcome)
    script = Script(type_address_and_connect(server_school), sign_in(OFFICE, OFFICE_PASSWORD))
    try:
        qtbot.mouseClick(welcome.server, Qt.MouseButton.LeftButton)
    finally:
        script.stop()
    assert script.seen == ["ConnectDialog", "LoginDialog"]
    assert welcome.result() == WelcomeDialog.DialogCode.Accepted and welcome.path is None
    connected = welcome.connected
    assert connected is not None and connected.user == OFFICE
    assert connected.store.on_server and str(connected.place) == server_school
    assert not (tmp_path / "school.sqlite").exists()  # no school file made
    window = _window_on(qtbot, connected)
    try:
        db = server_school.split("/")[3].split("?")[0]
        assert window.where.text() == (
            f"Test Primary School · School's server: {db} on this computer · signed in as {OFFICE}"
        )
        assert window.backup_label.text() == "Backups: by the school's IT (server)"
        names = register_names(window)
        assert len(names) == 3 and all("Server" in n for n in names), names
        assert "File" in window.menuBar().actions()[0].text()
        check = next(
            a for a in window.menuBar().actions()[0].menu().actions() if "Check" in a.text()
        )
        assert check.text() == "&Check the school's data…" and check.isEnabled()
        from attendance_desk.gui.check_dialog import CheckDialog

        found = []

        def read_and_close(dialog):
            if dialog.running:
                return False
            found.append((dialog.windowTitle(), dialog.result.toPlainText(), dialog.last.text()))
            dialog.reject()
            return None

        script = Script((CheckDialog, read_and_close))
        try:
            check.trigger()  # the full check, on the server
        finally:
            script.stop()
        title, report, last = found[0]
        assert title == "Check the school's data" and "No problems found." in report, report
        assert last == "Recorded in the school's database as the last full check."
    finally:
        window.close()
        window.context.close()


def test_a_wrong_address_is_said_in_the_dialog_and_nothing_is_opened(qtbot, tmp_path):
    dialog = ConnectDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.server, "attendance server")  # a space: not a server's name
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    assert dialog.message.isVisible()
    assert dialog.message.text().startswith("'attendance server' is not a server's name")
    dialog.server.clear()
    qtbot.keyClicks(dialog.server, f"postgresql://office_pc@/school?host={tmp_path}/nowhere")
    assert not dialog.database.isEnabled()  # the whole address: the other fields are not used
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.connect_button.isEnabled(), timeout=15000)
    text = dialog.message.text()
    assert "could not reach the school's server" in text.lower() and "Traceback" not in text
    assert dialog.store is None and dialog.isVisible() and dialog.result() == 0


def test_a_server_that_does_not_answer_is_not_waited_for_forever(qtbot, monkeypatch):
    """Connect shows that it is busy; if nothing comes back in time the dialog says so, may be
    tried again, and a late connection is closed unused."""
    import threading

    release = threading.Event()
    closed = []

    class LateStore:
        def close(self):
            closed.append(True)

    def hangs(place):
        release.wait(10)
        return LateStore()

    monkeypatch.setattr(server_dialog, "_connect", hangs)
    monkeypatch.setattr(server_dialog, "CONNECT_WAIT_MS", 300)
    dialog = ConnectDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.server, "attendance.school.local")
    qtbot.keyClicks(dialog.database, "attendance")
    qtbot.keyClicks(dialog.login, "office1")
    qtbot.keyClick(dialog.login, Qt.Key.Key_Return)
    assert dialog.connect_button.text() == "Connecting…" and not dialog.connect_button.isEnabled()
    assert not dialog.server.isEnabled()
    qtbot.waitUntil(lambda: dialog.connect_button.isEnabled(), timeout=5000)
    assert dialog.message.text().startswith("The server did not answer within 0 seconds") or (
        "did not answer" in dialog.message.text()
    )
    release.set()
    qtbot.waitUntil(lambda: bool(closed), timeout=5000)
    assert dialog.store is None and dialog.result() == 0


def test_the_password_is_asked_for_only_when_the_server_wants_one_and_retried(
    qtbot, pg_school_server, pw_login, server_school
):
    db = server_school.split("/")[3].split("?")[0]
    address = _address(pg_school_server, db, pw_login)
    dialog = ConnectDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.form.isRowVisible(dialog.password)  # not asked for up front
    qtbot.keyClicks(dialog.server, address)
    qtbot.mouseClick(dialog.remember, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.form.isRowVisible(dialog.password), timeout=15000)
    assert "asks for a password" in dialog.message.text() and dialog.store is None
    assert dialog.password.hasFocus() or dialog.focusWidget() is dialog.password
    qtbot.keyClicks(dialog.password, "wrong-one")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "did not accept" in dialog.message.text(), timeout=15000)
    assert "wrong-one" not in dialog.message.text() and dialog.password.text() == ""
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.store is not None, timeout=15000)
    assert dialog.result() == ConnectDialog.DialogCode.Accepted
    place, store = dialog.place, dialog.store
    assert isinstance(place, SchoolServer) and place.password == PASSWORD
    assert PASSWORD not in str(place) and PASSWORD not in repr(place)
    # remembered on this PC: the address, never the password
    remembered = QSettings("AttendanceDesk", "AttendanceDesk").value(SETTINGS_KEY)
    assert remembered == address and PASSWORD not in remembered
    # the window's background work opens its own connection with the password typed
    context = AppContext(place, OFFICE, TODAY, synchronous=True, store=store)
    try:
        got = []
        task = Task(context.path, lambda s, progress: s.query("SELECT current_user")[0][0])
        task.signals.done.connect(got.append)
        context.run(task)
        assert got == [pw_login]
    finally:
        context.close()
    # the next time, the remembered server is filled in and the password asked again
    again = ConnectDialog(address=server_dialog.remembered_server())
    qtbot.addWidget(again)
    assert again.server.text() == address and again.remember.isChecked()
    assert again.password.text() == ""


def connect_and_wait(qtbot, address: str) -> ConnectDialog:
    """The Connect dialog given `address` and Connect clicked, once its answer has come."""
    dialog = ConnectDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.server, address)
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.connect_button.isEnabled(), timeout=15000)
    return dialog


def test_a_database_not_made_ready_names_the_migrate_command(qtbot, pg_school_server):
    name = f"bare_{os.getpid()}_{next(engines._numbers)}"
    with engines._admin(pg_school_server["host"], pg_school_server["superuser"]) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    pg_school_server["databases"].append(name)
    dialog = connect_and_wait(qtbot, _address(pg_school_server, name))
    assert "migrate" in dialog.message.text() and dialog.store is None


def test_a_migrated_database_with_no_school_in_it_is_not_opened(qtbot, pg_school_server):
    """No users: a shared server is never opened without the app's sign-in."""
    store = engines.pg_store(pg_school_server)
    name = store.path.name
    store.close()
    dialog = connect_and_wait(qtbot, _address(pg_school_server, name))
    assert "has no school in it yet" in dialog.message.text()
    assert f"copy-to postgresql://attendance_owner@/{name}?host=" in dialog.message.text()
    assert "init --school NAME --urn URN" in dialog.message.text()  # or a new school, as README
    assert "user add --name NAME --role admin" in dialog.message.text()
    assert dialog.store is None


def test_file_connect_while_a_file_is_open_asks_about_unsaved_marks_then_switches(
    qtbot,
    monkeypatch,
    school,  # noqa: F811
    server_school,
):
    asked = []
    answers = iter(["cancel", "save"])

    def ask(parent, text):
        asked.append(text)
        return next(answers)

    monkeypatch.setattr(registers, "ask_unsaved", ask)
    context = AppContext(school, "office1", TODAY, synchronous=True)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    switched = []
    window.switched.connect(switched.append)
    view = window.views[1]
    window.nav.setCurrentRow(1)
    view.table.setFocus()
    qtbot.keyClick(view.table, "/")  # one mark typed, not saved
    assert view.model.pending
    connect = next(
        a for a in window.menuBar().actions()[0].menu().actions() if "server" in a.text()
    )
    connect.trigger()  # Cancel: nothing asked further, this school stays open
    assert len(asked) == 1 and "not saved" in asked[0]
    assert not switched and window.isVisible() and not context.closed and view.model.pending
    script = Script(type_address_and_connect(server_school), sign_in(OFFICE, OFFICE_PASSWORD))
    try:
        connect.trigger()  # Save, then the server
    finally:
        script.stop()
    assert script.seen == ["ConnectDialog", "LoginDialog"]
    saved = AppContext(school, "office1", TODAY, synchronous=True)
    try:  # the mark was saved in the school file before it was closed
        assert saved.store.marks.for_session(TODAY, "AM")
    finally:
        saved.close()
    assert len(switched) == 1
    new = switched[0]
    qtbot.addWidget(new)
    try:
        assert context.closed and not window.isVisible() and new.isVisible()
        assert new.context.on_server and new.context.user == OFFICE
        assert "School's server:" in new.where.text()
        assert len(register_names(new)) == 3
    finally:
        new.close()
        new.context.close()


def test_the_window_on_a_server_makes_no_backup_and_says_who_does(
    qtbot, tmp_path, server_school, monkeypatch
):
    started = []
    monkeypatch.setattr(
        "attendance_desk.services.backups.make_backup",
        lambda *a, **k: started.append(a),
    )
    from attendance_desk.services.server import connect_to_server

    place = SchoolServer(server_school)
    context = AppContext(place, OFFICE, TODAY, auto_backup=True, store=connect_to_server(place))
    window = MainWindow(context)
    qtbot.addWidget(window)
    try:
        with qtbot.waitSignal(window.startup_finished, timeout=10000):
            window.show()
        assert window.backup_timer is None and window._backup_task is None and not started
        assert window.backup_label.text() == "Backups: by the school's IT (server)"
        assert "pg_dump" in window.backup_label.toolTip()  # as the command line says
        assert window.share_warning is None
        settings = window.views[4]
        window.nav.setCurrentRow(4)
        folder = settings.inputs["backup_folder"]
        assert not folder.isEnabled() and "backed up by the school's IT" in folder.toolTip()
        assert settings.last_backup.text() == "by the school's IT (the school's server)"
    finally:
        window.close()
        context.close()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            ("attendance.school.local", "attendance", "office1"),
            "postgresql://office1@attendance.school.local/attendance",
        ),
        (("10.0.0.5:5433", "st_marys", ""), "postgresql://10.0.0.5:5433/st_marys"),
        (
            ("  postgresql://office1:secret@db.school.local/att  ", "ignored", "ignored"),
            "postgresql://office1@db.school.local/att",
        ),
    ],
)
def test_the_address_from_its_sheet(fields, expected):
    address, password = server_address(*fields)
    assert address == expected
    assert password == ("secret" if "secret" in fields[0] else None)


def test_the_server_is_named_as_it_names_itself():
    assert describe_server("postgresql://office1@db.school.local:5433/attendance") == (
        "attendance on db.school.local:5433"
    )
    assert describe_server("postgresql://office1@/attendance?host=/run/postgresql") == (
        "attendance on this computer"
    )


def test_an_address_missing_what_is_needed_is_named():
    with pytest.raises(ServiceError, match="type the server's name"):
        server_address("", "attendance", "office1")
    with pytest.raises(ServiceError, match="type the database's name"):
        server_address("attendance.school.local", "", "office1")
    with pytest.raises(ServiceError, match="names no database"):
        server_address("postgresql://office1@db.school.local/", "", "")


def test_the_command_lines_server_address_opens_the_connect_dialog_and_signs_in(
    qtbot, server_school
):
    """`attendance-desk --db postgresql://…` with no command: run_gui connects straight away (the
    address given, as argparse may have left it: one slash of the two), then the app's sign-in."""
    from attendance_desk.gui.app import _server_at_start

    mangled = Path(server_school)  # what a Path makes of it
    assert str(mangled).startswith("postgresql:/office_pc")
    script = Script(sign_in(OFFICE, OFFICE_PASSWORD))
    try:
        connected = _server_at_start(mangled, OFFICE, smoke=False)
    finally:
        script.stop()
    assert script.seen == ["LoginDialog"]
    assert connected and connected.user == OFFICE and str(connected.place) == server_school
    connected.store.close()


def test_a_server_remembered_on_this_pc_is_opened_at_start(qtbot, server_school, tmp_path):
    from attendance_desk.gui.app import _server_at_start
    from attendance_desk.paths import default_db_path

    assert _server_at_start(default_db_path(), OFFICE, smoke=False) is None  # nothing remembered
    server_dialog.remember_server(server_school)
    assert _server_at_start(tmp_path / "other.sqlite", OFFICE, smoke=False) is None  # --db FILE
    script = Script((LoginDialog, lambda dialog: dialog.reject()))
    try:
        # cancelled: this PC's own school file (or the welcome screen) instead
        assert _server_at_start(default_db_path(), OFFICE, smoke=False) is None
    finally:
        script.stop()
    assert script.seen == ["LoginDialog"]
    script = Script((LoginDialog, lambda dialog: dialog.reject()))
    try:  # --db postgresql://… cancelled: the program ends
        assert _server_at_start(server_school, OFFICE, smoke=False) is False
    finally:
        script.stop()


def test_the_command_line_opens_the_window_on_a_server(server_school, tmp_path):
    """`attendance-desk --db postgresql://… --smoke`, as its own process: the window opens on the
    server, paints once when its start-up work is done (no backup on a server) and closes."""
    import subprocess
    import sys

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-m", "attendance_desk", "--db", server_school, "--as", OFFICE, "--smoke"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr


def test_a_password_pasted_inside_the_address_is_taken_out_of_it(
    qtbot, pg_school_server, pw_login, server_school
):
    db = server_school.split("/")[3].split("?")[0]
    pasted = f"postgresql://{pw_login}:not-it@/{db}?host={pg_school_server['host']}"
    dialog = ConnectDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.server, pasted)
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    assert "not-it" not in dialog.server.text()  # moved into the password field, shown as dots
    qtbot.waitUntil(lambda: dialog.connect_button.isEnabled(), timeout=15000)
    assert "did not accept the password" in dialog.message.text()
    assert "not-it" not in dialog.message.text()
    assert dialog.form.isRowVisible(dialog.password) and dialog.password.text() == ""
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.store is not None, timeout=15000)
    assert str(dialog.place) == _address(pg_school_server, db, pw_login)
    dialog.store.close()


def test_a_lost_connection_is_said_plainly_and_the_window_connects_again(
    qtbot, tmp_path, pg_school_server, server_school, monkeypatch
):
    """The server restarted or the network dropped: the error that reaches the window is one
    sentence in an ordinary message (not "Something went wrong"), and the window's connection is
    opened again, so the next action works (tests/gui/test_server_down.py: the server down)."""
    import sys

    from attendance_desk.gui import error_log
    from attendance_desk.services.school import school_settings
    from attendance_desk.services.server import connect_to_server

    shown = []
    monkeypatch.setattr(error_log, "show_error_dialog", lambda parent, text: shown.append(text))
    monkeypatch.setattr(error_log, "show_server_dialog", lambda parent, text: shown.append(text))
    place = SchoolServer(server_school)
    context = AppContext(place, OFFICE, TODAY, synchronous=True, store=connect_to_server(place))
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    installed = error_log.install_error_log(tmp_path / "logs")
    try:
        db = server_school.split("/")[3].split("?")[0]
        with engines._admin(pg_school_server["host"], pg_school_server["superuser"]) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (db,),
            )
        lost = context._store
        with pytest.raises(Exception) as raised:  # what a slot would meet
            school_settings(lost)
        sys.excepthook(raised.type, raised.value, raised.tb)  # as Qt hands it on
        assert shown == [
            "The connection to the school's server was lost, and has been made again: what was "
            "not confirmed as saved was not saved. Try again."
        ]
        assert context.store is not lost  # connected again
        assert len(register_names(window)) == 3
    finally:
        installed.uninstall()
        window.close()
        context.close()
    assert context.server_said not in error_log.SERVER_LOST


def test_unticking_remember_forgets_the_server_even_without_connecting(qtbot, tmp_path):
    """A PC going back to its own school file, or a server that has gone."""
    gone = f"postgresql://office_pc@/attendance?host={tmp_path}/gone"
    server_dialog.remember_server(gone)
    dialog = ConnectDialog(address=server_dialog.remembered_server())
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.remember.isChecked() and dialog.server.text() == gone
    qtbot.mouseClick(dialog.remember, Qt.MouseButton.LeftButton)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert server_dialog.remembered_server() == ""


def test_connecting_elsewhere_unticked_keeps_the_server_remembered(qtbot, server_school):
    other = "postgresql://office1@attendance.school.local/attendance"
    server_dialog.remember_server(other)
    dialog = ConnectDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.server, server_school)
    assert not dialog.remember.isChecked()
    qtbot.keyClick(dialog.server, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.store is not None, timeout=15000)
    dialog.store.close()
    assert server_dialog.remembered_server() == other


def test_a_password_in_an_address_is_never_shown_in_the_server_field(qtbot):
    """Pasted (or typed, once its @ is there), the password goes straight into the password field
    as dots; the Server field keeps the address without it (review item 11)."""
    dialog = ConnectDialog()
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.show()
        dialog.activateWindow()
    assert not dialog.form.isRowVisible(dialog.password)
    QApplication.clipboard().setText("postgresql://office_pc:Sec%2Fret-1@10.0.0.5:5432/attendance")
    dialog.server.setFocus()
    qtbot.keyClick(dialog.server, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert dialog.server.text() == "postgresql://office_pc@10.0.0.5:5432/attendance"
    assert dialog.password.text() == "Sec/ret-1"
    assert dialog.form.isRowVisible(dialog.password)
    assert dialog.password.echoMode() == dialog.password.EchoMode.Password
    qtbot.keyClick(dialog.server, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo
    assert "Sec" not in dialog.server.text()
    dialog.server.clear()
    qtbot.keyClicks(dialog.server, "postgresql://office_pc:typed-pw@db.school.local/attendance")
    assert dialog.server.text() == "postgresql://office_pc@db.school.local/attendance"
    assert dialog.password.text() == "typed-pw"
    dialog.server.clear()
    with qtbot.waitActive(dialog):
        dialog.activateWindow()
    dialog.server.setFocus()
    qtbot.keyClicks(dialog.server, "postgresql://office_pc@/attendance?host=/run/pg&password=x9")
    assert dialog.password.text() == "typed-pw"  # not yet: "&password=x" may go on
    dialog.remember.setFocus()  # an option has no end mark: taken out when the field is left
    qtbot.waitUntil(lambda: dialog.password.text() == "x9", timeout=2000)
    assert dialog.server.text() == "postgresql://office_pc@/attendance?host=/run/pg"
    assert dialog.password.text() == "x9"


@pytest.mark.parametrize("points", [None, 12])
def test_the_connect_dialog_grows_for_the_password_row_and_a_message(qtbot, points):
    """The fields keep their height when the password row and a long refusal appear: the dialog
    grows instead of squashing them (22 to 11 pixels, their text cut; review item 9)."""
    from PySide6.QtGui import QFont

    app = QApplication.instance()
    before = app.font()
    if points:
        font = QFont(before)
        font.setPointSize(points)
        app.setFont(font)
    try:
        dialog = ConnectDialog()
        qtbot.addWidget(dialog)
        with qtbot.waitExposed(dialog):
            dialog.show()
        edits = (dialog.server, dialog.database, dialog.login)
        assert all(e.height() >= e.sizeHint().height() for e in edits)
        dialog._password_row()
        dialog._show(
            "the school's server at 10.0.0.5:5432 did not accept the password for the login "
            "'office_pc': check it (or the pgpass file) with whoever looks after the server. "
            "Nothing was opened"
        )
        qtbot.wait(50)
        for edit in (*edits, dialog.password):
            assert edit.height() >= edit.sizeHint().height(), (edit.accessibleName(), points)
        assert dialog.message.height() >= dialog.message.heightForWidth(dialog.message.width())
        if os.environ.get("AD_SHOTS"):
            dialog.grab().save(f"{os.environ['AD_SHOTS']}/connect-grown-{points or 'default'}.png")
    finally:
        app.setFont(before)
