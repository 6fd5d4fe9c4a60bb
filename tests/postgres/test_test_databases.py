"""The test harness's own promise (tests/engines.py): a database handed to a test and emptied for
the next is the template again, row for row and sequence for sequence; one whose schema a test
changed is not put back."""

from __future__ import annotations

from datetime import date

from tests import engines
from tests.helpers import TERMS, add_pupil, put_marks, sessions


def _contents(server: dict, name: str) -> dict:
    with engines._admin(server["host"], server["superuser"], name) as db:
        tables = [
            r[0]
            for r in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        rows = {t: sorted(map(repr, db.execute(f'SELECT * FROM "{t}"').fetchall())) for t in tables}
        sequences = dict(db.execute("SELECT sequencename, last_value FROM pg_sequences").fetchall())
        return {"rows": rows, "sequences": sequences}


def test_an_emptied_database_is_the_template_again(pg_school_server):
    server = pg_school_server
    store = engines.server_school(server, TERMS, ())
    name = store.engine.conn.info.dbname
    pupil = add_pupil(store, 1)
    put_marks(store, pupil, sessions(date(2024, 9, 2), date(2024, 9, 6), "/"))
    store.marks.amend(pupil.id, date(2024, 9, 3), "AM", "I", None, "ill", "office")
    store.close()
    engines._HANDED.remove((server, name))  # emptied here, not by the fixture
    assert _contents(server, name)["rows"]["marks"]  # the test can fail: there is something
    assert engines._emptied(server, name)
    emptied = _contents(server, name)
    template = _contents(server, engines.TEMPLATE)
    assert emptied["rows"] == template["rows"]
    assert emptied["sequences"] == template["sequences"]
    server["pool"].append(name)


def test_a_database_whose_schema_a_test_changed_is_not_put_back(pg_school_server):
    server = pg_school_server
    store = engines.pg_store(server)
    name = store.engine.conn.info.dbname
    store.close()
    engines._HANDED.remove((server, name))
    with engines._admin(server["host"], server["superuser"], name) as db:
        db.execute("ALTER TABLE audit DISABLE TRIGGER audit_no_update")
    assert not engines._emptied(server, name)
