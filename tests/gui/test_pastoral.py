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
    dialog.review.set(date(2024, 12, 16))
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
    # a review that carries on to 13/01/2025, then one that ends it
    review = pastoral.TimetableReviewDialog(window.context, t.id, listing)
    qtbot.addWidget(review)
    review.show()
    review.outcome.setText("settling well, one more afternoon from next week")
    review.next_review.set(date(2025, 1, 13))
    review.accept()
    assert store.pastoral.timetable(t.id).review_on == date(2025, 1, 13)
    ended = pastoral.TimetableReviewDialog(window.context, t.id, listing)
    qtbot.addWidget(ended)
    ended.show()
    ended.outcome.setText("full-time from Monday, agreed with mother")
    ended.accept()
    assert store.pastoral.timetable(t.id).ends == TODAY
    from attendance_desk.gui.help import shortcuts

    listed = {(keys, what) for _, keys, what in shortcuts(window)}
    assert any(keys == "Ctrl+Shift+T" and "Part-time timetables" in what for keys, what in listed)


def test_medical_evidence_and_the_leads_decision_in_the_window(qtbot, window, errors):
    from attendance_desk.services.stages import record_step

    store = window.context.store
    amy = store.pupils.all()[0]
    # Amy ill Mon 18 and Tue 19/11 (recoded by an amendment), at stage 2 from 15/11
    from attendance_desk.services.marks import amend_mark

    for day in (date(2024, 11, 18), date(2024, 11, 19)):
        for half in ("AM", "PM"):
            amend_mark(store, amy.upn, day, half, "I", "mother rang: flu", "lead1")
    record_step(store, amy.upn, "entered", date(2024, 11, 15), "lead1", "stage1", "")
    record_step(store, amy.upn, "entered", date(2024, 11, 15), "lead1", "stage2", "")

    decisions = pastoral.IllnessDecisionsDialog(window.context, window)
    qtbot.addWidget(decisions)
    assert decisions.table.rowCount() == 4 and "4 illness session(s)" in decisions.summary.text()

    evidence = pastoral.MedicalEvidenceDialog(window.context, amy.upn, amy.name, window)
    qtbot.addWidget(evidence)
    evidence.show()
    evidence.what.setText("GP letter")
    evidence.from_whom.setText("Dr Patel, Northbridge Surgery")
    evidence.dated.setDate(evidence.dated.date().addDays(-1))
    evidence.covers_from.setDate(evidence.covers_from.date().addDays(-2))  # 18/11 only
    evidence.covers_to.setDate(evidence.covers_to.date().addDays(-3))  # before the start: refused
    qtbot.mouseClick(
        evidence.buttons.button(evidence.buttons.StandardButton.Save), Qt.MouseButton.LeftButton
    )
    assert "the end is before the start" in errors[-1] and store.pastoral.evidence() == []
    evidence.covers_to.setDate(evidence.covers_from.date())
    qtbot.mouseClick(
        evidence.buttons.button(evidence.buttons.StandardButton.Save), Qt.MouseButton.LeftButton
    )
    assert len(store.pastoral.evidence()) == 1

    decisions.reload()
    assert decisions.table.rowCount() == 2  # Tue 19/11 AM and PM
    decisions.table.selectRow(0)
    decisions.decide("O")  # no reason: refused
    assert "give the reason" in errors[-1]
    decisions.reason.setText("no evidence after two requests")
    decisions.decide("O")
    assert decisions.table.rowCount() == 1
    assert store.marks.get(amy.id, date(2024, 11, 19), "AM").code == "O"

    # the register's tooltip and the heat map say the 18/11 illness is evidenced
    window.nav.setCurrentRow(1)
    view = window.views[1]
    view.reload()
    row = [p.id for p in view.model.week.pupils].index(amy.id)
    column = view.model.column_of((date(2024, 11, 18), "AM"))
    tip = view.model.data(view.model.index(row, column), Qt.ItemDataRole.ToolTipRole)
    assert "evidenced (GP letter from Dr Patel, Northbridge Surgery" in tip
    window.context.open_pupil.emit(amy.upn)
    heat = window.views[2].heat
    assert "evidenced (GP letter" in heat.tooltip(date(2024, 11, 18), "PM")
    assert "for the attendance lead to decide" in heat.tooltip(date(2024, 11, 19), "PM")


def test_lateness_letters_dialog_refuses_below_the_step_and_issues(qtbot, window, errors, tmp_path):
    from attendance_desk.domain.people import Contact, Link
    from attendance_desk.services.marks import amend_mark

    store = window.context.store
    amy, ben = sorted(store.pupils.all(), key=lambda p: p.surname)
    for day in (4, 5, 6, 7, 8):
        amend_mark(store, amy.upn, date(2024, 11, day), "AM", "L", "arrived 09:05", "lead1")
    amend_mark(store, ben.upn, date(2024, 11, 4), "AM", "L", "arrived 09:05", "lead1")
    for pupil in (amy, ben):
        parent = store.contacts.add(
            Contact(None, "Ms Sam Parent", address="1 Mill Lane", postcode="NB1 2AB")
        )
        store.contacts.link(Link(pupil.id, parent, "Mother", True, 1))

    dialog = pastoral.LatenessDialog(window.context, window)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 2
    assert dialog.table.item(0, 0).text() == amy.name and dialog.table.item(0, 4).text() == "step 1"
    dialog.table.selectRow(1)  # Ben: one late mark
    dialog.make(False, out=tmp_path / "ben.pdf")
    assert (
        "at least 5 late marks (L) this half-term" in errors[-1]
        and "(1 between 04/11/2024" in errors[-1]
    )
    assert store.letters.for_pupil(ben.id) == []
    dialog.table.clearSelection()
    dialog.make(False, out=tmp_path / "all.pdf")
    assert [x.template for x in store.letters.for_pupil(amy.id)] == ["lateness1"]
    assert "lateness1 on 20/11/2024" in dialog.table.item(0, 5).text()


def test_early_help_offer_and_answer_in_the_window(qtbot, window, errors, tmp_path):
    from attendance_desk.domain.people import Contact, Link

    store = window.context.store
    amy = sorted(store.pupils.all(), key=lambda p: p.surname)[0]
    parent = store.contacts.add(
        Contact(None, "Ms Sam Able", address="1 Mill Lane", postcode="NB1 2AB")
    )
    store.contacts.link(Link(amy.id, parent, "Mother", True, 1))
    dialog = pastoral.EarlyHelpOfferDialog(window.context, amy.upn, amy.name, window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.out = tmp_path / "offer.pdf"
    dialog.what.setText("help")
    dialog.accept()
    assert "say what help is offered" in errors[-1] and store.pastoral.offers() == []
    dialog.what.setText("a place at the breakfast club to help with mornings")
    dialog.accept()
    (offer,) = store.pastoral.offers()
    assert offer.letter_refs == "ATT/00001" and (tmp_path / "offer.pdf").exists()

    listing = pastoral.EarlyHelpOffersDialog(window.context, window)
    qtbot.addWidget(listing)
    assert listing.table.item(0, 6).text() == "no answer recorded yet"
    answer = pastoral.EarlyHelpAnswerDialog(window.context, offer.id, listing)
    qtbot.addWidget(answer)
    answer.show()
    answer.answer.setCurrentIndex(1)  # declined
    answer.accept()
    assert store.pastoral.offers()[0].answer == "declined"


def test_awards_dialog_makes_certificates_and_says_who_was_left_out(
    qtbot, window, errors, tmp_path
):
    dialog = pastoral.AwardsDialog(window.context, window)
    qtbot.addWidget(dialog)
    dialog.group.setCurrentIndex(dialog.group.findText("Class 4A"))
    dialog.start.setDate(dialog.start.date().addDays(-16))  # Mon 04/11/2024
    dialog.end.setDate(dialog.end.date().addDays(1))  # tomorrow: refused
    dialog.make(tmp_path / "x.pdf")
    assert "the period has not ended" in errors[-1] and not (tmp_path / "x.pdf").exists()
    dialog.end.setDate(dialog.end.date().addDays(-2))  # Tue 19/11/2024
    dialog.make(tmp_path / "4A.pdf")
    text = dialog.result.toPlainText()
    assert (
        "2 certificate(s) saved" in text
        and "Amy Able (4A): for attending every one of the 24 sessions" in text
    )
    assert (tmp_path / "4A.pdf").exists()
