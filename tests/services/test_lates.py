"""Late arrivals against the register's close time, and the punctuality view. 2024 Regulations
reg. 10: L, a late arrival before the register closed, is attendance; U, after it closed, is
unauthorised absence. Close times are school policy (Settings; default 08:45-09:15, 13:00-13:30)."""

from dataclasses import replace
from datetime import date, time

import pytest

from attendance_desk.domain.register import late_code
from attendance_desk.services.dashboard import dashboard
from attendance_desk.services.marks import record_late_arrival
from attendance_desk.services.school import ServiceError, save_settings
from tests.helpers import add_pupil, make_school, put_marks, sessions
from tests.services.test_figures_service import CAL

DAY = date(2024, 11, 12)  # a Tuesday in Autumn 2 2024


def test_late_code_by_the_close_time():
    opens, closes = time(8, 45), time(9, 15)
    assert late_code(time(9, 0), opens, closes) == ("L", 15)
    assert late_code(time(9, 15), opens, closes) == (
        "L",
        30,
    )  # at the close: still before it closed
    assert late_code(time(9, 16), opens, closes) == ("U", 31)
    with pytest.raises(ValueError, match="before the register opens"):
        late_code(time(8, 30), opens, closes)


def test_the_school_close_time_decides_and_the_dashboard_lists_lates(tmp_path):
    store = make_school(tmp_path)
    a, b = add_pupil(store, 1), add_pupil(store, 2, reg_group="4B")
    for p in (a, b):
        put_marks(store, p, sessions(date(2024, 11, 4), date(2024, 11, 11), "/", calendar=CAL))
    # the school closes its afternoon register at 13:10
    save_settings(store, replace(store.settings.school(), pm_register_closes="13:10"), "admin")
    _, mark, suggested = record_late_arrival(store, a.upn, DAY, "PM", time(13, 12), "office1")
    assert (mark.code, mark.minutes_late, suggested) == ("U", 12, "U")
    _, mark, _ = record_late_arrival(store, a.upn, DAY, "AM", time(9, 1), "office1")
    assert (mark.code, mark.minutes_late) == ("L", 16)
    record_late_arrival(store, b.upn, DAY, "AM", time(9, 10), "office1")
    with pytest.raises(ServiceError, match="must close after it opens"):
        save_settings(store, replace(store.settings.school(), am_register_closes="08:30"), "admin")
    board = dashboard(store, DAY)
    assert [(r.pupil.upn, r.late_before_close, r.late_after_close) for r in board.punctuality] == [
        (a.upn, 1, 1),
        (b.upn, 1, 0),
    ]
    assert board.punctuality_from == date(2024, 11, 4)  # this half-term
    assert (
        board.school.figures.late_before_close == 2 and board.school.figures.late_after_close == 1
    )
    assert any(e.action == "late arrival" for e in store.audit.entries())
    store.close()
