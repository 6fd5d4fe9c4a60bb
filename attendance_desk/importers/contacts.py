"""Contacts from CSV/XLSX: upn, name, relationship, parental_responsibility, priority, phone,
email, address, postcode (optional: mobile, work_phone, lives_with). One row links one contact to
one pupil; the same person on several rows (siblings) becomes one contact."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from attendance_desk.domain.calls import Phone
from attendance_desk.domain.people import Contact
from attendance_desk.domain.upn import validate_upn
from attendance_desk.importers.tabular import (
    CONTROL_MESSAGE,
    Problems,
    Table,
    has_control_characters,
    parse_bool,
    read_table,
    text,
)

REQUIRED = ("upn", "name")
PHONE_COLUMNS = {
    "phone": "",
    "home_phone": "home",
    "mobile": "mobile",
    "mobile_phone": "mobile",
    "work_phone": "work",
    "telephone": "",
}


@dataclass(frozen=True)
class ContactRow:
    row: int
    upn: str
    contact: Contact
    relationship: str
    parental_responsibility: bool
    priority: int
    lives_with: bool


def _priority(value: object) -> int:
    raw = text(value)
    if not raw:
        return 1
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"priority must be a whole number from 1, not '{raw}'")
    return int(raw)


def _phones(table: Table, row: list[object]) -> tuple[Phone, ...]:
    phones = []
    for column, kind in PHONE_COLUMNS.items():
        for number in text(table.get(row, column)).replace("/", ";").split(";"):
            if number.strip():
                phones.append(Phone(kind=kind, number=number.strip()))
    return tuple(phones)


def parse_contacts(path: Path, known_upns: set[str]) -> list[ContactRow]:
    table = read_table(path, REQUIRED)
    problems = Problems(table.file)
    result = []
    for number, row in table.rows():
        upn = problems.convert(
            number, "upn", lambda v: validate_upn(text(v)), table.get(row, "upn")
        )
        if upn and upn not in known_upns:
            problems.add(number, "upn", f"no pupil with UPN {upn}: import pupils first")
        name = text(table.get(row, "name"))
        if not name:
            problems.add(number, "name", "name is missing")
        elif has_control_characters(name):
            problems.add(number, "name", f"name {CONTROL_MESSAGE}")
        pr = problems.convert(
            number, "parental_responsibility", parse_bool, table.get(row, "parental_responsibility")
        )
        lives = table.get(row, "lives_with") if table.has("lives_with") else "yes"
        lives_with = problems.convert(number, "lives_with", parse_bool, lives)
        priority = problems.convert(number, "priority", _priority, table.get(row, "priority"))
        contact = Contact(
            id=None,
            name=name,
            email=text(table.get(row, "email")),
            address=text(table.get(row, "address")),
            postcode=text(table.get(row, "postcode")).upper(),
            phones=_phones(table, row),
        )
        if upn:
            result.append(
                ContactRow(
                    number,
                    upn,
                    contact,
                    text(table.get(row, "relationship")),
                    bool(pr),
                    priority or 1,
                    bool(lives_with),
                )
            )
    problems.raise_if_any()
    return result
