"""Command-line commands for the calendar and late arrivals: parsers and handlers together, so the
area can be read in one place. Each handler is one service call plus printing."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, time

from attendance_desk.domain.calendar import academic_year_of


def add_parsers(sub, iso, session) -> None:
    """The `calendar`, `late` and `lates` commands (called from cli.build_parser)."""
    p = sub.add_parser("calendar", help="show or change the school calendar: terms and closures")
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

    p = sub.add_parser("late", help="record a late arrival: L before the register closed, U after")
    p.add_argument("--upn", required=True)
    p.add_argument("--date", type=iso, help="default: today")
    p.add_argument("--session", type=session, default="AM")
    p.add_argument(
        "--arrived", type=_clock, required=True, help="the time the pupil arrived, HH:MM"
    )
    p.add_argument(
        "--code",
        choices=["L", "U"],
        help="record this code instead of the one the close time gives",
    )
    p.add_argument(
        "--reason", default="", help="why, when --code differs from the close time's code"
    )

    p = sub.add_parser("lates", help="punctuality: the pupils with the most late arrivals")
    p.add_argument("--from", dest="start", type=iso, help="default: the start of this half-term")
    p.add_argument("--to", dest="end", type=iso, help="default: today")
    p.add_argument("--limit", type=int, default=30)
    p.add_argument("--json", action="store_true")


def _clock(value: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a time like 09:20") from None


def cmd_calendar(args: argparse.Namespace) -> int:
    from attendance_desk.services import school

    store = school.open_school(args.db)
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
                print(f"  term     {t.name:<22} {t.start:%a %d/%m/%Y} to {t.end:%a %d/%m/%Y}")
            for c in year.closures:
                part = "" if set(c.sessions) == {"AM", "PM"} else f" ({'/'.join(c.sessions)} only)"
                print(
                    f"  closure  {c.day:%a %d/%m/%Y}{part}: {c.kind.replace('_', ' ')}"
                    f"{' - ' + c.description if c.description else ''}"
                )
            if year.terms:
                print(f"  {year.school_days} school days, {year.school_sessions} sessions")
        elif action == "usual":
            school.add_typical_year(store, args.year, by=args.user)
            year = school.calendar_year(store, args.year)
            print(
                f"Added the usual calendar for {year.label}: {len(year.terms)} terms, {len(year.closures)} "
                f"closures, {year.school_days} school days. Check the INSET days against the school's own."
            )
        elif action == "term" and args.term_command == "add":
            school.add_term(store, args.name, args.start, args.end, by=args.user)
            print(f"Added {args.name.strip()}: {args.start:%d/%m/%Y} to {args.end:%d/%m/%Y}.")
        elif action == "term":
            school.remove_term(store, args.name, by=args.user)
            print(f"Removed {args.name}.")
        elif args.closure_command == "add":
            sessions = (args.session,) if args.session else ("AM", "PM")
            school.add_closure(store, args.date, sessions, args.kind, args.reason, by=args.user)
            print(
                f"Closure recorded: {args.date:%d/%m/%Y} {'/'.join(sessions)} ({args.reason.strip()})."
            )
        else:
            school.remove_closure(store, args.date, by=args.user)
            print(f"Closure on {args.date:%d/%m/%Y} removed.")
    return 0


def cmd_late(args: argparse.Namespace) -> int:
    from attendance_desk.services.marks import record_late_arrival
    from attendance_desk.services.school import open_school

    day = args.date or args.today
    store = open_school(args.db)
    with store:
        before, after, suggested = record_late_arrival(
            store,
            args.upn,
            day,
            args.session,
            args.arrived,
            args.user,
            code=args.code,
            reason=args.reason,
        )
    was = before.code if before else "no mark"
    print(
        f"{day:%d/%m/%Y} {args.session}: {was} -> {after.code} ({after.minutes_late} min late; "
        f"the close time gives {suggested})."
    )
    return 0


def cmd_lates(args: argparse.Namespace) -> int:
    from attendance_desk.services.marks import half_term_start, punctuality
    from attendance_desk.services.school import open_school

    store = open_school(args.db)
    with store:
        end = args.end or args.today
        start = args.start
        if start is None:
            start = half_term_start(store, end) or date(end.year, end.month, 1)
        rows = punctuality(store, start, end, args.limit)
    if args.json:
        json.dump(
            [
                {
                    "upn": r.pupil.upn,
                    "name": r.pupil.name,
                    "reg_group": r.pupil.reg_group,
                    "late_before_close": r.late_before_close,
                    "late_after_close": r.late_after_close,
                    "minutes": r.minutes,
                }
                for r in rows
            ],
            sys.stdout,
            indent=2,
            ensure_ascii=False,
        )
        print()
        return 0
    print(
        f"Late arrivals {start:%d/%m/%Y} to {end:%d/%m/%Y} (L: before the register closed; U: after)"
    )
    if not rows:
        print("  none")
    for r in rows:
        print(
            f"  {r.pupil.name[:28]:<29}{r.pupil.reg_group:<7}L {r.late_before_close:>3}  U {r.late_after_close:>3}"
            f"  {r.minutes:>5} min in all"
        )
    return 0
