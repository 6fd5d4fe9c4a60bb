"""Who may do what. Office staff mark registers and log calls; attendance leads run the casework;
the head teacher also signs certificates with the stored signature; the admin manages users and
settings. Roles are cumulative except that only the head signs."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from enum import StrEnum


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


OFFICE = {Permission.MARK, Permission.CALLS, Permission.AMEND}
LEAD = OFFICE | {Permission.CASEWORK, Permission.LETTERS, Permission.IMPORT, Permission.EXPORT}
ROLES: dict[str, frozenset[Permission]] = {
    "office": frozenset(OFFICE),
    "lead": frozenset(LEAD),
    "head": frozenset(LEAD | {Permission.SIGN}),
    "admin": frozenset(LEAD | {Permission.SETTINGS, Permission.USERS}),
}
ROLE_NAMES = {"office": "office", "lead": "attendance lead", "head": "head teacher", "admin": "administrator"}

# scrypt, memory-hard: 2^14 x 8 x 128 bytes = 16 MB a guess
N, R, P = 2**14, 8, 1


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValueError("a password needs at least 8 characters")
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
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(candidate.hex(), digest)
