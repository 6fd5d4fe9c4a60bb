"""Backups on demand (and when the window opens and closes), rotated 7 daily / 4 weekly / 12 monthly,
into the folder the school chooses; restoring checks the copy first and keeps the current file aside."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from attendance_desk.domain.retention import backups_to_keep
from attendance_desk.services.school import ServiceError
from attendance_desk.store.backup import checkpoint, copy_to, verify_copy
from attendance_desk.store.db import Store, StoreError, open_store

STAMP = "%Y%m%d-%H%M%S"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    kept: int
    removed: list[Path]
    made_at: datetime


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


def make_backup(store: Store, folder: Path | None = None, now: datetime | None = None) -> BackupResult:
    folder = folder or backup_folder(store)
    now = now or datetime.now()
    stem = store.path.stem
    target = folder / f"{stem}-{now.strftime(STAMP)}.sqlite"
    try:
        copy_to(store, target)
    except (StoreError, OSError) as exc:
        raise ServiceError(f"backup to {folder} failed: {exc}") from None
    existing = _backups(folder, stem)
    keep = backups_to_keep(existing)
    removed = [path for stamp, path in existing.items() if stamp not in keep]
    for path in removed:
        path.unlink(missing_ok=True)
    store.settings.save_school(replace(store.settings.school(), last_backup=now.isoformat(timespec="seconds")))
    store.audit.log("", "backup", str(target), f"{len(keep)} kept, {len(removed)} removed")
    return BackupResult(target, len(keep), removed, now)


def restore(school: Path, backup: Path, now: datetime | None = None) -> Path:
    """Put a backup in place of the school file. The copy is verified first; the current file (with
    its write-ahead log folded in) is kept beside it. Returns where the current file was kept."""
    problems = verify_copy(backup)
    if problems:
        raise ServiceError(f"not restored: {problems[0]}")
    stamp = (now or datetime.now()).strftime(STAMP)
    aside = school.with_name(f"{school.stem}-before-restore-{stamp}{school.suffix}")
    if school.exists():
        try:
            current = open_store(school)
        except StoreError:
            current = None  # a damaged file: keep it as it is
        if current is not None:
            checkpoint(current)
            current.close()
        school.replace(aside)
        for extra in ("-wal", "-shm"):
            Path(str(school) + extra).unlink(missing_ok=True)
    shutil.copy2(backup, school)
    return aside
