"""The window fits the screens schools have, its settings validate, and its keys are listed."""

from datetime import date

import pytest
from PySide6.QtCore import Qt, QTime, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QPushButton, QScrollArea

from attendance_desk.gui import settings as settings_page
from attendance_desk.gui.context import AppContext
from attendance_desk.gui.help import KeyboardHelp
from attendance_desk.gui.main_window import MainWindow
from tests.gui.test_window import TODAY, go, school, window  # noqa: F401, F811  (fixtures)


@pytest.mark.parametrize("points", [None, 12])
def test_the_window_fits_1280_by_720(qtbot, school, points):  # noqa: F811
    app = QApplication.instance()
    before = app.font()
    if points:
        font = QFont(before)
        font.setPointSize(points)
        app.setFont(font)
    try:
        context = AppContext(school, "office1", TODAY, synchronous=True)
        win = MainWindow(context)
        qtbot.addWidget(win)
        win.show()
        for row in range(len(win.views)):  # every screen, filled
            win.nav.setCurrentRow(row)
        hint, minimum = win.minimumSizeHint(), win.minimumSize()
        assert hint.width() <= 1280 and hint.height() <= 720, (points, hint)
        assert minimum.width() <= 1280 and minimum.height() <= 720
        win.resize(1280, 720)
        assert win.width() == 1280 and win.height() == 720
        win.close()
        context.close()
    finally:
        app.setFont(before)


def test_headings_follow_the_application_font(qtbot, window):  # noqa: F811
    from attendance_desk.gui.widgets import heading

    small = heading("A").font().pointSizeF()
    app = QApplication.instance()
    before = app.font()
    font = QFont(before)
    font.setPointSizeF(before.pointSizeF() * 1.5)
    app.setFont(font)
    try:
        assert heading("A").font().pointSizeF() == pytest.approx(small * 1.5)
    finally:
        app.setFont(before)
    assert "font-size" not in window.styleSheet()


def test_every_settings_page_scrolls(qtbot, window):  # noqa: F811
    view = go(window, 4)
    for page in range(view.tabs.count() - 1):  # the audit log is a table: it scrolls itself
        assert isinstance(view.tabs.widget(page), QScrollArea)


def test_register_times_are_pickers_and_close_after_open(qtbot, window, monkeypatch):  # noqa: F811
    view = go(window, 4)
    errors = []
    monkeypatch.setattr(settings_page, "show_error", lambda parent, message: errors.append(message))
    closes = view.times["am_register_closes"]
    save = next(b for b in view.findChildren(QPushButton) if b.text() == "&Save school details")
    closes.setFocus()
    closes.setTime(QTime(8, 30))  # before the 08:45 opening
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    problem = view.problems["am_register_closes"]  # said at the field, not in a box
    assert problem.isVisible() and "AM register must close after it opens (08:45)" in problem.text()
    assert not errors and closes.hasFocus()
    assert window.context.store.settings.school().am_register_closes == "09:15"
    closes.setTime(QTime(9, 5))
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert window.context.store.settings.school().am_register_closes == "09:05"
    assert not problem.isVisible()


def test_a_closure_on_a_taken_register_is_refused_with_the_reason(qtbot, window, monkeypatch):  # noqa: F811
    from tests.helpers import put_marks

    store = window.context.store
    amy = next(p for p in store.pupils.all() if p.forename == "Amy")
    put_marks(store, amy, {(TODAY, "AM"): "/"})
    store.marks.record_register_taken("4A", TODAY, "AM", "office1")
    view = go(window, 4)
    errors = []
    monkeypatch.setattr(settings_page, "show_error", lambda parent, message: errors.append(message))
    view.closure_text.setText("heating failure")
    qtbot.mouseClick(
        next(b for b in view.findChildren(QPushButton) if b.text() == "Add closure"),
        Qt.MouseButton.LeftButton,
    )
    problem = view.closure_problem  # said under the closure's form, not in a box
    assert not problem.isHidden() and "already taken for 4A" in problem.text() and not errors
    assert not [c for c in store.calendar.closures() if c.day == TODAY]


def test_switching_the_support_map_lists_the_stages_carried_over(qtbot, window, monkeypatch):  # noqa: F811
    store = window.context.store
    amy = next(p for p in store.pupils.all() if p.forename == "Amy")
    store.stages.record(
        amy.id,
        "entered",
        "stage1",
        "support_map.toml",
        4,
        {},
        "test",
        "office1",
        occurred_on=date(2024, 11, 1),
    )
    view = go(window, 4)
    shown = []
    monkeypatch.setattr(
        settings_page, "show_changes", lambda parent, title, text: shown.append(text)
    )
    view.map_choice.setCurrentIndex(view.map_choice.findData("la_three_stage.toml"))
    qtbot.mouseClick(
        next(b for b in view.findChildren(QPushButton) if b.text() == "Use this support map"),
        Qt.MouseButton.LeftButton,
    )
    assert store.settings.school().support_map == "la_three_stage.toml"
    assert shown and "Amy" in shown[0] and "→" in shown[0]


def test_help_keyboard_lists_every_shortcut(qtbot, window):  # noqa: F811
    listed = []

    def read_and_close():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, KeyboardHelp)
        table = dialog.table
        listed.extend(
            (table.item(r, 1).text(), table.item(r, 2).text()) for r in range(table.rowCount())
        )
        dialog.reject()

    QTimer.singleShot(0, read_and_close)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    keys = {k for k, _ in listed}
    assert {"Ctrl+1", "Ctrl+5", "Ctrl+I", "Ctrl+Q", "Ctrl+S", "Ctrl+P", "Ctrl+L", "F1"} <= keys
    assert ("Ctrl+S", "Save the register") in listed
    assert any(k.startswith("F2") for k in keys)


def test_tab_order_class_then_grid(qtbot, window):  # noqa: F811
    view = go(window, 1)
    view.group.setFocus()
    qtbot.keyClick(view.group, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is view.table


def test_tab_order_date_session_list_on_today(qtbot, window):  # noqa: F811
    view = go(window, 0)
    view.session.setFocus()  # (Tab inside the date box walks its day, month and year first)
    qtbot.keyClick(view.session, Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() is view.day
    view.session.setFocus()
    qtbot.keyClick(view.session, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is view.tree
