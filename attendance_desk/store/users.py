"""Users of the school file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from attendance_desk.store.db import now_iso

if TYPE_CHECKING:
    from attendance_desk.store.db import Store


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    password_hash: str
    active: bool


class UserRepo:
    def __init__(self, store: Store):
        self.store = store

    def any(self) -> bool:
        return bool(self.store.query("SELECT 1 FROM users LIMIT 1"))

    def by_name(self, name: str) -> User | None:
        rows = self.store.query("SELECT * FROM users WHERE name = ?", (name,))
        return User(rows[0]["id"], rows[0]["name"], rows[0]["role"], rows[0]["password_hash"],
                    bool(rows[0]["active"])) if rows else None

    def all(self) -> list[User]:
        return [User(r["id"], r["name"], r["role"], r["password_hash"], bool(r["active"]))
                for r in self.store.query("SELECT * FROM users ORDER BY name")]

    def add(self, name: str, role: str, password_hash: str) -> None:
        with self.store.write() as db:
            db.execute("INSERT INTO users(name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                       (name, role, password_hash, now_iso()))

    def update(self, name: str, role: str | None = None, password_hash: str | None = None,
               active: bool | None = None) -> None:
        with self.store.write() as db:
            if role is not None:
                db.execute("UPDATE users SET role = ? WHERE name = ?", (role, name))
            if password_hash is not None:
                db.execute("UPDATE users SET password_hash = ? WHERE name = ?", (password_hash, name))
            if active is not None:
                db.execute("UPDATE users SET active = ? WHERE name = ?", (int(active), name))
