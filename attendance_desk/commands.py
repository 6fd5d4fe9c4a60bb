"""What each command prints. Parsing is in cli.py; the work is in services/."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from datetime import date, datetime, time

from attendance_desk.cli_registers import cmd_calendar, cmd_late, cmd_lates  # noqa: F401 - dispatched by name
from attendance_desk.domain.calendar import academic_year_bounds, academic_year_of
from attendance_desk.presentation import percent, when_text
from attendance_desk.services import calls as call_service
from attendance_desk.services import figures as figure_service
from attendance_desk.services import stages as stage_service
from attendance_desk.services.check import check_school
from attendance_desk.services.imports import import_file
from attendance_desk.services.marks import amend_mark, find_pupil, mark_history
from attendance_desk.services.school import ServiceError, create_school, open_school


def _dmy(d) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


def _pct(value: float | None) -> str:
    return percent(value, missing="-")


def _now(args: argparse.Namespace) -> datetime | None:
    """The clock, or the start of the day given with --today (its registers are still open), as
    services.figures.due_on reads a day given for display."""
    return None if args.today == date.today() else datetime.combine(args.today, time(0, 0))


def _real_today(args: argparse.Namespace) -> date:
    """The day a write is made: --today moves what is shown and computed, never the date written or a
    rule checked on writing (future marks, retention, letter dates): at most the real date."""
    return min(args.today, date.today())


def _print_json(data) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def cmd_init(args: argparse.Namespace) -> int:
    store = create_school(args.db, args.school, args.urn)
    store.close()
    print(f"Created {args.db} for {args.school} (URN {args.urn}).")
    print("Next: import pupils, contacts and marks, or enter the calendar.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from attendance_desk.services.demo import build_demo_school

    if args.db.exists():
        raise ServiceError(
            f"{args.db} already exists: the demo writes a new file; choose another --db"
        )
    store = build_demo_school(
        args.db, pupils=args.pupils, today=args.today, seed=args.seed, weeks=args.weeks
    )
    print(
        f"Demo school written to {args.db}: {store.pupils.count()} pupils, "
        f"{store.contacts.count()} contacts, {store.marks.count()} marks."
    )
    store.close()
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    store = open_school(args.db)
    with store:
        report = import_file(
            store, args.kind, args.file, args.user, _real_today(args), dry_run=args.dry_run
        )
    if not report.ok:
        for problem in report.problems:
            print(problem, file=sys.stderr)
        print(report.summary(), file=sys.stderr)
        return 1
    print(report.summary() + (" (dry run: nothing written)" if args.dry_run else ""))
    for note in report.notes:
        print(f"  {note}")
    if report.changes:
        print(
            f"  changes{' (first ' + str(len(report.changes)) + ')' if len(report.changes) < report.changed else ''}:"
        )
        for change in report.changes:
            print(f"    {change}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from attendance_desk.services.exports import export_ctf, export_xlsx

    start = args.start or academic_year_bounds(academic_year_of(args.today))[0]
    end = args.end or args.today
    store = open_school(args.db)
    with store:
        if args.kind == "xlsx":
            count = export_xlsx(store, args.file, start, end, by=args.user)
            print(f"Wrote {args.file}: {count} pupils, {_dmy(start)} to {_dmy(end)}.")
        else:
            written = export_ctf(store, args.file, academic_year_of(start), end, args.user)
            print(f"Wrote {args.file}: {written.pupils} pupils, {written.marks} marks.")
            for warning in written.warnings:
                print(f"warning: {warning}", file=sys.stderr)
    return 0


def _stats_rows(args: argparse.Namespace, store):
    start = args.start or academic_year_bounds(academic_year_of(args.today))[0]
    end = args.end or args.today
    if end < start:
        raise ServiceError("--to is before --from")
    tests = []
    if args.upn:
        upn = find_pupil(store, args.upn).upn
        tests.append(lambda p: p.upn == upn)
    if args.year_group:
        tests.append(lambda p: p.year_group == args.year_group)
    if args.reg_group:
        tests.append(lambda p: p.reg_group == args.reg_group)
    if args.flag:
        tests.append(figure_service.FLAG_FILTERS[args.flag])
    keep = (lambda p: all(t(p) for t in tests)) if tests else None
    return start, end, figure_service.pupil_figures(store, start, end, keep=keep)


def cmd_stats(args: argparse.Namespace) -> int:
    store = open_school(args.db)
    with store:
        start, end, rows = _stats_rows(args, store)
    if args.json:
        _print_json([r.as_json() for r in rows])
        return 0
    print(f"Attendance {_dmy(start)} to {_dmy(end)}")
    if args.summary:
        by = {
            "school": lambda p: "Whole school",
            "year": lambda p: f"Year {p.year_group}",
            "class": lambda p: p.reg_group,
        }[args.summary]
        groups = figure_service.group_summaries(rows, by)
        if args.summary != "school":
            groups.append(figure_service.summarise("Whole school", rows))
        print(
            f"{'Group':<14}{'Pupils':>7}{'Possible':>10}{'Attend.':>9}{'Auth.':>8}{'Unauth.':>9}"
            f"{'L':>6}{'U':>6}{'PA':>6}{'PA %':>7}{'SA':>5}{'PN':>5}{'Missing':>9}"
        )
        for g in groups:
            f = g.figures
            print(
                f"{g.label:<14}{g.pupils:>7}{f.possible:>10}{_pct(f.attendance_pct):>9}"
                f"{_pct(f.authorised_pct):>8}{_pct(f.unauthorised_pct):>9}"
                f"{f.late_before_close:>6}{f.late_after_close:>6}"
                f"{g.persistent:>6}{_pct(g.persistent_pct):>7}{g.severe:>5}{g.penalty_threshold:>5}"
                f"{f.missing:>9}"
            )
        print(
            "Pupils: those with possible sessions (the DfE leaves out enrolments with none). "
            "L/U: late before/after the register closed. PA: persistent absence (>= 10%); "
            "SA: severe (>= 50%); PN: at the penalty-notice threshold (10+ unauthorised sessions in "
            "10 school weeks, looking back before the period)"
        )
        if any(g.figures.missing for g in groups):
            print(
                "INCOMPLETE: some registers have missing marks (run `check` to list them); "
                "these figures will change when they are completed."
            )
        return 0
    print(
        f"{'UPN':<14}{'Name':<26}{'Class':<7}{'Poss.':>6}{'Pres.':>6}{'AEA':>4}{'Auth':>5}"
        f"{'Unau':>5}{'L':>4}{'U':>4}{'Attend.':>9}  Flags"
    )
    for r in rows:
        f = r.figures
        flags = " ".join(
            x
            for x, on in (
                ("PA", f.persistent),
                ("SA", f.severe),
                ("PN", r.penalty_threshold),
                (f"INCOMPLETE({f.missing} missing)", f.incomplete),
            )
            if on
        )
        print(
            f"{r.pupil.upn:<14}{r.pupil.name[:25]:<26}{r.pupil.reg_group:<7}{f.possible:>6}{f.present:>6}"
            f"{f.aea:>4}{f.authorised:>5}{f.unauthorised:>5}{f.late_before_close:>4}"
            f"{f.late_after_close:>4}{_pct(f.attendance_pct):>9}  {flags}"
        )
    return 0


def cmd_calls(args: argparse.Namespace) -> int:
    day = args.date or args.today
    store = open_school(args.db)
    with store:
        result = call_service.call_list(store, day, args.session)
    if args.json:
        _print_json(
            [
                {
                    "upn": cp.pupil.upn,
                    "name": cp.pupil.name,
                    "reg_group": cp.pupil.reg_group,
                    "year_group": cp.pupil.year_group,
                    "family": n,
                    "code": cp.code,
                    "rag": cp.rag.label,
                    "vulnerable": list(cp.pupil.vulnerable_reasons),
                    "amber": list(cp.pupil.amber_reasons),
                    "consecutive_days": cp.consecutive_days,
                    "days_without_contact": cp.days_without_contact,
                    "prompts": list(cp.prompts),
                    "contacts": [
                        {
                            "name": c.name,
                            "relationship": c.relationship,
                            "priority": c.priority,
                            "parental_responsibility": c.parental_responsibility,
                            "phones": [{"kind": p.kind, "number": p.number} for p in c.phones],
                        }
                        for c in family.contacts
                    ],
                }
                for n, family in enumerate(result.families, start=1)
                for cp in family.pupils
            ]
        )
        return 0
    print(
        f"First-day calls for {day:%A} {_dmy(day)} {args.session}: "
        f"{result.pupil_count} pupil(s) in {len(result.families)} call(s)"
    )
    if result.message:
        print(result.message)
    if result.registers_not_taken:
        print("Registers not yet taken: " + ", ".join(result.registers_not_taken))
    for n, family in enumerate(result.families, start=1):
        print(f"\n{n}. [{family.rag.label.upper()}]")
        for cp in family.pupils:
            mark = cp.code or "no mark"
            print(
                f"   {cp.pupil.name} ({cp.pupil.reg_group}, {cp.pupil.upn}) - {mark}, "
                f"day {cp.consecutive_days} of absence"
            )
            for reason in cp.pupil.vulnerable_reasons + cp.pupil.amber_reasons:
                print(f"      ! {reason}")
            for prompt in cp.prompts:
                print(f"      > {prompt}")
        for c in family.contacts:
            phones = (
                ", ".join(f"{p.number} ({p.kind})" if p.kind else p.number for p in c.phones)
                or "no phone"
            )
            pr = "PR" if c.parental_responsibility else "no PR"
            print(f"   {c.priority}. {c.name}, {c.relationship or 'contact'} [{pr}]: {phones}")
    return 0


def cmd_log_call(args: argparse.Namespace) -> int:
    day = args.date or _real_today(args)
    store = open_school(args.db)
    with store:
        pupils = [find_pupil(store, upn) for upn in args.upn]
        call_service.log_call(
            store,
            [p.id for p in pupils],
            day,
            args.session,
            args.outcome,
            args.user,
            with_whom=args.with_whom,
            reason_code=args.code,
            notes=args.notes,
        )
    names = ", ".join(p.name for p in pupils)
    recoded = f"; marks recoded to {args.code}" if args.code else ""
    print(f"Call logged for {names}{recoded}.")
    return 0


def cmd_stages(args: argparse.Namespace) -> int:
    store = open_school(args.db)
    with store:
        rows = stage_service.stage_overview(store, args.today)
    if not args.all:
        rows = [r for r in rows if r.current or r.suggestion or r.adjustment]
    if args.json:
        _print_json([r.as_json() for r in rows])
        return 0
    print(
        f"{'UPN':<14}{'Name':<26}{'Class':<7}{'Days':>6}{'Attend.':>9}  Current stage -> suggestion"
    )
    for r in rows:
        f = r.figures.figures
        current = r.current.name if r.current else ("closed" if r.closed else "-")
        line = (
            f"{r.figures.pupil.upn:<14}{r.figures.pupil.name[:25]:<26}{r.figures.pupil.reg_group:<7}"
            f"{f.days_absent:>6g}{_pct(f.attendance_pct):>9}  {current}"
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


def cmd_stage(args: argparse.Namespace) -> int:
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
        after = stage_service.record_step(
            store,
            args.upn,
            event,
            _real_today(args),
            args.user,
            key,
            args.reason,
            occurred_on=args.date,
            late_reason=args.late_reason,
        )
    current = after.current.name if after.current else "no stage (process closed)"
    print(
        f"{after.figures.pupil.name}: {event} on {_dmy(args.date or args.today)}. Current stage: {current}."
    )
    return 0


def cmd_support_map(args: argparse.Namespace) -> int:
    from dataclasses import replace as replaced

    from attendance_desk.services.school import save_settings, support_map, support_map_choices

    with open_school(args.db) as store:
        if args.year_start:
            save_settings(
                store,
                replaced(store.settings.school(), stages_at_year_start=args.year_start),
                args.user,
            )
        if args.use:
            switch = stage_service.switch_support_map(store, args.use, args.user, _real_today(args))
            print(f"Support map now: {switch.map.name} ({args.use}).")
            if not switch.changes:
                print("No pupil held an open stage of the old map.")
            for c in switch.changes:
                if c.new_stage:
                    print(f"  {c.upn}  {c.name}: {c.old_stage} -> {c.new_stage}")
                else:
                    print(
                        f"  {c.upn}  {c.name}: {c.old_stage} closed (no equivalent in the new map): review the pupil"
                    )
        ladder = support_map(store)
        school = store.settings.school()
    print(
        f"In use: {school.support_map} - {ladder.name}; at 1 September pupils "
        f"{'start again with no stage' if school.stages_at_year_start == 'restart' else 'keep their stage'}."
    )
    for stage in ladder.stages:
        print(f"  {stage.key:<10} {stage.name} (threshold {stage.threshold:g})")
    print("Available: " + ", ".join(support_map_choices()))
    return 0


def cmd_amend(args: argparse.Namespace) -> int:
    store = open_school(args.db)
    with store:
        before, after = amend_mark(
            store,
            args.upn,
            args.date,
            args.session,
            args.code,
            args.reason,
            args.user,
            args.minutes_late,
        )
    print(
        f"{_dmy(args.date)} {args.session}: {before.code} -> {after.code} (reason kept in the history)."
    )
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    store = open_school(args.db)
    with store:
        pupil, entries = mark_history(store, args.upn, args.date)
    print(f"Register history for {pupil.legal_name} ({pupil.upn})")
    if not entries:
        print("No amendments.")
    for e in entries:
        flag = "  [changed outside Attendance Desk]" if e.direct else ""
        print(
            f"{_dmy(e.date)} {e.session}: {e.old_code} -> {e.new_code}  by {e.changed_by} at "
            f"{when_text(e.changed_at)}; reason: {e.reason}; original entered by {e.old_recorded_by} at "
            f"{when_text(e.old_recorded_at)}{flag}"
        )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    store = open_school(args.db)
    with store:
        report = check_school(store, _now(args), getattr(args, "against", None))
    for warning in report.warnings:
        print(f"warning: {warning}")
    for note in report.notes:
        print(note)
    for problem in report.problems:
        print(f"problem: {problem}", file=sys.stderr)
    for line in report.missing:
        print(f"  missing: {line}", file=sys.stderr)
    status = "OK" if report.ok else f"{len(report.problems)} problem(s)"
    print(f"{args.db}: {status}; {report.marks} marks, {report.amendments} amendments checked.")
    return 0 if report.ok else 1


def _meeting(args: argparse.Namespace):
    from attendance_desk.services.letters import Meeting

    meeting = Meeting(place=args.place, with_whom=args.with_whom, target_pct=args.target)
    if args.meeting:
        meeting = replace(meeting, date=f"{args.meeting:%d/%m/%Y}", time=f"{args.meeting:%H:%M}")
    if args.review:
        meeting = replace(meeting, review_date=_dmy(args.review))
    return meeting


def _report_letters(batch) -> None:
    if batch.preview:
        print(
            f"Preview of {batch.letters} letters for {batch.pupils} pupils (not issued, nothing logged): "
            f"{batch.files[0]}"
        )
    else:
        refs = (
            f" ({batch.references[0]} to {batch.references[-1]})"
            if len(batch.references) > 1
            else f" ({batch.references[0]})"
        )
        print(f"{batch.letters} letters issued{refs} for {batch.pupils} pupils: {batch.files[0]}")
    for extra in batch.files[1:]:
        print(f"  {extra}")
    if batch.overridden:
        print(
            f"Sent although a condition did not hold (reason recorded): {', '.join(batch.overridden)}"
        )
    for warning in batch.not_sent:
        print(f"warning: {warning}", file=sys.stderr)


def cmd_letters(args: argparse.Namespace) -> int:
    from attendance_desk.services.letters import stage_letters

    store = open_school(args.db)
    with store:
        day = _real_today(args)
        out = args.out / f"{args.stage}-letters-{day}{'-preview' if args.preview else ''}.pdf"
        batch = stage_letters(
            store,
            args.stage,
            day,
            args.user,
            out,
            args.individual,
            _meeting(args),
            preview=args.preview,
            override_reason=args.override_reason,
        )
    _report_letters(batch)
    return 0


def cmd_letter(args: argparse.Namespace) -> int:
    from attendance_desk.services.letters import make_letters

    store = open_school(args.db)
    with store:
        pupil = find_pupil(store, args.upn)
        batch = make_letters(
            store,
            args.template,
            [pupil],
            _real_today(args),
            args.user,
            args.out,
            meeting=_meeting(args),
            preview=args.preview,
            override_reason=args.override_reason,
        )
    _report_letters(batch)
    return 0


def cmd_letter_void(args: argparse.Namespace) -> int:
    from attendance_desk.services.letters import void_letter

    with open_school(args.db) as store:
        letter = void_letter(store, args.letter, args.reason, args.user, _real_today(args))
    print(
        f"Letter {letter.reference} ({letter.template} to {letter.addressee}) is void: {letter.void_reason}. "
        "It stays in the letter log."
    )
    return 0


def cmd_certificate(args: argparse.Namespace) -> int:
    from attendance_desk.services.certificates import make_certificate

    store = open_school(args.db)
    with store:
        result = make_certificate(
            store, args.upn, args.start, args.end, args.out, args.user, _real_today(args)
        )
    print(
        f"Certificate for {result.pupil}: {result.out} ({result.possible} possible sessions, "
        f"{result.attendance}). To be signed by the head teacher."
    )
    return 0


def cmd_meeting(args: argparse.Namespace) -> int:
    from attendance_desk.services.meetings import record_meeting

    store = open_school(args.db)
    with store:
        meeting = record_meeting(
            store,
            args.upn,
            args.kind,
            args.date or _real_today(args),
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
            today=_real_today(args),
            late_reason=args.late_reason,
        )
    print(
        f"Meeting {meeting.id} of {_dmy(meeting.held_on)} recorded; review due {_dmy(meeting.review_date)}."
    )
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from attendance_desk.services.meetings import review_meeting

    store = open_school(args.db)
    with store:
        review = review_meeting(
            store,
            args.meeting,
            args.date or _real_today(args),
            args.user,
            args.decision,
            attendees=args.attendees,
            parent_attended=args.parent_attended,
            today=_real_today(args),
            late_reason=args.late_reason,
        )
    if review.target_met is None:
        print("Review recorded (no target had been set).")
    else:
        achieved = _pct(review.attendance_achieved)
        print(
            f"Review recorded: target {review.target_pct:g}%, achieved {achieved}: "
            f"{'met' if review.target_met else 'not met'}."
        )
    return 0


def cmd_meetings(args: argparse.Namespace) -> int:
    store = open_school(args.db)
    with store:
        if args.upn:
            items = store.meetings.meetings(find_pupil(store, args.upn).id)
        else:
            items = store.meetings.reviews_due(args.today)
            print(f"Reviews due by {_dmy(args.today)}: {len(items)}")
        for m in items:
            pupil = store.pupils.by_id(m.pupil_id)
            target = f", target {m.target_pct:g}%" if m.target_pct is not None else ""
            print(
                f"{m.id:>4}  {_dmy(m.held_on)}  {m.kind:<8} {pupil.name} ({pupil.upn}){target}"
                f"{', review ' + _dmy(m.review_date) if m.review_date else ''}"
            )
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    from attendance_desk.services.meetings import record_plan

    store = open_school(args.db)
    with store:
        plan = record_plan(
            store,
            args.upn,
            args.kind,
            args.user,
            parent_commitments=args.parent,
            school_support=args.school,
            agency_support=args.agencies,
            target_pct=args.target,
            starts=args.start or _real_today(args),
            review_weeks=args.review_weeks,
            weeks=args.weeks,
        )
    print(
        f"Plan {plan.id} recorded: {_dmy(plan.starts)} to {_dmy(plan.ends)}, review {_dmy(plan.review_date)}."
    )
    return 0


def cmd_contact(args: argparse.Namespace) -> int:
    from datetime import datetime

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
            today=_real_today(args),
            late_reason=args.late_reason,
        )
    print(f"Recorded in the chronology (entry {entry}) as happening on {at:%d/%m/%Y at %H:%M}.")
    return 0


def cmd_pack(args: argparse.Namespace) -> int:
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


def cmd_tsm_pack(args: argparse.Namespace) -> int:
    from attendance_desk.services.tsm import make_tsm_pack

    store = open_school(args.db)
    with store:
        count = make_tsm_pack(store, args.today, args.out, args.xlsx, by=args.user)
    print(
        f"Targeted support meeting pack: {count} pupils, {args.out}"
        + (f" and {args.xlsx}" if args.xlsx else "")
    )
    return 0


def cmd_contract(args: argparse.Namespace) -> int:
    from attendance_desk.services.forms import contract_document

    with open_school(args.db) as store:
        print(f"Written {contract_document(store, args.plan, args.out, args.today, by=args.user)}")
    return 0


def cmd_minutes(args: argparse.Namespace) -> int:
    from attendance_desk.services.forms import minutes_document

    with open_school(args.db) as store:
        print(
            f"Written {minutes_document(store, args.meeting, args.out, args.today, by=args.user)}"
        )
    return 0


def cmd_visit_form(args: argparse.Namespace) -> int:
    from attendance_desk.services.forms import home_visit_form, home_visit_record

    if (args.upn is None) == (args.visit is None):
        raise ServiceError(
            "give --upn for a blank record to take on a visit, or --visit N for a visit recorded"
        )
    with open_school(args.db) as store:
        if args.visit is not None:
            print(f"Written {home_visit_record(store, args.visit, args.out, by=args.user)}")
        else:
            print(f"Written {home_visit_form(store, args.upn, args.out, args.today, by=args.user)}")
    return 0


def cmd_letter_log(args: argparse.Namespace) -> int:
    with open_school(args.db) as store:
        pupil = find_pupil(store, args.upn)
        letters = store.letters.for_pupil(pupil.id)
    print(f"Letters about {pupil.legal_name} ({pupil.upn}): {len(letters)}")
    for x in letters:
        posted = f"posted {_dmy(x.posted_on)}" if x.posted_on else "posting not recorded"
        if x.void:
            posted = f"VOID ({x.void_reason}, by {x.voided_by})"
        print(
            f"{x.id:>5}  {x.reference}  {_dmy(x.letter_date)}  {x.template:<18} to {x.addressee}, {x.address}; "
            f"{posted}; {x.file} p.{x.page}"
        )
        if x.override_reason:
            print(
                f"       sent although not met: {x.overridden}; reason: {x.override_reason} ({x.by_user})"
            )
    return 0


def cmd_posted(args: argparse.Namespace) -> int:
    from attendance_desk.services.letters import record_posted

    with open_school(args.db) as store:
        letter = record_posted(
            store, args.letter, args.date or _real_today(args), args.user, _real_today(args)
        )
    print(f"Letter {letter.reference} (log entry {letter.id}) posted on {_dmy(letter.posted_on)}.")
    return 0


def cmd_adjust(args: argparse.Namespace) -> int:
    from attendance_desk.services.stages import adjust_thresholds

    with open_school(args.db) as store:
        adjust_thresholds(store, args.upn, args.offset, args.reason, args.user)
    print("Adjustment recorded; it is shown with the pupil's stage.")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from attendance_desk.services.backups import make_backup

    with open_school(args.db) as store:
        result = make_backup(store, args.to, by=args.user)
    print(
        f"Backed up to {result.path} ({result.kept} backups kept, {len(result.removed)} older ones removed)."
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from attendance_desk.services.backups import restore

    aside = restore(args.db, args.file, args.user)
    print(f"Restored {args.file} to {args.db}; the file it replaced is kept as {aside}.")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    import csv

    from attendance_desk.exporters.inert import csv_row
    from attendance_desk.services.users import audit_entries, printable

    with open_school(args.db) as store:
        entries = audit_entries(
            store,
            args.user,
            args.start.isoformat() if args.start else "",
            (args.end.isoformat() + "T23:59:59") if args.end else "9999",
        )
        if args.csv:
            import io

            from attendance_desk.files import write_bytes

            with io.StringIO(newline="") as fh:
                out = csv.writer(fh)
                out.writerow(["when", "who", "action", "subject", "detail"])
                out.writerows(
                    csv_row([e.at, e.user, e.action, e.subject, e.detail]) for e in entries
                )  # inert
                write_bytes(args.csv, fh.getvalue().encode("utf-8-sig"))  # whole or not at all
            store.audit.log(args.user, "export audit log", str(args.csv), f"{len(entries)} entries")
            print(f"Wrote {len(entries)} entries to {args.csv}")
            return 0
    for e in entries:
        # one line per entry: a name or note with a line break cannot forge another entry
        print(
            f"{e.at[:19].replace('T', ' ')}  {printable(e.user) or '-':<12} {printable(e.action):<20} "
            f"{printable(e.subject)}  {printable(e.detail)}"
        )
    return 0


def _new_password() -> str:
    import getpass
    import os

    password = os.environ.get("ATTENDANCE_DESK_NEW_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            raise ServiceError("give the new password in ATTENDANCE_DESK_NEW_PASSWORD")
        password = getpass.getpass("New password (10 characters or more, not a common one): ")
        if getpass.getpass("Again: ") != password:
            raise ServiceError("the two passwords differ")
    return password


def cmd_user(args: argparse.Namespace) -> int:
    from attendance_desk.domain.roles import ROLE_NAMES
    from attendance_desk.services.users import add_user, change_user, list_users, set_signature

    with open_school(args.db) as store:
        if args.action == "list":
            for user in list_users(store, args.user):
                print(
                    f"{user.name:<20} {ROLE_NAMES[user.role]:<16} {'' if user.active else 'disabled'}"
                )
            return 0
        if args.action == "signature":
            if args.image is None:
                set_signature(store, args.user, None)
                print("Your stored signature image is removed.")
                return 0
            try:
                image = args.image.read_bytes()
            except OSError as exc:
                raise ServiceError(f"cannot read {args.image}: {exc.strerror or exc}") from None
            set_signature(store, args.user, image)
            print(
                f"Your signature image is stored in the school file ({len(image)} bytes); it is printed only on "
                "certificates you make."
            )
            return 0
        if not args.name:
            raise ServiceError("give --name")
        if args.action == "add":
            if not args.role:
                raise ServiceError("give --role")
            add_user(store, args.user, args.name, args.role, _new_password())
            print(f"User {args.name} added as {ROLE_NAMES[args.role]}.")
        else:
            change_user(
                store,
                args.user,
                args.name,
                role=args.role,
                password=_new_password() if args.new_password else None,
                active=False if args.disable else None,
            )
            print(f"User {args.name} changed.")
    return 0


def cmd_sar(args: argparse.Namespace) -> int:
    from attendance_desk.services.privacy import subject_access_export

    with open_school(args.db) as store:
        print(f"Written {subject_access_export(store, args.upn, args.out, args.user)}")
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    from attendance_desk.services.privacy import KEEP_YEARS, archive_and_remove, due_for_removal

    with open_school(args.db) as store:
        if not args.apply:
            due = due_for_removal(store, args.today)
            print(f"{len(due)} pupil(s) left more than {KEEP_YEARS} years ago:")
            for p in due:
                print(f"  {p.upn}  {p.legal_name}, left {_dmy(p.leaving_date)}")
            return 0
        if not args.archive:
            raise ServiceError("give --archive FOLDER: each pupil is archived before removal")
        removed = archive_and_remove(
            store, date.today(), args.archive, args.user
        )  # the real date, whatever --today says
    print(f"{len(removed)} pupil(s) archived to {args.archive} and removed.")
    return 0
