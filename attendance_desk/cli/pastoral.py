"""The rest of the attendance year: part-time timetables (`part-time`), medical evidence
(`medical`), lateness letters (`lateness-letters`), early help offered in writing (`early-help`) and
attendance awards (`awards`). Each handler is one service call plus printing."""

from __future__ import annotations

import argparse
from pathlib import Path

from attendance_desk.cli.common import dmy, iso, issue_options, print_json, real_today
from attendance_desk.services.school import open_school

PART_TIME_HELP = """\
A part-time timetable is a temporary measure agreed with the parents, with a review date (DfE,
Working together to improve school attendance, 2024): one without a review date is refused. The
register then suggests C2 (leave of absence: part-time timetable) for the sessions not on the
timetable, K for sessions at alternative provision arranged by the local authority and B for
provision the school arranged (Ctrl+P and F2 on the Registers screen offer them).

sessions are written like "Mon AM, Mon PM, Tue AM" (a weekday alone is both sessions).

  part-time add --upn U --from 2026-11-02 --review 2026-11-30 --attends "Mon, Tue AM, Wed AM" \\
      --reason "anxiety: phased return agreed with CAMHS" [--provision "Thu, Fri" --provision-by la \\
      --provision-name "Northbridge Learning Centre"] [--agreed-with "Ms A. Chen"] [--la-notified D]
  part-time list [--overdue] [--upn U] [--json]
  part-time review --id N --date D --outcome "..." (--next-review D | --end)
  part-time notify --id N [--date D]       the day the local authority was told
  part-time suggest --upn U --from D --to D   the codes the register suggests
"""

MEDICAL_HELP = """\
Medical evidence received (what, from whom, the date on it, the days it covers): illness marks (I)
it covers are shown as evidenced on the register and the pupil screen. From stage 2 of the support
map onwards an illness absence without evidence is flagged for the attendance lead, who keeps it as
I (giving the reason) or recodes it O (unauthorised) through the register's amendment, kept in its
history and the audit. The referral pack lists the evidence and the decisions.

  medical add --upn U --what "GP letter" --from-whom "Dr Patel, Northbridge Surgery" \\
      --dated 2026-11-20 --covers-from 2026-11-17 --covers-to 2026-11-19 [--received D]
  medical list --upn U          a pupil's illness sessions this school year
  medical flagged [--json]      every illness session waiting for a decision
  medical decide --upn U --date D --session AM --code O --reason "no evidence after two requests"
"""

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
    """The `part-time`, `medical`, `lateness-letters`, `early-help` and `awards` commands."""
    p = sub.add_parser(
        "part-time",
        help="part-time timetables and alternative provision (C2, K, B on the register)",
        description=PART_TIME_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    pt = p.add_subparsers(dest="part_time_command", metavar="ACTION", required=True)
    q = pt.add_parser("add", help="record a part-time timetable (a review date is required)")
    q.add_argument("--upn", required=True)
    q.add_argument("--from", dest="start", type=iso, required=True, help="the first day")
    q.add_argument(
        "--review",
        type=iso,
        help="the agreed review date (required: a timetable without one is refused)",
    )
    q.add_argument("--attends", default="", help="sessions in school, e.g. 'Mon, Tue AM, Wed AM'")
    q.add_argument("--reason", required=True, help="why the timetable is needed")
    q.add_argument("--provision", default="", help="sessions at alternative provision")
    q.add_argument(
        "--provision-by",
        choices=["la", "school"],
        default="",
        help="who arranged the provision: la (code K) or school (code B)",
    )
    q.add_argument("--provision-name", default="", help="the provider's name")
    q.add_argument("--agreed-with", default="", help="the parent who agreed it")
    q.add_argument("--la-notified", type=iso, help="the day the local authority was told")
    q = pt.add_parser("list", help="running timetables, most overdue for review first")
    q.add_argument("--overdue", action="store_true", help="only those past their review date")
    q.add_argument("--upn", help="every timetable of one pupil")
    q.add_argument("--json", action="store_true")
    q = pt.add_parser("review", help="record a review: the next review date, or the end")
    q.add_argument("--id", type=int, required=True, help="the timetable's number (from list)")
    q.add_argument("--date", type=iso, help="the day of the review (default: today)")
    q.add_argument("--outcome", required=True, help="what the review found and decided")
    q.add_argument(
        "--next-review", type=iso, help="the next review date (the timetable carries on)"
    )
    q.add_argument(
        "--end", action="store_true", help="end the timetable: full-time from the next day"
    )
    q.add_argument("--late-reason", default="", help="why it is recorded more than 14 days later")
    q = pt.add_parser("notify", help="record the day the local authority was told")
    q.add_argument("--id", type=int, required=True)
    q.add_argument("--date", type=iso, help="default: today")
    q = pt.add_parser("suggest", help="the codes the register suggests for a pupil's sessions")
    q.add_argument("--upn", required=True)
    q.add_argument("--from", dest="start", type=iso, required=True)
    q.add_argument("--to", dest="end", type=iso, required=True)
    p.set_defaults(func=part_time)

    p = sub.add_parser(
        "medical",
        help="medical evidence received; illness without it from stage 2 (decide I or O)",
        description=MEDICAL_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    md = p.add_subparsers(dest="medical_command", metavar="ACTION", required=True)
    q = md.add_parser("add", help="record medical evidence received")
    q.add_argument("--upn", required=True)
    q.add_argument("--what", required=True, help="e.g. 'GP letter', 'appointment card'")
    q.add_argument("--from-whom", required=True, help="e.g. 'Dr Patel, Northbridge Surgery'")
    q.add_argument("--dated", type=iso, required=True, help="the date on the evidence")
    q.add_argument("--covers-from", type=iso, required=True, help="the first day it covers")
    q.add_argument("--covers-to", type=iso, help="the last day it covers (default: the first)")
    q.add_argument("--received", type=iso, help="the day it reached the school (default: today)")
    q.add_argument("--notes", default="")
    q = md.add_parser(
        "list", help="a pupil's illness sessions this year: evidenced, decided or flagged"
    )
    q.add_argument("--upn", required=True)
    q = md.add_parser(
        "flagged", help="illness since stage 2 without evidence, waiting for the attendance lead"
    )
    q.add_argument("--json", action="store_true")
    q = md.add_parser(
        "decide", help="keep an illness session as I, or recode it O (amended, audited)"
    )
    q.add_argument("--upn", required=True)
    q.add_argument("--date", type=iso, required=True)
    q.add_argument("--session", choices=["AM", "PM"], required=True)
    q.add_argument("--code", choices=["I", "O"], required=True)
    q.add_argument("--reason", required=True, help="why (kept with the decision and the amendment)")
    p.set_defaults(func=medical)

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


def part_time(args: argparse.Namespace) -> int:
    from attendance_desk.services import part_time as service

    store = open_school(args.db)
    with store:
        action = args.part_time_command
        if action == "add":
            t = service.add_timetable(
                store,
                args.upn,
                starts=args.start,
                review_on=args.review,
                attends=args.attends,
                reason=args.reason,
                by=args.user,
                provision=args.provision,
                provision_by=args.provision_by,
                provision_name=args.provision_name,
                agreed_with=args.agreed_with,
                la_notified_on=args.la_notified,
                today=real_today(args),
            )
            print(
                f"Part-time timetable {t.id} recorded from {t.starts:%d/%m/%Y}: {t.summary()}; "
                f"review {t.review_on:%d/%m/%Y}."
            )
            if not t.la_notified_on:
                print(
                    "The local authority has not been told yet: `part-time notify --id "
                    f"{t.id} --date D` when it is."
                )
        elif action == "list":
            lines = service.timetables(store, args.today, args.overdue, args.upn)
            if args.json:
                print_json(
                    [
                        {
                            "id": x.timetable.id,
                            "upn": x.pupil.upn,
                            "name": x.pupil.name,
                            "starts": x.timetable.starts.isoformat(),
                            "review_on": x.timetable.review_on.isoformat(),
                            "ends": x.timetable.ends.isoformat() if x.timetable.ends else None,
                            "overdue_days": x.overdue_days,
                            "la_notified_on": x.timetable.la_notified_on.isoformat()
                            if x.timetable.la_notified_on
                            else None,
                            "attends": service.sessions_text(x.timetable.attends),
                            "provision": service.sessions_text(x.timetable.provision),
                            "reason": x.timetable.reason,
                        }
                        for x in lines
                    ]
                )
                return 0
            title = "overdue for review" if args.overdue else "running"
            print(f"Part-time timetables {title} on {args.today:%d/%m/%Y}:")
            if not lines:
                print("  none")
            for x in lines:
                print("  " + x.text())
        elif action == "review":
            review = service.review_timetable(
                store,
                args.id,
                args.date or real_today(args),
                args.outcome,
                args.user,
                next_review=args.next_review,
                end=args.end,
                today=real_today(args),
                late_reason=args.late_reason,
            )
            print(
                f"Review of timetable {args.id} recorded on {review.held_on:%d/%m/%Y}: "
                + (
                    f"next review {review.next_review:%d/%m/%Y}."
                    if review.next_review
                    else "the timetable has ended (full-time from the next school day)."
                )
            )
        elif action == "notify":
            t = service.notify_la(
                store, args.id, args.date or real_today(args), args.user, real_today(args)
            )
            print(f"Local authority told of timetable {t.id} on {t.la_notified_on:%d/%m/%Y}.")
        else:
            from attendance_desk.services.marks import find_pupil

            pupil = find_pupil(store, args.upn)
            found = service.register_suggestions(store, [pupil], args.start, args.end)
            if not found:
                print("No suggestions: no part-time timetable covers those days.")
            for (_, day, half), s in sorted(found.items()):
                print(f"  {day:%a %d/%m/%Y} {half}: {s.code}  {s.why}")
    return 0


def _path(value: str) -> Path:
    return Path(value)


def medical(args: argparse.Namespace) -> int:
    from attendance_desk.services import medical as service

    today = real_today(args)
    with open_school(args.db) as store:
        action = args.medical_command
        if action == "add":
            evidence = service.record_evidence(
                store,
                args.upn,
                what=args.what,
                from_whom=args.from_whom,
                dated=args.dated,
                covers_from=args.covers_from,
                covers_to=args.covers_to,
                by=args.user,
                received_on=args.received or today,
                today=today,
                notes=args.notes,
            )
            print(f"Medical evidence {evidence.id} recorded: {evidence.text()}.")
        elif action == "list":
            pupil, rows = service.pupil_illness(store, args.upn, args.today)
            print(f"{pupil.name}: illness sessions this school year to {dmy(args.today)}")
            if not rows:
                print("  none")
            for row in rows:
                print("  " + row.text())
        elif action == "flagged":
            rows = service.flagged_illness(store, args.today)
            if args.json:
                print_json(
                    [
                        {
                            "upn": r.pupil.upn,
                            "name": r.pupil.name,
                            "date": r.day.isoformat(),
                            "session": r.session,
                        }
                        for r in rows
                    ]
                )
                return 0
            print(
                f"Illness without medical evidence since stage 2, to decide (I or O), to {dmy(args.today)}:"
            )
            if not rows:
                print("  none")
            for r in rows:
                print(f"  {r.pupil.name} ({r.pupil.reg_group}), UPN {r.pupil.upn}: {r.text()}")
        else:
            result = service.decide_illness(
                store, args.upn, args.date, args.session, args.code, args.reason, args.user, today
            )
            print(
                f"{result.pupil.name} {dmy(args.date)} {args.session}: {result.text().split(': ', 1)[1]}."
            )
    return 0


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
