"""The command line: a thin shell over the services (see docs/architecture.md).

`build_parser` gathers the commands from one module per area; each module's `add_parsers(sub)`
adds its commands and ties each to its handler with `set_defaults(func=handler)`, and `main` runs
`args.func(args)`. How to add a command: see README.md in this folder."""

from __future__ import annotations

import argparse
import getpass
import sys
import tempfile
from datetime import date
from pathlib import Path

from attendance_desk import __version__
from attendance_desk.cli import (
    admin,
    casework,
    cme,
    documents,
    figures,
    forms,
    imports,
    leave,
    letters,
    messages,
    outreach,
    pastoral,
    penalty,
    registers,
    school,
    settings,
    social_workers,
)
from attendance_desk.cli.common import iso, server_call, warn_of_a_password_in
from attendance_desk.errors import UserError
from attendance_desk.paths import default_db_path
from attendance_desk.services.school import ServiceError
from attendance_desk.services.server import ServerAddress

# The command modules, in the order their commands are listed by --help.
AREAS = (
    school,
    settings,
    imports,
    figures,
    registers,
    casework,
    letters,
    forms,
    pastoral,
    outreach,
    leave,
    penalty,
    cme,
    social_workers,
    messages,
    documents,
    admin,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="attendance-desk",
        description="Attendance Desk: registers, first-day calls and attendance casework for schools.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--db",
        type=_school_file,
        help=f"the school file (default: {default_db_path()}), or the school's server: "
        'postgresql://LOGIN@SERVER/DATABASE or "host=SERVER dbname=DATABASE user=LOGIN" (its '
        "password from PGPASSWORD or the pgpass file, or asked; never in the address)",
    )
    parser.add_argument("--as", dest="user", help="the user recorded in the audit (default: you)")
    parser.add_argument("--today", type=iso, help=argparse.SUPPRESS)  # fixed 'today' for tests
    parser.add_argument("--demo", action="store_true", help="open a freshly generated demo school")
    parser.add_argument(
        "--smoke", action="store_true", help=argparse.SUPPRESS
    )  # open, paint, close (bundle check)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for area in AREAS:
        area.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.user = args.user or getpass.getuser()
    args.today = args.today or date.today()
    try:
        if args.demo:
            return _open_demo(args)
        args.db = args.db or default_db_path()
        from attendance_desk.files import clean_leftovers

        if isinstance(args.db, ServerAddress):  # the school's server: nothing beside it to tidy
            warn_of_a_password_in("--db", args.db)
            _refuse_what_is_about_a_file(args)
        else:
            _warn_of_a_share(args)
            clean_leftovers(args.db.parent)  # temporary files a killed run left beside the file
            clean_leftovers(
                args.db.parent / "backups", also=("*.sqlite.partial",)
            )  # and half a backup copy
        out = getattr(args, "out", None) or getattr(args, "to", None)
        if isinstance(
            out, Path
        ):  # and in the folder this command writes to (letters, packs, backups)
            clean_leftovers(out if out.is_dir() else out.parent)
        if args.command is None:
            return _open_window(args)  # with no school file yet, the window starts with a welcome
        if args.command not in NO_SIGN_IN:  # restore too: over a file with users, only
            _sign_in(args)  # its administrator
        return args.func(args)
    except UserError as exc:  # refused, busy, or a disk fault: a plain message, never a traceback
        print(f"attendance-desk: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except (
        OSError
    ) as exc:  # a disk fault no service turned into a message: still one plain sentence
        from attendance_desk.files import describe_os_error

        print(
            f"attendance-desk: {describe_os_error(exc, exc.filename or 'a file')}", file=sys.stderr
        )
        return 1
    except Exception as exc:  # the school's server lost or refused mid-command: one sentence too
        from attendance_desk.services.server import server_error

        said = server_error(exc)
        if said is None:
            raise
        print(f"attendance-desk: {said}", file=sys.stderr)
        return 1


# Commands run before anyone signs in: a new school, and the server's own set-up (IT's login is
# the database's; it has no account in the school's users).
NO_SIGN_IN = ("init", "demo", "migrate", "server-setup-sql")


def _school_file(value: str) -> Path | ServerAddress:
    """`--db`: a school file, or a server's `postgresql://…` address kept as given (a Path would
    mangle it)."""
    from attendance_desk.services.server import is_server_address

    return ServerAddress(value) if is_server_address(value) else Path(value)


def _refuse_what_is_about_a_file(args: argparse.Namespace) -> None:
    """Commands about a school file (a backup, a restore, a demo file, a backup compared) refused
    on a server, naming why and what to use instead (services/server.py)."""
    from attendance_desk.services.server import about_a_file

    if args.command == "check" and getattr(args, "against", None) is not None:
        raise ServiceError(about_a_file("check --against"))
    if args.command in ("backup", "restore", "demo"):
        raise ServiceError(about_a_file(args.command))


def _warn_of_a_share(args: argparse.Namespace) -> None:
    """A file on a network drive is opened safely for one PC at a time, and the command says so on
    stderr (docs/reliability.md)."""
    from attendance_desk.services.server import location_warning

    warning = location_warning(args.db)
    if warning:
        print(f"attendance-desk: note: {warning}", file=sys.stderr)


PASSWORD_VARIABLE = "ATTENDANCE_DESK_PASSWORD"


def _sign_in(args: argparse.Namespace) -> None:
    """Once users are set up, a command runs only for a signed-in user (--as NAME, with the password
    from ATTENDANCE_DESK_PASSWORD or asked for)."""
    import os

    from attendance_desk.services.school import open_school
    from attendance_desk.services.users import sign_in, users_set_up

    if not isinstance(args.db, ServerAddress) and not args.db.exists():
        return
    try:
        store = server_call(args.db, open_school)
    except ServiceError:
        if (
            args.command == "restore"
        ):  # a damaged file cannot say who its users are; it is kept aside
            return
        raise
    with store:
        if not users_set_up(store):
            return
        password = os.environ.get(PASSWORD_VARIABLE)
        if password is None:
            if not sys.stdin.isatty():
                raise ServiceError(
                    f"this school has users: give --as NAME and the password in {PASSWORD_VARIABLE}"
                )
            password = getpass.getpass(f"Password for {args.user}: ")
        args.user = sign_in(store, args.user, password).name


def _open_demo(args: argparse.Namespace) -> int:
    """Build a fresh demo school in a temporary folder and open the window on it."""
    from attendance_desk.services.demo import build_demo_school

    folder = Path(tempfile.mkdtemp(prefix="attendance-desk-demo-"))
    args.db = folder / "demo-school.sqlite"
    print(f"Building the demo school in {args.db} …", flush=True)
    build_demo_school(args.db, pupils=420, today=args.today, seed=1).close()
    return _open_window(args)


def _open_window(args: argparse.Namespace) -> int:
    try:
        from attendance_desk.gui.app import run_gui
    except ImportError as exc:
        print(
            f"attendance-desk: the desktop window needs PySide6 ({exc}); "
            "install with: pip install -e '.[gui]'",
            file=sys.stderr,
        )
        return 1
    return run_gui(
        args.db, args.user, args.today if args.today != date.today() else None, smoke=args.smoke
    )


if __name__ == "__main__":
    sys.exit(main())
