"""The audit log: append-only (triggers refuse UPDATE and DELETE) and a hash chain (store/chain.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from attendance_desk.store.chain import append_audit
from attendance_desk.store.db import local_text, now_iso

if TYPE_CHECKING:
    from attendance_desk.store.db import Store


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    user: str
    action: str
    subject: str
    detail: str


class AuditRepo:
    def __init__(self, store: Store):
        self.store = store

    def log(self, user: str, action: str, subject: str = "", detail: str = "") -> None:
        """Append one entry, sealed into the audit chain (with the users' state when it changed)."""
        with self.store.write():
            append_audit(self.store.conn, now_iso(), user, action, subject, detail)

    def entries(self, since: str = "", until: str = "9999") -> list[AuditEntry]:
        rows = self.store.query("SELECT * FROM audit WHERE at >= ? AND at <= ? ORDER BY id", (since, until))
        return [AuditEntry(r["id"], local_text(r["at"]), r["user"], r["action"], r["subject"], r["detail"]) for r in rows]
