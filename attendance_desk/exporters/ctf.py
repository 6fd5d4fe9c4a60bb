"""Writing a Common Transfer File: pupils, contacts and one mark string per pupil per academic year.

The mark string has one character per weekday session from its start date (weekends left out).
Each code is written as the character that carries it on its date (`importers.ctf.ctf_character`):
itself for a one-character code, and for the two-character 2024 codes (C1, C2, J1, Y1-Y7) the
stand-in of `importers.ctf.CTF_STAND_INS`, so that our own import gives back the same codes. A
mark the string cannot carry (a code that is not valid on its date, a code with no stand-in, a mark
on a Saturday or Sunday) is written as '-' (no mark) or left out, and named in the result's
warnings with the pupil, date, session and code, so the user is told rather than the mark silently
changed; a closure ('#') on a weekend is left out without a warning, as the weekday string leaves
weekends out by design. Each string is read back as the importer would read it; if that reading
would differ, that is a warning too."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from xml.etree.ElementTree import Element, ElementTree, SubElement, indent

from attendance_desk.domain.calendar import academic_year_bounds
from attendance_desk.domain.calls import ContactForCalls
from attendance_desk.domain.codes import CodeTable
from attendance_desk.domain.figures import Figures, figures_from_marks
from attendance_desk.domain.people import Pupil
from attendance_desk.importers.ctf import (
    WEEKDAYS_ONLY,
    choose_reading,
    ctf_character,
    read_character,
    weekday_sessions,
)
from attendance_desk.importers.marks import NO_MARK
from attendance_desk.presentation import dmy

CTF_VERSION = "26.0"


@dataclass(frozen=True)
class CtfSchool:
    la_number: str
    estab_number: str
    name: str


@dataclass(frozen=True)
class NotCarried:
    """A mark the CTF file does not carry as it is in the register."""

    upn: str
    name: str
    day: date
    session: str
    code: str
    why: str

    def __str__(self) -> str:
        return f"{self.name} ({self.upn}) {dmy(self.day)} {self.session} {self.code}: {self.why}"


@dataclass(frozen=True)
class CtfWritten:
    pupils: int
    marks: int
    not_carried: tuple[NotCarried, ...] = ()

    @property
    def not_writable(self) -> int:
        """How many marks the file does not carry as they are (written as '-' or read back otherwise)."""
        return len(self.not_carried)

    @property
    def warnings(self) -> list[str]:
        """One line per mark not carried, naming the pupil, date, session and code."""
        return [str(n) for n in self.not_carried]


def _text(parent: Element, tag: str, text: object) -> Element:
    node = SubElement(parent, tag)
    node.text = "" if text is None else str(text)
    return node


def write_ctf(
    path: Path,
    school: CtfSchool,
    academic_year: int,
    pupils: Sequence[Pupil],
    contacts_of: Mapping[int, Sequence[ContactForCalls]],
    addresses: Mapping[int, tuple[str, str]],
    marks_of: Mapping[int, Mapping[tuple[date, str], str]],
    codes: CodeTable,
    until: date,
) -> CtfWritten:
    root = Element("CTfile")
    header = SubElement(root, "Header")
    _text(header, "DocumentName", "Common Transfer File")
    _text(header, "CTFversion", CTF_VERSION)
    _text(header, "DateTime", datetime.now().replace(microsecond=0).isoformat())
    _text(header, "DocumentQualifier", "full")
    source = SubElement(header, "SourceSchool")
    for tag, text in (
        ("LEA", school.la_number),
        ("Estab", school.estab_number),
        ("SchoolName", school.name),
        ("AcademicYear", academic_year),
    ):
        _text(source, tag, text)
    data = SubElement(root, "CTFpupilData")
    first, last = academic_year_bounds(academic_year)
    total = 0
    not_carried: list[NotCarried] = []
    for pupil in pupils:
        pid = pupil.id or 0  # pupils read from the school file: never 0, never None
        node = SubElement(data, "Pupil")
        _text(node, "UPN", pupil.upn)
        _text(node, "Surname", pupil.surname)
        _text(node, "Forename", pupil.forename)
        if pupil.preferred_name:
            _text(node, "PreferredForename", pupil.preferred_name)
        _text(node, "DOB", pupil.dob.isoformat() if pupil.dob else "")
        _text(node, "Sex", pupil.sex or "")
        _text(SubElement(node, "BasicDetails"), "NCyearActual", pupil.year_group)
        _address(node, *addresses.get(pid, ("", "")))
        people = SubElement(node, "Contacts")
        for contact in contacts_of.get(pid, ()):
            c = SubElement(people, "Contact")
            _text(c, "Order", contact.priority)
            forename, _, surname = contact.name.rpartition(" ")
            _text(c, "Surname", surname)
            _text(c, "Forename", forename)
            _text(c, "Relationship", contact.relationship)
            _text(c, "Responsibility", "true" if contact.parental_responsibility else "false")
            _text(
                SubElement(c, "Address"),
                "AddressAsPupil",
                "true" if contact.lives_with_pupil else "false",
            )
            phones = SubElement(c, "Phones")
            for phone in contact.phones:
                p = SubElement(phones, "Phone")
                _text(p, "TelephoneType", phone.kind)
                _text(p, "PhoneNo", phone.number)
        marks = marks_of.get(pid, {})
        window = pupil.on_roll_between(first, min(last, until))
        if not marks or window is None:
            continue
        start = window[0]
        while start.weekday() >= 5:
            start += timedelta(days=1)
        chars, used, missed = [], [], []
        closures = codes.closure_codes()
        for (day, session), code in sorted(marks.items()):
            if day.weekday() >= 5 and window[0] <= day <= window[1] and code not in closures:
                missed.append(
                    NotCarried(
                        pupil.upn,
                        pupil.name,
                        day,
                        session,
                        code,
                        "a mark on a Saturday or Sunday: the mark string carries weekdays only; not written",
                    )
                )
        day = start
        while day <= window[1]:
            if day.weekday() < 5:
                for session in ("AM", "PM"):
                    entered = marks.get((day, session))
                    char = None if entered is None else ctf_character(entered, day, codes)
                    if char is not None and entered is not None:
                        chars.append(char)
                        used.append((day, entered))
                        continue
                    chars.append("-")
                    if entered is not None:
                        missed.append(
                            NotCarried(
                                pupil.upn,
                                pupil.name,
                                day,
                                session,
                                entered,
                                _why_not(entered, day, codes),
                            )
                        )
            day += timedelta(days=1)
        not_carried += sorted(missed, key=lambda n: (n.day, n.session))
        total += len(used)
        figures = figures_from_marks(used, codes)
        year = SubElement(SubElement(node, "Attendance"), "YearData")
        for tag, text in (
            ("Year", academic_year),
            ("LEA", school.la_number),
            ("Estab", school.estab_number),
            ("SchoolName", school.name),
            ("SessionsPossible", figures.possible),
            ("SessionsAuthorised", figures.authorised),
            ("SessionsAttended", figures.attended),
            ("SessionsUnauthorised", figures.unauthorised),
        ):
            _text(year, tag, text)
        sessions = SubElement(year, "AttendSessions")
        _text(sessions, "AttendanceStartDate", start.isoformat())
        _text(sessions, "AttendanceMarks", "".join(chars))
        not_carried += _read_back(pupil, start, "".join(chars), figures, codes)
    indent(root)
    ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return CtfWritten(pupils=len(pupils), marks=total, not_carried=tuple(not_carried))


def _why_not(code: str, day: date, codes: CodeTable) -> str:
    if not codes.is_valid(code, day):
        return f"not an attendance code on {dmy(day)} ({codes.set_for(day).title}); not written"
    return "a two-character code with no one-character stand-in in a CTF mark string; not written"


def _read_back(
    pupil: Pupil, start: date, marks: str, figures: Figures, codes: CodeTable
) -> list[NotCarried]:
    """Read the string back as the importer would (`choose_reading`, with the totals written beside
    it); if it would be read otherwise than as written (weekdays only), name the first mark that
    would move or change."""
    stated = {
        "SessionsPossible": figures.possible,
        "SessionsAttended": figures.attended,
        "SessionsAuthorised": figures.authorised,
        "SessionsUnauthorised": figures.unauthorised,
    }
    choice = choose_reading(start, marks, stated, codes)
    if choice.reading is not None and choice.reading.name == WEEKDAYS_ONLY:
        return []
    written = weekday_sessions(start, len(marks))
    wanted = [
        read_character(char, day, codes) for (day, _), char in zip(written, marks, strict=True)
    ]
    got = choice.reading.codes if choice.reading else ["?"] * len(marks)
    got_at = choice.reading.sessions if choice.reading else written
    for (day, session), code, (other_day, other_session), other in zip(
        written, wanted, got_at, got, strict=True
    ):
        if code not in NO_MARK and (code, day, session) != (other, other_day, other_session):
            read_as = choice.reading.name if choice.reading else "neither reading"
            return [
                NotCarried(
                    pupil.upn,
                    pupil.name,
                    day,
                    session,
                    code,
                    f"the mark string would be read back as {read_as} ({choice.why}); "
                    "this mark and later ones may move to other dates on import",
                )
            ]
    return []


def _address(node: Element, lines: str, postcode: str) -> None:
    address = SubElement(node, "Address")
    block = SubElement(address, "AddressLines")
    for n, line in enumerate((p.strip() for p in lines.split(",") if p.strip()), start=1):
        _text(block, f"AddressLine{n}", line)
    _text(address, "Postcode", postcode)
