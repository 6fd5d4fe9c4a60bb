"""Registers by keys: a refused code shown at its cell, the F2 code picker, and the amendment dialog that
names every mark about to change."""

from datetime import date

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from attendance_desk.gui.register_dialogs import AmendDialog, CodePicker
from attendance_desk.gui.registers import INVALID_ROLE, PENDING_ROLE
from tests.gui.test_window import TODAY, go, school, window  # noqa: F401, F811  (fixtures)

MONDAY = date(2024, 11, 18)


@pytest.fixture(autouse=True)
def _discard_on_close(monkeypatch):
    """Closing the window at the end of a test with marks still typed discards them (no modal question)."""
    from attendance_desk.gui import registers

    monkeypatch.setattr(registers, "ask_unsaved", lambda parent, text: "discard")


def _at(view, row, session):
    index = view.model.index(row, view.model.column_of(session))
    view.table.setCurrentIndex(index)
    view.table.setFocus()
    return index


def test_an_invalid_code_is_shown_at_its_cell(qtbot, window):  # noqa: F811
    view = go(window, 1)
    index = _at(view, 0, (TODAY, "AM"))
    qtbot.keyClick(view.table, "a")  # A is no attendance code
    assert view.table.currentIndex() == index  # the cursor stays on the refused cell
    assert view.model.data(index, INVALID_ROLE) == "A"
    assert "'A' is not an attendance code on 20/11/2024" in view.model.data(
        index, Qt.ItemDataRole.ToolTipRole
    )
    assert "'A' is not an attendance code" in window.statusBar().currentMessage()
    assert view.model.pending == {}
    qtbot.keyClick(view.table, "n")  # a valid code replaces it and the red border goes
    assert (
        view.model.data(index, INVALID_ROLE) is None
        and view.model.data(index, PENDING_ROLE) is True
    )


def _pick(qtbot, keys, seen):
    def drive():
        picker = QApplication.activeModalWidget()
        assert isinstance(picker, CodePicker)
        seen.append(picker.visible_codes())
        qtbot.keyClicks(picker.search, keys)
        seen.append(picker.visible_codes())
        qtbot.keyClick(picker.search, Qt.Key.Key_Return)

    QTimer.singleShot(0, drive)


def test_f2_opens_a_picker_of_the_codes_valid_that_day(qtbot, window):  # noqa: F811
    view = go(window, 1)
    index = _at(view, 1, (TODAY, "PM"))
    seen = []
    _pick(qtbot, "m", seen)
    qtbot.keyClick(view.table, Qt.Key.Key_F2)
    everything, filtered = seen
    # the 2024 code set: no H or F (retired in August 2024), the new C1 and J1 there; / shown as \\ in PM
    assert (
        "C1" in everything and "J1" in everything and "H" not in everything and "\\" in everything
    )
    assert filtered == ["M"]  # one letter: the codes starting with it
    assert view.model.code(view.model.key(index)) == ("M", True)
    assert view.table.currentIndex().row() == 2  # moved down, as typing does


def test_f2_searches_meanings_and_old_registers_get_the_old_codes(qtbot, window):  # noqa: F811
    view = go(window, 1)
    view.week.setDate(
        view.week.date().addDays(-7 * 20)
    )  # a week in summer term 2024: the old code set
    day = view.model.week.sessions[0]
    _at(view, 0, day)
    seen = []
    _pick(qtbot, "holiday", seen)
    qtbot.keyClick(view.table, Qt.Key.Key_F2)
    everything, filtered = seen
    assert "H" in everything and "C1" not in everything
    assert "H" in filtered and "/" not in filtered


def test_the_amendment_dialog_lists_each_change_and_takes_a_reason_for_each(qtbot, window):  # noqa: F811
    view = go(window, 1)
    _at(view, 0, (MONDAY, "AM"))
    qtbot.keyClick(view.table, "i")  # Amy: / → I
    qtbot.keyClick(view.table, "m")  # Ben: / → M
    listed = []

    def give_reasons():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, AmendDialog)
        listed.extend(
            " | ".join(dialog.table.item(r, c).text() for c in range(3))
            for r in range(dialog.table.rowCount())
        )
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)  # no reason yet: refused, the dialog stays
        listed.append(dialog.problem.text())
        qtbot.keyClicks(dialog.reason, "mother rang")
        dialog.table.item(1, 3).setText(
            "appointment card seen"
        )  # Ben's own reason (the row's cell)
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()

    QTimer.singleShot(0, give_reasons)
    qtbot.keyClick(view.table, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert listed[:2] == [
        "Able, Amy | Mon 18/11/2024 AM | / → I",
        "Brook, Ben | Mon 18/11/2024 AM | / → M",
    ]
    assert "Give a reason" in listed[2]
    store = window.context.store
    reasons = {}
    for pupil in view.model.week.pupils[:2]:
        (entry,) = store.marks.history(pupil.id)
        reasons[pupil.forename] = (entry.old_code, entry.new_code, entry.reason)
    assert reasons == {"Amy": ("/", "I", "mother rang"), "Ben": ("/", "M", "appointment card seen")}


def test_cancelling_the_amendment_keeps_the_typed_marks(qtbot, window):  # noqa: F811
    view = go(window, 1)
    _at(view, 0, (MONDAY, "AM"))
    qtbot.keyClick(view.table, "i")
    QTimer.singleShot(
        0, lambda: qtbot.keyClick(QApplication.activeModalWidget(), Qt.Key.Key_Escape)
    )
    qtbot.keyClick(view.table, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert len(view.model.pending) == 1 and view.unsaved.text() == "1 unsaved"
    assert window.context.store.marks.history(view.model.week.pupils[0].id) == []
