"""A login on the test server that must give a password: what the tests of a password asked for,
retried, kept in pgpass or refused use (the cluster's own logins connect by `trust`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from tests import engines


@contextlib.contextmanager
def password_login(server: dict, login: str, password: str) -> Iterator[str]:
    """`login` in the program's role with `password`, scram-sha-256 for it alone in pg_hba.conf
    (ahead of the cluster's `trust` lines); dropped, and pg_hba.conf put back, at the end."""
    host, superuser = server["host"], server["superuser"]
    with engines._admin(host, superuser) as admin:
        admin.execute(f"DROP ROLE IF EXISTS {login}")
        admin.execute(f"CREATE ROLE {login} LOGIN PASSWORD '{password}' IN ROLE attendance_app")
        hba = Path(admin.execute("SHOW hba_file").fetchone()[0])
        before = hba.read_text()
        hba.write_text(f"local all {login} scram-sha-256\n" + before)
        admin.execute("SELECT pg_reload_conf()")
    try:
        yield login
    finally:
        with engines._admin(host, superuser) as admin:
            hba.write_text(before)
            admin.execute("SELECT pg_reload_conf()")
            admin.execute(f"DROP ROLE IF EXISTS {login}")
