"""Users, sign-in and permissions, checked in the services themselves (not only by hiding buttons).

A school file with no users yet (a new school, the demo) is open to whoever uses the computer; the
first user created must be an administrator, and from then on every action needs a signed-in user
whose role allows it. There is always at least one active administrator. Sign-in is locked for a
while after repeated wrong passwords (counted per user, in the file), and an unknown name takes as
long to refuse as a known one."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from attendance_desk.domain.records import User
from attendance_desk.domain.roles import (
    ROLE_NAMES,
    ROLES,
    Permission,
    check_password,
    dummy_hash,
    hash_password,
    lock_minutes,
)
from attendance_desk.services.school import ServiceError
from attendance_desk.store.db import Store, StoreBusy
from attendance_desk.store.resources import common_passwords

WRONG = "the name or password is not right"
SIGNATURE_LIMIT = 512 * 1024  # bytes: a signature image is a small PNG or JPEG


def users_set_up(store: Store) -> bool:
    return store.users.any()


def authorize(store: Store, by: str, permission: Permission) -> None:
    """Refuse unless `by` may do this. With no users set up, everything is allowed."""
    if not store.users.any():
        return
    user = store.users.by_name(by)
    if user is None or not user.active:
        raise ServiceError(f"refused: '{printable(by)}' is not a user of this school file")
    if permission not in ROLES[user.role]:
        raise ServiceError(
            f"refused: {user.name} is signed in as {ROLE_NAMES[user.role]}, who cannot {permission.value}"
        )


def role_of(store: Store, name: str) -> str | None:
    user = store.users.by_name(name)
    return user.role if user and user.active else None


def printable(text: str) -> str:
    """A name or note as one line of text: control characters (a newline that would forge a line
    of the audit, a tab, an escape sequence) are shown as \\n, \\t, \\x1b."""
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in str(text)
    )


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _locked_until(user: User) -> datetime | None:
    if not user.locked_until:
        return None
    try:
        return datetime.fromisoformat(user.locked_until.replace("Z", "+00:00"))
    except ValueError:
        return None


def sign_in(store: Store, name: str, password: str, now: datetime | None = None) -> User:
    """The user, if the name and password are right and sign-in is not locked. After
    roles.FREE_FAILURES wrong passwords in a row sign-in for that name is locked for some minutes,
    doubling with each further wrong password; a new password set by an administrator unlocks it.

    The one use case whose audit entries are not written in the same transaction as its change:
    signing in must never wait on another PC's save (a right password is never kept waiting, a
    wrong one is still refused), so the failure count is written only if the file is free and the
    entries go through `AuditRepo.log_soon`, which keeps them (with their time) for the next write
    when the file is busy. Every other use case writes its change and its entry in one
    `store.write()`."""
    now = now or datetime.now(UTC)
    user = store.users.by_name(name)
    if user is None or not user.active:
        check_password(password, dummy_hash())  # as long as a known name takes
        store.audit.log_soon(printable(name), "sign-in refused", "", "unknown or disabled name")
        raise ServiceError(WRONG)
    until = _locked_until(user)
    if until is not None and now < until:
        check_password(password, dummy_hash())
        store.audit.log_soon(
            user.name, "sign-in refused", "", "locked after repeated wrong passwords"
        )
        minutes = max(1, -(-int((until - now).total_seconds()) // 60))
        raise ServiceError(
            f"sign-in for {user.name} is locked after {user.failed_signins} wrong passwords in a row: try again "
            f"at {until.astimezone():%H:%M} (in {minutes} minute(s)), or ask an administrator to set a new password"
        )
    if not check_password(password, user.password_hash):
        failures = user.failed_signins + 1
        minutes = lock_minutes(failures)
        with contextlib.suppress(
            StoreBusy
        ):  # another PC is saving: still refused; counted at the next try
            store.users.record_failure(
                user.name, _stamp(now + timedelta(minutes=minutes)) if minutes else ""
            )
        store.audit.log_soon(
            user.name,
            "sign-in refused",
            "",
            f"wrong password ({failures} in a row)"
            + (f"; locked for {minutes} minutes" if minutes else ""),
        )
        if minutes:
            raise ServiceError(
                f"{WRONG}. After {failures} wrong passwords in a row, sign-in for this name is "
                f"locked for {minutes} minutes (or until an administrator sets a new password)"
            )
        raise ServiceError(WRONG)
    if user.failed_signins or user.locked_until:
        with contextlib.suppress(
            StoreBusy
        ):  # cleared at the next sign-in; never blocks a right password
            store.users.clear_failures(user.name)
    store.audit.log_soon(
        user.name, "signed in"
    )  # never keeps a right password waiting on another PC
    return user


def _check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ServiceError("the user needs a name")
    if any(not c.isprintable() for c in name):
        raise ServiceError(
            f"the name '{printable(name)}' contains a line break or another control character: "
            "type the name on one line"
        )
    return name


def add_user(store: Store, by: str, name: str, role: str, password: str) -> None:
    if role not in ROLES:
        raise ServiceError(f"a role is one of: {', '.join(ROLES)}")
    if not store.users.any():
        if role != "admin":
            raise ServiceError("the first user must be an administrator")
    else:
        authorize(store, by, Permission.USERS)
    name = _check_name(name)
    if store.users.by_name(name):
        raise ServiceError(f"there is already a user called {name}")
    try:
        hashed = hash_password(password, common_passwords())
    except ValueError as exc:
        raise ServiceError(str(exc)) from None
    with store.write():  # the user and the audit entry: both or neither
        store.users.add(name, role, hashed)
        store.audit.log(by if store.users.by_name(by) else name, "user added", name, role)


def change_user(
    store: Store,
    by: str,
    name: str,
    role: str | None = None,
    password: str | None = None,
    active: bool | None = None,
) -> None:
    """Change a user's role, password or whether they may sign in. The last active administrator
    cannot lose the role or be disabled; nobody changes their own role; a password set for the head
    by someone else removes the head's stored signature (the head uploads it again)."""
    authorize(store, by, Permission.USERS)
    target = store.users.by_name(name)
    if target is None:
        raise ServiceError(f"no user called {printable(name)}")
    if role is not None and role not in ROLES:
        raise ServiceError(f"a role is one of: {', '.join(ROLES)}")
    leaves_admin = (
        target.role == "admin"
        and target.active
        and ((role is not None and role != "admin") or active is False)
    )
    if leaves_admin and not [
        n for n in store.users.active_admins() if n.lower() != target.name.lower()
    ]:
        raise ServiceError(
            f"{target.name} is the only administrator: make another user an administrator first "
            "(there must always be one)"
        )
    me = store.users.by_name(by)
    if role is not None and role != target.role and me is not None and me.id == target.id:
        raise ServiceError("nobody can change their own role: another administrator must do it")
    hashed = None
    if password is not None:
        try:
            hashed = hash_password(password, common_passwords())
        except ValueError as exc:
            raise ServiceError(str(exc)) from None
    changed = [
        x for x, v in (("role", role), ("password", password), ("active", active)) if v is not None
    ]
    with store.write():  # the change and the audit entry: both or neither
        store.users.update(target.name, role, hashed, active)
        if (
            (password is not None or role is not None)
            and (me is None or me.id != target.id)
            and store.users.signature(target.name)
        ):
            store.users.set_signature(target.name, None)
            changed.append(
                "stored signature removed (set by someone else: the head uploads it again)"
            )
        store.audit.log(by, "user changed", target.name, ", ".join(changed))


def user_exists(store: Store, name: str) -> bool:
    return store.users.by_name(name) is not None


def users_on_screen(store: Store) -> list[User]:
    """Every user for the Settings page (names, roles, whether active: nothing secret is shown). Not
    audited, unlike `list_users`, which the command line uses."""
    return store.users.all()


def recent_audit_entries(store: Store, limit: int = 500) -> list:
    """The latest audit entries, newest last, for the Settings page."""
    return store.audit.entries()[-limit:]


def list_users(store: Store, by: str) -> list[User]:
    authorize(store, by, Permission.USERS)
    users = store.users.all()
    store.audit.log(by, "users listed", "", f"{len(users)} users")
    return users


def set_signature(store: Store, by: str, image: bytes | None) -> None:
    """The head teacher's own signature image (PNG or JPEG), kept in the school file; only the head
    sets it, and it is printed only on certificates the head makes. None removes it."""
    authorize(store, by, Permission.SIGN)
    user = store.users.by_name(by)
    if user is None or user.role != "head":  # no users set up: there is no head to sign
        raise ServiceError("only a signed-in head teacher can store their signature")
    if image is not None:
        if not (image.startswith(b"\x89PNG\r\n\x1a\n") or image.startswith(b"\xff\xd8\xff")):
            raise ServiceError("the signature must be a PNG or JPEG image")
        if len(image) > SIGNATURE_LIMIT:
            raise ServiceError(
                f"the signature image is {len(image) // 1024} KB: keep it under "
                f"{SIGNATURE_LIMIT // 1024} KB (a small scan)"
            )
    with store.write():  # the image and the audit entry: both or neither
        store.users.set_signature(user.name, image)
        store.audit.log(
            user.name,
            "signature image " + ("stored" if image else "removed"),
            user.name,
            f"{len(image)} bytes" if image else "",
        )


def head_signature(store: Store, by: str) -> bytes | None:
    """The stored signature of `by`, if `by` is an active head teacher; otherwise None."""
    if role_of(store, by) != "head":
        return None
    return store.users.signature(by)


def audit_entries(store: Store, by: str, start: str = "", end: str = "9999") -> list:
    """The audit log between two ISO times, for those allowed to read it (administrator, head); audited."""
    authorize(store, by, Permission.AUDIT)
    entries = store.audit.entries(start, end)
    store.audit.log(by, "audit log read", "", f"{len(entries)} entries")
    return entries


def export_audit_log(store: Store, by: str, path: Path, start: str = "", end: str = "9999") -> int:
    """Write the audit log between two ISO times to a CSV file (whole or not at all; cells that a
    spreadsheet would run as a formula are made inert), for those allowed to read it; the export is
    itself audited. Returns the number of entries written."""
    import csv
    import io

    from attendance_desk.exporters.inert import csv_row
    from attendance_desk.files import write_bytes

    entries = audit_entries(store, by, start, end)
    with io.StringIO(newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["when", "who", "action", "subject", "detail"])
        out.writerows(csv_row([e.at, e.user, e.action, e.subject, e.detail]) for e in entries)
        write_bytes(path, fh.getvalue().encode("utf-8-sig"))
    with store.write():
        store.audit.log(by, "export audit log", str(path), f"{len(entries)} entries")
    return len(entries)
