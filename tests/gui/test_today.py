"""Today driven by keys: the list keeps the user's place when a family leaves it, and the Log call
form offers only the reasons a parent can give by phone (services/calls.CALL_REASONS)."""

from datetime import date

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from attendance_desk.domain.calendar import SchoolCalendar
from attendance_desk.gui.context import AppContext
from attendance_desk.gui.main_window import MainWindow
from tests.helpers import CLOSURES, TERMS, add_pupil, make_school, put_marks, sessions

TODAY = date(2024, 11, 20)  # a Wednesday
CAL = SchoolCalendar(TERMS, CLOSURES)
NAMES = ("Amy", "Ben", "Cat", "Dan")


@pytest.fixture
def window(qtbot, tmp_path):
    store = make_school(tmp_path)
    for n, name in enumerate(NAMES, start=1):  # four families, each absent today with no reason
        p = add_pupil(store, n, forename=name, surname=f"{name}son", reg_group="4A")
        put_marks(store, p, sessions(date(2024, 9, 3), date(2024, 11, 19), "/", calendar=CAL))
        put_marks(store, p, {(TODAY, "AM"): "N"})
    store.close()
    context = AppContext(tmp_path / "school.sqlite", "office1", TODAY, synchronous=True)
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.show()
    win.nav.setCurrentRow(0)
    view = win.views[0]
    view.refresh()
    yield view
    win.close()
    context.close()


def families(view) -> list[str]:
    return [
        view.tree.topLevelItem(i).child(0).text(0) for i in range(view.tree.topLevelItemCount())
    ]


def log_reason(qtbot, view, code: str, seen: dict | None = None) -> None:
    """Enter on the selected call; in the form, by keys: Spoke to parent, someone else by name,
    the reason `code`, Save."""

    def fill_in():
        dialog = QApplication.activeModalWidget()
        if seen is not None:
            seen["reasons"] = [dialog.reason.itemData(i) for i in range(dialog.reason.count())]
        dialog.outcome.setFocus()
        qtbot.keyClick(dialog.outcome, Qt.Key.Key_Down)  # Spoke to parent/carer
        dialog.contact.setFocus()
        qtbot.keyClick(dialog.contact, Qt.Key.Key_End)  # Someone else (type the name)
        qtbot.keyClicks(dialog.other, "Jo Smith, mother")
        dialog.reason.setFocus()
        while dialog.reason.currentData() != code:
            qtbot.keyClick(dialog.reason, Qt.Key.Key_Down)
        qtbot.keyClick(dialog.note, Qt.Key.Key_Return)

    view.tree.setFocus()
    QTimer.singleShot(0, fill_in)
    qtbot.keyClick(view.tree, Qt.Key.Key_Return)


def test_a_family_that_leaves_the_list_hands_the_place_to_the_next(qtbot, window):
    view = window
    order = families(view)
    assert len(order) == 4
    view.tree.setCurrentItem(view.tree.topLevelItem(1))
    seen: dict = {}
    log_reason(qtbot, view, "I", seen)
    # the form offers the reasons a parent gives, nothing the head grants (C) nor U
    assert seen["reasons"] == [None, "I", "M", "R", "G", "O"]
    assert families(view) == [order[0], order[2], order[3]]
    current = view.tree.currentItem()
    assert current.parent() is None and order[2] in current.text(0)  # the next, not call 1
    # the last family leaves: the place goes to the one before it
    view.tree.setCurrentItem(view.tree.topLevelItem(2))
    log_reason(qtbot, view, "M")
    assert families(view) == [order[0], order[2]]
    assert order[2] in view.tree.currentItem().text(0)
    # a pupil's own line selected (not the family's) keeps the place in the same way
    view.tree.setCurrentItem(view.tree.topLevelItem(0).child(0))
    log_reason(qtbot, view, "R")
    assert families(view) == [order[2]] and order[2] in view.tree.currentItem().text(0)


def test_a_new_session_starts_at_the_top(qtbot, window):
    view = window
    view.tree.setCurrentItem(view.tree.topLevelItem(3))
    view.session.setCurrentIndex(1)  # PM: no registers taken, no calls
    view.session.setCurrentIndex(0)
    assert view.tree.currentItem() is view.tree.topLevelItem(0)
