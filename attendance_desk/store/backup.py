"""Copies of the school file made with SQLite's online backup API (safe while the file is in use),
checked before they are trusted, and the structure checks of a file (quick and full).

A routine backup checks its copy with `PRAGMA quick_check` (every page of every table and index read
and its structure checked) and with the app's own checks: every hash chain of the copy (mark history,
audit, letter log) verified, and the chain heads and the number of marks equal to the school file's
at the moment copied. The full `PRAGMA integrity_check` (which also compares every index with its
table, about 25 times longer on a large file) runs on demand and weekly (services/check.py)."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from attendance_desk.domain.progress import Cancelled, Progress, stopping
from attendance_desk.files import atomic_path, clean_leftovers
from attendance_desk.store import chain
from attendance_desk.store.db import SQLITE_MAGIC, StoreError
from attendance_desk.store.schema import MIGRATION_SET, SCHEMA_VERSION

if TYPE_CHECKING:
    from attendance_desk.store.db import Store

PAGES_PER_STEP = 2048  # 8 MB at 4 KB pages: a Cancel is seen within one step
# SQLite's progress handler runs every HANDLER_OPS virtual-machine steps; the number of calls a check
# makes is about pages × OPS / HANDLER_OPS (measured on the 2,000-pupil demo: quick 730, full 1,250)
HANDLER_OPS = 10_000
OPS_PER_PAGE = {False: 730, True: 1250}
REPORT_EVERY_S = 0.05
# a backup's progress, out of BACKUP_UNITS: the copy, then the check of the copy (about as long)
BACKUP_UNITS = 1000
COPIED = 480
STRUCTURE_CHECKED = 960


def copy_to(store: Store, target: Path, progress: Progress | None = None) -> list[str]:
    """A consistent copy of the live file, without stopping other users, verified (quick_check and
    the hash chains, see verify_copy) before it is given its name. Written under a temporary name in
    the same folder and renamed only once it is complete and verified; a temporary copy left by a
    killed backup (also an old-style `*.partial`) is removed by the next backup. `progress` may raise
    Cancelled: then nothing is left. Returns warnings (the school file's own chains do not verify:
    the copy is faithful to it, so it is kept, and `check` says more)."""
    engine = store.engine
    with atomic_path(target) as partial:
        clean_leftovers(target.parent, also=("*.sqlite.partial",))
        # one read transaction: the copy and the heads it is checked against are one moment
        with engine.reading():
            heads = chain.heads(engine)

            def step(done: int, total: int) -> None:
                if progress is not None:
                    progress(COPIED * done // max(total, 1), BACKUP_UNITS)

            engine.copy_into(partial, PAGES_PER_STEP, step)
            problems, chain_found = inspect_copy(partial, heads, progress)
            warnings = []
            if chain_found and not problems:
                source, _ = chain.chain_problems(engine)  # the same moment as the copy
                if source == chain_found:
                    warnings = [f"the school file itself: {p}" for p in source]
                else:
                    problems = chain_found
        if problems:
            raise StoreError(f"the backup did not verify: {problems[0]}")
    return warnings


def verify_copy(path: Path, chains: bool = False, progress: Progress | None = None) -> list[str]:
    """Is this an intact Attendance Desk school file this version can open? quick_check of every
    page, the version and the file's origin; with `chains`, also its hash chains."""
    problems, chain_found = inspect_copy(path, None, progress, chains=chains)
    return problems + chain_found


def inspect_copy(
    path: Path, heads: dict | None, progress: Progress | None = None, chains: bool = True
) -> tuple[list[str], list[str]]:
    """(problems, chain problems) of a copy: quick_check, version and origin; with `chains` (and
    always when `heads` is given) every hash chain verified; with `heads` (the school file's at the
    moment copied) the copy's heads and number of marks must equal them."""
    if not path.is_file() or path.stat().st_size == 0:
        return [f"{path} is missing or empty"], []
    with path.open("rb") as fh:
        if fh.read(16) != SQLITE_MAGIC:
            return [f"{path} is not an SQLite database"], []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    try:
        found = structure_problems(conn, False, progress, COPIED, STRUCTURE_CHECKED, BACKUP_UNITS)
        if found:
            return [f"integrity check: {r}" for r in found], []
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            return [f"{path} was written by a newer Attendance Desk (version {version})"], []
        ours = (
            conn.execute("SELECT 1 FROM sqlite_master WHERE name = '_sqlite_migrations'").fetchone()
            and conn.execute(
                "SELECT 1 FROM _sqlite_migrations WHERE migration_set = ?", (MIGRATION_SET,)
            ).fetchone()
        )
        if not ours:
            return [f"{path} is not an Attendance Desk school file"], []
        if heads is None and not chains:
            return [], []
        chain_found, _ = chain.chain_problems(conn)
        if progress is not None:
            progress(BACKUP_UNITS - 10, BACKUP_UNITS)
        if heads is not None:
            copied = chain.heads(conn)
            if copied != heads:
                differ = [k for k in heads if copied.get(k) != heads[k]]
                return [
                    "the copy is not the school file as it was copied: "
                    + ", ".join(
                        f"{k} {copied.get(k)} in the copy, {heads[k]} in the file" for k in differ
                    )
                ], chain_found
        return [], chain_found
    except sqlite3.DatabaseError as exc:
        return [f"{path} cannot be read: {exc}"], []
    finally:
        conn.close()


def structure_problems(
    conn: sqlite3.Connection,
    full: bool = False,
    progress: Progress | None = None,
    start: int = 0,
    end: int = 1000,
    total: int = 1000,
) -> list[str]:
    """SQLite's own check of the file: `quick_check` (every page read, the structure of every table
    and index checked), or with `full` the `integrity_check` (also every index entry compared with
    its table row, and UNIQUE and NOT NULL constraints). Reports progress from `start` to `end` (of
    `total`), estimated from the number of pages; a Cancel (progress raising Cancelled) stops it at
    once, through SQLite's interrupt, and raises Cancelled."""
    pragma = "integrity_check" if full else "quick_check"
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    expected = max(1, pages * OPS_PER_PAGE[full] // HANDLER_OPS)
    calls, cancelled, last = 0, False, time.monotonic()

    def handler() -> int:
        nonlocal calls, cancelled, last
        calls += 1
        if progress is None or time.monotonic() - last < REPORT_EVERY_S:
            return 0
        last = time.monotonic()
        try:
            progress(start + (end - start) * min(calls, expected * 0.99) // expected, total)
        except Cancelled:
            cancelled = True
            return 1
        return 0

    if progress is not None:
        progress(start, total)  # a Cancel made before it starts
    conn.set_progress_handler(handler, HANDLER_OPS)
    try:
        with stopping(progress, conn.interrupt):
            rows = conn.execute(f"PRAGMA {pragma}").fetchall()
    except sqlite3.OperationalError as exc:
        if cancelled or "interrupt" in str(exc):
            raise Cancelled from None
        raise
    finally:
        conn.set_progress_handler(*_stop_handler(progress))
    if progress is not None:
        progress(end, total)
    return [r[0] for r in rows if r[0] != "ok"]


def _stop_handler(progress: Progress | None) -> tuple:
    """The progress handler `cancellable` keeps on a connection (or none)."""
    if progress is None or not hasattr(progress, "stopped"):
        return None, 0
    return (lambda: 1 if progress.stopped else 0), HANDLER_OPS


@contextlib.contextmanager
def cancellable(conn: sqlite3.Connection, progress: Progress | None) -> Iterator[None]:
    """Every statement run on `conn` inside the block stops soon after the job is cancelled (a
    Stoppable progress: see domain/progress.py), even one that reports no progress (the figures'
    queries of a check): SQLite's progress handler looks at the flag, and the statement running at
    the moment of Cancel is interrupted. Raises Cancelled."""
    handler, every = _stop_handler(progress)
    if handler is None:
        yield
        return
    conn.set_progress_handler(handler, every)
    try:
        with stopping(progress, conn.interrupt):
            yield
    except sqlite3.OperationalError:
        if getattr(progress, "stopped", False):
            raise Cancelled from None
        raise
    finally:
        conn.set_progress_handler(None, 0)


def checkpoint(store: Store) -> None:
    """Fold the write-ahead log into the main file (before the file itself is copied or replaced)."""
    store.engine.checkpoint()
