"""Attendance certificates for recognition (issue 15 item 8) end to end on a real school file: 100 %
attendance and most improved, for a class or a year, one PDF; never for a pupil with a session
without a mark in the period or with too few possible sessions (listed with the reason).
Attendance % and "possible" as in DOMAIN.md (codes and categories by date: resources/codes.toml)."""

from datetime import date

import pytest

from attendance_desk.services.school import open_school
from tests.cli.test_cli import run
from tests.helpers import add_pupil, make_school, put_marks, sessions, text_of

# Autumn 2 2024: 04/11 to 20/12 (tests/helpers TERMS); the period 04/11-22/11 (15 school days, 30
# sessions) against the previous 19 days (16/10-03/11: 8 school days of Autumn 1 = 16 sessions)
START, END = "2024-11-04", "2024-11-22"


@pytest.fixture
def db(tmp_path):
    store = make_school(tmp_path)
    full = add_pupil(store, 1, forename="Amira", surname="Khan", reg_group="4A")
    improved = add_pupil(store, 2, forename="Ben", surname="Brook", reg_group="4A")
    gap = add_pupil(store, 3, forename="Cat", surname="Cole", reg_group="4A")
    late_joiner = add_pupil(
        store, 4, forename="Dev", surname="Dutt", reg_group="4A", admission_date=date(2024, 11, 18)
    )
    other_class = add_pupil(store, 5, forename="Eve", surname="Eze", reg_group="4B")
    for p in (full, improved, gap, other_class):
        put_marks(store, p, sessions(date(2024, 9, 3), date(2024, 10, 25), "/"))
        put_marks(store, p, sessions(date(2024, 11, 4), date(2024, 11, 22), "/"))
    put_marks(store, late_joiner, sessions(date(2024, 11, 18), date(2024, 11, 22), "/"))
    # Ben: ill 4 days in the comparison period (16/10-25/10), one N this period
    store_marks = {}
    for day in (date(2024, 10, 16), date(2024, 10, 17), date(2024, 10, 18), date(2024, 10, 21)):
        store_marks[(day, "AM")] = store_marks[(day, "PM")] = "I"
    from attendance_desk.services.marks import amend_mark

    for (day, half), code in store_marks.items():
        amend_mark(store, improved.upn, day, half, code, "mother rang: flu", "test")
    amend_mark(store, improved.upn, date(2024, 11, 5), "AM", "N", "no reason yet", "test")
    store.close()
    return tmp_path / "school.sqlite"


def test_full_attendance_for_a_class(db, capsys, tmp_path):
    out = tmp_path / "4A-full.pdf"
    code, printed, err = run(
        capsys,
        "--db",
        db,
        "awards",
        "--kind",
        "full",
        "--class",
        "4A",
        "--from",
        START,
        "--to",
        END,
        "--out",
        out,
    )
    assert code == 0, err
    assert (
        "Amira Khan (4A): for attending every one of the 30 sessions from 04/11/2024 to 22/11/2024"
        in printed
    )
    assert "Ben Brook" not in printed.split("Not considered:")[0]  # one N: not 100 %
    assert "Eve Eze" not in printed  # another class
    # Dev joined on 18/11: 10 sessions, fewer than the minimum: not considered, said so
    assert (
        "Dev Dutt (4A): not considered: only 10 possible sessions in the period (at least 20 needed)"
        in printed
    )
    text = text_of(out)
    assert "Certificate of 100% attendance" in text and "awarded to Amira Khan" in text
    assert "Test Primary School" in text
    store = open_school(db)
    with store:
        khan = next(p for p in store.pupils.all() if p.surname == "Khan")
        assert "Certificate: 100% attendance" in [
            e.outcome for e in store.casework.for_pupil(khan.id)
        ]
        assert "attendance certificates made" in {e.action for e in store.audit.entries()}


def test_most_improved_says_what_it_is_compared_with(db, capsys, tmp_path):
    out = tmp_path / "y4-improved.pdf"
    code, printed, err = run(
        capsys,
        "--db",
        db,
        "awards",
        "--kind",
        "improved",
        "--year",
        "4",
        "--from",
        START,
        "--to",
        END,
        "--out",
        out,
        "--top",
        "1",
        "--minimum",
        "16",
    )
    assert code == 0, err
    # the comparison period has 16 possible sessions (half-term in it): with the default minimum of 20
    # nobody could be compared, so --minimum 16; Ben: 16 sessions 16/10-25/10 (Autumn 1 ends 25/10; half-term is no school), 8 of them I: 50.0%;
    # this period 29/30 = 96.7%
    assert (
        "Ben Brook (4A): attendance up from 50.0% in the previous 19 days (16/10/2024 to 03/11/2024) "
        "to 96.7% from 04/11/2024 to 22/11/2024"
    ) in printed
    text = text_of(out)
    assert "Certificate of most improved attendance" in text and "the previous 19 days" in text
    # against the previous term (Autumn 1 2024: 02/09-25/10; 02/09 INSET)
    code, printed, err = run(
        capsys,
        "--db",
        db,
        "awards",
        "--kind",
        "improved",
        "--class",
        "4A",
        "--from",
        START,
        "--to",
        END,
        "--out",
        tmp_path / "term.pdf",
        "--compare",
        "term",
        "--top",
        "1",
    )
    assert code == 0, err
    assert "in the previous term, Autumn 1 2024 (02/09/2024 to 25/10/2024)" in printed


def test_refusals_name_the_reason(db, capsys, tmp_path):
    code, _, err = run(
        capsys,
        "--db",
        db,
        "awards",
        "--kind",
        "full",
        "--class",
        "4A",
        "--from",
        START,
        "--to",
        "2024-12-20",
        "--out",
        tmp_path / "x.pdf",
    )
    assert code == 1 and "the period has not ended: 20/12/2024 is after today (29/11/2024)" in err
    code, _, err = run(
        capsys,
        "--db",
        db,
        "awards",
        "--kind",
        "full",
        "--class",
        "9Z",
        "--from",
        START,
        "--to",
        END,
        "--out",
        tmp_path / "x.pdf",
    )
    assert code == 1 and "no pupil in class 9Z" in err
    # the week of 25/11 has no marks: every pupil has missing marks, none is awarded, each is named
    code, _, err = run(
        capsys,
        "--db",
        db,
        "awards",
        "--kind",
        "full",
        "--class",
        "4A",
        "--from",
        START,
        "--to",
        "2024-11-29",
        "--out",
        tmp_path / "x.pdf",
    )
    assert code == 1 and "no pupil attended every session" in err
    assert "Amira Khan (4A): not considered: 10 sessions without a mark in the period" in err
    assert not (tmp_path / "x.pdf").exists()
