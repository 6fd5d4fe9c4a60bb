"""File → Open a school file… (Ctrl+O): the unsaved marks asked about first, the other school's
sign-in, then the window on it; a file that is not a school file said plainly, nothing changed."""

from PySide6.QtWidgets import QFileDialog

from attendance_desk.gui import main_window as main_window_module
from attendance_desk.gui import registers
from attendance_desk.gui.context import AppContext
from attendance_desk.gui.main_window import MainWindow
from attendance_desk.services.users import add_user
from tests.gui.test_server_window import Script, sign_in
from tests.gui.test_window import TODAY, school  # noqa: F401  (fixture)
from tests.helpers import make_school


def _open_action(window):
    return next(a for a in window.menuBar().actions()[0].menu().actions() if "Open" in a.text())


def _window_on(qtbot, path):
    """The window on the school file `path`, and the windows it switches to, as they appear."""
    context = AppContext(path, "office1", TODAY, synchronous=True)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    switched: list = []
    window.switched.connect(switched.append)
    return context, window, switched


def test_open_another_school_file_signs_in_and_switches(qtbot, tmp_path, monkeypatch, school):  # noqa: F811
    other_folder = tmp_path / "other"
    other_folder.mkdir()
    other = make_school(other_folder)
    add_user(other, "", "Admin", "admin", "admin-pass-1234")
    add_user(other, "Admin", "Head", "head", "head-pass-1234")
    other.close()
    other_path = other_folder / "school.sqlite"
    monkeypatch.setattr(registers, "ask_unsaved", lambda parent, text: "discard")
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", lambda *a, **k: (str(other_path), "School files")
    )
    context, window, switched = _window_on(qtbot, school)
    action = _open_action(window)
    assert action.shortcut().toString() == "Ctrl+O"
    script = Script(sign_in("Head", "head-pass-1234"))
    try:
        action.trigger()
    finally:
        script.stop()
    assert script.seen == ["LoginDialog"]
    assert len(switched) == 1
    new = switched[0]
    qtbot.addWidget(new)
    try:
        assert context.closed and not window.isVisible() and new.isVisible()
        assert new.context.store.path == other_path and new.context.user == "Head"
    finally:
        new.close()
        new.context.close()


def test_a_file_that_is_not_a_school_file_is_said_plainly(qtbot, tmp_path, monkeypatch, school):  # noqa: F811
    junk = tmp_path / "notes.sqlite"
    junk.write_text("shopping list\n")
    shown = []
    monkeypatch.setattr(main_window_module, "show_error", lambda parent, text: shown.append(text))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(junk), ""))
    context, window, switched = _window_on(qtbot, school)
    try:
        _open_action(window).trigger()
        assert not switched and window.isVisible() and not context.closed
        assert len(shown) == 1 and "notes.sqlite was not opened" in shown[0]
        assert "not an Attendance Desk school file" in shown[0]
        assert junk.read_text() == "shopping list\n"  # untouched
    finally:
        window.close()
        context.close()
