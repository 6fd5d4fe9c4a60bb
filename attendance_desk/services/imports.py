"""Importing files: parse and check everything first, with reads only; then write all of it in one short
transaction, or nothing. A dry run never writes and never takes the write lock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from attendance_desk.domain.calendar import SchoolCalendar
from attendance_desk.domain.people import Link, Pupil
from attendance_desk.domain.progress import Progress
from attendance_desk.domain.roles import Permission
from attendance_desk.importers.contacts import ContactRow, parse_contacts
from attendance_desk.importers.ctf import parse_ctf
from attendance_desk.importers.marks import ParsedMarks, parse_marks
from attendance_desk.importers.pupils import parse_pupils
from attendance_desk.importers.tabular import ImportRefused, Problem
from attendance_desk.presentation import dmy
from attendance_desk.services.registers import register_clock
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
        parts = [
            f"{self.rows} rows read",
            f"{self.added} {verb} added".replace("  ", " "),
            f"{self.changed} {verb} changed".replace("  ", " "),
            f"{self.unchanged} unchanged",
        ]
        return f"{self.file}: " + ", ".join(parts)


def import_file(
    store: Store,
    kind: str,
    path: Path,
    by: str,
    today: date,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Read and check the whole file first, with reads only (no lock: others keep saving); then, unless
    this is a dry run, write all of it in one short transaction, or nothing. A dry run and a refused
    (junk) file never take the write lock."""
    if kind not in KINDS:
        raise ServiceError(f"unknown import kind '{kind}' (use one of: {', '.join(KINDS)})")
    # progress(done, total) may raise domain.progress.Cancelled: nothing has been written, or the
    # transaction is rolled back.
    authorize(store, by, Permission.IMPORT)
    report = ImportReport(kind=kind, file=path.name, dry_run=dry_run)
    try:
        plan = {
            "pupils": _plan_pupils,
            "contacts": _plan_contacts,
            "marks": _plan_marks,
            "ctf": _plan_ctf,
        }[kind](store, path, today, report, progress)
        if dry_run:
            plan.preview(store, report, progress)
            return report
        with store.write():
            plan.write(store, by, path, report, progress)
            store.audit.log(
                by,
                f"import {kind}",
                path.name,
                f"{report.rows} rows: {report.added} added, {report.changed} changed",
            )
    except ImportRefused as refused:
        report.problems = refused.problems
    return report


@dataclass
class _Plan:
    """What a checked file would write: `preview` counts it with reads only, `write` writes it."""

    pupils: list[Pupil] = field(default_factory=list)
    only_new_pupils: bool = False  # a CTF from another school: never touch a pupil already here
    contacts: list[ContactRow] = field(default_factory=list)
    with_contacts: bool = False
    marks: ParsedMarks | None = None

    def write(
        self, store: Store, by: str, path: Path, report: ImportReport, progress: Progress | None
    ) -> None:
        if self.pupils:
            current = {p.upn for p in store.pupils.all()} if self.only_new_pupils else set()
            fresh = [
                p for p in self.pupils if p.upn not in current
            ]  # one added meanwhile is left alone too
            added, changed = store.pupils.upsert_many(fresh)
            if report.kind == "pupils":
                report.added, report.changed = added, changed
                report.unchanged = report.rows - added - changed
            else:
                report.notes.append(
                    f"pupils: {added} added, {changed} changed, {len(fresh) - added - changed} unchanged"
                    + (
                        f" ({len(self.pupils) - len(fresh)} joined meanwhile, left alone)"
                        if len(fresh) < len(self.pupils)
                        else ""
                    )
                )
        if self.with_contacts:
            counts = _write_contacts(store, self.contacts, store.pupils.ids_by_upn())
            if report.kind == "contacts":
                report.added, report.changed, report.unchanged = counts
            else:
                report.notes.append(
                    f"contacts: {counts[0]} added, {counts[1]} updated or linked to a sibling"
                )
        if self.marks is not None:
            _write_marks(store, self.marks, by, path, report, progress)

    def preview(self, store: Store, report: ImportReport, progress: Progress | None) -> None:
        existing = {p.upn: p for p in store.pupils.all()}
        ids = store.pupils.ids_by_upn()
        if self.pupils:
            added = sum(p.upn not in existing for p in self.pupils)
            changed = sum(
                p.upn in existing and replace(p, id=existing[p.upn].id) != existing[p.upn]
                for p in self.pupils
            )
            if report.kind == "pupils":
                report.added, report.changed, report.unchanged = (
                    added,
                    changed,
                    report.rows - added - changed,
                )
            else:
                report.notes.append(
                    f"pupils: {added} would be added, {changed} changed, "
                    f"{len(self.pupils) - added - changed} unchanged"
                )
            for n, p in enumerate(q for q in self.pupils if q.upn not in ids):
                ids[p.upn] = -(n + 1)  # not in the file yet: none of their marks exist
        if self.with_contacts:
            index = store.contacts.identity_index()
            new = 0
            for n, row in enumerate(self.contacts):
                if store.contacts.find_same_person(row.contact, index) is None:
                    new += 1
                    for key in identity_keys(row.contact):
                        index.setdefault(key, -(n + 1))
            known = len(self.contacts) - new
            if report.kind == "contacts":
                report.added, report.unchanged = new, known
            else:
                report.notes.append(
                    f"contacts: {new} would be added, {known} already known (linked or updated on import)"
                )
        if self.marks is not None:
            result = store.marks.preview_many(
                self.marks.rows(ids), progress=progress, total=len(self.marks)
            )
            report.added, report.changed, report.unchanged = (
                result.added,
                result.amended,
                result.unchanged,
            )
            upns = {pid: upn for upn, pid in ids.items()}
            report.changes = [
                f"{upns[pid]} {dmy(date.fromisoformat(day))} {session}: {old} -> {new}"
                for pid, day, session, old, new in result.changes
            ]


def _merged(existing: dict[str, Pupil], fields: dict) -> Pupil:
    base = existing.get(fields["upn"]) or Pupil(id=None, upn=fields["upn"], surname="", forename="")
    return replace(base, **{k: v for k, v in fields.items() if not k.startswith("_")})


def _plan_pupils(
    store: Store, path: Path, today: date, report: ImportReport, progress: Progress | None
) -> _Plan:
    rows = parse_pupils(path)
    existing = {p.upn: p for p in store.pupils.all()}
    report.rows = len(rows)
    return _Plan(pupils=[_merged(existing, row.fields) for row in rows])


def _plan_contacts(
    store: Store, path: Path, today: date, report: ImportReport, progress: Progress | None
) -> _Plan:
    rows = parse_contacts(path, set(store.pupils.ids_by_upn()))
    report.rows = len(rows)
    return _Plan(contacts=rows, with_contacts=True)


def _write_contacts(
    store: Store, rows: list[ContactRow], ids: dict[str, int]
) -> tuple[int, int, int]:
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
        link_changed = store.contacts.link(
            Link(
                pupil_id=ids[row.upn],
                contact_id=contact_id,
                relationship=row.relationship,
                parental_responsibility=row.parental_responsibility,
                priority=row.priority,
                lives_with=row.lives_with,
            )
        )
        if new:
            added += 1
        elif link_changed or details_changed:
            changed += 1
        else:
            unchanged += 1
    return added, changed, unchanged


def _plan_marks(
    store: Store, path: Path, today: date, report: ImportReport, progress: Progress | None
) -> _Plan:
    pupils = {p.upn: p for p in store.pupils.all()}
    calendar = SchoolCalendar(store.calendar.terms(), store.calendar.closures())
    parsed = parse_marks(
        path,
        pupils,
        codes(),
        calendar,
        today,
        progress=(lambda n: progress(n, 0)) if progress else None,
        clock=register_clock(store, today),
    )
    report.rows = parsed.rows_read
    return _Plan(marks=parsed)


def _write_marks(
    store: Store,
    parsed: ParsedMarks,
    by: str,
    path: Path,
    report: ImportReport,
    progress: Progress | None,
) -> None:
    result = store.marks.add_or_amend_many(
        parsed.rows(store.pupils.ids_by_upn()),
        by=by,
        source="import",
        reason=f"import {path.name}",
        progress=progress,
        total=len(parsed),
    )
    report.added, report.changed, report.unchanged = result.added, result.amended, result.unchanged
    if len(
        parsed
    ):  # the sessions it fills have had their registers taken (marks entered ahead aside)
        first, last = date.fromordinal(min(parsed.day)), date.fromordinal(max(parsed.day))
        store.marks.record_registers_taken_from_marks(
            first, last, codes().register_taking_codes(), f"{by} (import {path.name})"
        )


def _listed(label: str, items: list[str], limit: int = 50) -> str:
    shown = "; ".join(items[:limit]) + (
        f"; and {len(items) - limit} more" if len(items) > limit else ""
    )
    return f"{label} ({len(items)}): {shown}"


def _plan_ctf(
    store: Store, path: Path, today: date, report: ImportReport, progress: Progress | None
) -> _Plan:
    existing = {p.upn: p for p in store.pupils.all()}
    calendar = SchoolCalendar(store.calendar.terms(), store.calendar.closures())
    school = store.settings.school()
    content = parse_ctf(
        path, existing, codes(), calendar, today, school.estab_number, school.la_number
    )
    report.rows = len(content.marks)
    report.notes.append(f"CTF {content.version} from {content.source_school}")
    report.notes += content.notes
    if content.from_other_school:
        verb = "would join" if report.dry_run else "joined"
        report.notes.append(
            "from another school: only pupils new to this school are added; "
            "pupils already here are never renamed or changed"
        )
        if content.joining:
            report.notes.append(
                _listed(
                    f"pupils who {verb} this school (new UPNs"
                    + (", added when you import" if report.dry_run else "")
                    + ")",
                    content.joining,
                )
            )
        if content.left_alone:
            report.notes.append(
                _listed(
                    "already on roll here, left as they are (their details, contacts and marks "
                    "in this file were not used)",
                    content.left_alone,
                )
            )
    report.notes += [f"not imported: {s}" for s in content.skipped]
    report.notes += content.readings
    return _Plan(
        pupils=[_merged(existing, f) for f in content.pupils],
        only_new_pupils=content.from_other_school,
        contacts=content.contacts,
        with_contacts=True,
        marks=content.marks,
    )
