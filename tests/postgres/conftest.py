"""A throwaway PostgreSQL cluster for the server option's tests (docs/server.md): initdb and pg_ctl
in a temporary folder, a Unix socket only (no TCP), stopped at the end of the session. initdb
refuses to run as root, so as root (CI, these machines) the cluster belongs to `postgres`
(runuser). Without the PostgreSQL programs the tests are skipped, except on CI, where
.ci/install puts them there and a missing one fails."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest


def _bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(versions[-1]).parent if versions else None


def _as_cluster_owner(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@pytest.fixture(scope="session")
def pg_cluster():
    """(socket folder, superuser name) of a running throwaway cluster."""
    psycopg = pytest.importorskip("psycopg")
    del psycopg
    bindir = _bindir()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed: .ci/install should have installed it")
        pytest.skip("PostgreSQL (initdb, pg_ctl) is not installed")
    root = Path(tempfile.mkdtemp(prefix="ad-pg-"))
    data, sockets = root / "data", root / "run"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
    superuser = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")
    run = dict(check=True, capture_output=True, text=True, timeout=120)
    subprocess.run(
        _as_cluster_owner(
            [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", superuser, "--no-sync"]
        ),
        **run,
    )
    options = f"-k {sockets} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
    subprocess.run(
        _as_cluster_owner(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(root / "log"),
                "-w",
                "start",
            ]
        ),
        **run,
    )
    try:
        yield str(sockets), superuser
    finally:
        subprocess.run(
            _as_cluster_owner([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)
