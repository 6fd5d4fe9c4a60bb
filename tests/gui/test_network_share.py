"""A school file on a network drive: the window and the command line say so and point to the server
option (issue 16); the welcome screen's Connect to the school's server… opens the Connect dialog."""

from datetime import date

from PySide6.QtCore import Qt

from attendance_desk.gui.context import AppContext
from attendance_desk.gui.main_window import MainWindow
from attendance_desk.gui.welcome import WelcomeDialog
from attendance_desk.store import db as store_db
from attendance_desk.store.location import Location
from tests.helpers import make_school

SHARE = Location(True, "cifs", "//nas/attendance on /mnt/office")
TODAY = date(2024, 11, 20)


def on_a_share(monkeypatch):
    monkeypatch.setattr(store_db, "network_location", lambda _p: SHARE)
    monkeypatch.setattr("attendance_desk.services.server.network_location", lambda _p: SHARE)


def test_the_window_says_the_file_is_on_a_network_drive(qtbot, tmp_path, monkeypatch):
    make_school(tmp_path).close()
    on_a_share(monkeypatch)
    context = AppContext(tmp_path / "school.sqlite", "office1", TODAY, synchronous=True)
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.show()
    try:
        assert win.share_warning is not None and win.share_warning.isVisible()
        assert "one PC at a time" in win.share_warning.text()
        tip = win.share_warning.toolTip()
        assert "cifs: //nas/attendance" in tip and "server option (PostgreSQL" in tip
        assert context.store.query("PRAGMA journal_mode")[0][0] == "delete"
    finally:
        win.close()
        context.close()


def test_a_local_file_shows_no_network_warning(qtbot, tmp_path):
    make_school(tmp_path).close()
    context = AppContext(tmp_path / "school.sqlite", "office1", TODAY, synchronous=True)
    win = MainWindow(context)
    qtbot.addWidget(win)
    try:
        assert win.share_warning is None
        names = [a.text() for a in win.menuBar().actions()[0].menu().actions()]
        assert "Connect to the &school's server…" in names
    finally:
        win.close()
        context.close()


def test_the_welcome_screen_opens_the_connect_dialog(qtbot, tmp_path, monkeypatch):
    """The server option is the Connect dialog (tests/gui/test_server_window.py drives it on a real
    server); cancelled, nothing is opened."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from attendance_desk.gui.server_dialog import ConnectDialog

    shown = []

    def cancel():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ConnectDialog):
            QTimer.singleShot(20, cancel)
            return
        shown.append(dialog.windowTitle())
        dialog.reject()

    welcome = WelcomeDialog(tmp_path / "school.sqlite", TODAY)
    qtbot.addWidget(welcome)
    QTimer.singleShot(0, cancel)
    qtbot.mouseClick(welcome.server, Qt.MouseButton.LeftButton)
    assert shown == ["Connect to the school's server"]
    assert welcome.path is None and welcome.connected is None  # nothing opened
    assert not (tmp_path / "school.sqlite").exists()
