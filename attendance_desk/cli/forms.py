"""Documents that are not letters: the head's `certificate`, the referral `pack`, the `tsm-pack`,
and the forms (`contract`, `minutes`, `visit-form`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from attendance_desk.cli.common import iso, real_today
from attendance_desk.services.school import ServiceError, open_school


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "certificate",
        help="the head's attendance certificate (s.566): a certified register extract",
    )
    p.add_argument("--upn", required=True)
    p.add_argument("--from", dest="start", type=iso, required=True)
    p.add_argument("--to", dest="end", type=iso, required=True)
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=certificate)

    p = sub.add_parser("pack", help="the referral evidence pack for the Education Welfare Service")
    p.add_argument("--upn", required=True)
    p.add_argument("--out", required=True, type=Path)
    p.add_argument(
        "--complete",
        action="store_true",
        help="refuse (exit 1), listing what is missing, until every applicable item is met",
    )
    p.set_defaults(func=pack)

    p = sub.add_parser(
        "tsm-pack", help="the targeted support meeting pack (PDF, and XLSX with --xlsx)"
    )
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--xlsx", type=Path)
    p.set_defaults(func=tsm_pack)

    p = sub.add_parser(
        "contract", help="a parenting contract or plan, on the letterhead, for signing"
    )
    p.add_argument("--plan", type=int, required=True)
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=contract)

    p = sub.add_parser("minutes", help="the minutes of a School Attendance Meeting or review")
    p.add_argument("--meeting", type=int, required=True)
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=minutes)

    p = sub.add_parser(
        "visit-form", help="a home-visit record to take on a visit, or the record of one made"
    )
    p.add_argument("--upn", help="the pupil, for a blank record to take on a visit")
    p.add_argument(
        "--visit", type=int, help="a recorded home visit's chronology entry (printed by `contact`)"
    )
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=visit_form)


def certificate(args: argparse.Namespace) -> int:
    from attendance_desk.services.certificates import make_certificate

    store = open_school(args.db)
    with store:
        result = make_certificate(
            store, args.upn, args.start, args.end, args.out, args.user, real_today(args)
        )
    print(
        f"Certificate for {result.pupil}: {result.out} ({result.possible} possible sessions, "
        f"{result.attendance}). To be signed by the head teacher."
    )
    return 0


def pack(args: argparse.Namespace) -> int:
    from attendance_desk.services.pack import assemble_evidence_pack, evidence_checklist

    store = open_school(args.db)
    with store:
        if args.complete:
            missing = [c for c in evidence_checklist(store, args.upn, args.today) if not c.ok]
            if missing:
                for c in missing:
                    print(f"missing: {c.item}: {c.detail}", file=sys.stderr)
                raise ServiceError(
                    f"{len(missing)} item(s) of evidence missing: the pack was not made"
                )
        result = assemble_evidence_pack(
            store, args.upn, args.today, args.out, args.user, complete=args.complete
        )
    print(f"Evidence pack: {result.out} ({result.pages} pages)")
    for c in result.missing:
        print(f"missing: {c.item}: {c.detail}")
    return 0


def tsm_pack(args: argparse.Namespace) -> int:
    from attendance_desk.services.tsm import make_tsm_pack

    store = open_school(args.db)
    with store:
        count = make_tsm_pack(store, args.today, args.out, args.xlsx, by=args.user)
    print(
        f"Targeted support meeting pack: {count} pupils, {args.out}"
        + (f" and {args.xlsx}" if args.xlsx else "")
    )
    return 0


def contract(args: argparse.Namespace) -> int:
    from attendance_desk.services.forms import contract_document

    with open_school(args.db) as store:
        written = contract_document(store, args.plan, args.out, args.today, by=args.user)
    print(f"Written {written}")
    return 0


def minutes(args: argparse.Namespace) -> int:
    from attendance_desk.services.forms import minutes_document

    with open_school(args.db) as store:
        written = minutes_document(store, args.meeting, args.out, args.today, by=args.user)
    print(f"Written {written}")
    return 0


def visit_form(args: argparse.Namespace) -> int:
    from attendance_desk.services.forms import home_visit_form, home_visit_record

    if (args.upn is None) == (args.visit is None):
        raise ServiceError(
            "give --upn for a blank record to take on a visit, or --visit N for a visit recorded"
        )
    with open_school(args.db) as store:
        if args.visit is not None:
            written = home_visit_record(store, args.visit, args.out, by=args.user)
        else:
            written = home_visit_form(store, args.upn, args.out, args.today, by=args.user)
    print(f"Written {written}")
    return 0
