"""Pupils from CSV/XLSX: upn, surname, forename, preferred_name, dob, sex, year_group, reg_group,
admission_date, leaving_date, and optional flags (fsm, sen, ehcp, looked_after, child_in_need,
cp_plan, young_carer, social_worker, cme_concern; the social worker's phone and e-mail and the
virtual school's contact: social_worker_phone, social_worker_email, virtual_school_contact)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from attendance_desk.domain.groups import EHCP, FLAG_FIELDS, SEN_FROM_MIS
from attendance_desk.domain.upn import validate_upn
from attendance_desk.importers.tabular import (
    CONTROL_MESSAGE,
    Problems,
    has_control_characters,
    parse_bool,
    parse_optional_date,
    read_table,
    text,
)

REQUIRED = ("upn", "surname", "forename")
DATES = ("dob", "admission_date", "leaving_date")
FLAGS = FLAG_FIELDS
TEXTS = (
    "preferred_name",
    "year_group",
    "reg_group",
    "social_worker",
    "notes",
    "social_worker_phone",
    "social_worker_email",
    "virtual_school_contact",
)
ALIASES = {
    "cin": "child_in_need",
    "cp": "cp_plan",
    "cla": "looked_after",
    "lac": "looked_after",
    "class": "reg_group",
    "form": "reg_group",
    "registration_group": "reg_group",
    "year": "year_group",
    "date_of_birth": "dob",
    "gender": "sex",
    "legal_surname": "surname",
    "legal_forename": "forename",
    "first_name": "forename",
    "admission": "admission_date",
}
SEX = {"M": "M", "F": "F", "MALE": "M", "FEMALE": "F", "U": "U", "": None}
SEN = SEN_FROM_MIS


@dataclass(frozen=True)
class PupilRow:
    row: int
    fields: dict  # only the fields the file gives: others keep what the school file holds


def parse_pupils(path: Path) -> list[PupilRow]:
    table = read_table(path, REQUIRED)
    for alias, real in ALIASES.items():
        if table.has(alias) and not table.has(real):
            table.position[real] = table.position[alias]
    problems = Problems(table.file)
    seen: dict[str, int] = {}
    result = []
    for number, row in table.rows():
        fields: dict = {}
        upn = problems.convert(
            number, "upn", lambda v: validate_upn(text(v)), table.get(row, "upn")
        )
        if upn:
            if upn in seen:
                problems.add(number, "upn", f"UPN {upn} is also on row {seen[upn]}")
            seen[upn] = number
            fields["upn"] = upn
        for column in ("surname", "forename"):
            value = text(table.get(row, column))
            if not value:
                problems.add(number, column, f"{column} is missing")
            elif has_control_characters(value):
                problems.add(number, column, f"{column} {CONTROL_MESSAGE}")
            fields[column] = value
        if table.has("preferred_name") and has_control_characters(
            text(table.get(row, "preferred_name"))
        ):
            problems.add(number, "preferred_name", f"preferred_name {CONTROL_MESSAGE}")
        for column in TEXTS:
            if table.has(column):
                fields[column] = text(table.get(row, column)) or (
                    "" if column != "preferred_name" else None
                )
        for column in DATES:
            if table.has(column):
                fields[column] = problems.convert(
                    number, column, parse_optional_date, table.get(row, column)
                )
        if table.has("sex"):
            raw = text(table.get(row, "sex")).upper()
            if raw not in SEX:
                problems.add(number, "sex", f"'{raw}' is not M or F")
            fields["sex"] = SEX.get(raw)
        for column in FLAGS:
            if table.has(column):
                fields[column] = bool(
                    problems.convert(number, column, parse_bool, table.get(row, column))
                )
        if table.has("sen"):
            raw = text(table.get(row, "sen")).upper()
            if raw not in SEN:
                problems.add(
                    number, "sen", f"'{raw}' is not a SEN provision code (blank, N, K or E)"
                )
            fields["sen"] = SEN.get(raw, "")
        if table.has("ehcp") and problems.convert(
            number, "ehcp", parse_bool, table.get(row, "ehcp")
        ):
            fields["sen"] = EHCP
        admitted, left = fields.get("admission_date"), fields.get("leaving_date")
        if admitted and left and left < admitted:
            problems.add(number, "leaving_date", "leaving date is before the admission date")
        result.append(PupilRow(number, fields))
    problems.raise_if_any()
    return result
