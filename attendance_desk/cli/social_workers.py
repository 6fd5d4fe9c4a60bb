"""Unexplained absence of a child with a social worker (`social-workers`): today's list by worker,
the e-mail drafted for each, the record that each was told, and the workers' contacts."""

from __future__ import annotations

import argparse

from attendance_desk.cli.common import iso, print_json, session
from attendance_desk.presentation import dmy
from attendance_desk.services.school import open_school

SW_HELP = """\
Children with a child protection plan, a child in need plan or looked after who are absent today
with no reason given (marked N, or no mark once the class register is taken), grouped by social
worker with the worker's phone and e-mail and, for a looked-after child, the virtual school's
contact. `draft` prints an e-mail per worker to copy into the school's mail (nothing is sent);
`told` records that the worker was told (each child's chronology and the audit).

  social-workers list [--date D] [--session AM|PM] [--json]
  social-workers draft [--worker "Ms Rita Patel"] [--date D]
  social-workers told --worker "Ms Rita Patel" [--how email|phone|in_person|secure_mail]
  social-workers contacts --upn U [--worker NAME] [--phone N] [--email E] [--virtual-school "..."]
"""


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """The `social-workers` command."""
    p = sub.add_parser(
        "social-workers",
        help="today's unexplained absences of children with a social worker: list, e-mails, told",
        description=SW_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    s = p.add_subparsers(dest="sw_command", metavar="ACTION", required=True)
    for name, text, func in (
        ("list", "today's list by social worker", cmd_list),
        ("draft", "the e-mail to each worker, to copy (nothing is sent)", cmd_draft),
        ("told", "record that a worker was told", cmd_told),
    ):
        q = s.add_parser(name, help=text)
        q.add_argument("--date", type=iso, help="default: today")
        q.add_argument("--session", type=session, default="AM")
        if name == "list":
            q.add_argument("--json", action="store_true")
        if name == "draft":
            q.add_argument("--worker", help="one worker (default: every worker on the list)")
        if name == "told":
            q.add_argument("--worker", required=True)
            q.add_argument(
                "--how", choices=["email", "phone", "in_person", "secure_mail"], default="email"
            )
        q.set_defaults(func=func)
    q = s.add_parser("contacts", help="a pupil's social worker and virtual school contact")
    q.add_argument("--upn", required=True)
    q.add_argument("--worker", help="the social worker's name")
    q.add_argument("--phone")
    q.add_argument("--email")
    q.add_argument("--virtual-school", help="the virtual school's contact (looked-after children)")
    q.set_defaults(func=cmd_contacts)


def cmd_list(args: argparse.Namespace) -> int:
    from attendance_desk.services.social_workers import absent_today

    day = args.date or args.today
    with open_school(args.db) as store:
        notices = absent_today(store, day, args.session)
    if args.json:
        print_json(
            [
                {
                    "worker": n.worker,
                    "phone": n.phone,
                    "email": n.email,
                    "virtual_school": list(n.virtual_school),
                    "children": [
                        {
                            "upn": c.pupil.upn,
                            "name": c.pupil.name,
                            "why": c.why_listed,
                            "code": c.code,
                            "days_absent": c.days_absent,
                            "told": c.told,
                        }
                        for c in n.children
                    ],
                }
                for n in notices
            ]
        )
        return 0
    print(f"Unexplained absences of children with a social worker, {dmy(day)} {args.session}")
    if not notices:
        print("  none")
    for n in notices:
        contact = ", ".join(x for x in (n.phone, n.email) if x) or "no contact details recorded"
        print(f"  {n.worker}: {contact}")
        for c in n.children:
            told = c.told or "NOT TOLD YET"
            print(
                f"    {c.pupil.name[:26]:<27}{c.why_listed:<26}{c.code or 'no mark':<8}"
                f"day {c.days_absent:<3} {told}"
            )
        for v in n.virtual_school:
            print(f"    virtual school: {v}")
    return 0


def cmd_draft(args: argparse.Namespace) -> int:
    from attendance_desk.services.social_workers import drafts

    with open_school(args.db) as store:
        found = drafts(store, args.date or args.today, args.session, args.user)
    chosen = [(n, t) for n, t in found if not args.worker or n.worker == args.worker]
    if not chosen:
        print("No e-mails to draft: no child of that worker is on today's list.")
    for n, text in chosen:
        print(f"===== To: {n.worker} {('<' + n.email + '>') if n.email else ''}".rstrip())
        print(text)
    return 0


def cmd_told(args: argparse.Namespace) -> int:
    from attendance_desk.services.social_workers import record_told

    with open_school(args.db) as store:
        names = record_told(
            store, args.worker, args.date or args.today, args.user, args.how, session=args.session
        )
    print(
        f"Recorded that {args.worker} was told about {len(names)} child(ren): {', '.join(names)}."
    )
    return 0


def cmd_contacts(args: argparse.Namespace) -> int:
    from attendance_desk.services.social_workers import set_contacts

    with open_school(args.db) as store:
        p = set_contacts(
            store,
            args.upn,
            args.user,
            social_worker=args.worker,
            phone=args.phone,
            email=args.email,
            virtual_school=args.virtual_school,
        )
    print(
        f"{p.name}: social worker {p.social_worker or '(none)'}"
        f" {p.social_worker_phone} {p.social_worker_email}".rstrip()
        + (f"; virtual school: {p.virtual_school_contact}" if p.virtual_school_contact else "")
    )
    return 0
