"""Casework on the support map: `stages`, `stage`, `support-map`, `adjust`, meetings and their
reviews (`meeting`, `review`, `meetings`), plans (`plan`) and the chronology (`contact`)."""

from __future__ import annotations

import argparse
from datetime import datetime

from attendance_desk.cli.common import clock, iso, late_option, pct, print_json, real_today
from attendance_desk.presentation import dmy
from attendance_desk.services.school import ServiceError, open_school

CONTACT_KINDS = [
    "home_visit",
    "text",
    "email",
    "call",
    "early_help",
    "note",
    "impact",
    "lead_professional",
]


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("stages", help="each pupil's support-map stage and any suggested escalation")
    p.add_argument(
        "--all", action="store_true", help="include pupils with no stage and no suggestion"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=stages)

    p = sub.add_parser("stage", help="confirm, skip, close or reopen a pupil's support-map stage")
    p.add_argument("--upn", required=True)
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--enter", metavar="KEY")
    group.add_argument("--skip", metavar="KEY")
    group.add_argument("--reopen", metavar="KEY")
    group.add_argument("--close", action="store_true")
    p.add_argument(
        "--reason", default="", help="needed to skip, close, or enter a stage beyond the next one"
    )
    p.add_argument("--date", type=iso, help="the day it was decided (default: today)")
    late_option(p)
    p.set_defaults(func=stage)

    p = sub.add_parser(
        "support-map",
        help="the support map in use; --use to change it (open stages are carried over)",
    )
    p.add_argument(
        "--use",
        metavar="NAME",
        help="a support map in the school file, e.g. la_three_stage.toml or support_map.toml",
    )
    p.add_argument(
        "--year-start",
        choices=["keep", "restart"],
        help="at 1 September: keep a pupil's stage (default) or restart every pupil with no stage",
    )
    p.set_defaults(func=support_map)

    p = sub.add_parser("adjust", help="adjust a pupil's support-map thresholds, with the reason")
    p.add_argument("--upn", required=True)
    p.add_argument(
        "--by",
        dest="offset",
        type=float,
        required=True,
        help="days added (days measure) or percentage points lowered (% measure)",
    )
    p.add_argument("--reason", required=True)
    p.set_defaults(func=adjust)

    p = sub.add_parser(
        "meeting", help="record a School Attendance Meeting (or planning meeting) with a target"
    )
    p.add_argument("--upn", required=True)
    p.add_argument("--kind", choices=["sam", "planning"], default="sam")
    p.add_argument("--date", type=iso, help="when it was held (default: today)")
    p.add_argument("--attendees", default="")
    p.add_argument("--parent-attended", action="store_true")
    for name in ("barriers", "pupil-voice", "parent-actions", "school-actions", "other-actions"):
        p.add_argument(f"--{name}", default="")
    p.add_argument("--target", type=float, help="target attendance %% until the review")
    p.add_argument("--review-weeks", type=int, default=6, help="review 4 to 6 weeks on (default 6)")
    late_option(p)
    p.set_defaults(func=meeting)

    p = sub.add_parser("review", help="review a meeting's target (met or not, from the register)")
    p.add_argument(
        "--meeting", type=int, required=True, help="the meeting's number (see 'meetings')"
    )
    p.add_argument("--date", type=iso, help="when it was held (default: today)")
    p.add_argument("--decision", required=True)
    p.add_argument("--attendees", default="")
    p.add_argument("--parent-attended", action="store_true")
    late_option(p)
    p.set_defaults(func=review)

    p = sub.add_parser("meetings", help="a pupil's meetings, or every review that is due")
    p.add_argument("--upn")
    p.set_defaults(func=meetings)

    p = sub.add_parser("plan", help="record a parenting contract or attendance improvement plan")
    p.add_argument("--upn", required=True)
    p.add_argument(
        "--kind", choices=["parenting_contract", "improvement_plan"], default="parenting_contract"
    )
    p.add_argument("--parent", required=True, help="what the parent agrees to do")
    p.add_argument("--school", required=True, help="the support the school will give")
    p.add_argument("--agencies", default="", help="support from other services")
    p.add_argument("--target", type=float)
    p.add_argument("--start", type=iso, help="default: today")
    p.add_argument("--review-weeks", type=int, default=6)
    p.add_argument("--weeks", type=int, default=12, help="how long the plan runs")
    p.set_defaults(func=plan)

    p = sub.add_parser(
        "contact",
        help="record a home visit, text, e-mail, early help, the impact of the absence on the "
        "child or a discussion with the lead professional in the chronology",
    )
    p.add_argument("--upn", required=True)
    p.add_argument("--kind", required=True, choices=CONTACT_KINDS)
    p.add_argument("--with", dest="with_whom", default="")
    p.add_argument("--outcome", default="")
    p.add_argument("--notes", default="")
    p.add_argument("--seen", action="store_true", help="the family (or pupil) was actually reached")
    p.add_argument("--date", type=iso, help="the day it happened (default: now)")
    p.add_argument(
        "--time", type=clock, help="the time it happened, HH:MM (needed with an earlier --date)"
    )
    late_option(p)
    p.set_defaults(func=contact)


def stages(args: argparse.Namespace) -> int:
    from attendance_desk.services.stages import stage_overview

    store = open_school(args.db)
    with store:
        rows = stage_overview(store, args.today)
    if not args.all:
        rows = [r for r in rows if r.current or r.suggestion or r.adjustment]
    if args.json:
        print_json([r.as_json() for r in rows])
        return 0
    print(
        f"{'UPN':<14}{'Name':<26}{'Class':<7}{'Days':>6}{'Attend.':>9}  Current stage -> suggestion"
    )
    for r in rows:
        f = r.figures.figures
        current = r.current.name if r.current else ("closed" if r.closed else "-")
        pupil = r.figures.pupil
        line = (
            f"{pupil.upn:<14}{pupil.name[:25]:<26}{pupil.reg_group:<7}"
            f"{f.days_absent:>6g}{pct(f.attendance_pct):>9}  {current}"
        )
        if r.suggestion:
            line += f" -> {r.suggestion.stage.name}"
            if r.suggestion.note:
                line += f" ({r.suggestion.note})"
        if r.left:
            line += " (left the school: no suggestion)"
        if r.adjustment:
            line += f" (adjusted: {r.adjustment.reason})"
        print(line)
    return 0


def stage(args: argparse.Namespace) -> int:
    from attendance_desk.services.stages import record_step

    event, key = (
        ("entered", args.enter)
        if args.enter
        else ("skipped", args.skip)
        if args.skip
        else ("reopened", args.reopen)
        if args.reopen
        else ("closed", None)
    )
    store = open_school(args.db)
    with store:
        after = record_step(
            store,
            args.upn,
            event,
            real_today(args),
            args.user,
            key,
            args.reason,
            occurred_on=args.date,
            late_reason=args.late_reason,
        )
    current = after.current.name if after.current else "no stage (process closed)"
    print(
        f"{after.figures.pupil.name}: {event} on {dmy(args.date or args.today)}. "
        f"Current stage: {current}."
    )
    return 0


def support_map(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from attendance_desk.services import school
    from attendance_desk.services.stages import switch_support_map

    with open_school(args.db) as store:
        if args.year_start:
            settings = replace(school.school_settings(store), stages_at_year_start=args.year_start)
            school.save_settings(store, settings, args.user)
        if args.use:
            switch = switch_support_map(store, args.use, args.user, real_today(args))
            print(f"Support map now: {switch.map.name} ({args.use}).")
            if not switch.changes:
                print("No pupil held an open stage of the old map.")
            for c in switch.changes:
                if c.new_stage:
                    print(f"  {c.upn}  {c.name}: {c.old_stage} -> {c.new_stage}")
                else:
                    print(
                        f"  {c.upn}  {c.name}: {c.old_stage} closed (no equivalent in the new map): "
                        "review the pupil"
                    )
        ladder = school.support_map(store)
        settings = school.school_settings(store)
    at_year_start = (
        "start again with no stage"
        if settings.stages_at_year_start == "restart"
        else "keep their stage"
    )
    print(f"In use: {settings.support_map} - {ladder.name}; at 1 September pupils {at_year_start}.")
    for step in ladder.stages:
        print(f"  {step.key:<10} {step.name} (threshold {step.threshold:g})")
    print("Available: " + ", ".join(school.support_map_choices()))
    return 0


def adjust(args: argparse.Namespace) -> int:
    from attendance_desk.services.stages import adjust_thresholds

    with open_school(args.db) as store:
        adjust_thresholds(store, args.upn, args.offset, args.reason, args.user)
    print("Adjustment recorded; it is shown with the pupil's stage.")
    return 0


def meeting(args: argparse.Namespace) -> int:
    from attendance_desk.services.meetings import record_meeting

    store = open_school(args.db)
    with store:
        recorded = record_meeting(
            store,
            args.upn,
            args.kind,
            args.date or real_today(args),
            args.user,
            attendees=args.attendees,
            parent_attended=args.parent_attended,
            barriers=args.barriers,
            pupil_voice=args.pupil_voice,
            actions_parent=args.parent_actions,
            actions_school=args.school_actions,
            actions_others=args.other_actions,
            target_pct=args.target,
            review_weeks=args.review_weeks,
            today=real_today(args),
            late_reason=args.late_reason,
        )
    print(
        f"Meeting {recorded.id} of {dmy(recorded.held_on)} recorded; "
        f"review due {dmy(recorded.review_date)}."
    )
    return 0


def review(args: argparse.Namespace) -> int:
    from attendance_desk.services.meetings import review_meeting

    store = open_school(args.db)
    with store:
        held = review_meeting(
            store,
            args.meeting,
            args.date or real_today(args),
            args.user,
            args.decision,
            attendees=args.attendees,
            parent_attended=args.parent_attended,
            today=real_today(args),
            late_reason=args.late_reason,
        )
    if held.target_met is None:
        print("Review recorded (no target had been set).")
    else:
        print(
            f"Review recorded: target {held.target_pct:g}%, achieved "
            f"{pct(held.attendance_achieved)}: {'met' if held.target_met else 'not met'}."
        )
    return 0


def meetings(args: argparse.Namespace) -> int:
    from attendance_desk.services.meetings import meetings_of, reviews_due

    store = open_school(args.db)
    with store:
        if args.upn:
            items = meetings_of(store, args.upn)
        else:
            items = reviews_due(store, args.today)
            print(f"Reviews due by {dmy(args.today)}: {len(items)}")
    for m, pupil in items:
        target = f", target {m.target_pct:g}%" if m.target_pct is not None else ""
        due = f", review {dmy(m.review_date)}" if m.review_date else ""
        print(f"{m.id:>4}  {dmy(m.held_on)}  {m.kind:<8} {pupil.name} ({pupil.upn}){target}{due}")
    return 0


def plan(args: argparse.Namespace) -> int:
    from attendance_desk.services.meetings import record_plan

    store = open_school(args.db)
    with store:
        recorded = record_plan(
            store,
            args.upn,
            args.kind,
            args.user,
            parent_commitments=args.parent,
            school_support=args.school,
            agency_support=args.agencies,
            target_pct=args.target,
            starts=args.start or real_today(args),
            review_weeks=args.review_weeks,
            weeks=args.weeks,
        )
    print(
        f"Plan {recorded.id} recorded: {dmy(recorded.starts)} to {dmy(recorded.ends)}, "
        f"review {dmy(recorded.review_date)}."
    )
    return 0


def contact(args: argparse.Namespace) -> int:
    from attendance_desk.services.meetings import record_contact

    now = datetime.now().astimezone()
    day = args.date or now.date()
    if args.time is None and day != now.date():
        raise ServiceError("give --time HH:MM as well: the chronology records when it happened")
    at = now if args.time is None else datetime.combine(day, args.time).astimezone()
    store = open_school(args.db)
    with store:
        entry = record_contact(
            store,
            args.upn,
            args.kind,
            args.user,
            at=at,
            with_whom=args.with_whom,
            outcome=args.outcome,
            contact_made=args.seen,
            notes=args.notes,
            today=real_today(args),
            late_reason=args.late_reason,
        )
    print(f"Recorded in the chronology (entry {entry}) as happening on {dmy(at)} at {at:%H:%M}.")
    return 0
