"""Users, sign-in and permissions, checked in the services themselves (not only by hiding buttons).

A school file with no users yet (a new school, the demo) is open to whoever uses the computer; the
first user created must be an administrator, and from then on every action needs a signed-in user
whose role allows it."""

from __future__ import annotations

from attendance_desk.domain.roles import (
    ROLE_NAMES,
    ROLES,
    Permission,
    check_password,
    hash_password,
)
from attendance_desk.services.school import ServiceError
from attendance_desk.store.db import Store
from attendance_desk.store.users import User


def users_set_up(store: Store) -> bool:
    return store.users.any()


def authorize(store: Store, by: str, permission: Permission) -> None:
    """Refuse unless `by` may do this. With no users set up, everything is allowed."""
    if not store.users.any():
        return
    user = store.users.by_name(by)
    if user is None or not user.active:
        raise ServiceError(f"refused: '{by}' is not a user of this school file")
    if permission not in ROLES[user.role]:
        raise ServiceError(f"refused: {user.name} is signed in as {ROLE_NAMES[user.role]}, who cannot {permission.value}")


def role_of(store: Store, name: str) -> str | None:
    user = store.users.by_name(name)
    return user.role if user and user.active else None


def sign_in(store: Store, name: str, password: str) -> User:
    user = store.users.by_name(name)
    if user is None or not user.active or not check_password(password, user.password_hash):
        store.audit.log(name, "sign-in refused")
        raise ServiceError("the name or password is not right")
    store.audit.log(user.name, "signed in")
    return user


def add_user(store: Store, by: str, name: str, role: str, password: str) -> None:
    if role not in ROLES:
        raise ServiceError(f"a role is one of: {', '.join(ROLES)}")
    if not store.users.any():
        if role != "admin":
            raise ServiceError("the first user must be an administrator")
    else:
        authorize(store, by, Permission.USERS)
    if not name.strip():
        raise ServiceError("the user needs a name")
    if store.users.by_name(name.strip()):
        raise ServiceError(f"there is already a user called {name.strip()}")
    try:
        hashed = hash_password(password)
    except ValueError as exc:
        raise ServiceError(str(exc)) from None
    store.users.add(name.strip(), role, hashed)
    store.audit.log(by or name, "user added", name.strip(), role)


def change_user(store: Store, by: str, name: str, role: str | None = None, password: str | None = None,
                active: bool | None = None) -> None:
    authorize(store, by, Permission.USERS)
    if store.users.by_name(name) is None:
        raise ServiceError(f"no user called {name}")
    if role is not None and role not in ROLES:
        raise ServiceError(f"a role is one of: {', '.join(ROLES)}")
    hashed = None
    if password is not None:
        try:
            hashed = hash_password(password)
        except ValueError as exc:
            raise ServiceError(str(exc)) from None
    store.users.update(name, role, hashed, active)
    store.audit.log(by, "user changed", name, ", ".join(x for x, v in (("role", role), ("password", password),
                                                                      ("active", active)) if v is not None))
