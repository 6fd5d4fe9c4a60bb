"""Looking after the file and the people who use it: `user`, `audit`, `backup`, `restore`,
`copy-to`, data protection (`sar`, `retention`), and the school's server for IT (`migrate`,
`server-setup-sql`)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import date
from pathlib import Path

from attendance_desk.cli.common import dmy, iso, server_call, warn_of_a_password_in
from attendance_desk.services.school import ServiceError, open_school

NEW_PASSWORD_VARIABLE = "ATTENDANCE_DESK_NEW_PASSWORD"


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "backup",
        help="an online backup of the school file, rotated 7 daily / 4 weekly / 12 monthly",
    )
    p.add_argument("--to", type=Path, help="the folder (default: the backup folder in settings)")
    p.set_defaults(func=backup)

    p = sub.add_parser(
        "copy-to",
        help="copy the whole school into a new school file (a backup the school can carry) or "
        "onto the school's server's new, migrated database, verified table by table and by its "
        "hash chains (administrator)",
    )
    p.add_argument(
        "target",
        help="a new .sqlite file, or postgresql://attendance_owner@SERVER/DATABASE (IT's login; "
        "the database empty and migrated)",
    )
    p.set_defaults(func=copy_to)

    p = sub.add_parser(
        "migrate",
        help="IT: make the school's database on the server ready, or bring it up to this "
        "version, as its owner (--db postgresql://attendance_owner@SERVER/DATABASE); a school "
        "file does this itself when it is opened",
        description="Run by IT at install and after each upgrade of Attendance Desk: applies the "
        "migrations the school's database lacks, in order, as the schema's owner "
        "(attendance_owner), and prints them and the version. The PCs' own logins cannot "
        "migrate, and a PC never migrates when it opens the database. The roles come first: "
        "attendance-desk server-setup-sql DATABASE | psql (as a superuser). Example: "
        "attendance-desk --db postgresql://attendance_owner@school-server/attendance migrate",
    )
    p.set_defaults(func=migrate)

    p = sub.add_parser(
        "server-setup-sql",
        help="IT: print the SQL that makes the school's database and its two roles on a "
        "PostgreSQL server, for a superuser to run once through psql",
        description="Prints SQL (nothing is connected to) that makes the database unless it "
        "exists, the roles attendance_owner (IT's login: owns the schema, runs migrate) and "
        "attendance_app (the program's role; each PC's login is a member) and their rights, and "
        "says which login has no password yet and how to set one at a terminal. Safe to run "
        "again: a password already set is kept. The roles belong to the whole PostgreSQL server: "
        "one school per cluster (the script warns when the roles already serve another "
        "database). Example, on the server: attendance-desk server-setup-sql attendance | sudo -u "
        "postgres psql; from another computer: ... | psql -h SERVER -U postgres",
    )
    p.add_argument("database", help="the database's name, e.g. attendance")
    p.add_argument(
        "--login",
        action="append",
        default=[],
        metavar="NAME",
        help="also make this login for a PC (or a member of staff) in the program's role; "
        "repeat for each",
    )
    p.add_argument(
        "--passwords",
        action="store_true",
        help="have psql ask the password of each login that has none yet (\\password): save the "
        "SQL to a file and run it at a terminal with psql -f FILE, never through a pipe",
    )
    p.set_defaults(func=server_setup_sql)

    p = sub.add_parser(
        "restore",
        help="replace the school file with a backup (checked first; the current file is kept)",
    )
    p.add_argument("file", type=Path)
    p.set_defaults(func=restore)

    p = sub.add_parser("audit", help="who did what and when (append-only); --csv to export it")
    p.add_argument("--from", dest="start", type=iso)
    p.add_argument("--to", dest="end", type=iso)
    p.add_argument("--csv", type=Path, help="write the log to this CSV file")
    p.set_defaults(func=audit)

    p = sub.add_parser(
        "user",
        help="users and roles: add, change, list (the first user is the administrator); "
        "signature: the head stores their own signature image",
    )
    p.add_argument("action", choices=["add", "set", "list", "signature"])
    p.add_argument("--name")
    p.add_argument("--role", choices=["office", "lead", "head", "admin"])
    p.add_argument(
        "--new-password",
        action="store_true",
        help=f"set a new password (asked for, or from {NEW_PASSWORD_VARIABLE})",
    )
    p.add_argument("--disable", action="store_true")
    p.add_argument(
        "--image",
        type=Path,
        help="with signature: a PNG or JPEG of your signature (none: remove it)",
    )
    p.set_defaults(func=user)

    p = sub.add_parser(
        "sar", help="everything held on one pupil, as a ZIP (subject access request)"
    )
    p.add_argument("--upn", required=True)
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=sar)

    p = sub.add_parser(
        "retention", help="pupils who left over 6 years ago; --apply archives then removes them"
    )
    p.add_argument(
        "--archive", type=Path, help="folder for the archive files (needed with --apply)"
    )
    p.add_argument("--apply", action="store_true")
    p.set_defaults(func=retention)


def backup(args: argparse.Namespace) -> int:
    from attendance_desk.services.backups import make_backup

    with open_school(args.db) as store:
        result = make_backup(store, args.to, by=args.user)
    print(
        f"Backed up to {result.path} ({result.kept} backups kept, "
        f"{len(result.removed)} older ones removed); the copy passed quick_check and its hash "
        "chains."
    )
    for warning in result.warnings:  # a faithful copy of a file edited outside the app
        print(f"warning: {warning}; run 'check'", file=sys.stderr)
    return 0


def copy_to(args: argparse.Namespace) -> int:
    from attendance_desk.services.copy_to import copy_to as copy_school_to
    from attendance_desk.services.server import ServerAddress, is_server_address, shown_address

    target: Path | ServerAddress = (
        ServerAddress(args.target) if is_server_address(args.target) else Path(args.target)
    )
    if isinstance(target, ServerAddress):
        warn_of_a_password_in("copy-to's address", target)
    with open_school(args.db) as store:
        result = server_call(target, lambda to: copy_school_to(store, to, by=args.user))
    print(
        f"Copied to {shown_address(target)}: {result.rows} rows in {len(result.tables)} tables, "
        f"in {result.seconds:.1f} s; every table's rows, the hash chains and their heads "
        "checked against the school copied."
    )
    return 0


def migrate(args: argparse.Namespace) -> int:
    from attendance_desk.services.server import ServerAddress, migrate_server

    if not isinstance(args.db, ServerAddress):
        print(
            f"{args.db}: nothing to do here: a school file brings itself up to this version when "
            "it is opened (keeping a copy of itself as it was first). migrate is for a school's "
            "database on a server: --db postgresql://attendance_owner@SERVER/DATABASE migrate"
        )
        return 0
    report = server_call(args.db, migrate_server)
    if report.applied:
        print(f"Migrated {report.address}: {len(report.applied)} migration(s) applied:")
        for name in report.applied:
            print(f"  {name}")
    else:
        print(f"{report.address} is up to date: no migration to apply.")
    print(f"The database is at version {report.version}, as this Attendance Desk needs.")
    return 0


def server_setup_sql(args: argparse.Namespace) -> int:
    from attendance_desk.services.server import server_setup_sql as setup_sql

    sys.stdout.write(setup_sql(args.database, args.login, args.passwords))
    return 0


def restore(args: argparse.Namespace) -> int:
    from attendance_desk.services.backups import restore as restore_backup

    aside = restore_backup(args.db, args.file, args.user)
    print(f"Restored {args.file} to {args.db}; the file it replaced is kept as {aside}.")
    return 0


def audit(args: argparse.Namespace) -> int:
    from attendance_desk.services.users import audit_entries, export_audit_log, printable

    start = args.start.isoformat() if args.start else ""
    end = (args.end.isoformat() + "T23:59:59") if args.end else "9999"
    with open_school(args.db) as store:
        if args.csv:
            count = export_audit_log(store, args.user, args.csv, start, end)
            print(f"Wrote {count} entries to {args.csv}")
            return 0
        entries = audit_entries(store, args.user, start, end)
    for e in entries:
        # one line per entry: a name or note with a line break cannot forge another entry
        print(
            f"{e.at[:19].replace('T', ' ')}  {printable(e.user) or '-':<12} "
            f"{printable(e.action):<20} {printable(e.subject)}  {printable(e.detail)}"
        )
    return 0


def _new_password() -> str:
    password = os.environ.get(NEW_PASSWORD_VARIABLE)
    if password is None:
        if not sys.stdin.isatty():
            raise ServiceError(f"give the new password in {NEW_PASSWORD_VARIABLE}")
        password = getpass.getpass("New password (10 characters or more, not a common one): ")
        if getpass.getpass("Again: ") != password:
            raise ServiceError("the two passwords differ")
    return password


def user(args: argparse.Namespace) -> int:
    from attendance_desk.domain.roles import ROLE_NAMES
    from attendance_desk.services.users import add_user, change_user, list_users, set_signature

    with open_school(args.db) as store:
        if args.action == "list":
            for person in list_users(store, args.user):
                print(
                    f"{person.name:<20} {ROLE_NAMES[person.role]:<16} "
                    f"{'' if person.active else 'disabled'}"
                )
            return 0
        if args.action == "signature":
            if args.image is None:
                set_signature(store, args.user, None)
                print("Your stored signature image is removed.")
                return 0
            try:
                image = args.image.read_bytes()
            except OSError as exc:
                raise ServiceError(f"cannot read {args.image}: {exc.strerror or exc}") from None
            set_signature(store, args.user, image)
            print(
                f"Your signature image is stored in the school file ({len(image)} bytes); "
                "it is printed only on certificates you make."
            )
            return 0
        if not args.name:
            raise ServiceError("give --name")
        if args.action == "add":
            if not args.role:
                raise ServiceError("give --role")
            add_user(store, args.user, args.name, args.role, _new_password())
            print(f"User {args.name} added as {ROLE_NAMES[args.role]}.")
        else:
            change_user(
                store,
                args.user,
                args.name,
                role=args.role,
                password=_new_password() if args.new_password else None,
                active=False if args.disable else None,
            )
            print(f"User {args.name} changed.")
    return 0


def sar(args: argparse.Namespace) -> int:
    from attendance_desk.services.privacy import subject_access_export

    with open_school(args.db) as store:
        written = subject_access_export(store, args.upn, args.out, args.user)
    print(f"Written {written}")
    return 0


def retention(args: argparse.Namespace) -> int:
    from attendance_desk.services.privacy import KEEP_YEARS, archive_and_remove, due_for_removal

    with open_school(args.db) as store:
        if not args.apply:
            due = due_for_removal(store, args.today)
            print(f"{len(due)} pupil(s) left more than {KEEP_YEARS} years ago:")
            for p in due:
                print(f"  {p.upn}  {p.legal_name}, left {dmy(p.leaving_date)}")
            return 0
        if not args.archive:
            raise ServiceError("give --archive FOLDER: each pupil is archived before removal")
        # the real date, whatever --today says
        removed = archive_and_remove(store, date.today(), args.archive, args.user)
    print(f"{len(removed)} pupil(s) archived to {args.archive} and removed.")
    return 0
