"""Leave of absence in term time (`leave`): requests, the head's decision, the letters, the list of
requests awaiting a decision. Each handler is one service call plus printing."""

from __future__ import annotations

import argparse
from pathlib import Path

from attendance_desk.cli.common import dmy, iso, print_json, real_today, session
from attendance_desk.services.school import open_school

LEAVE_HELP = """\
Leave of absence in term time may be granted only in exceptional circumstances, by the head
teacher or someone the head has delegated (School Attendance (Pupil Registration) (England)
Regulations 2024, reg 11). The school replies within its deadline (a setting, default 10 school
days, counted on the school calendar); a decision made after it is recorded and flagged. On the
dates the register suggests C (granted) or G (refused but taken), and the first-day-call list does
not ring those pupils (Today says why).

  leave request --upn U [--upn SIBLING] --from 2026-12-07 --to 2026-12-11 --reason "..." \\
      --requested-by "Ms Jo Brook" [--received 2026-11-20] [--from-session PM] [--to-session AM]
  leave list [--all] [--upn U] [--json]      awaiting a decision, with school days left
  leave decide --request N --grant --exceptional "..." [--date D] [--note "..."]
  leave decide --request N --refuse [--date D] [--note "..."]
  leave letters --request N --out letters.pdf [--preview]   to every adult with parental responsibility
  leave withdraw --request N --note "..."     the parent withdrew it before a decision
  leave delegate --user NAME [--user NAME]   (head teacher) who else may decide; none: --user ""
"""


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """The `leave` command."""
    p = sub.add_parser(
        "leave",
        help="leave of absence in term time: request, decision, letters, the C/G codes",
        description=LEAVE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    lv = p.add_subparsers(dest="leave_command", metavar="ACTION", required=True)
    q = lv.add_parser("request", help="record a request (the pupil and any siblings asked for)")
    q.add_argument("--upn", required=True, action="append", help="repeat for each sibling")
    q.add_argument("--from", dest="start", type=iso, required=True, help="the first day of leave")
    q.add_argument("--to", dest="end", type=iso, required=True, help="the last day of leave")
    q.add_argument("--from-session", type=session, default="AM", help="AM (default) or PM")
    q.add_argument("--to-session", type=session, default="PM", help="AM or PM (default)")
    q.add_argument("--reason", required=True, help="the reason the parent gave")
    q.add_argument("--requested-by", required=True, help="who asked (the parent's name)")
    q.add_argument("--received", type=iso, help="the day the request arrived (default: today)")
    q.set_defaults(func=cmd_request)

    q = lv.add_parser("list", help="requests awaiting a decision, nearest deadline first")
    q.add_argument("--all", action="store_true", help="every request, decided ones too")
    q.add_argument("--upn", help="one pupil's requests")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_list)

    q = lv.add_parser("decide", help="grant or refuse (head teacher or a delegate)")
    q.add_argument("--request", type=int, required=True, help="the request's number")
    g = q.add_mutually_exclusive_group(required=True)
    g.add_argument("--grant", action="store_true")
    g.add_argument("--refuse", action="store_true")
    q.add_argument(
        "--exceptional", default="", help="the exceptional circumstances (needed to grant)"
    )
    q.add_argument("--note", default="", help="anything else to record with the decision")
    q.add_argument("--date", type=iso, help="the day it was decided (default: today)")
    q.set_defaults(func=cmd_decide)

    q = lv.add_parser("withdraw", help="the parent withdrew a request not yet decided")
    q.add_argument("--request", type=int, required=True)
    q.add_argument("--note", required=True, help="what the parent said")
    q.add_argument("--date", type=iso, help="default: today")
    q.set_defaults(func=cmd_withdraw)

    q = lv.add_parser("letters", help="the decision letters for a request")
    q.add_argument("--request", type=int, required=True)
    q.add_argument("--out", type=Path, required=True, help="the PDF to write (never overwritten)")
    q.add_argument("--preview", action="store_true", help="not numbered, not logged")
    q.set_defaults(func=cmd_letters)

    q = lv.add_parser("delegate", help="(head teacher) the users who may also decide requests")
    q.add_argument("--user", dest="delegates", action="append", default=[], required=True)
    q.set_defaults(func=cmd_delegate)


def cmd_request(args: argparse.Namespace) -> int:
    from attendance_desk.services.leave import record_request

    today = real_today(args)
    with open_school(args.db) as store:
        made = record_request(
            store,
            args.upn,
            args.start,
            args.end,
            args.reason,
            args.requested_by,
            args.received or today,
            args.user,
            first_session=args.from_session,
            last_session=args.to_session,
            today=today,
        )
    first = made[0]
    print(
        f"Leave request {first.family_ref} recorded for {len(made)} pupil"
        f"{'s' if len(made) != 1 else ''}: {first.dates_text}. "
        f"The reply is due by {dmy(first.deadline)}."
    )
    return 0


def _line_json(line) -> dict:
    r = line.request
    return {
        "request": r.family_ref,
        "upn": line.pupil.upn,
        "name": line.pupil.name,
        "from": r.first_date.isoformat(),
        "from_session": r.first_session,
        "to": r.last_date.isoformat(),
        "to_session": r.last_session,
        "reason": r.reason,
        "requested_by": r.requested_by,
        "received_on": r.received_on.isoformat(),
        "deadline": r.deadline.isoformat(),
        "days_left": line.days_left,
        "status": r.status,
        "decided_on": r.decided_on.isoformat() if r.decided_on else None,
        "decided_by": r.decided_by,
        "decided_late": r.decided_late,
        "exceptional_reason": r.exceptional_reason,
        "letters": r.letters,
    }


def cmd_list(args: argparse.Namespace) -> int:
    from attendance_desk.services.leave import awaiting_decision, requests

    with open_school(args.db) as store:
        if args.all or args.upn:
            lines = requests(store, args.today, args.upn)
        else:
            lines = awaiting_decision(store, args.today)
    if args.json:
        print_json([_line_json(x) for x in lines])
        return 0
    heading = "Leave requests" if args.all or args.upn else "Leave requests awaiting a decision"
    print(f"{heading} ({dmy(args.today)})")
    if not lines:
        print("  none")
    for x in lines:
        r = x.request
        state = r.status if r.status != "pending" else f"reply by {dmy(r.deadline)}"
        print(f"  #{r.family_ref:<4} {x.pupil.name[:24]:<25}{r.dates_text:<27}{state:<22}{x.flag}")
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    from attendance_desk.services.leave import decide

    today = real_today(args)
    with open_school(args.db) as store:
        done = decide(
            store,
            args.request,
            "granted" if args.grant else "refused",
            args.user,
            args.date or today,
            exceptional_reason=args.exceptional,
            note=args.note,
            today=today,
        )
    first = done[0]
    late = f" AFTER THE DEADLINE ({dmy(first.deadline)})" if first.decided_late else ""
    code = "C (authorised)" if first.status == "granted" else "G (unauthorised) if taken"
    print(
        f"Request {first.family_ref} {first.status} on {dmy(first.decided_on)}{late} for "
        f"{len(done)} pupil{'s' if len(done) != 1 else ''}; the register will suggest {code}. "
        f"Next: leave letters --request {first.family_ref} --out FILE."
    )
    return 0


def cmd_withdraw(args: argparse.Namespace) -> int:
    from attendance_desk.services.leave import withdraw

    today = real_today(args)
    with open_school(args.db) as store:
        done = withdraw(store, args.request, args.user, args.date or today, args.note, today)
    print(f"Request {done[0].family_ref} withdrawn for {len(done)} pupil(s).")
    return 0


def cmd_letters(args: argparse.Namespace) -> int:
    from attendance_desk.services.leave import decision_letters

    with open_school(args.db) as store:
        batch = decision_letters(
            store, args.request, real_today(args), args.user, args.out, preview=args.preview
        )
    kind = "previews" if batch.preview else "letters issued"
    refs = f" ({', '.join(batch.references)})" if batch.references else ""
    print(f"{batch.letters} {kind}{refs}: {', '.join(str(f) for f in batch.files)}")
    for line in batch.not_sent:
        print(f"  not sent: {line}")
    return 0


def cmd_delegate(args: argparse.Namespace) -> int:
    from attendance_desk.services.leave import delegate

    with open_school(args.db) as store:
        delegate(store, args.delegates, args.user)
    names = ", ".join(n for n in args.delegates if n.strip())
    print(f"Leave decisions delegated to: {names or 'nobody (the head teacher decides)'}.")
    return 0
