"""The school's database as IT's login, the schema's owner (docs/server.md, "Roles"): what a
retention removal on a server runs as (the application's role may not: tests/postgres/
test_app_role_attacks.py)."""

from __future__ import annotations

from attendance_desk.store.db import Store
from attendance_desk.store.postgres import OWNER


def owner_store(store: Store, server: dict) -> Store:
    """The same database as `store`, opened as the owner: the cluster's superuser acting as
    attendance_owner (`SET ROLE`, for the whole session), as a login that is the owner or a member
    of it would. `server`: the `pg_school_server` fixture's value."""
    from attendance_desk.store.postgres_engine import PostgresEngine

    info = store.engine.conn.info
    engine = PostgresEngine.connect(host=info.host, dbname=info.dbname, user=server["superuser"])
    engine.execute(f"SET ROLE {OWNER}")
    return Store(store.path, engine)
