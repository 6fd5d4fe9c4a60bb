"""Issue 13, item 7: faults end cleanly. Every file is written whole under a temporary name and then
renamed; leftovers of a killed writer are removed; names made from pupils' names stay inside the
folder; a full, read-only or locked disk or file is a plain message naming the cause and the file;
templates run with limits."""

import contextlib
import errno
import os
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from attendance_desk.cli import main
from attendance_desk.documents.templates import TemplateProblem, render_template
from attendance_desk.domain.calendar import SchoolCalendar
from attendance_desk.domain.people import Contact, Link
from attendance_desk.files import (
    FileWriteError,
    atomic_open,
    clean_leftovers,
    safe_name,
    write_bytes,
)
from attendance_desk.services.backups import make_backup
from attendance_desk.services.letters import make_letters
from attendance_desk.services.school import ServiceError
from attendance_desk.services.stages import record_step
from tests.helpers import CLOSURES, TERMS, add_pupil, make_school, put_marks, sessions

CAL = SchoolCalendar(TERMS, CLOSURES)
TODAY = date(2024, 11, 20)


def debris(folder: Path) -> list[str]:
    return sorted(
        p.name for p in folder.rglob("*") if p.name.endswith(".partial") or ".ad-" in p.name
    )


# ---------------------------------------------------------------- names


@pytest.mark.parametrize(
    "text",
    [
        "O/Brien",
        "x/../../escaped",
        "..",
        "../..",
        "a\\b",
        "tab\there",
        "nul\x00l",
        "new\nline",
        "CON",
        "",
        "   ",
        "dots...",
        "/etc/passwd",
    ],
)
def test_a_name_made_from_any_text_is_one_plain_file_name(text):
    name = safe_name(text)
    assert name and "/" not in name and "\\" not in name and ".." not in name
    assert (
        not any(ord(c) < 32 for c in name) and name not in (".", "..") and not name.startswith(".")
    )
    assert name.split(".")[0].upper() != "CON"


@pytest.fixture
def school(tmp_path):
    s = make_school(tmp_path)
    s.settings.save_school(
        replace(
            s.settings.school(),
            head_teacher="Mrs J. Harwood",
            attendance_lead="Mr T. Okonjo",
            address="School Lane",
            local_authority="Northshire",
        )
    )
    for n, surname in enumerate(("O/Brien", "x/../../escaped", "Tab\tNewline\nNul"), start=1):
        pupil = add_pupil(s, n, forename="Sam", surname=surname)
        put_marks(s, pupil, sessions(date(2024, 9, 3), date(2024, 11, 19), "/", calendar=CAL))
        contact = s.contacts.add(
            Contact(None, f"Parent {n}", address=f"{n} Mill Lane", postcode="NB1 2AB")
        )
        s.contacts.link(Link(pupil.id, contact, "Mother", True, 1))
        record_step(s, pupil.upn, "entered", TODAY, "lead", "stage1", "weekly review")
    yield s
    s.close()


def test_letters_for_pupils_with_separators_in_their_names_stay_inside_the_folder(tmp_path, school):
    out = tmp_path / "deep" / "out" / "stage1.pdf"
    batch = make_letters(school, "stage1", school.pupils.all(), TODAY, "lead", out, individual=True)
    assert batch.letters == 3 and len(batch.files) == 4
    for file in batch.files:
        assert file.parent == out.parent.resolve(), file
        assert file.is_file() and file.stat().st_size > 1000
    names = sorted(f.name for f in batch.files)
    assert any("O_Brien" in n for n in names) and any(
        "x.escaped" in n or "x_.escaped" in n or "escaped" in n for n in names
    )
    assert not (tmp_path / "escaped.pdf").exists() and not list(tmp_path.glob("*escaped*"))
    assert debris(tmp_path) == []


# ---------------------------------------------------------------- whole files or none


def test_a_failed_write_leaves_neither_the_file_nor_a_temporary_one(tmp_path):
    target = tmp_path / "letters.pdf"
    with pytest.raises(RuntimeError), atomic_open(target) as fh:
        fh.write(b"%PDF half")
        raise RuntimeError("killed half way")
    assert list(tmp_path.iterdir()) == []
    write_bytes(target, b"whole")
    assert target.read_bytes() == b"whole" and debris(tmp_path) == []


def test_an_existing_file_is_never_replaced_by_an_exclusive_write(tmp_path):
    target = tmp_path / "issued.pdf"
    target.write_bytes(b"issued letters")
    with pytest.raises(FileExistsError):
        write_bytes(target, b"other", exclusive=True)
    assert target.read_bytes() == b"issued letters" and debris(tmp_path) == []


def test_leftovers_of_a_killed_writer_are_removed_at_the_next_write(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    pid = int(dead.stdout)
    from attendance_desk.files import _HOST

    leftover = tmp_path / f".stage1.pdf.ad-{_HOST}-{pid}-0badf00d.partial"
    leftover.write_bytes(b"half a letter")
    live = tmp_path / f".other.pdf.ad-{_HOST}-{os.getpid()}-0badf00d.partial"
    live.write_bytes(b"being written now by this process")
    old_backup = tmp_path / "school-20261124-101010.sqlite.partial"
    old_backup.write_bytes(b"140 MB once")
    past = time.time() - 60
    os.utime(old_backup, (past, past))
    write_bytes(tmp_path / "next.pdf", b"x")
    assert not leftover.exists() and live.exists()
    assert clean_leftovers(tmp_path, also=("*.sqlite.partial",)) == [old_backup]
    live.unlink()


def test_a_backup_interrupted_half_way_leaves_no_copy(tmp_path, school, monkeypatch):
    folder = tmp_path / "backups"

    class Killed(BaseException):
        pass

    def dying_backup(target, pages=0, **kwargs):
        raise Killed

    conn = school.conn
    monkeypatch.setattr(
        school.engine,
        "conn",
        type(
            "C",
            (),
            {"backup": staticmethod(dying_backup), "__getattr__": lambda _, a: getattr(conn, a)},
        )(),
    )
    with pytest.raises(Killed):
        make_backup(school, folder)
    monkeypatch.undo()
    assert debris(folder) == [] and list(folder.glob("*.sqlite")) == []
    result = make_backup(school, folder)
    assert result.path.is_file() and debris(folder) == []


# ---------------------------------------------------------------- full, read-only and locked disks


def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_is_said_plainly_and_leaves_no_partial_file(tmp_path, school, monkeypatch):
    monkeypatch.setattr("attendance_desk.files.os.fsync", _disk_full)
    out = tmp_path / "out"
    with pytest.raises(FileWriteError) as caught:
        make_letters(school, "stage1", school.pupils.all()[:1], TODAY, "lead", out / "stage1.pdf")
    message = str(caught.value)
    assert "the disk is full" in message and str(out / "stage1.pdf") in message
    assert "cannot be read as a school file" not in message
    assert list(out.iterdir()) == []
    assert school.letters.for_pupil(school.pupils.all()[0].id) == []  # nothing logged either


def test_a_read_only_folder_is_said_plainly(tmp_path, monkeypatch):
    monkeypatch.setattr(
        "attendance_desk.files.os.fsync",
        lambda *a: (_ for _ in ()).throw(OSError(errno.EROFS, "Read-only file system")),
    )
    with pytest.raises(FileWriteError, match="read-only"):
        write_bytes(tmp_path / "a.csv", b"x")
    assert list(tmp_path.iterdir()) == []


def _mount_tmpfs(folder: Path, size: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    return (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
            capture_output=True,
        ).returncode
        == 0
    )


@pytest.fixture
def small_disk(tmp_path):
    folder = tmp_path / "small"
    if not _mount_tmpfs(folder, "512k"):
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_backup_to_a_full_disk_says_so_and_leaves_no_partial_copy(tmp_path, school, small_disk):
    filler = small_disk / "filler"
    with contextlib.suppress(OSError):
        filler.write_bytes(b"\0" * (500 * 1024))
    with pytest.raises(ServiceError) as caught:
        make_backup(school, small_disk / "backups")
    message = str(caught.value)
    assert "disk is full" in message and "school-" in message and "Traceback" not in message
    assert debris(small_disk) == [] and list((small_disk / "backups").glob("*.sqlite")) == []


def test_cli_letters_to_a_full_disk_give_a_message_not_a_traceback(
    tmp_path, school, small_disk, capsys
):
    with contextlib.suppress(OSError):
        (small_disk / "filler").write_bytes(b"\0" * (510 * 1024))
    school.close()
    code = main(
        [
            "--db",
            str(tmp_path / "school.sqlite"),
            "--as",
            "lead",
            "--today",
            "2024-11-20",
            "letters",
            "--stage",
            "stage1",
            "--out",
            str(small_disk / "out"),
            "--individual",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and "disk is full" in err and "Traceback" not in err
    assert debris(small_disk) == [] and list(small_disk.rglob("*.pdf")) == []


def _chattr(flag: str, path: Path) -> bool:
    return (
        bool(shutil.which("chattr"))
        and subprocess.run(["chattr", flag, str(path)], capture_output=True).returncode == 0
    )


def test_an_immutable_school_file_gives_a_plain_message_on_amend(tmp_path, school, capsys):
    upn = school.pupils.all()[0].upn
    school.close()
    db = tmp_path / "school.sqlite"
    if not _chattr("+i", db):
        pytest.skip("chattr +i is not available here")
    try:
        code = main(
            [
                "--db",
                str(db),
                "--today",
                "2024-11-20",
                "amend",
                "--upn",
                upn,
                "--date",
                "2024-11-19",
                "--session",
                "AM",
                "--code",
                "I",
                "--reason",
                "ill",
            ]
        )
    finally:
        _chattr("-i", db)
    err = capsys.readouterr().err
    assert code == 1 and "read-only or locked" in err and str(db) in err and "Traceback" not in err
    assert "cannot be read as a school file" not in err


def test_an_immutable_output_folder_gives_a_plain_message(tmp_path, school):
    folder = tmp_path / "locked"
    folder.mkdir()
    if not _chattr("+i", folder):
        pytest.skip("chattr +i is not available here")
    try:
        with pytest.raises(ServiceError) as caught:
            make_backup(school, folder)
    finally:
        _chattr("-i", folder)
    assert "permission denied" in str(caught.value) and str(folder) in str(caught.value)
    assert list(folder.iterdir()) == []


# ---------------------------------------------------------------- templates with limits


@pytest.mark.parametrize(
    "body, expected",
    [
        ('{% include "t.txt.j2" %}', "includes itself (t.txt.j2 -> t.txt.j2)"),
        ("{{ range(10**9)|join }}", "at most 10,000"),
        (
            "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
            "more than 200,000 times",
        ),
        (
            "{% for i in 'a'*9000 %}{% for j in 'b'*9000 %}{% endfor %}{% endfor %}",
            "ran for more than",
        ),
        ("{{ 'a'*400000000 }}", "at most 100,000"),
        ("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "calls itself"),
        ("{% for i in range(5000) %}{{ 'x'*100 }}{% endfor %}", "longer than 200,000 characters"),
        ("{{ 9**9**9 }}", "too large a number"),
    ],
)
def test_a_hostile_template_is_refused_quickly_naming_it(tmp_path, body, expected):
    (tmp_path / "t.txt.j2").write_text(f"Subject: test\n\n{body}\n", encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(TemplateProblem) as caught:
        render_template("t", {}, tmp_path)
    assert time.perf_counter() - started < 5
    assert str(caught.value).startswith("t.txt.j2") and expected in str(caught.value)


def test_a_broken_template_names_its_line(tmp_path):
    (tmp_path / "t.txt.j2").write_text(
        "Subject: test\n\nDear parent,\n{% for x in y %}\n", encoding="utf-8"
    )
    with pytest.raises(TemplateProblem, match=r"^t\.txt\.j2, line 4"):
        render_template("t", {}, tmp_path)
    (tmp_path / "u.txt.j2").write_text(
        "Subject: test\n\nDear parent,\n\n{{ 1 / 0 }}\n", encoding="utf-8"
    )
    with pytest.raises(TemplateProblem, match=r"^u\.txt\.j2, line 5: ZeroDivisionError"):
        render_template("u", {}, tmp_path)


def test_an_ordinary_template_still_renders_after_a_refused_one(tmp_path):
    (tmp_path / "t.txt.j2").write_text(
        "Subject: Hello\n\n{% for i in range(3) %}- item {{ i }}\n{% endfor %}", encoding="utf-8"
    )
    rendered = render_template("t", {}, tmp_path)
    assert rendered.subject == "Hello" and "item 2" in rendered.text


def test_cli_export_to_a_full_disk_says_so_once_and_leaves_nothing(
    tmp_path, school, small_disk, capsys
):
    with contextlib.suppress(OSError):
        (small_disk / "filler").write_bytes(b"\0" * (500 * 1024))
    school.close()
    code = main(
        [
            "--db",
            str(tmp_path / "school.sqlite"),
            "--as",
            "lead",
            "--today",
            "2024-11-20",
            "export",
            "xlsx",
            str(small_disk / "school.xlsx"),
            "--from",
            "2024-09-02",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and "disk is full" in err and str(small_disk / "school.xlsx") in err
    assert "Traceback" not in err and "Exception ignored" not in err
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]


def test_the_next_start_removes_what_a_killed_run_left_beside_the_school_file(tmp_path, school):
    dead = int(
        subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
        ).stdout
    )
    from attendance_desk.files import _HOST

    leftovers = [
        tmp_path / f".school-export.xlsx.ad-{_HOST}-{dead}-00c0ffee.partial",
        tmp_path
        / "backups"
        / f".school-20261124-101010.sqlite.ad-{_HOST}-{dead}-00c0ffee.partial-journal",
    ]
    leftovers[1].parent.mkdir()
    for path in leftovers:
        path.write_bytes(b"half")
    school.close()
    assert main(["--db", str(tmp_path / "school.sqlite"), "--today", "2024-11-20", "stages"]) == 0
    assert not any(p.exists() for p in leftovers)
