"""The school's settings, one by one: what each is called, what it may hold, and the check every save
goes through (services/school.save_settings), so the window, the command line and the other services
(lateness ladder, support map choice) refuse the same values with the same words.

Every setting here is read by the rest of the program: the letterhead's logo and the head's signature
are kept in the school file as documents (Settings → Letters and documents), and the support map in
use is chosen on its own page (switching carries pupils' stages over), not typed in."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from pathlib import Path

from attendance_desk.domain.pastoral import LatenessLadder
from attendance_desk.domain.records import SchoolSettings
from attendance_desk.presentation import when_text
from attendance_desk.services.school import ServiceError, save_settings
from attendance_desk.store.db import Store

TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Setting:
    """One school setting as the user sees it. kind: text, time, number (whole, least..most), choice
    (one of `choices`: (value, meaning)), folder, users (names of users, comma-separated), program (set
    by the program, shown only) or map (the support map in use: chosen on its own page)."""

    name: str
    label: str
    kind: str = "text"
    least: int = 0
    most: int = 0
    choices: tuple[tuple[str, str], ...] = ()
    required: bool = False
    help: str = ""

    @property
    def allowed(self) -> str:
        """The values it may take, in words ("yes or no", "a whole number from 1 to 60")."""
        if self.kind == "choice":
            return either([v for v, _ in self.choices])
        if self.kind == "number":
            return f"a whole number from {self.least} to {self.most}"
        if self.kind == "time":
            return "a time as HH:MM (24-hour clock)"
        if self.kind == "folder":
            return "a folder on this computer or the network (empty: beside the school file)"
        if self.kind == "users":
            return "names of users of this school file, comma-separated (empty: none)"
        return self.help or ("text" if self.required else "text (may be empty)")


def either(values: list[str]) -> str:
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"


YES_NO = (("yes", "Yes"), ("no", "No"))

SETTINGS: tuple[Setting, ...] = (
    Setting("name", "School name", required=True),
    Setting("urn", "URN", required=True, help="6 digits"),
    Setting("local_authority", "Local authority"),
    Setting(
        "la_number",
        "LA number",
        help="3 digits (the DfE's number for the local authority), or empty",
    ),
    Setting(
        "estab_number",
        "Establishment number",
        help="4 digits (the DfE's number for the school), or empty",
    ),
    Setting(
        "address",
        "Address",
        help="text (may be empty); on the letterhead, each comma starts a new line",
    ),
    Setting("phone", "Phone"),
    Setting("email", "Email"),
    Setting("head_teacher", "Head teacher"),
    Setting("attendance_lead", "Attendance lead"),
    Setting(
        "named_ewo",
        "Named EWO",
        help="text (may be empty): the education welfare officer the school works with",
    ),
    Setting("am_register_opens", "AM register opens", "time"),
    Setting("am_register_closes", "AM register closes", "time"),
    Setting("pm_register_opens", "PM register opens", "time"),
    Setting("pm_register_closes", "PM register closes", "time"),
    Setting("support_map", "Support map in use", "map"),
    Setting(
        "stages_at_year_start",
        "Support-map stages on 1 September",
        "choice",
        choices=(
            ("keep", "Pupils keep their stage"),
            ("restart", "Every pupil starts the year with no stage"),
        ),
    ),
    Setting("backup_folder", "Backup folder", "folder"),
    Setting("last_backup", "Last backup", "program"),
    Setting(
        "lock_minutes",
        "Lock the window after (idle minutes)",
        "number",
        1,
        120,
        help="when users are set up",
    ),
    Setting("leave_decision_days", "Leave requests: reply within (school days)", "number", 1, 60),
    Setting(
        "leave_delegates",
        "Leave requests: also decided by",
        "users",
        help="users the head teacher has delegated leave decisions to",
    ),
    Setting(
        "penalty_sessions",
        "Penalty notices: unauthorised sessions",
        "number",
        1,
        100,
        help="the local authority's code of conduct (nationally 10)",
    ),
    Setting(
        "penalty_weeks",
        "Penalty notices: within (school weeks)",
        "number",
        1,
        39,
        help="nationally 10",
    ),
    Setting(
        "cme_days",
        "Missing education: refer after (school days unexplained)",
        "number",
        1,
        60,
    ),
    Setting(
        "lateness_letter1",
        "Lateness letter 1: late marks (L) in a half-term",
        "number",
        1,
        100,
    ),
    Setting(
        "lateness_letter2",
        "Lateness letter 2: late marks (L) in a half-term",
        "number",
        1,
        100,
        help="more than for letter 1",
    ),
    Setting(
        "part_time_tell_la",
        "Part-time timetables: tell the local authority of each",
        "choice",
        choices=YES_NO,
    ),
)
BY_NAME = {s.name: s for s in SETTINGS}
assert set(BY_NAME) == {f.name for f in fields(SchoolSettings)}, "every setting is described"


class SettingsRefused(ServiceError):
    """Settings refused, nothing saved: `problems` holds each setting's message (name → message) so
    the window can show it at the field."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__("; ".join(problems.values()))


RETIRED = {
    "logo": "the letterhead's logo is kept in the school file: Settings → Letters and documents, "
    "or `documents` (kind logo)",
    "head_signature": "the head's signature is kept in the school file on the head's own account: "
    "Settings → School (signed in as the head teacher)",
}


def setting(name: str) -> Setting:
    key = name.strip().lower().replace("-", "_")
    found = BY_NAME.get(key)
    if key in RETIRED:
        raise ServiceError(f"{key} is no longer a setting: {RETIRED[key]}")
    if found is None:
        raise ServiceError(
            f"no setting called '{name}': the settings are {', '.join(BY_NAME)} "
            "(`settings show` lists them with their values)"
        )
    return found


def clean(s: Setting, value: str) -> str:
    """The value as it is kept: trimmed; a choice in lower case."""
    value = str(value).strip()
    return value.lower() if s.kind == "choice" else value


def problems(store: Store, settings: SchoolSettings) -> dict[str, str]:
    """Every value the rest of the program could not use, by setting (empty: all good)."""
    found: dict[str, str] = {}

    def refuse(name: str, message: str) -> None:
        found.setdefault(name, f"{BY_NAME[name].label}: {message}")

    for s in SETTINGS:
        value = str(getattr(settings, s.name)).strip()
        if s.required and not value:
            refuse(s.name, "required; it cannot be empty")
        elif s.kind == "number" and not (value.isdigit() and s.least <= int(value) <= s.most):
            refuse(s.name, f"give {s.allowed}, not '{value}'")
        elif s.kind == "time" and not TIME.match(value):
            refuse(s.name, f"give a time as HH:MM, not '{value}'")
        elif s.kind == "choice" and value.lower() not in [v for v, _ in s.choices]:
            refuse(s.name, f"give {s.allowed}, not '{value}'")
    if settings.urn.strip() and not (settings.urn.isdigit() and len(settings.urn) == 6):
        refuse("urn", f"give 6 digits, not '{settings.urn}'")
    for name, digits in (("la_number", 3), ("estab_number", 4)):
        value = str(getattr(settings, name)).strip()
        if value and not (value.isdigit() and len(value) == digits):
            refuse(name, f"give {digits} digits (or leave it empty), not '{value}'")
    if settings.email.strip() and not EMAIL.match(settings.email.strip()):
        refuse(
            "email", f"give an email address such as office@school.example, not '{settings.email}'"
        )
    for session, opens, closes in (
        ("AM", "am_register_opens", "am_register_closes"),
        ("PM", "pm_register_opens", "pm_register_closes"),
    ):
        o, c = getattr(settings, opens), getattr(settings, closes)
        if TIME.match(o) and TIME.match(c) and c <= o:  # HH:MM strings compare as times
            refuse(closes, f"the {session} register must close after it opens ({o}), not at {c}")
    am_closes, pm_opens = settings.am_register_closes, settings.pm_register_opens
    if TIME.match(am_closes) and TIME.match(pm_opens) and pm_opens < am_closes:
        refuse(
            "pm_register_opens",
            f"the PM register cannot open ({pm_opens}) before the AM register closes ({am_closes})",
        )
    if "lateness_letter1" not in found and "lateness_letter2" not in found:
        ladder = LatenessLadder(int(settings.lateness_letter1), int(settings.lateness_letter2))
        for problem in ladder.problems():
            refuse("lateness_letter2", problem)
    if "penalty_sessions" not in found and "penalty_weeks" not in found:
        sessions, weeks = int(settings.penalty_sessions), int(settings.penalty_weeks)
        if sessions > 10 * weeks:  # two sessions a day, five days a week
            refuse(
                "penalty_sessions",
                f"{sessions} sessions cannot be missed in {weeks} school week(s) (at most "
                f"{10 * weeks}): no pupil could ever reach it",
            )
    names = [n.strip() for n in settings.leave_delegates.split(",") if n.strip()]
    if names and store.users.any():
        from attendance_desk.services.users import printable, role_of

        strangers = [printable(n) for n in names if role_of(store, n) is None]
        if strangers:
            refuse(
                "leave_delegates",
                f"{', '.join(repr(n) for n in strangers)} "
                f"{'is not an active user' if len(strangers) == 1 else 'are not active users'} of this school file",
            )
    folder = settings.backup_folder.strip()
    # checked when it changes: another PC may reach the same share by another path
    if folder and folder != store.settings.school().backup_folder and not Path(folder).is_dir():
        refuse("backup_folder", f"there is no folder {folder} on this computer")
    return found


def described(store: Store) -> list[tuple[Setting, str]]:
    """Every setting with its value as saved (the value shown as the user reads it)."""
    current = store.settings.school()
    rows = []
    for s in SETTINGS:
        value = str(getattr(current, s.name))
        if s.kind == "program":
            value = when_text(value) if value else "never"
        rows.append((s, value))
    return rows


def change_setting(store: Store, name: str, value: str, by: str = "") -> SchoolSettings:
    """Change one setting (`settings set`): refused, naming the setting and what it may hold, and
    nothing changed, when the value cannot be used."""
    s = setting(name)
    if s.kind == "program":
        raise ServiceError(f"{s.label} is set by the program, not by hand")
    if s.kind == "map":
        raise ServiceError(
            f"{s.label}: choose it with `support-map --use NAME` or on Settings → Support map "
            "(pupils' stages are carried over to the new map)"
        )
    current = store.settings.school()
    changed = replace(current, **{s.name: clean(s, value)})
    save_settings(store, changed, by)
    return changed


def normalised(settings: SchoolSettings) -> SchoolSettings:
    """Each value trimmed, choices in lower case (what save_settings keeps)."""
    return replace(
        settings,
        **{s.name: clean(s, getattr(settings, s.name)) for s in SETTINGS if s.kind != "map"},
    )
