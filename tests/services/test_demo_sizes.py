"""The demo builds a trust-sized school (issue 17 item 5): UPNs valid and unique with the serial
space used as the DfE allocates it, and contacts' numbers from Ofcom's drama ranges, distinct."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import date

import pytest

from attendance_desk.domain.calendar import SchoolCalendar, academic_year_of
from attendance_desk.domain.calendar_presets import typical_year
from attendance_desk.domain.upn import make_upn
from attendance_desk.services.demo import SCHOOL_PHONE, _names, build_demo_school, demo_roster

TODAY = date(2026, 11, 24)
# DfE, "Unique pupil numbers (UPN)" guidance for schools and local authorities, the check letter:
# characters 2-13 weighted 2 to 13, the sum modulo 23 read as a letter of this alphabet (no I, O, S)
CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
# Ofcom, "Telephone numbers for drama purposes": the blocks of 1,000 numbers used
OFCOM = re.compile(
    r"^(07700 900|03069 990|01(1[3-8]|[2-6]1) 496 0|020 7946 0|0191 498 0|028 9018 0|029 2018 0"
    r"|01632 960)\d{3}$"
)


def dfe_check_letter(body: str) -> str:
    return CHECK_LETTERS[sum(w * int(c) for w, c in zip(range(2, 14), body, strict=True)) % 23]


def roster(pupils: int):
    first_year = academic_year_of(TODAY) - 1
    terms, closures = [], []
    for year in (first_year, first_year + 1):
        t, c = typical_year(year)
        terms += t
        closures += c
    calendar = SchoolCalendar(terms, closures)
    return demo_roster(random.Random(42), _names(), pupils, calendar, first_year, TODAY)


def test_make_upn_is_the_dfe_check_letter_and_refuses_a_serial_it_cannot_hold():
    for la, estab, year, serial in [(881, 2001, 24, 1), (881, 2047, 11, 999), (201, 4001, 9, 0)]:
        upn = make_upn(la, estab, year, serial)
        assert len(upn) == 13 and upn[0] == dfe_check_letter(upn[1:])
    with pytest.raises(ValueError, match="3-digit serial"):
        make_upn(881, 4001, 24, 1000)


def test_a_trusts_worth_of_pupils_have_valid_unique_upns_and_distinct_numbers():
    pupils = roster(10_000)
    on_roll = [p for p, _ in pupils if p.on_roll(TODAY)]
    assert len(on_roll) >= 9_800 and len(pupils) == 12_000  # with the leavers of last year
    upns = [p.upn for p, _ in pupils]
    assert len(set(upns)) == len(upns)
    assert all(re.fullmatch(r"[A-Z]881\d{9}", u) for u in upns)
    assert all(u[0] == dfe_check_letter(u[1:]) for u in upns)
    assert max(int(u[10:]) for u in upns) <= 999 and len({u[4:8] for u in upns}) > 20  # feeders

    families = {id(f): f for _, f in pupils}.values()
    contacts = {id(c): c for f in families for c, *_ in f.contacts}.values()
    numbers = [p.number for c in contacts for p in c.phones]
    assert all(OFCOM.match(n) for n in numbers) and SCHOOL_PHONE not in numbers
    personal = [(c.name, p.number) for c in contacts for p in c.phones if p.kind != "work"]
    work = {p.number for c in contacts for p in c.phones if p.kind == "work"}
    pool = 18 * 1000 - 1 - 150  # Ofcom's blocks, less the school's number and the switchboards
    # every mobile and home number is given once until all of Ofcom's are used, and only then again
    assert len({n for _, n in personal}) == min(len(personal), pool) == pool
    assert len(personal) == len(set(personal))  # never the same number twice to the same name
    assert not work & {n for _, n in personal} and len(work) <= 150  # switchboards, shared
    for family in families:
        mine = [p.number for c, *_ in family.contacts for p in c.phones if p.kind != "work"]
        assert len(mine) == len(set(mine))


def test_an_8000_pupil_school_has_no_number_twice():
    contacts = {id(c): c for _, f in roster(8_000) for c, *_ in f.contacts}.values()
    personal = [p.number for c in contacts for p in c.phones if p.kind != "work"]
    assert len(personal) > 15_000 and len(set(personal)) == len(personal)


def test_a_secondary_demo_builds_with_feeder_upns(tmp_path):
    store = build_demo_school(tmp_path / "s.sqlite", pupils=1_000, today=TODAY, seed=2, weeks=2)
    pupils = store.pupils.all()
    assert len(pupils) == len({p.upn for p in pupils}) >= 1_000
    assert all(p.upn[0] == dfe_check_letter(p.upn[1:]) for p in pupils)
    numbers = Counter(
        ph.number for c in store.contacts.all() for ph in c.phones if ph.kind != "work"
    )
    assert numbers and max(numbers.values()) == 1
    store.close()
