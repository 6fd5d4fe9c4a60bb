"""The DfE Common Transfer File (XML): pupils, contacts and session marks, read defensively.

Parsed with defusedxml (entity expansion and external DTDs refused) as a stream (`iterparse`), one
pupil at a time, each dropped once read, so memory does not grow with the file's size. A CTF
addressed to another school is refused; one from another school adds only pupils joining this one. Element names are matched
without namespaces and case-insensitively (`CTFversion` and `CTFVersion` both occur; CTF 25 has
`Sex` where older versions have `Gender`). A mark string holds one character per session from its
start date. Whether weekends are included is not specified, so both readings (weekdays only, every
day) are made and the one that agrees with the file's own Sessions* totals is taken, each code
categorised by the code set in force on its own date under that reading; if neither agrees, nothing
is imported and the problem names the pupil, the year and the totals (`choose_reading`). Two-character
2024 codes travel as the one-character stand-ins of `CTF_STAND_INS` (shared with the exporter); any
other character that is not a code on its date is reported with the pupil and date, never guessed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse as iterparse_xml

from attendance_desk.domain.calendar import SchoolCalendar, academic_year_bounds, academic_year_of
from attendance_desk.domain.calls import Phone
from attendance_desk.domain.codes import CodeTable
from attendance_desk.domain.figures import Figures, figures_from_counts
from attendance_desk.domain.people import Contact, Pupil
from attendance_desk.domain.upn import InvalidUPN, validate_upn
from attendance_desk.importers.contacts import ContactRow
from attendance_desk.importers.marks import NO_MARK, MarkCollector, ParsedMarks
from attendance_desk.importers.tabular import (
    CONTROL_MESSAGE,
    ImportRefused,
    Problem,
    has_control_characters,
    parse_date,
    parse_optional_date,
)
from attendance_desk.presentation import dmy

SEX = {"M": "M", "F": "F", "MALE": "M", "FEMALE": "F"}
TOTALS = ("SessionsPossible", "SessionsAttended", "SessionsAuthorised", "SessionsUnauthorised")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def child(element: Element | None, *path: str) -> Element | None:
    for name in path:
        if element is None:
            return None
        element = next((c for c in element if _local(c.tag) == name.lower()), None)
    return element


def children(element: Element | None, name: str) -> list[Element]:
    return [] if element is None else [c for c in element if _local(c.tag) == name.lower()]


def value(element: Element | None, *path: str) -> str:
    found = child(element, *path)
    return (found.text or "").strip() if found is not None else ""


@dataclass
class CtfContent:
    file: str
    version: str
    source_school: str
    pupils: list[dict] = field(default_factory=list)  # fields for Pupil, as a pupils file gives
    contacts: list[ContactRow] = field(default_factory=list)
    marks: ParsedMarks | None = None
    skipped: list[str] = field(default_factory=list)
    readings: list[str] = field(
        default_factory=list
    )  # how the mark strings were read, for the report
    from_other_school: bool = (
        False  # SourceSchool is not this school: only pupils joining it are taken
    )
    joining: list[str] = field(
        default_factory=list
    )  # "UPN Forename Surname" new here (from another school)
    left_alone: list[str] = field(default_factory=list)  # already on roll here: not changed
    notes: list[str] = field(default_factory=list)
    upns_seen: dict[str, int] = field(default_factory=dict)  # UPN -> its Pupil number in the file


def _address(element: Element | None) -> tuple[str, str]:
    """(address lines, postcode) from any of the CTF address shapes."""
    if element is None:
        return "", ""
    postcode, parts = "", []
    for node in element.iter():
        name = _local(node.tag)
        text = (node.text or "").strip()
        if not text or len(node):
            continue
        if name == "postcode":
            postcode = text.upper()
        elif name not in (
            "addressaspupil",
            "country",
            "uniquepropertyreferencenumber",
            "easting",
            "northing",
        ):
            parts.append(text)
    return ", ".join(parts), postcode


def parse_ctf(
    path: Path,
    existing: dict[str, Pupil],
    codes: CodeTable,
    calendar: SchoolCalendar,
    today: date,
    school_estab: str = "",
    school_la: str = "",
) -> CtfContent:
    """Read the file as a stream (one pupil in memory at a time; memory stays bounded whatever the
    file's size) and check it whole before anything is written.

    Whose file it is: a CTF addressed (Header/DestSchool) to another school is refused. A CTF from
    this school (SourceSchool is this school, or this school's numbers are not recorded) may add and
    update pupils. A CTF from another school brings pupils joining this one: only UPNs new here are
    taken (listed in `joining`); a pupil already on roll here is left exactly as it is (listed in
    `left_alone`), never renamed or overwritten, and its contacts and marks in the file are ignored."""
    name = path.name
    if not path.exists() or path.stat().st_size == 0:
        raise ImportRefused([Problem(name, None, None, "the file is missing or empty")])
    try:
        return _parse_stream(
            path, existing, codes, calendar, today, school_estab.strip(), school_la.strip()
        )
    except ParseError as exc:
        line, column = getattr(exc, "position", (None, None))
        raise ImportRefused(
            [
                Problem(
                    name,
                    line,
                    None,
                    f"is not well-formed XML (a truncated or damaged file?): {exc} at line {line}, column {column}",
                )
            ]
        ) from None
    except DefusedXmlException as exc:
        raise ImportRefused([Problem(name, None, None, f"refused: the XML uses {exc}")]) from None


def _school(element: Element | None) -> tuple[str, str, str]:
    return value(element, "LEA"), value(element, "Estab"), value(element, "SchoolName")


def _same_school(la: str, estab: str, our_la: str, our_estab: str) -> bool:
    return estab == our_estab and (not la or not our_la or la == our_la)


def _parse_stream(
    path: Path,
    existing: dict[str, Pupil],
    codes: CodeTable,
    calendar: SchoolCalendar,
    today: date,
    school_estab: str,
    school_la: str,
) -> CtfContent:
    name = path.name
    content = CtfContent(name, "", "")
    problems_before: list[Problem] = []
    pupils = dict(existing)
    collector = MarkCollector(name, pupils, codes, calendar, today, check_calendar=False)
    log: list[tuple[str, Reading, str]] = []
    stack: list[Element] = []
    our_estab = school_estab
    index = 0
    for event, element in iterparse_xml(str(path), events=("start", "end")):
        if event == "start":
            if not stack and _local(element.tag) != "ctfile":
                raise ImportRefused(
                    [
                        Problem(
                            name,
                            None,
                            None,
                            f"is not a Common Transfer File (root element <{element.tag}>)",
                        )
                    ]
                )
            stack.append(element)
            continue
        stack.pop()
        tag = _local(element.tag)
        if tag == "header" and len(stack) == 1:
            our_estab = _read_header(element, content, school_estab, school_la)
            stack[0].remove(element)
        elif tag == "pupil" and len(stack) == 2 and _local(stack[1].tag) == "ctfpupildata":
            index += 1
            _read_pupil(
                element,
                index,
                content,
                existing,
                pupils,
                our_estab,
                collector,
                codes,
                problems_before,
                log,
            )
            stack[1].remove(element)  # done with it: the file is never held whole
    if index == 0:
        raise ImportRefused([Problem(name, None, "CTFpupilData", "the file has no pupils")])
    for problem in problems_before:
        collector.problems.add(problem.row, problem.column, problem.message)
    content.marks = collector.finish()
    content.readings = _summary(log)
    return content


def _read_header(header: Element, content: CtfContent, school_estab: str, school_la: str) -> str:
    """Version and schools; refuses a CTF addressed to another school. Returns the establishment
    whose years of marks are imported."""
    content.version = value(header, "CTFversion")
    source = child(header, "SourceSchool")
    la, estab, school_name = _school(source)
    content.source_school = f"{la}/{estab} {school_name}".strip()
    dest_la, dest_estab, dest_name = _school(child(header, "DestSchool"))
    if (
        school_estab
        and dest_estab
        and not _same_school(dest_la, dest_estab, school_la, school_estab)
    ):
        raise ImportRefused(
            [
                Problem(
                    content.file,
                    None,
                    "Header/DestSchool",
                    f"this CTF is addressed to another school ({dest_la}/{dest_estab} {dest_name}".rstrip()
                    + f"), not to this one ({school_la}/{school_estab}). Nothing was imported: ask the sending school "
                    "for a CTF addressed to this school",
                )
            ]
        )
    if not school_estab:
        content.notes.append(
            "this school's LA and establishment numbers are not in its settings, so the CTF's "
            "destination was not checked and it is read as this school's own file"
        )
    elif estab and not _same_school(la, estab, school_la, school_estab):
        content.from_other_school = True
    return school_estab or estab


def _read_pupil(
    element: Element,
    index: int,
    content: CtfContent,
    existing: dict[str, Pupil],
    pupils: dict[str, Pupil],
    our_estab: str,
    collector: MarkCollector,
    codes: CodeTable,
    problems_before: list[Problem],
    log: list,
) -> None:
    name = content.file
    where = f"Pupil {index}"
    raw_upn = value(element, "UPN")
    try:
        upn = validate_upn(raw_upn)
    except InvalidUPN as exc:
        problems_before.append(Problem(name, None, f"{where}/UPN", str(exc)))
        return
    where = f"Pupil {index} ({upn})"
    if upn in content.upns_seen:
        problems_before.append(
            Problem(
                name,
                None,
                f"{where}/UPN",
                f"{upn} is given twice in the file "
                f"(Pupil {content.upns_seen[upn]} and Pupil {index})",
            )
        )
        return
    content.upns_seen[upn] = index
    collector.next_pupil()
    if content.from_other_school and upn in existing:
        here = existing[upn]
        there = " ".join(
            p
            for p in (
                value(element, "Forename") or value(element, "BasicDetails", "Forename"),
                value(element, "Surname") or value(element, "BasicDetails", "Surname"),
            )
            if p
        )
        content.left_alone.append(f"{upn} {there} (on roll here as {here.forename} {here.surname})")
        return
    fields = _pupil_fields(element, upn, where, problems_before, name)
    content.pupils.append(fields)
    if content.from_other_school:
        content.joining.append(
            f"{upn} {fields.get('forename', '')} {fields.get('surname', '')}".strip()
        )
    base = existing.get(upn) or Pupil(id=None, upn=upn, surname="", forename="")
    pupils[upn] = _with(base, fields)
    content.contacts += _contacts(element, upn, fields)
    for year in children(child(element, "Attendance"), "YearData"):
        estab = value(year, "Estab")
        if our_estab and estab and estab != our_estab:
            content.skipped.append(
                f"{upn}: {value(year, 'Year')} at another school ({value(year, 'LEA')}/{estab})"
            )
            continue
        _year_marks(year, upn, pupils[upn], where, collector, codes, problems_before, name, log)


def _summary(log: list[tuple[str, Reading, str]]) -> list[str]:
    """One line per (reading, reason), with how many mark strings and the first few of them; and
    the stand-ins read for two-character codes."""
    groups: dict[tuple[str, str], list[str]] = {}
    stand_ins: Counter = Counter()
    for label, reading, why in log:
        groups.setdefault((reading.name, why), []).append(label)
        stand_ins.update(reading.stand_ins)
    lines = []
    for (reading_name, why), labels in groups.items():
        shown = "; ".join(labels[:3]) + (f"; and {len(labels) - 3} more" if len(labels) > 3 else "")
        lines.append(
            f"marks read as {reading_name} for {len(labels)} year(s) of marks: {why} ({shown})"
        )
    if stand_ins:
        used = ", ".join(
            f"'{char}' as {code} ({n})" for (char, code), n in sorted(stand_ins.items())
        )
        lines.append(f"one-character stand-ins read as two-character codes: {used}")
    return lines


def _with(base: Pupil, fields: dict) -> Pupil:
    return replace(base, **{k: v for k, v in fields.items() if not k.startswith("_")})


def _pupil_fields(element: Element, upn: str, where: str, problems: list, name: str) -> dict:
    fields: dict = {"upn": upn}
    for key, tag in (("surname", "Surname"), ("forename", "Forename")):
        fields[key] = value(element, tag) or value(element, "BasicDetails", tag)
        if not fields[key]:
            problems.append(Problem(name, None, f"{where}/{tag}", f"{tag} is missing"))
        elif has_control_characters(fields[key]):
            problems.append(Problem(name, None, f"{where}/{tag}", f"{tag} {CONTROL_MESSAGE}"))
    preferred = value(element, "PreferredForename") or value(
        element, "BasicDetails", "PreferredForename"
    )
    if preferred and preferred != fields["forename"]:
        fields["preferred_name"] = preferred
    try:
        dob = parse_optional_date(value(element, "DOB") or value(element, "BasicDetails", "DOB"))
        if dob:
            fields["dob"] = dob
    except ValueError as exc:
        problems.append(Problem(name, None, f"{where}/DOB", str(exc)))
    sex = (
        value(element, "Sex")
        or value(element, "Gender")
        or value(element, "BasicDetails", "Sex")
        or value(element, "BasicDetails", "Gender")
    ).upper()
    if sex:
        fields["sex"] = SEX.get(sex, "U")
    year = value(element, "BasicDetails", "NCyearActual") or value(element, "NCyearActual")
    if year:
        fields["year_group"] = year
    address, postcode = _address(child(element, "Address"))
    fields["_address"] = (address, postcode)
    return fields


def _contacts(element: Element, upn: str, fields: dict) -> list[ContactRow]:
    rows = []
    pupil_address = fields.pop("_address", ("", ""))
    for n, contact in enumerate(children(child(element, "Contacts"), "Contact"), start=1):
        person = " ".join(
            p
            for p in (
                value(contact, "Title"),
                value(contact, "Forename"),
                value(contact, "Surname"),
            )
            if p
        )
        if not person:
            continue
        address_element = child(contact, "Address")
        as_pupil = value(address_element, "AddressAsPupil").lower() in ("true", "1", "yes")
        address, postcode = pupil_address if as_pupil else _address(address_element)
        phones = tuple(
            Phone(kind=value(p, "TelephoneType"), number=value(p, "PhoneNo"))
            for p in children(child(contact, "Phones"), "Phone")
            if value(p, "PhoneNo")
        )
        order = value(contact, "Order")
        rows.append(
            ContactRow(
                row=n,
                upn=upn,
                contact=Contact(None, person, value(contact, "Email"), address, postcode, phones),
                relationship=value(contact, "Relationship"),
                parental_responsibility=value(contact, "Responsibility").lower()
                in ("true", "1", "yes"),
                priority=int(order) if order.isdigit() and int(order) > 0 else n,
                lives_with=as_pupil or (address, postcode) == pupil_address,
            )
        )
    return rows


def _year_marks(
    year: Element,
    upn: str,
    pupil: Pupil,
    where: str,
    collector: MarkCollector,
    codes: CodeTable,
    problems: list,
    name: str,
    log: list[tuple[str, Reading, str]],
) -> None:
    label = f"{where}/Attendance/YearData {value(year, 'Year')}"
    stated: dict[str, int] = {}
    for total in TOTALS:
        raw = value(year, total)
        if raw.isdigit():
            stated[total] = int(raw)
        elif raw:
            problems.append(
                Problem(
                    name,
                    None,
                    f"{label}/{total}",
                    f"{total} '{raw}' is not a whole number of sessions",
                )
            )
    for block in children(year, "AttendSessions") or [year]:
        marks = "".join((value(block, "AttendanceMarks") or "").split())
        if not marks:
            continue
        try:
            start = parse_date(value(block, "AttendanceStartDate"))
        except ValueError as exc:
            problems.append(Problem(name, None, f"{label}/AttendanceStartDate", str(exc)))
            continue
        choice = choose_reading(start, marks, stated, codes)
        if choice.reading is None:
            problems.append(Problem(name, None, label, choice.why))
            continue
        reading = choice.reading
        log.append((label, reading, choice.why))
        for (day, session), code in zip(reading.sessions, reading.codes, strict=True):
            if code in NO_MARK:
                continue
            collector.add(
                None,
                upn,
                pupil,
                day,
                session,
                code,
                None,
                columns=(label, f"{label}/AttendanceMarks", label),
            )


# --- Mark strings -------------------------------------------------------------------------------

CTF_STAND_INS: dict[str, str] = {
    "Y1": "1",
    "Y2": "2",
    "Y3": "3",
    "Y4": "4",
    "Y5": "5",
    "Y6": "6",
    "Y7": "7",
    "C1": "8",
    "C2": "9",
    "J1": "0",
}
"""The one character that carries each two-character code in a CTF mark string, used by both the
importer and `exporters/ctf.py` (the one place this mapping is written).

Why: `AttendanceMarks` holds one character per session, but the 2024 regulations (SI 2024/208 reg 10,
DOMAIN.md section 1 [REG10][SBS]) added C1, C2, J1 and Y1-Y7. The CTF specification does not say how
these travel ([CTF24]; DOMAIN.md section 9 marks it '?'); MIS vendors give each code a one-character
"export mark" [BROM] or "coerce" it [SIMS8], and Aspen's public CTF code writes one character per
session [ASPEN]. We choose digits: a digit is a code in neither the 2006 nor the 2024 code set, so a
stand-in can never be mistaken for a statutory code, and a withdrawn letter (J, Y, H) that another
MIS writes by mistake for a date from 19/08/2024 is still reported, never silently re-read. Y1-Y7
keep their own number; C1, C2 and J1 take the remaining digits 8, 9 and 0.

A stand-in is read as its code only on a date whose code set has that code (from 19/08/2024); on
earlier dates a digit is what it always was: not a code, reported with the pupil and date (older MIS
used digits for COVID-19 codes in 2020-22 [BROMCOV]). Every reading is still checked against the
file's Sessions* totals, so a file that meant something else by a digit is refused, not guessed."""

STAND_IN_CODES = {char: code for code, char in CTF_STAND_INS.items()}
assert len(STAND_IN_CODES) == len(CTF_STAND_INS), "two codes share a stand-in character"

WEEKDAYS_ONLY = "weekdays only"
EVERY_DAY = "every day (weekends included)"


def ctf_character(code: str, day: date, codes: CodeTable) -> str | None:
    """The character that carries `code` on `day` in a mark string, or None if the string cannot
    carry it (not a code on that date, or a two-character code with no stand-in that is free then).
    `read_character` gives the code back: the two are inverses wherever this returns a character."""
    return _encode(codes, _era(codes, day), code)


def read_character(char: str, day: date, codes: CodeTable) -> str:
    """The code a character of a mark string stands for on its own date: itself when it is a code
    in the set in force that day, else the two-character code it stands in for when that code is in
    force; otherwise the character itself, which the import then reports as not a code."""
    return _decode(codes, _era(codes, day), char)[0]


# A whole school's strings repeat a few hundred dates and a few dozen characters: cached.
@lru_cache(maxsize=1 << 12)
def _era(codes: CodeTable, day: date) -> int:
    return codes.era_index(day)


@lru_cache(maxsize=1 << 10)
def _encode(codes: CodeTable, era: int, code: str) -> str | None:
    in_force = codes.sets[era].codes
    if code not in in_force:
        return None
    if len(code) == 1:
        return code
    char = CTF_STAND_INS.get(code)
    return None if char is None or char in in_force else char


@lru_cache(maxsize=1 << 10)
def _decode(codes: CodeTable, era: int, char: str) -> tuple[str, bool]:
    """(the code, whether it is a code in this era)."""
    in_force = codes.sets[era].codes
    if char in NO_MARK or char in in_force:
        return char, char in in_force
    code = STAND_IN_CODES.get(char)
    return (code, True) if code is not None and code in in_force else (char, False)


@lru_cache(maxsize=64)
def weekday_sessions(start: date, count: int) -> tuple[tuple[date, str], ...]:
    """`count` sessions from `start`, Saturdays and Sundays left out."""
    sessions: list[tuple[date, str]] = []
    day = start
    while len(sessions) < count:
        if day.weekday() < 5:
            sessions += [(day, "AM"), (day, "PM")]
        day += timedelta(days=1)
    return tuple(sessions[:count])


@lru_cache(maxsize=64)
def every_day_sessions(start: date, count: int) -> tuple[tuple[date, str], ...]:
    """`count` sessions from `start`, every calendar day (weekends included)."""
    return tuple((start + timedelta(days=i // 2), ("AM", "PM")[i % 2]) for i in range(count))


@dataclass
class Reading:
    """One way of laying a mark string over dates, and how well it fits the file."""

    name: str
    sessions: tuple[tuple[date, str], ...]
    codes: list[str]  # the code of each character on its own date (stand-ins read)
    figures: Figures
    invalid: list[tuple[date, str, str]]  # (day, session, character) not a code on its date
    disagree: list[tuple[str, int, int]]  # (total, in the file, from the marks)
    weekend_marks: int  # characters other than a closure or no mark put on a Saturday or Sunday
    weekend_closures: int  # closure marks put on a Saturday or Sunday
    after_year: int  # marks put after 31 August of the academic year the string starts in
    stand_ins: Counter = field(
        default_factory=Counter
    )  # (character, code) read through CTF_STAND_INS

    def fits(self) -> bool:
        return not self.disagree

    def describe(self) -> str:
        parts = [
            f"{total} {file_value} in the file, {mine} from the marks"
            for total, file_value, mine in self.disagree
        ]
        if self.invalid:
            day, session, char = self.invalid[0]
            parts.append(
                f"{len(self.invalid)} character(s) not a code on their date, "
                f"first '{char}' on {dmy(day)} {session}"
            )
        return f"{self.name}: " + ("; ".join(parts) if parts else "agrees")


@dataclass
class ReadingChoice:
    reading: Reading | None  # None: no reading fits, nothing from this string is imported
    why: str  # the refusal (what disagrees under each reading), or why this reading was taken
    readings: list[Reading]


def read_marks(
    name: str,
    sessions: tuple[tuple[date, str], ...],
    marks: str,
    stated: Mapping[str, int],
    codes: CodeTable,
) -> Reading:
    """Lay `marks` over `sessions`, categorise each code by the code set in force on its own date
    and compare the figures with the totals the file states."""
    closures = codes.closure_codes()
    year_end = academic_year_bounds(academic_year_of(sessions[0][0]))[1] if sessions else date.max
    counts: Counter = Counter()
    read, invalid = [], []
    stand_ins: Counter = Counter()
    weekend_marks = weekend_closures = after_year = 0
    for (day, session), char in zip(sessions, marks, strict=True):
        if char in NO_MARK:
            read.append(char)
            continue
        era = _era(codes, day)
        code, valid = _decode(codes, era, char)
        read.append(code)
        if code != char:
            stand_ins[(char, code)] += 1
        if not valid:
            invalid.append((day, session, char))
        counts[(era, code)] += 1
        if day.weekday() >= 5:
            if code in closures:
                weekend_closures += 1
            else:
                weekend_marks += 1
        if day > year_end:
            after_year += 1
    figures = figures_from_counts(((era, code, n) for (era, code), n in counts.items()), codes)
    mine = {
        "SessionsPossible": figures.possible,
        "SessionsAttended": figures.attended,
        "SessionsAuthorised": figures.authorised,
        "SessionsUnauthorised": figures.unauthorised,
    }
    disagree = [
        (total, stated[total], mine[total])
        for total in TOTALS
        if total in stated and stated[total] != mine[total]
    ]
    return Reading(
        name,
        sessions,
        read,
        figures,
        invalid,
        disagree,
        weekend_marks,
        weekend_closures,
        after_year,
        stand_ins,
    )


def choose_reading(
    start: date, marks: str, stated: Mapping[str, int], codes: CodeTable
) -> ReadingChoice:
    """Which sessions a mark string stands for. The CTF does not say whether weekends are in the
    string (DOMAIN.md section 9 [ASPEN][CTF24]), so both readings are made and the one whose figures
    equal the file's own Sessions* totals is taken; each code is categorised by the code set in
    force on its own date under that reading, so a code that is not valid under one reading (an H
    pushed past 19/08/2024 by reading an every-day string as weekdays) says nothing about the other.

    If no reading agrees with the totals, the string is refused with what disagrees under each. If
    several agree (or the file states no totals), the first of these decides: fewer characters
    that are not codes on their dates; fewer marks after the academic year the string starts in (a
    YearData is one academic year); fewer marks on Saturdays and Sundays; and then every day if it
    puts closures ('#') and nothing else on the weekends, as a string that includes weekends shows,
    else weekdays only. The choice is explained in the note returned with it."""
    readings = [
        read_marks(WEEKDAYS_ONLY, weekday_sessions(start, len(marks)), marks, stated, codes),
        read_marks(EVERY_DAY, every_day_sessions(start, len(marks)), marks, stated, codes),
    ]
    weekdays, every_day = readings
    fitting = [r for r in readings if r.fits()]
    if not fitting:
        detail = " | ".join(r.describe() for r in readings)
        return ReadingChoice(
            None,
            "the marks do not agree with the file's totals whether or not weekends are "
            f"counted ({detail}); nothing from this file is imported",
            readings,
        )

    def rank(r: Reading) -> tuple:
        weekend_string = r is every_day and r.weekend_marks == 0 and r.weekend_closures > 0
        return len(r.invalid), r.after_year, r.weekend_marks, not weekend_string

    chosen = min(fitting, key=rank)
    other = every_day if chosen is weekdays else weekdays
    if stated and len(fitting) == 1:
        return ReadingChoice(chosen, "only this reading agrees with the file's totals", readings)
    agree = "both readings agree with the file's totals" if stated else "the file states no totals"
    a, b = rank(chosen), rank(other)
    if a[0] != b[0]:
        reason = "the other reading meets characters that are not codes on their dates"
    elif a[1] != b[1]:
        reason = "the other reading runs past 31 August, outside the academic year"
    elif a[2] != b[2]:
        reason = "the other reading puts marks on Saturdays and Sundays"
    elif chosen is every_day:
        reason = "each fits equally and every Saturday and Sunday in the string is a closure (#)"
    else:
        reason = "each fits equally; weekdays only is taken when the weekends hold no closures"
    return ReadingChoice(chosen, f"{agree}; {reason}", readings)
