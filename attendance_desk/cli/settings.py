"""The school's settings: `settings show` and `settings set NAME VALUE` (administrator). Each value is
checked as the window checks it (services/settings.py); a refused one changes nothing."""

from __future__ import annotations

import argparse

from attendance_desk.services.school import ServiceError, open_school


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("settings", help="show the school's settings, or change one (administrator)")
    st = p.add_subparsers(dest="settings_command", metavar="ACTION", required=True)
    q = st.add_parser("show", help="every setting: its name, value and what it may hold")
    q.set_defaults(func=show)
    q = st.add_parser("set", help="change one setting, e.g. settings set lock_minutes 15")
    q.add_argument("name", help="the setting's name, as `settings show` lists it")
    q.add_argument("value", help="the new value (quote it if it has spaces; '' for empty)")
    q.set_defaults(func=set_one)


def show(args: argparse.Namespace) -> int:
    from attendance_desk.services.settings import described

    with open_school(args.db) as store:
        rows = described(store)
    width = max(len(s.name) for s, _ in rows)
    for s, value in rows:
        print(f"{s.name:<{width}}  {value or '(empty)'}")
        how = {
            "program": "set by the program",
            "map": "change with: support-map --use NAME",
        }.get(s.kind, s.allowed)
        extra = f" ({s.help})" if s.help and s.kind not in ("text", "program", "map") else ""
        print(f"{'':<{width}}  {s.label}: {how}{extra}")
    return 0


def set_one(args: argparse.Namespace) -> int:
    from attendance_desk.services.settings import SettingsRefused, change_setting, setting

    s = setting(args.name)
    with open_school(args.db) as store:
        try:
            saved = change_setting(store, s.name, args.value, args.user)
        except SettingsRefused as exc:
            raise ServiceError(
                f"{s.name} not changed (nothing was saved): {'; '.join(exc.problems.values())}. "
                f"{s.name} takes {s.allowed}" + (f" ({s.help})" if s.help else "")
            ) from None
    print(f"{s.label} ({s.name}) is now {getattr(saved, s.name) or '(empty)'}.")
    return 0
