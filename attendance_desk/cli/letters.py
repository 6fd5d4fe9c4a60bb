"""Letters to parents: a stage's batch (`letters`), one letter (`letter`), and the letter log
(`letter-log`, `posted`, `letter-void`)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from attendance_desk.cli.common import iso, issue_options, meeting_options, real_today
from attendance_desk.presentation import dmy
from attendance_desk.services.school import open_school

if TYPE_CHECKING:
    from attendance_desk.services.letters import LetterBatch, Meeting


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "letters",
        help="letters for every pupil now at a support-map stage who has not had its letter",
    )
    p.add_argument("--stage", required=True, help="the stage key, e.g. stage1")
    p.add_argument("--out", required=True, type=Path, help="folder for the letters")
    p.add_argument(
        "--individual", action="store_true", help="also save each letter as its own file"
    )
    meeting_options(p)
    issue_options(p)
    p.set_defaults(func=letters)

    p = sub.add_parser(
        "letter", help="one letter (to every adult with parental responsibility or day-to-day care)"
    )
    p.add_argument("--template", required=True, help="a template in letter_templates/, e.g. stage1")
    p.add_argument("--upn", required=True)
    p.add_argument(
        "--out",
        required=True,
        type=Path,
        help="the PDF to write (an existing file is never overwritten)",
    )
    meeting_options(p)
    issue_options(p)
    p.set_defaults(func=letter)

    p = sub.add_parser(
        "letter-void", help="void an issued letter, with the reason (it stays in the letter log)"
    )
    p.add_argument(
        "--letter", type=int, required=True, help="the letter's log entry (see letter-log)"
    )
    p.add_argument("--reason", required=True)
    p.set_defaults(func=letter_void)

    p = sub.add_parser("letter-log", help="the letters sent about a pupil")
    p.add_argument("--upn", required=True)
    p.set_defaults(func=letter_log)

    p = sub.add_parser("posted", help="record the day a letter was posted")
    p.add_argument(
        "--letter",
        type=int,
        required=True,
        help="the letter's log entry: the first column of letter-log",
    )
    p.add_argument("--date", type=iso, help="default: today")
    p.set_defaults(func=posted)


def _meeting(args: argparse.Namespace) -> Meeting:
    from attendance_desk.services.letters import Meeting

    meeting = Meeting(place=args.place, with_whom=args.with_whom, target_pct=args.target)
    if args.meeting:
        meeting = replace(meeting, date=f"{dmy(args.meeting)}", time=f"{args.meeting:%H:%M}")
    if args.review:
        meeting = replace(meeting, review_date=dmy(args.review))
    return meeting


def _report(batch: LetterBatch) -> None:
    if batch.preview:
        print(
            f"Preview of {batch.letters} letters for {batch.pupils} pupils "
            f"(not issued, nothing logged): {batch.files[0]}"
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
            "Sent although a condition did not hold (reason recorded): "
            + ", ".join(batch.overridden)
        )
    for warning in batch.not_sent:
        print(f"warning: {warning}", file=sys.stderr)


def letters(args: argparse.Namespace) -> int:
    from attendance_desk.services.letters import stage_letters

    store = open_school(args.db)
    with store:
        day = real_today(args)
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
    _report(batch)
    return 0


def letter(args: argparse.Namespace) -> int:
    from attendance_desk.services.letters import make_letters
    from attendance_desk.services.marks import find_pupil

    store = open_school(args.db)
    with store:
        pupil = find_pupil(store, args.upn)
        batch = make_letters(
            store,
            args.template,
            [pupil],
            real_today(args),
            args.user,
            args.out,
            meeting=_meeting(args),
            preview=args.preview,
            override_reason=args.override_reason,
        )
    _report(batch)
    return 0


def letter_void(args: argparse.Namespace) -> int:
    from attendance_desk.services.letters import void_letter

    with open_school(args.db) as store:
        voided = void_letter(store, args.letter, args.reason, args.user, real_today(args))
    print(
        f"Letter {voided.reference} ({voided.template} to {voided.addressee}) is void: "
        f"{voided.void_reason}. It stays in the letter log."
    )
    return 0


def letter_log(args: argparse.Namespace) -> int:
    from attendance_desk.services.letters import letter_log as log_of

    with open_school(args.db) as store:
        pupil, logged = log_of(store, args.upn)
    print(f"Letters about {pupil.legal_name} ({pupil.upn}): {len(logged)}")
    for x in logged:
        posted = f"posted {dmy(x.posted_on)}" if x.posted_on else "posting not recorded"
        if x.void:
            posted = f"VOID ({x.void_reason}, by {x.voided_by})"
        print(
            f"{x.id:>5}  {x.reference}  {dmy(x.letter_date)}  {x.template:<18} to {x.addressee}, "
            f"{x.address}; {posted}; {x.file} p.{x.page}"
        )
        if x.override_reason:
            print(
                f"       sent although not met: {x.overridden}; reason: {x.override_reason} "
                f"({x.by_user})"
            )
    return 0


def posted(args: argparse.Namespace) -> int:
    from attendance_desk.services.letters import record_posted

    with open_school(args.db) as store:
        logged = record_posted(
            store, args.letter, args.date or real_today(args), args.user, real_today(args)
        )
    print(f"Letter {logged.reference} (log entry {logged.id}) posted on {dmy(logged.posted_on)}.")
    return 0
