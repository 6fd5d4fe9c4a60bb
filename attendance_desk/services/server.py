"""Several PCs, one school: where the school file is, what that means, and the server option.

A school file on a network drive is opened safely for one PC at a time (store/db.py and
docs/reliability.md); several PCs working at once need the school's server (PostgreSQL), which is
designed in docs/server.md but is not in this version: asking for it is refused plainly."""

from __future__ import annotations

from pathlib import Path

from attendance_desk.services.school import ServiceError
from attendance_desk.store.db import Store
from attendance_desk.store.location import network_location

SERVER_SCHEMES = ("postgresql://", "postgres://", "postgresql:/", "postgres:/")

SERVER_UNAVAILABLE = (
    "the server option is not available in this version: Attendance Desk opens a school file "
    "(one PC at a time if the file is on a network drive). The PostgreSQL server option for "
    "several PCs is planned; see docs/server.md"
)

SHARED_FILE_ADVICE = (
    "Several PCs working at the same time should use the school's server option (PostgreSQL, "
    "not yet in this version), not a shared file: until then, use this file from one PC at a time."
)


def is_server_address(text: str | Path) -> bool:
    """A `postgresql://…` address, also as argparse's Path mangles it (`postgresql:/…`)."""
    return str(text).lower().startswith(SERVER_SCHEMES)


def connect_to_server(address: str) -> Store:
    """The server option: refused in this version, naming why (never a half-working connection)."""
    raise ServiceError(SERVER_UNAVAILABLE)


def location_warning(where: Store | Path) -> str | None:
    """What to tell the user when the school file is on a network drive; None on a local disk."""
    location = where.location if isinstance(where, Store) else network_location(where)
    if not location.network:
        return None
    return (
        f"The school file is on {location.describe()}. SQLite's WAL mode does not work over a "
        "network, so it is opened in rollback-journal mode and each save takes the whole file. "
        + SHARED_FILE_ADVICE
    )
