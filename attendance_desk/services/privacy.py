"""Data protection: everything held on one pupil (a subject access request), and retention — archive
then remove pupils who left long ago. Registers are kept for at least six years (2024 regulations)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from attendance_desk.domain.people import Pupil
from attendance_desk.domain.roles import Permission
from attendance_desk.exporters.inert import csv_row
from attendance_desk.services.marks import find_pupil
from attendance_desk.services.school import ServiceError
from attendance_desk.services.users import authorize
from attendance_desk.store.chain import remove_for_good
from attendance_desk.store.db import Store

KEEP_YEARS = 6


def _plain(value: Any) -> Any:  # JSON-able: dates as ISO text, tuples as lists
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _everything(store: Store, pupil: Pupil) -> dict[str, bytes]:
    """One pupil's data as files: a JSON of every record and a CSV of the register. Other pupils'
    data (brothers and sisters sharing a contact, say) is not included."""
    contacts = store.contacts.for_pupils([pupil.id]).get(pupil.id, [])
    marks = store.marks.for_pupil(pupil.id, date(1900, 1, 1), date(2999, 12, 31))
    record = {
        "pupil": _plain(asdict(pupil)),
        "contacts": [_plain(asdict(c)) for c in contacts],
        "mark_history": [_plain(asdict(e)) for e in store.marks.history(pupil.id)],
        "casework": [
            {**_plain(asdict(e)), "at": e.at.isoformat()}
            for e in store.casework.for_pupil(pupil.id)
        ],
        "support_map_steps": [_plain(asdict(e)) for e in store.stages.events(pupil.id)],
        "letters": [_plain(asdict(x)) for x in store.letters.for_pupil(pupil.id)],
        "meetings": [_plain(asdict(m)) for m in store.meetings.meetings(pupil.id)],
        "plans": [_plain(asdict(p)) for p in store.meetings.plans(pupil.id)],
        **_pastoral(store, pupil),
    }
    register = io.StringIO()
    out = csv.writer(register)
    out.writerow(["date", "session", "code", "minutes_late", "recorded_by", "recorded_at"])
    out.writerows(
        csv_row(
            [m.date.isoformat(), m.session, m.code, m.minutes_late, m.recorded_by, m.recorded_at]
        )
        for m in marks
    )  # inert: a formula-like name is text
    return {
        "record.json": json.dumps(record, indent=2, ensure_ascii=False).encode(),
        "register.csv": register.getvalue().encode("utf-8-sig"),
    }


def _pastoral(store: Store, pupil: Pupil) -> dict:
    """Part-time timetables (with their reviews), medical evidence, decisions on illness without it,
    and written offers of early help."""
    from attendance_desk.domain.part_time import sessions_text

    return {
        "part_time_timetables": [
            {
                **_plain(asdict(t)),
                "attends": sessions_text(t.attends),
                "provision": sessions_text(t.provision),
                "reviews": [_plain(asdict(r)) for r in store.pastoral.reviews(t.id)],
            }
            for t in store.pastoral.timetables(pupil.id)
        ],
        "medical_evidence": [_plain(asdict(e)) for e in store.pastoral.evidence([pupil.id])],
        "illness_decisions": [_plain(asdict(d)) for d in store.pastoral.decisions([pupil.id])],
        "early_help_offers": [_plain(asdict(o)) for o in store.pastoral.offers(pupil.id)],
    }


def subject_access_export(store: Store, upn: str, out: Path, by: str) -> Path:
    """A ZIP of everything held on one pupil, for a subject access request."""
    authorize(store, by, Permission.EXPORT)
    pupil = find_pupil(store, upn)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in _everything(store, pupil).items():
            archive.writestr(name, data)
    store.audit.log(by, "subject access export", pupil.upn, str(out))
    return out


def due_for_removal(store: Store, today: date, keep_years: int = KEEP_YEARS) -> list:
    """Pupils who left more than `keep_years` years ago."""
    cutoff = date(today.year - keep_years, today.month, min(today.day, 28))
    return [p for p in store.pupils.all() if p.leaving_date and p.leaving_date < cutoff]


def _refuse_a_pcs_login(store: Store) -> None:
    """On a server a retention removal is IT's (docs/server.md, "Retention removal on a server"):
    it deletes for good, so PostgreSQL lets only the schema's owner do it; a PC's login in the
    application's role is refused here, before anything is archived, naming the command IT runs
    (the same command, connected as the owner, signed in as an administrator of the school)."""
    from attendance_desk.store.schema_pg import may_remove_for_good
    from attendance_desk.store.server import migrate_command, parse_address

    if may_remove_for_good(store.engine):
        return
    command = migrate_command(parse_address(store.where)).removesuffix(" migrate")
    raise ServiceError(
        "on the school's server, removing pupils for good is done by IT, connected as the "
        "database's owner: nothing was archived or removed. Ask whoever looks after the server "
        f"to run `{command} --as ADMIN retention --apply --archive FOLDER` (ADMIN: an "
        "administrator of Attendance Desk)"
    )


def archive_and_remove(
    store: Store, today: date, folder: Path, by: str, keep_years: int = KEEP_YEARS
) -> list[str]:
    """Write each long-gone pupil's data to an archive file, then remove them from the school file.
    The register's delete guards let a removal through only for pupils listed in this transaction."""
    authorize(store, by, Permission.SETTINGS)
    if keep_years < KEEP_YEARS:
        raise ServiceError(f"registers must be kept for at least {KEEP_YEARS} years")
    pupils = due_for_removal(store, today, keep_years)
    if pupils and store.on_server:
        _refuse_a_pcs_login(store)
    if not pupils:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    removed = []
    for pupil in pupils:
        path = folder / f"archive-{pupil.upn}-{today.isoformat()}.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in _everything(store, pupil).items():
                archive.writestr(name, data)
    # removed for real: overwritten, the file compacted, the audit told how many (not who); on a
    # server, removed from the database and reclaimed by the server's own maintenance (the audit
    # says so: chain.SERVER_REMOVAL)
    counts = remove_for_good(
        store,
        [p.id for p in pupils],
        by,
        f"pupils who left more than {keep_years} years ago, archived in {folder}",
    )
    if counts.get("compacted") == 0:  # a file another program held (no count on a server)
        store.audit.log(
            by,
            "retention: compaction postponed",
            "",
            "another program held the file: the removed rows were overwritten with zeros "
            "(secure_delete) but the file was not compacted (VACUUM)",
        )
    removed += [pupil.upn for pupil in pupils]
    return removed
