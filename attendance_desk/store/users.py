"""Users of the school file."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from attendance_desk.domain.records import User
from attendance_desk.store.db import now_iso

if TYPE_CHECKING:
    from attendance_desk.store.db import Store


class UserRepo:
    def __init__(self, store: Store):
        self.store = store

    def any(self) -> bool:
        return bool(self.store.query("SELECT 1 FROM users LIMIT 1"))

    COLUMNS = "id, name, role, password_hash, active, failed_signins, locked_until"

    @staticmethod
    def _user(r: sqlite3.Row) -> User:
        return User(
            r["id"],
            r["name"],
            r["role"],
            r["password_hash"],
            bool(r["active"]),
            r["failed_signins"] or 0,
            r["locked_until"] or "",
        )

    def by_name(self, name: str) -> User | None:
        rows = self.store.query(f"SELECT {self.COLUMNS} FROM users WHERE name = ?", (name,))
        return self._user(rows[0]) if rows else None

    def all(self) -> list[User]:
        return [
            self._user(r)
            for r in self.store.query(f"SELECT {self.COLUMNS} FROM users ORDER BY name")
        ]

    def active_admins(self) -> list[str]:
        return [
            r[0]
            for r in self.store.query("SELECT name FROM users WHERE role = 'admin' AND active = 1")
        ]

    def record_failure(self, name: str, locked_until: str) -> None:
        with self.store.write():
            self.store.execute(
                "UPDATE users SET failed_signins = failed_signins + 1, locked_until = ? WHERE name = ?",
                (locked_until or None, name),
            )

    def clear_failures(self, name: str) -> None:
        with self.store.write():
            self.store.execute(
                "UPDATE users SET failed_signins = 0, locked_until = NULL WHERE name = ?", (name,)
            )

    def signature(self, name: str) -> bytes | None:
        """The current version of the user's signature image (store/documents.py keeps each one)."""
        from attendance_desk.store.documents import SIGNATURE

        current = self.store.documents.current(SIGNATURE, name)
        return current.content if current and current.content else None

    def set_signature(self, name: str, image: bytes | None, by: str = "") -> None:
        from attendance_desk.store.documents import SIGNATURE

        with self.store.write():
            self.store.documents.save(
                SIGNATURE,
                name,
                image or None,
                by or name,
                now_iso(),
                "stored" if image else "removed",
            )

    def add(self, name: str, role: str, password_hash: str) -> None:
        with self.store.write():
            self.store.execute(
                "INSERT INTO users(name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                (name, role, password_hash, now_iso()),
            )

    def update(
        self,
        name: str,
        role: str | None = None,
        password_hash: str | None = None,
        active: bool | None = None,
    ) -> None:
        with self.store.write():
            if role is not None:
                self.store.execute("UPDATE users SET role = ? WHERE name = ?", (role, name))
            if password_hash is not None:  # a new password also ends any lock-out
                self.store.execute(
                    "UPDATE users SET password_hash = ?, failed_signins = 0, locked_until = NULL "
                    "WHERE name = ?",
                    (password_hash, name),
                )
            if active is not None:
                self.store.execute(
                    "UPDATE users SET active = ? WHERE name = ?", (int(active), name)
                )


def file_has_users(path: Path) -> bool:
    """Does this school file (a backup, say) have users? Read-only; an unreadable file counts as none."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        return conn.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None
    except sqlite3.Error:
        return False
    finally:
        conn.close()
