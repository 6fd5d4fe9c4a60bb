"""Penalty notices (`penalty`): the local threshold, Notice to Improve, the request to the LA with
its evidence, the notice issued and its outcome, prosecution referral. One service call each."""

from __future__ import annotations

import argparse
from pathlib import Path

from attendance_desk.cli.common import dmy, iso, print_json, real_today
from attendance_desk.services.school import open_school

PENALTY_HELP = """\
Penalty notices as the national framework (DfE, Working together to improve school attendance,
August 2024, paras 174-200; the Education (Penalty Notices) (England) Regulations 2007 as amended
in 2024) and the local authority's code of conduct set them. The threshold is a school setting
(national: 10 unauthorised sessions in 10 school weeks; some LAs differ, e.g. 12 weeks): a notice
to improve or a request below it is refused, naming the figures (an attendance lead or the head
may go ahead with --override-reason). A notice is per parent per child: £160, or £80 if paid within
21 days, within 28 days; a second within three years £160 with no reduction; no third within three
years (prosecution under s.444 Education Act 1996 is the route).

  penalty check --upn U [--date D]                   the figures against the local threshold
  penalty nti --upn U --date D --ends D [--parent "Mrs Dee Field"]   notice to improve (3-6 weeks)
  penalty request --case N [--date D]                after the improvement period, with the evidence
  penalty request --upn U --parent NAME --no-notice-reason "..."    (no notice to improve given)
  penalty form --case N --out request.pdf           the request and its evidence, for the LA
  penalty issued --case N --date D --ref "NCC/PN/0042"              amounts by the national rules
  penalty paid|unpaid|withdrawn --case N --date D [--note "..."]
  penalty prosecute (--case N | --upn U --parent NAME) --date D --note "..."
  penalty list [--upn U] [--json]
"""


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """The `penalty` command."""
    p = sub.add_parser(
        "penalty",
        help="penalty notices: local threshold, notice to improve, request, issue, outcome",
        description=PENALTY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    pn = p.add_subparsers(dest="penalty_command", metavar="ACTION", required=True)
    q = pn.add_parser("check", help="a pupil's figures against the local threshold")
    q.add_argument("--upn", required=True)
    q.add_argument("--date", type=iso, help="default: today")
    q.set_defaults(func=cmd_check)

    q = pn.add_parser("nti", help="a notice to improve (to each parent with PR, or --parent)")
    q.add_argument("--upn", required=True)
    q.add_argument("--date", type=iso, help="the notice's date (default: today)")
    q.add_argument("--ends", type=iso, required=True, help="the end of the improvement period")
    q.add_argument("--parent", help="one parent by name (default: each with PR)")
    q.add_argument("--override-reason", default="", help="go ahead below the threshold: why")
    q.set_defaults(func=cmd_nti)

    q = pn.add_parser("request", help="ask the LA to issue a notice, with the evidence")
    q.add_argument("--case", type=int, help="the case (after a notice to improve)")
    q.add_argument("--upn", help="a new case without a notice to improve")
    q.add_argument("--parent", help="the parent (for --upn)")
    q.add_argument("--no-notice-reason", default="", help="why no notice to improve was given")
    q.add_argument("--override-reason", default="", help="go ahead below the threshold: why")
    q.add_argument("--date", type=iso, help="default: today")
    q.set_defaults(func=cmd_request)

    q = pn.add_parser("form", help="the request to the LA and its evidence, as a PDF")
    q.add_argument("--case", type=int, required=True)
    q.add_argument("--out", type=Path, required=True)
    q.set_defaults(func=cmd_form)

    q = pn.add_parser("issued", help="the LA issued the notice: its reference and date")
    q.add_argument("--case", type=int, required=True)
    q.add_argument("--ref", required=True, help="the local authority's reference")
    q.add_argument("--date", type=iso, help="the day it was issued (default: today)")
    q.set_defaults(func=cmd_issued)

    for outcome, text in (
        ("paid", "the notice was paid (the amount follows from the date)"),
        ("unpaid", "not paid within 28 days"),
        ("withdrawn", "withdrawn by the LA (--note: why); it does not count towards the two"),
    ):
        q = pn.add_parser(outcome, help=text)
        q.add_argument("--case", type=int, required=True)
        q.add_argument("--date", type=iso, help="default: today")
        q.add_argument("--note", default="")
        q.set_defaults(func=cmd_outcome, outcome=outcome)

    q = pn.add_parser("prosecute", help="refer for prosecution under s.444 Education Act 1996")
    q.add_argument("--case", type=int, help="after a notice not paid")
    q.add_argument("--upn", help="a parent who has had two notices in three years")
    q.add_argument("--parent")
    q.add_argument("--note", required=True, help="why")
    q.add_argument("--date", type=iso, help="default: today")
    q.set_defaults(func=cmd_prosecute)

    q = pn.add_parser("list", help="penalty-notice cases and their steps")
    q.add_argument("--upn")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_list)


def _print(case) -> None:
    print(f"Case {case.case_id}: {case.pupil.name}, {case.parent}: {case.summary}")


def cmd_check(args: argparse.Namespace) -> int:
    from attendance_desk.services.penalties import check_pupil

    with open_school(args.db) as store:
        pupil, f = check_pupil(store, args.upn, args.date or args.today)
    state = "at or above" if f.reached else "below"
    print(
        f"{pupil.name}: {f.most} unauthorised sessions at most in any {f.weeks} school weeks this "
        f"school year, {f.latest} in the last {f.weeks} ({f.window}); {state} the threshold of "
        f"{f.threshold}."
    )
    return 0


def cmd_nti(args: argparse.Namespace) -> int:
    from attendance_desk.services.penalties import notice_to_improve

    today = real_today(args)
    with open_school(args.db) as store:
        made = notice_to_improve(
            store,
            args.upn,
            args.date or today,
            args.ends,
            args.user,
            parent=args.parent,
            override_reason=args.override_reason,
            today=today,
        )
    for case in made:
        _print(case)
    print("Next: the notice to improve letter (letter --template notice_to_improve --review D).")
    return 0


def cmd_request(args: argparse.Namespace) -> int:
    from attendance_desk.services.penalties import request_notice

    today = real_today(args)
    with open_school(args.db) as store:
        case = request_notice(
            store,
            args.date or today,
            args.user,
            case_id=args.case,
            upn=args.upn,
            parent=args.parent,
            no_notice_reason=args.no_notice_reason,
            override_reason=args.override_reason,
            today=today,
        )
    _print(case)
    evidence = case.step("request").evidence
    if evidence.get("missing"):
        print(f"  note: no {' or '.join(evidence['missing'])} recorded to send with it")
    print(f"Next: penalty form --case {case.case_id} --out FILE.pdf for the local authority.")
    return 0


def cmd_form(args: argparse.Namespace) -> int:
    from attendance_desk.services.penalties import request_form

    with open_school(args.db) as store:
        out = request_form(store, args.case, args.out, args.user)
    print(f"Written {out}")
    return 0


def cmd_issued(args: argparse.Namespace) -> int:
    from attendance_desk.services.penalties import record_issued

    today = real_today(args)
    with open_school(args.db) as store:
        case = record_issued(store, args.case, args.date or today, args.ref, args.user, today)
    _print(case)
    return 0


def cmd_outcome(args: argparse.Namespace) -> int:
    from attendance_desk.services.penalties import record_outcome

    today = real_today(args)
    with open_school(args.db) as store:
        case = record_outcome(
            store, args.case, args.outcome, args.date or today, args.user, args.note, today
        )
    _print(case)
    return 0


def cmd_prosecute(args: argparse.Namespace) -> int:
    from attendance_desk.services.penalties import refer_for_prosecution

    today = real_today(args)
    with open_school(args.db) as store:
        case = refer_for_prosecution(
            store,
            args.date or today,
            args.user,
            args.note,
            case_id=args.case,
            upn=args.upn,
            parent=args.parent,
            today=today,
        )
    _print(case)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from attendance_desk.services.penalties import cases

    with open_school(args.db) as store:
        found = cases(store, args.upn)
    if args.json:
        print_json(
            [
                {
                    "case": c.case_id,
                    "upn": c.pupil.upn,
                    "name": c.pupil.name,
                    "parent": c.parent,
                    "state": c.state,
                    "steps": [
                        {
                            "step": s.step,
                            "date": s.occurred_on.isoformat(),
                            "la_reference": s.la_reference,
                            "amount": s.amount,
                            "reduced_amount": s.reduced_amount,
                            "pay_by": s.pay_by.isoformat() if s.pay_by else None,
                        }
                        for s in c.steps
                    ],
                }
                for c in found
            ]
        )
        return 0
    if not found:
        print("No penalty-notice cases.")
    for c in found:
        _print(c)
        if c.issued and c.state == "issued":
            print(f"    to be paid by {dmy(c.issued.pay_by)}")
    return 0
