"""The database engine under the store (docs/server.md, step 1): what the repositories need from a
database, said once, so that the same repositories can run on the school file (SQLite, the default)
and later on a PostgreSQL server.

`Store` holds an `Engine`; the repositories call `store.query`, `store.execute` and
`store.insert_id`, never a connection. What SQLite does with `PRAGMA`s (the file's version, its
integrity check, the write-ahead log's checkpoint, how long to wait for another PC's save, overwriting
deleted content) is an engine method here, so the PostgreSQL engine can say the same in its own
terms. `SqliteEngine` is the `sqlite3` connection the store always used, with the same behaviour:
each method is the statement the store ran before, and `query` hands back `sqlite3.Row`s straight
from the connection (no Python layer per row)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

from sqlite_utils import Database

if TYPE_CHECKING:
    from pathlib import Path

    from attendance_desk.domain.progress import Progress

Params = Sequence[Any] | dict[str, Any]

# Now, as the store keeps every timestamp (UTC, to the second): SQL that the triggers and
# migrations use, one spelling per engine, giving the same text (so the hash chains agree).
SQLITE_NOW = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"


class Cursor(Protocol):
    """What a statement gives back: its rows and the number of rows it changed."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Executor(Protocol):
    """Anything that runs statements: an `Engine`, or (in the SQLite migrations, which sqlite-utils
    runs on the connection itself) a bare `sqlite3.Connection`. The hash chains (store/chain.py) take
    either."""

    def execute(self, sql: str, params: Params = ..., /) -> Any: ...

    def executemany(self, sql: str, rows: Any, /) -> Any: ...


class Engine(Protocol):
    """One open database. Rows read by `query` support both `row[0]` and `row["name"]`."""

    name: ClassVar[str]
    now_sql: ClassVar[str]
    # the engine's own exceptions: any database error; a busy/locked/disk failure; a refused write
    Error: ClassVar[type[Exception]]
    OperationalError: ClassVar[type[Exception]]
    IntegrityError: ClassVar[type[Exception]]

    def execute(self, sql: str, params: Params = ()) -> Cursor: ...

    def executemany(self, sql: str, rows: Any) -> Cursor: ...

    def query(self, sql: str, params: Params = ()) -> list[Any]: ...

    def busy(self, exc: BaseException) -> bool:
        """Is `exc` another writer holding the lock for longer than we wait?"""
        ...

    def insert_id(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT and give the id of the row it added."""
        ...

    # ---- transactions: Store.write() is the one path for changes
    @property
    def in_transaction(self) -> bool: ...

    def begin(self, exclusive: bool = False) -> None:
        """Open the write transaction and take the writer lock (one writer at a time); `exclusive`
        also keeps readers out for its length (a file on a network drive)."""
        ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def savepoint(self) -> contextlib.AbstractContextManager[Any]:
        """A nested part of the open transaction, undone alone if it fails."""
        ...

    def reading(self) -> contextlib.AbstractContextManager[None]:
        """One read transaction for the block (every read sees one moment), unless one is open."""
        ...

    def wait_at_most(self, ms: int) -> contextlib.AbstractContextManager[None]:
        """For the block, wait at most `ms` for another writer's lock (then the engine's busy
        error), instead of the usual wait."""
        ...

    # ---- what SQLite does by PRAGMA
    def schema_version(self) -> int: ...

    def integrity_problems(
        self,
        full: bool = False,
        progress: Progress | None = None,
        start: int = 0,
        end: int = 1000,
        total: int = 1000,
    ) -> list[str]:
        """The engine's own check of the stored data (empty when sound)."""
        ...

    def foreign_key_problems(self) -> list[str]: ...

    def table_columns(self, table: str) -> list[str]: ...

    def cancellable(self, progress: Progress | None) -> contextlib.AbstractContextManager[None]:
        """Statements inside the block stop soon after the job is cancelled (raises Cancelled)."""
        ...

    def erasing(self) -> contextlib.AbstractContextManager[None]:
        """Deleted content is overwritten inside the block, not left readable in free space."""
        ...

    def compact(self) -> bool:
        """Give back free space (after a removal for good); False if another program holds the
        database and it has to wait for the next time."""
        ...

    def checkpoint(self) -> None:
        """Everything committed is in the main database (before the file is copied or replaced)."""
        ...

    def copy_into(
        self, path: Path, pages: int, step: Callable[[int, int], None] | None = None
    ) -> None:
        """A copy of the whole database, as it is at this moment, as a new school file (SQLite)
        at `path`; `step(done, total)` reports progress."""
        ...

    def close(self) -> None: ...


class SqliteEngine:
    """The school file: one `sqlite3` connection (row factory `sqlite3.Row`), set up by
    store/db.py's `open_store`. `conn` stays reachable for the code that is SQLite's own: the
    migrations (sqlite-utils), the online backup API and the checks of a copy (store/backup.py)."""

    name: ClassVar[str] = "sqlite"
    now_sql: ClassVar[str] = SQLITE_NOW
    Error: ClassVar[type[Exception]] = sqlite3.Error
    OperationalError: ClassVar[type[Exception]] = sqlite3.OperationalError
    IntegrityError: ClassVar[type[Exception]] = sqlite3.IntegrityError

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._db = Database(conn)  # its `atomic()` makes the savepoints of nested writes
        # the connection's own methods, bound once: a statement costs what it did before
        self.execute = conn.execute
        self.executemany = conn.executemany

    def query(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def busy(self, exc: BaseException) -> bool:
        return "locked" in str(exc) or "busy" in str(exc)

    def insert_id(self, sql: str, params: Params = ()) -> int:
        row_id = self.conn.execute(sql, params).lastrowid
        if row_id is None:  # not an INSERT
            raise ValueError(f"insert_id needs an INSERT statement, not: {sql[:60]}")
        return row_id

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    def begin(self, exclusive: bool = False) -> None:
        self.conn.execute("BEGIN EXCLUSIVE" if exclusive else "BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.conn.commit()

    def rollback(self) -> None:
        self.conn.rollback()

    def savepoint(self) -> contextlib.AbstractContextManager[Database]:
        return self._db.atomic()

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        own = not self.conn.in_transaction
        if own:
            self.conn.execute("BEGIN")
        try:
            self.conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # the snapshot
            yield
        finally:
            if own and self.conn.in_transaction:
                self.conn.rollback()

    @contextlib.contextmanager
    def wait_at_most(self, ms: int) -> Iterator[None]:
        waited = self.conn.execute("PRAGMA busy_timeout").fetchone()[0]
        self.conn.execute(f"PRAGMA busy_timeout = {int(ms)}")
        try:
            yield
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {int(waited)}")

    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def integrity_problems(
        self,
        full: bool = False,
        progress: Progress | None = None,
        start: int = 0,
        end: int = 1000,
        total: int = 1000,
    ) -> list[str]:
        """SQLite's quick_check, or with `full` its integrity_check (store/backup.py)."""
        from attendance_desk.store import backup

        return backup.structure_problems(self.conn, full, progress, start, end, total)

    def foreign_key_problems(self) -> list[str]:
        return [
            f"{r[0]} row {r[1]} refers to a missing {r[2]}"
            for r in self.conn.execute("PRAGMA foreign_key_check")
        ]

    def table_columns(self, table: str) -> list[str]:
        return [r[1] for r in self.conn.execute(f'PRAGMA table_info("{table}")')]

    def cancellable(self, progress: Progress | None) -> contextlib.AbstractContextManager[None]:
        from attendance_desk.store import backup

        return backup.cancellable(self.conn, progress)

    @contextlib.contextmanager
    def erasing(self) -> Iterator[None]:
        before = self.conn.execute("PRAGMA secure_delete").fetchone()[0]
        self.conn.execute("PRAGMA secure_delete = ON")
        try:
            yield
        finally:
            self.conn.execute(f"PRAGMA secure_delete = {int(before)}")

    def compact(self) -> bool:
        """A checkpoint that empties the write-ahead log, VACUUM, and another checkpoint."""
        self.checkpoint()
        try:
            self.conn.execute("VACUUM")
            done = True
        except sqlite3.OperationalError:
            done = False
        self.checkpoint()
        return done

    def checkpoint(self) -> None:
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def copy_into(
        self, path: Path, pages: int, step: Callable[[int, int], None] | None = None
    ) -> None:
        """A copy of the whole database as a new SQLite file at `path`, by SQLite's online backup
        API (other users carry on), `pages` at a time, `step(copied, total)` after each."""
        dest = sqlite3.connect(str(path))
        try:
            dest.execute("PRAGMA synchronous = OFF")  # flushed once, when complete (atomic_path)

            def progress(_status: int, remaining: int, total: int) -> None:
                if step is not None:
                    step(total - remaining, total)

            self.conn.backup(dest, pages=pages, progress=progress)
            dest.execute("PRAGMA journal_mode = DELETE")  # a backup is one self-contained file
        finally:
            dest.close()

    def close(self) -> None:
        self.conn.close()


def as_engine(conn: Executor) -> Engine:
    """An engine for `conn`: itself, or a bare SQLite connection (the migrations, a backup copy
    being checked) wrapped for the call."""
    if isinstance(conn, sqlite3.Connection):
        return SqliteEngine(conn)
    return cast("Engine", conn)
