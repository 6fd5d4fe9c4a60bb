"""Registers by keys and clicks (issue 12, the reviewer's second round): a session not yet open, a later
day, Z and X refused at the cell as an unknown code is; the service still refuses and names pupil and
session; the F2 picker lists one present mark; Discard asks; Ctrl and Alt keys are shortcuts, never
codes; a different user after a lock never saves the first user's typed marks; the amendment dialog
fits its content in a 12 pt font; the messages say only what happened."""

from datetime import date, datetime

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from attendance_desk.gui import registers
from attendance_desk.gui.context import AppContext
from attendance_desk.gui.main_window import MainWindow
from attendance_desk.gui.register_dialogs import AmendDialog, Change, CodePicker
from attendance_desk.gui.registers import INVALID_ROLE, PENDING_ROLE, saved_text
from attendance_desk.services import registers as register_service
from tests.gui.test_window import TODAY, go, school, window  # noqa: F401, F811  (fixtures)

MONDAY = date(2024, 11, 18)
THURSDAY = date(2024, 11, 21)


@pytest.fixture(autouse=True)
def _no_modal_questions(monkeypatch):
    """Closing the window with marks still typed discards them; messages are collected, not shown."""
    monkeypatch.setattr(registers, "ask_unsaved", lambda parent, text: "discard")


@pytest.fixture
def nine_am(monkeypatch):
    """The clock at 09:00 on TODAY: the AM register has opened (08:45), the PM one (13:00) not."""
    monkeypatch.setattr(register_service, "clock_now", lambda: datetime(2024, 11, 20, 9, 0))


def _at(view, row, session):
    index = view.model.index(row, view.model.column_of(session))
    view.table.setCurrentIndex(index)
    view.table.setFocus()
    return index


def _refused(view, index) -> str:
    return view.model.data(index, Qt.ItemDataRole.ToolTipRole)


def test_todays_pm_is_refused_at_the_cell_before_it_opens(qtbot, window, nine_am):  # noqa: F811
    view = go(window, 1)
    index = _at(view, 0, (TODAY, "PM"))
    qtbot.keyClick(view.table, "/")
    assert view.model.data(index, INVALID_ROLE) == "\\" and view.model.pending == {}
    assert view.table.currentIndex() == index  # stays on the refused cell, as for an unknown code
    assert (
        "The PM register for 20/11/2024 has not opened yet (it opens at 13:00): only codes such as "
        "M, C or # can be entered ahead, not \\" in _refused(view, index)
    )
    assert "has not opened yet" in window.statusBar().currentMessage()
    qtbot.keyClick(view.table, "m")  # an appointment may be entered ahead: the red border goes
    assert view.model.data(index, INVALID_ROLE) is None and view.model.pending == {
        (view.model.week.pupils[0].id, TODAY, "PM"): "M"
    }
    # Ctrl+P on the PM column fills nothing and says why
    _at(view, 1, (TODAY, "PM"))
    qtbot.keyClick(view.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert len(view.model.pending) == 1
    assert window.statusBar().currentMessage() == (
        "The PM register for 20/11/2024 has not opened yet (it opens at 13:00): "
        "nobody can be marked present before then"
    )
    # the AM register has opened: present is taken, and Save records it
    _at(view, 0, (TODAY, "AM"))
    qtbot.keyClick(view.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view.table, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    store = window.context.store
    assert sorted(store.marks.for_session(TODAY, "AM").values()) == ["/", "/", "/"]
    assert list(store.marks.for_session(TODAY, "PM").values()) == ["M"]
    assert window.statusBar().currentMessage() == "Saved 4 marks"


def test_a_later_day_is_refused_at_the_cell(qtbot, window):  # noqa: F811
    view = go(window, 1)
    index = _at(view, 1, (THURSDAY, "AM"))
    qtbot.keyClick(view.table, "n")
    assert view.model.data(index, INVALID_ROLE) == "N" and not view.model.pending
    assert "21/11/2024 is in the future: only codes such as M, C or # can be entered ahead" in (
        _refused(view, index)
    )
    assert not view.save_button.isEnabled()  # nothing for Save to meet


def test_the_service_still_refuses_naming_pupil_and_session_and_keeps_the_reason(
    qtbot,
    window,  # noqa: F811
    monkeypatch,
):
    """Defence in depth: a mark that got past the cell (here put straight into the model) is refused
    by Save with the pupil and the session named; the reason typed is offered again next time."""
    view = go(window, 1)
    _at(view, 0, (MONDAY, "AM"))
    qtbot.keyClick(view.table, "i")  # Amy: / → I, an amendment
    ben = view.model.week.pupils[1]
    view.model.pending[(ben.id, THURSDAY, "AM")] = "/"  # past the cell
    errors, offered = [], []
    monkeypatch.setattr(registers, "show_error", lambda parent, text: errors.append(text))

    def give_reason():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, AmendDialog), (dialog, getattr(dialog, "text", lambda: "")())
        offered.append(dialog.reason.text())
        if not dialog.reason.text():
            qtbot.keyClicks(dialog.reason, "mother rang")
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()

    QTimer.singleShot(0, give_reason)
    qtbot.keyClick(view.table, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert errors == [
        "Ben Brook, Thu 21/11/2024 AM: 21/11/2024 is in the future: only codes such as M, C or # "
        "can be entered ahead, not /. Nothing was saved."
    ]
    assert window.context.store.marks.history(view.model.week.pupils[0].id) == []
    del view.model.pending[(ben.id, THURSDAY, "AM")]
    QTimer.singleShot(0, give_reason)
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    assert offered == ["", "mother rang"]  # typed once, not lost by the refusal
    (entry,) = window.context.store.marks.history(view.model.week.pupils[0].id)
    assert (entry.new_code, entry.reason) == ("I", "mother rang")
    assert window.statusBar().currentMessage() == "Amended 1 mark"


def test_z_and_x_are_refused_at_the_cell_for_pupils_they_do_not_fit(qtbot, window):  # noqa: F811
    """Z: prospective pupil not on the admission register (Pupil Registration Regulations 2024, Sch. 2);
    X: not of compulsory school age (Education Act 1996 s.8). The pupils here are on roll, in Year 4."""
    view = go(window, 1)
    store = window.context.store
    from dataclasses import replace

    amy = view.model.week.pupils[0]
    store.pupils.upsert_many([replace(amy, dob=date(2015, 5, 1))])  # nine: of compulsory school age
    view.refresh()
    index = _at(view, 0, (TODAY, "AM"))
    qtbot.keyClick(view.table, "z")
    assert view.model.data(index, INVALID_ROLE) == "Z"
    assert (
        "Z (prospective pupil, not on the admission register) cannot be used: Amy Able is on roll"
        in (_refused(view, index))
    )
    qtbot.keyClick(view.table, "x")
    assert view.model.data(index, INVALID_ROLE) == "X"
    assert (
        "X (not of compulsory school age) cannot be used: Amy Able is of compulsory school age on "
        in (_refused(view, index))
    )
    assert not view.model.pending


def test_the_picker_lists_one_present_mark_for_the_columns_session(qtbot, window):  # noqa: F811
    am = CodePicker(TODAY, "AM")
    pm = CodePicker(TODAY, "PM")
    qtbot.addWidget(am)
    qtbot.addWidget(pm)
    assert am.visible_codes().count("/") == 1 and "\\" not in am.visible_codes()
    assert pm.visible_codes().count("\\") == 1 and "/" not in pm.visible_codes()
    texts = [am.list.item(r).text() for r in range(am.list.count())]
    assert not any("Present (PM)" in t or "afternoon" in t.lower() for t in texts)


def test_discard_asks_and_no_is_the_default(qtbot, window):  # noqa: F811
    view = go(window, 1)
    _at(view, 0, (TODAY, "AM"))
    for key in ("/", "n"):
        qtbot.keyClick(view.table, key)
    asked = []

    def press_enter():
        box = QApplication.activeModalWidget()
        asked.append(box.text())
        assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)
        qtbot.keyClick(box, Qt.Key.Key_Return)  # Enter takes the default: No

    QTimer.singleShot(0, press_enter)
    qtbot.mouseClick(view.discard_button, Qt.MouseButton.LeftButton)
    assert asked and asked[0].startswith("Discard 2 marks typed and not saved?")
    assert len(view.model.pending) == 2 and view.unsaved.text() == "2 unsaved"

    def press_yes():
        box = QApplication.activeModalWidget()
        qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, press_yes)
    qtbot.mouseClick(view.discard_button, Qt.MouseButton.LeftButton)
    assert view.model.pending == {} and view.unsaved.text() == ""
    assert window.statusBar().currentMessage() == "Discarded 2 marks not saved"


def test_ctrl_alt_and_meta_letters_are_shortcuts_not_codes(qtbot, window):  # noqa: F811
    view = go(window, 1)
    index = _at(view, 0, (TODAY, "AM"))
    for modifier in (
        Qt.KeyboardModifier.ControlModifier,
        Qt.KeyboardModifier.AltModifier,
        Qt.KeyboardModifier.MetaModifier,
    ):
        qtbot.keyClick(view.table, Qt.Key.Key_M, modifier)  # M is a code; with these, it is not
    qtbot.keyClick(view.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert view.model.pending == {} and view.model.invalid == {}
    qtbot.keyClick(
        view.table, Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier
    )  # a capital N is a code
    assert view.model.data(index, PENDING_ROLE) is True
    _at(view, 0, (TODAY, "AM"))
    qtbot.keyClick(view.table, Qt.Key.Key_Delete)  # (back to nothing typed)
    assert view.model.pending == {}
    # Alt+N reaches its button ("&Next ▶"), rather than typing N
    qtbot.keyClick(view.table, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: view.model.week.start == date(2024, 11, 25))
    assert view.model.pending == {}


def test_wording_says_only_what_happened(qtbot, window, monkeypatch):  # noqa: F811
    assert saved_text(1, 0) == "Saved 1 mark"
    assert saved_text(0, 1) == "Amended 1 mark"
    assert saved_text(0, 2) == "Amended 2 marks"
    assert saved_text(3, 1) == "Saved 3 marks and amended 1"
    view = go(window, 1)
    _at(view, 0, (TODAY, "AM"))
    qtbot.keyClick(view.table, "/")
    asked = []
    monkeypatch.setattr(
        registers, "ask_unsaved", lambda parent, text: asked.append(text) or "cancel"
    )
    view.group.setCurrentIndex(view.group.currentIndex())  # no change: no question
    assert view.confirm_leave() is False
    assert asked == [
        "1 mark typed in 4A is not saved yet.\n\nSave it, discard it, or cancel and stay on this register?"
    ]


def test_a_different_user_after_a_lock_never_saves_the_first_users_marks(
    qtbot,
    school,  # noqa: F811
    monkeypatch,
):
    from attendance_desk.services.users import add_user

    context = AppContext(school, "Office One", TODAY, synchronous=True)
    add_user(context.store, "", "Admin", "admin", "admin-pass-1")
    add_user(context.store, "Admin", "Office One", "office", "office-pass-1")
    add_user(context.store, "Admin", "Office Two", "office", "office-pass-2")
    told = []
    monkeypatch.setattr(registers, "tell", lambda parent, title, text: told.append((title, text)))
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.show()
    view = go(win, 1)

    def where() -> str:
        return next(
            label.text()
            for label in win.statusBar().findChildren(QLabel)
            if "signed in" in label.text()
        )

    assert where().endswith("signed in as Office One")

    def sign_in(name, password):
        def unlock():
            locked = QApplication.activeModalWidget()
            locked.name.setText(name)
            locked.password.setText(password)
            qtbot.keyClick(locked.password, Qt.Key.Key_Return)

        QTimer.singleShot(0, unlock)
        win.idle_lock.timer.timeout.emit()

    _at(view, 0, (MONDAY, "AM"))
    qtbot.keyClick(view.table, "m")  # Office One amends a mark and walks away
    _at(view, 0, (TODAY, "AM"))
    qtbot.keyClick(view.table, "/")
    sign_in("Office One", "office-pass-1")  # the same person back: the marks are kept
    assert len(view.model.pending) == 2 and told == []
    sign_in("Office Two", "office-pass-2")  # someone else: discarded, and told whose and how many
    assert context.user == "Office Two" and where().endswith("signed in as Office Two")
    assert view.model.pending == {} and view.unsaved.text() == ""
    assert told == [
        (
            "Unsaved marks discarded",
            "2 marks typed by Office One in 4A were not saved and have been discarded: they never "
            "reached the register. Office One can enter them again after signing in.",
        )
    ]
    assert window_history_is_empty(context, view)
    win.close()
    context.close()


def window_history_is_empty(context, view) -> bool:
    return context.store.marks.history(view.model.week.pupils[0].id) == [] and not any(
        context.store.marks.for_session(TODAY, "AM")
    )


@pytest.mark.parametrize("size", [(1280, 720), (1366, 768)])
def test_the_amendment_dialog_fits_its_content_in_a_12_pt_font(qtbot, size):
    app = QApplication.instance()
    before = app.font()
    font = QFont(before)
    font.setPointSize(12)
    app.setFont(font)
    try:
        changes = [
            Change((n, MONDAY, "AM"), f"Featherstonehaugh-Smith, Maximilian {n}", "/", "I")
            for n in range(3)
        ]
        dialog = AmendDialog(changes)
        qtbot.addWidget(dialog)
        dialog.show()
        table, header = dialog.table, dialog.table.horizontalHeader()
        metrics = header.fontMetrics()
        for column in range(4):
            text = table.horizontalHeaderItem(column).text()
            assert header.sectionSize(column) >= metrics.horizontalAdvance(text), text
        assert table.viewport().width() >= sum(header.sectionSize(c) for c in range(4)) - 1
        assert dialog.width() <= size[0] and dialog.height() <= size[1] - 40
    finally:
        app.setFont(before)


def test_closing_a_locked_window_never_saves_the_marks_typed(qtbot, school, monkeypatch):  # noqa: F811
    """Nobody is signed in while the window is locked: closing it offers to discard the marks typed
    (No keeps them and the lock), never to save them."""
    from attendance_desk.services.users import add_user

    context = AppContext(school, "Office One", TODAY, synchronous=True)
    add_user(context.store, "", "Admin", "admin", "admin-pass-1")
    add_user(context.store, "Admin", "Office One", "office", "office-pass-1")
    asked = []
    monkeypatch.setattr(registers, "ask_discard", lambda parent, text: asked.append(text) or False)
    monkeypatch.setattr(
        registers, "ask_unsaved", lambda parent, text: pytest.fail("Save offered while locked")
    )
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.show()
    view = go(win, 1)
    _at(view, 0, (TODAY, "AM"))
    qtbot.keyClick(view.table, "/")

    def cancel_then_sign_in():
        QApplication.activeModalWidget().reject()  # Cancel at the lock: the window tries to close

        def sign_in():
            locked = QApplication.activeModalWidget()
            locked.password.setText("office-pass-1")
            qtbot.keyClick(locked.password, Qt.Key.Key_Return)

        QTimer.singleShot(0, sign_in)

    QTimer.singleShot(0, cancel_then_sign_in)
    win.idle_lock.timer.timeout.emit()
    assert asked == [
        "1 mark typed by Office One in 4A is not saved, and nobody is signed in to save it.\n\n"
        "Discard it and close?"
    ]
    assert win.isVisible() and len(view.model.pending) == 1  # No: kept, and locked until signed in
    assert context.store.marks.for_session(TODAY, "AM") == {}
    assert not win.locked and context.user == "Office One"
    monkeypatch.setattr(registers, "ask_unsaved", lambda parent, text: "discard")
    win.close()
    context.close()


def test_f2_offers_only_what_the_cell_will_take(qtbot, window, nine_am):  # noqa: F811
    """At 09:00 the PM register has not opened: F2 lists only the codes entered ahead (M, C, # …)
    and says why once; on the open AM register, Z is not offered for a pupil on roll (the cell
    would refuse it: domain/mark_rules.py)."""
    view = go(window, 1)
    seen: list = []

    def look():
        picker = QApplication.activeModalWidget()
        assert isinstance(picker, CodePicker)
        why = getattr(picker, "why_fewer", None)
        seen.append((picker.visible_codes(), why.text() if why else None))
        picker.reject()

    _at(view, 0, (TODAY, "PM"))
    QTimer.singleShot(0, look)
    qtbot.keyClick(view.table, Qt.Key.Key_F2)
    pm_codes, pm_why = seen.pop()
    assert "M" in pm_codes and "#" in pm_codes and "C" in pm_codes
    assert "\\" not in pm_codes and "N" not in pm_codes and "I" not in pm_codes
    assert pm_why.splitlines() == [
        "The PM register for 20/11/2024 has not opened yet (it opens at 13:00): only codes entered "
        "ahead are listed.",
        "Not listed: Z (prospective pupil, not on the admission register) cannot be used: Amy Able "
        "is on roll on 20/11/2024.",  # Z may be entered ahead, but not for a pupil on roll
    ]
    _at(view, 0, (TODAY, "AM"))
    QTimer.singleShot(0, look)
    qtbot.keyClick(view.table, Qt.Key.Key_F2)
    am_codes, am_why = seen.pop()
    assert "/" in am_codes and "N" in am_codes and "Z" not in am_codes
    assert am_why.startswith("Not listed: Z (prospective pupil, not on the admission register)")
    assert not view.model.pending  # nothing typed by looking
