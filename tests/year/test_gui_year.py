"""The rest-of-the-year dialogs driven by keys and clicks on a real school file (offscreen)."""

from datetime import date

import pytest
from PySide6.QtCore import Qt

from attendance_desk.gui.context import AppContext
from attendance_desk.gui.main_window import MainWindow
from tests.helpers import put_marks, text_of, upn


@pytest.fixture
def school(store):
    path = store.path
    store.close()
    return path


def window_on(qtbot, school, user, today):
    context = AppContext(school, user, today, synchronous=True)
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    return win, context


def menu_actions(win, title):
    menu = next(a.menu() for a in win.menuBar().actions() if a.text() == title)
    return {a.text(): a for a in menu.actions()}


def test_leave_dialog_request_decide_letters_and_today(qtbot, school, tmp_path):
    from attendance_desk.gui.leave_dialog import LeaveDialog

    win, context = window_on(qtbot, school, "Harwood", date(2024, 11, 20))
    try:
        assert "&Leave requests…" in menu_actions(win, "&Attendance")
        dialog = LeaveDialog(context, win)
        qtbot.addWidget(dialog)
        qtbot.keyClicks(dialog.filter, "Brook")
        visible = [
            dialog.pupils.item(n)
            for n in range(dialog.pupils.count())
            if not dialog.pupils.item(n).isHidden()
        ]
        assert [i.text() for i in visible] == ["Amy Brook (4A)", "Ben Brook (2B)"]
        for item in visible:
            item.setSelected(True)
        dialog.first.setDate(date(2024, 12, 9))
        dialog.last.setDate(date(2024, 12, 10))
        # no reason: refused with a message, nothing recorded
        qtbot.keyClicks(dialog.requested_by, "Ms Jo Brook")
        record = dialog.record_button
        qtbot.mouseClick(record, Qt.MouseButton.LeftButton)
        assert "reason" in dialog.message.text() and dialog.table.rowCount() == 0
        qtbot.keyClicks(dialog.reason, "family wedding abroad")
        qtbot.mouseClick(record, Qt.MouseButton.LeftButton)
        assert "reply is due by 04/12/2024" in dialog.message.text()
        assert dialog.table.rowCount() == 2
        assert "10 school days left" in dialog.table.item(0, 7).text()
        dialog.table.selectRow(0)
        qtbot.mouseClick(dialog.grant_button, Qt.MouseButton.LeftButton)  # no circumstances
        assert "exceptional circumstances" in dialog.message.text()
        qtbot.mouseClick(dialog.refuse_button, Qt.MouseButton.LeftButton)
        assert "refused" in dialog.message.text()
        dialog.show_all.setChecked(True)
        dialog.table.selectRow(0)
        dialog.letters(tmp_path / "leave.pdf")
        assert "4 letters issued" in dialog.message.text()
        assert "penalty notice" in text_of(tmp_path / "leave.pdf")
        dialog.close()
    finally:
        win.close()
        context.close()
    # on the day: Amy marked N is not rung, and Today says why
    from attendance_desk.services.school import open_school

    with open_school(school) as store:
        put_marks(store, store.pupils.by_upn(upn(1)), {(date(2024, 12, 9), "AM"): "N"})
    win, context = window_on(qtbot, school, "Reception", date(2024, 12, 9))
    try:
        today = win.views[0]
        today.refresh()
        assert not today.not_called.isHidden()
        assert "Amy Brook (4A): leave refused" in today.not_called.text()
        lines = [today.tree.topLevelItem(n).text(0) for n in range(today.tree.topLevelItemCount())]
        assert lines and not any("Amy" in line for line in lines)  # Cal (no mark) is still rung
    finally:
        win.close()
        context.close()


def test_penalty_dialog_refuses_below_the_threshold_then_runs_a_case(qtbot, school, tmp_path):
    from attendance_desk.gui.penalty_dialog import PenaltyDialog

    win, context = window_on(qtbot, school, "Okonjo", date(2024, 11, 20))
    try:
        assert "&Penalty notices…" in menu_actions(win, "&Attendance")
        dialog = PenaltyDialog(context, upn(1), win)
        qtbot.addWidget(dialog)
        assert "below the local threshold of 10" in dialog.figures.text()
        dialog.ends.setDate(date(2024, 12, 18))
        qtbot.mouseClick(dialog.buttons["nti"], Qt.MouseButton.LeftButton)
        assert "below the penalty-notice threshold" in dialog.message.text()
        assert dialog.cases.rowCount() == 0
        dialog.pupil.setCurrentIndex(dialog.pupil.findData(upn(3)))
        assert "11 unauthorised sessions at most" in dialog.figures.text()
        qtbot.mouseClick(dialog.buttons["nti"], Qt.MouseButton.LeftButton)
        assert "Notice to improve recorded (1 case(s))" in dialog.message.text()
        dialog.cases.selectRow(0)
        qtbot.mouseClick(dialog.buttons["request"], Qt.MouseButton.LeftButton)
        assert "runs to 18/12/2024" in dialog.message.text()  # the improvement period first
        dialog.act("form", tmp_path / "x.pdf")
        assert "no request to the local authority yet" in dialog.message.text()
        dialog.close()
        # opened again from the menu (no pupil chosen): it opens on the pupil with the case
        again = PenaltyDialog(context, None, win)
        qtbot.addWidget(again)
        assert again.upn() == upn(3) and "case, notice to improve" in again.pupil.currentText()
        assert again.cases.rowCount() == 1
        again.close()
    finally:
        win.close()
        context.close()


def test_cme_dialog_refuses_below_the_count_then_refers(qtbot, school, tmp_path):
    from attendance_desk.gui.cme_dialog import CmeDialog
    from attendance_desk.services.school import open_school
    from tests.helpers import sessions
    from tests.year.conftest import CAL

    with open_school(school) as store:
        ben = store.pupils.by_upn(upn(2))
        put_marks(store, ben, sessions(date(2024, 11, 20), date(2024, 12, 3), "N", calendar=CAL))
    win, context = window_on(qtbot, school, "Okonjo", date(2024, 12, 2))
    try:
        assert "&Missing education referrals…" in menu_actions(win, "&Attendance")
        dialog = CmeDialog(context, upn(2), win)
        qtbot.addWidget(dialog)
        assert "9 school days of unexplained absence" in dialog.status.text()
        qtbot.mouseClick(dialog.refer_button, Qt.MouseButton.LeftButton)
        assert "the school refers at 10" in dialog.message.text()
        assert dialog.table.rowCount() == 0
        qtbot.keyClicks(dialog.early_reason, "the family told a neighbour they were moving abroad")
        qtbot.mouseClick(dialog.refer_button, Qt.MouseButton.LeftButton)
        assert "Referral 1 recorded" in dialog.message.text()
        dialog.table.selectRow(0)
        dialog.make_form(tmp_path / "cme.pdf")
        assert "Siblings" in text_of(tmp_path / "cme.pdf")
        qtbot.keyClicks(dialog.outcome, "moved abroad, LA notified")
        qtbot.mouseClick(dialog.outcome_button, Qt.MouseButton.LeftButton)
        assert dialog.table.item(0, 5).text() == "moved abroad, LA notified"
        dialog.close()
    finally:
        win.close()
        context.close()


def test_social_workers_dialog_drafts_copies_and_records_told(qtbot, school):
    from dataclasses import replace

    from attendance_desk.gui.social_workers_dialog import SocialWorkersDialog
    from attendance_desk.services.school import open_school

    day = date(2024, 11, 20)
    with open_school(school) as store:
        cal = store.pupils.by_upn(upn(3))
        store.pupils.upsert_many(
            [
                replace(
                    cal,
                    cp_plan=True,
                    social_worker="Ms Rita Patel",
                    social_worker_email="r@x.example",
                )
            ]
        )
        put_marks(store, cal, {(day, "AM"): "N"})
    win, context = window_on(qtbot, school, "Reception", day)
    try:
        assert "&Social workers today…" in menu_actions(win, "&Attendance")
        dialog = SocialWorkersDialog(context, parent=win)
        qtbot.addWidget(dialog)
        assert dialog.workers.count() == 1
        assert dialog.workers.item(0).text() == "NOT TOLD: Ms Rita Patel — Cal Field"
        assert "Dear Ms Rita Patel," in dialog.draft.toPlainText()
        qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
        from PySide6.QtWidgets import QApplication

        assert QApplication.clipboard().text().startswith("Subject: Unexplained absence today")
        qtbot.mouseClick(dialog.told_button, Qt.MouseButton.LeftButton)
        assert "was told about 1 child(ren)" in dialog.message.text()
        assert dialog.workers.item(0).text().startswith("told: Ms Rita Patel")
        dialog.close()
    finally:
        win.close()
        context.close()


def test_messages_dialog_previews_edits_and_saves(qtbot, school, tmp_path):
    from attendance_desk.gui.messages_dialog import MessagesDialog
    from attendance_desk.services.school import open_school

    day = date(2024, 11, 20)
    with open_school(school) as store:
        put_marks(store, store.pupils.by_upn(upn(2)), {(day, "AM"): "N"})
    win, context = window_on(qtbot, school, "Reception", day)
    try:
        assert "&Messages for the texting service…" in menu_actions(win, "&Attendance")
        dialog = MessagesDialog(context, win)
        qtbot.addWidget(dialog)
        assert dialog.table.rowCount() == 1
        assert dialog.table.item(0, 1).text() == "07700900001"
        dialog.wording.setPlainText("Hi {salutation}, {pupil} is absent")
        dialog.preview()
        assert "does not know: {pupil}" in dialog.note.text() and dialog.table.rowCount() == 0
        dialog.wording.setPlainText("Hi {salutation}, {pupils} is absent. {school}")
        dialog.save(tmp_path / "texts.csv")
        assert "1 messages saved" in dialog.note.text()
        assert "Hi Ms Brook, Ben is absent." in (tmp_path / "texts.csv").read_text("utf-8-sig")
        dialog.close()
    finally:
        win.close()
        context.close()
