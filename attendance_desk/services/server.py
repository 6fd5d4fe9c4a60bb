"""Several PCs, one school: where the school is (a file, or the school's server), what that means.

A school file on a network drive is opened safely for one PC at a time (store/db.py and
docs/reliability.md); several PCs working at once use the school's server (PostgreSQL,
docs/server.md): `connect_to_server` opens its database as the PC's login, after checking its
version (never migrating: that is IT's `migrate`, `migrate_server` here, run as the schema's owner).
Every refusal is a `ServiceError` with a plain sentence naming the server; the password is never in
one, nor printed or logged."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from attendance_desk.services.school import ServiceError
from attendance_desk.store.db import Store, StoreError
from attendance_desk.store.location import network_location

SERVER_SCHEMES = ("postgresql://", "postgres://", "postgresql:/", "postgres:/")

SERVER_UNAVAILABLE = (
    "the server option is not available in this installation: it needs the psycopg package "
    "(pip install 'psycopg[binary]'), which this copy of Attendance Desk does not have"
)

SHARED_FILE_ADVICE = (
    "Several PCs working at the same time should use the school's server option (PostgreSQL, set "
    "up by IT as the README's \"The school's server\" says; then Connect to the school's "
    "server…), not a shared file: until then, use this file from one PC at a time."
)


class ServerPasswordNeeded(ServiceError):
    """The server asks for a password and none was given (nor found in PGPASSWORD or the pgpass
    file): ask for one and call again with it. `note`: why the pgpass file gave none, when it is
    there (readable by others, so libpq ignores it; no line for this address), else ""."""

    note: str = ""


class ServerAddress(str):
    """A server's address as given (`postgresql://LOGIN@SERVER/DATABASE`), with the password asked
    for kept beside it, never in the text: what the command line passes to `open_school` once it
    has asked. `shown` is the address without any password."""

    password: str | None = None

    @property
    def shown(self) -> str:
        return shown_address(self)


# libpq's key=value form (`host=SERVER dbname=attendance user=office_pc`): its first key is one of
# these (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-PARAMKEYWORDS)
KEY_VALUE = re.compile(
    r"^\s*(host|hostaddr|port|dbname|user|service|passfile|sslmode|connect_timeout|"
    r"application_name|options|target_session_attrs)\s*=",
    re.IGNORECASE,
)


def is_server_address(text: str | Path) -> bool:
    """A `postgresql://…` address, also as argparse's Path mangles it (`postgresql:/…`), or libpq's
    key=value pairs (`host=SERVER dbname=attendance user=office_pc`)."""
    given = str(text)
    return given.lower().startswith(SERVER_SCHEMES) or (
        isinstance(text, str) and bool(KEY_VALUE.match(given))
    )


def holds_password(address: str) -> bool:
    """Whether a server's address carries a password (`postgresql://LOGIN:PASSWORD@…`,
    `?password=…`, or a `password=…` pair): it works, but anyone on the computer can read it in
    the list of running programs, so the command line warns."""
    if not is_server_address(address):
        return False
    text = shown_or_given(str(address)).strip()
    if "://" not in text:  # key=value pairs
        return bool(re.search(r"(^|\s)password\s*=", text, re.IGNORECASE))
    from urllib.parse import parse_qsl, urlsplit

    try:
        parts = urlsplit(text)
        return parts.password is not None or any(
            key == "password" for key, _ in parse_qsl(parts.query, keep_blank_values=True)
        )
    except ValueError:
        return False


def shown_address(address: str | Path) -> str:
    """A school file's path, or a server's address without its password: what to show or print."""
    from attendance_desk.store.server import without_password

    if not is_server_address(address):
        return str(address)
    text = str(address)
    for scheme in ("postgresql:/", "postgres:/"):  # as a Path leaves it: one slash of the two
        if text.startswith(scheme) and not text.startswith(scheme + "/"):
            text = scheme + "/" + text[len(scheme) :]
    return without_password(text)


def _refused(exc: StoreError) -> ServiceError:
    from attendance_desk.store.server import PSYCOPG_MISSING

    reason = getattr(exc, "reason", "")
    if reason == "password":
        needed = ServerPasswordNeeded(str(exc))
        needed.note = getattr(exc, "note", "")
        return needed
    if str(exc) == PSYCOPG_MISSING:
        return ServiceError(SERVER_UNAVAILABLE)
    return ServiceError(str(exc))


def connect_to_server(address: str, password: str | None = None) -> Store:
    """Open the school's database on a server as the login the address names (a libpq URL,
    `postgresql://LOGIN@SERVER[:PORT]/DATABASE`, or key=value pairs); the password given, else
    libpq's own (PGPASSWORD, the pgpass file). The database must be at this program's version:
    not made ready or older is refused naming the `migrate` command IT runs; newer is refused
    (install the newer version). Refused: `ServerPasswordNeeded` when the server asks for a
    password and none was given; any other failure (server unreachable, no such database or
    login, password not accepted) a `ServiceError`. The store's `server_address` is the address
    without its password; `on_server` is true."""
    from attendance_desk.store.server import open_server

    if password is None and isinstance(address, ServerAddress):
        password = address.password
    try:
        return open_server(shown_or_given(address), password)
    except StoreError as exc:
        raise _refused(exc) from None


def shown_or_given(address: str) -> str:
    """The address to connect to: as given, with a Path's lost slash put back."""
    text = str(address)
    for scheme in ("postgresql:/", "postgres:/"):
        if text.startswith(scheme) and not text.startswith(scheme + "/"):
            return scheme + "/" + text[len(scheme) :]
    return text


@dataclass(frozen=True)
class MigrationReport:
    applied: list[str]  # the migrations applied now, in order (none: it was up to date)
    version: int  # the database's version afterwards
    address: str  # the database, without its password


def migrate_server(address: str, password: str | None = None) -> MigrationReport:
    """IT's `migrate`: bring the server's database up to this program's version, as the schema's
    owner (`postgresql://attendance_owner@SERVER/DATABASE`). Refused, naming why: the roles not
    made yet (`server_setup_sql`), a login that is not the owner (the program's own role cannot
    migrate), a newer database, another program's tables; `ServerPasswordNeeded` as above."""
    from attendance_desk.store.server import migrate

    if password is None and isinstance(address, ServerAddress):
        password = address.password
    try:
        done = migrate(shown_or_given(address), password)
    except StoreError as exc:
        raise _refused(exc) from None
    return MigrationReport(done.applied, done.version, done.server.shown)


def server_setup_sql(dbname: str, logins: list[str] | None = None, passwords: bool = False) -> str:
    """The SQL a superuser runs once through psql to make the school's database and its two roles
    (IT's login owning the schema, and the program's role each PC's login joins), and `logins`
    (one for each PC or member of staff) in the program's role. Safe to pipe into psql; with
    `passwords`, psql asks each login that has no password yet for one (for `psql -f FILE` at a
    terminal). A password already set is never reset; a second school's database on the same
    server is warned of (the roles are shared)."""
    from attendance_desk.store.server import setup_sql

    try:
        return setup_sql(dbname, logins or (), passwords)
    except StoreError as exc:
        raise ServiceError(str(exc)) from None


ABOUT_A_FILE = {
    "backup": (
        "backup copies a school file; a school on the school's server is backed up by IT with "
        "the server's own tools (pg_dump, and the server's backups). For a copy the school can "
        "carry, an administrator runs copy-to NEW.sqlite"
    ),
    "restore": (
        "restore puts a backup file in place of a school file; a school on the school's server is "
        "restored by IT from the server's own backups (pg_restore), or a school file is copied "
        "onto a new, empty database with copy-to"
    ),
    "demo": (
        "demo writes a new school file, not a server's database: make one with --db demo.sqlite "
        "demo, then copy it onto the server with --db demo.sqlite copy-to "
        "postgresql://attendance_owner@SERVER/DATABASE"
    ),
    "check --against": (
        "check --against compares a school file with a backup file of it; a school on the "
        "school's server has the server's own backups: run check without --against"
    ),
}


def about_a_file(what: str) -> str:
    """Why `what` (a command about a school file) is refused for a school on a server, and what to
    use instead."""
    return f"not done: {ABOUT_A_FILE[what]}"


def server_error(exc: BaseException) -> str | None:
    """What to tell the user when an error of the school's server (its driver's, not a refusal of
    the program's own) reaches the window or the command line: one sentence, or None when `exc`
    is not one (then it is a fault of the program, shown as such)."""
    from attendance_desk.store.server import engine_error_message

    return engine_error_message(exc)


def documents_folder(store: Store) -> Path:
    """Where this PC keeps a school's documents by default: beside a school file
    (`<file>-documents`); for a school on a server, in the user's Documents
    (`Attendance Desk/<database>-documents`)."""
    return store.path.parent / f"{store.path.stem}-documents"


def location_warning(where: Store | Path | str) -> str | None:
    """What to tell the user when the school file is on a network drive; None on a local disk
    (and for a school on a server: that is what several PCs should use)."""
    if isinstance(where, Store):
        if where.on_server:
            return None
        location = where.location
    elif is_server_address(where):
        return None
    else:
        location = network_location(Path(where))
    if not location.network:
        return None
    return (
        f"The school file is on {location.describe()}. SQLite's WAL mode does not work over a "
        "network, so it is opened in rollback-journal mode and each save takes the whole file. "
        + SHARED_FILE_ADVICE
    )
