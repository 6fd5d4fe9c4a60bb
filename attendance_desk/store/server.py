"""Opening a school's database on a PostgreSQL server (docs/server.md, step 8): connect as the login
the address names, check the database's schema version against this program's, and never migrate
on open (the application's role cannot: `migrate` is IT's, run as the schema's owner).

Every failure is a `ServerRefused` whose message is one plain sentence naming the server (never the
password), with a `reason` the services turn into what the window and the command line do next
(`password`: ask for one and try again). psycopg is imported only when a server is asked for, so
the program runs without it on a PC that only opens school files."""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from attendance_desk.store.db import Store, StoreError, _bring_in_shipped_defaults
from attendance_desk.store.schema import SCHEMA_VERSION

if TYPE_CHECKING:
    from attendance_desk.store.postgres_engine import PostgresEngine

CONNECT_TIMEOUT_S = 10
PSYCOPG_MISSING = (
    "the server option is not available in this installation: it needs the psycopg package "
    "(pip install 'psycopg[binary]'), which this copy of Attendance Desk does not have"
)


class ServerRefused(StoreError):
    """The server's database was not opened. `reason`: unreachable, no-database, no-login,
    password, auth, not-allowed, not-migrated, older, newer, not-ours, no-psycopg, other."""

    def __init__(self, message: str, reason: str = "other", note: str = ""):
        super().__init__(message)
        self.reason = reason
        self.note = note  # why libpq found no password in the pgpass file ("" if none to say)


@dataclass(frozen=True)
class ServerParts:
    """What an address names, as the messages say it (the password never kept here)."""

    shown: str  # the address without its password
    host: str  # a name, an IP address, or a socket folder; "" for libpq's default
    port: str
    dbname: str
    user: str

    @property
    def where(self) -> str:
        """The server as a sentence names it."""
        if not self.host:
            return "this computer (its local socket)"
        if self.host.startswith("/"):
            return f"this computer (socket folder {self.host})"
        return f"{self.host}:{self.port}" if self.port and self.port != "5432" else self.host


def without_password(address: str) -> str:
    """A server's address as it may be shown or kept in the audit: no password, in the user part
    of a URL, in its query (`?password=`) or as a `password=` pair."""
    text = address.strip()
    if "://" not in text:  # key=value pairs
        pairs = []
        for part in text.split():
            if part.lower().startswith("password="):
                continue
            pairs.append(part)
        return " ".join(pairs)
    parts = urlsplit(text)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}@{hostport}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "password"]
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query, safe="/")))


def parse_address(address: str) -> ServerParts:
    """The host, port, database and login an address names (libpq's defaults where it names
    none: PGHOST, PGPORT, PGDATABASE, PGUSER, the computer's user). Refused if it cannot be read."""
    try:
        from psycopg.conninfo import conninfo_to_dict
    except ImportError:
        raise ServerRefused(PSYCOPG_MISSING, "no-psycopg") from None
    try:
        parts = conninfo_to_dict(address)
    except Exception as exc:  # psycopg.ProgrammingError: the address cannot be parsed
        raise ServerRefused(
            f"'{without_password(address)}' is not a server address Attendance Desk can read "
            f"({_scrubbed(_first_line(exc), address)}); it looks like "
            "postgresql://LOGIN@SERVER/DATABASE",
            "other",
        ) from None
    user = str(parts.get("user") or os.environ.get("PGUSER") or getpass.getuser())
    host = str(parts.get("host") or os.environ.get("PGHOST") or "")
    port = str(parts.get("port") or os.environ.get("PGPORT") or "5432")
    dbname = str(parts.get("dbname") or os.environ.get("PGDATABASE") or user)
    return ServerParts(without_password(address), host, port, dbname, user)


def connect_engine(address: str, password: str | None = None) -> PostgresEngine:
    """A connection to the server's database as the address's login: the password given, else
    libpq's own (PGPASSWORD, the pgpass file). Refused, in a plain sentence, if it cannot be made."""
    named = parse_address(address)
    from psycopg import OperationalError

    from attendance_desk.store.postgres_engine import PostgresEngine

    options: dict[str, Any] = {}
    if password is not None:
        options["password"] = password
    if "connect_timeout" not in address:
        options["connect_timeout"] = CONNECT_TIMEOUT_S
    if "keepalives" not in address:  # a pulled cable or a server gone without a word is noticed
        # in about a minute, not left to the operating system's default of hours
        options |= {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10}
        options["keepalives_count"] = 3
    try:
        return PostgresEngine.connect(address, **options)
    except OperationalError as exc:
        raise _refusal(named, exc, address) from None


def _scrubbed(text: str, address: str) -> str:
    """`text` (libpq's words about `address`) with any password the address holds taken out."""
    secrets = set(re.findall(r"password\s*=\s*'?([^'\s&]+)", address, flags=re.IGNORECASE))
    if "://" in address:
        try:
            secret = urlsplit(address.strip()).password
        except ValueError:
            secret = None
        if secret:
            secrets.add(secret)
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "…")
    return text


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def pgpass_file() -> Path:
    """Where libpq looks for the pgpass file: PGPASSFILE, else `%APPDATA%\\postgresql\\pgpass.conf`
    on Windows and `~/.pgpass` elsewhere."""
    given = os.environ.get("PGPASSFILE")
    if given:
        return Path(given)
    if os.name == "nt":
        return Path(os.environ.get("APPDATA", "")) / "postgresql" / "pgpass.conf"
    return Path.home() / ".pgpass"


def _pgpass_fields(line: str) -> list[str]:
    """A pgpass line's fields: split at `:`, `\\` escaping the next character (as libpq reads it)."""
    fields, current, escaped = [], [], False
    for char in line:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ":":
            fields.append("".join(current))
            current = []
        else:
            current.append(char)
    fields.append("".join(current))
    return fields


# where libpq builds look for the server's socket by default (upstream, Debian and others)
DEFAULT_SOCKET_FOLDERS = ("/tmp", "/var/run/postgresql", "/run/postgresql")


def pgpass_note(named: ServerParts) -> str:
    """Why libpq found no password for `named` in the pgpass file, when the file is there: on a
    computer other than Windows, a file others may read is ignored by libpq (it must be mode 0600);
    or no line matches the server, port, database and login (a misspelt database or login matches
    none). "" when there is no file, or nothing to say."""
    path = pgpass_file()
    try:
        if not path.is_file():
            return ""
        mode = path.stat().st_mode
        if os.name != "nt" and mode & 0o077:
            return (
                f"the pgpass file {path} is readable by others, so PostgreSQL ignores it: "
                f"chmod 600 {path}"
            )
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    # libpq matches no host, or its own default socket folder, as localhost; another socket
    # folder as its path
    host = named.host or "localhost"
    hosts = {host, "localhost"} if host in DEFAULT_SOCKET_FOLDERS else {host}
    wanted = (host, named.port or "5432", named.dbname, named.user)
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = _pgpass_fields(line)
        if (
            len(fields) >= 5
            and fields[0] in ("*", *hosts)
            and all(f in ("*", w) for f, w in zip(fields[1:4], wanted[1:], strict=True))
        ):
            return ""
    return (
        f"the pgpass file {path} has no line for {':'.join(wanted)}: check the address's "
        "database and login (a misspelt one matches no line), or add the line "
        f"{':'.join(wanted)}:PASSWORD"
    )


# the server's own databases, never a school's
SERVERS_OWN = ("postgres", "template0", "template1")


def servers_own_refusal(named: ServerParts) -> ServerRefused | None:
    """`postgres` (and the templates) are the PostgreSQL server's own databases, not a school's:
    opening, migrating or copying into one is refused, naming what to give instead."""
    if named.dbname.lower() not in SERVERS_OWN:
        return None
    return ServerRefused(
        f"'{named.dbname}' is the PostgreSQL server's own database on {named.where}, not a "
        "school's: give the school's database in the address (the part after the last /, e.g. "
        "postgresql://LOGIN@SERVER/attendance), the one IT made with server-setup-sql; nothing "
        "was opened",
        "servers-own",
    )


def _refusal(named: ServerParts, exc: BaseException, address: str) -> ServerRefused:
    """libpq's reason, as a sentence for the office (its own text never names the password; any
    quoted from the address is taken out all the same)."""
    text = _scrubbed(str(exc), address)
    low = text.lower()
    server, db, user = named.where, named.dbname, named.user
    if "no password supplied" in low or "password is required" in low:
        note = pgpass_note(named)
        return ServerRefused(
            f"the school's server at {server} asks for a password for the login '{user}'"
            + (f" ({note})" if note else ""),
            "password",
            note,
        )
    if "password authentication failed" in low or "authentication failed" in low:
        return ServerRefused(
            f"the school's server at {server} did not accept the password for the login '{user}': "
            "check it (or the pgpass file) with whoever looks after the server. Nothing was opened",
            "auth",
        )
    if 'database "' in low and "does not exist" in low:
        return ServerRefused(
            f"the school's server at {server} has no database called '{db}': check the address "
            "(the part after the last /) with whoever looks after the server",
            "no-database",
        )
    if "role" in low and "does not exist" in low:
        return ServerRefused(
            f"the school's server at {server} has no login called '{user}': check the address "
            "(the part before the @) with whoever looks after the server",
            "no-login",
        )
    if "pg_hba.conf" in low:
        return ServerRefused(
            f"the school's server at {server} does not let the login '{user}' connect to '{db}' "
            "from this computer: whoever looks after the server must allow it (pg_hba.conf)",
            "not-allowed",
        )
    if "permission denied for database" in low:
        return ServerRefused(
            f"the login '{user}' may not use the database '{db}' on {server}: check the address "
            "with whoever looks after the server, who lets a login in by making it a member of "
            "attendance_app or granting it CONNECT on the database (README, \"The school's "
            'server")',
            "not-allowed",
        )
    if "could not translate host name" in low or "failed to resolve host" in low:
        return ServerRefused(
            f"could not find the school's server '{named.host}' by that name: check the "
            "address's spelling with whoever looks after the server (or this computer's network "
            "connection). Nothing was opened",
            "unreachable",
        )
    if (
        "could not connect" in low
        or "connection refused" in low
        or "no such file or directory" in low
        or "timeout expired" in low
        or "network is unreachable" in low
        or "no route to host" in low
        or "connection to server" in low
    ):
        return ServerRefused(
            f"could not reach the school's server at {server}: it may be switched off or not "
            "running PostgreSQL, the address may be wrong, or a firewall may be in the way. "
            "Nothing was opened; check the address with whoever looks after the server",
            "unreachable",
        )
    return ServerRefused(
        f"could not open the database '{db}' on the school's server at {server} as '{user}': "
        f"{(text.strip().splitlines() or ['no reason given'])[0]}",
        "other",
    )


# the tables in the schema, whoever may read them (information_schema lists only those the login
# has a right on; the catalogue lists all)
OTHER_TABLES = (
    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = coalesce(current_schema(), 'public') AND c.relkind IN ('r', 'p')"
)


def migrate_command(named: ServerParts) -> str:
    """The command IT runs to make the database ready (or bring it up to this version)."""
    host = named.host
    if not host or host.startswith("/"):
        where = f"@/{named.dbname}" + (f"?host={host}" if host else "")
    else:
        port = f":{named.port}" if named.port and named.port != "5432" else ""
        where = f"@{host}{port}/{named.dbname}"
    return f"attendance-desk --db postgresql://attendance_owner{where} migrate"


def version_refusal(engine: PostgresEngine, named: ServerParts) -> ServerRefused | None:
    """Why this program may not open the database, or None: not made ready for Attendance Desk
    (not migrated), at an older version (IT runs `migrate`), or made by a newer program."""
    from attendance_desk.store.schema_pg import MIGRATIONS_TABLE, pending_pg

    where = f"the database '{named.dbname}' on the school's server at {named.where}"
    try:
        version = engine.schema_version()
        migrated = engine.query(f"SELECT to_regclass('{MIGRATIONS_TABLE}')")[0][0] is not None
        applied = (
            {r[0] for r in engine.query(f"SELECT name FROM {MIGRATIONS_TABLE}")}
            if migrated
            else set()
        )
        others = engine.query(OTHER_TABLES)[0][0]
    except engine.Error as exc:
        return ServerRefused(f"{where} could not be read: {_first_line(exc)}", "other")
    from attendance_desk.store.schema import migrations

    known = {m.name for m in migrations._migrations}
    if version > SCHEMA_VERSION or applied - known:
        return ServerRefused(
            f"{where} was made by a newer Attendance Desk (database version {version}; this "
            f"program understands up to {SCHEMA_VERSION}): install the newer version on this "
            "computer to use it",
            "newer",
        )
    if not migrated:
        if others:
            return ServerRefused(
                f"{where} is not an Attendance Desk database (it holds other tables): check the "
                "address with whoever looks after the server",
                "not-ours",
            )
        return ServerRefused(
            f"{where} has not been made ready for Attendance Desk: whoever looks after the server "
            f"must run `{migrate_command(named)}` first",
            "not-migrated",
        )
    if pending_pg(engine):
        return ServerRefused(
            f"{where} is at version {version} and this Attendance Desk needs version "
            f"{SCHEMA_VERSION}: whoever looks after the server must bring it up to date with "
            f"`{migrate_command(named)}`. Nothing was changed",
            "older",
        )
    return None


def open_server(address: str, password: str | None = None) -> Store:
    """The school's database on a server, opened as the address's login after the version check
    (nothing migrated); `Store.server_address` is the address shown without its password, and
    `Store.path` this PC's own place for that school (`local_home`)."""
    named = parse_address(address)
    if (own := servers_own_refusal(named)) is not None:
        raise own
    engine = connect_engine(address, password)
    try:
        refused = version_refusal(engine, named)
        if refused is not None:
            raise refused
        store = Store(local_home(named), engine, address=named.shown)
    except BaseException:
        engine.close()
        raise
    _bring_in_shipped_defaults(store)
    return store


def local_home(named: ServerParts) -> Path:
    """This PC's own place for a school on a server, never made by opening: a school file's path
    has its documents beside it (`<stem>-documents`), so a server's school is given
    `<the user's Documents>/Attendance Desk/<database>`; its documents folder is then
    `…/Attendance Desk/<database>-documents`, as for a file. Nothing is ever written at the path
    itself."""
    from platformdirs import user_documents_dir

    return Path(user_documents_dir()) / "Attendance Desk" / named.dbname


@dataclass(frozen=True)
class Migrated:
    """What `migrate` did: the migrations applied now (none: it was up to date) and the version."""

    applied: list[str]
    version: int
    server: ServerParts


def migrate(address: str, password: str | None = None) -> Migrated:
    """IT's `migrate`: the pending migrations applied in order as the schema's owner (store/
    schema_pg.py `apply_pg`). Refused, naming why and what to do, when the roles are not made yet,
    when the login may not act as the owner (the program's own role cannot), or when the database
    is newer than this program or not an Attendance Desk database; a migration that fails keeps
    the ones before it and nothing of itself."""
    from attendance_desk.store.postgres import APP, OWNER
    from attendance_desk.store.schema_pg import MIGRATIONS_TABLE, apply_pg

    named = parse_address(address)
    if (own := servers_own_refusal(named)) is not None:
        raise own
    engine = connect_engine(address, password)
    where = f"the database '{named.dbname}' on the school's server at {named.where}"
    try:
        roles = {
            r[0]
            for r in engine.query(
                "SELECT rolname FROM pg_roles WHERE rolname IN (?, ?)", (OWNER, APP)
            )
        }
        if roles != {OWNER, APP}:
            raise ServerRefused(
                f"{where} has no {' or '.join(sorted({OWNER, APP} - roles))} role yet: a "
                f"superuser makes them first with `attendance-desk server-setup-sql "
                f'{named.dbname}` run through psql (README, "The school\'s server"), then '
                "runs migrate again. Nothing was changed",
                "no-roles",
            )
        if not engine.query("SELECT pg_has_role(?, 'MEMBER')", (OWNER,))[0][0]:
            raise ServerRefused(
                f"the login '{named.user}' may not migrate {where}: migrations are run as the "
                f"schema's owner, {OWNER} (IT's login: `{migrate_command(named)}`), never as "
                "the program's own role. Nothing was changed",
                "not-owner",
            )
        migrated = engine.query(f"SELECT to_regclass('{MIGRATIONS_TABLE}')")[0][0] is not None
        others = engine.query(OTHER_TABLES)[0][0]
        if not migrated and others:
            raise ServerRefused(
                f"{where} holds another program's tables, not Attendance Desk's: migrate an empty "
                "database made for the school. Nothing was changed",
                "not-ours",
            )
        try:
            applied = apply_pg(engine, OWNER, APP)
        except ServerRefused:
            raise
        except StoreError as exc:  # a newer database
            raise ServerRefused(f"{where}: {exc}. Nothing was changed", "newer") from None
        except engine.Error as exc:
            raise ServerRefused(
                f"migrating {where} stopped: {_first_line(exc)}. The migrations before the one "
                "that failed are kept and nothing of that one; run migrate again once the cause "
                "is put right",
                "other",
            ) from None
        return Migrated(applied, engine.schema_version(), named)
    finally:
        engine.close()


def setup_sql(dbname: str, logins: Sequence[str] = (), passwords: bool = False) -> str:
    """What a superuser runs once through psql to make a school's database ready for `migrate`:
    the database (unless it exists), the two roles (unless they exist), the rights of
    store/postgres.py `roles_sql`, IT's login as the schema's owner, and `logins` (one for each PC
    or member of staff) in the program's role. Each part may be run again.

    Safe to pipe into psql: by default it has no `\\password` (psql reads a password from the
    terminal, or, with none, from its input: the script's next lines would become the password);
    it says, as it runs, which of its logins has no password yet and the command that sets one at
    a terminal. `passwords`: `\\password` for each login that has none yet (a login that has one is
    never reset, so a second school's run leaves IT's password as it was), for `psql -f FILE` run
    at a terminal. When the two roles already serve another database on this server (a second
    school), it warns that they are shared and what to do (docs/server.md, "Several schools")."""
    from attendance_desk.store.postgres import APP, OWNER, _ident, database_rights_sql

    def plain(name: str, what: str) -> str:
        try:
            return _ident(name)
        except ValueError:
            raise StoreError(
                f"'{name}' cannot be {what} here: use lower-case letters, digits and _ only, "
                "starting with a letter (e.g. attendance, office_pc)"
            ) from None

    db = plain(dbname, "a database name")
    if db in SERVERS_OWN:
        raise StoreError(
            f"'{db}' is the PostgreSQL server's own database, not a school's: name the school's "
            "new database (e.g. attendance)"
        )
    pcs = list(dict.fromkeys(plain(login, "a login's name") for login in logins))
    for login in pcs:
        if login in (OWNER, APP):
            raise StoreError(f"'{login}' is one of the two roles, not a PC's login: choose another")

    def password_for(login: str, note: str) -> str:
        """Ask for `login`'s password (with `passwords`) or say it has none, only when it has
        none: a password already set is never reset by running the script again."""
        flag = f"no_password_{login}"
        note = note.replace("'", "''")  # inside psql's single quotes
        ask = (
            f"\\password {login}\n"
            if passwords
            else f"\\echo '{login} has no password yet: set it at a terminal with "
            f'psql -c "\\\\password {login}"  (as a superuser; {note})\'\n'
        )
        return (
            f"SELECT NOT EXISTS (SELECT FROM pg_authid WHERE rolname = '{login}' "
            f"AND rolpassword IS NOT NULL) AS {flag} \\gset\n"
            f"\\if :{flag}\n{ask}\\endif\n"
        )

    made = "".join(
        f"""DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{login}') THEN
        CREATE ROLE {login} LOGIN;
    END IF;
END
$$;
GRANT {APP} TO {login};
"""
        + password_for(login, "it goes in that PC's pgpass file")
        for login in pcs
    )
    how = (
        "save it to a file and run it AT A TERMINAL:  psql -h SERVER -U postgres -f FILE  (psql "
        "asks each new login's password twice; never pipe this form: with no terminal psql would "
        "read the next lines of the script as the password)"
        if passwords
        else "on the server:  attendance-desk server-setup-sql "
        f"{db} | sudo -u postgres psql ; from another computer:  ... | psql -h SERVER -U postgres"
    )
    return f"""-- Attendance Desk: make the database '{db}' ready for the school, as a PostgreSQL
-- superuser ({how}).
-- Safe to run again: what exists already is left as it is, and a password already set is kept.
-- The two roles belong to the whole PostgreSQL server (cluster), not to this database:
-- one school per cluster, or, for several schools on one cluster, grant CONNECT on each
-- school's database to that school's logins only, not to {APP} (README, "The school's server").
\\set ON_ERROR_STOP on
SELECT 'WARNING: the roles {OWNER} and {APP} already serve another database on this '
    || 'server (' || string_agg(datname, ', ' ORDER BY datname) || '). They are shared: a PC '
    || 'login of one school could open the other. Keep one school per PostgreSQL cluster, or '
    || 'after this script: REVOKE CONNECT ON DATABASE {db} FROM {APP}; GRANT CONNECT ON '
    || 'DATABASE {db} TO <this school''s logins>; (and the same on the other school''s '
    || 'database), with pg_hba.conf lines naming each database and its logins. The password '
    || 'of {OWNER} is shared too and is left as it is.' AS shared_roles
  FROM pg_database
 WHERE datname <> '{db}'
   AND array_to_string(datacl, ',') ~ '(^|,)({APP}|{OWNER})=[^,/]*c' \\gset
\\if :{{?shared_roles}}
\\echo :shared_roles
\\endif
SELECT 'CREATE DATABASE {db}'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '{db}') \\gexec
\\connect {db}
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{OWNER}') THEN
        CREATE ROLE {OWNER} LOGIN;   -- IT's login: owns the schema, runs `migrate`
    ELSE
        ALTER ROLE {OWNER} LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP}') THEN
        CREATE ROLE {APP} NOLOGIN;   -- the program's role: each PC's login is a member
    END IF;
END
$$;
{database_rights_sql(db)}{password_for(OWNER, "IT's own, for migrate and copy-to")}{made}-- Next, from any computer with Attendance Desk (asks {OWNER}'s password, or reads it
-- from that user's pgpass file, mode 0600):
--   attendance-desk --db postgresql://{OWNER}@SERVER/{db} migrate
-- Each PC's login (server-setup-sql {db} --login NAME makes them; or by hand:
--   CREATE ROLE office_pc LOGIN IN ROLE {APP};   then, at a terminal,   \\password office_pc )
-- The server must listen on the network (postgresql.conf: listen_addresses = '*' or its address;
-- the port, 5432 unless changed, goes in the address as SERVER:PORT) and pg_hba.conf needs a line
-- letting the logins reach this database, e.g. (then: SELECT pg_reload_conf();)
--   host  {db}  office_pc,lead_laptop,{OWNER}  10.0.0.0/8  scram-sha-256
-- Each PC opens  postgresql://office_pc@SERVER/{db}  (its password in its pgpass file, mode 0600,
-- or typed when asked).
"""


def engine_error_message(exc: BaseException) -> str | None:
    """An error from the server's driver (psycopg) that reached the top of a command or a window
    action, as one sentence (never a traceback); None for anything else. A lost connection says
    that what was not confirmed was not saved (each save is one transaction: all of it or none)."""
    import sys

    psycopg = sys.modules.get("psycopg")
    if psycopg is None or not isinstance(exc, psycopg.Error):
        return None
    detail = _first_line(exc)
    if isinstance(exc, psycopg.OperationalError) or getattr(exc, "sqlstate", None) is None:
        return (
            "the connection to the school's server was lost or refused the work "
            f"({detail}): nothing was saved that was not confirmed as saved; try again, and if "
            "it goes on, ask whoever looks after the server"
        )
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return (
            f"the school's server did not allow this to this computer's login ({detail}): "
            "nothing was changed; whoever looks after the server decides what each login may do"
        )
    return f"the school's server refused this ({detail}): nothing was changed"
