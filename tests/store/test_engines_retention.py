"""A retention removal on either engine (store/chain.py `remove_for_good`, docs/server.md
"Retention removal"): exactly the pupil's rows go, the chains the removal cut are re-sealed in the
same transaction and verify, and the chains are byte for byte the same on both engines. On a server
the application's role may not delete from the chains itself: the owner's `remove_chained_rows`
does that part, and refuses a pupil not listed for removal, one who left too recently, or a chain
holding rows another tool wrote. A retention removal on a server is IT's: it runs as the owner
(`tests.postgres.owner.owner_store`); the PC's login is refused by PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from attendance_desk.domain.records import NewLetter
from attendance_desk.services.privacy import KEEP_YEARS
from attendance_desk.store import chain
from attendance_desk.store.db import StoreError
from attendance_desk.store.schema_pg import RETENTION_YEARS
from tests.engines import make_store
from tests.helpers import add_pupil, put_marks, sessions
from tests.postgres.owner import owner_store

AT = "2026-11-25T10:00:00Z"
CHAINED = ("marks", "mark_history", "letters")


def _letter(store, pupil, number):
    store.letters.log_issued(
        NewLetter(
            pupil.id,
            "stage1",
            "stage1",
            None,
            f"Parent of {pupil.surname}",
            "1 Road",
            {},
            f"Dear parent of {pupil.surname}",
            date(2017, 10, 1),
            {},
        ),
        number,
        hashlib.sha256(b"%PDF letter").hexdigest(),
        "letters/l.pdf",
        1,
        "office",
    )


def _school(store, monkeypatch):
    """Two pupils whose history and letters interleave: the one who left in 2018 first."""
    for module in ("marks", "letters", "audit"):
        monkeypatch.setattr(f"attendance_desk.store.{module}.now_iso", lambda: AT)
    monkeypatch.setattr("attendance_desk.store.db.now_iso", lambda: AT)
    gone = add_pupil(store, 1, surname="Gone", leaving_date=date(2018, 7, 20))
    stays = add_pupil(store, 2, surname="Stays")
    put_marks(store, gone, sessions(date(2017, 9, 11), date(2017, 9, 22), "N"))
    put_marks(store, stays, sessions(date(2017, 9, 11), date(2017, 9, 22), "/"))
    for day in (date(2017, 9, 12), date(2017, 9, 19)):
        store.marks.amend(gone.id, day, "AM", "I", None, "mum phoned", "office")
        store.marks.amend(stays.id, day, "AM", "M", None, "dentist", "office")
    _letter(store, gone, 1)
    _letter(store, stays, 2)
    _letter(store, gone, 3)
    _letter(store, stays, 4)
    store.letters.mark_posted(4, date(2017, 10, 2))
    return gone, stays


def _chains(store):
    return {
        table: [tuple(r) for r in store.query(f"SELECT * FROM {table} ORDER BY id")]
        for table in ("mark_history", "letters")
    }


@pytest.fixture
def both(request, tmp_path):
    stores = {kind: make_store(request, tmp_path, kind) for kind in ("sqlite", "postgresql")}
    yield stores
    for store in stores.values():
        store.close()


def test_the_retention_period_is_the_services(request):
    assert RETENTION_YEARS == KEEP_YEARS


def test_a_removal_takes_exactly_the_pupils_rows_and_reseals_on_both_engines(
    request, both, monkeypatch
):
    after = {}
    for kind, store in both.items():
        gone, stays = _school(store, monkeypatch)
        before = {t: store.query(f"SELECT count(*) FROM {t}")[0][0] for t in CHAINED}
        remover = store
        if kind == "postgresql":  # the PC's login may not; IT's, the owner, may
            psycopg = pytest.importorskip("psycopg")
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="table removals"):
                chain.remove_for_good(store, [gone.id], "admin", "left more than 6 years ago")
            remover = owner_store(store, request.getfixturevalue("pg_school_server"))
        try:
            counts = chain.remove_for_good(
                remover, [gone.id], "admin", "left more than 6 years ago"
            )
        finally:
            if remover is not store:
                remover.close()
        assert (counts["pupils"], counts["marks"], counts["mark_history"], counts["letters"]) == (
            1,
            20,
            2,
            2,
        )
        for table in CHAINED:  # the pupil's rows gone, and only those
            left = store.query(f"SELECT pupil_id, count(*) FROM {table} GROUP BY pupil_id")
            assert [tuple(r) for r in left] == [(stays.id, before[table] // 2)]
        assert store.pupils.by_upn(gone.upn) is None
        assert store.pupils.by_upn(stays.upn) is not None
        assert not store.query("SELECT 1 FROM removals")
        problems, results = chain.chain_problems(store.engine)
        assert problems == [], kind
        assert {r.table: r.rows for r in results}["mark_history"] == 2
        assert store.audit.entries()[-1].action == "retention: pupils removed"
        after[kind] = _chains(store)
    assert after["postgresql"] == after["sqlite"]  # every column, every seal


@pytest.mark.parametrize(
    "listed, leaving, refusal",
    [
        (False, date(2018, 7, 20), "only pupils who left more than 6 years ago, listed"),
        (True, date(2023, 7, 20), "only pupils who left more than 6 years ago, listed"),
    ],
)
def test_the_owners_function_refuses_what_a_removal_is_not(
    request, tmp_path, monkeypatch, listed, leaving, refusal
):
    psycopg = pytest.importorskip("psycopg")
    store = make_store(request, tmp_path, "postgresql")
    try:
        gone, _ = _school(store, monkeypatch)
        store.pupils.upsert_many([gone.__class__(**{**gone.__dict__, "leaving_date": leaving})])
        owner = owner_store(store, request.getfixturevalue("pg_school_server"))
        try:
            with pytest.raises(psycopg.errors.RestrictViolation, match=refusal), owner.write():
                if listed:
                    owner.execute("INSERT INTO removals VALUES (?)", (gone.id,))
                owner.execute("SELECT remove_chained_rows(CAST(? AS BIGINT[]))", ([gone.id],))
        finally:
            owner.close()
        # the PC's login may not list a pupil, call the function or delete from the chains
        for statement, params in (
            ("INSERT INTO removals VALUES (?)", (gone.id,)),
            ("SELECT remove_chained_rows(CAST(? AS BIGINT[]))", ([gone.id],)),
            ("DELETE FROM mark_history WHERE pupil_id = ?", (gone.id,)),
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege), store.write():
                store.execute(statement, params)
        assert store.query("SELECT count(*) FROM mark_history")[0][0] == 4  # nothing went
        assert chain.chain_problems(store.engine)[0] == []
    finally:
        store.close()


def test_a_removal_refuses_to_reseal_rows_another_tool_wrote_on_a_server(
    request, tmp_path, monkeypatch
):
    """As on the file (tests/trust/test_retention_erase.py): a history row without a seal after
    the pupil's rows is refused by the service's check and, called directly, by the function."""
    psycopg = pytest.importorskip("psycopg")
    store = make_store(request, tmp_path, "postgresql")
    try:
        gone, stays = _school(store, monkeypatch)
        with store.write():  # another tool's change: an unsealed history row
            store.execute(
                "UPDATE marks SET code = 'O' WHERE pupil_id = ? AND date = '2017-09-20' "
                "AND session = 'PM'",
                (stays.id,),
            )
        with pytest.raises(StoreError, match="nothing was removed"):
            chain.remove_for_good(store, [gone.id], "admin", "x")
        owner = owner_store(store, request.getfixturevalue("pg_school_server"))
        try:
            with pytest.raises(StoreError, match="nothing was removed"):
                chain.remove_for_good(owner, [gone.id], "admin", "x")
            refused = pytest.raises(psycopg.errors.RestrictViolation, match="nothing was removed")
            with refused, owner.write():
                owner.execute("INSERT INTO removals VALUES (?)", (gone.id,))
                owner.execute("SELECT remove_chained_rows(CAST(? AS BIGINT[]))", ([gone.id],))
        finally:
            owner.close()
        assert store.pupils.by_upn(gone.upn) is not None
        assert store.query("SELECT count(*) FROM mark_history")[0][0] == 5
    finally:
        store.close()
