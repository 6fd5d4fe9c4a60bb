"""Issue 15 items 4-8 in the window, driven by keys and clicks on a real school file: part-time
timetables (pupil screen → More, Casework menu, the register's Ctrl+P), medical evidence, lateness
letters, early help and awards."""

from datetime import date

import pytest
from PySide6.QtCore import Qt

from attendance_desk.domain.calendar import SchoolCalendar
from attendance_desk.gui import pastoral
from attendance_desk.gui.context import AppContext
from attendance_desk.gui.main_window import MainWindow
from tests.helpers import CLOSURES, TERMS, add_pupil, make_school, put_marks, sessions

TODAY = date(2024, 11, 20)  # a Wednesday
CAL = SchoolCalendar(TERMS, CLOSURES)


@pytest.fixture
def school(tmp_path):
    store = make_school(tmp_path)
    amy = add_pupil(store, 1, forename="Amy", surname="Able", reg_group="4A", dob=date(2015, 1, 5))
    ben = add_pupil(store, 2, forename="Ben", surname="Brook", reg_group="4A", dob=date(2015, 2, 5))
    for p in (amy, ben):
        put_marks(store, p, sessions(date(2024, 9, 3), date(2024, 11, 19), "/", calendar=CAL))
    store.close()
    return tmp_path / "school.sqlite"


@pytest.fixture
def errors(monkeypatch):
    shown = []
    monkeypatch.setattr(pastoral, "show_error", lambda parent, message, *a: shown.append(message))
    return shown


@pytest.fixture
def window(qtbot, school):
    context = AppContext(school, "lead1", TODAY, synchronous=True)
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
    context.close()


def test_part_time_timetable_from_the_pupil_screen_then_ctrl_p_suggests_c2(
    qtbot, window, errors, monkeypatch
):
    from attendance_desk.gui import registers

    monkeypatch.setattr(registers, "ask_unsaved", lambda parent, text: "discard")
    store = window.context.store
    amy = store.pupils.by_upn(store.pupils.all()[0].upn)
    dialog = pastoral.PartTimeDialog(window.context, amy.upn, amy.name, window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.starts.setDate(dialog.starts.date().addDays(-2))  # Monday 18/11/2024
    dialog.reason.setText("anxiety: phased return agreed with CAMHS")
    for day in (2, 3, 4):  # Wed, Thu, Fri not attending (C2)
        for half in ("AM", "PM"):
            dialog.places[(day, half)].setCurrentIndex(2)
    # no review date agreed: refused, the dialog stays open, nothing written
    qtbot.mouseClick(
        dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton
    )
    assert errors and "needs an agreed review date" in errors[-1]
    assert dialog.isVisible() and store.pastoral.timetables() == []
    dialog.review.setDate(dialog.starts.date().addDays(28))
    qtbot.mouseClick(
        dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton
    )
    assert not dialog.isVisible()
    (t,) = store.pastoral.timetables()
    assert t.review_on == date(2024, 12, 16) and t.starts == date(2024, 11, 18)

    # the register: today's AM column, Ctrl+P: Amy's cell gets C2 (not on the timetable), Ben's /
    window.nav.setCurrentRow(1)
    view = window.views[1]
    view.reload()
    column = view.model.column_of((TODAY, "AM"))
    view.table.setCurrentIndex(view.model.index(0, column))
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    rows = {p.id: r for r, p in enumerate(view.model.week.pupils)}
    assert view.model.code((amy.id, TODAY, "AM")) == ("C2", True)
    others = [pid for pid in rows if pid != amy.id]
    assert view.model.code((others[0], TODAY, "AM")) == ("/", True)
    tip = view.model.data(view.model.index(rows[amy.id], column), Qt.ItemDataRole.ToolTipRole)
    assert "not on the part-time timetable agreed from 18/11/2024" in tip

    # the Casework menu's list: the timetable, review due 16/12/2024, LA not told
    listing = pastoral.TimetablesDialog(window.context, window)
    qtbot.addWidget(listing)
    assert listing.table.rowCount() == 1
    assert listing.table.item(0, 4).text() == "16/12/2024"
    assert listing.table.item(0, 5).text() == "not told"
    assert "1 not yet told" in listing.summary.text()
    menu_texts = [a.text() for m in window.menuBar().actions() for a in m.menu().actions()]
    assert "&Part-time timetables…" in menu_texts
