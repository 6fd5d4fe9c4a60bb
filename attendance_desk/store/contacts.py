"""Contacts: adults linked to one or more pupils (siblings share them)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from attendance_desk.domain.calls import ContactForCalls, Phone
from attendance_desk.domain.people import Contact, Link
from attendance_desk.store.dialect import dialect

if TYPE_CHECKING:
    import sqlite3

    from attendance_desk.store.db import Store


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def identity_keys(contact: Contact) -> list[tuple[str, str]]:
    """The same person appears once: same name and the same phone, or same name and address."""
    name = _norm(contact.name)
    keys = [(name, "tel:" + _norm(p.number)) for p in contact.phones if _norm(p.number)]
    if _norm(contact.address) or _norm(contact.postcode):
        keys.append((name, "addr:" + _norm(contact.address) + _norm(contact.postcode)))
    return keys


def _contact_from_row(row: sqlite3.Row) -> Contact:
    phones = tuple(
        Phone(kind=p.get("kind", ""), number=p["number"]) for p in json.loads(row["phones"])
    )
    return Contact(
        id=row["id"],
        name=row["name"],
        email=row["email"],
        address=row["address"],
        postcode=row["postcode"],
        phones=phones,
    )


def _phones_json(phones: tuple[Phone, ...]) -> str:
    return json.dumps([{"kind": p.kind, "number": p.number} for p in phones])


class ContactRepo:
    def __init__(self, store: Store):
        self.store = store

    def all(self) -> list[Contact]:
        return [
            _contact_from_row(r) for r in self.store.query("SELECT * FROM contacts ORDER BY id")
        ]

    def find_same_person(self, contact: Contact, known: dict[tuple[str, str], int]) -> int | None:
        for key in identity_keys(contact):
            if key in known:
                return known[key]
        return None

    def identity_index(self) -> dict[tuple[str, str], int]:
        index: dict[tuple[str, str], int] = {}
        for contact in self.all():
            for key in identity_keys(contact):
                index.setdefault(key, contact.id)
        return index

    def add(self, contact: Contact) -> int:
        with self.store.write():
            return self.store.insert_id(
                "INSERT INTO contacts(name, email, address, postcode, phones) VALUES (?, ?, ?, ?, ?)",
                (
                    contact.name,
                    contact.email,
                    contact.address,
                    contact.postcode,
                    _phones_json(contact.phones),
                ),
            )

    def merge_details(self, contact_id: int, contact: Contact) -> bool:
        """Fill in details the stored contact lacks (a second phone, an email) without losing any;
        True if anything was added."""
        rows = self.store.query("SELECT * FROM contacts WHERE id = ?", (contact_id,))
        held = _contact_from_row(rows[0])
        phones = list(held.phones)
        known = {_norm(p.number) for p in phones}
        phones += [p for p in contact.phones if _norm(p.number) not in known]
        merged = Contact(
            id=contact_id,
            name=held.name,
            email=held.email or contact.email,
            address=held.address or contact.address,
            postcode=held.postcode or contact.postcode,
            phones=tuple(phones),
        )
        if merged == held:
            return False
        with self.store.write():
            self.store.execute(
                "UPDATE contacts SET email = ?, address = ?, postcode = ?, phones = ? WHERE id = ?",
                (
                    merged.email,
                    merged.address,
                    merged.postcode,
                    _phones_json(merged.phones),
                    contact_id,
                ),
            )
        return True

    def link(self, link: Link) -> bool:
        """Link a contact to a pupil (or update the link); True if anything changed."""
        is_not = dialect(self.store.engine).is_not
        with self.store.write():
            changed = self.store.execute(
                "INSERT INTO pupil_contacts(pupil_id, contact_id, relationship, parental_responsibility, "
                "priority, lives_with) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(pupil_id, contact_id) DO UPDATE SET relationship = excluded.relationship, "
                "parental_responsibility = excluded.parental_responsibility, priority = excluded.priority, "
                "lives_with = excluded.lives_with WHERE "  # the row there, named (PostgreSQL asks)
                f"pupil_contacts.relationship {is_not} excluded.relationship "
                f"OR pupil_contacts.parental_responsibility {is_not} excluded.parental_responsibility "
                f"OR pupil_contacts.priority {is_not} excluded.priority "
                f"OR pupil_contacts.lives_with {is_not} excluded.lives_with",
                (
                    link.pupil_id,
                    link.contact_id,
                    link.relationship,
                    int(link.parental_responsibility),
                    link.priority,
                    int(link.lives_with),
                ),
            ).rowcount
            return changed > 0

    def for_pupils(self, pupil_ids: list[int] | None = None) -> dict[int, list[ContactForCalls]]:
        sql = (
            "SELECT pc.pupil_id, pc.relationship, pc.parental_responsibility, pc.priority, "
            "pc.lives_with, c.* FROM pupil_contacts pc JOIN contacts c ON c.id = pc.contact_id"
        )
        params: list = []
        wanted = None if pupil_ids is None else set(pupil_ids)
        if wanted is not None and len(wanted) <= 5_000:  # a call list: ask for just those pupils
            sql += (
                f" WHERE pc.pupil_id IN ({','.join('?' * len(wanted))})"
                if wanted
                else " WHERE 1 = 0"
            )
            params = sorted(wanted)
        rows = self.store.query(sql + " ORDER BY pc.pupil_id, pc.priority, c.name", params)
        result: dict[int, list[ContactForCalls]] = {}
        for row in rows:
            if wanted is not None and row["pupil_id"] not in wanted:
                continue
            contact = _contact_from_row(row)
            result.setdefault(row["pupil_id"], []).append(
                ContactForCalls(
                    contact_id=contact.id,
                    name=contact.name,
                    relationship=row["relationship"],
                    parental_responsibility=bool(row["parental_responsibility"]),
                    priority=row["priority"],
                    phones=contact.phones,
                    lives_with_pupil=bool(row["lives_with"]),
                    email=contact.email,
                    address=contact.address,
                    postcode=contact.postcode,
                )
            )
        return result

    def count(self) -> int:
        return self.store.query("SELECT COUNT(*) FROM contacts")[0][0]


def home_addresses(contacts_of: dict[int, list[ContactForCalls]]) -> dict[int, tuple[str, str]]:
    """Each pupil's home: the address of the first contact (by priority) who lives with them."""
    homes = {}
    for pupil_id, contacts in contacts_of.items():
        home = next((c for c in contacts if c.lives_with_pupil and (c.address or c.postcode)), None)
        if home:
            homes[pupil_id] = (home.address, home.postcode)
    return homes
