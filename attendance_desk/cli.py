"""The command line: a thin shell over the services (see DESIGN.md, "Command line contract")."""

from __future__ import annotations

import argparse
import getpass
import sys
import tempfile
from datetime import date
from pathlib import Path

from attendance_desk import __version__
from attendance_desk.cli_registers import add_parsers as add_register_parsers
from attendance_desk.domain.calendar import parse_session
from attendance_desk.errors import UserError
from attendance_desk.paths import default_db_path
from attendance_desk.services.school import ServiceError


def _iso(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{value}' is not a date in the form YYYY-MM-DD"
        ) from None


def _session(value: str) -> str:
    try:
        return parse_session(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="attendance-desk",
        description="Attendance Desk: registers, first-day calls and attendance casework for schools.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--db", type=Path, help=f"the school file (default: {default_db_path()})")
    parser.add_argument("--as", dest="user", help="the user recorded in the audit (default: you)")
    parser.add_argument("--today", type=_iso, help=argparse.SUPPRESS)  # fixed 'today' for tests
    parser.add_argument("--demo", action="store_true", help="open a freshly generated demo school")
    parser.add_argument(
        "--smoke", action="store_true", help=argparse.SUPPRESS
    )  # open, paint, close (bundle check)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("init", help="create an empty school file")
    p.add_argument("--school", required=True, help="school name")
    p.add_argument("--urn", required=True, help="6-digit unique reference number")

    p = sub.add_parser("demo", help="write a synthetic demo school into the file")
    p.add_argument(
        "--pupils", type=int, default=420, help="number of pupils (default 420, a primary)"
    )
    p.add_argument(
        "--weeks", type=int, help="weeks of marks up to today (default: since last September year)"
    )
    p.add_argument("--seed", type=int, default=1, help="random seed (same seed, same school)")

    p = sub.add_parser(
        "import", help="import a CTF, or pupils, contacts or marks (CSV or XLSX); all or nothing"
    )
    p.add_argument("kind", choices=["ctf", "pupils", "contacts", "marks"])
    p.add_argument("file", type=Path)
    p.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")

    p = sub.add_parser(
        "export", help="the attendance workbook (xlsx) or a Common Transfer File (ctf)"
    )
    p.add_argument("kind", choices=["xlsx", "ctf"])
    p.add_argument("file", type=Path)
    p.add_argument("--from", dest="start", type=_iso, help="first date (default: 1 September)")
    p.add_argument("--to", dest="end", type=_iso, help="last date (default: today)")

    p = sub.add_parser("stats", help="per-pupil attendance figures")
    p.add_argument("--from", dest="start", type=_iso, help="first date (default: 1 September)")
    p.add_argument("--to", dest="end", type=_iso, help="last date (default: today)")
    p.add_argument("--upn", help="one pupil")
    p.add_argument("--year-group", help="one year group")
    p.add_argument("--reg-group", help="one registration group (class)")
    p.add_argument("--flag", choices=sorted(_flag_names()), help="a group: fsm, sen, cp, ...")
    p.add_argument(
        "--summary", choices=["school", "year", "class"], help="group totals instead of pupils"
    )
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("calls", help="the first-day-call list")
    p.add_argument("--date", type=_iso, help="default: today")
    p.add_argument("--session", type=_session, default="AM")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("log-call", help="log a first-day call; a reason given recodes the mark")
    p.add_argument("--upn", required=True, action="append", help="repeat for siblings on one call")
    p.add_argument("--date", type=_iso, help="default: today")
    p.add_argument("--session", type=_session, default="AM")
    p.add_argument(
        "--outcome",
        required=True,
        choices=["spoke_to_parent", "no_answer", "voicemail", "message_left", "wrong_number"],
    )
    p.add_argument("--with", dest="with_whom", default="", help="who was spoken to")
    p.add_argument("--code", help="the code for the reason given (e.g. I, M)")
    p.add_argument("--notes", default="")

    p = sub.add_parser("stages", help="each pupil's support-map stage and any suggested escalation")
    p.add_argument(
        "--all", action="store_true", help="include pupils with no stage and no suggestion"
    )
    p.add_argument("--json", action="store_true")

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
    p.add_argument("--date", type=_iso, help="the day it was decided (default: today)")
    _late_option(p)

    p = sub.add_parser(
        "support-map",
        help="the support map in use; --use to change it (open stages are carried over)",
    )
    p.add_argument("--use", metavar="FILE", help="e.g. la_three_stage.toml or support_map.toml")
    p.add_argument(
        "--year-start",
        choices=["keep", "restart"],
        help="at 1 September: keep a pupil's stage (default) or restart every pupil with no stage",
    )

    p = sub.add_parser("amend", help="amend a mark, keeping the original in the history")
    p.add_argument("--upn", required=True)
    p.add_argument("--date", required=True, type=_iso)
    p.add_argument("--session", required=True, type=_session)
    p.add_argument("--code", required=True)
    p.add_argument("--reason", required=True)
    p.add_argument("--minutes-late", type=int)

    p = sub.add_parser("history", help="a pupil's mark history (amendments)")
    p.add_argument("--upn", required=True)
    p.add_argument("--date", type=_iso)

    p = sub.add_parser(
        "letters",
        help="letters for every pupil now at a support-map stage who has not had its letter",
    )
    p.add_argument("--stage", required=True, help="the stage key, e.g. stage1")
    p.add_argument("--out", required=True, type=Path, help="folder for the letters")
    p.add_argument(
        "--individual", action="store_true", help="also save each letter as its own file"
    )
    _meeting_options(p)
    _issue_options(p)

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
    _meeting_options(p)
    _issue_options(p)

    p = sub.add_parser(
        "letter-void", help="void an issued letter, with the reason (it stays in the letter log)"
    )
    p.add_argument(
        "--letter", type=int, required=True, help="the letter's log entry (see letter-log)"
    )
    p.add_argument("--reason", required=True)

    p = sub.add_parser(
        "certificate",
        help="the head's attendance certificate (s.566): a certified register extract",
    )
    p.add_argument("--upn", required=True)
    p.add_argument("--from", dest="start", type=_iso, required=True)
    p.add_argument("--to", dest="end", type=_iso, required=True)
    p.add_argument("--out", required=True, type=Path)

    p = sub.add_parser(
        "meeting", help="record a School Attendance Meeting (or planning meeting) with a target"
    )
    p.add_argument("--upn", required=True)
    p.add_argument("--kind", choices=["sam", "planning"], default="sam")
    p.add_argument("--date", type=_iso, help="when it was held (default: today)")
    p.add_argument("--attendees", default="")
    p.add_argument("--parent-attended", action="store_true")
    for name in ("barriers", "pupil-voice", "parent-actions", "school-actions", "other-actions"):
        p.add_argument(f"--{name}", default="")
    p.add_argument("--target", type=float, help="target attendance %% until the review")
    p.add_argument("--review-weeks", type=int, default=6, help="review 4 to 6 weeks on (default 6)")
    _late_option(p)

    p = sub.add_parser("review", help="review a meeting's target (met or not, from the register)")
    p.add_argument(
        "--meeting", type=int, required=True, help="the meeting's number (see 'meetings')"
    )
    p.add_argument("--date", type=_iso, help="when it was held (default: today)")
    p.add_argument("--decision", required=True)
    p.add_argument("--attendees", default="")
    p.add_argument("--parent-attended", action="store_true")
    _late_option(p)

    p = sub.add_parser("meetings", help="a pupil's meetings, or every review that is due")
    p.add_argument("--upn")

    p = sub.add_parser("plan", help="record a parenting contract or attendance improvement plan")
    p.add_argument("--upn", required=True)
    p.add_argument(
        "--kind", choices=["parenting_contract", "improvement_plan"], default="parenting_contract"
    )
    p.add_argument("--parent", required=True, help="what the parent agrees to do")
    p.add_argument("--school", required=True, help="the support the school will give")
    p.add_argument("--agencies", default="", help="support from other services")
    p.add_argument("--target", type=float)
    p.add_argument("--start", type=_iso, help="default: today")
    p.add_argument("--review-weeks", type=int, default=6)
    p.add_argument("--weeks", type=int, default=12, help="how long the plan runs")

    p = sub.add_parser(
        "contact",
        help="record a home visit, text, e-mail, early help, the impact of the absence on the "
        "child or a discussion with the lead professional in the chronology",
    )
    p.add_argument("--upn", required=True)
    p.add_argument(
        "--kind",
        required=True,
        choices=[
            "home_visit",
            "text",
            "email",
            "call",
            "early_help",
            "note",
            "impact",
            "lead_professional",
        ],
    )
    p.add_argument("--with", dest="with_whom", default="")
    p.add_argument("--outcome", default="")
    p.add_argument("--notes", default="")
    p.add_argument("--seen", action="store_true", help="the family (or pupil) was actually reached")
    p.add_argument("--date", type=_iso, help="the day it happened (default: now)")
    p.add_argument(
        "--time", type=_time, help="the time it happened, HH:MM (needed with an earlier --date)"
    )
    _late_option(p)

    p = sub.add_parser("pack", help="the referral evidence pack for the Education Welfare Service")
    p.add_argument("--upn", required=True)
    p.add_argument("--out", required=True, type=Path)
    p.add_argument(
        "--complete",
        action="store_true",
        help="refuse (exit 1), listing what is missing, until every applicable item is met",
    )

    p = sub.add_parser(
        "contract", help="a parenting contract or plan, on the letterhead, for signing"
    )
    p.add_argument("--plan", type=int, required=True)
    p.add_argument("--out", required=True, type=Path)

    p = sub.add_parser("minutes", help="the minutes of a School Attendance Meeting or review")
    p.add_argument("--meeting", type=int, required=True)
    p.add_argument("--out", required=True, type=Path)

    p = sub.add_parser(
        "visit-form", help="a home-visit record to take on a visit, or the record of one made"
    )
    p.add_argument("--upn", help="the pupil, for a blank record to take on a visit")
    p.add_argument(
        "--visit", type=int, help="a recorded home visit's chronology entry (printed by `contact`)"
    )
    p.add_argument("--out", required=True, type=Path)

    p = sub.add_parser("letter-log", help="the letters sent about a pupil")
    p.add_argument("--upn", required=True)

    p = sub.add_parser("posted", help="record the day a letter was posted")
    p.add_argument(
        "--letter",
        type=int,
        required=True,
        help="the letter's log entry: the first column of letter-log",
    )
    p.add_argument("--date", type=_iso, help="default: today")

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

    p = sub.add_parser(
        "tsm-pack", help="the targeted support meeting pack (PDF, and XLSX with --xlsx)"
    )
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--xlsx", type=Path)

    p = sub.add_parser(
        "backup",
        help="an online backup of the school file, rotated 7 daily / 4 weekly / 12 monthly",
    )
    p.add_argument("--to", type=Path, help="the folder (default: the backup folder in settings)")

    p = sub.add_parser(
        "restore",
        help="replace the school file with a backup (checked first; the current file is kept)",
    )
    p.add_argument("file", type=Path)

    p = sub.add_parser("audit", help="who did what and when (append-only); --csv to export it")
    p.add_argument("--from", dest="start", type=_iso)
    p.add_argument("--to", dest="end", type=_iso)
    p.add_argument("--csv", type=Path, help="write the log to this CSV file")

    p = sub.add_parser(
        "user",
        help="users and roles: add, change, list (the first user is the administrator); "
        "signature: the head stores their own signature image",
    )
    p.add_argument("action", choices=["add", "set", "list", "signature"])
    p.add_argument("--name")
    p.add_argument("--role", choices=["office", "lead", "head", "admin"])
    p.add_argument(
        "--new-password",
        action="store_true",
        help="set a new password (asked for, or from ATTENDANCE_DESK_NEW_PASSWORD)",
    )
    p.add_argument("--disable", action="store_true")
    p.add_argument(
        "--image",
        type=Path,
        help="with signature: a PNG or JPEG of your signature (none: remove it)",
    )

    p = sub.add_parser(
        "sar", help="everything held on one pupil, as a ZIP (subject access request)"
    )
    p.add_argument("--upn", required=True)
    p.add_argument("--out", required=True, type=Path)

    p = sub.add_parser(
        "retention", help="pupils who left over 6 years ago; --apply archives then removes them"
    )
    p.add_argument(
        "--archive", type=Path, help="folder for the archive files (needed with --apply)"
    )
    p.add_argument("--apply", action="store_true")

    p = sub.add_parser(
        "check",
        help="integrity and tamper check of the school file (hash chains, safeguards, users)",
    )
    p.add_argument(
        "--against",
        type=Path,
        metavar="BACKUP",
        help="also show what changed outside Attendance Desk since this backup was made",
    )
    add_register_parsers(sub, _iso, _session)
    return parser


def _late_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--late-reason", default="", help="why it is recorded more than 14 days after it happened"
    )


def _time(value: str):
    from datetime import time

    try:
        return time.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a time like 15:30") from None


def _issue_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--preview", action="store_true", help="make the PDF only: not numbered, not logged"
    )
    p.add_argument(
        "--override-reason",
        default="",
        help="send although the template's conditions do not hold "
        "(attendance lead or head teacher): the reason is kept in the letter log and the chronology",
    )


def _meeting_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--meeting", type=_datetime, help="meeting date and time for invitations, YYYY-MM-DDTHH:MM"
    )
    p.add_argument("--place", default="the school", help="where the meeting is")
    p.add_argument("--with", dest="with_whom", default="", help="who the parent will meet")
    p.add_argument("--review", type=_iso, help="review date (for targets and notices to improve)")
    p.add_argument("--target", default="95", help="target attendance %% (default 95)")


def _datetime(value: str):
    from datetime import datetime

    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{value}' is not a date and time like 2026-12-01T15:30"
        ) from None


def _flag_names() -> list[str]:
    from attendance_desk.services.figures import FLAG_FILTERS

    return list(FLAG_FILTERS)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.user = args.user or getpass.getuser()
    args.today = args.today or date.today()
    try:
        if args.demo:
            return _open_demo(args)
        args.db = args.db or default_db_path()
        from attendance_desk.files import clean_leftovers

        clean_leftovers(args.db.parent)  # temporary files a killed run left beside the school file
        clean_leftovers(
            args.db.parent / "backups", also=("*.sqlite.partial",)
        )  # and half a backup copy
        out = getattr(args, "out", None) or getattr(args, "to", None)
        if isinstance(
            out, Path
        ):  # and in the folder this command writes to (letters, packs, backups)
            clean_leftovers(out if out.is_dir() else out.parent)
        if args.command is None:
            return _open_window(args)  # with no school file yet, the window starts with a welcome
        from attendance_desk import commands

        if args.command not in (
            "init",
            "demo",
        ):  # restore too: over a file with users, only its administrator
            _sign_in(args)
        return getattr(commands, "cmd_" + args.command.replace("-", "_"))(args)
    except UserError as exc:  # refused, busy, or a disk fault: a plain message, never a traceback
        print(f"attendance-desk: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except (
        OSError
    ) as exc:  # a disk fault no service turned into a message: still one plain sentence
        from attendance_desk.files import describe_os_error

        print(
            f"attendance-desk: {describe_os_error(exc, exc.filename or 'a file')}", file=sys.stderr
        )
        return 1


PASSWORD_VARIABLE = "ATTENDANCE_DESK_PASSWORD"


def _sign_in(args: argparse.Namespace) -> None:
    """Once users are set up, a command runs only for a signed-in user (--as NAME, with the password
    from ATTENDANCE_DESK_PASSWORD or asked for)."""
    import os

    from attendance_desk.services.school import open_school
    from attendance_desk.services.users import sign_in, users_set_up

    if not args.db.exists():
        return
    from attendance_desk.store.db import StoreError as CannotOpen

    try:
        store = open_school(args.db)
    except (CannotOpen, ServiceError):
        if (
            args.command == "restore"
        ):  # a damaged file cannot say who its users are; it is kept aside
            return
        raise
    with store:
        if not users_set_up(store):
            return
        password = os.environ.get(PASSWORD_VARIABLE)
        if password is None:
            if not sys.stdin.isatty():
                raise ServiceError(
                    f"this school file has users: give --as NAME and the password in {PASSWORD_VARIABLE}"
                )
            password = getpass.getpass(f"Password for {args.user}: ")
        args.user = sign_in(store, args.user, password).name


def _open_demo(args: argparse.Namespace) -> int:
    """Build a fresh demo school in a temporary folder and open the window on it."""
    from attendance_desk.services.demo import build_demo_school

    folder = Path(tempfile.mkdtemp(prefix="attendance-desk-demo-"))
    args.db = folder / "demo-school.sqlite"
    print(f"Building the demo school in {args.db} …", flush=True)
    build_demo_school(args.db, pupils=420, today=args.today, seed=1).close()
    return _open_window(args)


def _open_window(args: argparse.Namespace) -> int:
    try:
        from attendance_desk.gui.app import run_gui
    except ImportError as exc:
        print(
            f"attendance-desk: the desktop window needs PySide6 ({exc}); "
            "install with: pip install -e '.[gui]'",
            file=sys.stderr,
        )
        return 1
    return run_gui(
        args.db, args.user, args.today if args.today != date.today() else None, smoke=args.smoke
    )


if __name__ == "__main__":
    sys.exit(main())
