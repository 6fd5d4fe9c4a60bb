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


def test_create_asks_for_the_password_length_the_program_needs(qtbot, tmp_path, monkeypatch):
    """The form says the real minimum (domain/roles.py MIN_LENGTH, what `user add` needs too), and
    a shorter password is refused before the school file is made: no file left with no
    administrator (review item 11)."""
    from attendance_desk.domain.roles import MIN_LENGTH
    from attendance_desk.gui.welcome import CreateSchoolDialog

    errors = []
    monkeypatch.setattr(
        "attendance_desk.gui.welcome.show_error", lambda parent, message: errors.append(message)
    )
    form = CreateSchoolDialog(TODAY)
    qtbot.addWidget(form)
    layout = form.layout().itemAt(0).layout()
    labels = [layout.labelForField(form.password).text()]
    assert labels == [f"Password ({MIN_LENGTH}+ characters)"] and MIN_LENGTH == 10
    path = tmp_path / "school.sqlite"
    welcome = WelcomeDialog(path, TODAY)
    qtbot.addWidget(welcome)
    passwords = iter(["nine-char", "password123", "ten-chars!"])
    seen_file = []

    def fill_in():
        dialog = QApplication.activeModalWidget()
        dialog.fields["name"].setText("Hill Top Primary")
        dialog.fields["urn"].setText("123456")
        dialog.admin.setText("Ann Admin")
        password = next(passwords)
        dialog.password.setText(password)
        if password != "ten-chars!":
            QTimer.singleShot(0, check_and_fill)
        dialog.accept()

    def check_and_fill():
        seen_file.append(path.exists())
        fill_in()

    QTimer.singleShot(0, fill_in)
    qtbot.mouseClick(welcome.create, Qt.MouseButton.LeftButton)
    assert errors[0] == (
        "a password needs at least 10 characters (a short sentence is easy to remember): "
        "you will be the administrator"
    )
    assert len(errors) == 2 and "commonest passwords" in errors[1]  # refused by add_user
    assert seen_file == [False, False]  # nothing left by either refused try
    assert welcome.path == path
    store = open_store(path)
    assert [(u.name, u.role) for u in store.users.all()] == [("Ann Admin", "admin")]
    store.close()
