"""Backups on demand (and when the window opens and closes), rotated 7 daily / 4 weekly / 12 monthly,
into the folder the school chooses; restoring checks the copy first and keeps the current file aside."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from attendance_desk.domain.progress import Progress
from attendance_desk.domain.retention import backups_to_keep
from attendance_desk.domain.roles import Permission
from attendance_desk.files import FileWriteError
from attendance_desk.presentation import dmy
from attendance_desk.services.school import ServiceError
from attendance_desk.store.backup import checkpoint, copy_to, verify_copy
from attendance_desk.store.chain import heads_path, record_heads
from attendance_desk.store.db import Store, StoreError, open_store
from attendance_desk.store.users import file_has_users

STAMP = "%Y%m%d-%H%M%S"
# while the window is open it backs up when the last backup (from any computer) is older than this
BACKUP_EVERY = timedelta(hours=2)


@dataclass(frozen=True)
class BackupResult:
    path: Path
    kept: int
    removed: list[Path]
    made_at: datetime
    warnings: list[str] = field(default_factory=list)  # the school file's own chains, say


def backup_folder(store: Store) -> Path:
    chosen = store.settings.school().backup_folder
    return Path(chosen) if chosen else store.path.parent / "backups"


def _backups(folder: Path, stem: str) -> dict[datetime, Path]:
    found = {}
    for path in folder.glob(f"{stem}-*.sqlite"):
        try:
            found[datetime.strptime(path.stem.removeprefix(f"{stem}-"), STAMP)] = path
        except ValueError:
            continue  # not one of ours
    return found


def backup_due(store: Store, now: datetime | None = None) -> bool:
    """Has the school file gone BACKUP_EVERY without a backup (or never had one)? Never for a
    school on a server: the server's own backups are IT's (services/server.py)."""
    if store.on_server:
        return False
    last = store.settings.school().last_backup
    if not last:
        return True
    try:
        made = datetime.fromisoformat(last)
    except ValueError:
        return True
    return (now or datetime.now()) - made >= BACKUP_EVERY


def list_backups(store: Store, folder: Path | None = None) -> list[Path]:
    """The school's backups in its backup folder, oldest first (only complete, verified copies have
    these names: a copy being made or left by a killed backup has a temporary name)."""
    found = _backups(folder or backup_folder(store), store.path.stem)
    return [found[stamp] for stamp in sorted(found)]


def make_backup(
    store: Store,
    folder: Path | None = None,
    now: datetime | None = None,
    by: str = "",
    progress: Progress | None = None,
) -> BackupResult:
    """A backup into the school's backup folder (anyone signed in; the window makes one in the
    background when it opens and every BACKUP_EVERY while it is open), or into another folder (`folder`: an administrator only, as the copy holds every
    pupil's details and the password hashes). Audited with the user. The copy is checked with
    quick_check and the hash chains before it gets its name (store/backup.py); `progress` may
    raise Cancelled, and then nothing is left in the folder."""
    from attendance_desk.services.users import authorize

    if store.on_server:  # a backup copies the school file; a server's are IT's
        from attendance_desk.services.server import about_a_file

        raise ServiceError(about_a_file("backup"))
    if folder is not None and Path(folder).resolve() != backup_folder(store).resolve():
        authorize(store, by, Permission.BACKUP_ELSEWHERE)
    elif by:
        authorize(store, by, Permission.MARK)
    folder = folder or backup_folder(store)
    now = now or datetime.now()
    stem = store.path.stem
    target = folder / f"{stem}-{now.strftime(STAMP)}.sqlite"
    try:
        warnings = copy_to(store, target, progress)
        record_heads(
            target
        )  # the chain heads beside the copy, for `check --against` (store/chain.py)
    except (
        StoreError,
        FileWriteError,
        OSError,
    ) as exc:  # disk full, read-only folder: said plainly, no partial copy
        raise ServiceError(f"backup to {folder} failed: {exc}") from None
    existing = _backups(folder, stem)
    keep = backups_to_keep(existing)
    removed = [path for stamp, path in existing.items() if stamp not in keep]
    for path in removed:
        path.unlink(missing_ok=True)
        heads_path(path).unlink(missing_ok=True)
    with store.write():  # the backup's date and its audit entry: both or neither
        store.settings.save_school(
            replace(store.settings.school(), last_backup=now.isoformat(timespec="seconds"))
        )
        store.audit.log(
            by or "(automatic backup)",
            "backup",
            str(target),
            f"{len(keep)} kept, {len(removed)} removed",
        )
    return BackupResult(target, len(keep), removed, now, warnings)


def restore(school: Path, backup: Path, by: str = "", now: datetime | None = None) -> Path:
    """Put a backup in place of the school file. The copy is verified first. Once the school file has
    users, only an administrator of that file may restore over it, and a backup with no users is not
    put over a file that has them (that would open it to anyone). The current file (its write-ahead
    log folded in) is kept beside it, marked as replaced, so that a window or command still holding
    it refuses to save ("nothing was saved: ...") instead of writing into a file nobody will open.
    Audited in both files. Returns where the current file was kept. Refused for a school on a
    server (IT restores the server's own backups)."""
    from attendance_desk.services.server import about_a_file, is_server_address

    if is_server_address(school):
        raise ServiceError(about_a_file("restore"))
    from attendance_desk.services.users import authorize, printable

    problems = verify_copy(backup, chains=True)  # quick_check and the hash chains
    if problems:
        raise ServiceError(f"not restored: {problems[0]}")
    moment = now or datetime.now()
    aside = school.with_name(
        f"{school.stem}-before-restore-{moment.strftime(STAMP)}{school.suffix}"
    )
    note = (
        f"a backup ({backup.name}) was restored in place of this school file on {dmy(moment)} at {moment:%H:%M} "
        f"by {printable(by) or 'an unnamed user'}; this copy is kept as {aside.name}"
    )
    damaged = ""
    if school.exists():
        try:
            current = open_store(school)
        except StoreError as exc:
            current, damaged = None, str(exc)  # a damaged file: keep it as it is
        if current is not None:
            try:
                if current.users.any():
                    authorize(current, by, Permission.RESTORE)
                    if not file_has_users(backup):
                        raise ServiceError(
                            f"not restored: {backup} has no users, so restoring it would let anyone "
                            "open the school file; choose a backup made after the users were set up"
                        )
                with current.write():
                    current.settings.mark_replaced(note)
                    current.audit.log(
                        by,
                        "restored from a backup: this file replaced",
                        str(backup),
                        f"kept as {aside}",
                    )
                checkpoint(current)
            finally:
                current.close()
        try:
            school.replace(aside)
        except OSError as exc:
            _unmark(school)
            raise ServiceError(
                f"not restored: {school} could not be moved aside ({exc.strerror or exc}); it is "
                "probably open on another computer or in another program. Close Attendance Desk "
                "everywhere and try again; nothing was changed"
            ) from None
        for extra in ("-wal", "-shm"):
            Path(str(school) + extra).unlink(missing_ok=True)
    try:
        shutil.copy2(backup, school)
        restored = open_store(school)
    except (OSError, StoreError) as exc:
        if aside.exists():
            school.unlink(missing_ok=True)
            aside.replace(school)
            _unmark(school)
        raise ServiceError(
            f"not restored: the backup could not be copied into place ({exc}); the school file "
            "is as it was"
        ) from None
    with restored:
        restored.settings.clear_replaced()  # a copy of a file that was itself replaced (outside write())
        restored.audit.log(
            by,
            "restored from a backup",
            str(backup),
            (
                f"the file it replaced is kept as {aside}"
                if aside.exists()
                else "no file was replaced"
            )
            + (f" (it could not be opened: {damaged})" if damaged else ""),
        )
    return aside


def _unmark(school: Path) -> None:
    """Take the 'replaced' note off a file that was not replaced after all."""
    try:
        with open_store(school) as store:
            store.settings.clear_replaced()
    except StoreError:
        pass
