"""Opening the school file: checks, pragmas, migrations, and the single write path."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from attendance_desk.errors import UserError
from attendance_desk.store.location import LOCAL, Location, network_location
from attendance_desk.store.repositories import Repositories
from attendance_desk.store.schema import MIGRATION_SET, SCHEMA_VERSION, migrations

BUSY_TIMEOUT_MS = 10_000
CACHE_KIB = 65_536
SQLITE_MAGIC = b"SQLite format 3\x00"


class StoreError(UserError):
    """The file cannot be used; the message says why and what to do."""


class StoreBusy(StoreError):
    """Another program (another PC on the shared drive) held the file for longer than we wait."""


STORED_TIME = (
    "%Y-%m-%dT%H:%M:%SZ"  # every timestamp in the file: UTC, to the second, sortable as text
)


def now_iso() -> str:
    """Now, as the file keeps every timestamp (the triggers write the same form)."""
    return datetime.now(UTC).strftime(STORED_TIME)


def stored_time(moment: datetime) -> str:
    """A moment as the file keeps it: UTC. A naive datetime is taken as local time."""
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.astimezone(UTC).strftime(STORED_TIME)


def read_time(text: str) -> datetime:
    """A stored timestamp as an aware datetime in local time, for the screen and paper. Older
    forms (a local offset, or no offset: local time) read the same."""
    moment = datetime.fromisoformat(text)
    return moment.astimezone()


def local_text(text: str | None) -> str | None:
    """A stored timestamp as local-time ISO text (what the records the app reads carry)."""
    if not text:
        return text
    try:
        return read_time(text).isoformat(timespec="seconds")
    except ValueError:
        return text


def _refuse_foreign_file(path: Path) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as fh:
        if fh.read(16) != SQLITE_MAGIC:
            raise StoreError(
                f"{path} is not an Attendance Desk school file (not an SQLite database)"
            )


class Store(Repositories):
    """One school file. Reads go straight to the connection; writes go through `write()`. Its
    repositories (`store.pupils`, ...) are declared in store/repositories.py."""

    def __init__(self, path: Path, conn: sqlite3.Connection, location: Location = LOCAL):
        self.path = path
        self.conn = conn
        self.location = location  # on a network location: rollback journal, exclusive writes
        self._depth = 0
        self.busy_timeout_ms = BUSY_TIMEOUT_MS
        self.db = Database(conn)
        self._open_repositories()

    @contextlib.contextmanager
    def write(self) -> Iterator[Database]:
        """One short `BEGIN IMMEDIATE` transaction: all of it or none of it is written.
        Nested calls become savepoints (sqlite-utils' `atomic`)."""
        if self._depth:
            self._depth += 1
            try:
                with self.db.atomic():
                    yield self.db
            finally:
                self._depth -= 1
            return
        if (
            self.conn.in_transaction
        ):  # a statement outside write() opened one: its work would be lost
            raise RuntimeError(
                "a transaction was left open outside Store.write(): refusing to nest in it"
            )
        try:
            # on a share, take the whole file for the write at once (docs/reliability.md)
            self.conn.execute("BEGIN EXCLUSIVE" if self.location.network else "BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreBusy(
                    f"the school file is busy: another computer has been saving to it for more than "
                    f"{self.busy_timeout_ms // 1000} s. Nothing was changed; try again in a moment"
                ) from None
            raise _disk_error(exc, self.path) or exc from None
        replaced = self.replaced()
        if replaced:  # a backup was restored in place of this file since it was opened
            self.conn.rollback()
            raise StoreError(
                f"nothing was saved: {replaced}. This is the file that was replaced; close it and "
                f"open the school file again"
            )
        self._depth = 1
        try:
            yield self.db
        except sqlite3.OperationalError as exc:
            if self.conn.in_transaction:
                self.conn.rollback()
            problem = _disk_error(exc, self.path)
            if problem is None:
                raise
            raise problem from None
        except BaseException:
            if self.conn.in_transaction:
                self.conn.rollback()
            raise
        else:
            try:
                self.conn.commit()
            except sqlite3.OperationalError as exc:
                if self.conn.in_transaction:
                    self.conn.rollback()
                raise _disk_error(exc, self.path) or exc from None
        finally:
            self._depth = 0

    def replaced(self) -> str | None:
        """The note left in this file when a backup was restored in its place (services/backups):
        a window or command still holding it must not save into a file nobody will open again."""
        try:
            row = self.conn.execute("SELECT value FROM settings WHERE key = 'replaced'").fetchone()
        except sqlite3.OperationalError:  # no settings table yet (a file being created)
            return None
        return row[0] if row else None

    def query(self, sql: str, params: tuple | list | dict = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def close(self) -> None:
        audit = getattr(self, "audit", None)
        if audit is not None and audit.pending:  # a sign-in entry kept back while another PC saved
            with contextlib.suppress(StoreError, sqlite3.Error), self.write():
                audit.flush_pending()
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(path: str | Path, create: bool = False) -> Store:
    """Open (or with `create`, make) a school file, refusing anything that is not ours or is newer."""
    path = Path(path)
    if not path.exists() and not create:
        raise StoreError(f"no school file at {path}: run 'attendance-desk init' or 'demo' first")
    _refuse_foreign_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    location = network_location(path)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    try:
        _prepare(conn, path, create, location)
    except BaseException:
        conn.close()
        raise
    store = Store(path, conn, location)
    _bring_in_shipped_defaults(store)
    return store


def _bring_in_shipped_defaults(store: Store) -> None:
    """A new Attendance Desk may ship new default wording: documents the school has not edited move
    to it, edited ones are kept (store/documents.py). Busy or read-only: left for the next open."""
    from attendance_desk.store.documents import SHIPPED_BY, refresh_shipped, shipped_is_current

    if shipped_is_current(store.conn):
        return
    store.conn.execute("PRAGMA busy_timeout = 200")  # a glance: opening never waits on another PC
    try:
        with contextlib.suppress(StoreError), store.write():
            for change in refresh_shipped(store.conn, now_iso()):
                store.audit.log(SHIPPED_BY, "school document: new shipped default", change)
    finally:
        store.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def _prepare(
    conn: sqlite3.Connection, path: Path, create: bool, location: Location = LOCAL
) -> None:
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise _disk_error(exc, path) or StoreError(
            f"{path} cannot be read as a school file: {exc}"
        ) from None
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} was written by a newer Attendance Desk (file version {version}, this program "
            f"understands up to {SCHEMA_VERSION}); install the newer version to open it"
        )
    ours = (
        "_sqlite_migrations" in tables
        and conn.execute(
            "SELECT 1 FROM _sqlite_migrations WHERE migration_set = ? LIMIT 1", (MIGRATION_SET,)
        ).fetchone()
    )
    if tables and not ours:
        raise StoreError(
            f"{path} is a database of another program, not an Attendance Desk school file"
        )
    if not tables and not create:
        raise StoreError(f"{path} is empty: run 'attendance-desk init' first")
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # WAL on a local disk only: "WAL does not work over a network filesystem" (sqlite.org/wal.html).
    # On a share: the rollback journal, every commit synced (docs/reliability.md).
    journal = "DELETE" if location.network else "WAL"
    try:
        mode = conn.execute(f"PRAGMA journal_mode = {journal}").fetchone()[0]
    except sqlite3.OperationalError as exc:
        raise _disk_error(exc, path) or StoreError(f"{path} cannot be opened: {exc}") from None
    if location.network and mode.lower() == "wal":  # another PC holds it open in WAL mode
        raise StoreError(
            f"{path} is on {location.describe()} and another computer has it open in a mode that "
            "is not safe there; close Attendance Desk on the other computers and open it again"
        )
    conn.execute("PRAGMA synchronous = FULL" if location.network else "PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    # Up to 64 MB of page cache (used only as needed): bulk imports update three B-trees of a
    # table with millions of rows, and with the 2 MB default they thrash (measured 7.3 s vs 3.1 s).
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    db = Database(conn)
    if migrations.pending(db):
        migrations.apply(db)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.commit()


def _disk_error(exc: BaseException, path: Path) -> StoreError | None:
    """A full, read-only or locked disk or file, said plainly (not "cannot be read as a school file")."""
    text = str(exc).lower()
    if "disk is full" in text or "no space" in text:
        return StoreError(
            f"the school file {path} could not be written: the disk is full (no space left on the "
            "device). Nothing was changed; free some space and try again"
        )
    if (
        "readonly" in text
        or "read-only" in text
        or "unable to open" in text
        or "permission" in text
    ):
        return StoreError(
            f"the school file {path} could not be written: the file or its folder is read-only or "
            "locked (permissions, a read-only disk, or a file marked unchangeable). Nothing was "
            "changed; ask whoever looks after the computer to make it writable"
        )
    if "disk i/o" in text:
        return StoreError(
            f"the school file {path} could not be written: the disk reported an input/output error "
            "(a removed or failing drive, or a file that is locked). Nothing was changed"
        )
    return None


def integrity_problems(store: Store) -> list[str]:
    rows = store.query("PRAGMA integrity_check")
    problems = [r[0] for r in rows if r[0] != "ok"]
    problems += [
        f"foreign key: {r[0]} row {r[1]} refers to a missing {r[2]}"
        for r in store.query("PRAGMA foreign_key_check")
    ]
    return problems
