"""Is the school file on a network drive? SQLite's own documentation says WAL "does not work over a
network filesystem" and that file locking on network filesystems "has been known to operate
incorrectly" (docs/reliability.md). `network_location` answers from the operating system's own
facts, which a test passes in (`OsFacts`) so every platform's answer is tested on any machine:

- Windows: a UNC path (\\\\server\\share\\…), or a drive letter that GetDriveTypeW calls
  DRIVE_REMOTE (a mapped network drive);
- Linux: the filesystem type of the longest mount point above the file in /proc/self/mountinfo
  (nfs, cifs, smb3, sshfs, …), or the statfs magic number where mountinfo cannot be read;
- macOS: statfs's f_fstypename (nfs, smbfs, afpfs, webdav, …) and its MNT_LOCAL flag.

When the facts cannot be had the answer is "local": a wrong refusal would stop a school working."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

DRIVE_REMOTE = 4  # GetDriveTypeW: "The drive is a remote (network) drive."

# Linux filesystem types (mountinfo's fstype; for FUSE, "fuse.<subtype>") that cross a network
NETWORK_TYPES = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "smb2",
        "ncpfs",
        "afs",
        "coda",
        "ceph",
        "glusterfs",
        "lustre",
        "gpfs",
        "ocfs2",
        "gfs2",
        "9p",
        "davfs",
        "webdav",
        "afpfs",
        "sshfs",
    }
)
NETWORK_FUSE = frozenset(
    {"sshfs", "davfs2", "davfs", "glusterfs", "rclone", "s3fs", "gcsfuse", "cephfs", "smbnetfs"}
)
# statfs f_type magic numbers (linux/magic.h and the filesystems' own headers)
NETWORK_MAGIC = {
    0x6969: "nfs",
    0x517B: "smbfs",
    0xFF534D42: "cifs",
    0xFE534D42: "smb2",
    0x564C: "ncpfs",
    0x5346414F: "afs",
    0x73757245: "coda",
    0x00C36400: "ceph",
    0x01021997: "9p",
}
# macOS statfs f_fstypename of network filesystems; MNT_LOCAL is set only on local ones
MAC_NETWORK_TYPES = frozenset({"nfs", "smbfs", "afpfs", "webdav", "cifs", "ftp"})
MNT_LOCAL = 0x00001000


@dataclass(frozen=True)
class Location:
    network: bool
    kind: str  # what was found, said plainly: "UNC path", "mapped network drive", "nfs4", "local"
    where: str = ""  # the share, drive or mount point

    def describe(self) -> str:
        if not self.network:
            return "a local disk"
        return f"a network location ({self.kind}{': ' + self.where if self.where else ''})"


LOCAL = Location(False, "local")


@dataclass(frozen=True)
class OsFacts:
    """What the operating system says, as functions a test can replace."""

    system: str  # platform.system(): "Windows", "Linux", "Darwin"
    drive_type: Callable[[str], int] | None = None  # Windows: GetDriveTypeW("X:\\")
    mountinfo: Callable[[], str | None] | None = None  # Linux: /proc/self/mountinfo
    statfs_magic: Callable[[str], int | None] | None = None  # Linux: statfs(path).f_type
    mac_statfs: Callable[[str], tuple[str, int] | None] | None = (
        None  # macOS: (f_fstypename, f_flags)
    )


def network_location(path: str | os.PathLike, facts: OsFacts | None = None) -> Location:
    """Where `path` (a school file, which may not exist yet) lives: a local disk or the network."""
    facts = facts or this_machine()
    try:
        if facts.system == "Windows":
            return _windows(str(path), facts)
        if facts.system == "Darwin":
            return _mac(_existing(path), facts)
        return _linux(_existing(path), facts)
    except (OSError, ValueError):  # no facts to be had: see the module's docstring
        return LOCAL


def _existing(path: str | os.PathLike) -> str:
    """The file, or the nearest folder above it that exists (a file being created)."""
    p = Path(os.path.abspath(path))
    while not p.exists() and p.parent != p:
        p = p.parent
    return str(p.resolve())


def _windows(text: str, facts: OsFacts) -> Location:
    if text.startswith(("\\\\?\\", "//?/")):  # a long-path prefix: \\?\C:\… or \\?\UNC\…
        rest = text[4:]
        text = "\\\\" + rest[4:] if rest[:4].upper() in ("UNC\\", "UNC/") else rest
    pure = PureWindowsPath(text)
    drive = pure.drive
    if drive.startswith(("\\\\", "//")):
        return Location(True, "UNC path", drive)
    if (
        len(drive) == 2
        and drive[1] == ":"
        and facts.drive_type is not None
        and facts.drive_type(drive.upper() + "\\") == DRIVE_REMOTE
    ):
        return Location(True, "mapped network drive", drive.upper())
    return LOCAL


def _unescape(field: str) -> str:
    """mountinfo writes a space, tab, newline and backslash in a path as \\040, \\011, \\012, \\134."""
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and len(field[i + 1 : i + 4]) == 3 and field[i + 1 : i + 4].isdigit():
            out.append(chr(int(field[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def mount_of(path: str, mountinfo: str) -> tuple[str, str, str] | None:
    """(mount point, filesystem type, source) of the longest mount point at or above `path`."""
    best = None
    target = PurePosixPath(path)
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if not sep or len(fields) < 5 or len(tail) < 2:
            continue
        point = _unescape(fields[4])
        mount = PurePosixPath(point)
        inside = target == mount or mount in target.parents
        # the longest mount point wins; of equal ones, the later line (mounted over the earlier)
        if inside and (best is None or len(mount.parts) >= len(PurePosixPath(best[0]).parts)):
            best = (point, tail[0], _unescape(tail[1]))
    return best


def _is_network_type(fstype: str) -> bool:
    if fstype in NETWORK_TYPES:
        return True
    kind, _, subtype = fstype.partition(".")
    return kind in ("fuse", "fuseblk") and subtype in NETWORK_FUSE


def _linux(path: str, facts: OsFacts) -> Location:
    text = facts.mountinfo() if facts.mountinfo else None
    if text:
        found = mount_of(path, text)
        if found is None:
            return LOCAL
        point, fstype, source = found
        if _is_network_type(fstype):
            return Location(True, fstype, f"{source} on {point}")
        return LOCAL
    magic = facts.statfs_magic(path) if facts.statfs_magic else None
    if magic is not None and magic in NETWORK_MAGIC:
        return Location(True, NETWORK_MAGIC[magic], path)
    return LOCAL


def _mac(path: str, facts: OsFacts) -> Location:
    found = facts.mac_statfs(path) if facts.mac_statfs else None
    if found is None:
        return LOCAL
    fstype, flags = found
    if fstype in MAC_NETWORK_TYPES or not flags & MNT_LOCAL:
        return Location(True, fstype or "not a local disk", path)
    return LOCAL


# --- the real facts of this machine ------------------------------------------------------------


def this_machine() -> OsFacts:
    system = platform.system()
    if system == "Windows":
        return OsFacts(system, drive_type=_get_drive_type)
    if system == "Darwin":
        return OsFacts(system, mac_statfs=_mac_statfs)
    return OsFacts(system, mountinfo=_read_mountinfo, statfs_magic=_linux_statfs_magic)


def _get_drive_type(root: str) -> int:
    return ctypes.windll.kernel32.GetDriveTypeW(ctypes.c_wchar_p(root))  # type: ignore[attr-defined]


def _read_mountinfo() -> str | None:
    try:
        return Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _libc():
    return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


def _linux_statfs_magic(path: str) -> int | None:
    """statfs(2)'s f_type, the struct's first field (a machine word on every Linux)."""
    buf = ctypes.create_string_buffer(512)
    if _libc().statfs(os.fsencode(path), buf) != 0:
        return None
    return ctypes.c_ulong.from_buffer(buf).value & 0xFFFFFFFF


class _MacStatfs(ctypes.Structure):  # struct statfs with 64-bit inodes (sys/mount.h)
    _fields_ = [
        ("f_bsize", ctypes.c_uint32),
        ("f_iosize", ctypes.c_int32),
        ("f_blocks", ctypes.c_uint64),
        ("f_bfree", ctypes.c_uint64),
        ("f_bavail", ctypes.c_uint64),
        ("f_files", ctypes.c_uint64),
        ("f_ffree", ctypes.c_uint64),
        ("f_fsid", ctypes.c_int32 * 2),
        ("f_owner", ctypes.c_uint32),
        ("f_type", ctypes.c_uint32),
        ("f_flags", ctypes.c_uint32),
        ("f_fssubtype", ctypes.c_uint32),
        ("f_fstypename", ctypes.c_char * 16),
        ("f_mntonname", ctypes.c_char * 1024),
        ("f_mntfromname", ctypes.c_char * 1024),
        ("f_flags_ext", ctypes.c_uint32),
        ("f_reserved", ctypes.c_uint32 * 7),
    ]


def _mac_statfs(path: str) -> tuple[str, int] | None:
    libc = _libc()
    name = "statfs$INODE64" if platform.machine() == "x86_64" else "statfs"
    call = getattr(libc, name, None) or libc.statfs
    info = _MacStatfs()
    if call(os.fsencode(path), ctypes.byref(info)) != 0:
        return None
    return info.f_fstypename.decode("utf-8", "replace"), info.f_flags
