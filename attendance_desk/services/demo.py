"""A realistic synthetic school: classes, families with siblings and separated parents, vulnerable
pupils, a calendar with holidays and INSET, and registers whose absence looks real. Synthetic only."""

from __future__ import annotations

import random
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from attendance_desk.domain.calendar import (
    SchoolCalendar,
    academic_year_bounds,
    academic_year_of,
)
from attendance_desk.domain.calendar_presets import typical_year
from attendance_desk.domain.calls import Phone
from attendance_desk.domain.groups import EHCP, SEN_SUPPORT
from attendance_desk.domain.people import Contact, Link, Pupil
from attendance_desk.domain.upn import make_upn
from attendance_desk.paths import resource_path
from attendance_desk.services.demo_casework import add_casework
from attendance_desk.services.demo_register import simulate_registers
from attendance_desk.services.demo_year import plan_year
from attendance_desk.services.school import codes, create_school
from attendance_desk.store.db import Store

LA_NUMBER = 881  # a valid LA number is needed for valid UPNs; the school itself is fictional
DEMO_USER = "demo"
SCHOOL_PHONE = "01632 960000"  # from Ofcom's drama range; no family is given it
FORM_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


@dataclass
class Family:
    surname: str
    contacts: list[tuple[Contact, str, bool, bool]] = field(
        default_factory=list
    )  # contact, rel, PR, lives
    holiday_taker: bool = False
    risk: float = 1.0


def _names() -> dict:
    with resource_path("demo_names.toml").open("rb") as fh:
        return tomllib.load(fh)


class _Phones:
    """Numbers Ofcom keeps for drama (demo_names.toml: the mobile, UK-wide and geographic ranges, a
    thousand each, 17,999 besides the school's own; none rings anyone). A work number is one of
    150 employers' switchboards, shared by the parents who work there, as in life. A mobile or
    home number is given once while they last: enough for the ~15,800 such numbers of an
    8,000-pupil school (with the leavers the registers cover). A bigger demo (a trust's 10,000
    needs 19,600) gives some again, to contacts in unrelated families; that is safe for a demo:
    nothing in the program joins people by number alone (the one place a number identifies
    someone is an import matching a contact by name and number, store/contacts.identity_keys), and
    a number is never given twice to the same name, nor twice within one family."""

    SWITCHBOARDS = 150

    def __init__(self, rng: random.Random, blocks: list[str]):
        self.rng = rng
        self.numbers = [f"{b}{n:03d}" for b in blocks for n in range(1000)]
        self.numbers.remove(SCHOOL_PHONE)
        self.pool = self.numbers[:]
        rng.shuffle(self.pool)
        self.switchboards = [self.pool.pop() for _ in range(self.SWITCHBOARDS)]
        self.numbers = self.pool[:]  # the numbers for people
        self.given: set[tuple[str, str]] = set()  # (name, number) once the fresh numbers run out
        self.family: set[str] = set()  # numbers of the family being made

    def new_family(self) -> None:
        self.family = set()

    def work(self) -> str:
        return self.rng.choice(self.switchboards)

    def take(self, name: str) -> str:
        while True:
            if not self.pool:  # every number given once: a new round, in a new order
                self.pool = self.numbers[:]
                self.rng.shuffle(self.pool)
            number = self.pool.pop()
            if (name, number) not in self.given and number not in self.family:
                self.given.add((name, number))
                self.family.add(number)
                return number


def _surname_for(names: dict, surname: str, female: bool) -> str:
    return names["feminine"].get(surname, surname) if female else surname


def _make_family(rng: random.Random, names: dict, phones: _Phones, town: str) -> Family:
    surname = rng.choice(names["surnames"])
    family = Family(
        surname=surname, holiday_taker=rng.random() < 0.06, risk=rng.lognormvariate(0, 0.45)
    )
    house = f"{rng.randint(1, 180)} {rng.choice(names['streets'])}, {town}"
    postcode = f"NB{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
    mother_name = f"{rng.choice(names['adult_women'])} {_surname_for(names, surname, True)}"
    phones.new_family()
    mother = Contact(
        None,
        mother_name,
        f"{mother_name.split()[0].lower()}.{rng.randint(10, 99)}@example.com",
        house,
        postcode,
        (Phone("mobile", phones.take(mother_name)),),
    )
    family.contacts.append((mother, "Mother", True, True))
    shape = rng.random()
    if shape < 0.62:  # two parents at home
        father_name = f"{rng.choice(names['adult_men'])} {surname}"
        father = Contact(
            None,
            father_name,
            "",
            house,
            postcode,
            (Phone("mobile", phones.take(father_name)), Phone("work", phones.work())),
        )
        family.contacts.append((father, "Father", True, True))
    elif shape < 0.82:  # separated: father with PR at his own address (letters go to both)
        father_name = f"{rng.choice(names['adult_men'])} {surname}"
        other = f"{rng.randint(1, 120)} {rng.choice(names['streets'])}, {town}"
        father = Contact(
            None,
            father_name,
            f"{father_name.split()[0].lower()}@example.org",
            other,
            f"NB{rng.randint(1, 9)} {rng.randint(1, 9)}AT",
            (Phone("mobile", phones.take(father_name)),),
        )
        family.contacts.append((father, "Father", True, False))
    if rng.random() < 0.45:  # someone outside the household to ring
        gran_name = f"{rng.choice(names['adult_women'])} {rng.choice(names['surnames'])}"
        gran = Contact(
            None,
            gran_name,
            "",
            f"{rng.randint(1, 90)} {rng.choice(names['streets'])}, {town}",
            "",
            (Phone("home", phones.take(gran_name)),),
        )
        family.contacts.append((gran, "Grandparent", False, False))
    return family


def _dob(rng: random.Random, academic_year: int, year_index: int, first_year_age: int) -> date:
    """A birthday in the school year (September to August) of the pupil's cohort: a child is
    `first_year_age` (4 in Reception, 11 in Year 7) on 31 August before joining, so a Reception
    class of 2026/27 was born from 1 September 2021 to 31 August 2022."""
    start = date(academic_year - year_index - first_year_age - 1, 9, 1)
    return start + timedelta(days=rng.randrange((date(start.year + 1, 9, 1) - start).days))


def build_demo_school(
    path: Path,
    pupils: int = 420,
    today: date | None = None,
    seed: int = 1,
    weeks: int | None = None,
) -> Store:
    """Write a demo school to a new file. Default: a 420-pupil primary with marks from the start of
    last academic year to this morning's AM register, and this year's casework (leave, penalty
    notices, missing education, a part-time timetable, medical evidence, lateness letters, early
    help, awards) made through the services, its documents in `documents_folder(path)`."""
    today = today or date.today()
    rng = random.Random(seed)
    names = _names()
    secondary = pupils >= 900
    school = names["school"]
    store = create_school(
        path,
        school["secondary_name"] if secondary else school["name"],
        f"{100000 + seed:06d}",
        local_authority=school["local_authority"],
        la_number=str(LA_NUMBER),
        estab_number="4001" if secondary else "2001",
        address=f"School Lane, {school['town']}, NB1 1AA",
        phone=SCHOOL_PHONE,
        email="office@meadowbank.example.org",
        head_teacher="Mrs J. Harwood",
        attendance_lead="Mr T. Okonjo",
        named_ewo="Ms R. Bellamy (Northshire EWS)",
    )
    current_year = academic_year_of(today)
    first_marks = (
        today - timedelta(weeks=weeks) if weeks else academic_year_bounds(current_year - 1)[0]
    )
    first_year = academic_year_of(first_marks)
    terms, closures = [], []
    for year in range(first_year, current_year + 1):
        t, c = typical_year(year)
        terms += t
        closures += c
    store.calendar.add_terms(terms)
    store.calendar.add_closures(closures)
    calendar = SchoolCalendar(terms, closures)

    roster = demo_roster(rng, names, pupils, calendar, first_year, today)
    store.pupils.upsert_many([p for p, _ in roster])
    ids = store.pupils.ids_by_upn()
    roster = [(replace(p, id=ids[p.upn]), f) for p, f in roster]
    _write_contacts(store, roster)
    casework = plan_year(
        seed, roster, calendar, first_marks, today, documents_folder(path), codes().is_valid
    )
    simulate_registers(
        store,
        rng,
        roster,
        calendar,
        first_marks,
        today,
        DEMO_USER,
        casework.fixed,
        casework.reserved,
    )
    add_casework(store, casework, seed)
    return store


def documents_folder(path: Path) -> Path:
    """Where the demo keeps the letters, forms and certificates its casework made (beside the file:
    `check` finds each logged letter there by its SHA-256)."""
    return path.parent / f"{path.stem}-documents"


def demo_roster(
    rng: random.Random,
    names: dict,
    pupils: int,
    calendar: SchoolCalendar,
    first_year: int,
    today: date,
) -> list[tuple[Pupil, Family]]:
    """The pupils (on roll, and those who left in the years the registers cover from `first_year`)
    with their families: UPNs valid and unique, contacts' numbers from Ofcom's drama ranges."""
    secondary = pupils >= 900
    current_year = academic_year_of(today)
    years = ["7", "8", "9", "10", "11"] if secondary else ["R", "1", "2", "3", "4", "5", "6"]
    first_age = 11 if secondary else 4
    per_year = pupils // len(years)
    classes_per_year = min(len(FORM_LETTERS), max(1, round(per_year / 30)))
    phones = _Phones(rng, names["phone_blocks"])
    town = names["school"]["town"]
    families: list[Family] = []
    roster: list[tuple[Pupil, Family]] = []
    taken: set[tuple[str, str]] = set()  # full names given: each pupil's is their own
    # Cohorts by entry year: current pupils, plus those who left in the years the registers cover.
    for entry in range(first_year - len(years) + 1, current_year + 1):
        last_year = entry + len(years) - 1
        year_index = min(current_year, last_year) - entry
        size = per_year + (pupils - per_year * len(years) if entry == current_year else 0)
        for i in range(size):
            if families and rng.random() < 0.28:
                family = rng.choice(families[-400:])  # a sibling in another year
            else:
                family = _make_family(rng, names, phones, town)
                families.append(family)
            female = rng.random() < 0.5
            admitted = (
                calendar.terms[0].start if entry < first_year else _term_start(calendar, entry)
            )
            left = _term_end(calendar, last_year) if last_year < current_year else None
            if left is None and rng.random() < 0.03:  # joined this school year
                admitted = _some_school_day(
                    rng, calendar, academic_year_bounds(current_year)[0], today
                )
            elif left is None and rng.random() < 0.015:  # left this school year
                left = _some_school_day(
                    rng, calendar, academic_year_bounds(current_year)[0], today - timedelta(days=7)
                )
            upn = _upn(secondary, entry, i, size)
            surname = _surname_for(names, family.surname, female)
            forename = rng.choice(names["girls"] if female else names["boys"])
            forename = _unused_forename(forename, surname, female, names, taken, upn)
            pupil = Pupil(
                id=None,
                upn=upn,
                surname=surname,
                forename=forename,
                preferred_name=None,
                dob=_dob(rng, entry + year_index, year_index, first_age),
                sex="F" if female else "M",
                year_group=years[year_index],
                reg_group=f"{years[year_index]}{FORM_LETTERS[i % classes_per_year]}",
                admission_date=admitted,
                leaving_date=left,
            )
            pupil = _flags(rng, names, pupil)
            roster.append((pupil, family))
    return roster


def _unused_forename(
    forename: str, surname: str, female: bool, names: dict, taken: set[tuple[str, str]], upn: str
) -> str:
    """`forename`, or another when a pupil already has this full name (two Rosie Thompsons in one
    demo school confuse whoever tries it). Chosen by a generator seeded by the UPN, so the rest of
    the demo's random choices are the same as before."""
    choices = names["girls"] if female else names["boys"]
    pick = random.Random(upn)
    for _ in range(50):
        if (forename, surname) not in taken:
            break
        forename = pick.choice(choices)
    taken.add((forename, surname))
    return forename


def _upn(secondary: bool, entry: int, i: int, size: int) -> str:
    """The i-th UPN of the cohort that entered in `entry` (`size` pupils). A UPN is allocated once,
    by the school a child first joins, in that year: a primary's pupils have the school's own
    (establishment 2001, allocated in their Reception year); a secondary's came with them from its
    feeder primaries (establishments 2001 upwards, allocated seven years before Year 7), about 90 a
    feeder a year, so a serial (3 digits) never passes 999 however big the school."""
    if not secondary:
        return make_upn(LA_NUMBER, 2001, entry, i + 1)
    feeders = max(1, -(-size // 90))
    return make_upn(LA_NUMBER, 2001 + i % feeders, entry - 7, i // feeders + 1)


def _term_start(calendar: SchoolCalendar, year: int) -> date:
    first, _ = academic_year_bounds(year)
    return next(t.start for t in calendar.terms if t.start >= first)


def _term_end(calendar: SchoolCalendar, year: int) -> date:
    _, last = academic_year_bounds(year)
    return max(t.end for t in calendar.terms if t.end <= last)


def _some_school_day(rng: random.Random, calendar: SchoolCalendar, start: date, end: date) -> date:
    days = calendar.school_days(start, end)
    return rng.choice(days) if days else start


def _flags(rng: random.Random, names: dict, pupil: Pupil) -> Pupil:
    roll = rng.random
    sen = EHCP if roll() < 0.025 else (SEN_SUPPORT if roll() < 0.13 else "")
    cp, cla, cin = roll() < 0.008, roll() < 0.006, roll() < 0.015
    worker = rng.choice(names["social_workers"]) if (cp or cla or cin) else ""
    return replace(
        pupil,
        sen=sen,
        fsm=roll() < 0.24,
        cp_plan=cp,
        looked_after=cla,
        child_in_need=cin and not cp,
        young_carer=roll() < 0.01,
        cme_concern=roll() < 0.003,
        social_worker=worker,
    )


def _write_contacts(store: Store, roster: list[tuple[Pupil, Family]]) -> None:
    ids: dict[int, int] = {}
    with store.write():
        for pupil, family in roster:
            for priority, (contact, relationship, pr, lives) in enumerate(family.contacts, start=1):
                key = id(contact)
                if key not in ids:
                    ids[key] = store.contacts.add(contact)
                store.contacts.link(Link(pupil.id, ids[key], relationship, pr, priority, lives))
