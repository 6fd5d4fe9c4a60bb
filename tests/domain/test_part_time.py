"""The codes a part-time timetable suggests (domain/part_time.py). Sources: the 2024 Regulations'
code table (resources/codes.toml, from 19/08/2024): C2 leave of absence for a part-time timetable
(a pupil of compulsory school age), K provision arranged by the local authority, B other approved
educational activity, X a pupil not of compulsory school age; before 19/08/2024 (2006 Regulations)
C was used, there being no C2 or K."""

from datetime import date

import pytest

from attendance_desk.domain.part_time import (
    Timetable,
    TimetableError,
    check_timetable,
    parse_sessions,
    sessions_text,
    suggestion,
)
from attendance_desk.store.resources import default_code_table

CODES = default_code_table()


def timetable(**changes) -> Timetable:
    base = dict(
        id=1,
        pupil_id=1,
        starts=date(2024, 6, 3),
        review_on=date(2024, 12, 20),
        attends=parse_sessions("Mon, Tue AM"),
        provision=parse_sessions("Wed"),
        provision_by="la",
        provision_name="Northbridge Learning Centre",
        reason="phased return after a long illness",
    )
    base.update(changes)
    return Timetable(**base)


def test_sessions_are_read_and_written_back():
    slots = parse_sessions("mon, Tue am; wed-PM")
    assert sessions_text(slots) == "Mon AM, Mon PM, Tue AM, Wed PM"
    with pytest.raises(TimetableError, match="'Sat AM' is not a session"):
        parse_sessions("Sat AM")
    with pytest.raises(TimetableError, match="not 'EVENING'"):
        parse_sessions("Mon evening")


def test_codes_by_session_and_by_code_set():
    t = timetable()
    valid = CODES.is_valid
    assert suggestion(t, date(2024, 11, 4), "AM", valid) is None  # Monday: in school
    assert suggestion(t, date(2024, 11, 5), "PM", valid).code == "C2"  # Tuesday PM: off timetable
    assert suggestion(t, date(2024, 11, 6), "AM", valid).code == "K"  # Wednesday: LA provision
    assert suggestion(timetable(provision_by="school"), date(2024, 11, 6), "AM", valid).code == "B"
    # 2006 Regulations (before 19/08/2024): no C2, no K
    assert suggestion(t, date(2024, 6, 4), "PM", valid).code == "C"
    assert suggestion(t, date(2024, 6, 5), "AM", valid).code == "B"
    # not of compulsory school age: X
    assert suggestion(t, date(2024, 11, 5), "PM", valid, compulsory_age=False).code == "X"
    # outside the timetable's dates, or after it ended: nothing
    assert suggestion(t, date(2024, 6, 1), "AM", valid) is None
    assert suggestion(timetable(ends=date(2024, 11, 1)), date(2024, 11, 5), "PM", valid) is None


def test_a_timetable_must_be_part_time_reasoned_and_reviewed():
    assert check_timetable(timetable()) == []
    assert "must be after the start" in check_timetable(timetable(review_on=date(2024, 6, 3)))[0]
    full = parse_sessions("Mon, Tue, Wed, Thu, Fri")
    assert (
        "a full-time timetable"
        in check_timetable(timetable(attends=full, provision=frozenset()))[0]
    )
    assert "give the reason" in check_timetable(timetable(reason="anxiety"))[0]
    assert "who arranged" in check_timetable(timetable(provision_by=""))[0]
