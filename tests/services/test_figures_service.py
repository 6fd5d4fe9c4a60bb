from datetime import date

import pytest

from attendance_desk.domain.calendar import SchoolCalendar
from attendance_desk.services.figures import FLAG_FILTERS, group_summaries, pupil_figures, summarise
from attendance_desk.services.school import school_calendar
from tests.helpers import CLOSURES, TERMS, add_pupil, make_school, put_marks, sessions

CAL = SchoolCalendar(TERMS, CLOSURES)
START, END = (
    date(2024, 9, 1),
    date(2024, 10, 25),
)  # Autumn 1: INSET Monday + 39 school days = 78 sessions


@pytest.fixture
def store(tmp_path):
    s = make_school(tmp_path)
    yield s
    s.close()


def by_upn(rows):
    return {r.pupil.upn: r for r in rows}


def test_pupil_admitted_mid_term_counts_from_admission(store):
    p = add_pupil(store, 1, admission_date=date(2024, 10, 1))
    marks = sessions(START, date(2024, 9, 30), "Z", calendar=CAL) | sessions(
        date(2024, 10, 1), END, "/", calendar=CAL
    )
    marks[(date(2024, 10, 2), "AM")] = "I"
    put_marks(store, p, marks)
    (row,) = pupil_figures(store, START, END)
    # 1-25 October: 19 school days = 38 sessions, one of them illness
    assert row.start == date(2024, 10, 1)
    assert (row.figures.possible, row.figures.authorised, row.figures.not_counted) == (38, 1, 0)
    assert row.figures.attendance_pct == 97.4  # 37/38 = 97.368...


def test_pupil_who_left_is_counted_to_the_leaving_date(store):
    p = add_pupil(store, 2, leaving_date=date(2024, 9, 13))
    put_marks(store, p, sessions(START, date(2024, 9, 13), "/", calendar=CAL))
    q = add_pupil(store, 3, leaving_date=date(2024, 8, 1))  # left before the range: not on roll
    put_marks(store, q, sessions(date(2024, 6, 3), date(2024, 7, 19), "/", calendar=CAL))
    rows = pupil_figures(store, START, END)
    assert [r.pupil.upn for r in rows] == [p.upn]
    assert rows[0].figures.possible == 18 and rows[0].end == date(
        2024, 9, 13
    )  # INSET excluded: 9 days


def test_whole_school_pass_matches_per_pupil_reads_and_group_totals(store, monkeypatch):
    pupils = []
    for n in range(1, 31):
        p = add_pupil(store, n, reg_group="4A" if n % 2 else "4B", fsm=n % 3 == 0)
        marks = sessions(START, END, "/", calendar=CAL)
        for i, key in enumerate(sorted(marks)[:n]):  # pupil n misses n sessions
            marks[key] = "O" if i % 2 else "I"
        put_marks(store, p, marks)
        pupils.append(p)
    import attendance_desk.services.figures as service

    monkeypatch.setattr(service, "WHOLE_SCHOOL_PASS_FROM", 5)
    whole = by_upn(pupil_figures(store, START, END))
    monkeypatch.setattr(service, "WHOLE_SCHOOL_PASS_FROM", 10_000)
    assert by_upn(pupil_figures(store, START, END)) == whole
    for p in pupils[:5]:
        single = by_upn(pupil_figures(store, START, END, pupils=[p]))[p.upn]
        assert single == whole[p.upn]
    n = 8
    row = whole[pupils[n - 1].upn]
    assert (row.figures.possible, row.figures.absent, row.figures.unauthorised) == (78, 8, 4)
    assert row.figures.persistent  # 8/78 = 10.3 %
    assert not whole[pupils[6].upn].figures.persistent  # 7/78 = 9.0 %
    total = summarise("all", list(whole.values()))
    assert total.figures.absent == sum(range(1, 31)) and total.persistent == 23
    groups = {g.label: g for g in group_summaries(list(whole.values()), lambda p: p.reg_group)}
    assert groups["4A"].pupils == 15 and groups["4A"].figures.absent == sum(range(1, 31, 2))
    fsm = pupil_figures(store, START, END, keep=FLAG_FILTERS["fsm"])
    assert len(fsm) == 10


def test_penalty_window_through_the_store_across_christmas(store):
    p = add_pupil(store, 1)
    marks = sessions(date(2024, 9, 3), date(2025, 2, 14), "/", calendar=CAL)
    for day in (date(2024, 11, 18), date(2024, 11, 19)):
        marks[(day, "AM")] = marks[(day, "PM")] = "G"
    marks[(date(2024, 11, 20), "AM")] = "N"
    for day in (date(2025, 2, 3), date(2025, 2, 4)):
        marks[(day, "AM")] = marks[(day, "PM")] = "O"
    marks[(date(2025, 2, 5), "AM")] = "U"
    put_marks(store, p, marks)
    (row,) = pupil_figures(store, date(2024, 9, 1), date(2025, 2, 14))
    assert row.max_unauthorised_10_school_weeks == 10 and row.penalty_threshold
    assert row.figures.late_after_close == 1


def test_without_a_calendar_school_days_come_from_the_registers(tmp_path):
    store = make_school(tmp_path, terms=(), closures=())
    p = add_pupil(store, 1)
    put_marks(
        store,
        p,
        {
            (date(2024, 9, 4), "AM"): "/",
            (date(2024, 9, 4), "PM"): "\\",
            (date(2024, 9, 5), "AM"): "#",
            (date(2024, 9, 5), "PM"): "#",
        },
    )
    cal = school_calendar(store, date(2024, 9, 1), date(2024, 9, 30))
    assert cal.school_days(date(2024, 9, 1), date(2024, 9, 30)) == [date(2024, 9, 4)]
    store.close()


def test_both_passes_agree_on_the_look_back_window_and_missing_marks(store, monkeypatch):
    """The whole-school pass and the per-pupil reads must give the same figures, including the
    window that reaches back into the summer term and the missing marks, for pupils on roll all
    along, admitted in the range, or leaving in it."""
    import attendance_desk.services.figures as service

    for n in range(1, 13):
        fields = {}
        if n % 4 == 1:
            fields["admission_date"] = date(2024, 9, 16)
        elif n % 4 == 2:
            fields["leaving_date"] = date(2024, 10, 11)
        p = add_pupil(store, n, **fields)
        marks = sessions(date(2024, 6, 3), END, "/", calendar=CAL)
        marks = {k: v for k, v in marks.items() if p.on_roll(k[0])}
        for key in sorted(k for k in marks if k[0].month == 7)[:n]:
            marks[key] = "G"  # July holiday taken in term time, before the range
        for key in sorted(k for k in marks if k[0] >= START)[: n // 2]:
            marks[key] = "N"
        for key in sorted(k for k in marks if k[0] >= START)[-(n % 3) :] if n % 3 else []:
            del marks[key]  # a few sessions never marked
        put_marks(store, p, marks)
    monkeypatch.setattr(service, "WHOLE_SCHOOL_PASS_FROM", 3)
    whole = by_upn(pupil_figures(store, START, END, due=(END, "PM")))
    monkeypatch.setattr(service, "WHOLE_SCHOOL_PASS_FROM", 10_000)
    assert by_upn(pupil_figures(store, START, END, due=(END, "PM"))) == whole
    rows = sorted(whole.values(), key=lambda r: r.pupil.upn)
    assert any(r.figures.missing for r in rows) and any(
        r.max_unauthorised_10_school_weeks >= 10 for r in rows
    )
    # pupil 12: 12 G in July and 6 N at the start of September: 18 in one window reaching back
    twelve = next(r for r in rows if r.pupil.forename == "Pupil12")
    assert twelve.figures.unauthorised == 6 and twelve.max_unauthorised_10_school_weeks == 18
