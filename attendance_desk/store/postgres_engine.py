"""The store's engine on a PostgreSQL server (docs/server.md, step 2c): the `Engine` of
store/engine.py over one psycopg 3 connection.

Opened by store/server.py (`--db postgresql://…` and the window's *Connect to the school's
server…*, step 8), the only module of the program that reaches it; psycopg is imported here and in
store/server.py only when a server is asked for, so a PC with school files alone never loads it.

- The store's common SQL (`?` placeholders) is turned into psycopg's (`%s`) by `pg_sql`, cached
  per statement text.
- Rows read by index and by name (`row[0]`, `row["name"]`), as `sqlite3.Row`: a tuple whose class
  knows the statement's column names (one class per set of names, cached).
- The connection is in autocommit: a read outside `Store.write()` holds no transaction open, as on
  the file; `begin()` opens the write transaction and takes the school's writer lock
  (`pg_advisory_xact_lock`), released at COMMIT or ROLLBACK. Readers never wait.
- `wait_at_most(ms)` is PostgreSQL's `lock_timeout`; a write that waited longer is `busy`.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import psycopg
from psycopg import errors as pg_errors
from psycopg.pq import TransactionStatus

from attendance_desk.store.postgres import pg_sql

if TYPE_CHECKING:
    from attendance_desk.domain.progress import Progress
    from attendance_desk.store.engine import Engine, Params

# Now as the store keeps every timestamp: the same text as SQLite's
# strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), so rows hash alike on both engines.
POSTGRES_NOW = "to_char(now() at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
# The key of the writer lock: one writer at a time per database (docs/server.md, concurrency).
WRITER_LOCK = 0x41_74_74_44  # "AttD"
STATEMENT_TIMEOUT_MS = 120_000  # a runaway statement is stopped by the server
# How long a save waits for another PC's (the writer lock, or a row another tool holds) before
# it is told the school is busy: as long as on the file (store/db.py BUSY_TIMEOUT_MS).
LOCK_TIMEOUT_MS = 10_000


class Row(tuple):
    """One row: `row[0]` and `row["name"]` (names as PostgreSQL gives them, lower case for an
    unquoted name; looked up case-insensitively, as `sqlite3.Row` does), `keys()`, `dict(row)`."""

    __slots__ = ()
    _index: ClassVar[dict[str, int]] = {}
    _names: ClassVar[tuple[str, ...]] = ()

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            try:
                key = self._index[key]
            except KeyError:
                try:
                    key = self._index[key.lower()]
                except KeyError:
                    raise IndexError(f"no such column: {key}") from None
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


@lru_cache(maxsize=512)
def _row_class(names: tuple[str, ...]) -> type[Row]:
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        index.setdefault(name, i)  # the first of two equal names, as sqlite3.Row
        index.setdefault(name.lower(), i)
    return type("Row", (Row,), {"__slots__": (), "_index": index, "_names": names})


def row_factory(cursor: Any) -> Callable[[Sequence[Any]], Row]:
    """psycopg's row factory: the row class for the columns of the statement just run."""
    description = cursor.description
    if description is None:
        return Row
    return _row_class(tuple(column.name for column in description))


class PostgresEngine:
    """One connection to the school's database on a PostgreSQL server."""

    name: ClassVar[str] = "postgresql"
    now_sql: ClassVar[str] = POSTGRES_NOW
    Error: ClassVar[type[Exception]] = psycopg.Error
    # what Store.write() treats as a failed write (busy, or the connection or server gone)
    OperationalError: ClassVar[type[Exception]] = psycopg.OperationalError
    IntegrityError: ClassVar[type[Exception]] = psycopg.IntegrityError

    def __init__(self, conn: psycopg.Connection[Any]):
        self.conn = conn

    @classmethod
    def connect(cls, conninfo: str = "", **kwargs: Any) -> PostgresEngine:
        """Connect (`conninfo`: a `postgresql://` address or `key=value` pairs; `kwargs` as
        psycopg's), in autocommit, rows by index and name, a server-side statement timeout, and a
        save that waits longer than the file's for another PC's is told the school is busy."""
        conn = psycopg.connect(conninfo, autocommit=True, row_factory=row_factory, **kwargs)
        conn.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
        conn.execute(f"SET lock_timeout = {LOCK_TIMEOUT_MS}")
        return cls(conn)

    # ---- statements
    def execute(self, sql: str, params: Params = ()) -> psycopg.Cursor[Any]:
        if params:
            return self.conn.execute(pg_sql(sql), params)
        return self.conn.execute(sql)

    def executemany(self, sql: str, rows: Any) -> psycopg.Cursor[Any]:
        cursor = self.conn.cursor()
        cursor.executemany(pg_sql(sql), rows)
        return cursor

    def copy_in(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Rows into `table` by one `COPY … FROM STDIN`: the bulk writes' temporary table
        (store/marks.py). For a year's 762,000 marks executemany's one INSERT a row took 26 s
        (13 s of it this process's CPU, 8 s the server's), COPY 1 s (docs/benchmarks.md)."""
        listed = ", ".join(f'"{c}"' for c in columns)
        with self.conn.cursor().copy(f"COPY {table} ({listed}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def query(self, sql: str, params: Params = ()) -> list[Any]:
        return self.execute(sql, params).fetchall()

    def insert_id(self, sql: str, params: Params = ()) -> int:
        """The INSERT with `RETURNING id`: the id of the row it added."""
        statement = sql.rstrip().rstrip(";")
        if not statement.lstrip().upper().startswith("INSERT"):
            raise ValueError(f"insert_id needs an INSERT statement, not: {sql[:60]}")
        row = self.execute(statement + " RETURNING id", params).fetchone()
        return row[0]

    def busy(self, exc: BaseException) -> bool:
        return isinstance(exc, pg_errors.LockNotAvailable | pg_errors.QueryCanceled) and (
            "lock timeout" in str(exc)
        )

    # ---- transactions
    @property
    def in_transaction(self) -> bool:
        return self.conn.info.transaction_status != TransactionStatus.IDLE

    def begin(self, exclusive: bool = False) -> None:
        """BEGIN, then the school's writer lock (held to COMMIT or ROLLBACK). `exclusive` (a file
        on a network drive) means nothing on a server: readers never wait."""
        self.conn.execute("BEGIN")
        try:
            self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))
        except BaseException:
            self.rollback()
            raise

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        if self.in_transaction:
            self.conn.execute("ROLLBACK")

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[PostgresEngine]:
        name = f"nested_{secrets.token_hex(8)}"
        self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield self
        except BaseException:
            if self.in_transaction:
                self.conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                self.conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            self.conn.execute(f"RELEASE SAVEPOINT {name}")

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """One snapshot for the block (REPEATABLE READ), unless a transaction is already open."""
        own = not self.in_transaction
        if own:
            self.conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            yield
        finally:
            if own:
                self.rollback()

    @contextlib.contextmanager
    def wait_at_most(self, ms: int) -> Iterator[None]:
        before = self.conn.execute("SHOW lock_timeout").fetchone()[0]
        self.conn.execute(f"SET lock_timeout = {int(ms)}")
        try:
            yield
        finally:
            self.conn.execute("SELECT set_config('lock_timeout', %s, false)", (before,))

    # ---- what SQLite does by PRAGMA
    def schema_version(self) -> int:
        """The number of migrations applied, kept in `settings` (docs/server.md: PostgreSQL has no
        user_version); 0 for an empty database."""
        if self.conn.execute("SELECT to_regclass('settings')").fetchone()[0] is None:
            return 0
        row = self.conn.execute(
            "SELECT value FROM settings WHERE key = 'schema_version'"
        ).fetchone()
        return int(row[0]) if row else 0

    def integrity_problems(
        self,
        full: bool = False,
        progress: Progress | None = None,
        start: int = 0,
        end: int = 1000,
        total: int = 1000,
    ) -> list[str]:
        """Nothing for the program to check: the pages and indexes of a server's database are the
        server's (data checksums, amcheck, and the IT department's own checks and dumps)."""
        if progress is not None:
            progress(end, total)
        return []

    def foreign_key_problems(self) -> list[str]:
        """None: PostgreSQL enforces every foreign key at all times."""
        return []

    def table_columns(self, table: str) -> list[str]:
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s "
                "ORDER BY ordinal_position",
                (table,),
            )
        ]

    @contextlib.contextmanager
    def cancellable(self, progress: Progress | None) -> Iterator[None]:
        """A Cancel cancels the statement running on the server (psycopg's `cancel`)."""
        from attendance_desk.domain.progress import Cancelled, stopping

        try:
            with stopping(progress, self.conn.cancel_safe):
                yield
        except pg_errors.QueryCanceled:
            if getattr(progress, "stopped", False):
                raise Cancelled from None
            raise

    @contextlib.contextmanager
    def erasing(self) -> Iterator[None]:
        """Nothing to switch on: deleted rows are gone from the server's files once `compact()`
        (VACUUM) has run."""
        yield

    def compact(self) -> bool:
        """VACUUM (outside a transaction; the connection is in autocommit)."""
        try:
            self.conn.execute("VACUUM")
        except psycopg.Error:
            return False
        return True

    def checkpoint(self) -> None:
        """Nothing to do: every committed transaction is in the server's database."""

    def copy_into(
        self, path: Path, pages: int, step: Callable[[int, int], None] | None = None
    ) -> None:
        raise NotImplementedError(
            "a copy of a server's database as a school file is `copy-to` (docs/server.md, step 7)"
        )

    def close(self) -> None:
        self.conn.close()


if TYPE_CHECKING:  # the type checker holds PostgresEngine to the Engine protocol

    def _is_an_engine(engine: PostgresEngine) -> Engine:
        return engine
