"""Importing files: parse and check everything, then write all of it in one transaction, or nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from attendance_desk.domain.calendar import SchoolCalendar
from attendance_desk.domain.people import Link, Pupil
from attendance_desk.domain.roles import Permission
from attendance_desk.importers.contacts import ContactRow, parse_contacts
from attendance_desk.importers.ctf import parse_ctf
from attendance_desk.importers.marks import ParsedMarks, parse_marks
from attendance_desk.importers.pupils import parse_pupils
from attendance_desk.importers.tabular import ImportRefused, Problem
from attendance_desk.services.school import ServiceError, codes
from attendance_desk.services.users import authorize
from attendance_desk.store.contacts import identity_keys
from attendance_desk.store.db import Store

KINDS = ("pupils", "contacts", "marks", "ctf")


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
    notes: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # "UPN dd/mm/yyyy AM: N -> I" (dry runs)

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
    # progress(done, total) may raise domain.progress.Cancelled: the transaction is rolled back.
    authorize(store, by, Permission.IMPORT)
    report = ImportReport(kind=kind, file=path.name, dry_run=dry_run)
    try:
        with store.write():
            {"pupils": _pupils, "contacts": _contacts, "marks": _marks, "ctf": _ctf}[kind](
                store, path, by, today, report, progress
            )
            if dry_run:
                raise _DryRun
            store.audit.log(by, f"import {kind}", path.name,
                            f"{report.rows} rows: {report.added} added, {report.changed} changed")
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
    report.rows = len(rows)
    report.added, report.changed, report.unchanged = _write_contacts(store, rows, ids)


def _write_contacts(store: Store, rows: list[ContactRow], ids: dict[str, int]) -> tuple[int, int, int]:
    """Each person once (name and phone, or name and address), linked to each of their pupils."""
    index = store.contacts.identity_index()
    added = changed = unchanged = 0
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
            added += 1
        elif link_changed or details_changed:
            changed += 1
        else:
            unchanged += 1
    return added, changed, unchanged


def _marks(store: Store, path: Path, by: str, today: date, report: ImportReport, progress) -> None:
    pupils = {p.upn: p for p in store.pupils.all()}
    calendar = SchoolCalendar(store.calendar.terms(), store.calendar.closures())
    parsed = parse_marks(
        path, pupils, codes(), calendar, today,
        progress=(lambda n: progress(n, 0)) if progress else None,
    )
    report.rows = parsed.rows_read
    _write_marks(store, parsed, by, path, report, progress)


def _write_marks(store: Store, parsed: ParsedMarks, by: str, path: Path, report: ImportReport, progress) -> None:
    result = store.marks.add_or_amend_many(
        parsed.rows(store.pupils.ids_by_upn()), by=by, source="import", reason=f"import {path.name}",
        progress=progress, total=len(parsed), preview=report.dry_run,
    )
    report.added, report.changed, report.unchanged = result.added, result.amended, result.unchanged
    if len(parsed):  # the sessions it fills have had their registers taken (marks entered ahead aside)
        first, last = date.fromordinal(min(parsed.day)), date.fromordinal(max(parsed.day))
        store.marks.record_registers_taken_from_marks(first, last, codes().register_taking_codes(),
                                                     f"{by} (import {path.name})")
    if report.dry_run:
        upns = {pid: upn for upn, pid in store.pupils.ids_by_upn().items()}
        report.changes = [
            f"{upns[pid]} {date.fromisoformat(day):%d/%m/%Y} {session}: {old} -> {new}"
            for pid, day, session, old, new in result.changes
        ]


def _ctf(store: Store, path: Path, by: str, today: date, report: ImportReport, progress) -> None:
    existing = {p.upn: p for p in store.pupils.all()}
    calendar = SchoolCalendar(store.calendar.terms(), store.calendar.closures())
    content = parse_ctf(path, existing, codes(), calendar, today, store.settings.school().estab_number)
    merged = [replace(existing.get(f["upn"]) or Pupil(id=None, upn=f["upn"], surname="", forename=""),
                      **{k: v for k, v in f.items() if not k.startswith("_")}) for f in content.pupils]
    pupils_added, pupils_changed = store.pupils.upsert_many(merged)
    contacts_added, contacts_changed, _ = _write_contacts(store, content.contacts, store.pupils.ids_by_upn())
    report.rows = len(content.marks)
    _write_marks(store, content.marks, by, path, report, progress)
    report.notes.append(f"CTF {content.version} from {content.source_school}")
    report.notes.append(f"pupils: {pupils_added} added, {pupils_changed} changed, "
                        f"{len(merged) - pupils_added - pupils_changed} unchanged")
    report.notes.append(f"contacts: {contacts_added} added, {contacts_changed} updated or linked to a sibling")
    report.notes += [f"not imported: {s}" for s in content.skipped]
    report.notes += content.readings
