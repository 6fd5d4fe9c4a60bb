"""A whole school copied between engines (docs/server.md, "copy-to", step 7): a school file onto a
server's empty, migrated database, or a server's database into a new school file (the backup the
school can carry).

- The target must be empty (as its migrations left it: the shipped documents, and on a server its
  `schema_version` setting) and at the source's schema version, with the same tables and columns;
  otherwise refused, naming why, before anything is written.
- The source's chains (`mark_history`, `audit`, `letters`) are verified first: a source whose chain
  was tampered with (a sealed row changed, a row removed, a letter's posted or void details
  changed) is refused, naming the chain and what the administrator can do (the copy would carry
  the break and hide where it came from). A row another tool added without a seal (a plain
  `UPDATE marks` writes its history row unsealed, `direct = 1`, on both engines) is a known, named
  finding: it is copied as it is, and the copy's chain findings must equal the school's.
- Every table is copied in one transaction on the target, read from one snapshot of the source, in
  the order of the foreign keys, ids kept. The triggers are set aside for the copy (SQLite: taken
  out and put back, word for word, in the same transaction; PostgreSQL: `DISABLE TRIGGER USER` by
  the schema's owner, transactional too), so nothing is derived again: the history and audit rows
  are the source's own, and the counts by week and year are copied as they are, then compared with
  a recount from the copied marks. PostgreSQL's identity sequences are set after the largest id.
- Verified before the commit: every table's row count and a digest of all its rows (values as read,
  so BLOBs/BYTEA and timestamps byte for byte), every chain on the target, its heads equal to the
  source's, and the counts by week and year against the marks. Any difference: the target's
  transaction is rolled back and the difference named (`CopyRefused`).

Onto a server the copy needs the schema's owner (IT's login), as the migrations do: the
application's role may not set triggers aside (`attendance-desk copy-to postgresql://…`, step 8)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from attendance_desk.store import chain
from attendance_desk.store.db import StoreError

if TYPE_CHECKING:
    from attendance_desk.domain.progress import Progress
    from attendance_desk.store.db import Store
    from attendance_desk.store.engine import Engine

# the migrations' own record on each engine: never copied
NOT_COPIED = {"_sqlite_migrations", "attendance_desk_migrations"}
# rows a migration puts in an empty database: the server's version (PostgreSQL has no user_version)
OWN_ROWS = {"settings": "key <> 'schema_version'"}
# a table the migrations fill (the shipped documents): replaced by the source's
REPLACED = "school_documents"
BATCH = 5000


class CopyRefused(StoreError):
    """The copy was not made (or was rolled back): the message names why."""


@dataclass
class CopyResult:
    tables: dict[str, int] = field(default_factory=dict)  # rows copied, by table
    heads: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def table_names(engine: Engine) -> list[str]:
    if engine.name == "postgresql":
        rows = engine.query(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
    else:
        rows = engine.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    return sorted(r[0] for r in rows if r[0] not in NOT_COPIED)


def _references(engine: Engine, table: str) -> set[str]:
    """The tables `table` refers to by a foreign key (itself left out)."""
    if engine.name == "postgresql":
        rows = engine.query(
            "SELECT confrelid::regclass::text FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = CAST(? AS regclass)",
            (table,),
        )
        found = {r[0].strip('"') for r in rows}
    else:
        found = {r[2] for r in engine.query(f'PRAGMA foreign_key_list("{table}")')}
    return found - {table}


def dependency_order(engine: Engine, tables: Iterable[str]) -> list[str]:
    """Every table after the tables it refers to (alphabetical where free to choose)."""
    pending = {t: _references(engine, t) for t in tables}
    order: list[str] = []
    while pending:
        ready = sorted(t for t, refs in pending.items() if not (refs & pending.keys()))
        if not ready:
            raise CopyRefused(f"the tables refer to each other in a circle: {sorted(pending)}")
        order += ready
        for t in ready:
            del pending[t]
    return order


def _select(table: str, columns: list[str]) -> str:
    listed = ", ".join(f'"{c}"' for c in columns)
    where = f" WHERE {OWN_ROWS[table]}" if table in OWN_ROWS else ""
    order = ' ORDER BY "id"' if "id" in columns else ""
    return f'SELECT {listed} FROM "{table}"{where}{order}'


def _rows(engine: Engine, sql: str) -> Iterator[list[Any]]:
    cursor = engine.execute(sql)
    while True:
        batch = cursor.fetchmany(BATCH)  # type: ignore[attr-defined]
        if not batch:
            return
        yield [tuple(r) for r in batch]


class _Digest:
    """A digest of a table's rows: in id order where there is an id, otherwise of the rows sorted
    (the order a table without an id is read in differs between engines)."""

    def __init__(self, ordered: bool):
        self.ordered = ordered
        self.hash = hashlib.sha256()
        self.held: list[str] = []
        self.count = 0

    def add(self, rows: list[tuple]) -> None:
        self.count += len(rows)
        for row in rows:
            text = repr(tuple(bytes(v) if isinstance(v, memoryview) else v for v in row))
            if self.ordered:
                self.hash.update(text.encode() + b"\n")
            else:
                self.held.append(text)

    def value(self) -> str:
        if not self.ordered:
            for text in sorted(self.held):
                self.hash.update(text.encode() + b"\n")
            self.held = []
        return self.hash.hexdigest()


def _count(engine: Engine, table: str) -> int:
    where = f" WHERE {OWN_ROWS[table]}" if table in OWN_ROWS else ""
    return engine.query(f'SELECT COUNT(*) FROM "{table}"{where}')[0][0]


def refusals(source: Store, target: Store) -> tuple[list[str], list[str]]:
    """Why the copy may not begin ([] if it may), and the tables in the order they are copied."""
    s, t = source.engine, target.engine
    version, at = s.schema_version(), t.schema_version()
    if at == 0:
        return [
            "the target has not been migrated (no schema): IT migrates a new database first"
        ], []
    if at != version:
        return [
            f"the target is at schema version {at} and this school at {version}: both must be at "
            "the same version (upgrade the older one first)"
        ], []
    tables = table_names(s)
    there = table_names(t)
    if set(tables) != set(there):
        missing, extra = sorted(set(tables) - set(there)), sorted(set(there) - set(tables))
        return [f"the target's tables differ: missing {missing}, not in the school {extra}"], []
    problems = []
    for table in tables:
        a, b = set(s.table_columns(table)), set(t.table_columns(table))
        if a != b:
            problems.append(
                f"{table}'s columns differ: missing on the target {sorted(a - b)}, "
                f"extra {sorted(b - a)}"
            )
    if problems:
        return problems, []
    filled = []
    for table in tables:
        if table == REPLACED:
            n = t.query(
                f"SELECT COUNT(*) FROM {REPLACED} WHERE recorded_by <> ?", (_shipped_by(),)
            )[0][0]
        else:
            n = _count(t, table)
        if n:
            filled.append(f"{table} ({n} row{'s' if n != 1 else ''})")
    if filled:
        return [
            "the target is not empty: " + ", ".join(filled) + " (a copy goes into an empty, "
            "newly migrated database or a new file only)"
        ], []
    broken = tampering(s)
    if broken:
        return [
            "the school's own chains do not verify (a sealed row was changed, or a row before it "
            "removed, outside Attendance Desk), so the copy would carry the break and hide where "
            "it came from: " + "; ".join(broken) + ". " + TAMPERED_WAY_ON[s.name == "postgresql"]
        ], []
    return [], dependency_order(s, tables)


# What an administrator can do when a school's chains were tampered with (the refusal says it),
# for a school file and for a school on a server
_UNSEALED_IS_FINE = (
    ". A history or audit row another tool merely added (no seal) does not stop a copy: it is "
    "copied as it is and check names it on the copy too"
)
TAMPERED_WAY_ON = (
    "Run check to see every finding; then restore the last backup made before the change "
    "(check --against BACKUP tells which backup still matches) and enter again what was done "
    "since" + _UNSEALED_IS_FINE,
    "Run check to see every finding; then IT restores the database from the server's backup made "
    "before the change (pg_restore) and the school enters again what was done since"
    + _UNSEALED_IS_FINE,
)


def tampering(engine: Engine) -> list[str]:
    """The chain findings that stop a copy: a sealed row that no longer matches its seal (changed,
    or a row before it removed) and letters whose posted or void details changed outside the app.
    A row another tool added without a seal (a plain `UPDATE marks` through psql or sqlite3 writes
    its history row with `direct = 1`, unsealed, on both engines) is a known, named finding: it is
    copied as it is, and the copy's findings must equal the school's."""
    found, results = chain.chain_problems(engine)
    if not any(r.first_break is not None or r.state_breaks for r in results):
        return []
    return [p for p in found if "(no seal)" not in p]


def _shipped_by() -> str:
    from attendance_desk.store import documents

    return documents.SHIPPED_BY


def _set_triggers_aside(engine: Engine, tables: list[str]) -> list[str]:
    """Inside the open transaction: the triggers out of the way for the copy; gives what puts them
    back (SQLite: each trigger's own CREATE statement)."""
    if engine.name == "postgresql":
        from attendance_desk.store.postgres import OWNER

        try:
            engine.execute(f"SET LOCAL ROLE {OWNER}")
        except engine.Error as exc:
            raise CopyRefused(
                "a copy onto a server is made by the schema's owner (IT's login, as for the "
                f"migrations), not the application's role: {exc}"
            ) from None
        for table in tables:
            engine.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
        return [f'ALTER TABLE "{table}" ENABLE TRIGGER USER' for table in tables]
    made = engine.query(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL"
    )
    for row in made:
        engine.execute(f'DROP TRIGGER "{row[0]}"')
    return [row[1] for row in made]


def _insert(engine: Engine, table: str, columns: list[str], rows: list[tuple]) -> None:
    listed = ", ".join(f'"{c}"' for c in columns)
    if engine.name == "postgresql":
        conn = engine.conn  # type: ignore[attr-defined]
        with conn.cursor().copy(f'COPY "{table}" ({listed}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(columns))
    engine.executemany(f'INSERT INTO "{table}" ({listed}) VALUES ({marks})', rows)


def _reset_ids(engine: Engine, tables: list[str]) -> None:
    """PostgreSQL's identity sequences after the largest id copied (SQLite's rowid needs none)."""
    if engine.name != "postgresql":
        return
    for table in tables:
        if "id" not in engine.table_columns(table):
            continue
        engine.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f'COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)'
        )


def copy_school(source: Store, target: Store, progress: Progress | None = None) -> CopyResult:
    """Copy every table of `source` into `target` (empty, migrated to the same version), verified;
    `progress(done, total)` in rows. Raises `CopyRefused` naming why, with the target unchanged."""
    started = time.perf_counter()
    s, t = source.engine, target.engine
    result = CopyResult()
    with s.reading():  # one moment of the source, for the copy and the comparisons
        problems, order = refusals(source, target)
        if problems:
            raise CopyRefused("not copied: " + "; ".join(problems))
        counts = {table: _count(s, table) for table in order}
        total, done = sum(counts.values()), 0
        heads = chain.heads(s)
        findings, _ = chain.chain_problems(s)  # a row another tool added: copied, named the same
        digests: dict[str, str] = {}
        t.begin()
        try:
            put_back = _set_triggers_aside(t, order)
            t.execute(f"DELETE FROM {REPLACED}")
            for table in order:
                columns = s.table_columns(table)
                digest = _Digest("id" in columns)
                for batch in _rows(s, _select(table, columns)):
                    try:
                        _insert(t, table, columns, batch)
                    except t.Error as exc:  # a value the target refuses, a full disk: named
                        raise CopyRefused(
                            f"not copied: the target refused a row of {table}, so nothing was "
                            f"kept on it: {str(exc).strip()}"
                        ) from None
                    digest.add(batch)
                    done += len(batch)
                    if progress is not None:
                        progress(done, total)
                digests[table] = digest.value()
                result.tables[table] = digest.count
            for statement in put_back:
                t.execute(statement)
            _reset_ids(t, order)
            differences = _differences(source, target, order, counts, digests, heads, findings)
            if differences:
                raise CopyRefused(
                    "the copy did not match the school, so nothing was kept on the target: "
                    + "; ".join(differences)
                )
            t.commit()
        except BaseException:
            t.rollback()
            raise
    result.heads = heads
    result.seconds = time.perf_counter() - started
    return result


def _differences(
    source: Store,
    target: Store,
    order: list[str],
    counts: dict[str, int],
    digests: dict[str, str],
    heads: dict,
    findings: list[str],
) -> list[str]:
    """What differs between the source and the copy (inside the target's transaction); the
    copy's chain findings must be the school's own (none, or the same unsealed rows named the
    same way), its heads the school's."""
    s, t = source.engine, target.engine
    found = []
    for table in order:
        n = _count(t, table)
        if n != counts[table]:
            found.append(f"{table} has {n} rows on the target and {counts[table]} in the school")
            continue
        digest = _Digest("id" in (columns := s.table_columns(table)))
        for batch in _rows(t, _select(table, columns)):
            digest.add(batch)
        if digest.value() != digests[table]:
            found.append(f"{table}'s rows differ between the target and the school")
    problems, _ = chain.chain_problems(t)
    if problems != findings:
        found += [f"on the target: {p}" for p in problems if p not in findings]
        found += [
            f"in the school but not on the target: {p}" for p in findings if p not in problems
        ]
    copied = chain.heads(t)
    for name, head in heads.items():
        if copied.get(name) != head:
            found.append(
                f"the head of {name} is {copied.get(name)} on the target, {head} in the school"
            )
    found += _count_drift(source, target)
    return found


def _count_drift(source: Store, target: Store) -> list[str]:
    """The counts by week and year, copied as they were, against a recount of the copied marks: any
    drift the school itself did not have."""
    found = []
    for name, label in (("week_count_drift", "week"), ("year_count_drift", "school year")):
        there = getattr(target.marks, name)()
        if there and there != getattr(source.marks, name)():
            found.append(
                f"the counts by {label} on the target differ from its marks in {len(there)} "
                f"place(s), the first {there[0]}"
            )
    return found
