"""Where the window's school is: a school file (a Path), or the school's server (a `SchoolServer`:
the `postgresql://` address as IT gives it, without a password). The window and its background
work open the school through `open_place`, so a report or a workbook written in the background
opens its own connection to the same server as the window's (docs/server.md, step 8)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit, urlunsplit

from attendance_desk.services.school import SchoolFile, ServiceError, open_school
from attendance_desk.services.server import ServerAddress

SETTINGS_KEY = "server/address"  # "Remember on this PC": the address only, never a password
SCHEMES = ("postgresql://", "postgres://")


class SchoolServer(ServerAddress):
    """The server's address (no password in it). The password typed in the Connect dialog, if the
    server asked for one, is kept in memory for this run only, for the background work's own
    connections; it is never written anywhere and never shown."""

    def __new__(cls, address: str, password: str | None = None) -> SchoolServer:
        place = super().__new__(cls, address)
        place.password = password or None
        return place

    def __repr__(self) -> str:  # never the password
        return f"SchoolServer({str(self)!r})"

    @property
    def name(self) -> str:
        """How the window names it: "attendance on db.school.local"."""
        return describe_server(self)


Place = Path | SchoolServer


def on_server(place: object) -> bool:
    return isinstance(place, SchoolServer)


def open_place(place: Place) -> SchoolFile:
    """The school at `place`, opened: a file as always, a server as the PC's login."""
    if isinstance(place, SchoolServer):
        from attendance_desk.services.server import connect_to_server

        return connect_to_server(str(place), place.password)
    return open_school(place)


def is_address(text: str) -> bool:
    return text.strip().lower().startswith(SCHEMES)


def server_address(server: str, database: str = "", login: str = "") -> tuple[str, str | None]:
    """(the address, a password found in it) from what IT's sheet gives: either the whole
    `postgresql://login@server/database` address pasted into the Server field, or the server's name
    (with `:port` if IT gave one), the database and the login. A password pasted inside an address
    is taken out of it, so it is never remembered or shown. Refused, naming what is missing."""
    server, database, login = server.strip(), database.strip(), login.strip()
    if is_address(server):
        parts = urlsplit(server)
        password = unquote(parts.password) if parts.password is not None else None
        netloc = parts.netloc.rpartition("@")
        user_part, host_part = (netloc[0], netloc[2]) if netloc[1] else ("", netloc[2])
        user = user_part.partition(":")[0]
        if not parts.path.strip("/"):
            raise ServiceError(
                "the address names no database: it should end with /DATABASE "
                "(for example postgresql://office1@attendance.school.local/attendance)"
            )
        rebuilt = urlunsplit(
            (
                parts.scheme,
                f"{user}@{host_part}" if user else host_part,
                parts.path,
                parts.query,
                "",
            )
        )
        return rebuilt, password
    if not server:
        raise ServiceError(
            "type the server's name from IT's sheet (for example attendance.school.local), "
            "or paste the whole postgresql:// address"
        )
    if any(c in server for c in " /@?"):
        raise ServiceError(
            f"'{server}' is not a server's name: type it as IT's sheet gives it "
            "(for example attendance.school.local or 10.0.0.5:5432)"
        )
    if not database:
        raise ServiceError("type the database's name from IT's sheet (for example attendance)")
    user = f"{quote(login, safe='')}@" if login else ""
    return f"postgresql://{user}{server}/{quote(database, safe='')}", None


def address_parts(address: str) -> tuple[str, str, str]:
    """(server, database, login) of an address, to fill the dialog's fields again."""
    parts = urlsplit(address)
    host = parts.hostname or parse_qs(parts.query).get("host", [""])[0]
    if parts.port:
        host = f"{host}:{parts.port}"
    return host, unquote(parts.path.strip("/")), unquote(parts.username or "")


def as_owner(address: str) -> str:
    """The same database as IT's login (`attendance_owner`, who migrates and copies a school in)."""
    parts = urlsplit(address)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"attendance_owner@{host}", parts.path, parts.query, ""))


def describe_server(address: str) -> str:
    """ "attendance on db.school.local" (the database, and the server as IT named it)."""
    host, database, _login = address_parts(address)
    local = not host or host.startswith("/")  # no host, or a socket folder: the server is here
    return f"{database or 'the database'} on {'this computer' if local else host}"
