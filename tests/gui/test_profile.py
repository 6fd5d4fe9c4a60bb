# ruff: noqa: F811  (pytest fixtures imported from test_window)
"""The pupil profile read in five seconds: days absent, outstanding actions with their dates, what
was done, and a heat map that explains each cell."""

from datetime import date

from attendance_desk.gui.pupil import HEAT_LEGEND, HEAT_STYLE, days
from attendance_desk.services.meetings import record_meeting
from attendance_desk.services.stages import record_step
from tests.gui.test_window import TODAY, go, school, window  # noqa: F401  (fixtures)


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
    assert heat.tooltip(TODAY, "PM") == "Wed 20/11/2024 PM: no mark"
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
    assert days(1) == "1 day" and days(0.5) == "0½ days"


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
