"""Settings in the window, driven by keys and clicks (issue 12 items 4 and 7): choices are tick boxes
and lists, numbers are number boxes, a refused value is said at its field with nothing saved, the
dead settings are gone, and every page fits 1280x720 and 1366x768 at a 12 pt font."""

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QLabel, QPushButton, QSpinBox

from attendance_desk.gui import settings as settings_page
from attendance_desk.gui.context import AppContext
from attendance_desk.gui.main_window import MainWindow
from tests.gui.test_window import TODAY, go, school, window  # noqa: F401, F811  (fixtures)


def button(view, text):
    return next(b for b in view.findChildren(QPushButton) if b.text() == text)


def retype(qtbot, widget, text):
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(widget, text)


@pytest.fixture
def errors(monkeypatch):
    shown = []
    monkeypatch.setattr(settings_page, "show_error", lambda parent, message: shown.append(message))
    return shown


def test_the_lateness_ladder_is_refused_at_the_field_and_nothing_saved(qtbot, window, errors):  # noqa: F811
    view = go(window, 4)
    store = window.context.store
    before, logged = store.settings.school(), len(store.audit.entries())
    second = view.numbers["lateness_letter2"]
    assert isinstance(second, QSpinBox) and (second.minimum(), second.maximum()) == (1, 100)
    retype(qtbot, second, "4")  # below the first letter's 5
    qtbot.mouseClick(button(view, "&Save school details"), Qt.MouseButton.LeftButton)
    problem = view.problems["lateness_letter2"]
    assert problem.isVisible()
    assert problem.text() == (
        "The second lateness letter (4) must need more late marks than the first (5)"
    )
    assert second.hasFocus() and not errors
    assert store.settings.school() == before and len(store.audit.entries()) == logged
    retype(qtbot, second, "12")
    qtbot.mouseClick(button(view, "&Save school details"), Qt.MouseButton.LeftButton)
    assert store.settings.school().lateness_letter2 == "12" and not problem.isVisible()


def test_an_empty_school_name_is_refused_at_the_field(qtbot, window, errors):  # noqa: F811
    view = go(window, 4)
    name = view.edits["name"]
    retype(qtbot, name, "")
    qtbot.keyClick(name, Qt.Key.Key_Delete)
    qtbot.mouseClick(button(view, "&Save school details"), Qt.MouseButton.LeftButton)
    assert view.problems["name"].text() == "Required; it cannot be empty"
    assert window.context.store.settings.school().name == "Test Primary School"


def test_choices_are_a_tick_box_and_a_list_not_free_text(qtbot, window, errors):  # noqa: F811
    view = go(window, 4)
    store = window.context.store
    tell = view.checks["part_time_tell_la"]
    assert isinstance(tell, QCheckBox) and tell.isChecked()
    tell.setFocus()
    qtbot.keyClick(tell, Qt.Key.Key_Space)
    qtbot.mouseClick(button(view, "&Save school details"), Qt.MouseButton.LeftButton)
    assert store.settings.school().part_time_tell_la == "no" and not errors
    # the 1 September choice sits with the support map, as a list of what each value means
    view.tabs.setCurrentIndex(2)
    year_start = view.year_start
    assert isinstance(year_start, QComboBox)
    assert [year_start.itemText(i) for i in range(year_start.count())] == [
        "Pupils keep their stage",
        "Every pupil starts the year with no stage",
    ]
    year_start.setFocus()
    qtbot.keyClick(year_start, Qt.Key.Key_Down)
    qtbot.mouseClick(button(view, "Save the 1 September choice"), Qt.MouseButton.LeftButton)
    assert store.settings.school().stages_at_year_start == "restart"
    assert store.audit.entries()[-1].detail == "stages_at_year_start: 'keep' → 'restart'"
    view.refresh()  # the audit log says when in dd/mm/yyyy, as everything a person reads
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", view.audit.item(0, 0).text())
    assert view.audit.item(0, 4).text() == "stages_at_year_start: 'keep' → 'restart'"


def test_the_dead_settings_are_not_shown(qtbot, window):  # noqa: F811
    view = go(window, 4)
    labels = {label.text() for label in view.findChildren(QLabel)}
    assert not {t for t in labels if "Support map file" in t or "Logo for letters" in t}
    assert "logo" not in view.edits and "head_signature" not in view.edits
    assert "support_map" not in view.edits  # chosen on the Support map page, carried over


def test_a_saved_value_the_program_cannot_use_is_said_at_its_field(qtbot, school):  # noqa: F811
    from attendance_desk.store.db import open_store

    with open_store(school) as store, store.write() as db:  # an older file edited by hand
        db.execute(
            "UPDATE settings SET value = json_set(value, '$.lock_minutes', 'ten') WHERE key = 'school'"
        )
    context = AppContext(school, "office1", TODAY, synchronous=True)
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.show()
    view = go(win, 4)
    assert view.numbers["lock_minutes"].value() == 10
    assert view.problems["lock_minutes"].text().startswith("Saved as 'ten', which cannot be used")
    win.close()
    context.close()


@pytest.mark.parametrize("size, points", [((1280, 720), None), ((1366, 768), 12)])
def test_every_settings_page_fits_without_sideways_scrolling(qtbot, school, size, points):  # noqa: F811
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
        win.resize(*size)
        win.show()
        view = go(win, 4)
        for page in range(view.tabs.count() - 1):  # the audit log is a table: it scrolls itself
            view.tabs.setCurrentIndex(page)
            app.processEvents()
            area = view.tabs.widget(page)
            assert area.horizontalScrollBar().maximum() == 0, view.tabs.tabText(page)
        assert (win.width(), win.height()) == size
        win.close()
        context.close()
    finally:
        app.setFont(before)


def test_a_term_or_closure_outside_the_school_year_is_refused_under_its_form(qtbot, window, errors):  # noqa: F811
    from datetime import date

    from attendance_desk.gui.widgets import to_qdate

    view = go(window, 4)
    view.tabs.setCurrentIndex(1)
    store = window.context.store
    terms, closures = store.calendar.terms(), store.calendar.closures()
    view.term_name.setFocus()
    qtbot.keyClicks(view.term_name, "Summer 2 2025")
    view.term_start.setDate(to_qdate(date(2025, 6, 2)))
    view.term_end.setDate(to_qdate(date(2025, 9, 5)))  # past 31 August
    qtbot.mouseClick(button(view, "Add term"), Qt.MouseButton.LeftButton)
    assert view.term_problem.isVisible()
    assert view.term_problem.text().startswith(
        "A term lies within one school year (01/09/2024 to 31/08/2025)"
    )
    view.closure_day.setDate(to_qdate(date(2024, 12, 23)))  # the Christmas holiday
    view.closure_text.setFocus()
    qtbot.keyClicks(view.closure_text, "Burst pipe")
    qtbot.mouseClick(button(view, "Add closure"), Qt.MouseButton.LeftButton)
    assert view.closure_problem.text().startswith("23/12/2024 is not in a term of 2024/25")
    assert store.calendar.terms() == terms and store.calendar.closures() == closures
    assert not errors
    view.term_end.setDate(to_qdate(date(2025, 7, 18)))
    qtbot.mouseClick(button(view, "Add term"), Qt.MouseButton.LeftButton)
    assert not view.term_problem.isVisible()
    assert "Summer 2 2025" in [t.name for t in store.calendar.terms()]


def test_the_window_opens_with_a_lock_time_it_cannot_use(qtbot, school):  # noqa: F811
    """A hand-edited lock time no longer stops the window opening: the usual 10 minutes apply."""
    from attendance_desk.services.users import add_user
    from attendance_desk.store.db import open_store

    with open_store(school) as store:
        add_user(store, "", "Admin", "admin", "admin-pass-1")
        with store.write() as db:
            db.execute(
                "UPDATE settings SET value = json_set(value, '$.lock_minutes', 'ten') "
                "WHERE key = 'school'"
            )
    context = AppContext(school, "Admin", TODAY, synchronous=True)
    win = MainWindow(context)
    qtbot.addWidget(win)
    assert win.idle_lock.timer.interval() == 10 * 60_000
    win.close()
    context.close()


def test_enter_in_a_text_field_saves_and_section_headings_follow_the_font(qtbot, window, errors):  # noqa: F811
    view = go(window, 4)
    email = view.edits["email"]
    retype(qtbot, email, "office at school")
    qtbot.keyClick(email, Qt.Key.Key_Return)
    assert view.problems["email"].text().startswith("Give an email address")
    retype(qtbot, email, "office@test.example")
    qtbot.keyClick(email, Qt.Key.Key_Return)
    assert window.context.store.settings.school().email == "office@test.example"
    assert view.problems["email"].isHidden() and not errors

    app = QApplication.instance()
    small = settings_page.section("A").font().pointSizeF()
    before = app.font()
    font = QFont(before)
    font.setPointSizeF(before.pointSizeF() * 1.5)
    app.setFont(font)
    try:
        assert settings_page.section("A").font().pointSizeF() == pytest.approx(small * 1.5)
    finally:
        app.setFont(before)


def test_a_refused_new_user_is_said_under_the_form(qtbot, window, errors):  # noqa: F811
    view = go(window, 4)
    view.tabs.setCurrentIndex(4)
    view.new_name.setFocus()
    qtbot.keyClicks(view.new_name, "Office Two")  # the first user must be the administrator
    qtbot.keyClicks(view.new_password, "office-pass-2")
    qtbot.mouseClick(button(view, "Add user"), Qt.MouseButton.LeftButton)
    assert view.user_problem.isVisible() and not errors
    assert view.user_problem.text() == "The first user must be an administrator"
    assert window.context.store.users.all() == [] and window.context.user == "office1"


def test_every_setting_has_one_place_in_the_window():
    from attendance_desk.services.settings import BY_NAME

    names = [n for _, names in settings_page.SECTIONS for n in names]
    names += list(settings_page.ON_THE_MAP_PAGE)
    assert sorted(names) == sorted(BY_NAME) and len(names) == len(set(names))
