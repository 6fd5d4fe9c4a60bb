"""The school's own documents, kept in the school's database and versioned: letter and form
templates, support maps, the letterhead logo and the head's signature. One school, one truth: every
PC reads the same wording, and the install folder is only read (its files are the shipped defaults).

Each change is a new row (`version` + 1) with who and when; rows are never changed or deleted
(triggers refuse it). A version is either a shipped default as shipped (`shipped` holds the
SHA-256 of the file it was copied from) or the school's own edit (`shipped` is NULL). When a new
Attendance Desk ships a different default, a document still at an earlier shipped default moves to
the new one; a document the school edited keeps the school's wording (`refresh_shipped`)."""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from attendance_desk.paths import app_root

if TYPE_CHECKING:
    from attendance_desk.store.db import Store
    from attendance_desk.store.engine import Executor

LETTER, FORM, SUPPORT_MAP, LOGO, SIGNATURE = "letter", "form", "support_map", "logo", "signature"
TEXT_KINDS = (LETTER, FORM, SUPPORT_MAP)
KINDS = (LETTER, FORM, SUPPORT_MAP, LOGO, SIGNATURE)
SHIPPED_BY = "Attendance Desk (shipped default)"

SCHEMA = """
CREATE TABLE school_documents (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,          -- letter, form, support_map, logo, signature
    name TEXT NOT NULL,          -- stage1, parenting_contract, support_map.toml, logo, the head's user name
    version INTEGER NOT NULL,
    content BLOB,                -- UTF-8 text or image bytes; NULL: removed (a signature taken away)
    shipped TEXT,                -- SHA-256 of the shipped file this version is; NULL: the school's edit
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    UNIQUE (kind, name, version)
);
CREATE TRIGGER school_documents_no_update BEFORE UPDATE ON school_documents
BEGIN
    SELECT RAISE(ABORT, 'school documents are versioned: save a new version, never change one');
END;
CREATE TRIGGER school_documents_no_delete BEFORE DELETE ON school_documents
BEGIN
    SELECT RAISE(ABORT, 'school documents keep their history: versions cannot be deleted');
END;
"""


@dataclass(frozen=True)
class DocumentVersion:
    kind: str
    name: str
    version: int
    content: bytes | None
    shipped: bool  # this version is a shipped default, as shipped
    recorded_by: str
    recorded_at: str  # UTC, as stored
    reason: str

    @property
    def text(self) -> str:
        return (self.content or b"").decode("utf-8")


def shipped_defaults(root: Path | None = None) -> list[tuple[str, str, bytes]]:
    """(kind, name, content) of every default shipped in the install folder (read, never written)."""
    root = root or app_root()
    found = []
    for kind, folder, pattern, suffix in (
        (LETTER, root / "letter_templates", "*.txt.j2", ".txt.j2"),
        (FORM, root / "letter_templates" / "forms", "*.txt.j2", ".txt.j2"),
        (SUPPORT_MAP, root / "resources", "support_map.toml", ""),
        (SUPPORT_MAP, root / "resources" / "support_maps", "*.toml", ""),
    ):
        for path in sorted(folder.glob(pattern)):
            name = path.name.removesuffix(suffix) if suffix else path.name
            found.append((kind, name, path.read_bytes()))
    return found


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def refresh_shipped(conn: Executor, at: str, root: Path | None = None) -> list[str]:
    """Bring in the shipped defaults: a document the file lacks is copied in; one still at an earlier
    shipped default moves to the new one; one the school edited is left as the school has it. Returns
    what changed, in words. Call inside a write (or a migration)."""
    changed = []
    latest = {  # each document's latest version (a join: PostgreSQL has no bare column by max)
        (r[0], r[1]): (r[2], r[3])
        for r in conn.execute(
            "SELECT d.kind, d.name, d.version, d.shipped FROM school_documents d JOIN ("
            " SELECT kind, name, max(version) AS v FROM school_documents GROUP BY kind, name"
            ") m ON m.kind = d.kind AND m.name = d.name AND m.v = d.version"
        )
    }
    for kind, name, content in shipped_defaults(root):
        sha = digest(content)
        version, shipped = latest.get((kind, name), (0, None))
        if version and (shipped is None or shipped == sha):
            continue  # the school's own edit, or already this default
        conn.execute(
            "INSERT INTO school_documents(kind, name, version, content, shipped, recorded_by, "
            "recorded_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                kind,
                name,
                version + 1,
                content,
                sha,
                SHIPPED_BY,
                at,
                "the new shipped default" if version else "copied in from the install folder",
            ),
        )
        if version:
            changed.append(f"{kind} {name}: the shipped default changed (version {version + 1})")
    return changed


def shipped_is_current(conn: Executor, root: Path | None = None) -> bool:
    """Cheap check at every open: does the file already hold every shipped default it should?"""
    try:
        latest = {
            (r[0], r[1]): r[2]
            for r in conn.execute(
                "SELECT d.kind, d.name, d.shipped FROM school_documents d JOIN ("
                " SELECT kind, name, max(version) AS v FROM school_documents GROUP BY kind, name"
                ") m ON m.kind = d.kind AND m.name = d.name AND m.v = d.version"
            )
        }
    except sqlite3.OperationalError:  # no table yet: the migration brings them in
        return True
    for kind, name, content in shipped_defaults(root):
        if (kind, name) not in latest:
            return False
        shipped = latest[(kind, name)]
        if shipped is not None and shipped != digest(content):
            return False
    return True


def _version(row: sqlite3.Row) -> DocumentVersion:
    content = row["content"]
    return DocumentVersion(
        row["kind"],
        row["name"],
        row["version"],
        bytes(content) if content is not None else None,
        row["shipped"] is not None,
        row["recorded_by"],
        row["recorded_at"],
        row["reason"],
    )


class DocumentRepo:
    def __init__(self, store: Store):
        self.store = store

    def current(self, kind: str, name: str) -> DocumentVersion | None:
        rows = self.store.query(
            "SELECT * FROM school_documents WHERE kind = ? AND name = ? "
            "ORDER BY version DESC LIMIT 1",
            (kind, name),
        )
        return _version(rows[0]) if rows else None

    def version(self, kind: str, name: str, version: int) -> DocumentVersion | None:
        rows = self.store.query(
            "SELECT * FROM school_documents WHERE kind = ? AND name = ? AND version = ?",
            (kind, name, version),
        )
        return _version(rows[0]) if rows else None

    def latest(self, kind: str | None = None) -> list[DocumentVersion]:
        """The current version of every document (of one kind), removed ones included."""
        rows = self.store.query(  # the CAST: PostgreSQL cannot tell the type of a bare `? IS NULL`
            "SELECT d.* FROM school_documents d JOIN ("
            " SELECT kind, name, max(version) AS v FROM school_documents GROUP BY kind, name"
            ") m ON m.kind = d.kind AND m.name = d.name AND m.v = d.version "
            "WHERE CAST(? AS TEXT) IS NULL OR d.kind = ? ORDER BY d.kind, d.name",
            (kind, kind),
        )
        return [_version(r) for r in rows]

    def texts(self, kind: str) -> dict[str, str]:
        """name -> current text of every document of a text kind that is not removed."""
        return {d.name: d.text for d in self.latest(kind) if d.content is not None}

    def history(self, kind: str, name: str) -> list[DocumentVersion]:
        rows = self.store.query(
            "SELECT * FROM school_documents WHERE kind = ? AND name = ? ORDER BY version",
            (kind, name),
        )
        return [_version(r) for r in rows]

    def save(
        self,
        kind: str,
        name: str,
        content: bytes | None,
        by: str,
        at: str,
        reason: str = "",
        shipped: str | None = None,
    ) -> int:
        """A new version (inside the caller's write); returns its number."""
        current = self.current(kind, name)
        version = (current.version if current else 0) + 1
        self.store.execute(
            "INSERT INTO school_documents(kind, name, version, content, shipped, recorded_by, "
            "recorded_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (kind, name, version, content, shipped, by, at, reason),
        )
        return version
