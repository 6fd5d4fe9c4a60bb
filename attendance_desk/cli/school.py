"""The school file itself: `init`, `demo`, the `calendar` (terms and closures) and `check`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from attendance_desk.cli.common import iso, now, session
from attendance_desk.domain.calendar import academic_year_bounds, academic_year_of
from attendance_desk.presentation import dmy, weekday_dmy
from attendance_desk.services.school import ServiceError, open_school


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "init",
        help="create an empty school file (or name the school in a new database on the "
        "school's server, once IT has migrated it)",
    )
    p.add_argument("--school", required=True, help="school name")
    p.add_argument("--urn", required=True, help="6-digit unique reference number")
    p.set_defaults(func=init)

    p = sub.add_parser("demo", help="write a synthetic demo school into the file")
    p.add_argument(
        "--pupils", type=int, default=420, help="number of pupils (default 420, a primary)"
    )
    p.add_argument(
        "--weeks", type=int, help="weeks of marks up to today (default: since last September year)"
    )
    p.add_argument("--seed", type=int, default=1, help="random seed (same seed, same school)")
    p.set_defaults(func=demo)

    p = sub.add_parser("calendar", help="show or change the school calendar: terms and closures")
    p.set_defaults(func=calendar)
    cal = p.add_subparsers(dest="calendar_command", metavar="ACTION", required=True)
    q = cal.add_parser("show", help="terms, closures and school days of an academic year")
    q.add_argument("--year", type=int, help="the year the academic year starts (default: this one)")
    q = cal.add_parser(
        "usual", help="add the usual English calendar for a year, to adjust afterwards"
    )
    q.add_argument("--year", type=int, required=True, help="e.g. 2026 for 2026/27")
    q = cal.add_parser("term", help="add or remove a term (or half-term)")
    term = q.add_subparsers(dest="term_command", metavar="ACTION", required=True)
    r = term.add_parser("add", help="add a term")
    r.add_argument("--name", required=True, help="e.g. 'Autumn 1 2026'")
    r.add_argument("--from", dest="start", type=iso, required=True)
    r.add_argument("--to", dest="end", type=iso, required=True)
    r = term.add_parser("remove", help="remove a term by name")
    r.add_argument("--name", required=True)
    q = cal.add_parser("closure", help="add or remove a closure (INSET, bank holiday, emergency)")
    closure = q.add_subparsers(dest="closure_command", metavar="ACTION", required=True)
    r = closure.add_parser("add", help="the school does not meet on a day or one session of it")
    r.add_argument("--date", type=iso, required=True)
    r.add_argument("--session", type=session, help="AM or PM only (default: the whole day)")
    r.add_argument("--kind", default="closure", choices=["inset", "bank_holiday", "closure"])
    r.add_argument("--reason", required=True, help="e.g. 'INSET day' or 'heating failure'")
    r = closure.add_parser("remove", help="remove the closure on a day")
    r.add_argument("--date", type=iso, required=True)

    p = sub.add_parser(
        "check",
        help="integrity and tamper check of the school file (hash chains, safeguards, users)",
    )
    p.add_argument(
        "--against",
        type=Path,
        metavar="BACKUP",
        help="also show what changed outside Attendance Desk since this backup was made",
    )
    p.add_argument(
        "--full",
        action="store_true",
        help="SQLite's full integrity_check (every index entry against its table; minutes on a "
        "large file) instead of the quick_check; recorded as the last full check",
    )
    p.set_defaults(func=check)


def init(args: argparse.Namespace) -> int:
    from attendance_desk.cli.common import server_call
    from attendance_desk.services.school import create_school
    from attendance_desk.services.server import ServerAddress

    server_call(args.db, lambda db: create_school(db, args.school, args.urn)).close()
    if isinstance(args.db, ServerAddress):
        print(f"{args.school} (URN {args.urn}) is the school on {args.db.shown}.")
        print(
            "Next: add its administrator, the first user (the window opens a school on a server "
            f"only once it has users): attendance-desk --db {args.db.shown} user add --name NAME "
            "--role admin"
        )
    else:
        print(f"Created {args.db} for {args.school} (URN {args.urn}).")
    print("Next: import pupils, contacts and marks, or enter the calendar.")
    return 0


def demo(args: argparse.Namespace) -> int:
    from attendance_desk.services.demo import build_demo_school
    from attendance_desk.services.marks import pupils_on_roll
    from attendance_desk.services.school import school_size

    if args.db.exists():
        raise ServiceError(
            f"{args.db} already exists: the demo writes a new file; choose another --db"
        )
    store = build_demo_school(
        args.db, pupils=args.pupils, today=args.today, seed=args.seed, weeks=args.weeks
    )
    with store:
        size = school_size(store)
        # the file holds the pupils who have left since the marks began, too (the dashboard's
        # "on roll" for this year counts those on roll on any day of it): each number said
        on_roll = len(pupils_on_roll(store, args.today, args.today))
        year_start = academic_year_bounds(academic_year_of(args.today))[0]
        this_year = len(pupils_on_roll(store, year_start, args.today))
    print(
        f"Demo school written to {args.db}: {size.pupils} pupils ({on_roll} on roll on "
        f"{dmy(args.today)}, {this_year} this school year; the others have left), "
        f"{size.contacts} contacts, {size.marks} marks."
    )
    return 0


def calendar(args: argparse.Namespace) -> int:
    from attendance_desk.services import school

    store = open_school(args.db)
    with store:
        action = args.calendar_command
        if action == "show":
            year = school.calendar_year(
                store, args.year if args.year is not None else academic_year_of(args.today)
            )
            print(f"Academic year {year.label}")
            if not year.terms:
                print(
                    "  no terms entered: school sessions are taken from the registers "
                    "(add them with `calendar usual` or `calendar term add`)"
                )
            for t in year.terms:
                print(f"  term     {t.name:<22} {weekday_dmy(t.start)} to {weekday_dmy(t.end)}")
            for c in year.closures:
                part = "" if set(c.sessions) == {"AM", "PM"} else f" ({'/'.join(c.sessions)} only)"
                print(
                    f"  closure  {weekday_dmy(c.day)}{part}: {c.kind.replace('_', ' ')}"
                    f"{' - ' + c.description if c.description else ''}"
                )
            if year.terms:
                print(f"  {year.school_days} school days, {year.school_sessions} sessions")
        elif action == "usual":
            school.add_typical_year(store, args.year, by=args.user)
            year = school.calendar_year(store, args.year)
            print(
                f"Added the usual calendar for {year.label}: {len(year.terms)} terms, "
                f"{len(year.closures)} closures, {year.school_days} school days. "
                "Check the INSET days against the school's own."
            )
        elif action == "term" and args.term_command == "add":
            school.add_term(store, args.name, args.start, args.end, by=args.user)
            print(f"Added {args.name.strip()}: {dmy(args.start)} to {dmy(args.end)}.")
        elif action == "term":
            school.remove_term(store, args.name, by=args.user)
            print(f"Removed {args.name}.")
        elif args.closure_command == "add":
            sessions = (args.session,) if args.session else ("AM", "PM")
            school.add_closure(store, args.date, sessions, args.kind, args.reason, by=args.user)
            print(
                f"Closure recorded: {dmy(args.date)} {'/'.join(sessions)} ({args.reason.strip()})."
            )
        else:
            school.remove_closure(store, args.date, by=args.user)
            print(f"Closure on {dmy(args.date)} removed.")
    return 0


def check(args: argparse.Namespace) -> int:
    from attendance_desk.services.check import check_school, full_check

    store = open_school(args.db)
    with store:
        if args.full:
            report = full_check(store, args.user, now(args), against=args.against)
        else:
            report = check_school(store, now(args), args.against)
    from attendance_desk.services.server import shown_address

    where = shown_address(args.db)
    print(f"{where}: {report.how}")
    for warning in report.warnings:
        print(f"warning: {warning}")
    for note in report.notes:
        print(note)
    for problem in report.problems:
        print(f"problem: {problem}", file=sys.stderr)
    for line in report.missing:
        print(f"  missing: {line}", file=sys.stderr)
    status = "OK" if report.ok else f"{len(report.problems)} problem(s)"
    print(f"{where}: {status}; {report.marks} marks, {report.amendments} amendments checked.")
    return 0 if report.ok else 1
