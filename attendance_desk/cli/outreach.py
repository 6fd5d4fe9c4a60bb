"""Writing to families and recognising attendance: lateness letters (`lateness-letters`), early help
offered in writing (`early-help`) and attendance awards (`awards`). Each handler is one service call
plus printing."""

from __future__ import annotations

import argparse
from pathlib import Path

from attendance_desk.cli.common import dmy, iso, issue_options, print_json, real_today
from attendance_desk.services.school import open_school

LATENESS_HELP = """\
Punctuality letters on the school's own ladder (settings: late marks L in a half-term for letter 1,
and for letter 2; default 5 and 10). The wording is letter_templates/lateness1.txt.j2 and
lateness2.txt.j2, with the same conditions as the stage letters (late_this_half_term >=
lateness_letter1): a pupil below the step is refused, naming the figures; an attendance lead or
the head teacher may send it anyway with --override-reason. L is late before the register closed;
U (after it closed) is unauthorised absence and is not counted here.

  lateness-letters list                      who is late this half-term and the step reached
  lateness-letters make --step 1 --out lateness1.pdf [--preview]   everyone at step 1 not yet written to
  lateness-letters make --step 2 --upn U --out letter.pdf           one pupil
  lateness-letters ladder [--letter1 6 --letter2 12]
"""

EARLY_HELP_HELP = """\
Early help offered in writing: a letter (letter_templates/early_help_offer.txt.j2) to each adult with
parental responsibility saying what help is offered, recorded with the letters' references; then the
family's answer (accepted, declined, or no answer once the two weeks the letter gives have passed).
The referral pack's "early help offered and its outcome" item reads both. A new offer is refused
while an earlier one waits for its answer.

  early-help offer --upn U --what "a referral to the family support service" --out offer.pdf [--preview]
  early-help answer --offer 1 --answer accepted [--date D] [--note "mother rang"]
  early-help list [--upn U]
"""

AWARDS_HELP = """\
Certificates of recognition, one page a pupil in one PDF: 100%% attendance (--kind full), or the
most improved attendance (--kind improved) measured against the previous period of equal length or
the previous term (the certificate says which). A pupil with a session without a mark in the period,
or with fewer possible sessions than --minimum, is never awarded, and is listed with the reason.

  awards --kind full --class 4A --from 2026-11-02 --to 2026-12-18 --out 4A-full.pdf
  awards --kind improved --year 4 --from 2026-11-02 --to 2026-12-18 --compare term --out y4.pdf
"""


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """The `lateness-letters`, `early-help` and `awards` commands."""
    p = sub.add_parser(
        "lateness-letters",
        help="punctuality letters on the school's ladder (late marks in a half-term)",
        description=LATENESS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    lt = p.add_subparsers(dest="lateness_command", metavar="ACTION", required=True)
    q = lt.add_parser("list", help="pupils late this half-term, the step reached, letters sent")
    q.add_argument("--json", action="store_true")
    q = lt.add_parser("make", help="issue (or preview) lateness letter 1 or 2")
    q.add_argument("--step", type=int, choices=[1, 2], required=True)
    q.add_argument("--out", type=Path, required=True, help="the PDF to write")
    q.add_argument(
        "--upn", action="append", help="only this pupil (repeat); default: every pupil at the step"
    )
    issue_options(q)
    q = lt.add_parser("ladder", help="show the ladder, or change it (administrator)")
    q.add_argument("--letter1", type=int, help="late marks in a half-term for letter 1")
    q.add_argument("--letter2", type=int, help="late marks in a half-term for letter 2")
    p.set_defaults(func=lateness_letters)

    p = sub.add_parser(
        "early-help",
        help="early help offered in writing, and the family's answer (for the referral pack)",
        description=EARLY_HELP_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    eh = p.add_subparsers(dest="early_help_command", metavar="ACTION", required=True)
    q = eh.add_parser(
        "offer", help="issue (or preview) the letter offering early help, and record the offer"
    )
    q.add_argument("--upn", required=True)
    q.add_argument("--what", required=True, help="the help offered, in the letter's words")
    q.add_argument("--out", type=Path, required=True, help="the PDF to write")
    q.add_argument("--preview", action="store_true", help="the PDF only: no offer recorded")
    q = eh.add_parser("answer", help="the family's answer: accepted, declined or no_answer")
    q.add_argument("--offer", type=int, required=True, help="the offer's number (from list)")
    q.add_argument("--answer", choices=["accepted", "declined", "no_answer"], required=True)
    q.add_argument("--date", type=iso, help="the day of the answer (default: today)")
    q.add_argument("--note", default="", help="e.g. who answered and how")
    q = eh.add_parser("list", help="written offers, those waiting for an answer first")
    q.add_argument("--upn")
    p.set_defaults(func=early_help)

    p = sub.add_parser(
        "awards",
        help="certificates for 100%% attendance or most improved, for a class or year (one PDF)",
        description=AWARDS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--kind", choices=["full", "improved"], required=True, help="full: 100%% attendance"
    )
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--class", dest="reg_group", help="a registration group, e.g. 4A")
    where.add_argument("--year", dest="year_group", help="a year group, e.g. 4")
    p.add_argument("--from", dest="start", type=iso, required=True)
    p.add_argument("--to", dest="end", type=iso, required=True)
    p.add_argument("--out", type=Path, required=True, help="the PDF to write")
    p.add_argument(
        "--compare",
        choices=["previous", "term"],
        default="previous",
        help="most improved: against the previous period of equal length (default) or the previous term",
    )
    p.add_argument("--top", type=int, default=3, help="most improved: how many (ties all included)")
    p.add_argument(
        "--minimum",
        type=int,
        default=20,
        help="fewest possible sessions to be considered (default 20)",
    )
    p.set_defaults(func=awards)


def lateness_letters(args: argparse.Namespace) -> int:
    from attendance_desk.services import lateness as service

    today = real_today(args)
    with open_school(args.db) as store:
        action = args.lateness_command
        if action == "ladder":
            if args.letter1 is None and args.letter2 is None:
                steps = service.ladder(store)
            else:
                current = service.ladder(store)
                steps = service.save_ladder(
                    store,
                    args.letter1 if args.letter1 is not None else current.letter1,
                    args.letter2 if args.letter2 is not None else current.letter2,
                    args.user,
                )
            print(
                f"Lateness letter 1 at {steps.letter1} late marks (L) in a half-term; "
                f"letter 2 at {steps.letter2}."
            )
        elif action == "list":
            steps, rows = service.lateness_list(store, args.today)
            if args.json:
                print_json(
                    [
                        {
                            "upn": r.pupil.upn,
                            "name": r.pupil.name,
                            "reg_group": r.pupil.reg_group,
                            "late": r.lateness.late,
                            "late_after_close": r.lateness.late_after_close,
                            "step": r.step,
                            "sent": list(r.sent),
                        }
                        for r in rows
                    ]
                )
                return 0
            print(
                f"Late marks (L) this half-term to {dmy(args.today)}; letter 1 at {steps.letter1}, "
                f"letter 2 at {steps.letter2}:"
            )
            if not rows:
                print("  none")
            for r in rows:
                sent = f"; sent: {', '.join(r.sent)}" if r.sent else ""
                step = f"step {r.step}" if r.step else "below the ladder"
                print(
                    f"  {r.pupil.name[:28]:<29}{r.pupil.reg_group:<6}L {r.lateness.late:>3}  "
                    f"U {r.lateness.late_after_close:>3}  {step}{sent}"
                )
        else:
            from attendance_desk.cli.letters import _report

            batch = service.make_lateness_letters(
                store,
                args.step,
                today,
                args.user,
                args.out,
                args.upn,
                preview=args.preview,
                override_reason=args.override_reason,
            )
            _report(batch)
    return 0


def early_help(args: argparse.Namespace) -> int:
    from attendance_desk.services import early_help as service

    today = real_today(args)
    with open_school(args.db) as store:
        action = args.early_help_command
        if action == "offer":
            from attendance_desk.cli.letters import _report

            batch, offer = service.offer_early_help(
                store, args.upn, args.what, args.user, today, args.out, preview=args.preview
            )
            _report(batch)
            if offer:
                print(
                    f"Offer {offer.id} recorded ({offer.letter_refs}); the answer is asked for within two weeks."
                )
        elif action == "answer":
            offer = service.record_answer(
                store, args.offer, args.answer, args.date or today, args.user, today, args.note
            )
            print(f"Offer {offer.id} of {dmy(offer.offered_on)}: {offer.answer_text}.")
        else:
            rows = service.offers(store, args.upn)
            print("Early help offered in writing:")
            if not rows:
                print("  none")
            for pupil, o in rows:
                print(
                    f"  {o.id:>4}  {pupil.name} ({pupil.reg_group}) {dmy(o.offered_on)} "
                    f"({o.letter_refs}): {o.what}; {o.answer_text}"
                )
    return 0


def awards(args: argparse.Namespace) -> int:
    from attendance_desk.services.awards import make_awards

    with open_school(args.db) as store:
        batch = make_awards(
            store,
            args.kind,
            args.start,
            args.end,
            args.out,
            args.user,
            real_today(args),
            reg_group=args.reg_group,
            year_group=args.year_group,
            compare=args.compare,
            top=args.top,
            minimum=args.minimum,
        )
    print(f"{len(batch.awarded)} certificate(s) in {batch.file}:")
    for pupil, why in batch.awarded:
        print(f"  {pupil.name} ({pupil.reg_group}): {why}")
    if batch.left_out:
        print("Not considered:")
        for line in batch.left_out:
            print(f"  {line}")
    return 0
