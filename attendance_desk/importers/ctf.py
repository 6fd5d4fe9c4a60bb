"""The DfE Common Transfer File (XML): pupils, contacts and session marks, read defensively.

Parsed with defusedxml (entity expansion and external DTDs refused). Element names are matched
without namespaces and case-insensitively (`CTFversion` and `CTFVersion` both occur; CTF 25 has
`Sex` where older versions have `Gender`). A mark string holds one character per session from its
start date. Whether weekends are included is not specified, so both readings are tried and the one
that agrees with the file's own Sessions* totals is taken; if neither agrees, nothing is imported.
Two-character 2024 codes cannot travel in a one-character string: a character that is not a code
on its date is reported with the pupil and date, never guessed."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import parse as parse_xml

from attendance_desk.domain.calendar import SchoolCalendar
from attendance_desk.domain.calls import Phone
from attendance_desk.domain.codes import CodeTable
from attendance_desk.domain.figures import figures_from_marks
from attendance_desk.domain.people import Contact, Pupil
from attendance_desk.domain.upn import InvalidUPN, validate_upn
from attendance_desk.importers.contacts import ContactRow
from attendance_desk.importers.marks import NO_MARK, MarkCollector, ParsedMarks
from attendance_desk.importers.tabular import (
    ImportRefused,
    Problem,
    parse_date,
    parse_optional_date,
)

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
        elif name not in ("addressaspupil", "country", "uniquepropertyreferencenumber", "easting", "northing"):
            parts.append(text)
    return ", ".join(parts), postcode


def _weekday_reading(start: date, count: int) -> list[tuple[date, str]]:
    sessions, day = [], start
    while len(sessions) < count:
        if day.weekday() < 5:
            sessions += [(day, "AM"), (day, "PM")]
        day += timedelta(days=1)
    return sessions[:count]


def _all_days_reading(start: date, count: int) -> list[tuple[date, str]]:
    return [(start + timedelta(days=i // 2), ("AM", "PM")[i % 2]) for i in range(count)]


def parse_ctf(
    path: Path, existing: dict[str, Pupil], codes: CodeTable, calendar: SchoolCalendar, today: date,
    school_estab: str = "",
) -> CtfContent:
    name = path.name
    if not path.exists() or path.stat().st_size == 0:
        raise ImportRefused([Problem(name, None, None, "the file is missing or empty")])
    try:
        root = parse_xml(str(path)).getroot()
    except ParseError as exc:
        line, column = getattr(exc, "position", (None, None))
        raise ImportRefused([Problem(name, line, None,
            f"is not well-formed XML (a truncated or damaged file?): {exc} at line {line}, column {column}")]) from None
    except DefusedXmlException as exc:
        raise ImportRefused([Problem(name, None, None, f"refused: the XML uses {exc}")]) from None
    if _local(root.tag) != "ctfile":
        raise ImportRefused([Problem(name, None, None, f"is not a Common Transfer File (root element <{root.tag}>)")])
    header = child(root, "Header")
    version = value(header, "CTFversion")
    source = child(header, "SourceSchool")
    content = CtfContent(name, version, f"{value(source, 'LEA')}/{value(source, 'Estab')} {value(source, 'SchoolName')}".strip())
    problems_before: list[Problem] = []
    pupils = dict(existing)
    pupil_elements = children(child(root, "CTFpupilData"), "Pupil")
    if not pupil_elements:
        raise ImportRefused([Problem(name, None, "CTFpupilData", "the file has no pupils")])
    our_estab = school_estab or value(source, "Estab")
    collector = MarkCollector(name, pupils, codes, calendar, today, check_calendar=False)
    for index, element in enumerate(pupil_elements, start=1):
        where = f"Pupil {index}"
        raw_upn = value(element, "UPN")
        try:
            upn = validate_upn(raw_upn)
        except InvalidUPN as exc:
            problems_before.append(Problem(name, None, f"{where}/UPN", str(exc)))
            continue
        where = f"Pupil {index} ({upn})"
        fields = _pupil_fields(element, upn, where, problems_before, name)
        content.pupils.append(fields)
        base = existing.get(upn) or Pupil(id=None, upn=upn, surname="", forename="")
        pupils[upn] = _with(base, fields)
        content.contacts += _contacts(element, upn, fields)
        for year in children(child(element, "Attendance"), "YearData"):
            estab = value(year, "Estab")
            if our_estab and estab and estab != our_estab:
                content.skipped.append(f"{upn}: {value(year, 'Year')} at another school ({value(year, 'LEA')}/{estab})")
                continue
            _year_marks(year, upn, pupils[upn], where, collector, codes, problems_before, name)
    for problem in problems_before:
        collector.problems.add(problem.row, problem.column, problem.message)
    content.marks = collector.finish()
    return content


def _with(base: Pupil, fields: dict) -> Pupil:
    return replace(base, **{k: v for k, v in fields.items() if not k.startswith("_")})


def _pupil_fields(element: Element, upn: str, where: str, problems: list, name: str) -> dict:
    fields: dict = {"upn": upn}
    for key, tag in (("surname", "Surname"), ("forename", "Forename")):
        fields[key] = value(element, tag) or value(element, "BasicDetails", tag)
        if not fields[key]:
            problems.append(Problem(name, None, f"{where}/{tag}", f"{tag} is missing"))
    preferred = value(element, "PreferredForename") or value(element, "BasicDetails", "PreferredForename")
    if preferred and preferred != fields["forename"]:
        fields["preferred_name"] = preferred
    try:
        dob = parse_optional_date(value(element, "DOB") or value(element, "BasicDetails", "DOB"))
        if dob:
            fields["dob"] = dob
    except ValueError as exc:
        problems.append(Problem(name, None, f"{where}/DOB", str(exc)))
    sex = (value(element, "Sex") or value(element, "Gender") or value(element, "BasicDetails", "Sex")
           or value(element, "BasicDetails", "Gender")).upper()
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
        person = " ".join(p for p in (value(contact, "Title"), value(contact, "Forename"), value(contact, "Surname")) if p)
        if not person:
            continue
        address_element = child(contact, "Address")
        as_pupil = value(address_element, "AddressAsPupil").lower() in ("true", "1", "yes")
        address, postcode = pupil_address if as_pupil else _address(address_element)
        phones = tuple(
            Phone(kind=value(p, "TelephoneType"), number=value(p, "PhoneNo"))
            for p in children(child(contact, "Phones"), "Phone") if value(p, "PhoneNo")
        )
        order = value(contact, "Order")
        rows.append(ContactRow(
            row=n, upn=upn,
            contact=Contact(None, person, value(contact, "Email"), address, postcode, phones),
            relationship=value(contact, "Relationship"),
            parental_responsibility=value(contact, "Responsibility").lower() in ("true", "1", "yes"),
            priority=int(order) if order.isdigit() and int(order) > 0 else n,
            lives_with=as_pupil or (address, postcode) == pupil_address,
        ))
    return rows


def _year_marks(year: Element, upn: str, pupil: Pupil, where: str, collector: MarkCollector,
                codes: CodeTable, problems: list, name: str) -> None:
    label = f"{where}/Attendance/YearData {value(year, 'Year')}"
    for block in children(year, "AttendSessions") or [year]:
        marks = (value(block, "AttendanceMarks") or "").replace("\n", "").replace(" ", "")
        if not marks:
            continue
        try:
            start = parse_date(value(block, "AttendanceStartDate"))
        except ValueError as exc:
            problems.append(Problem(name, None, f"{label}/AttendanceStartDate", str(exc)))
            continue
        totals = {t: value(year, t) for t in TOTALS}
        sessions = _reading(start, marks, totals, codes)
        if sessions is None:
            problems.append(Problem(name, None, label,
                f"the marks do not agree with the file's totals ({', '.join(f'{k} {v}' for k, v in totals.items() if v)}) "
                "whether or not weekends are counted"))
            continue
        for (day, session), char in zip(sessions, marks, strict=True):
            if char in NO_MARK:
                continue
            collector.add(None, upn, pupil, day, session, char, None,
                          columns=(label, f"{label}/AttendanceMarks", label))


def _reading(start: date, marks: str, totals: dict[str, str], codes: CodeTable) -> list | None:
    """The sessions the characters stand for: weekdays only, or every day, whichever gives the
    totals the file states. If both do (closure marks carry no weight in the totals), every day is
    taken when each character it puts on a weekend is a closure or no mark, as a string that
    includes weekends shows. With no totals, or with characters that are not codes (reported
    separately, with their dates), the weekdays reading is used."""
    stated = {k: int(v) for k, v in totals.items() if v.isdigit()}
    weekdays, every_day = _weekday_reading(start, len(marks)), _all_days_reading(start, len(marks))
    if not stated:
        return weekdays
    agreeing = []
    for sessions in (weekdays, every_day):
        figures = figures_from_marks(
            ((day, char) for (day, _), char in zip(sessions, marks, strict=True) if char not in NO_MARK), codes
        )
        if figures.unknown:
            return weekdays
        mine = {
            "SessionsPossible": figures.possible, "SessionsAttended": figures.attended,
            "SessionsAuthorised": figures.authorised, "SessionsUnauthorised": figures.unauthorised,
        }
        if all(mine[k] == v for k, v in stated.items()):
            agreeing.append(sessions)
    if len(agreeing) == 2:
        weekend = [char for (day, _), char in zip(every_day, marks, strict=True) if day.weekday() >= 5]
        closed = codes.closure_codes() | NO_MARK
        return every_day if weekend and all(char in closed for char in weekend) else weekdays
    return agreeing[0] if agreeing else None
