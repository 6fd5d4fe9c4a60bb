"""`copy-to` (docs/server.md, step 7): the whole school copied onto a server's empty, migrated
database, or from a server into a new school file (the backup the school can carry), verified by
every table's rows and the chains (store/copy.py). An administrator's job (the copy holds every
pupil's details and the password hashes); audited in the school copied from: who, and where to
(a server's address without its password).

Onto a server: the target database is made and migrated by IT (`server-setup-sql`, `migrate`), and
the copy is made over IT's login (the schema's owner: the program's own role may not set the
triggers aside); `target` may be the server's address (opened by `connect_to_server`, so a password
asked for is `ServerPasswordNeeded`, nothing done) or an open store."""

from __future__ import annotations

import contextlib
from pathlib import Path

from attendance_desk.domain.progress import Progress
from attendance_desk.domain.roles import Permission
from attendance_desk.services.school import ServiceError
from attendance_desk.services.server import is_server_address, shown_address
from attendance_desk.store.copy import CopyRefused, CopyResult, copy_school
from attendance_desk.store.db import Store, StoreError, open_store


def without_password(address: str) -> str:
    """A server's address as the audit keeps it: no password."""
    return shown_address(address)


def copy_to(
    source: Store, target: Store | str | Path, by: str = "", progress: Progress | None = None
) -> CopyResult:
    """Copy the school `source` into `target`: a new school file (a path that does not exist yet),
    or an open store on a server's empty, migrated database. Refused, naming why, with nothing
    left on the target; done, one audit entry in `source`."""
    from attendance_desk.services.users import authorize

    authorize(source, by, Permission.BACKUP_ELSEWHERE)
    if isinstance(target, Store):
        where = shown_address(target.where)
        result = _copy(source, target, progress)
    elif is_server_address(target):
        from attendance_desk.services.server import connect_to_server

        opened = connect_to_server(str(target) if not isinstance(target, str) else target)
        try:
            where = opened.where
            result = _copy(source, opened, progress)
        finally:
            opened.close()
    else:
        result = _into_new_file(source, Path(target), progress)
        where = str(Path(target).resolve())
    with source.write():
        source.audit.log(
            by or "(command line)",
            "copy-to",
            where,
            f"{result.rows} rows in {len(result.tables)} tables copied and verified (row counts, "
            "every row, the chains and their heads)",
        )
    return result


def _copy(source: Store, target: Store, progress: Progress | None) -> CopyResult:
    try:
        return copy_school(source, target, progress)
    except CopyRefused as exc:
        raise ServiceError(str(exc)) from None


def _into_new_file(source: Store, path: Path, progress: Progress | None) -> CopyResult:
    if path.exists():
        raise ServiceError(f"not copied: {path} already exists (a copy goes into a new file)")
    if path.suffix.lower() != ".sqlite":
        raise ServiceError(f"not copied: a school file's name ends .sqlite, not {path.name}")
    if not path.parent.is_dir():
        raise ServiceError(f"not copied: there is no folder {path.parent}")
    try:
        target = open_store(path, create=True)
    except (StoreError, OSError) as exc:
        raise ServiceError(f"not copied: {path} could not be made: {exc}") from None
    done = False
    try:
        result = _copy(source, target, progress)
        done = True
        return result
    finally:
        target.close()
        if not done:  # nothing left behind: no half-made school file
            for leftover in (path, *(path.with_name(path.name + e) for e in ("-wal", "-shm"))):
                with contextlib.suppress(OSError):
                    leftover.unlink()
