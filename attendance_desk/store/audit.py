"""The audit log: append-only (triggers refuse UPDATE and DELETE) and a hash chain (store/chain.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from attendance_desk.domain.records import AuditEntry
from attendance_desk.store.chain import append_audit
from attendance_desk.store.db import local_text, now_iso

if TYPE_CHECKING:
    from attendance_desk.store.db import Store


SOON_MS = 200  # how long sign-in's audit entry waits for another PC's save before it is kept back


class AuditRepo:
    def __init__(self, store: Store):
        self.store = store
        self.pending: list[tuple[str, str, str, str, str]] = []  # entries that met a busy file

    def log(self, user: str, action: str, subject: str = "", detail: str = "") -> None:
        """Append one entry, sealed into the audit chain (with the users' state when it changed).
        Entries kept back by `log_soon` go first, with the time they happened."""
        with self.store.write():
            self._flush()
            append_audit(self.store.engine, now_iso(), user, action, subject, detail)

    def log_soon(self, user: str, action: str, subject: str = "", detail: str = "") -> None:
        """For a reader such as sign-in, which must not wait on another PC's save: the entry is written
        now if the file is free, otherwise kept (with its time) and written with the next entry.
        Sign-in alone uses it (services/users.sign_in): every use case that changes data writes its
        entry with `log` inside the same `store.write()` as the change, so both or neither are kept."""
        from attendance_desk.store.db import StoreBusy

        self.pending.append((now_iso(), user, action, subject, detail))
        # a glance, not the usual wait for the lock
        with self.store.engine.wait_at_most(SOON_MS):
            try:
                with self.store.write():
                    self._flush()
            except StoreBusy:
                pass  # kept: written by the next log() or log_soon() on this connection

    def flush_pending(self) -> None:
        """Write the entries kept back (inside the caller's write), oldest first."""
        self._flush()

    def _flush(self) -> None:
        while self.pending:
            append_audit(self.store.engine, *self.pending[0])
            self.pending.pop(0)

    def entries(self, since: str = "", until: str = "9999") -> list[AuditEntry]:
        rows = self.store.query(
            "SELECT * FROM audit WHERE at >= ? AND at <= ? ORDER BY id", (since, until)
        )
        return [
            AuditEntry(
                r["id"], local_text(r["at"]), r["user"], r["action"], r["subject"], r["detail"]
            )
            for r in rows
        ]
