"""The window driven as a person would: keys and clicks on a real school file."""

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QPushButton

from attendance_desk.domain.calendar import SchoolCalendar
from attendance_desk.domain.calls import Phone
from attendance_desk.domain.people import Contact, Link
from attendance_desk.gui.context import AppContext
from attendance_desk.gui.main_window import MainWindow
from attendance_desk.gui.registers import PENDING_ROLE
from attendance_desk.gui.today import COLUMNS, PROMPT_COLUMN
from tests.helpers import CLOSURES, TERMS, add_pupil, make_school, put_marks, sessions

TODAY = date(2024, 11, 20)  # a Wednesday
CAL = SchoolCalendar(TERMS, CLOSURES)


@pytest.fixture
def school(tmp_path):
    store = make_school(tmp_path)
    amy = add_pupil(store, 1, forename="Amy", surname="Able", reg_group="4A")
    ben = add_pupil(store, 2, forename="Ben", surname="Brook", reg_group="4A", cp_plan=True)
    cat = add_pupil(store, 3, forename="Cat", surname="Cole", reg_group="4A")
    for p in (amy, ben, cat):
        put_marks(store, p, sessions(date(2024, 9, 3), date(2024, 11, 19), "/", calendar=CAL))
    mum = store.contacts.add(Contact(None, "Sara Brook", phones=(Phone("mobile", "07700 900001"),)))
    store.contacts.link(Link(ben.id, mum, "Mother", True, 1))
    store.close()
    return tmp_path / "school.sqlite"


@pytest.fixture
def window(qtbot, school):
    context = AppContext(school, "office1", TODAY, synchronous=True)
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
    context.close()


def go(window, row):
    window.nav.setCurrentRow(row)
    return window.views[row]


def show_tab(qtbot, view, name):
    """Clicks the dashboard's tab of table `name` as a user would (its table is filled when shown)."""
    bar = view.tabs.tabBar()
    index = view.tabs.indexOf(view.tables[name])
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert view.tabs.currentIndex() == index
    return view.tables[name]


def test_mark_a_register_by_keyboard(qtbot, window):
    view = go(window, 1)
    table = view.table
    assert view.model.session_at(table.currentIndex().column()) == (TODAY, "AM")
    table.setFocus()
    for key in ("/", "/", "n"):
        qtbot.keyClick(table, key)
    # the typed marks are suggestions until saved
    assert window.context.store.marks.for_session(TODAY, "AM") == {}
    qtbot.keyClick(table, Qt.Key.Key_Right)  # to the PM column of the last pupil
    qtbot.keyClick(table, "/")  # present typed as / in a PM column is recorded as \
    qtbot.keyClick(table, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    store = window.context.store
    recorded = store.marks.for_session(TODAY, "AM")
    assert sorted(recorded.values()) == ["/", "/", "N"]
    assert list(store.marks.for_session(TODAY, "PM").values()) == ["\\"]


def test_fill_column_then_save(qtbot, window):
    view = go(window, 1)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert len(view.model.pending) == 3
    view.save_button.click()
    assert len(window.context.store.marks.for_session(TODAY, "AM")) == 3


def test_amend_a_mark_and_see_its_history(qtbot, window, monkeypatch):
    view = go(window, 1)
    monday = (date(2024, 11, 18), "AM")
    column = view.model.column_of(monday)
    view.table.setCurrentIndex(view.model.index(0, column))
    view.table.setFocus()
    qtbot.keyClick(view.table, "i")

    def give_reason():
        dialog = QApplication.activeModalWidget()
        qtbot.keyClicks(dialog.reason, "mother rang: flu")
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)

    QTimer.singleShot(0, give_reason)
    qtbot.keyClick(view.table, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    store = window.context.store
    amy = store.pupils.by_upn(view.model.week.pupils[0].upn)
    (entry,) = store.marks.history(amy.id)
    assert (entry.old_code, entry.new_code, entry.reason, entry.changed_by) == (
        "/",
        "I",
        "mother rang: flu",
        "office1",
    )
    tooltip = view.model.data(view.model.index(0, column), Qt.ItemDataRole.ToolTipRole)
    assert "/ → I by office1" in tooltip and "mother rang: flu" in tooltip


def test_log_a_first_day_call_that_gives_a_reason(qtbot, window):
    store = window.context.store
    ben = store.pupils.by_upn(next(p.upn for p in store.pupils.all() if p.forename == "Ben"))
    put_marks(store, ben, {(TODAY, "AM"): "N"})
    for name in ("Amy", "Cat"):
        put_marks(
            store, next(p for p in store.pupils.all() if p.forename == name), {(TODAY, "AM"): "/"}
        )
    view = go(window, 0)
    view.refresh()
    assert view.tree.topLevelItemCount() == 1 and "RED" in view.tree.topLevelItem(0).text(0)
    assert view.contacts.item(0, 1).text() == "Sara Brook"

    def fill_in():
        dialog = QApplication.activeModalWidget()
        dialog.outcome.setCurrentIndex(dialog.outcome.findData("spoke_to_parent"))
        dialog.contact.setCurrentIndex(1)  # Sara Brook
        dialog.reason.setCurrentIndex(dialog.reason.findData("I"))
        qtbot.keyClicks(dialog.note, "temperature")
        qtbot.keyClick(dialog.note, Qt.Key.Key_Return)

    QTimer.singleShot(0, fill_in)
    qtbot.keyClick(view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert store.marks.get(ben.id, TODAY, "AM").code == "I"
    (entry,) = store.marks.history(ben.id)
    assert entry.old_code == "N" and "temperature" in entry.reason and "Sara Brook" in entry.reason
    assert view.tree.topLevelItemCount() == 0  # the list updated itself


def test_open_a_pupil_from_the_dashboard(qtbot, window):
    store = window.context.store
    cat = next(p for p in store.pupils.all() if p.forename == "Cat")
    put_marks(store, cat, {(TODAY, "AM"): "O"})
    for d in CAL.school_days(
        date(2024, 11, 4), date(2024, 11, 19)
    ):  # 12 days: 25 of 103 sessions absent
        store.marks.amend(cat.id, d, "AM", "I", None, "illness, medical note", "lead")
        store.marks.amend(cat.id, d, "PM", "I", None, "illness, medical note", "lead")
    # the window may have opened on the dashboard (the last screen used, from an earlier test)
    window.context.data_changed.emit()
    view = go(window, 3)
    table = view.tables["Persistent absence"]
    view.tabs.setCurrentWidget(table)
    rows = [table.item(r, 1).text() for r in range(table.rowCount())]
    assert rows == ["Cat Cole"]
    qtbot.waitExposed(table)
    table.setFocus()
    table.setCurrentCell(0, 1)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.views[2]
    assert "Cat Cole" in window.views[2].header.text()


def test_import_with_a_preview(qtbot, window, tmp_path):
    from attendance_desk.gui.import_dialog import ImportDialog
    from tests.helpers import upn

    path = tmp_path / "marks.csv"
    path.write_text(
        f"upn,date,session,code\n{upn(1)},2024-11-20,AM,/\n{upn(2)},2024-11-20,AM,I\n",
        encoding="utf-8",
    )
    dialog = ImportDialog(window.context, window)
    qtbot.addWidget(dialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData("marks"))
    dialog.file.setText(str(path))
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    assert "2 would be added" in dialog.report.toPlainText()
    assert window.context.store.marks.for_session(TODAY, "AM") == {}
    assert dialog.import_button.isEnabled()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert len(window.context.store.marks.for_session(TODAY, "AM")) == 2
    assert not dialog.import_button.isEnabled()


def test_window_remembers_size_and_last_screen(qtbot, school):
    context = AppContext(school, "office1", TODAY, synchronous=True)
    first = MainWindow(context)
    qtbot.addWidget(first)
    first.resize(720, 520)  # the offscreen screen is 800 x 600
    first.nav.setCurrentRow(3)
    first.close()
    second = MainWindow(context)
    qtbot.addWidget(second)
    assert second.nav.currentRow() == 3 and (second.width(), second.height()) == (720, 520)
    second.close()
    context.close()


def test_settings_calendar_and_support_map(qtbot, window):
    view = go(window, 4)
    store = window.context.store
    view.closure_day.setDate(view.closure_day.date().addDays(1))  # Thursday 21/11/2024
    view.closure_sessions.setCurrentIndex(2)  # afternoon
    view.closure_text.setText("polling station")
    buttons = {b.text(): b for b in view.findChildren(QPushButton)}
    qtbot.mouseClick(buttons["Add closure"], Qt.MouseButton.LeftButton)
    (closure,) = [c for c in store.calendar.closures() if c.description == "polling station"]
    assert closure.day == date(2024, 11, 21) and closure.sessions == ("PM",)
    # the maps are offered by their titles (the map's own name), not their file names
    titles = [view.map_choice.itemText(i) for i in range(view.map_choice.count())]
    assert titles[0] == "School attendance support map" and not any(".toml" in t for t in titles)
    view.map_choice.setCurrentIndex(view.map_choice.findData("la_three_stage.toml"))
    qtbot.mouseClick(buttons["Use this support map"], Qt.MouseButton.LeftButton)
    assert store.settings.school().support_map == "la_three_stage.toml"
    assert view.ladder.item(0, 0).text() == "Stage 1: early intervention"


def test_casework_from_the_pupil_profile(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    store = window.context.store
    ben = next(p for p in store.pupils.all() if p.forename == "Ben")
    store.contacts.merge_details(
        store.contacts.for_pupils([ben.id])[ben.id][0].contact_id,
        Contact(None, "Sara Brook", address="3 Mill Lane, Northbridge", postcode="NB1 2AB"),
    )
    window.context.open_pupil.emit(ben.upn)
    view = window.views[2]
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "letter.pdf"), "")
    )

    def choose_letter(preview: bool):
        dialog = QApplication.activeModalWidget()
        try:
            met = [c.ok for c in dialog.choices]
            assert met == sorted(met, reverse=True)  # those whose conditions are met first
            assert dialog.letters.item(0).text().startswith(dialog.choices[0].name)  # by name
            dialog.select("stage1")  # Ben is at no stage: sent anyway, with the reason
            assert (
                not dialog.issue.isEnabled()
                and "Not met: the pupil is at stage 1" in dialog.why.text()
            )
            dialog.reason.setText("parent asked for it in writing")
            (dialog.preview if preview else dialog.issue).click()
        finally:
            if dialog.isVisible():
                dialog.reject()

    QTimer.singleShot(0, lambda: choose_letter(True))
    qtbot.mouseClick(view.actions["letter"], Qt.MouseButton.LeftButton)
    assert (tmp_path / "letter.pdf").exists() and store.letters.for_pupil(
        ben.id
    ) == []  # a preview logs nothing
    QTimer.singleShot(0, lambda: choose_letter(False))
    qtbot.mouseClick(view.actions["letter"], Qt.MouseButton.LeftButton)
    assert (tmp_path / "letter-2.pdf").exists()  # the preview's file is not overwritten
    assert [(x.addressee, x.override_reason) for x in store.letters.for_pupil(ben.id)] == [
        ("Sara Brook", "parent asked for it in writing")
    ]
    assert view.letters.item(0, 2).text() == "Sara Brook"

    def fill_in():
        dialog = QApplication.activeModalWidget()
        qtbot.keyClicks(dialog.attendees, "Sara Brook, Mr Okonjo")
        dialog.parent_attended.setChecked(True)
        dialog.voice.setPlainText("Ben says Mondays are hard")
        dialog.target.setValue(96)
        dialog.accept()

    QTimer.singleShot(0, fill_in)
    qtbot.mouseClick(view.actions["meeting"], Qt.MouseButton.LeftButton)
    (meeting,) = store.meetings.meetings(ben.id)
    assert (
        meeting.pupil_voice == "Ben says Mondays are hard"
        and meeting.target_pct == 96
        and meeting.parent_attended
    )
    outcomes = [view.chronology.item(r, 4).text() for r in range(view.chronology.rowCount())]
    assert (
        "School Attendance Meeting" in outcomes
        and "Stage 1: letter of concern issued (ATT/00001)" in outcomes
    )


def test_weekly_review_confirms_stages_and_makes_letters(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    store = window.context.store
    cat = next(p for p in store.pupils.all() if p.forename == "Cat")
    link = store.contacts.add(Contact(None, "Carl Cole", address="9 Elm Court", postcode="NB2 2BB"))
    store.contacts.link(Link(cat.id, link, "Father", True, 1))
    # 7 days' illness: the stage 2 threshold is crossed too, but the ladder is climbed in order: stage 1 suggested
    for d in CAL.school_days(date(2024, 11, 11), date(2024, 11, 19)):
        store.marks.amend(cat.id, d, "AM", "I", None, "illness", "office")
        store.marks.amend(cat.id, d, "PM", "I", None, "illness", "office")
    view = go(window, 3)
    table = show_tab(qtbot, view, "Crossed a threshold")
    assert [table.key_at(r) for r in range(table.rowCount())] == [cat.upn]
    table.selectRow(0)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    qtbot.mouseClick(view.confirm, Qt.MouseButton.LeftButton)
    assert (tmp_path / "stage1-letters-2024-11-20.pdf").exists()
    assert [x.stage_key for x in store.letters.for_pupil(cat.id)] == ["stage1"]
    assert table.rowCount() == 0  # refreshed: nothing waiting


def test_a_backup_when_the_window_opens_none_when_it_closes(qtbot, school):
    """Closing never waits for a backup (issue 17; tests/gui/test_backups_window.py)."""
    context = AppContext(school, "office1", TODAY, synchronous=True, auto_backup=True)
    win = MainWindow(context)
    qtbot.addWidget(win)
    assert win.backup_label.text() == "Last backup: never"
    win.show()
    win._backup_in_background()
    assert (
        win.backup_label.text().startswith("Last backup: ")
        and "never" not in win.backup_label.text()
    )
    made = sorted((school.parent / "backups").glob("school-*.sqlite"))
    assert len(made) == 1
    win.close()
    context.close()
    assert sorted((school.parent / "backups").glob("school-*.sqlite")) == made


def test_sign_in_and_the_idle_lock(qtbot, school):
    from attendance_desk.gui.login import LoginDialog
    from attendance_desk.services.users import add_user

    context = AppContext(school, "Office One", TODAY, synchronous=True)
    add_user(context.store, "", "Admin", "admin", "admin-pass-1")
    add_user(context.store, "Admin", "Office One", "office", "office-pass-1")
    dialog = LoginDialog(context.store, "Sign in", "Office One")
    qtbot.addWidget(dialog)
    dialog.password.setText("nope-nope")
    dialog._try()
    assert (
        dialog.message.text() == "The name or password is not right." and dialog.user_name is None
    )
    dialog.password.setText("office-pass-1")
    dialog._try()
    assert dialog.user_name == "Office One"

    win = MainWindow(context)
    qtbot.addWidget(win)
    win.show()
    assert win.idle_lock is not None and win.idle_lock.timer.interval() == 10 * 60_000

    def unlock():
        locked = QApplication.activeModalWidget()
        assert not win.centralWidget().isVisible()  # the pupils' data is hidden while locked
        locked.name.setText("Admin")
        locked.password.setText("admin-pass-1")
        locked._try()

    QTimer.singleShot(0, unlock)
    win.idle_lock.timer.timeout.emit()
    assert win.centralWidget().isVisible() and context.user == "Admin"
    win.close()
    context.close()


def test_settings_users_and_audit_log(qtbot, window):
    view = go(window, 4)
    view.new_name.setText("Office Two")
    view.new_role.setCurrentIndex(view.new_role.findData("admin"))
    view.new_password.setText("admin-pass-2")
    buttons = {b.text(): b for b in view.findChildren(QPushButton)}
    qtbot.mouseClick(buttons["Add user"], Qt.MouseButton.LeftButton)
    assert [(u.name, u.role) for u in window.context.store.users.all()] == [("Office Two", "admin")]
    assert view.users.item(0, 0).text() == "Office Two"
    assert view.audit.item(0, 2).text() == "user added" and window.context.user == "Office Two"


# ---- issue 12: a morning that cannot go wrong, registers that never lose a mark -------------------


def _absent_without_contact(store, forename, days=11):
    """The pupil has been absent (N) for `days` school days up to and including today."""
    pupil = next(p for p in store.pupils.all() if p.forename == forename)
    for d in CAL.school_days(date(2024, 10, 1), TODAY)[-days:-1]:
        for s in ("AM", "PM"):
            store.marks.amend(pupil.id, d, s, "N", None, "no reason known", "office1")
    put_marks(store, pupil, {(TODAY, "AM"): "N"})
    return pupil


def _mark_today(store, forename, code):
    put_marks(
        store, next(p for p in store.pupils.all() if p.forename == forename), {(TODAY, "AM"): code}
    )


def test_enter_enter_on_a_call_does_not_log_a_contact(qtbot, window):
    store = window.context.store
    ben = _absent_without_contact(store, "Ben")
    for name in ("Amy", "Cat"):
        _mark_today(store, name, "/")
    window.resize(1280, 720)
    view = go(window, 0)
    view.refresh()
    pupil_row = view.tree.topLevelItem(0).child(0)
    days_before = pupil_row.text(COLUMNS.index("No contact"))
    assert int(days_before) >= 10 and "CME referral" in pupil_row.text(PROMPT_COLUMN)
    seen = {}

    def second_enter():
        dialog = QApplication.activeModalWidget()
        seen["outcome"] = dialog.outcome.currentData()
        seen["save enabled"] = dialog.save_button.isEnabled()
        seen["focus"] = dialog.focusWidget()
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)  # the second Enter, in the dialog
        seen["still open"] = dialog.isVisible()
        seen["focus"] = seen["focus"] is dialog.outcome
        dialog.reject()

    view.tree.setFocus()
    QTimer.singleShot(0, second_enter)
    qtbot.keyClick(view.tree, Qt.Key.Key_Return)  # Enter on the call opens Log call
    assert seen == {"outcome": None, "save enabled": False, "focus": True, "still open": True}
    assert [e for e in store.casework.for_pupil(ben.id)] == []  # nothing logged
    pupil_row = view.tree.topLevelItem(0).child(0)
    assert pupil_row.text(COLUMNS.index("No contact")) == days_before
    assert "CME referral" in pupil_row.text(PROMPT_COLUMN)  # the prompts are still there
    # the prompts are visible without scrolling at 1280 px wide
    header = view.tree.header()
    assert (
        header.sectionViewportPosition(PROMPT_COLUMN) + header.sectionSize(PROMPT_COLUMN)
        <= view.tree.viewport().width()
    )
    assert view.tree.horizontalScrollBar().value() == 0


def test_spoke_to_parent_needs_the_person_and_asks_when_no_reason(qtbot, monkeypatch, window):
    from attendance_desk.gui import today

    store = window.context.store
    ben = _absent_without_contact(store, "Ben", days=1)
    for name in ("Amy", "Cat"):
        _mark_today(store, name, "/")
    view = go(window, 0)
    view.refresh()
    asked = []
    answers = iter(
        [False, True]
    )  # first "No: go back and choose the reason", then "Yes, still unexplained"
    monkeypatch.setattr(
        today, "confirm", lambda parent, title, text: asked.append(text) or next(answers)
    )
    steps = {}

    def fill_in():
        dialog = QApplication.activeModalWidget()
        dialog.outcome.setFocus()
        qtbot.keyClick(dialog.outcome, Qt.Key.Key_Down)  # Spoke to parent/carer
        steps["needs person"] = (dialog.save_button.isEnabled(), dialog.hint.text())
        dialog.contact.setCurrentIndex(1)  # Sara Brook
        qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
        steps["after first answer"] = dialog.isVisible()
        qtbot.keyClick(dialog.note, Qt.Key.Key_Return)

    QTimer.singleShot(0, fill_in)
    qtbot.keyClick(view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert steps["needs person"] == (False, "Choose who you spoke to (or type their name).")
    assert steps["after first answer"] is True and len(asked) == 2
    assert "Is the absence still unexplained?" in asked[0] and "Sara Brook" in asked[0]
    (entry,) = store.casework.for_pupil(ben.id)
    assert (
        entry.contact_made
        and entry.with_whom == "Sara Brook"
        and entry.outcome == "Spoke to parent/carer"
    )
    assert (
        store.marks.get(ben.id, TODAY, "AM").code == "N"
    )  # still unexplained: the mark is unchanged


def test_no_answer_shows_on_the_familys_line_and_keeps_the_place(qtbot, window):
    store = window.context.store
    _absent_without_contact(store, "Ben", days=2)
    amy = _absent_without_contact(store, "Amy", days=2)
    _mark_today(store, "Cat", "/")
    view = go(window, 0)
    view.refresh()
    assert view.tree.topLevelItemCount() == 2
    second = view.tree.topLevelItem(1)
    assert "Amy Able" in second.text(0) and "Tried" not in second.text(0)
    view.tree.setCurrentItem(second)

    def no_answer():
        dialog = QApplication.activeModalWidget()
        dialog.outcome.setFocus()
        for _ in range(2):  # Spoke to parent/carer, then No answer
            qtbot.keyClick(dialog.outcome, Qt.Key.Key_Down)
        qtbot.keyClick(dialog.outcome, Qt.Key.Key_Return)

    view.tree.setFocus()
    QTimer.singleShot(0, no_answer)
    qtbot.keyClick(view.tree, Qt.Key.Key_Return)
    (entry,) = store.casework.for_pupil(amy.id)
    assert entry.outcome == "No answer" and not entry.contact_made
    current = view.tree.currentItem()
    assert current.parent() is None and "Amy Able" in current.text(
        0
    )  # the selection stayed on Amy's family
    assert f"Tried {entry.at:%H:%M} no answer (by office1)" in current.text(0)
    assert "Tried" not in view.tree.topLevelItem(0).text(0)


@pytest.fixture
def two_classes(window):
    store = window.context.store
    dan = add_pupil(store, 4, forename="Dan", surname="Dale", reg_group="4B")
    put_marks(store, dan, sessions(date(2024, 9, 3), date(2024, 11, 19), "/", calendar=CAL))
    view = go(window, 1)
    view.refresh()
    assert [view.group.itemText(i) for i in range(view.group.count())] == ["4A", "4B"]
    return view


def _type_marks(qtbot, view, keys):
    view.table.setCurrentIndex(view.model.index(0, view.model.column_of((TODAY, "AM"))))
    view.table.setFocus()
    for key in keys:
        qtbot.keyClick(view.table, key)


def test_unsaved_marks_are_counted_and_shown(qtbot, window, two_classes):
    view = two_classes
    assert not view.save_button.isEnabled() and view.unsaved.text() == ""
    _type_marks(qtbot, view, "//n")
    assert view.unsaved.text() == "3 unsaved" and view.save_button.isEnabled()
    index = view.model.index(0, view.model.column_of((TODAY, "AM")))
    assert view.model.data(index, PENDING_ROLE) is True
    qtbot.keyClick(view.table, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert view.unsaved.text() == "" and not view.save_button.isEnabled()
    assert view.model.data(index, PENDING_ROLE) is False


def test_switching_class_with_unsaved_marks_asks_and_keeps_them_on_cancel(
    qtbot, monkeypatch, window, two_classes
):
    from attendance_desk.gui import registers

    view, store = two_classes, window.context.store
    answers, asked = iter(["cancel", "save"]), []
    monkeypatch.setattr(
        registers, "ask_unsaved", lambda parent, text: asked.append(text) or next(answers)
    )
    _type_marks(qtbot, view, "/n")
    view.group.setFocus()
    qtbot.keyClick(view.group, Qt.Key.Key_Down)  # to 4B
    assert len(asked) == 1 and "2 marks typed in 4A are not saved yet" in asked[0]
    assert view.group.currentText() == "4A" and view.model.week.reg_group == "4A"
    assert len(view.model.pending) == 2 and view.unsaved.text() == "2 unsaved"
    # another screen, then back: still asks, and Cancel stays
    answers = iter(["cancel"])
    window.nav.setCurrentRow(0)
    assert (
        window.stack.currentIndex() == 1
        and window.nav.currentRow() == 1
        and len(view.model.pending) == 2
    )
    answers = iter(["save"])
    qtbot.keyClick(view.group, Qt.Key.Key_Down)  # Save, then 4B
    assert view.model.week.reg_group == "4B" and view.model.pending == {}
    assert sorted(store.marks.for_session(TODAY, "AM").values()) == ["/", "N"]


def test_discard_on_leaving_the_register_drops_only_the_typed_marks(
    qtbot, monkeypatch, window, two_classes
):
    from attendance_desk.gui import registers

    view, store = two_classes, window.context.store
    monkeypatch.setattr(registers, "ask_unsaved", lambda parent, text: "discard")
    _type_marks(qtbot, view, "/")
    window.nav.setCurrentRow(0)
    assert window.stack.currentIndex() == 0 and view.model.pending == {}
    assert store.marks.for_session(TODAY, "AM") == {}


def test_closing_the_window_with_unsaved_marks_asks(qtbot, monkeypatch, window, two_classes):
    from attendance_desk.gui import registers

    view, store = two_classes, window.context.store
    answers, asked = iter(["cancel", "save"]), []
    monkeypatch.setattr(
        registers, "ask_unsaved", lambda parent, text: asked.append(text) or next(answers)
    )
    _type_marks(qtbot, view, "n")
    assert window.close() is False  # Cancel: the window and the mark stay
    assert window.isVisible() and len(asked) == 1 and len(view.model.pending) == 1
    assert window.close() is True  # Save
    assert list(store.marks.for_session(TODAY, "AM").values()) == ["N"]


def test_register_shows_missing_marks(qtbot, window):
    """A closed register with no mark for a pupil shows "?" (not colour alone), says so on hover,
    and the period's label counts them; today's registers are still open, so not missing."""
    view = go(window, 1)
    # Dan joined on Monday and nobody has marked him since
    dan = add_pupil(
        window.context.store,
        9,
        forename="Dan",
        surname="Dean",
        reg_group="4A",
        admission_date=date(2024, 11, 18),
    )
    view.reload()
    row = [p.id for p in view.model.week.pupils].index(dan.id)
    cell = view.model.index(row, view.model.column_of((date(2024, 11, 18), "AM")))
    assert view.model.data(cell) == "?"
    assert "Missing mark" in view.model.data(cell, Qt.ItemDataRole.ToolTipRole)
    # Monday and Tuesday (before TODAY, a Wednesday) are missing; today's sessions are not
    assert "4 missing marks" in view.label.text()
    assert view.model.data(view.model.index(row, view.model.column_of((TODAY, "AM")))) == ""
    # the class's other pupils are complete up to yesterday
    assert all(key[0] == dan.id for key in view.model.week.missing)


def test_late_arrival_from_the_register(qtbot, window, monkeypatch):
    """The time of arrival gives L before the register closes (09:15) and U after; the other code
    needs a reason. The dialog records it at once, with the minutes late."""
    from attendance_desk.gui.late_dialog import LateArrivalDialog

    view = go(window, 1)
    monday = (date(2024, 11, 18), "AM")
    view.table.setCurrentIndex(view.model.index(0, view.model.column_of(monday)))
    seen = {}

    def run(dialog):
        dialog.arrived.setTime(dialog.arrived.time().fromString("09:40", "HH:mm"))
        seen["suggested"] = dialog.code.currentData()
        dialog.code.setCurrentIndex(dialog.code.findData("L"))
        dialog.save()  # L against the close time, with no reason: refused, the dialog stays
        seen["refusal"] = dialog.rule.text()
        dialog.reason.setText("school minibus was late")
        dialog.save()
        return dialog.result()

    monkeypatch.setattr(LateArrivalDialog, "exec", run)
    view.late_arrival()
    assert seen["suggested"] == "U" and "give the reason" in seen["refusal"]
    pupil = view.model.week.pupils[0]
    mark = window.context.store.marks.get(pupil.id, *monday)
    assert (mark.code, mark.minutes_late) == ("L", 55)


def test_save_the_call_list_as_pdf_audited_and_a_bad_folder_said_plainly(
    qtbot, window, tmp_path, monkeypatch
):
    """Today → Save list as PDF goes through services.calls.save_call_list: the page is written and
    audited; a place that cannot be written is a message, not a traceback, and nothing is audited."""
    import attendance_desk.gui.today as today
    from tests.helpers import text_of

    store = window.context.store
    ben = next(p for p in store.pupils.all() if p.forename == "Ben")
    put_marks(store, ben, {(TODAY, "AM"): "N"})
    view = go(window, 0)
    view.refresh()
    button = next(b for b in view.findChildren(QPushButton) if "PDF" in b.text())
    target = tmp_path / "calls.pdf"
    offered = []

    def choose(parent, title, start, file_filter):
        offered.append(Path(start))
        return str(target), file_filter

    monkeypatch.setattr(QFileDialog, "getSaveFileName", choose)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert "Ben Brook" in text_of(target)
    # offered in the school's documents folder (beside the file), never the program's own folder
    assert offered == [tmp_path / "school-documents" / f"calls-{TODAY.isoformat()}.pdf"]
    entry = store.audit.entries()[-1]
    assert (entry.user, entry.action) == ("office1", "call list saved")

    shown = []
    monkeypatch.setattr(today, "show_error", lambda parent, message: shown.append(message))
    missing = target / "calls.pdf"  # a "folder" that is a file
    target = missing  # what `choose` answers now
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert len(shown) == 1 and "calls.pdf" in shown[0], shown
    assert offered[-1].parent == tmp_path  # the folder chosen last time is offered again
    assert not missing.exists() and store.audit.entries()[-1].id == entry.id


def test_a_long_status_message_has_the_whole_bar_while_it_shows(qtbot, school):
    """At 1280×720 in a 12 pt font a refusal is longer than the room the lasting labels leave: they
    step aside while it shows (it was cut off mid-word), and come back when it goes."""
    from PySide6.QtGui import QFont

    app = QApplication.instance()
    before = QFont(app.font())
    font = QFont(before)
    font.setPointSize(12)
    app.setFont(font)  # before the window is made, as a user's larger font would be
    context = AppContext(school, "office1", TODAY, synchronous=True)
    window = MainWindow(context)
    qtbot.addWidget(window)
    try:
        window.resize(1280, 720)
        window.show()
        bar = window.statusBar()
        qtbot.waitUntil(lambda: bar.width() == 1280)
        assert bar.font().pointSize() == 12
        long = (
            "The PM register for 20/11/2024 has not opened yet (it opens at 13:00): nobody can be "
            "marked present before then"
        )
        bar.showMessage("Saved 4 marks")
        assert window.where.isVisibleTo(window) and window.backup_label.isVisibleTo(window)
        bar.showMessage(long)
        assert not window.where.isVisibleTo(window)
        assert not window.backup_label.isVisibleTo(window)
        assert bar.fontMetrics().horizontalAdvance(long) < bar.width()  # the whole sentence fits
        bar.clearMessage()
        assert window.where.isVisibleTo(window) and window.backup_label.isVisibleTo(window)
    finally:
        window.close()
        context.close()
        app.setFont(before)
