"""Messages for the school's texting service (`messages`): a CSV of name, number and message for
the call list's families or a day's letters' addressees. Nothing is sent."""

from __future__ import annotations

import argparse
from pathlib import Path

from attendance_desk.cli.common import iso, session
from attendance_desk.services.school import open_school

MESSAGES_HELP = """\
Writes a CSV with the columns name, number, message, the shape the common school messaging
services (Schoolcomms, ParentMail, Teachers2Parents and the like) import, so the office can text
instead of ring. Nothing is sent from Attendance Desk. The number is each family's preferred
mobile: the first contact in ring order who has one; families with none are listed to ring.
The message may use {salutation}, {name}, {pupils}, {is_are}, {date}, {school}, {phone}, {ref}.

  messages calls --out texts.csv [--date D] [--session AM] [--message "..."] [--preview]
  messages letters --out texts.csv [--date D] [--template stage1] [--message "..."] [--preview]
"""


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """The `messages` command."""
    p = sub.add_parser(
        "messages",
        help="a CSV (name, number, message) for the school's texting service; nothing is sent",
        description=MESSAGES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    m = p.add_subparsers(dest="messages_command", metavar="SOURCE", required=True)
    for name, text in (
        ("calls", "the first-day-call list's families"),
        ("letters", "the addressees of the letters issued on a day"),
    ):
        q = m.add_parser(name, help=text)
        q.add_argument("--out", type=Path, help="the CSV to write (not needed with --preview)")
        q.add_argument("--date", type=iso, help="default: today")
        q.add_argument("--message", help="the wording (placeholders in braces; see --help)")
        q.add_argument("--preview", action="store_true", help="print the messages, write nothing")
        if name == "calls":
            q.add_argument("--session", type=session, default="AM")
        else:
            q.add_argument("--template", help="only letters from this template (e.g. stage1)")
        q.set_defaults(func=cmd_messages, source=name)


def cmd_messages(args: argparse.Namespace) -> int:
    from attendance_desk.services import messages as svc
    from attendance_desk.services.school import ServiceError

    day = args.date or args.today
    if not args.preview and args.out is None:
        raise ServiceError("give --out FILE.csv (or --preview to see the messages)")
    with open_school(args.db) as store:
        if args.source == "calls":
            found, skipped = svc.call_messages(
                store, day, args.session, args.message or svc.CALL_MESSAGE
            )
        else:
            found, skipped = svc.letter_messages(
                store, day, args.template, args.message or svc.LETTER_MESSAGE
            )
        if not args.preview:
            out = svc.export_messages(store, found, args.out, args.user, args.source)
    for m in found if args.preview else ():
        print(f"{m.name} {m.number}: {m.message}")
    if not args.preview:
        print(
            f"{len(found)} messages written to {out} (nothing sent: import it into the texting service)."
        )
    for line in skipped:
        print(f"  not texted: {line}")
    return 0
