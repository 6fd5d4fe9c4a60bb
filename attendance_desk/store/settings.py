"""School settings as typed values with defaults, declared once."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from attendance_desk.store.db import Store


@dataclass(frozen=True)
class SchoolSettings:
    name: str = ""
    urn: str = ""
    local_authority: str = ""
    la_number: str = ""
    estab_number: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    head_teacher: str = ""
    attendance_lead: str = ""
    named_ewo: str = ""
    am_register_opens: str = "08:45"
    am_register_closes: str = "09:15"
    pm_register_opens: str = "13:00"
    pm_register_closes: str = "13:30"
    support_map: str = "support_map.toml"
    # at 1 September: "keep" (a pupil mid-process keeps the stage and the process; the thresholds count this
    # year's absence) or "restart" (every pupil starts the year with no stage)
    stages_at_year_start: str = "keep"
    logo: str = ""  # path to the school's logo (PNG or JPEG) for the letterhead
    backup_folder: str = (
        ""  # where backups go (a network drive, say); empty: beside the school file
    )
    last_backup: str = ""  # when the last good backup was made (ISO)
    head_signature: str = (
        ""  # no longer used (was a path on disk): the image is in the file, on the head's account
    )
    lock_minutes: str = (
        "10"  # the window locks after this many idle minutes (when users are set up)
    )
    # leave of absence: the head replies within this many school days (Widnes: 10); the users the
    # head has delegated decisions to (names, comma-separated)
    leave_decision_days: str = "10"
    leave_delegates: str = ""
    # penalty notices, the local authority's code of conduct (national: 10 sessions in 10 school weeks)
    penalty_sessions: str = "10"
    penalty_weeks: str = "10"
    # children missing education: refer after this many school days of unexplained absence
    cme_days: str = "10"
    # punctuality: late marks (L) in a half-term for the first and the second lateness letter (school
    # policy; services/lateness.py)
    lateness_letter1: str = "5"
    lateness_letter2: str = "10"


class SettingsRepo:
    KEY = "school"

    def __init__(self, store: Store):
        self.store = store

    def school(self) -> SchoolSettings:
        row = self.store.query("SELECT value FROM settings WHERE key = ?", (self.KEY,))
        data = json.loads(row[0][0]) if row else {}
        known = {f.name for f in fields(SchoolSettings)}
        return SchoolSettings(**{k: v for k, v in data.items() if k in known})

    def save_school(self, settings: SchoolSettings) -> None:
        with self.store.write() as db:
            db.execute(
                "INSERT INTO settings(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (self.KEY, json.dumps(asdict(settings))),
            )

    FULL_CHECK = "last_full_check"

    def last_full_check(self) -> dict | None:
        """When the full integrity check last ran to the end and what it found (services/check.py):
        {"at": ISO time, "by": user, "problems": how many it found}."""
        row = self.store.query("SELECT value FROM settings WHERE key = ?", (self.FULL_CHECK,))
        return json.loads(row[0][0]) if row else None

    def save_last_full_check(self, record: dict) -> None:
        with self.store.write() as db:
            db.execute(
                "INSERT INTO settings(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (self.FULL_CHECK, json.dumps(record)),
            )

    REPLACED = "replaced"

    def mark_replaced(self, note: str) -> None:
        """Leave a note in this file that a backup was restored in its place: Store.write() then refuses."""
        with self.store.write() as db:
            db.execute(
                "INSERT INTO settings(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (self.REPLACED, note),
            )

    def clear_replaced(self) -> None:
        """Take the note off (a restored copy of a replaced file is the school file again). Outside
        Store.write(), which refuses while the note is there."""
        conn = self.store.conn
        if not self.store.replaced():
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DELETE FROM settings WHERE key = ?", (self.REPLACED,))
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
