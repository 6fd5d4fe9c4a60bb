"""Tamper evidence: the mark history, the audit log and the letter log are hash chains.

Each row carries `row_hash` = SHA-256 of the previous row's `row_hash` (by id; "" for the first row,
or after a row that has none) followed by the row's own content as canonical JSON. The app writes
the hash in the same transaction as the row (`seal`), only for the rows that transaction added, so
a row written by another tool (a history row made by the `marks_keep_history` trigger after a raw
UPDATE, say) stays without a hash and `check` names it. A row changed, or a row removed before
another, no longer matches. A letter's fields that may change after it is issued (posted, void)
are covered by its `state_hash` (of its row_hash and those fields).

The users table is tied to the audit: an audit row carries `users_state` (each user's name, role,
active flag and a digest of the password hash) whenever that differs from the last state recorded,
so a change made outside the app shows as a state that moved at an entry that is not a user change,
or as a users table that differs from the last state recorded.

Anyone who knows this scheme and can write to the file can recompute every hash: the chains show
edits made with ordinary tools; `check --against` a backup kept elsewhere shows the rest
(docs/reliability.md)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from attendance_desk.store.dialect import dialect
from attendance_desk.store.engine import Engine, Executor, as_engine

if TYPE_CHECKING:
    from pathlib import Path

    from attendance_desk.store.db import Store

CHAINS: dict[str, tuple[str, ...]] = {
    "mark_history": (
        "id",
        "pupil_id",
        "date",
        "session",
        "old_code",
        "new_code",
        "old_minutes_late",
        "new_minutes_late",
        "old_recorded_by",
        "old_recorded_at",
        "reason",
        "changed_by",
        "changed_at",
        "direct",
    ),
    "audit": ("id", "at", "user", "action", "subject", "detail", "users_state"),
    "letters": (
        "id",
        "pupil_id",
        "template",
        "stage_key",
        "contact_id",
        "addressee",
        "address",
        "figures",
        "text",
        "generated_at",
        "sha256",
        "file",
        "page",
        "by_user",
        "number",
        "letter_date",
        "details",
        "override_reason",
        "overridden",
    ),
}
LETTER_STATE = ("posted_on", "void_reason", "voided_by", "voided_at")
LABELS = {"mark_history": "mark history", "audit": "audit log", "letters": "letter log"}
SEAL_GUARDS = {
    "mark_history": ("mark_history_no_update",),
    "audit": ("audit_no_update",),
    "letters": ("letters_sealed_once",),
}  # the triggers that let a seal be written only once
USER_FIELDS = ("id", "name", "role", "active", "password_hash")
CHAINS_STARTED = "tamper-evident chains started"


def _columns(table: str) -> str:
    return ", ".join(f'"{c}"' for c in CHAINS[table])


def digest(previous: str, values: Iterable[object]) -> str:
    """SHA-256 (hex) of the previous hash and the values: each as text (NULL as a NUL byte), separated
    by the unit separator. (JSON was five times slower: 11 µs a row of the history.)"""
    text = "\x1f".join("\x00" if v is None else str(v) for v in values)
    return hashlib.sha256(f"{previous}\x1e{text}".encode()).hexdigest()


def last_id(conn: Executor, table: str) -> int:
    return conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0]


def _previous_hash(conn: Executor, table: str, after_id: int) -> str:
    row = conn.execute(
        f"SELECT row_hash FROM {table} WHERE id <= ? ORDER BY id DESC LIMIT 1", (after_id,)
    ).fetchone()
    return (row[0] or "") if row else ""


def seal(conn: Executor, table: str, after_id: int) -> int:
    """Hash the rows with id > `after_id` (those this transaction added, or every row after a removal),
    in id order. Call inside the transaction that wrote them. Returns how many rows were sealed."""
    previous = _previous_hash(conn, table, after_id)
    updates = []
    for row in conn.execute(
        f"SELECT {_columns(table)} FROM {table} WHERE id > ? ORDER BY id", (after_id,)
    ).fetchall():
        previous = digest(previous, tuple(row))
        updates.append((previous, row[0]))
    conn.executemany(f"UPDATE {table} SET row_hash = ? WHERE id = ?", updates)
    if table == "letters" and updates:
        seal_letter_state(conn, after_id)
    return len(updates)


def seal_letter_state(conn: Executor, after_id: int = 0, letter_id: int | None = None) -> None:
    """A letter's state_hash: its row_hash with the fields that may change after issue (posted, void)."""
    cols = ", ".join(LETTER_STATE)
    if letter_id is not None:
        rows = conn.execute(
            f"SELECT id, row_hash, {cols} FROM letters WHERE id = ?", (letter_id,)
        ).fetchall()
    else:
        rows = conn.execute(
            f"SELECT id, row_hash, {cols} FROM letters WHERE id > ?", (after_id,)
        ).fetchall()
    conn.executemany(
        "UPDATE letters SET state_hash = ? WHERE id = ?",
        [(digest(r[1] or "", tuple(r)[2:]), r[0]) for r in rows],
    )


def reseal_after_removal(conn: Executor, table: str, from_id: int) -> int:
    """After a retention removal deleted rows from a chain: re-hash every row from `from_id` on, in
    the removal's transaction (the audit of the removal says so). The append-only trigger is lifted
    for this rewrite only and put back exactly as it was. (On a server the owner's
    `remove_chained_rows` removed the rows and cleared the seals after them: they are filled.)"""
    if as_engine(conn).name != "sqlite":
        return seal(conn, table, from_id - 1)
    names = SEAL_GUARDS[table]
    triggers = conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN "
        f"({','.join('?' * len(names))})",
        names,
    ).fetchall()
    for name, _ in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    try:
        return seal(conn, table, from_id - 1)
    finally:
        for _, sql in triggers:
            conn.execute(sql)


# ---- users, through the audit ----------------------------------------------------------------
def users_state(conn: Executor) -> str:
    """Each user as recorded in the audit: name, role, active, and 16 hex digits of a SHA-256 of the
    password hash (enough to see it changed; the hash itself stays in one place)."""
    cols = ", ".join(USER_FIELDS)
    state = {
        str(r[0]): [r[1], r[2], int(r[3]), hashlib.sha256((r[4] or "").encode()).hexdigest()[:16]]
        for r in conn.execute(f"SELECT {cols} FROM users ORDER BY id")
    }
    return json.dumps(state, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def last_users_state(conn: Executor) -> tuple[int, str] | None:
    row = conn.execute(
        "SELECT id, users_state FROM audit WHERE users_state IS NOT NULL ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return (row[0], row[1]) if row else None


def users_state_if_changed(conn: Executor, action: str) -> str | None:
    """The users' state to record with a new audit row: only with an entry that records a user change
    (another entry never takes in a change made outside the app, so it cannot launder one), and only
    if it differs from the state recorded last."""
    if not is_user_action(action):
        return None
    now = users_state(conn)
    last = last_users_state(conn)
    if (last[1] if last else "{}") == now:
        return None
    return now


def append_audit(
    conn: Executor, at: str, user: str, action: str, subject: str = "", detail: str = ""
) -> int:
    """One audit row, with the users' state when it changed, sealed. Call inside a write."""
    after = last_id(conn, "audit")
    row_id = as_engine(conn).insert_id(
        'INSERT INTO audit(at, "user", action, subject, detail, users_state) VALUES (?, ?, ?, ?, ?, ?)',
        (at, user, action, subject, detail, users_state_if_changed(conn, action)),
    )
    seal(conn, "audit", after)
    return row_id


def describe_users_change(before: str | None, after: str | None) -> list[str]:
    """What differs between two recorded users' states, in words."""
    return [line for _, line in users_changes(before, after)]


def users_changes(before: str | None, after: str | None) -> list[tuple[set[str], str]]:
    """(the user's names, lower case, before and after; what changed in words) for each user changed."""
    old, new = json.loads(before or "{}"), json.loads(after or "{}")
    lines = []
    for key in sorted(set(old) | set(new), key=int):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        names = {x[0].lower() for x in (a, b) if x is not None}
        if a is None:
            lines.append((names, f"user '{b[0]}' ({b[1]}) added"))
        elif b is None:
            lines.append((names, f"user '{a[0]}' ({a[1]}) removed"))
        else:
            what = []
            if a[0] != b[0]:
                what.append(f"renamed to '{b[0]}'")
            if a[1] != b[1]:
                what.append(f"role {a[1]} -> {b[1]}")
            if a[2] != b[2]:
                what.append("made active" if b[2] else "made inactive")
            if a[3] != b[3]:
                what.append("password changed")
            lines.append((names, f"user '{a[0]}': {', '.join(what)}"))
    return lines


def is_user_action(action: str) -> bool:
    """Audit actions that record a change to the users (the users' state may move only at these)."""
    return action.startswith("user ") or action == CHAINS_STARTED


# ---- verifying ---------------------------------------------------------------------------------
@dataclass
class ChainResult:
    table: str
    rows: int = 0
    first_break: int | None = None  # id of the first row whose hash does not match
    breaks: int = 0
    unsealed: list[int] | None = None  # ids of rows with no hash (not written by the app)
    state_breaks: list[int] | None = (
        None  # letters whose posted/void fields changed outside the app
    )
    head_id: int = 0
    head_hash: str = ""


def verify(conn: Executor, table: str) -> ChainResult:
    """One pass over the chain in id order."""
    result = ChainResult(table, unsealed=[], state_breaks=[])
    previous = ""
    extra = ", " + ", ".join(LETTER_STATE) + ", state_hash" if table == "letters" else ""
    width = len(CHAINS[table])
    for row in conn.execute(f"SELECT row_hash, {_columns(table)}{extra} FROM {table} ORDER BY id"):
        stored = row[0]
        values = tuple(row)[1 : width + 1]
        result.rows += 1
        if stored is None:
            result.unsealed.append(values[0])
        elif stored != digest(previous, values):
            result.breaks += 1
            if result.first_break is None:
                result.first_break = values[0]
        if extra and (stored is not None) and row[-1] != digest(stored, tuple(row)[width + 1 : -1]):
            result.state_breaks.append(values[0])
        previous = stored or ""
        result.head_id, result.head_hash = values[0], previous
    return result


def heads(conn: Executor) -> dict:
    """The last row (id and hash) of each chain and the number of marks: what a backup records."""
    found: dict = {"marks": conn.execute("SELECT COUNT(*) FROM marks").fetchone()[0]}
    for table in CHAINS:
        columns = set(as_engine(conn).table_columns(table))
        if "row_hash" in columns:
            row = conn.execute(
                f"SELECT id, row_hash FROM {table} ORDER BY id DESC LIMIT 1"
            ).fetchone()
        else:  # a file from before the chains
            row = conn.execute(f"SELECT id, NULL FROM {table} ORDER BY id DESC LIMIT 1").fetchone()
        found[table] = {"id": row[0], "hash": row[1]} if row else {"id": 0, "hash": None}
    return found


# ---- what check reports -------------------------------------------------------------------------
def _mark_label(conn: Executor, pupil_id: int, day: str, session: str) -> str:
    row = conn.execute(
        "SELECT upn, forename, surname FROM pupils WHERE id = ?", (pupil_id,)
    ).fetchone()
    who = f"{row[1]} {row[2]} ({row[0]})" if row else f"pupil {pupil_id} (no longer in the file)"
    return f"{who} {day} {session}"


def chain_problems(conn: Executor) -> tuple[list[str], list[ChainResult]]:
    """Every chain verified: the first row that does not match, and rows the app did not write."""
    problems: list[str] = []
    results = []
    for table in CHAINS:
        result = verify(conn, table)
        results.append(result)
        label = LABELS[table]
        if result.first_break is not None:
            more = f" ({result.breaks} rows in all)" if result.breaks > 1 else ""
            problems.append(
                f"{label}: row {result.first_break} does not match its seal{more}: it was changed, or a row "
                "before it was removed, outside Attendance Desk"
            )
        if result.unsealed:
            first = result.unsealed[0]
            shown = ", ".join(str(i) for i in result.unsealed[:10]) + (
                " …" if len(result.unsealed) > 10 else ""
            )
            what = ""
            if table == "mark_history":
                r = conn.execute(
                    "SELECT pupil_id, date, session, old_code, new_code, changed_by, changed_at, reason "
                    "FROM mark_history WHERE id = ?",
                    (first,),
                ).fetchone()
                what = (
                    f"; the first changes {_mark_label(conn, r[0], r[1], r[2])} from {r[3]} to {r[4]}, "
                    f"'by {r[5]} at {r[6]}' ({r[7]})"
                )
            elif table == "audit":
                r = conn.execute(
                    'SELECT at, "user", action FROM audit WHERE id = ?', (first,)
                ).fetchone()
                what = f"; the first: {r[2]} by '{r[1]}' at {r[0]}"
            problems.append(
                f"{label}: {len(result.unsealed)} row(s) not written by Attendance Desk (no seal): "
                f"row(s) {shown}{what}"
            )
        if result.state_breaks:
            problems.append(
                f"letter log: the posted or void details of letter row(s) "
                f"{', '.join(str(i) for i in result.state_breaks[:10])} were changed outside Attendance Desk"
            )
    return problems, results


def mark_problems(conn: Executor, limit: int = 10) -> list[str]:
    """Marks changed with no history (version raised, or recorder/time/code no longer those of the
    last amendment), and delete guards left open (rows left in `removals`)."""
    is_not = dialect(conn).is_not
    problems = []
    rows = conn.execute(
        "SELECT m.pupil_id, m.date, m.session, m.version, COUNT(h.id) FROM marks m "
        "LEFT JOIN mark_history h ON h.pupil_id = m.pupil_id AND h.date = m.date AND h.session = m.session "
        "WHERE m.version > 1 GROUP BY m.pupil_id, m.date, m.session HAVING m.version > 1 + COUNT(h.id)"
    ).fetchall()
    if rows:
        shown = "; ".join(
            f"{_mark_label(conn, *r[:3])} (version {r[3]}, {r[4]} history entries)"
            for r in rows[:limit]
        )
        problems.append(
            f"{len(rows)} mark(s) changed outside Attendance Desk with no history entry "
            f"(version raised without one): {shown}"
        )
    rows = conn.execute(
        "WITH last AS (SELECT pupil_id, date, session, MAX(id) AS id FROM mark_history GROUP BY pupil_id, date, session) "
        "SELECT m.pupil_id, m.date, m.session, m.code, h.new_code, m.recorded_by, h.changed_by, m.recorded_at, "
        "h.changed_at FROM last JOIN mark_history h ON h.id = last.id JOIN marks m ON m.pupil_id = last.pupil_id "
        "AND m.date = last.date AND m.session = last.session WHERE h.direct = 0 AND h.new_code = m.code "
        f"AND (m.recorded_by {is_not} h.changed_by OR m.recorded_at {is_not} h.changed_at)"
    ).fetchall()
    if rows:
        shown = "; ".join(
            f"{_mark_label(conn, *r[:3])}: now recorded by {r[5]} at {r[7]}, last amended by {r[6]} "
            f"at {r[8]}"
            for r in rows[:limit]
        )
        problems.append(
            f"{len(rows)} mark(s) whose recorder or time changed outside Attendance Desk "
            f"after their last amendment: {shown}"
        )
    left = [r[0] for r in conn.execute("SELECT pupil_id FROM removals ORDER BY pupil_id")]
    if left:
        problems.append(
            f"{len(left)} pupil(s) listed in 'removals' outside a retention removal (this opens the "
            f"guards that stop their marks, history and letters being deleted): pupil id(s) "
            f"{', '.join(map(str, left[:limit]))}"
        )
    return problems


def users_problems(conn: Executor) -> list[str]:
    """The users table against the states the audit recorded: a recorded state may differ from the one
    before only in the user its entry names (or at an entry that is not a user change at all, which
    only another tool writes), and the table now must be the last state recorded."""
    problems = []
    previous = None
    for row_id, at, action, subject, state in conn.execute(
        "SELECT id, at, action, subject, users_state FROM audit WHERE users_state IS NOT NULL ORDER BY id"
    ):
        if action != CHAINS_STARTED:
            others = [
                line
                for names, line in users_changes(previous, state)
                if not is_user_action(action) or (subject or "").lower() not in names
            ]
            if others:
                problems.append(
                    f"users: changed outside Attendance Desk before audit entry {row_id} ({action} "
                    f"'{subject}' at {at}), which does not record this change: {'; '.join(others)}"
                )
        previous = state
    last = last_users_state(conn)
    now = users_state(conn)
    if (last[1] if last else "{}") != now:
        since = f"audit entry {last[0]}" if last else "the start of the audit"
        problems.append(
            f"users: changed outside Attendance Desk since {since} (no audit entry records it): "
            + "; ".join(describe_users_change(last[1] if last else None, now))
        )
    return problems


def _reference_schema() -> dict:
    """What the migrations create: triggers (name -> SQL), tables (name -> columns) and each
    trigger's table (trigger_tables)."""
    global _REFERENCE
    if _REFERENCE is None:
        from sqlite_utils import Database

        from attendance_desk.store.schema import migrations

        ref = sqlite3.connect(":memory:")
        try:
            migrations.apply(Database(ref))
            _REFERENCE = _schema_of(ref)
            _REFERENCE["trigger_tables"] = dict(
                ref.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")
            )
        finally:
            ref.close()
    return _REFERENCE


_REFERENCE: dict | None = None


def _schema_of(conn: Executor) -> dict:
    triggers = {
        r[0]: " ".join((r[1] or "").split())
        for r in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    }
    tables = {}
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall():
        tables[name] = [tuple(r)[1:] for r in conn.execute(f'PRAGMA table_info("{name}")')]
    return {"triggers": triggers, "tables": tables}


def schema_problems(conn: Executor) -> tuple[list[str], list[str]]:
    """Every trigger the migrations create, present with exactly their SQL; no other trigger; every
    table with its columns. Returns (problems, warnings). On a server: `server_schema_problems`."""
    if as_engine(conn).name != "sqlite":
        return server_schema_problems(as_engine(conn))
    expected, found = _reference_schema(), _schema_of(conn)
    problems, warnings = [], []
    for name, sql in expected["triggers"].items():
        if name not in found["triggers"]:
            problems.append(
                f"schema: the safeguard trigger '{name}' is missing (dropped outside Attendance Desk)"
            )
        elif found["triggers"][name] != sql:
            problems.append(
                f"schema: the safeguard trigger '{name}' has been changed outside Attendance Desk"
            )
    for name in sorted(set(found["triggers"]) - set(expected["triggers"])):
        problems.append(f"schema: a trigger '{name}' was added outside Attendance Desk")
    for name, columns in expected["tables"].items():
        if name not in found["tables"]:
            problems.append(f"schema: the table '{name}' is missing")
        elif found["tables"][name] != columns:
            problems.append(
                f"schema: the columns of table '{name}' are not those Attendance Desk made"
            )
    for name in sorted(set(found["tables"]) - set(expected["tables"])):
        warnings.append(
            f"schema: a table '{name}' that Attendance Desk did not make is in the file"
        )
    return problems, warnings


# The triggers as PostgreSQL keeps them: enabled for every session ('O'), or not.
TRIGGER_STATES = {
    "D": "is disabled (ALTER TABLE … DISABLE TRIGGER, outside Attendance Desk)",
    "R": "fires only for replication (ENABLE REPLICA TRIGGER, outside Attendance Desk): the "
    "program's changes pass it",
    "A": "was set to fire always (ENABLE ALWAYS TRIGGER, outside Attendance Desk)",
}
SQLITE_ONLY_TABLES = {"_sqlite_migrations"}  # the server records its steps in its own table
SERVER_ONLY_TABLES = {"attendance_desk_migrations"}


def server_schema_problems(engine: Engine) -> tuple[list[str], list[str]]:
    """The schema of a school's database on a server against what the migrations make
    (store/schema_pg.py `apply_pg`, which gives every trigger the file's name, on the same table,
    calling a function of the same name owned by the schema's owner): every safeguard trigger
    present, on its table, enabled, and calling its own function, owned by the tables' owner; no
    other trigger; every table with the file's columns, in order. The application's role cannot
    change any of these (docs/server.md, "Roles"): only the schema's owner can, so a finding here
    names what was done with IT's login. Returns (problems, warnings)."""
    expected = _reference_schema()
    on_table = expected["trigger_tables"]
    problems: list[str] = []
    warnings: list[str] = []
    found = {
        r[0]: r
        for r in engine.query(
            "SELECT t.tgname, c.relname, t.tgenabled, p.proname, "
            "pg_get_userbyid(p.proowner), pg_get_userbyid(c.relowner) "
            "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE NOT t.tgisinternal AND n.nspname = current_schema()"
        )
    }
    for name in expected["triggers"]:
        if name not in found:
            problems.append(
                f"schema: the safeguard trigger '{name}' is missing (dropped outside Attendance Desk)"
            )
            continue
        _, table, state, function, function_owner, table_owner = found[name]
        if table != on_table[name] or function != name or function_owner != table_owner:
            problems.append(
                f"schema: the safeguard trigger '{name}' has been changed outside Attendance Desk"
            )
        if state != "O":
            problems.append(
                f"schema: the safeguard trigger '{name}' "
                + TRIGGER_STATES.get(state, f"is in an unknown state '{state}'")
            )
    for name in sorted(set(found) - set(expected["triggers"])):
        problems.append(f"schema: a trigger '{name}' was added outside Attendance Desk")
    columns: dict[str, list[str]] = {}
    for table, column in engine.query(
        "SELECT c.table_name, c.column_name FROM information_schema.columns c "
        "JOIN information_schema.tables t ON t.table_schema = c.table_schema "
        "AND t.table_name = c.table_name "
        "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' "
        "ORDER BY c.table_name, c.ordinal_position"
    ):
        columns.setdefault(table, []).append(column)
    for name, made in expected["tables"].items():
        if name in SQLITE_ONLY_TABLES:
            continue
        if name not in columns:
            problems.append(f"schema: the table '{name}' is missing")
        elif columns[name] != [c[0] for c in made]:
            problems.append(
                f"schema: the columns of table '{name}' are not those Attendance Desk made"
            )
    for name in sorted(set(columns) - set(expected["tables"]) - SERVER_ONLY_TABLES):
        warnings.append(
            f"schema: a table '{name}' that Attendance Desk did not make is in the database"
        )
    return problems, warnings


# ---- against a backup ---------------------------------------------------------------------------
RETENTION_ACTIONS = ("retention: pupils removed", "pupil archived and removed")


def _table_columns(conn: sqlite3.Connection, schema: str, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f'PRAGMA {schema}.table_info("{table}")')]


def against_backup(
    school: str, backup: str, recorded: dict | None, limit: int = 10
) -> tuple[list[str], list[str]]:
    """What changed in the school file outside Attendance Desk since `backup` was made: rows of the
    chains that the backup holds and the file no longer holds as they were, marks that disappeared,
    and marks changed with no amendment since. `recorded` is the heads kept beside the backup when
    it was made (None for an older backup). Returns (problems, notes)."""
    conn = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    problems: list[str] = []
    notes: list[str] = []
    try:
        conn.execute("ATTACH DATABASE ? AS cur", (school,))
        then = heads(conn)
        if recorded is not None:
            for key, value in then.items():
                if recorded.get(key) != value:
                    problems.append(
                        f"the backup itself has been changed since it was made: its {LABELS.get(key, key)} "
                        f"head is {value}, the record kept with it says {recorded.get(key)}"
                    )
        else:
            notes.append(
                "no record of chain heads beside this backup (made by an older version): the backup's "
                "own last rows are used"
            )
        same_version = (
            conn.execute("PRAGMA main.user_version").fetchone()[0]
            == conn.execute("PRAGMA cur.user_version").fetchone()[0]
        )
        retention = conn.execute(
            f"SELECT COUNT(*) FROM cur.audit WHERE id > ? AND action IN ({','.join('?' * len(RETENTION_ACTIONS))})",
            (then["audit"]["id"], *RETENTION_ACTIONS),
        ).fetchone()[0]
        for table in CHAINS:
            columns = [
                c
                for c in CHAINS[table]
                if c in _table_columns(conn, "main", table)
                and c in _table_columns(conn, "cur", table)
            ]
            same = " AND ".join(f'b."{c}" IS c."{c}"' for c in columns)
            pupil = (
                "b.pupil_id NOT IN (SELECT id FROM cur.pupils)" if "pupil_id" in columns else "0"
            )
            rows = conn.execute(
                f"SELECT b.id, c.id IS NULL, {pupil} FROM main.{table} b LEFT JOIN cur.{table} c ON c.id = b.id "
                f"WHERE b.id <= ? AND (c.id IS NULL OR NOT ({same})) ORDER BY b.id",
                (then[table]["id"],),
            ).fetchall()
            with_pupil_gone = [r for r in rows if r[1] and r[2]]
            other = [r for r in rows if not (r[1] and r[2])]
            if with_pupil_gone and not retention:
                other += with_pupil_gone
            if other:
                removed = [r[0] for r in other if r[1]]
                changed = [r[0] for r in other if not r[1]]
                parts = []
                if changed:
                    parts.append(f"{len(changed)} changed (first: row {changed[0]})")
                if removed:
                    parts.append(f"{len(removed)} removed (first: row {removed[0]})")
                problems.append(
                    f"since the backup, {LABELS[table]} rows it holds were altered outside Attendance "
                    f"Desk: {', '.join(parts)}"
                )
            elif with_pupil_gone:
                notes.append(
                    f"{len(with_pupil_gone)} {LABELS[table]} row(s) left with pupils removed by retention "
                    "(audited)"
                )
            added = conn.execute(
                f"SELECT COUNT(*) FROM cur.{table} WHERE id > ?", (then[table]["id"],)
            ).fetchone()[0]
            notes.append(f"{LABELS[table]}: {added} row(s) added since the backup")
        missing = conn.execute(
            "SELECT b.pupil_id, b.date, b.session, b.pupil_id IN (SELECT id FROM cur.pupils) FROM main.marks b "
            "WHERE NOT EXISTS (SELECT 1 FROM cur.marks c WHERE c.pupil_id = b.pupil_id AND c.date = b.date "
            "AND c.session = b.session) ORDER BY b.pupil_id, b.date, b.session"
        ).fetchall()
        unexplained = [r for r in missing if r[3] or not retention]
        if unexplained:
            shown = "; ".join(_mark_label(conn, *r[:3]) for r in unexplained[:limit])
            problems.append(
                f"{len(unexplained)} mark(s) in the backup have disappeared from the school file since "
                f"(deleted outside Attendance Desk): {shown}"
            )
        if len(missing) > len(unexplained):
            notes.append(
                f"{len(missing) - len(unexplained)} mark(s) of pupils removed by retention (audited) since"
            )
        compared = ["code", "minutes_late"] + (
            ["recorded_by", "recorded_at", "version"] if same_version else []
        )
        differs = " OR ".join(f"b.{c} IS NOT c.{c}" for c in compared)
        changed = conn.execute(
            f"SELECT c.pupil_id, c.date, c.session, b.code, c.code FROM main.marks b JOIN cur.marks c "
            f"ON c.pupil_id = b.pupil_id AND c.date = b.date AND c.session = b.session WHERE ({differs}) "
            "AND NOT EXISTS (SELECT 1 FROM cur.mark_history h WHERE h.pupil_id = c.pupil_id AND h.date = c.date "
            "AND h.session = c.session AND h.id > ? AND h.row_hash IS NOT NULL)",
            (then["mark_history"]["id"],),
        ).fetchall()
        if changed:
            shown = "; ".join(
                f"{_mark_label(conn, *r[:3])} {r[3]} -> {r[4]}" for r in changed[:limit]
            )
            problems.append(
                f"{len(changed)} mark(s) changed since the backup with no amendment recorded by "
                f"Attendance Desk: {shown}"
            )
        now_marks = conn.execute("SELECT COUNT(*) FROM cur.marks").fetchone()[0]
        notes.append(f"marks: {then['marks']} in the backup, {now_marks} now")
    except sqlite3.DatabaseError as exc:
        problems.append(f"the backup {backup} could not be compared: {exc}")
    finally:
        conn.close()
    return problems, notes


def heads_path(backup: str | Path) -> Path:
    """Where a backup's chain heads are kept: beside it, `<backup>.heads.json`."""
    from pathlib import Path

    backup = Path(backup)
    return backup.with_name(backup.name + ".heads.json")


def record_heads(backup: str | Path) -> None:
    """Write the chain heads of a (just verified) backup beside it: `check --against` compares the
    school file with the backup, and the backup with this record."""
    import os
    from datetime import UTC, datetime

    conn = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        found = heads(conn)
    finally:
        conn.close()
    target = heads_path(backup)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(
        json.dumps(
            {
                "backup": target.name.removesuffix(".heads.json"),
                "made_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "heads": found,
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    os.replace(partial, target)


# ---- retention: removal for real -------------------------------------------------------------------
RECORD_TABLES = (
    "marks",
    "mark_history",
    "letters",
    "casework",
    "stage_events",
    "stage_adjustments",
    "meetings",
    "plans",
    "part_time_reviews",
    "part_time_timetables",
    "medical_evidence",
    "illness_decisions",
    "early_help_offers",
    "pupil_contacts",
)


def remove_for_good(store: Store, pupil_ids: list[int], by: str, note: str) -> dict[str, int]:
    """Remove pupils and everything about them so that it cannot be read back from the file: with
    SQLite's secure_delete on (deleted content overwritten with zeros), in one transaction that also
    re-seals the chains the removal cut and audits what was removed (counts, not names); then VACUUM
    and a checkpoint that empties the write-ahead log (outside the transaction). Returns the counts;
    "compacted" is 0 if another program held the file and the VACUUM has to wait for the next removal.

    On a server the rows are deleted in the same one transaction, and the audit says what is true
    there: they are gone from the school's database at once, while the server's own files keep
    the deleted rows' bytes until its maintenance (autovacuum, or IT's VACUUM) reclaims the space,
    and its write-ahead log and IT's backups keep them until those are recycled. The program does
    not VACUUM (only the tables' owner may), and there is no "compacted" count."""
    from attendance_desk.store.db import StoreError, now_iso

    conn = store.engine
    for table in (
        "mark_history",
        "letters",
    ):  # re-sealing must not take in a row another tool wrote
        result = verify(conn, table)
        if result.first_break is not None or result.unsealed or result.state_breaks:
            raise StoreError(
                f"nothing was removed: the {LABELS[table]} has rows changed or written outside "
                "Attendance Desk, and the removal would re-seal them; run 'check' and deal with "
                "those first"
            )
    ids: object = json.dumps(sorted(pupil_ids))
    chosen = "pupil_id IN (SELECT value FROM json_each(?))"
    if conn.name == "postgresql":
        ids, chosen = sorted(pupil_ids), "pupil_id = ANY(CAST(? AS BIGINT[]))"
    with conn.erasing():
        with store.write():
            counts = {"pupils": len(pupil_ids)}
            for table in RECORD_TABLES:
                counts[table] = conn.execute(
                    f"SELECT COUNT(*) FROM {table} WHERE {chosen}", (ids,)
                ).fetchone()[0]
            first = {
                t: conn.execute(f"SELECT MIN(id) FROM {t} WHERE {chosen}", (ids,)).fetchone()[0]
                for t in ("mark_history", "letters")
            }
            contacts = conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0]
            store.pupils.remove(list(pupil_ids))
            counts["contacts"] = (
                contacts - conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0]
            )
            for table, from_id in first.items():
                if from_id is not None:
                    reseal_after_removal(conn, table, from_id)
            listed = ", ".join(f"{n} {t.replace('_', ' ')}" for t, n in counts.items() if n)
            append_audit(
                conn,
                now_iso(),
                by,
                RETENTION_ACTIONS[0],
                "",
                f"{note}: removed {listed}; the mark history and letter log chains re-sealed after the "
                "removed rows; "
                + (
                    "deleted content overwritten (secure_delete) and the file compacted"
                    if conn.name == "sqlite"
                    else SERVER_REMOVAL
                ),
            )
        if conn.name == "sqlite":
            counts["compacted"] = int(conn.compact())
    return counts


# What a removal on a server can truly say of where the removed rows' bytes are (remove_for_good).
SERVER_REMOVAL = (
    "removed from the school's database; the server's storage of the deleted rows is reclaimed by "
    "its own maintenance (autovacuum, or VACUUM by IT), and its write-ahead log and backups keep "
    "them until IT's retention of those ends"
)
