"""The registers day to day: first-day calls (`calls`, `log-call`), late arrivals (`late`,
`lates`), and correcting a mark (`amend`, `history`)."""

from __future__ import annotations

import argparse
from datetime import date

from attendance_desk.cli.common import clock, dmy, iso, print_json, real_today, session
from attendance_desk.presentation import when_text
from attendance_desk.services.school import open_school

CALL_OUTCOMES = ["spoke_to_parent", "no_answer", "voicemail", "message_left", "wrong_number"]


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calls", help="the first-day-call list")
    p.add_argument("--date", type=iso, help="default: today")
    p.add_argument("--session", type=session, default="AM")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=calls)

    p = sub.add_parser("log-call", help="log a first-day call; a reason given recodes the mark")
    p.add_argument("--upn", required=True, action="append", help="repeat for siblings on one call")
    p.add_argument("--date", type=iso, help="default: today")
    p.add_argument("--session", type=session, default="AM")
    p.add_argument("--outcome", required=True, choices=CALL_OUTCOMES)
    p.add_argument("--with", dest="with_whom", default="", help="who was spoken to")
    p.add_argument("--code", help="the code for the reason given (e.g. I, M)")
    p.add_argument("--notes", default="")
    p.set_defaults(func=log_call)

    p = sub.add_parser("late", help="record a late arrival: L before the register closed, U after")
    p.add_argument("--upn", required=True)
    p.add_argument("--date", type=iso, help="default: today")
    p.add_argument("--session", type=session, default="AM")
    p.add_argument("--arrived", type=clock, required=True, help="the time the pupil arrived, HH:MM")
    p.add_argument(
        "--code",
        choices=["L", "U"],
        help="record this code instead of the one the close time gives",
    )
    p.add_argument(
        "--reason", default="", help="why, when --code differs from the close time's code"
    )
    p.set_defaults(func=late)

    p = sub.add_parser("lates", help="punctuality: the pupils with the most late arrivals")
    p.add_argument("--from", dest="start", type=iso, help="default: the start of this half-term")
    p.add_argument("--to", dest="end", type=iso, help="default: today")
    p.add_argument("--limit", type=int, default=30)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=lates)

    p = sub.add_parser("amend", help="amend a mark, keeping the original in the history")
    p.add_argument("--upn", required=True)
    p.add_argument("--date", required=True, type=iso)
    p.add_argument("--session", required=True, type=session)
    p.add_argument("--code", required=True)
    p.add_argument("--reason", required=True)
    p.add_argument("--minutes-late", type=int)
    p.set_defaults(func=amend)

    p = sub.add_parser("history", help="a pupil's mark history (amendments)")
    p.add_argument("--upn", required=True)
    p.add_argument("--date", type=iso)
    p.set_defaults(func=history)


def calls(args: argparse.Namespace) -> int:
    from attendance_desk.services.calls import call_list

    day = args.date or args.today
    store = open_school(args.db)
    with store:
        result = call_list(store, day, args.session)
    if args.json:
        print_json(
            [
                {
                    "upn": cp.pupil.upn,
                    "name": cp.pupil.name,
                    "reg_group": cp.pupil.reg_group,
                    "year_group": cp.pupil.year_group,
                    "family": n,
                    "code": cp.code,
                    "rag": cp.rag.label,
                    "vulnerable": list(cp.pupil.vulnerable_reasons),
                    "amber": list(cp.pupil.amber_reasons),
                    "consecutive_days": cp.consecutive_days,
                    "days_without_contact": cp.days_without_contact,
                    "prompts": list(cp.prompts),
                    "contacts": [
                        {
                            "name": c.name,
                            "relationship": c.relationship,
                            "priority": c.priority,
                            "parental_responsibility": c.parental_responsibility,
                            "phones": [{"kind": p.kind, "number": p.number} for p in c.phones],
                        }
                        for c in family.contacts
                    ],
                }
                for n, family in enumerate(result.families, start=1)
                for cp in family.pupils
            ]
        )
        return 0
    print(
        f"First-day calls for {day:%A} {dmy(day)} {args.session}: "
        f"{result.pupil_count} pupil(s) in {len(result.families)} call(s)"
    )
    if result.message:
        print(result.message)
    if result.registers_not_taken:
        print("Registers not yet taken: " + ", ".join(result.registers_not_taken))
    for n, family in enumerate(result.families, start=1):
        print(f"\n{n}. [{family.rag.label.upper()}]")
        for cp in family.pupils:
            mark = cp.code or "no mark"
            print(
                f"   {cp.pupil.name} ({cp.pupil.reg_group}, {cp.pupil.upn}) - {mark}, "
                f"day {cp.consecutive_days} of absence"
            )
            for reason in cp.pupil.vulnerable_reasons + cp.pupil.amber_reasons:
                print(f"      ! {reason}")
            for prompt in cp.prompts:
                print(f"      > {prompt}")
        for c in family.contacts:
            phones = (
                ", ".join(f"{p.number} ({p.kind})" if p.kind else p.number for p in c.phones)
                or "no phone"
            )
            pr = "PR" if c.parental_responsibility else "no PR"
            print(f"   {c.priority}. {c.name}, {c.relationship or 'contact'} [{pr}]: {phones}")
    return 0


def log_call(args: argparse.Namespace) -> int:
    from attendance_desk.services.calls import log_call as log_the_call
    from attendance_desk.services.marks import find_pupil

    day = args.date or real_today(args)
    store = open_school(args.db)
    with store:
        pupils = [find_pupil(store, upn) for upn in args.upn]
        log_the_call(
            store,
            [p.id for p in pupils],
            day,
            args.session,
            args.outcome,
            args.user,
            with_whom=args.with_whom,
            reason_code=args.code,
            notes=args.notes,
        )
    names = ", ".join(p.name for p in pupils)
    recoded = f"; marks recoded to {args.code}" if args.code else ""
    print(f"Call logged for {names}{recoded}.")
    return 0


def late(args: argparse.Namespace) -> int:
    from attendance_desk.services.marks import record_late_arrival

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
        f"{dmy(day)} {args.session}: {was} -> {after.code} ({after.minutes_late} min late; "
        f"the close time gives {suggested})."
    )
    return 0


def lates(args: argparse.Namespace) -> int:
    from attendance_desk.services.marks import half_term_start, punctuality

    store = open_school(args.db)
    with store:
        end = args.end or args.today
        start = args.start
        if start is None:
            start = half_term_start(store, end) or date(end.year, end.month, 1)
        rows = punctuality(store, start, end, args.limit)
    if args.json:
        print_json(
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
            ]
        )
        return 0
    print(f"Late arrivals {dmy(start)} to {dmy(end)} (L: before the register closed; U: after)")
    if not rows:
        print("  none")
    for r in rows:
        print(
            f"  {r.pupil.name[:28]:<29}{r.pupil.reg_group:<7}L {r.late_before_close:>3}"
            f"  U {r.late_after_close:>3}  {r.minutes:>5} min in all"
        )
    return 0


def amend(args: argparse.Namespace) -> int:
    from attendance_desk.services.marks import amend_mark

    store = open_school(args.db)
    with store:
        before, after = amend_mark(
            store,
            args.upn,
            args.date,
            args.session,
            args.code,
            args.reason,
            args.user,
            args.minutes_late,
        )
    print(
        f"{dmy(args.date)} {args.session}: {before.code} -> {after.code} "
        "(reason kept in the history)."
    )
    return 0


def history(args: argparse.Namespace) -> int:
    from attendance_desk.services.marks import mark_history

    store = open_school(args.db)
    with store:
        pupil, entries = mark_history(store, args.upn, args.date)
    print(f"Register history for {pupil.legal_name} ({pupil.upn})")
    if not entries:
        print("No amendments.")
    for e in entries:
        flag = "  [changed outside Attendance Desk]" if e.direct else ""
        print(
            f"{dmy(e.date)} {e.session}: {e.old_code} -> {e.new_code}  by {e.changed_by} at "
            f"{when_text(e.changed_at)}; reason: {e.reason}; original entered by "
            f"{e.old_recorded_by} at {when_text(e.old_recorded_at)}{flag}"
        )
    return 0
