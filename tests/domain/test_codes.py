from datetime import date

import pytest

from attendance_desk.domain.codes import Category, UnknownCode
from attendance_desk.store.resources import default_code_table

CODES = default_code_table()
BEFORE = date(2024, 8, 18)
AFTER = date(2024, 8, 19)


@pytest.mark.parametrize(
    ("code", "day", "category"),
    [
        ("J", BEFORE, Category.AEA),  # interview counted as attendance before the 2024 regulations
        ("J1", AFTER, Category.AUTHORISED),  # ... and is authorised absence after
        ("H", BEFORE, Category.AUTHORISED),
        ("Y", BEFORE, Category.NOT_COUNTED),
        ("Q", AFTER, Category.NOT_COUNTED),
        ("Y7", AFTER, Category.NOT_COUNTED),
        ("K", AFTER, Category.AEA),
        ("D", AFTER, Category.NOT_COUNTED),
        ("U", AFTER, Category.UNAUTHORISED),
        ("L", BEFORE, Category.PRESENT),
        ("#", AFTER, Category.NOT_COUNTED),
    ],
)
def test_category_depends_on_the_marks_own_date(code, day, category):
    assert CODES.category(code, day) == category


@pytest.mark.parametrize(
    ("code", "day"),
    [
        ("H", AFTER),
        ("J", AFTER),
        ("Y", AFTER),
        ("J1", BEFORE),
        ("K", BEFORE),
        ("Q", BEFORE),
        ("?", AFTER),
    ],
)
def test_withdrawn_and_future_codes_are_refused(code, day):
    with pytest.raises(UnknownCode, match=code.replace("?", r"\?")):
        CODES.lookup(code, day)


def test_only_n_needs_a_reason():
    needing = {c.code for s in CODES.sets for c in s.codes.values() if c.needs_reason}
    assert needing == {"N"}


def test_the_sets_meet_without_gap_or_overlap():
    first, second = CODES.sets
    assert first.valid_to == BEFORE and second.valid_from == AFTER
    assert CODES.era_boundaries() == [AFTER]


def test_categories_match_domain_md_for_2024():
    s = CODES.set_for(AFTER).codes
    by_cat = {cat: {c for c, e in s.items() if e.category == cat} for cat in Category}
    assert by_cat[Category.PRESENT] == {"/", "\\", "L"}
    assert by_cat[Category.AEA] == {"K", "V", "P", "W", "B"}
    assert by_cat[Category.AUTHORISED] == {"C", "C1", "C2", "E", "I", "J1", "M", "R", "S", "T"}
    assert by_cat[Category.UNAUTHORISED] == {"G", "N", "O", "U"}
    assert by_cat[Category.NOT_COUNTED] == {
        "D",
        "X",
        "Z",
        "#",
        "Q",
        "Y1",
        "Y2",
        "Y3",
        "Y4",
        "Y5",
        "Y6",
        "Y7",
    }


def test_the_present_marks_and_the_closure_mark_come_from_the_code_table():
    # SI 2024/208 reg 10 and the 2006 regulations: / present in the morning, \ in the afternoon
    for day in (date(2024, 3, 4), date(2024, 11, 20)):
        assert CODES.present_code(day, "AM") == "/"
        assert CODES.present_code(day, "PM") == "\\"
        assert CODES.closure_code(day) == "#"
        assert CODES.as_entered("/", day, "PM") == "\\"
        assert CODES.as_entered("\\", day, "AM") == "/"
        assert CODES.as_entered(" n", day, "AM") == "N"
    assert CODES.as_entered("c1", date(2024, 11, 20), "PM") == "C1"
