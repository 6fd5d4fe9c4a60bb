"""A school file on a network drive is recognised on every platform (the OS facts are passed in), and
opened in SQLite's rollback-journal mode, never WAL: "WAL does not work over a network filesystem"
(https://www.sqlite.org/wal.html; docs/reliability.md)."""

from __future__ import annotations

import sqlite3

import pytest

from attendance_desk.store import db as store_db
from attendance_desk.store.location import (
    DRIVE_REMOTE,
    MNT_LOCAL,
    Location,
    OsFacts,
    mount_of,
    network_location,
)

DRIVE_FIXED = 3


def windows(remote: set[str] = frozenset()) -> OsFacts:
    asked = []

    def drive_type(root: str) -> int:
        asked.append(root)
        return DRIVE_REMOTE if root in remote else DRIVE_FIXED

    return OsFacts("Windows", drive_type=drive_type)


@pytest.mark.parametrize(
    "path, network, where",
    [
        (r"\\office-server\attendance\school.sqlite", True, r"\\office-server\attendance"),
        ("//office-server/attendance/school.sqlite", True, r"\\office-server\attendance"),
        (r"\\?\UNC\office-server\attendance\school.sqlite", True, r"\\office-server\attendance"),
        (r"S:\Attendance\school.sqlite", True, "S:"),
        (r"s:\Attendance\school.sqlite", True, "S:"),
        (r"C:\Users\office\AppData\Local\AttendanceDesk\school.sqlite", False, ""),
        (r"\\?\C:\Users\office\school.sqlite", False, ""),
    ],
)
def test_windows_unc_paths_and_mapped_drives_are_network(path, network, where):
    found = network_location(path, windows(remote={"S:\\"}))
    assert found.network is network
    assert found.where == where
    if network:
        assert found.kind in ("UNC path", "mapped network drive")


MOUNTINFO = r"""22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
60 27 0:50 / /mnt/office rw,relatime - nfs4 fileserver:/export/office rw,vers=4.2
61 60 254:1 / /mnt/office/local-cache rw,relatime - ext4 /dev/vdb rw
62 27 0:51 / /media/shared\040drive rw,relatime - cifs //nas/attendance rw
63 27 0:52 / /home/office/remote rw,nosuid - fuse.sshfs office@server:/srv rw
64 27 0:53 / /home/office/usb rw,nosuid - fuseblk /dev/sdc1 rw
65 27 0:54 / /srv/smb rw - smb3 //nas/staff rw
"""


def linux(mountinfo: str | None = MOUNTINFO, magic: int | None = None) -> OsFacts:
    return OsFacts("Linux", mountinfo=lambda: mountinfo, statfs_magic=lambda _p: magic)


@pytest.mark.parametrize(
    "path, kind",
    [
        ("/mnt/office/attendance/school.sqlite", "nfs4"),
        ("/media/shared drive/school.sqlite", "cifs"),
        ("/home/office/remote/school.sqlite", "fuse.sshfs"),
        ("/srv/smb/school.sqlite", "smb3"),
        ("/mnt/office/local-cache/school.sqlite", None),  # a local disk mounted inside the share
        ("/home/office/usb/school.sqlite", None),  # a USB stick (FUSE, but not a network one)
        ("/home/office/school.sqlite", None),
        ("/mnt/officex/school.sqlite", None),  # a prefix of the text is not a parent folder
    ],
)
def test_linux_reads_the_filesystem_of_the_nearest_mount(path, kind, monkeypatch):
    monkeypatch.setattr("attendance_desk.store.location._existing", lambda p: str(p))
    found = network_location(path, linux())
    assert found.network is (kind is not None)
    if kind:
        assert found.kind == kind


def test_mountinfo_unescapes_spaces_and_takes_the_innermost_mount():
    assert mount_of("/media/shared drive/a", MOUNTINFO) == (
        "/media/shared drive",
        "cifs",
        "//nas/attendance",
    )
    assert mount_of("/mnt/office/local-cache/x", MOUNTINFO)[1] == "ext4"


def test_linux_without_mountinfo_uses_the_statfs_magic(monkeypatch):
    monkeypatch.setattr("attendance_desk.store.location._existing", lambda p: str(p))
    assert network_location("/x/school.sqlite", linux(None, 0x6969)).kind == "nfs"
    assert network_location("/x/school.sqlite", linux(None, 0xFF534D42)).kind == "cifs"
    assert not network_location("/x/school.sqlite", linux(None, 0xEF53)).network  # ext4
    assert not network_location("/x/school.sqlite", linux(None, None)).network  # no answer: local


def test_macos_reads_the_filesystem_type_and_the_local_flag(monkeypatch):
    monkeypatch.setattr("attendance_desk.store.location._existing", lambda p: str(p))

    def mac(fstype: str, flags: int) -> OsFacts:
        return OsFacts("Darwin", mac_statfs=lambda _p: (fstype, flags))

    assert network_location("/Volumes/Office/s.sqlite", mac("smbfs", 0)).kind == "smbfs"
    assert network_location("/Volumes/Office/s.sqlite", mac("nfs", 0)).network
    assert network_location("/Volumes/Cloud/s.sqlite", mac("macfuse", 0)).network  # not local
    assert not network_location("/Users/office/s.sqlite", mac("apfs", MNT_LOCAL)).network


def test_facts_that_cannot_be_had_count_as_local(monkeypatch):
    def broken(_root: str) -> int:
        raise OSError("no such call")

    assert not network_location(r"S:\school.sqlite", OsFacts("Windows", drive_type=broken)).network


def test_this_machine_answers_for_a_temporary_folder(tmp_path):
    assert not network_location(tmp_path / "school.sqlite").network  # CI's disk is local


SHARE = Location(True, "cifs", "//nas/attendance on /mnt/office")


@pytest.mark.file_only("a file on a network share: SQLite's journal mode and locking")
def test_a_file_on_a_share_is_opened_with_the_rollback_journal_not_wal(tmp_path, monkeypatch):
    from tests.helpers import make_school

    make_school(tmp_path).close()  # made on a local disk: WAL
    path = tmp_path / "school.sqlite"
    probe = sqlite3.connect(path)
    assert probe.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    probe.close()

    monkeypatch.setattr(store_db, "network_location", lambda _p: SHARE)
    store = store_db.open_store(path)
    try:
        assert store.location.network
        assert store.query("PRAGMA journal_mode")[0][0] == "delete"
        assert store.query("PRAGMA synchronous")[0][0] == 2  # FULL: every commit reaches the disk
        with store.write():  # a write takes the whole file at once (BEGIN EXCLUSIVE)
            other = sqlite3.connect(path, timeout=0)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("SELECT count(*) FROM pupils").fetchone()
            other.close()
        assert not (tmp_path / "school.sqlite-wal").exists()
    finally:
        store.close()

    monkeypatch.setattr(store_db, "network_location", lambda _p: Location(False, "local"))
    with store_db.open_store(path) as local:  # back on a local disk: WAL again
        assert local.query("PRAGMA journal_mode")[0][0] == "wal"
