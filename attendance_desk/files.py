"""Writing files so that a fault never leaves half a file: every file the app writes (letters,
PDFs, workbooks, CSV, CTF, backups) is written under a temporary name in the same folder, flushed
to the disk (fsync) and only then renamed into place, so a reader sees the whole file or none.
A temporary file left by a killed process (`.NAME.ad-PID-XXXX.partial`) is removed the next time
the app writes to that folder or starts on it. Errors from the disk (full, read-only, locked) are
turned into one plain sentence naming the cause and the file.

Names made from people's names go through `safe_name`: no folder separators, no `..`, no control
characters, so `O/Brien` and `x/../../escaped` stay inside the folder chosen."""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import re
import socket
import sqlite3
import sys
import time
import traceback
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from attendance_desk.errors import UserError

PARTIAL_SUFFIX = ".partial"
_MARK = ".ad-"
_LEFTOVER = re.compile(
    r"^\..+\.ad-(?P<host>[^-]*)-(?P<pid>\d+)-[0-9a-f]+\.partial(-journal|-wal|-shm)?$"
)
_HOST = re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:20]
STALE_SECONDS = 6 * 3600  # another computer's temporary file older than this is a leftover too


class FileWriteError(UserError):
    """A file could not be written; the message names the file and the cause. Nothing was left."""


def describe_os_error(exc: BaseException, path: Path | str) -> str:
    """One sentence a person can act on: what happened to which file."""
    code = getattr(exc, "errno", None)
    text = str(exc).lower()
    where = str(path)
    if code == errno.ENOSPC or code == errno.EDQUOT or "disk is full" in text or "no space" in text:
        return (
            f"could not write {where}: the disk is full (no space left on the device). "
            "Free some space or choose another folder; nothing was saved there"
        )
    if code == errno.EROFS or "read-only file system" in text:
        return f"could not write {where}: the disk or folder is read-only. Choose a folder you can write to"
    if (
        code in (errno.EACCES, errno.EPERM)
        or "readonly" in text
        or "read-only" in text
        or "permission" in text
        or "unable to open" in text
    ):
        return (
            f"could not write {where}: permission denied (the file or folder is read-only, locked, or "
            "belongs to someone else). Check its permissions or choose another folder"
        )
    if code == errno.ENOENT:
        return f"could not write {where}: the folder does not exist or was removed"
    if code in (errno.EISDIR, errno.ENOTDIR):
        return f"could not write {where}: that is a folder, not a file name (or part of the path is a file)"
    if code == errno.ENAMETOOLONG:
        return f"could not write {where}: the file name is too long"
    if code == errno.EIO or "disk i/o" in text:
        return f"could not write {where}: the disk reported an input/output error (a removed or failing drive?)"
    reason = getattr(exc, "strerror", None) or str(exc)
    return f"could not write {where}: {reason}"


def is_disk_error(exc: BaseException) -> bool:
    """A fault of the disk (full, read-only, permissions, I/O), as opposed to a bad file."""
    if isinstance(exc, OSError):
        return True
    if isinstance(exc, sqlite3.Error):
        text = str(exc).lower()
        return any(
            s in text
            for s in (
                "disk is full",
                "readonly",
                "read-only",
                "disk i/o",
                "unable to open",
                "permission",
                "no space",
            )
        )
    return False


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def safe_name(text: str, fallback: str = "file", limit: int = 120) -> str:
    """A file name (not a path) made from any text: separators, control characters and characters
    Windows refuses become '_', dots and spaces at the ends are dropped, so `..` cannot climb out;
    never empty, never a reserved name."""
    text = unicodedata.normalize("NFC", str(text))
    name = _UNSAFE.sub("_", text).replace(" ", "_")
    name = re.sub(r"\.{2,}", ".", name).strip("._ ")
    name = re.sub(r"_{2,}", "_", name)
    if not name or name.upper().split(".")[0] in {
        "CON",
        "PRN",
        "AUX",
        "NUL",
        *(f"COM{i}" for i in range(10)),
        *(f"LPT{i}" for i in range(10)),
    }:
        name = f"{fallback}_{name}" if name else fallback
    return name[:limit]


def inside(folder: Path, name: str) -> Path:
    """`folder / name` where name must stay inside the folder (checked after resolving)."""
    target = (folder / safe_name(name)).resolve()
    if target.parent != folder.resolve():
        raise FileWriteError(f"refused: the file name {name!r} would leave the folder {folder}")
    return target


def _temp_name(target: Path) -> Path:
    return target.with_name(
        f".{target.name}{_MARK}{_HOST}-{os.getpid()}-{os.urandom(4).hex()}{PARTIAL_SUFFIX}"
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def clean_leftovers(folder: Path, also: tuple[str, ...] = ()) -> list[Path]:
    """Remove the temporary files a killed writer left in `folder`: ours from this computer whose
    process is gone, any older than STALE_SECONDS, and files matching the extra `also` patterns
    (e.g. an old-style `*.partial` backup copy) that no live writer is using. Returns what went."""
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    now = time.time()
    for path in entries:
        m = _LEFTOVER.match(path.name)
        try:
            if m:
                mine = m.group("host") == _HOST
                stale = now - path.stat().st_mtime > STALE_SECONDS
                if (mine and not _alive(int(m.group("pid")))) or stale:
                    path.unlink()
                    removed.append(path)
            elif any(path.match(p) for p in also) and now - path.stat().st_mtime > 5:
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_path(target: Path | str, exclusive: bool = False) -> Iterator[Path]:
    """Yields a temporary path beside `target` for a writer that wants a file name (openpyxl,
    reportlab, SQLite's backup); when the block ends without an error the file is fsynced and
    renamed to `target`. With `exclusive`, an existing `target` is never replaced (FileExistsError).
    On any error the temporary file is removed and disk faults become a FileWriteError."""
    target = Path(target)
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FileWriteError(describe_os_error(exc, target)) from None
    clean_leftovers(folder)
    temp = _temp_name(target)
    try:
        yield temp
        _finish(temp, target, exclusive)
    except BaseException as exc:
        disk = not isinstance(exc, FileExistsError) and is_disk_error(exc)
        if disk:
            _release(exc, temp)
        for leftover in (temp, *(temp.with_name(temp.name + s) for s in _SQLITE_SIDE_FILES)):
            with contextlib.suppress(OSError):
                leftover.unlink()
        if not disk:
            raise
        raise FileWriteError(describe_os_error(exc, target)) from None


_SQLITE_SIDE_FILES = ("-journal", "-wal", "-shm")


def _release(exc: BaseException, temp: Path) -> None:
    """A writer that failed half way (openpyxl's zip archive) may still hold the temporary file and
    try to finish it when it is freed, printing a second error to the console. Close it now,
    quietly: clear the frames of the failure, close any archive still open on the file, collect."""
    import zipfile

    hook = sys.unraisablehook
    sys.unraisablehook = lambda *_: None
    try:
        traceback.clear_frames(exc.__traceback__)
        for obj in gc.get_objects():
            if (
                isinstance(obj, zipfile.ZipFile)
                and obj.fp is not None
                and str(obj.filename) == str(temp)
            ):
                fp, obj.fp = obj.fp, None
                with contextlib.suppress(Exception):
                    fp.close()
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _finish(temp: Path, target: Path, exclusive: bool) -> None:
    fd = os.open(temp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    if exclusive:
        try:
            os.link(temp, target)  # fails if target exists: never over another file
        except FileExistsError:
            raise
        except OSError as exc:
            if exc.errno not in (
                errno.EPERM,
                errno.ENOTSUP,
                errno.EOPNOTSUPP,
                errno.EXDEV,
                errno.EMLINK,
            ):
                raise
            if target.exists():  # a file system without hard links: check, then rename
                raise FileExistsError(errno.EEXIST, "file exists", str(target)) from None
            os.replace(temp, target)
        else:
            temp.unlink()
    else:
        os.replace(temp, target)
    _fsync_folder(target.parent)


@contextlib.contextmanager
def atomic_open(target: Path | str, exclusive: bool = False) -> Iterator[BinaryIO]:
    """A binary file open for writing under a temporary name; renamed to `target` when the block
    ends without an error (see atomic_path)."""
    with atomic_path(target, exclusive) as temp, open(temp, "xb") as fh:
        yield fh
        fh.flush()


def write_bytes(target: Path | str, data: bytes, exclusive: bool = False) -> Path:
    with atomic_open(target, exclusive) as fh:
        fh.write(data)
    return Path(target)


def stage(target: Path | str, data: bytes) -> Path:
    """Write `data` under a temporary name beside `target` and flush it to the disk; `place` then
    renames it into place. For a batch: all files staged first, then all placed at once."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FileWriteError(describe_os_error(exc, target)) from None
    clean_leftovers(target.parent)
    temp = _temp_name(target)
    try:
        with open(temp, "xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise FileWriteError(describe_os_error(exc, target)) from None
    return temp


def place(temp: Path, target: Path | str, exclusive: bool = False) -> None:
    """Rename a staged file into place (see `stage`); FileExistsError if `exclusive` and taken."""
    target = Path(target)
    try:
        _finish(temp, target, exclusive)
    except FileExistsError:
        raise
    except OSError as exc:
        raise FileWriteError(describe_os_error(exc, target)) from None


def discard(temp: Path) -> None:
    with contextlib.suppress(OSError):
        temp.unlink()
