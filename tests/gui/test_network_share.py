"""A school file on a network drive: the window and the command line say so and point to the server
option; the server option itself is refused plainly in this version (issue 16)."""

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


def test_the_welcome_screen_explains_the_server_option(qtbot, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(
        "PySide6.QtWidgets.QMessageBox.information",
        lambda parent, title, text: shown.append((title, text)),
    )
    welcome = WelcomeDialog(tmp_path / "school.sqlite", TODAY)
    qtbot.addWidget(welcome)
    qtbot.mouseClick(welcome.server, Qt.MouseButton.LeftButton)
    assert shown and shown[0][0] == "Connect to the school's server"
    assert shown[0][1].startswith("The server option is not available in this version")
    assert welcome.path is None  # nothing opened
