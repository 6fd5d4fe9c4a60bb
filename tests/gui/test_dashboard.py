# ruff: noqa: F811  (pytest fixtures imported from test_window)
"""The dashboard for a period, on a small school whose figures are worked out by hand."""

from dataclasses import replace
from datetime import date

from attendance_desk.services.dashboard import first_day, periods
from attendance_desk.store.resources import default_code_table
from tests.gui.test_window import TODAY, go, school, show_tab, window  # noqa: F401  (fixtures)


def _cat_absent_this_week(store):
    """Amy (FSM), Ben and Cat present from 03/09/2024; Cat absent (N) all of Mon 18 and Tue 19 Nov.
    The registers of Wed 20/11/2024 (today) are still open."""
    pupils = {p.forename: p for p in store.pupils.all()}
    store.pupils.upsert_many([replace(pupils["Amy"], fsm=True)])
    for day in (date(2024, 11, 18), date(2024, 11, 19)):
        for session in ("AM", "PM"):
            store.marks.amend(pupils["Cat"].id, day, session, "N", None, "no reason given", "lead")
    return pupils


def _tile(view, name):
    return view.tiles[name].text()


def test_the_period_selector_changes_the_figures(qtbot, window):
    _cat_absent_this_week(window.context.store)
    window.context.data_changed.emit()  # the window may have opened on the dashboard (last screen used)
    assert [(p.label, p.start, p.end) for p in periods(window.context.store, TODAY)] == [
        ("This week", date(2024, 11, 18), TODAY),
        ("This half-term (Autumn 2 2024)", date(2024, 11, 4), TODAY),
        ("This term (Autumn)", date(2024, 9, 2), TODAY),
        ("This year", date(2024, 9, 1), TODAY),
    ]
    view = go(window, 3)
    # this year (the default): 102 possible sessions each, 306 in all, 4 absent: 302/306 = 98.7 %
    assert view.period_choice.currentText() == "This year"
    assert "98.7%" in _tile(view, "attendance") and ">0<" in _tile(view, "persistent")
    # this week: Mon and Tue, 4 sessions each, 12 in all, Cat's 4 absent: 8/12 = 66.7 %; Cat is persistent
    view.period_choice.setCurrentIndex(0)
    view.period_choice.activated.emit(0)
    assert "66.7%" in _tile(view, "attendance") and "(33.3%)" in _tile(view, "persistent")
    assert "18/11/2024 to 20/11/2024" in view.period.text()
    # FSM beside not FSM: Amy 4/4 = 100.0 %; Ben and Cat 4/8 = 50.0 %
    groups = show_tab(qtbot, view, "Groups")
    rows = {groups.item(r, 0).text(): groups.item(r, 3).text() for r in range(groups.rowCount())}
    assert rows["FSM"] == "100.0%" and rows["Not FSM"] == "50.0%" and rows["No SEN"] == "66.7%"
    # the half-term: 24 sessions each, 72 in all, 4 absent: 68/72 = 94.4 %; Cat 4/24 = 16.7 % absent
    view.period_choice.setCurrentIndex(1)
    view.period_choice.activated.emit(1)
    assert "94.4%" in _tile(view, "attendance")
    # chosen dates: 04/11 to 15/11, nobody absent
    from attendance_desk.gui.widgets import to_qdate

    view.start.setDate(to_qdate(date(2024, 11, 4)))
    view.end.setDate(to_qdate(date(2024, 11, 15)))
    view.show_dates.click()
    assert view.period_choice.currentText() == "Chosen dates" and "100.0%" in _tile(
        view, "attendance"
    )


def test_the_day_a_pupil_crossed_persistent_absence(qtbot, window):
    _cat_absent_this_week(window.context.store)
    window.context.data_changed.emit()  # the window may have opened on the dashboard (last screen used)
    view = go(window, 3)
    view.period_choice.setCurrentIndex(1)
    view.period_choice.activated.emit(1)
    table = show_tab(qtbot, view, "Persistent absence")
    assert table.rowCount() == 1 and table.item(0, 1).text() == "Cat Cole"
    # from 04/11: 20 sessions present; Mon 18/11 2 absent of 22 (9.1 %); Tue 19/11 4 of 24 (16.7 %)
    assert table.horizontalHeaderItem(3).text() == "Persistently absent since"
    assert table.item(0, 3).text() == "19/11/2024"


def test_a_tab_shows_the_period_chosen_while_it_was_hidden(qtbot, window):
    """Only the tab in view is filled on a click; another is filled with the latest figures when shown."""
    _cat_absent_this_week(window.context.store)
    window.context.data_changed.emit()  # the window may have opened on the dashboard (last screen used)
    view = go(window, 3)
    show_tab(qtbot, view, "By year")
    view.period_choice.setCurrentIndex(0)  # this week: Cat 4 of 12 sessions absent, persistent
    view.period_choice.activated.emit(0)
    persistent = view.tables["Persistent absence"]
    assert persistent.rowCount() == 0  # hidden: not filled yet
    assert show_tab(qtbot, view, "Persistent absence").rowCount() == 1
    show_tab(qtbot, view, "By year")
    last = len(view._periods) - 1  # this year: Cat 4 of 102 sessions (3.9 %), not persistent
    view.period_choice.setCurrentIndex(last)
    view.period_choice.activated.emit(last)
    assert show_tab(qtbot, view, "Persistent absence").rowCount() == 0
    # the late arrivals come with the support-map lists, over the half-term the period ends in
    late = view.tabs.indexOf(view.tables["Late arrivals"])
    assert view.tabs.tabText(late) == "Late since 04/11/2024"
    # the tab in view is filled at once: this week again, Cat absent from her first session on
    view.period_choice.setCurrentIndex(0)
    view.period_choice.activated.emit(0)
    assert [persistent.item(0, c).text() for c in (1, 3)] == ["Cat Cole", "18/11/2024"]
    assert view.tabs.tabText(late) == "Late since 18/11/2024"  # within the period


def test_first_day_reads_marks_in_date_order():
    table = default_code_table()
    days = [date(2024, 11, d) for d in (4, 5, 6, 7, 8, 11, 12)]
    present = {(d, s): "/" if s == "AM" else "\\" for d in days for s in ("AM", "PM")}
    marks = dict(present)
    marks[(days[5], "AM")] = marks[(days[5], "PM")] = (
        "N"  # day 6: 1 of 11 (9.1 %), then 2 of 12 (16.7 %)
    )
    shuffled = sorted(((k, v) for k, v in marks.items() if k[0] <= days[5]), key=lambda m: m[1])
    assert first_day(shuffled, table, lambda f: f.persistent) == days[5]
    assert first_day({(days[0], "AM"): "/"}.items(), table, lambda f: f.persistent) is None
    # absent the first morning: 1 of 2 (50 %) that evening, 1 of 10 (10 %) on day 5, 1 of 12 (8.3 %)
    # on day 6, then absent all of day 7: 3 of 14 (21.4 %). Reached 10 % first on day 1; persistently
    # absent (without a break to the last mark) since day 7.
    marks = dict(present)
    marks[(days[0], "AM")] = marks[(days[6], "AM")] = marks[(days[6], "PM")] = "N"
    assert first_day(marks.items(), table, lambda f: f.persistent) == days[0]
    assert first_day(marks.items(), table, lambda f: f.persistent, to_the_end=True) == days[6]


def test_dashboard_shows_the_trend_and_national_figures(qtbot, window):
    _cat_absent_this_week(window.context.store)
    window.context.data_changed.emit()  # the window may have opened on the dashboard (last screen used)
    view = go(window, 3)
    trend = view.chart.trend
    assert trend is not None and trend.this_label == "2024/25" and trend.last_label == "2023/24"
    # week 12 of the school year is the week of 18/11/2024: 8 of 12 sessions = 66.7 %
    assert [(p.week, p.attendance_pct) for p in trend.this_year][-1] == (12, 66.7)
    assert [s.name() for s in view.chart.chart_.series()][:2] == ["2024/25", "2023/24 (no marks)"]
    text = view.national_label.text()
    assert "National, state-funded primary schools, full year 2022/23" in text and "5.9%" in text
    assert "published 21/03/2024" in text and "Department for Education" in text
    for width, height in ((1280, 720), (1920, 1080)):
        window.resize(width, height)
        qtbot.wait(50)
        view.grab().save(f"/tmp/shots/dashboard_{width}.png")
        view.tabs.setCurrentWidget(view.chart)
        view.grab().save(f"/tmp/shots/dashboard_trend_{width}.png")
        view.tabs.setCurrentIndex(0)


def test_dashboard_off_the_gui_thread_first_numbers_then_the_rest(qtbot, school):
    """With the real thread pool: the figures arrive, then the lists and the trend; the progress bar
    and Cancel go away when all is done, and the tasks are freed in the main thread."""
    from attendance_desk.gui.context import AppContext
    from attendance_desk.gui.main_window import MainWindow

    context = AppContext(school, "office1", TODAY)
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.show()
    view = go(win, 3)
    view.refresh()
    qtbot.waitUntil(lambda: view.board is not None, timeout=20000)
    assert "attendance" in _tile(view, "attendance")
    qtbot.waitUntil(lambda: view.more is not None and view.trend_for == TODAY, timeout=20000)
    qtbot.waitUntil(lambda: view.progress.isHidden() and view.cancel.isHidden(), timeout=20000)
    qtbot.waitUntil(lambda: not context._tasks, timeout=20000)
    win.close()
    context.close()


def test_tiles_wrap_at_12pt_and_a_missing_national_figure_is_said_plainly(qtbot, window):
    """At 1280 and 1366 wide with a 12 pt font every tile's caption is shown whole (it wraps), and
    the national persistent-absence figure the app does not hold is said in plain words."""
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    _cat_absent_this_week(window.context.store)
    before = QApplication.font()
    font = QFont(before)
    font.setPointSize(12)
    QApplication.setFont(font)
    try:
        window.context.data_changed.emit()
        view = go(window, 3)
        for width, height in ((1280, 720), (1366, 768)):
            window.resize(width, height)
            qtbot.wait(50)
            for name, tile in view.tiles.items():
                assert tile.wordWrap(), name
                # the text laid out at the tile's width is no taller than the tile: nothing cut
                assert tile.heightForWidth(tile.width()) <= tile.height(), (name, width)
                assert tile.geometry().right() <= view.width(), (name, width)
            assert window.height() <= height  # the tiles do not push the window off the screen
    finally:
        QApplication.setFont(before)
    text = view.national_label.text()
    assert "not shipped" not in text and "shipped" not in text
    assert "persistent absence: the app does not hold this figure (see the publication)" in text
