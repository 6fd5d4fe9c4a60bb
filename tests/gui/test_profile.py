# ruff: noqa: F811  (pytest fixtures imported from test_window)
"""The pupil profile read in five seconds: days absent, outstanding actions with their dates, what
was done, and a heat map that explains each cell."""

from datetime import date

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QApplication, QScrollArea

from attendance_desk.gui.pupil import HEAT_LEGEND, HEAT_STYLE, MISSING, days
from attendance_desk.services.meetings import record_meeting
from attendance_desk.services.stages import record_step
from tests.gui.test_window import CAL, TODAY, go, school, window  # noqa: F401  (fixtures)
from tests.helpers import add_pupil, put_marks, sessions


def _contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        parts = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        parts = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in parts]
        return 0.2126 * parts[0] + 0.7152 * parts[1] + 0.0722 * parts[2]

    low, high = sorted((luminance(a), luminance(b)))
    return (high + 0.05) / (low + 0.05)


def _absent_amy(store):
    amy = next(p for p in store.pupils.all() if p.forename == "Amy")
    for day in (date(2024, 11, 4), date(2024, 11, 5), date(2024, 11, 6)):  # 3 days, 6 sessions
        for session in ("AM", "PM"):
            store.marks.amend(amy.id, day, session, "N", None, "no reason given", "lead")
    store.marks.amend(amy.id, date(2024, 11, 7), "AM", "M", None, "dental appointment", "lead")
    return amy


def test_profile_shows_days_absent_and_outstanding_actions(qtbot, window):
    store = window.context.store
    amy = _absent_amy(store)
    record_step(
        store, amy.upn, "entered", TODAY, "lead", "stage1", "", occurred_on=date(2024, 11, 18)
    )
    record_meeting(
        store,
        amy.upn,
        "sam",
        date(2024, 11, 19),
        "lead",
        target_pct=95,
        review_weeks=4,
        today=TODAY,
    )
    view = go(window, 2)
    view.show_pupil(amy.upn)
    assert view.figures.item(0, 4).text() == "3½ days (7 sessions)"
    text = view.stage.text()
    assert "Stage 1: letter of concern" in text and "Days absent this year:</b> 3½ days" in text
    outstanding = text.split("<b>Outstanding:</b>")[1].split("<b>Done:</b>")[0]
    # the stage's actions stay in sight once it is confirmed; the letter is not yet sent
    assert (
        "Send stage 1 letter to every parent with parental responsibility — since 18/11/2024"
        in outstanding
    )
    assert "Class teacher to speak to the parent" in outstanding
    assert "Review of the School Attendance Meeting of 19/11/2024 — due 17/12/2024" in outstanding
    done = text.split("<b>Done:</b>")[1]
    assert "19/11/2024 School Attendance Meeting held" in done
    assert "18/11/2024 Entered Stage 1: letter of concern" in done


def test_heat_map_tooltips_and_letters(qtbot, window):
    store = window.context.store
    amy = _absent_amy(store)
    view = go(window, 2)
    view.show_pupil(amy.upn)
    heat = view.heat
    assert heat.tooltip(date(2024, 11, 4), "PM") == (
        "Mon 04/11/2024 PM: N – Reason for absence not yet established (unauthorised absence)"
    )
    assert heat.tooltip(date(2024, 11, 7), "AM").startswith("Thu 07/11/2024 AM: M – ")
    assert heat.tooltip(date(2024, 11, 7), "AM").endswith("(authorised absence)")
    # the window shows 20/11/2024 (not the real date): that day's registers are not yet due
    assert heat.tooltip(TODAY, "PM") == (
        "Wed 20/11/2024 PM: still to come (the register is not yet due)"
    )
    # the point under a cell is that cell's session
    size = heat.cell()
    weeks = heat._weeks()
    w = weeks.index(date(2024, 11, 4))
    x = heat.LEFT + w * (size + 2) + size // 2
    assert heat.session_at(x, heat.TOP + 1) == (date(2024, 11, 4), "AM")
    assert heat.session_at(x, heat.TOP + (size + 2) + size - 2) == (date(2024, 11, 5), "PM")
    # categories differ by a letter as well as a colour, and the two absences by contrast (WCAG ≥ 3:1)
    from attendance_desk.domain.codes import Category

    letters = [HEAT_STYLE[c][1] for c in Category if c != Category.PRESENT]
    assert len(set(letters)) == len(letters) and all(letters)
    assert _contrast(HEAT_STYLE[Category.AUTHORISED][0], HEAT_STYLE[Category.UNAUTHORISED][0]) >= 3
    for category in Category:
        fill, letter, _ink = HEAT_STYLE[category]
        assert (f"{letter} " if letter else "") in HEAT_LEGEND
    assert days(1) == "1 day" and days(0.5) == "½ day" and days(3.5) == "3½ days"


def test_heat_map_cells_grow_with_the_window(qtbot, window):
    store = window.context.store
    amy = _absent_amy(store)
    view = go(window, 2)
    view.show_pupil(amy.upn)
    window.resize(1280, 720)
    qtbot.wait(50)
    small = view.heat.cell()
    window.resize(1920, 1080)
    qtbot.wait(50)
    assert view.heat.cell() > small >= view.heat.MIN_CELL
    view.grab().save("/tmp/shots/pupil_1920.png")
    window.resize(1280, 720)
    qtbot.wait(50)
    view.grab().save("/tmp/shots/pupil_1280.png")


def test_no_pupil_chosen_every_action_is_disabled(qtbot, window):
    view = go(window, 2)
    buttons = [*view.actions.values(), view.more, view.confirm, view.close_process]
    assert view.upn is None and not any(b.isEnabled() for b in buttons)
    assert not view.heat.isVisible()  # no empty map before a pupil is chosen
    qtbot.mouseClick(view.close_process, Qt.MouseButton.LeftButton)  # nothing opens, nothing said
    assert QApplication.activeModalWidget() is None
    view._record("closed", None, "")  # even if reached: no 'invalid UPN None'
    amy = next(p for p in window.context.store.pupils.all() if p.forename == "Amy")
    qtbot.keyClicks(view.search, "Amy")
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    assert view.upn == amy.upn
    assert all(b.isEnabled() for b in (*view.actions.values(), view.more))
    assert view.heat.isVisible()


def test_heat_map_colours_agree_with_the_register(qtbot, window):
    """The heat map's categories take the register's hues (presentation.CATEGORY_COLOURS: blue is
    approved educational activity, red unauthorised absence), with a letter as well."""
    from attendance_desk.domain.codes import Category
    from attendance_desk.presentation import CATEGORY_COLOURS

    for category in (Category.AEA, Category.AUTHORISED, Category.UNAUTHORISED):
        heat = QColor(HEAT_STYLE[category][0]).hsvHue()
        register = QColor(f"#{CATEGORY_COLOURS[category]}").hsvHue()
        assert min(abs(heat - register), 360 - abs(heat - register)) <= 25, category
    assert QColor(HEAT_STYLE[Category.PRESENT][0]) == QColor(f"#{CATEGORY_COLOURS['present']}")
    assert QColor(HEAT_STYLE[Category.NOT_COUNTED][0]).hsvSaturation() == 0  # grey, as there
    # a missing mark is the register's "?" on its colour, unlike any category and "still to come"
    assert MISSING[1] == "?" and MISSING[1] not in {s[1] for s in HEAT_STYLE.values()}


def test_a_missing_mark_is_a_question_mark_and_today_is_still_to_come(qtbot, window):
    store = window.context.store
    dan = add_pupil(store, 9, forename="Dan", surname="Dale", reg_group="4A")
    put_marks(store, dan, sessions(date(2024, 9, 3), date(2024, 11, 15), "/", calendar=CAL))
    view = go(window, 2)
    view.show_pupil(dan.upn)
    heat = view.heat
    # 18/11 and 19/11 are school days whose registers closed with no mark for Dan
    assert heat.state(date(2024, 11, 19), "PM") == "missing"
    assert heat.tooltip(date(2024, 11, 18), "AM") == (
        "Mon 18/11/2024 AM: ? no mark (the register closed without one)"
    )
    # the window's day is not the real date: its registers are still open, so still to come
    assert heat.state(TODAY, "AM") == heat.state(TODAY, "PM") == "to come"
    # on the real day, after the morning register closes, the morning is due and the afternoon
    # is still to come (services.figures.due_through)
    heat.show_profile(view.profile, (TODAY, "AM"))
    assert heat.state(TODAY, "AM") == "missing" and heat.state(TODAY, "PM") == "to come"
    assert heat.tooltip(TODAY, "PM").endswith("still to come (the register is not yet due)")
    assert heat.state(date(2024, 9, 2), "AM") == "no school"  # an INSET day before term


def test_profile_fits_1366_at_12pt_and_reads_in_words(qtbot, window):
    store = window.context.store
    amy = _absent_amy(store)
    font = QFont(window.font())
    font.setPointSize(12)
    window.setFont(font)
    window.resize(1366, 768)
    view = go(window, 2)
    view.show_pupil(amy.upn)
    qtbot.wait(50)
    scroll = view.findChild(QScrollArea)
    assert scroll.horizontalScrollBar().maximum() == 0  # nothing off the right-hand edge
    assert view.close_process.geometry().right() <= scroll.viewport().width()
    assert view.figures.horizontalScrollBar().maximum() == 0
    # the month labels and weekday names are sized from the font (were a fixed 60×14 box)
    heat = view.heat
    metrics = heat.fontMetrics()
    assert metrics.height() + heat.BAR <= heat.TOP and metrics.horizontalAdvance("Wed") < heat.LEFT
    text = view.patterns.text()
    assert "Sessions absent:</b> mornings 4, afternoons 3" in text and " AM," not in text
    assert view.flags.text().startswith(
        "<b>This year:</b> 6 unauthorised sessions in the 10 school weeks to 20/11/2024"
    )
    assert "–;" not in view.flags.text() and "wks" not in view.flags.text()


def test_casework_dialogs_name_the_pupil_and_fit_their_text_at_12pt(qtbot, window):
    store = window.context.store
    amy = _absent_amy(store)
    before = QApplication.font()
    font = QFont(before)
    font.setPointSize(12)
    QApplication.setFont(font)
    try:
        view = go(window, 2)
        view.show_pupil(amy.upn)
        seen = {}

        def look(key):
            dialog = QApplication.activeModalWidget()
            seen[key] = dialog.windowTitle()
            if key == "letter":
                listing = dialog.letters
                metrics = listing.fontMetrics()
                widest = max(
                    metrics.horizontalAdvance(listing.item(i).text())
                    for i in range(listing.count())
                )
                seen["names fit"] = widest <= listing.viewport().width()
                field = dialog.reason
                seen["placeholder fits"] = (
                    field.fontMetrics().horizontalAdvance(field.placeholderText())
                    < field.width() - 8
                )
            dialog.reject()

        for key, button in (
            ("letter", "letter"),
            ("meeting", "meeting"),
            ("contact", "contact"),
        ):
            QTimer.singleShot(0, lambda key=key: look(key))
            qtbot.mouseClick(view.actions[button], Qt.MouseButton.LeftButton)
        assert seen == {
            "letter": "Letter: Amy Able (4A)",
            "names fit": True,
            "placeholder fits": True,
            "meeting": "School Attendance Meeting: Amy Able (4A)",
            "contact": "Record contact with the family: Amy Able (4A)",
        }
    finally:
        QApplication.setFont(before)
