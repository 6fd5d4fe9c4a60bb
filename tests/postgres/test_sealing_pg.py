"""Sealing on PostgreSQL (docs/server.md, step 4): connected as the application's role, the app
seals the mark history, the audit log and the letter log through `chain.seal` as it does on the
file (the column grant `UPDATE (row_hash)` and m013's fill-once guards); PostgreSQL itself refuses
a second seal, a change to any other column, and a DELETE; the chains verify on PostgreSQL, and
their hashes are byte for byte those of the same rows written on SQLite."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from attendance_desk.domain.people import Pupil
from attendance_desk.domain.records import NewLetter
from attendance_desk.store import chain
from attendance_desk.store.marks import insert_new_marks
from tests.engines import make_store

psycopg = pytest.importorskip("psycopg")

AT = "2026-09-07T09:00:00Z"


def _write(store, monkeypatch) -> dict[str, list[tuple]]:
    """The same rows on either engine, at fixed times: a pupil, two marks, an amendment (its
    history row, made by the trigger), a mark changed by a plain UPDATE (history written by the
    trigger, marked direct, the last history row: it names the server's login where the file says
    "unknown", so it and the rows after it would hash apart), audit entries, a letter posted and one void.
    Returns every chain's rows with their hashes."""
    monkeypatch.setattr("attendance_desk.store.marks.now_iso", lambda: AT)
    monkeypatch.setattr("attendance_desk.store.letters.now_iso", lambda: AT)
    monkeypatch.setattr("attendance_desk.store.audit.now_iso", lambda: AT)
    store.pupils.upsert_many(
        [
            Pupil(
                id=None,
                upn="A123456789012",
                surname="Able",
                forename="Ann",
                year_group="4",
                reg_group="4A",
                admission_date=date(2020, 9, 1),
            )
        ]
    )
    pupil = store.pupils.by_upn("A123456789012").id
    insert_new_marks(
        store,
        [(pupil, "2026-09-07", "AM", "N", None), (pupil, "2026-09-07", "PM", "/", None)],
        by="office1",
        source="register",
    )
    store.audit.log("office1", "register saved", "4A 07/09/2026 AM")
    store.marks.amend(pupil, date(2026, 9, 7), "AM", "I", None, "mum rang: ill", "lead", 1)
    store.marks.amend(pupil, date(2026, 9, 7), "PM", "U", 40, "arrived after close", "lead", 1)
    with store.write():  # a change made by another tool: its history row stays unsealed
        store.execute(
            "UPDATE marks SET code = 'L', minutes_late = 12 WHERE pupil_id = ? AND session = 'PM'",
            (pupil,),
        )
    letter = NewLetter(
        pupil_id=pupil,
        template="stage1",
        stage_key="stage1",
        contact_id=None,
        addressee="Ms Able",
        address="1 Road\nTown",
        figures={"rate": 91.5},
        text="Dear Ms Able, …",
        letter_date=date(2026, 9, 8),
        details={"stage": 1},
    )
    first = store.letters.log_issued(letter, 1, "ab" * 32, "letters/1.pdf", 1, "lead")
    second = store.letters.log_issued(letter, 2, "cd" * 32, "letters/2.pdf", 1, "lead")
    store.letters.mark_posted(first, date(2026, 9, 9))
    monkeypatch.setattr("attendance_desk.store.letters.now_iso", lambda: "2026-09-09T10:00:00Z")
    store.letters.void(second, "wrong address", "head")
    store.audit.log("lead", "letter issued", "1, 2")
    return {
        table: [
            tuple(r)
            for r in store.query(
                f"SELECT {chain._columns(table)}, row_hash"
                + (", posted_on, void_reason, state_hash" if table == "letters" else "")
                + f" FROM {table} ORDER BY id"
            )
        ]
        for table in chain.CHAINS
    }


def _database_clock_apart(history: list[tuple]) -> list[tuple]:
    """The history row that another tool's UPDATE made (direct = 1, unsealed) is stamped by the
    trigger with the database's own clock, which can tick over a second between the two engines'
    writes: its time is checked to be the database's now and then compared apart."""
    changed_at = (
        12  # id, pupil_id, date, session, old/new code, old/new minutes, by, at, reason, by, at
    )
    changed_by = changed_at - 1  # "unknown" on the file, the login on a server (m027)
    kept = []
    for row in history:
        if row[-2] == 1:
            stamped = datetime.strptime(row[changed_at], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            assert abs(datetime.now(UTC) - stamped) < timedelta(minutes=5), row
            assert row[changed_by] in ("unknown", "server login office_pc")
            row = (*row[:changed_by], "who", "the database's clock", *row[changed_at + 1 :])
        kept.append(row)
    return kept


@pytest.fixture
def both(request, tmp_path):
    stores = {kind: make_store(request, tmp_path, kind) for kind in ("sqlite", "postgresql")}
    yield stores
    for store in stores.values():
        store.close()


def test_the_app_role_seals_and_the_chains_are_byte_identical(both, monkeypatch):
    written = {kind: _write(store, monkeypatch) for kind, store in both.items()}
    pg = both["postgresql"]
    assert pg.engine.name == "postgresql"
    assert pg.query("SELECT current_user")[0][0] == "office_pc"  # the app's role, not the owner
    for table in chain.CHAINS:
        on_file, on_server = written["sqlite"][table], written["postgresql"][table]
        if table == "mark_history":
            on_file, on_server = _database_clock_apart(on_file), _database_clock_apart(on_server)
        assert on_server == on_file, table  # every column and every hash
        sealed = [row[0] for row in on_server if row[len(chain.CHAINS[table])]]
        # all sealed by the app, but the history row the other tool's UPDATE made (direct = 1)
        assert sealed == [row[0] for row in on_server if table != "mark_history" or row[-2] == 0]
    history = written["postgresql"]["mark_history"]
    assert [(h[0], h[-2]) for h in history] == [(1, 0), (2, 0), (3, 1)]
    found = {kind: chain.chain_problems(store.engine) for kind, store in both.items()}
    for problems, results in found.values():
        assert {r.table: r.rows for r in results} == {"mark_history": 3, "audit": 2, "letters": 2}
        assert len(problems) == 1 and problems[0].startswith(
            "mark history: 1 row(s) not written by Attendance Desk (no seal): row(s) 3; the first "
            "changes Ann Able (A123456789012) 2026-09-07 PM from U to L"
        )
    # the same finding, but who: the file cannot know; the server names the login
    assert "'by unknown at " in found["sqlite"][0][0]
    assert "'by server login office_pc at " in found["postgresql"][0][0]
    on_server = [p.replace("server login office_pc", "unknown") for p in found["postgresql"][0]]
    assert on_server == found["sqlite"][0]
    # the outside change raised the mark's version (m027), as the app's amendment does
    for store in both.values():
        assert store.query("SELECT version FROM marks WHERE session = 'PM'")[0][0] == 3
    heads = {kind: chain.heads(store.engine) for kind, store in both.items()}
    assert heads["postgresql"] == heads["sqlite"]


@pytest.mark.parametrize(
    "statement, refusal, message",
    [
        # a second seal: the fill-once guard (m013), with SQLite's message
        ("UPDATE audit SET row_hash = 'x' WHERE id = 1", "RestrictViolation", "append-only"),
        ("UPDATE mark_history SET row_hash = 'x'", "RestrictViolation", "append-only"),
        ("UPDATE letters SET row_hash = 'x'", "RestrictViolation", "cannot be changed"),
        ("UPDATE mark_history SET row_hash = NULL", "RestrictViolation", "append-only"),
        # any other column: not granted, whatever the guards would say
        ("UPDATE audit SET detail = 'nothing'", "InsufficientPrivilege", "permission denied"),
        ("UPDATE mark_history SET reason = 'x'", "InsufficientPrivilege", "permission denied"),
        (
            "UPDATE mark_history SET row_hash = row_hash, new_code = 'O'",
            "InsufficientPrivilege",
            "permission denied",
        ),
        ("UPDATE letters SET text = 'Dear other'", "InsufficientPrivilege", "permission denied"),
        ("DELETE FROM audit", "InsufficientPrivilege", "permission denied"),
        ("DELETE FROM mark_history", "InsufficientPrivilege", "permission denied"),
        ("DELETE FROM letters", "InsufficientPrivilege", "permission denied"),
    ],
)
def test_postgresql_refuses_a_second_seal_another_column_and_delete(
    request, tmp_path, monkeypatch, statement, refusal, message
):
    store = make_store(request, tmp_path, "postgresql")
    try:
        _write(store, monkeypatch)
        with pytest.raises(getattr(psycopg.errors, refusal), match=message), store.write():
            store.execute(statement)
        problems = chain.chain_problems(store.engine)[0]
        assert len(problems) == 1 and "row(s) 3;" in problems[0]  # the other tool's row only
    finally:
        store.close()


def test_an_unsealed_row_is_sealed_once_through_chain_seal(request, tmp_path):
    """The grant is the seal's column only: the app fills a row's hash, once."""
    store = make_store(request, tmp_path, "postgresql")
    try:
        with store.write():
            after = chain.last_id(store.engine, "audit")
            store.execute(
                'INSERT INTO audit(at, "user", action) VALUES (?, ?, ?)', (AT, "lead", "x")
            )
            assert chain.seal(store.engine, "audit", after) == 1
        with pytest.raises(psycopg.errors.RestrictViolation), store.write():
            chain.seal(store.engine, "audit", after)  # the same row again
        assert chain.chain_problems(store.engine)[0] == []
    finally:
        store.close()
