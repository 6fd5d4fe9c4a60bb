"""Copies of the school file made with SQLite's online backup API (safe while the file is in use),
checked before they are trusted."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from attendance_desk.files import atomic_path, clean_leftovers
from attendance_desk.store.db import SQLITE_MAGIC, StoreError
from attendance_desk.store.schema import MIGRATION_SET, SCHEMA_VERSION

if TYPE_CHECKING:
    from attendance_desk.store.db import Store


def copy_to(store: Store, target: Path) -> None:
    """A consistent copy of the live file, page by page, without stopping other users. Written under
    a temporary name in the same folder and renamed only once it is complete and verified; a copy
    left by a killed backup (also an old-style `*.partial`) is removed by the next backup."""
    with atomic_path(target) as partial:
        clean_leftovers(target.parent, also=("*.sqlite.partial",))
        dest = sqlite3.connect(str(partial))
        try:
            store.conn.backup(dest, pages=4096)
            dest.execute("PRAGMA journal_mode = DELETE")  # a backup is a single self-contained file
        finally:
            dest.close()
        problems = verify_copy(partial)
        if problems:
            raise StoreError(f"the backup did not verify: {problems[0]}")


def verify_copy(path: Path) -> list[str]:
    """Is this an intact Attendance Desk school file this version can open?"""
    if not path.is_file() or path.stat().st_size == 0:
        return [f"{path} is missing or empty"]
    with path.open("rb") as fh:
        if fh.read(16) != SQLITE_MAGIC:
            return [f"{path} is not an SQLite database"]
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            return [f"integrity check: {r}" for r in result]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            return [f"{path} was written by a newer Attendance Desk (version {version})"]
        ours = (
            conn.execute("SELECT 1 FROM sqlite_master WHERE name = '_sqlite_migrations'").fetchone()
            and conn.execute(
                "SELECT 1 FROM _sqlite_migrations WHERE migration_set = ?", (MIGRATION_SET,)
            ).fetchone()
        )
        if not ours:
            return [f"{path} is not an Attendance Desk school file"]
        return []
    except sqlite3.DatabaseError as exc:
        return [f"{path} cannot be read: {exc}"]
    finally:
        conn.close()


def checkpoint(store: Store) -> None:
    """Fold the write-ahead log into the main file (before the file itself is copied or replaced)."""
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
