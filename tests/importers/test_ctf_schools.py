"""Issue 13, items 5 and 6: a CTF is for this school or for pupils joining it; imports hold the write
lock only to write (a dry run and a junk file never take it); a CTF is read as a stream; a workbook
that would unpack to gigabytes is refused before it is opened."""

import json
import sqlite3
import subprocess
import sys
import time
import tracemalloc
import zipfile
from dataclasses import replace
from datetime import date

import pytest

from attendance_desk.cli import main
from attendance_desk.services.imports import import_file
from tests.helpers import add_pupil, make_school, upn

TODAY = date(2024, 11, 29)
OURS = ("881", "2001")
OTHER = ("882", "3003")


def ctf(tmp_path, pupils, source=OTHER, dest=OURS, name="in.xml"):
    dest_xml = (
        f"<DestSchool><LEA>{dest[0]}</LEA><Estab>{dest[1]}</Estab></DestSchool>" if dest else ""
    )
    path = tmp_path / name
    path.write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<CTfile><Header><DocumentName>Common Transfer File</DocumentName><CTFversion>25.0</CTFversion>
<SourceSchool><LEA>{source[0]}</LEA><Estab>{source[1]}</Estab><SchoolName>Other School</SchoolName></SourceSchool>
{dest_xml}</Header><CTFpupilData>{"".join(pupils)}</CTFpupilData></CTfile>""",
        encoding="utf-8",
    )
    return path


def pupil(n, surname, forename="Sam", marks="", estab=OTHER[1], contact="Pat Parent"):
    first, last = contact.split()
    attendance = (
        (
            f"<Attendance><YearData><Year>2024</Year><LEA>881</LEA><Estab>{estab}</Estab>"
            f"<AttendSessions><AttendanceStartDate>2024-11-04</AttendanceStartDate>"
            f"<AttendanceMarks>{marks}</AttendanceMarks></AttendSessions></YearData></Attendance>"
        )
        if marks
        else ""
    )
    return (
        f"<Pupil><UPN>{upn(n)}</UPN><Surname>{surname}</Surname><Forename>{forename}</Forename>"
        f"<DOB>2015-05-01</DOB><Sex>F</Sex><Address><PAON>1</PAON><Street>Mill Lane</Street>"
        f"<Postcode>NB1 2AB</Postcode></Address><Contacts><Contact><Order>1</Order><Forename>{first}</Forename>"
        f"<Surname>{last}</Surname><Relationship>Mother</Relationship><Responsibility>true</Responsibility>"
        f"<Address><AddressAsPupil>true</AddressAsPupil></Address><Phones><Phone><TelephoneType>M</TelephoneType>"
        f"<PhoneNo>07700 9005{n:02d}</PhoneNo></Phone></Phones></Contact></Contacts>{attendance}</Pupil>"
    )


@pytest.fixture
def store(tmp_path):
    store = make_school(tmp_path)
    store.settings.save_school(
        replace(store.settings.school(), la_number=OURS[0], estab_number=OURS[1])
    )
    add_pupil(store, 1, surname="Okafor", forename="Ada")
    yield store
    store.close()


def test_a_ctf_addressed_to_another_school_is_refused_and_nothing_written(tmp_path, store):
    path = ctf(tmp_path, [pupil(2, "Brown")], dest=("999", "9999"))
    report = import_file(store, "ctf", path, "lead", TODAY)
    assert not report.ok
    message = report.problems[0].message
    assert "addressed to another school (999/9999" in message and "(881/2001)" in message
    assert report.problems[0].column == "Header/DestSchool"
    assert store.pupils.by_upn(upn(2)) is None and store.contacts.for_pupils() == {}
    # the same file addressed to this school is accepted
    assert import_file(
        store, "ctf", ctf(tmp_path, [pupil(2, "Brown")], name="ok.xml"), "lead", TODAY
    ).ok


def test_a_ctf_from_another_school_adds_only_joining_pupils_and_never_renames_ours(tmp_path, store):
    # the attack: a CTF from another school with one of our UPNs under another name, plus a new pupil
    path = ctf(
        tmp_path, [pupil(1, "Renamed", "Evil", contact="Eve Intruder"), pupil(2, "Brown", "Bea")]
    )
    preview = import_file(store, "ctf", path, "lead", TODAY, dry_run=True)
    assert preview.ok
    text = "\n".join(preview.notes)
    assert (
        f"pupils who would join this school (new UPNs, added when you import) (1): {upn(2)} Bea Brown"
        in text
    )
    assert (
        "left as they are" in text and f"{upn(1)} Evil Renamed (on roll here as Ada Okafor)" in text
    )
    assert store.pupils.by_upn(upn(2)) is None  # the preview wrote nothing
    report = import_file(store, "ctf", path, "lead", TODAY)
    assert report.ok
    ours = store.pupils.by_upn(upn(1))
    assert (ours.forename, ours.surname) == ("Ada", "Okafor")
    assert store.contacts.for_pupils([ours.id]) == {} or all(
        c.name != "Eve Intruder" for c in store.contacts.for_pupils([ours.id]).get(ours.id, [])
    )
    joined = store.pupils.by_upn(upn(2))
    assert (joined.forename, joined.surname) == ("Bea", "Brown")
    assert [c.name for c in store.contacts.for_pupils([joined.id])[joined.id]] == ["Pat Parent"]


def test_a_ctf_from_this_school_may_still_update_its_pupils(tmp_path, store):
    path = ctf(tmp_path, [pupil(1, "Okafor-Smith", "Ada")], source=OURS)
    assert import_file(store, "ctf", path, "lead", TODAY).ok
    assert store.pupils.by_upn(upn(1)).surname == "Okafor-Smith"


def test_a_upn_given_twice_in_a_ctf_is_refused(tmp_path, store):
    path = ctf(tmp_path, [pupil(3, "Brown"), pupil(3, "Green")], source=OURS)
    report = import_file(store, "ctf", path, "lead", TODAY)
    assert (
        not report.ok
        and "given twice in the file (Pupil 1 and Pupil 2)" in report.problems[0].message
    )


def test_a_dry_run_and_a_junk_file_never_take_the_write_lock(tmp_path, store, monkeypatch):
    path = ctf(
        tmp_path,
        [pupil(n, f"Pupil{n}", marks="/\\" * 10, estab=OURS[1]) for n in range(2, 40)],
        source=OURS,
    )
    junk = tmp_path / "junk.xml"
    junk.write_bytes(b"\x00\x01 not xml at all" * 1000)
    began = []
    real_write = type(store).write

    def watched(self):
        began.append(True)
        return real_write(self)

    monkeypatch.setattr(type(store), "write", watched)
    assert import_file(store, "ctf", path, "lead", TODAY, dry_run=True).ok
    assert not import_file(store, "ctf", junk, "lead", TODAY).ok
    assert began == []
    # and while another connection holds the write lock, a dry run still completes
    other = sqlite3.connect(str(store.path))
    other.execute("BEGIN IMMEDIATE")
    try:
        report = import_file(store, "ctf", path, "lead", TODAY, dry_run=True)
    finally:
        other.rollback()
        other.close()
    assert report.ok and report.added == 38 * 20


def test_the_parse_runs_before_the_write_lock_is_taken(tmp_path, store, monkeypatch):
    """The write lock is taken only after the whole file is read and checked."""
    from attendance_desk.importers import ctf as ctf_module

    path = ctf(tmp_path, [pupil(2, "Brown", marks="/" * 10, estab=OURS[1])], source=OURS)
    order = []
    real_parse, real_write = ctf_module.parse_ctf, type(store).write
    monkeypatch.setattr(
        "attendance_desk.services.imports.parse_ctf",
        lambda *a, **k: (order.append("parse"), real_parse(*a, **k))[1],
    )

    def watched(self):
        order.append("write")
        return real_write(self)

    monkeypatch.setattr(type(store), "write", watched)
    assert import_file(store, "ctf", path, "lead", TODAY).ok
    assert order[0] == "parse" and order.count("parse") == 1 and "write" in order


def test_a_large_ctf_is_read_as_a_stream(tmp_path, store):
    """Memory while reading does not hold the file: each pupil is dropped once read."""
    big = (
        "<Assessments>"
        + "<Result><Subject>MAT</Subject><Value>EXS</Value></Result>" * 400
        + "</Assessments>"
    )
    pupils = [
        pupil(n, f"P{n}", marks="/" * 10, estab=OURS[1]).replace("</Pupil>", big + "</Pupil>")
        for n in range(2, 602)
    ]
    path = ctf(tmp_path, pupils, source=OURS)
    size = path.stat().st_size
    assert size > 12_000_000
    tracemalloc.start()
    report = import_file(store, "ctf", path, "lead", TODAY, dry_run=True)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert report.ok and report.added == 600 * 10
    assert peak < size, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB file"


def test_a_zip_bomb_workbook_is_refused_before_it_is_opened(tmp_path, store):
    bomb = tmp_path / "marks.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<" + b"a" * (300 * 2**20))
    started = time.perf_counter()
    report = import_file(store, "marks", bomb, "lead", TODAY)
    assert time.perf_counter() - started < 5
    assert not report.ok and "zip bomb" in report.problems[0].message
    assert "sheet1.xml" in report.problems[0].message


SAVER = """
import json, sqlite3, sys, time
from pathlib import Path
db, stop = sys.argv[1], Path(sys.argv[2])
conn = sqlite3.connect(db, timeout=30, isolation_level=None)
waits = []
while not stop.exists():
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE settings SET value = value WHERE 0")
    conn.execute("COMMIT")
    waits.append(time.perf_counter() - started)
    time.sleep(0.01)
print(json.dumps(waits))
"""


def test_an_import_does_not_block_another_process_saving_while_it_reads(tmp_path, store):
    """While a (slow) file is being read, checked and compared, another process saves at once."""
    big = (
        "<Assessments>"
        + "<Result><Subject>MAT</Subject><Value>EXS</Value></Result>" * 400
        + "</Assessments>"
    )
    pupils = [
        pupil(n, f"P{n}", marks="/" * 10, estab=OURS[1]).replace("</Pupil>", big + "</Pupil>")
        for n in range(2, 402)
    ]
    path = ctf(tmp_path, pupils, source=OURS)
    stop = tmp_path / "stop"
    saver = subprocess.Popen(
        [sys.executable, "-c", SAVER, str(store.path), str(stop)], stdout=subprocess.PIPE, text=True
    )
    try:
        time.sleep(0.5)  # the saver is running
        report = import_file(store, "ctf", path, "lead", TODAY, dry_run=True)
    finally:
        stop.touch()
        waits = json.loads(saver.communicate(timeout=60)[0])
    assert report.ok and report.added == 400 * 10
    assert len(waits) > 10 and max(waits) < 1.0, (
        f"{len(waits)} saves, longest wait {max(waits):.2f} s"
    )


def test_cli_reports_a_ctf_for_another_school_plainly(tmp_path, store, capsys):
    path = ctf(tmp_path, [pupil(2, "Brown")], dest=("999", "9999"))
    store.close()
    code = main(
        [
            "--db",
            str(tmp_path / "school.sqlite"),
            "--today",
            "2024-11-29",
            "import",
            "ctf",
            str(path),
        ]
    )
    err = capsys.readouterr()
    assert code == 1
    assert "addressed to another school" in err.out + err.err and "Traceback" not in err.err
