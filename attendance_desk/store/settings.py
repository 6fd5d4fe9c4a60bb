"""School settings (domain/records.SchoolSettings) kept as one JSON value in the settings table."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import TYPE_CHECKING

from attendance_desk.domain.records import SchoolSettings

if TYPE_CHECKING:
    from attendance_desk.store.db import Store


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
        with self.store.write():
            self.store.execute(
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
        with self.store.write():
            self.store.execute(
                "INSERT INTO settings(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (self.FULL_CHECK, json.dumps(record)),
            )

    REPLACED = "replaced"

    def mark_replaced(self, note: str) -> None:
        """Leave a note in this file that a backup was restored in its place: Store.write() then refuses."""
        with self.store.write():
            self.store.execute(
                "INSERT INTO settings(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (self.REPLACED, note),
            )

    def clear_replaced(self) -> None:
        """Take the note off (a restored copy of a replaced file is the school file again). Outside
        Store.write(), which refuses while the note is there."""
        engine = self.store.engine
        if not self.store.replaced():
            return
        engine.begin()
        try:
            engine.execute("DELETE FROM settings WHERE key = ?", (self.REPLACED,))
        except BaseException:
            engine.rollback()
            raise
        engine.commit()
