"""Who may do what. Office staff mark registers and log calls; attendance leads run the casework;
the head teacher also signs certificates with the stored signature; the admin manages users and
settings. Roles are cumulative except that only the head signs."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from enum import StrEnum
from functools import cache


class Permission(StrEnum):
    MARK = "mark registers"
    CALLS = "log calls"
    AMEND = "amend marks"
    CASEWORK = "record stages, meetings and contact"
    LETTERS = "make letters, certificates and evidence packs"
    IMPORT = "import data"
    EXPORT = "export data"
    SIGN = "sign certificates with the head teacher's signature"
    SETTINGS = "change settings"
    USERS = "manage users"
    AUDIT = "read or export the audit log"
    BACKUP_ELSEWHERE = "copy the school file to a folder other than the school's backup folder"
    RESTORE = "restore the school file from a backup"


OFFICE = {Permission.MARK, Permission.CALLS, Permission.AMEND}
LEAD = OFFICE | {Permission.CASEWORK, Permission.LETTERS, Permission.IMPORT, Permission.EXPORT}
ROLES: dict[str, frozenset[Permission]] = {
    "office": frozenset(OFFICE),
    "lead": frozenset(LEAD),
    "head": frozenset(LEAD | {Permission.SIGN, Permission.AUDIT}),
    "admin": frozenset(
        LEAD
        | {
            Permission.SETTINGS,
            Permission.USERS,
            Permission.AUDIT,
            Permission.BACKUP_ELSEWHERE,
            Permission.RESTORE,
        }
    ),
}
ROLE_NAMES = {
    "office": "office",
    "lead": "attendance lead",
    "head": "head teacher",
    "admin": "administrator",
}

# scrypt, memory-hard: 2^14 x 8 x 128 bytes = 16 MB a guess
N, R, P = 2**14, 8, 1


MIN_LENGTH = 10
# sign-in: after this many wrong passwords in a row the user is locked out, for LOCK_MINUTES and
# doubling with each further failure, up to MAX_LOCK_MINUTES
FREE_FAILURES = 5
LOCK_MINUTES = 5
MAX_LOCK_MINUTES = 60


def lock_minutes(failures: int) -> int:
    """How long sign-in stays locked after `failures` wrong passwords in a row (0: not locked)."""
    if failures < FREE_FAILURES:
        return 0
    return min(MAX_LOCK_MINUTES, LOCK_MINUTES * 2 ** (failures - FREE_FAILURES))


def password_problem(password: str, common: frozenset[str] = frozenset()) -> str | None:
    """Why a password may not be used, or None. `common`: the commonest passwords (lower case), as
    store.resources.common_passwords reads them."""
    if len(password) < MIN_LENGTH:
        return f"a password needs at least {MIN_LENGTH} characters (a short sentence is easy to remember)"
    lowered = password.lower()
    if lowered in common or lowered.rstrip("0123456789!.") in common or len(set(lowered)) < 3:
        return (
            "that password is one of the commonest passwords and is guessed first: choose another "
            "(a short sentence is easy to remember)"
        )
    return None


def hash_password(password: str, common: frozenset[str] = frozenset()) -> str:
    problem = password_problem(password, common)
    if problem:
        raise ValueError(problem)
    return _hash(password)


def _hash(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P)
    return f"scrypt${N}${R}${P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if kind != "scrypt":
        return False
    candidate = hashlib.scrypt(
        password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p)
    )
    return hmac.compare_digest(candidate.hex(), digest)


@cache
def dummy_hash() -> str:
    """A hash to check an unknown name's password against, so that it takes as long as a known one."""
    return _hash(secrets.token_hex(16))
