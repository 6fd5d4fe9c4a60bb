"""Messages for the school's texting service: the first-day-call list's families (their preferred
mobile number: the first contact in ring order who has one), or the addressees of a day's letters,
as a CSV of name, number and message that the common school messaging services import. Nothing is
sent from Attendance Desk; the export is audited, and cells a spreadsheet would run as a formula
are written as text (exporters/inert.py)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from attendance_desk.domain.calls import ContactForCalls
from attendance_desk.domain.roles import Permission
from attendance_desk.presentation import dmy
from attendance_desk.services.calls import call_list
from attendance_desk.services.letters import salutation
from attendance_desk.services.school import ServiceError
from attendance_desk.services.users import authorize
from attendance_desk.store.db import Store

CALL_MESSAGE = (
    "Dear {salutation}, {pupils} {is_are} not in school today ({date}) and we have not been told "
    "why. Please ring the school office on {phone} today. {school}"
)
LETTER_MESSAGE = (
    "Dear {salutation}, we have posted you a letter today about {pupils}'s attendance (our ref "
    "{ref}). Please ring {phone} if you have any questions. {school}"
)
PLACEHOLDERS = ("salutation", "name", "pupils", "is_are", "date", "school", "phone", "ref")
HEADER = ("name", "number", "message")
MOBILE = re.compile(r"^(?:\+44|0044|0)7\d{9}$")


@dataclass(frozen=True)
class Message:
    name: str
    number: str
    message: str
    about: str  # the pupils, for the preview (not exported)


def mobile_number(contact: ContactForCalls) -> str | None:
    """The contact's first UK mobile number, digits only (07…), or None."""
    for phone in contact.phones:
        digits = re.sub(r"[^\d+]", "", phone.number)
        if MOBILE.match(digits):
            return "0" + digits[-10:]
    return None


def _fill(template: str, values: dict[str, str]) -> str:
    unknown = set(re.findall(r"\{([^{}]*)\}", template)) - set(PLACEHOLDERS)
    if unknown:
        raise ServiceError(
            f"the message has a placeholder Attendance Desk does not know: "
            f"{', '.join('{' + u + '}' for u in sorted(unknown))} (it knows: "
            f"{', '.join('{' + p + '}' for p in PLACEHOLDERS)})"
        )
    text = template
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return " ".join(text.split())


def _names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def call_messages(
    store: Store, day: date, session: str = "AM", template: str = CALL_MESSAGE
) -> tuple[list[Message], list[str]]:
    """One message per family on the call list, to the first contact in ring order with a mobile
    number; families with none are listed (ring them)."""
    school = store.settings.school()
    messages, skipped = [], []
    for family in call_list(store, day, session).families:
        first_names = [p.pupil.name.split()[0] for p in family.pupils]
        about = ", ".join(p.pupil.name for p in family.pupils)
        chosen = next(
            ((c, n) for c in family.contacts if (n := mobile_number(c)) is not None), None
        )
        if chosen is None:
            skipped.append(f"{about}: no UK mobile number (07…) recorded, ring instead")
            continue
        contact, number = chosen
        values = {
            "salutation": salutation(contact.name),
            "name": contact.name,
            "pupils": _names(first_names),
            "is_are": "are" if len(first_names) > 1 else "is",
            "date": f"{dmy(day)}",
            "school": school.name,
            "phone": school.phone,
            "ref": "",
        }
        messages.append(Message(contact.name, number, _fill(template, values), about))
    return messages, skipped


def letter_messages(
    store: Store, day: date, template_key: str | None = None, template: str = LETTER_MESSAGE
) -> tuple[list[Message], list[str]]:
    """One message per letter issued on `day` (of one template, if given; not voided), to its
    addressee's mobile number: 'we have posted you a letter'."""
    school = store.settings.school()
    messages, skipped = [], []
    pupils = {p.id: p for p in store.pupils.all()}
    contacts = store.contacts.for_pupils()
    for pupil_id, pupil in pupils.items():
        for letter in store.letters.for_pupil(pupil_id):
            if letter.void or letter.letter_date != day:
                continue
            if template_key and letter.template != template_key:
                continue
            contact = next(
                (c for c in contacts.get(pupil_id, []) if c.contact_id == letter.contact_id), None
            )
            number = mobile_number(contact) if contact else None
            about = f"{pupil.name} ({letter.reference})"
            if number is None:
                skipped.append(
                    f"{letter.addressee} about {about}: no UK mobile number (07…) recorded"
                )
                continue
            values = {
                "salutation": salutation(letter.addressee),
                "name": letter.addressee,
                "pupils": (pupil.preferred_name or pupil.forename),
                "is_are": "is",
                "date": f"{dmy(day)}",
                "school": school.name,
                "phone": school.phone,
                "ref": letter.reference,
            }
            messages.append(Message(letter.addressee, number, _fill(template, values), about))
    if not messages and not skipped:
        which = f"'{template_key}' " if template_key else ""
        raise ServiceError(f"no {which}letters were issued on {dmy(day)}")
    return messages, skipped


def export_messages(
    store: Store, messages: Sequence[Message], path: Path, by: str, source: str
) -> Path:
    """Write the CSV (name, number, message) whole or not at all, and audit it. Nothing is sent."""
    from attendance_desk.exporters.inert import csv_row
    from attendance_desk.files import write_bytes

    authorize(store, by, Permission.CALLS)
    if not messages:
        raise ServiceError("no messages to export: nobody on the list has a mobile number")
    with io.StringIO(newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        out.writerows(csv_row([m.name, m.number, m.message]) for m in messages)
        write_bytes(path, fh.getvalue().encode("utf-8-sig"))
    with store.write():
        store.audit.log(
            by,
            "messages exported",
            str(path),
            f"{len(messages)} messages for the texting service ({source}); nothing sent",
        )
    return Path(path)
