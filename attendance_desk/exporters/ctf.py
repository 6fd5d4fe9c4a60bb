"""Writing a Common Transfer File: pupils, contacts and one mark string per pupil per academic year.

The mark string has one character per weekday session from its start date (weekends left out).
Two-character 2024 codes (C1, C2, J1, Y1-Y7) cannot be written in it: they are written as '-'
(no mark) and counted in the result, so the user is told rather than the mark silently changed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from xml.etree.ElementTree import Element, ElementTree, SubElement, indent

from attendance_desk.domain.calendar import academic_year_bounds
from attendance_desk.domain.calls import ContactForCalls
from attendance_desk.domain.codes import CodeTable
from attendance_desk.domain.figures import figures_from_marks
from attendance_desk.domain.people import Pupil

CTF_VERSION = "26.0"


@dataclass(frozen=True)
class CtfSchool:
    la_number: str
    estab_number: str
    name: str


@dataclass(frozen=True)
class CtfWritten:
    pupils: int
    marks: int
    not_writable: int  # two-character codes written as '-'


def _text(parent: Element, tag: str, text: object) -> Element:
    node = SubElement(parent, tag)
    node.text = "" if text is None else str(text)
    return node


def write_ctf(
    path: Path, school: CtfSchool, academic_year: int, pupils: Sequence[Pupil],
    contacts_of: Mapping[int, Sequence[ContactForCalls]], addresses: Mapping[int, tuple[str, str]],
    marks_of: Mapping[int, Mapping[tuple[date, str], str]], codes: CodeTable, until: date,
) -> CtfWritten:
    root = Element("CTfile")
    header = SubElement(root, "Header")
    _text(header, "DocumentName", "Common Transfer File")
    _text(header, "CTFversion", CTF_VERSION)
    _text(header, "DateTime", datetime.now().replace(microsecond=0).isoformat())
    _text(header, "DocumentQualifier", "full")
    source = SubElement(header, "SourceSchool")
    for tag, text in (("LEA", school.la_number), ("Estab", school.estab_number),
                      ("SchoolName", school.name), ("AcademicYear", academic_year)):
        _text(source, tag, text)
    data = SubElement(root, "CTFpupilData")
    first, last = academic_year_bounds(academic_year)
    total = skipped = 0
    for pupil in pupils:
        node = SubElement(data, "Pupil")
        _text(node, "UPN", pupil.upn)
        _text(node, "Surname", pupil.surname)
        _text(node, "Forename", pupil.forename)
        if pupil.preferred_name:
            _text(node, "PreferredForename", pupil.preferred_name)
        _text(node, "DOB", pupil.dob.isoformat() if pupil.dob else "")
        _text(node, "Sex", pupil.sex or "")
        _text(SubElement(node, "BasicDetails"), "NCyearActual", pupil.year_group)
        _address(node, *addresses.get(pupil.id, ("", "")))
        people = SubElement(node, "Contacts")
        for contact in contacts_of.get(pupil.id, ()):
            c = SubElement(people, "Contact")
            _text(c, "Order", contact.priority)
            forename, _, surname = contact.name.rpartition(" ")
            _text(c, "Surname", surname)
            _text(c, "Forename", forename)
            _text(c, "Relationship", contact.relationship)
            _text(c, "Responsibility", "true" if contact.parental_responsibility else "false")
            _text(SubElement(c, "Address"), "AddressAsPupil", "true" if contact.lives_with_pupil else "false")
            phones = SubElement(c, "Phones")
            for phone in contact.phones:
                p = SubElement(phones, "Phone")
                _text(p, "TelephoneType", phone.kind)
                _text(p, "PhoneNo", phone.number)
        marks = marks_of.get(pupil.id, {})
        window = pupil.on_roll_between(first, min(last, until))
        if not marks or window is None:
            continue
        start = window[0]
        while start.weekday() >= 5:
            start += timedelta(days=1)
        chars, used = [], []
        day = start
        while day <= window[1]:
            if day.weekday() < 5:
                for session in ("AM", "PM"):
                    code = marks.get((day, session))
                    if code is not None and len(code) == 1:
                        chars.append(code)
                        used.append((day, code))
                    else:
                        chars.append("-")
                        skipped += code is not None
            day += timedelta(days=1)
        total += len(used)
        figures = figures_from_marks(used, codes)
        year = SubElement(SubElement(node, "Attendance"), "YearData")
        for tag, text in (("Year", academic_year), ("LEA", school.la_number), ("Estab", school.estab_number),
                          ("SchoolName", school.name), ("SessionsPossible", figures.possible),
                          ("SessionsAuthorised", figures.authorised), ("SessionsAttended", figures.attended),
                          ("SessionsUnauthorised", figures.unauthorised)):
            _text(year, tag, text)
        sessions = SubElement(year, "AttendSessions")
        _text(sessions, "AttendanceStartDate", start.isoformat())
        _text(sessions, "AttendanceMarks", "".join(chars))
    indent(root)
    ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return CtfWritten(pupils=len(pupils), marks=total, not_writable=skipped)


def _address(node: Element, lines: str, postcode: str) -> None:
    address = SubElement(node, "Address")
    block = SubElement(address, "AddressLines")
    for n, line in enumerate((p.strip() for p in lines.split(",") if p.strip()), start=1):
        _text(block, f"AddressLine{n}", line)
    _text(address, "Postcode", postcode)
