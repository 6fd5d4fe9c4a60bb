"""Importing files: parse and check everything, then write all of it in one transaction, or nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from attendance_desk.domain.calendar import SchoolCalendar
from attendance_desk.domain.people import Link, Pupil
from attendance_desk.importers.contacts import parse_contacts
from attendance_desk.importers.marks import parse_marks
from attendance_desk.importers.pupils import parse_pupils
from attendance_desk.importers.tabular import ImportRefused, Problem
from attendance_desk.services.school import ServiceError, codes
from attendance_desk.store.contacts import identity_keys
from attendance_desk.store.db import Store

KINDS = ("pupils", "contacts", "marks")


@dataclass
class ImportReport:
    kind: str
    file: str
    rows: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if not self.ok:
            return f"{self.file}: {len(self.problems)} problem(s); nothing was imported"
        verb = "would be" if self.dry_run else ""
        parts = [f"{self.rows} rows read", f"{self.added} {verb} added".replace("  ", " "),
                 f"{self.changed} {verb} changed".replace("  ", " "), f"{self.unchanged} unchanged"]
        return f"{self.file}: " + ", ".join(parts)


def import_file(
    store: Store, kind: str, path: Path, by: str, today: date, dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    if kind not in KINDS:
        raise ServiceError(f"unknown import kind '{kind}' (use one of: {', '.join(KINDS)})")
    report = ImportReport(kind=kind, file=path.name, dry_run=dry_run)
    try:
        with store.write():
            {"pupils": _pupils, "contacts": _contacts, "marks": _marks}[kind](
                store, path, by, today, report, progress
            )
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except ImportRefused as refused:
        report.problems = refused.problems
    return report


class _DryRun(Exception):
    """Raised inside the transaction so a dry run rolls back everything it did."""


def _pupils(store: Store, path: Path, by: str, today: date, report: ImportReport, progress) -> None:
    rows = parse_pupils(path)
    existing = {p.upn: p for p in store.pupils.all()}
    merged = []
    for row in rows:
        old = existing.get(row.fields["upn"])
        base = old if old else Pupil(id=None, upn=row.fields["upn"], surname="", forename="")
        merged.append(replace(base, **row.fields))
    report.rows = len(rows)
    report.added, report.changed = store.pupils.upsert_many(merged)
    report.unchanged = report.rows - report.added - report.changed


def _contacts(store: Store, path: Path, by: str, today: date, report: ImportReport, progress) -> None:
    ids = store.pupils.ids_by_upn()
    rows = parse_contacts(path, set(ids))
    index = store.contacts.identity_index()
    report.rows = len(rows)
    for row in rows:
        contact_id = store.contacts.find_same_person(row.contact, index)
        new = contact_id is None
        if new:
            contact_id = store.contacts.add(row.contact)
            details_changed = False
        else:
            details_changed = store.contacts.merge_details(contact_id, row.contact)
        for key in identity_keys(row.contact):
            index.setdefault(key, contact_id)
        link_changed = store.contacts.link(Link(
            pupil_id=ids[row.upn], contact_id=contact_id, relationship=row.relationship,
            parental_responsibility=row.parental_responsibility, priority=row.priority,
            lives_with=row.lives_with,
        ))
        if new:
            report.added += 1
        elif link_changed or details_changed:
            report.changed += 1
        else:
            report.unchanged += 1


def _marks(store: Store, path: Path, by: str, today: date, report: ImportReport, progress) -> None:
    pupils = {p.upn: p for p in store.pupils.all()}
    calendar = SchoolCalendar(store.calendar.terms(), store.calendar.closures())
    parsed = parse_marks(
        path, pupils, codes(), calendar, today,
        progress=(lambda n: progress(n, 0)) if progress else None,
    )
    report.rows = parsed.rows_read
    result = store.marks.add_or_amend_many(
        parsed.rows(store.pupils.ids_by_upn()), by=by, source="import", reason=f"import {path.name}", progress=progress,
        total=len(parsed),
    )
    report.added, report.changed, report.unchanged = result.added, result.amended, result.unchanged
