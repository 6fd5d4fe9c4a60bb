"""What the command modules share: argument types, option groups and small printing helpers.

Nothing here reads the school file; handlers call services (see README in this folder)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, time
from typing import Any

from attendance_desk.domain.calendar import parse_session
from attendance_desk.presentation import dmy, percent  # noqa: F401 (dmy: command modules import it here)


# --- argument types: a bad value is a usage error (exit 2) naming the form expected -------------
def iso(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{value}' is not a date in the form YYYY-MM-DD"
        ) from None


def session(value: str) -> str:
    try:
        return parse_session(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def clock(value: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a time like 15:30") from None


def moment(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{value}' is not a date and time like 2026-12-01T15:30"
        ) from None


# --- option groups used by more than one command -------------------------------------------------
def late_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--late-reason", default="", help="why it is recorded more than 14 days after it happened"
    )


def issue_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--preview", action="store_true", help="make the PDF only: not numbered, not logged"
    )
    p.add_argument(
        "--override-reason",
        default="",
        help="send although the template's conditions do not hold "
        "(attendance lead or head teacher): the reason is kept in the letter log and the chronology",
    )


def meeting_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--meeting", type=moment, help="meeting date and time for invitations, YYYY-MM-DDTHH:MM"
    )
    p.add_argument("--place", default="the school", help="where the meeting is")
    p.add_argument("--with", dest="with_whom", default="", help="who the parent will meet")
    p.add_argument("--review", type=iso, help="review date (for targets and notices to improve)")
    p.add_argument("--target", default="95", help="target attendance %% (default 95)")


# --- the day a command works on -------------------------------------------------------------------
def now(args: argparse.Namespace) -> datetime | None:
    """The clock, or the start of the day given with --today (its registers are still open), as
    services.figures.due_on reads a day given for display."""
    return None if args.today == date.today() else datetime.combine(args.today, time(0, 0))


def real_today(args: argparse.Namespace) -> date:
    """The day a write is made: --today moves what is shown and computed, never the date written or a
    rule checked on writing (future marks, retention, letter dates): at most the real date."""
    return min(args.today, date.today())


# --- the school's server: its password ------------------------------------------------------------
def server_call(address: Any, call: Any) -> Any:
    """`call(address)`; if `address` is a server's (`postgresql://…`) and the server asks for a
    password none was given for (not in PGPASSWORD or the pgpass file), ask for it on a terminal
    (never echoed; kept with the address for this run only) and call again. Without a terminal,
    refused naming where the password goes (never on the command line)."""
    import getpass

    from attendance_desk.services.server import ServerAddress, ServerPasswordNeeded

    try:
        return call(address)
    except ServerPasswordNeeded as exc:
        if not isinstance(address, ServerAddress) or address.password is not None:
            raise
        if not sys.stdin.isatty():
            raise ServerPasswordNeeded(
                f"{exc}: give it in PGPASSWORD or the login's pgpass file (never in the command)"
            ) from None
        asked = str(exc)
        if exc.note:  # why the pgpass file gave none: said once, then the plain question
            print(f"attendance-desk: note: {exc.note}", file=sys.stderr)
            asked = asked.replace(f" ({exc.note})", "")
        address.password = getpass.getpass(f"{asked[0].upper()}{asked[1:]}: ")
    return call(address)


def warn_of_a_password_in(option: str, address: str) -> None:
    """A database password inside the address works, but the command line is visible to every
    user of the computer (the list of running programs): said on stderr, never the password."""
    from attendance_desk.services.server import holds_password

    if holds_password(address):
        print(
            f"attendance-desk: warning: the password inside {option} can be read by other users "
            "of this computer in its list of running programs: put it in the login's pgpass file "
            "or PGPASSWORD instead, or leave it out to be asked",
            file=sys.stderr,
        )


# --- printing -------------------------------------------------------------------------------------
def pct(value: float | None) -> str:
    return percent(value, missing="-")


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
