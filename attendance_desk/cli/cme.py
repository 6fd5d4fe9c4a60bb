"""Children missing education (`cme`): the count of unexplained absence, the referral to the LA and
its form, the outcome. One service call each."""

from __future__ import annotations

import argparse
from pathlib import Path

from attendance_desk.cli.common import dmy, iso, print_json, real_today
from attendance_desk.services.school import open_school

CME_HELP = """\
A children-missing-education referral goes to the local authority when a pupil reaches the
school's count of school days of unexplained absence in a row (N or O; a setting, default 10, as
the Widnes Academy policy and DfE "Children missing education" (2016) have it). The first-day-call
list prompts for it; once made, the pupil's line on Today says so. A referral before the count is
refused unless the reason is given, which is recorded with it.

  cme status --upn U [--date D]          the count, the day last seen, any referral
  cme refer --upn U [--date D] [--la-contact "..."] [--early-reason "..."]
  cme form --referral N --out cme.pdf    the form for the LA (contacts tried, visits, siblings, agencies)
  cme outcome --referral N --outcome "attending another school" [--note "..."] [--date D]
  cme list [--json]
"""


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """The `cme` command."""
    p = sub.add_parser(
        "cme",
        help="children missing education: referral to the local authority, its form and outcome",
        description=CME_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cm = p.add_subparsers(dest="cme_command", metavar="ACTION", required=True)
    q = cm.add_parser("status", help="school days of unexplained absence in a row, last seen")
    q.add_argument("--upn", required=True)
    q.add_argument("--date", type=iso, help="default: today")
    q.set_defaults(func=cmd_status)
    q = cm.add_parser("refer", help="record the referral to the LA")
    q.add_argument("--upn", required=True)
    q.add_argument("--date", type=iso, help="default: today")
    q.add_argument("--la-contact", default="", help="who at the LA it went to")
    q.add_argument("--early-reason", default="", help="why, if before the school's count")
    q.set_defaults(func=cmd_refer)
    q = cm.add_parser("form", help="the referral form for the LA, as a PDF")
    q.add_argument("--referral", type=int, required=True)
    q.add_argument("--out", type=Path, required=True)
    q.set_defaults(func=cmd_form)
    q = cm.add_parser("outcome", help="what the LA found")
    q.add_argument("--referral", type=int, required=True)
    q.add_argument("--outcome", required=True)
    q.add_argument("--note", default="")
    q.add_argument("--date", type=iso, help="default: today")
    q.set_defaults(func=cmd_outcome)
    q = cm.add_parser("list", help="every referral, latest first")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_list)


def cmd_status(args: argparse.Namespace) -> int:
    from attendance_desk.services.cme import status

    with open_school(args.db) as store:
        st = status(store, args.upn, args.date or args.today)
    seen = dmy(st.last_seen) or "not in the last 60 school days"
    print(
        f"{st.pupil.name}: {st.days_unexplained} school day{'' if st.days_unexplained == 1 else 's'}"
        f" of unexplained absence in a row up to "
        f"{dmy(st.day)} (the school refers at {st.needed}); last seen {seen}."
    )
    if st.referral:
        outcome = st.referral.outcome or "no outcome yet"
        print(f"  referral {st.referral.id} on {dmy(st.referral.referred_on)}: {outcome}")
    elif st.due:
        print("  a children missing education referral is due: cme refer --upn ...")
    return 0


def cmd_refer(args: argparse.Namespace) -> int:
    from attendance_desk.services.cme import refer

    today = real_today(args)
    with open_school(args.db) as store:
        r = refer(
            store,
            args.upn,
            args.date or today,
            args.user,
            la_contact=args.la_contact,
            early_reason=args.early_reason,
            today=today,
        )
    print(
        f"Referral {r.id} recorded on {dmy(r.referred_on)} ({r.days_unexplained} school days "
        f"unexplained). Next: cme form --referral {r.id} --out FILE.pdf"
    )
    return 0


def cmd_form(args: argparse.Namespace) -> int:
    from attendance_desk.services.cme import referral_form

    with open_school(args.db) as store:
        out = referral_form(store, args.referral, args.out, args.user)
    print(f"Written {out}")
    return 0


def cmd_outcome(args: argparse.Namespace) -> int:
    from attendance_desk.services.cme import record_outcome

    today = real_today(args)
    with open_school(args.db) as store:
        r = record_outcome(
            store, args.referral, args.outcome, args.date or today, args.user, args.note, today
        )
    print(f"Referral {r.id}: {r.outcome} ({dmy(r.outcome_on)}).")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from attendance_desk.services.cme import referrals

    with open_school(args.db) as store:
        rows = referrals(store)
    if args.json:
        print_json(
            [
                {
                    "referral": r.id,
                    "upn": p.upn,
                    "name": p.name,
                    "referred_on": r.referred_on.isoformat(),
                    "days_unexplained": r.days_unexplained,
                    "last_seen": r.last_seen.isoformat() if r.last_seen else None,
                    "early_reason": r.early_reason,
                    "outcome": r.outcome,
                    "outcome_on": r.outcome_on.isoformat() if r.outcome_on else None,
                }
                for p, r in rows
            ]
        )
        return 0
    if not rows:
        print("No missing-education referrals.")
    for p, r in rows:
        print(
            f"  #{r.id:<4} {dmy(r.referred_on)} {p.name[:26]:<27} {r.days_unexplained:>3} days  "
            f"{r.outcome or 'awaiting the outcome'}"
        )
    return 0
