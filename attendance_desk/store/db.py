"""Opening the school file: checks, pragmas, migrations, and the single write path."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from attendance_desk.errors import UserError
from attendance_desk.store.engine import Cursor, Engine, Params, SqliteEngine
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
    """One school database, through its engine (store/engine.py). Reads go straight to it
    (`query`); changes go through `write()`. Its repositories (`store.pupils`, ...) are declared in
    store/repositories.py.

    A school file: `path` is the file, `server_address` None. A school on a server (store/server.py):
    `server_address` is its address without the password (what to show), and `path` this PC's
    own place for that school, never written itself (`server.local_home`: the documents folder
    beside it is named as a file's is)."""

    def __init__(
        self, path: Path, engine: Engine, location: Location = LOCAL, address: str | None = None
    ):
        self.path = path
        self.engine = engine
        self.server_address = address if address is not None else _address_of(path, engine)
        self.location = location  # on a network location: rollback journal, exclusive writes
        self._depth = 0
        self.busy_timeout_ms = BUSY_TIMEOUT_MS
        self._open_repositories()

    @property
    def on_server(self) -> bool:
        """The school's database is on a server (PostgreSQL), not in a file."""
        return self.engine.name != "sqlite"

    @property
    def where(self) -> str:
        """The school as the user knows it: the file's path, or the server's address."""
        return self.server_address or str(self.path)

    @property
    def conn(self) -> sqlite3.Connection:
        """The SQLite connection itself, for what only a school file has (the tests read it with
        plain SQL, as the sqlite3 shell would); the program's own code goes through the engine
        (docs/server.md, step 1)."""
        if not isinstance(self.engine, SqliteEngine):
            raise AttributeError(f"a {self.engine.name} store has no SQLite connection")
        return self.engine.conn

    def execute(self, sql: str, params: Params = ()) -> Cursor:
        return self.engine.execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> Cursor:
        return self.engine.executemany(sql, rows)

    def query(self, sql: str, params: Params = ()) -> list[Any]:
        return self.engine.query(sql, params)

    def insert_id(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT; the id of the row it added."""
        return self.engine.insert_id(sql, params)

    @contextlib.contextmanager
    def write(self) -> Iterator[Store]:
        """One short write transaction (`BEGIN IMMEDIATE` on the file): all of it or none of it is
        written. Nested calls become savepoints. Yields the store itself."""
        engine = self.engine
        if self._depth:
            self._depth += 1
            try:
                with engine.savepoint():
                    yield self
            finally:
                self._depth -= 1
            return
        if engine.in_transaction:  # a statement outside write() opened one: its work would be lost
            raise RuntimeError(
                "a transaction was left open outside Store.write(): refusing to nest in it"
            )
        try:
            # on a share, take the whole file for the write at once (docs/reliability.md)
            engine.begin(exclusive=self.location.network)
        except engine.OperationalError as exc:
            if engine.busy(exc):
                what = "the school's database" if self.on_server else "the school file"
                raise StoreBusy(
                    f"{what} is busy: another computer has been saving to it for more than "
                    f"{self.busy_timeout_ms // 1000} s. Nothing was changed; try again in a moment"
                ) from None
            raise _disk_error(exc, self.path) or exc from None
        replaced = self.replaced()
        if replaced:  # a backup was restored in place of this file since it was opened
            engine.rollback()
            raise StoreError(
                f"nothing was saved: {replaced}. This is the file that was replaced; close it and "
                f"open the school file again"
            )
        self._depth = 1
        try:
            yield self
        except engine.OperationalError as exc:
            if engine.in_transaction:
                engine.rollback()
            problem = _disk_error(exc, self.path)
            if problem is None:
                raise
            raise problem from None
        except BaseException:
            if engine.in_transaction:
                engine.rollback()
            raise
        else:
            try:
                engine.commit()
            except engine.OperationalError as exc:
                if engine.in_transaction:
                    engine.rollback()
                raise _disk_error(exc, self.path) or exc from None
        finally:
            self._depth = 0

    def replaced(self) -> str | None:
        """The note left in this file when a backup was restored in its place (services/backups):
        a window or command still holding it must not save into a file nobody will open again."""
        try:
            row = self.engine.execute(
                "SELECT value FROM settings WHERE key = 'replaced'"
            ).fetchone()
        except self.engine.OperationalError:  # no settings table yet (a file being created)
            return None
        return row[0] if row else None

    def close(self) -> None:
        audit = getattr(self, "audit", None)
        if audit is not None and audit.pending:  # a sign-in entry kept back while another PC saved
            with contextlib.suppress(StoreError, self.engine.Error), self.write():
                audit.flush_pending()
        self.engine.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _address_of(path: Path, engine: Engine) -> str | None:
    """A server store made without its address (the tests' `Path("postgresql://…")`): the path as
    an address again (a Path keeps one slash of the two)."""
    if engine.name == "sqlite":
        return None
    from attendance_desk.store.server import without_password

    text = str(path)
    for scheme in ("postgresql:/", "postgres:/"):
        if text.startswith(scheme) and not text.startswith(scheme + "/"):
            text = scheme + "/" + text[len(scheme) :]
    return without_password(text)


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
    store = Store(path, SqliteEngine(conn), location)
    _bring_in_shipped_defaults(store)
    return store


def _bring_in_shipped_defaults(store: Store) -> None:
    """A new Attendance Desk may ship new default wording: documents the school has not edited move
    to it, edited ones are kept (store/documents.py). Busy or read-only: left for the next open."""
    from attendance_desk.store.documents import SHIPPED_BY, refresh_shipped, shipped_is_current

    if shipped_is_current(store.engine):
        return
    # a glance: opening never waits on another PC
    with store.engine.wait_at_most(200), contextlib.suppress(StoreError), store.write():
        for change in refresh_shipped(store.engine, now_iso()):
            store.audit.log(SHIPPED_BY, "school document: new shipped default", change)


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
        if tables:  # a school file from an earlier version: kept as it was before it changes
            keep_before_upgrade(conn, path, version)
        migrations.apply(db)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.commit()


def keep_before_upgrade(conn: sqlite3.Connection, path: Path, version: int) -> Path:
    """Before an earlier version's school file is brought up to this one, a copy of it as it was,
    in the school's backup folder (`backups` beside the file unless the school chose another): an
    upgrade that goes wrong half-way (a full disk, a fault in a migration) can always be undone by
    putting the copy back. Its name ("before version N") is not a routine backup's, so rotation
    never removes it. The copy is made with SQLite's backup API, checked with quick_check, and
    named only once it passes; if it cannot be made, the file is not upgraded and nothing changes."""
    row = None
    with contextlib.suppress(sqlite3.Error):  # the oldest files have no settings yet
        row = conn.execute("SELECT value FROM settings WHERE key = 'school'").fetchone()
    chosen = ""
    with contextlib.suppress(ValueError, TypeError, AttributeError):
        if row is not None:
            chosen = json.loads(row[0]).get("backup_folder") or ""
    folder = Path(chosen) if chosen else path.parent / "backups"
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = folder / f"{path.stem}-before-version-{SCHEMA_VERSION}-{stamp}.sqlite"
    partial = target.with_name(target.name + ".partial")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        copy = sqlite3.connect(str(partial))
        try:
            conn.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # one file, whatever the school file uses
            result = copy.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            copy.close()
        if result != "ok":
            raise sqlite3.DatabaseError(f"the copy did not check: {result}")
        partial.replace(target)
    except (OSError, sqlite3.Error) as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise StoreError(
            f"{path} is from an earlier version of Attendance Desk (file version {version}) and "
            f"must be brought up to this one (version {SCHEMA_VERSION}); first a copy of it as it "
            f"is must be kept in {folder}, and that failed: {exc}. Nothing was changed; make room "
            "there or choose another backup folder with the earlier version, then open it again"
        ) from None
    return target


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
    """The engine's full integrity check and its foreign-key check."""
    problems = store.engine.integrity_problems(full=True)
    problems += [f"foreign key: {p}" for p in store.engine.foreign_key_problems()]
    return problems
