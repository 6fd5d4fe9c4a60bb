from datetime import date

import pytest

from attendance_desk.services.dashboard import dashboard
from attendance_desk.services.profile import pupil_profile
from attendance_desk.services.registers import register_week, save_register
from attendance_desk.services.school import ServiceError
from tests.helpers import add_pupil, make_school, put_marks

TODAY = date(2024, 11, 20)
MONDAY = date(2024, 11, 18)


@pytest.fixture
def store(tmp_path):
    s = make_school(tmp_path)
    yield s
    s.close()


def test_register_week_save_new_and_amend_with_one_reason(store):
    a = add_pupil(store, 1, reg_group="4A")
    b = add_pupil(store, 2, reg_group="4A")
    add_pupil(store, 3, reg_group="5B")
    put_marks(store, a, {(MONDAY, "AM"): "N"})
    week = register_week(store, "4A", TODAY)
    assert [p.upn for p in week.pupils] == [a.upn, b.upn] and week.start == MONDAY
    assert len(week.sessions) == 10 and week.mark(a.id, (MONDAY, "AM")).code == "N"
    new = {(b.id, MONDAY, "AM"): "/", (b.id, MONDAY, "PM"): "\\"}
    changed = {(a.id, MONDAY, "AM"): ("I", week.mark(a.id, (MONDAY, "AM")).version)}
    with pytest.raises(ServiceError, match="reason"):
        save_register(store, "4A", new, changed, "", "teacher", TODAY)
    assert store.marks.count() == 1
    assert save_register(store, "4A", new, changed, "mum rang", "office", TODAY) == (2, 1)
    again = register_week(store, "4A", TODAY)
    assert (a.id, MONDAY, "AM") in again.amended and again.mark(b.id, (MONDAY, "PM")).code == "\\"
    with pytest.raises(
        ServiceError, match="someone else"
    ):  # a second PC saves over a recorded mark
        save_register(store, "4A", {(b.id, MONDAY, "AM"): "N"}, {}, "", "teacher2", TODAY)
    with pytest.raises(ServiceError, match="future"):
        save_register(
            store, "4A", {(b.id, date(2024, 11, 22), "AM"): "/"}, {}, "", "teacher", TODAY
        )


def test_half_term_and_term_views(store):
    add_pupil(store, 1, reg_group="4A")
    half = register_week(store, "4A", TODAY, "half-term")
    assert (half.start, half.end, half.label) == (
        date(2024, 11, 4),
        date(2024, 12, 20),
        "Autumn 2 2024",
    )
    assert len(half.sessions) == 7 * 10
    term = register_week(store, "4A", TODAY, "term")
    assert (term.start, term.end) == (
        date(2024, 9, 2),
        date(2024, 12, 20),
    ) and term.label == "Autumn term 2024/25"
    assert (date(2024, 10, 28), "AM") in term.closed and (
        date(2024, 9, 2),
        "PM",
    ) in term.closed  # half-term, INSET


def test_profile_and_dashboard(store):
    a = add_pupil(store, 1, cp_plan=True)
    marks = {}
    for d in (18, 19, 20):
        marks[(date(2024, 11, d), "AM")] = "O" if d == 18 else "/"
        marks[(date(2024, 11, d), "PM")] = "\\"
    put_marks(store, a, marks)
    profile = pupil_profile(store, a.upn, TODAY)
    assert (
        profile.this_year.figures.possible == 6 and profile.patterns.absence_by_weekday["Mon"] == 1
    )
    assert profile.patterns.absence_am == 1 and profile.patterns.absence_pm == 0
    assert profile.patterns.next_to_breaks == (0, 0) and profile.patterns.other_days == (1, 6)
    friday = date(2024, 10, 25)  # the day before half-term
    put_marks(store, a, {(friday, "AM"): "G", (friday, "PM"): "G"})
    assert pupil_profile(store, a.upn, TODAY).patterns.next_to_breaks == (2, 2)
    board = dashboard(store, TODAY)
    assert board.school.pupils == 1 and [r.pupil.upn for r in board.persistent] == [a.upn]
    assert next(g for g in board.by_group if g.label == "Child protection plan").pupils == 1
