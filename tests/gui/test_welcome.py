from datetime import date

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from attendance_desk.gui.welcome import WelcomeDialog
from attendance_desk.store.db import open_store

TODAY = date(2026, 11, 24)


def test_first_run_creates_a_school_with_this_years_calendar(qtbot, tmp_path, monkeypatch):
    errors = []
    monkeypatch.setattr(
        "attendance_desk.gui.welcome.show_error", lambda parent, message: errors.append(message)
    )
    path = tmp_path / "school.sqlite"
    welcome = WelcomeDialog(path, TODAY)
    qtbot.addWidget(welcome)
    attempts = iter([("Hill Top Primary", "12345"), ("Hill Top Primary", "123456")])

    def fill_in():
        dialog = QApplication.activeModalWidget()
        name, urn = next(attempts)
        dialog.fields["name"].setText(name)
        dialog.fields["urn"].setText(urn)
        dialog.fields["head_teacher"].setText("Mrs A. Head")
        dialog.admin.setText("Ann Admin")
        dialog.password.setText("a-good-password")
        if urn == "12345":  # the form comes back after the error
            QTimer.singleShot(0, fill_in)
        dialog.accept()

    QTimer.singleShot(0, fill_in)
    qtbot.mouseClick(welcome.create, Qt.MouseButton.LeftButton)
    assert errors == ["URN must be 6 digits, not '12345'"]
    assert welcome.path == path and not welcome.import_ctf and welcome.admin_name == "Ann Admin"
    store = open_store(path)
    assert store.settings.school().head_teacher == "Mrs A. Head"
    assert [t.name for t in store.calendar.terms()][0] == "Autumn 1 2026"
    assert [(u.name, u.role) for u in store.users.all()] == [("Ann Admin", "admin")]
    store.close()


def test_first_run_can_open_the_demo(qtbot, tmp_path):
    welcome = WelcomeDialog(tmp_path / "school.sqlite", TODAY)
    qtbot.addWidget(welcome)
    qtbot.mouseClick(welcome.demo, Qt.MouseButton.LeftButton)
    assert welcome.path == tmp_path / "demo-school.sqlite" and welcome.path.exists()
    assert not (tmp_path / "school.sqlite").exists()
