"""Part-time timetables and alternative provision (`part-time`) and medical evidence (`medical`).
Each handler is one service call plus printing. Lateness letters, early help and awards: outreach.py."""

from __future__ import annotations

import argparse

from attendance_desk.cli.common import iso, print_json, real_today
from attendance_desk.presentation import dmy, weekday_dmy
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


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """The `part-time` and `medical` commands."""
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
                f"Part-time timetable {t.id} recorded from {dmy(t.starts)}: {t.summary()}; "
                f"review {dmy(t.review_on)}."
            )
            if not t.la_notified_on and service.la_to_be_told(store):
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
            print(f"Part-time timetables {title} on {dmy(args.today)}:")
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
                f"Review of timetable {args.id} recorded on {dmy(review.held_on)}: "
                + (
                    f"next review {dmy(review.next_review)}."
                    if review.next_review
                    else "the timetable has ended (full-time from the next school day)."
                )
            )
        elif action == "notify":
            t = service.notify_la(
                store, args.id, args.date or real_today(args), args.user, real_today(args)
            )
            print(f"Local authority told of timetable {t.id} on {dmy(t.la_notified_on)}.")
        else:
            from attendance_desk.services.marks import find_pupil

            pupil = find_pupil(store, args.upn)
            found = service.register_suggestions(store, [pupil], args.start, args.end)
            if not found:
                print("No suggestions: no part-time timetable covers those days.")
            for (_, day, half), s in sorted(found.items()):
                print(f"  {weekday_dmy(day)} {half}: {s.code}  {s.why}")
    return 0


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
