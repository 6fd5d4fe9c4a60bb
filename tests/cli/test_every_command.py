"""The commands no other test needed, run once each through the command line on one school file,
in the order an attendance lead would use them: the morning's calls and a call logged, a stage and
its letters, a meeting, its minutes and review, a plan and its contract, a home visit and its record,
the referral pack, the TSM pack, the workbook and CTF, the audit exported, a backup restored, a
subject access export and the retention list. Each checks what it printed and what it wrote.

tests/conftest.py records every command a test runs; when the whole suite runs, a command that no
test ran fails it, naming the command."""

from __future__ import annotations

import csv
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook

from attendance_desk.cli import main
from attendance_desk.domain.calendar import SchoolCalendar
from attendance_desk.domain.calls import Phone
from attendance_desk.domain.people import Contact, Link
from tests.helpers import CLOSURES, TERMS, add_pupil, make_school, put_marks, sessions, text_of

TODAY = "2024-11-29"
CAL = SchoolCalendar(TERMS, CLOSURES)


@pytest.fixture(scope="module")
def school(tmp_path_factory):
    """One pupil, Łucja, present every day of the autumn term to 28/11 except eight days without a
    reason (N) in September and the morning of 28/11; her mother has parental responsibility."""
    folder = tmp_path_factory.mktemp("every")
    store = make_school(folder)
    pupil = add_pupil(store, 1, forename="Łucja", surname="Wiśniewska", dob=date(2015, 3, 2))
    marks = sessions(date(2024, 9, 3), date(2024, 11, 28), "/", calendar=CAL)
    for day in CAL.school_days(date(2024, 9, 9), date(2024, 9, 18)):
        marks[(day, "AM")] = marks[(day, "PM")] = "N"
    marks[(date(2024, 11, 28), "AM")] = "N"
    put_marks(store, pupil, marks)
    mum = store.contacts.add(
        Contact(
            None,
            "Anna Wiśniewska",
            address="12 Mill Lane, Northbridge",
            postcode="NB1 2AB",
            phones=(Phone("mobile", "07700 900001"),),
        )
    )
    store.contacts.link(Link(pupil.id, mum, "Mother", True, 1))
    store.close()
    return folder, folder / "school.sqlite", pupil.upn


def run(capsys, db, *args):
    code = main(["--db", str(db), "--today", TODAY, "--as", "lead1", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_morning_calls_and_a_call_logged(school, capsys):
    _, db, upn = school
    code, out, _ = run(capsys, db, "calls", "--date", "2024-11-28")
    assert code == 0 and "Łucja Wiśniewska" in out and "07700 900001" in out
    code, out, _ = run(
        capsys, db, "log-call", "--upn", upn, "--date", "2024-11-28", "--session", "AM",
        "--outcome", "spoke_to_parent", "--with", "mother", "--code", "I",
    )  # fmt: skip
    assert (code, out) == (0, "Call logged for Łucja Wiśniewska; marks recoded to I.\n")
    code, out, _ = run(capsys, db, "history", "--upn", upn, "--date", "2024-11-28")
    assert code == 0 and "28/11/2024 AM: N -> I" in out


def test_a_stage_and_its_letters(school, capsys):
    folder, db, upn = school
    code, out, _ = run(capsys, db, "stage", "--upn", upn, "--enter", "stage1", "--date", TODAY)
    assert code == 0 and "Current stage: Stage 1" in out
    code, out, err = run(capsys, db, "letters", "--stage", "stage1", "--out", folder / "letters")
    assert code == 0, err
    assert "1 letters issued (ATT/00001) for 1 pupils" in out
    pdf = next((folder / "letters").glob("stage1-letters-*.pdf"))
    assert "Anna Wiśniewska" in text_of(pdf) and "12 Mill Lane" in text_of(pdf)
    code, out, _ = run(capsys, db, "letter-log", "--upn", upn)
    assert code == 0 and "ATT/00001" in out and "posting not recorded" in out


def test_a_meeting_its_minutes_and_review(school, capsys):
    folder, db, upn = school
    code, out, err = run(
        capsys, db, "meeting", "--upn", upn, "--date", "2024-11-25", "--attendees", "Mrs Wiśniewska, Mr Okonjo",
        "--parent-attended", "--barriers", "anxiety about PE", "--pupil-voice", "wants to see friends",
        "--parent-actions", "bring her to the gate by 8:45", "--target", "95", "--review-weeks", "4",
    )  # fmt: skip
    assert code == 0, err
    number = int(out.split()[1])
    # four weeks on is 23/12, in the Christmas holiday: the review is due on the first day back
    assert out == f"Meeting {number} of 25/11/2024 recorded; review due 06/01/2025.\n"
    code, out, _ = run(capsys, db, "meetings", "--upn", upn)
    assert code == 0 and "25/11/2024  sam" in out and "target 95%" in out
    code, out, _ = run(capsys, db, "minutes", "--meeting", number, "--out", folder / "minutes.pdf")
    assert code == 0 and "anxiety about PE" in text_of(folder / "minutes.pdf")
    code, out, err = run(
        capsys, db, "review", "--meeting", number, "--date", "2024-11-29",
        "--decision", "keep going: review again after Christmas", "--parent-attended",
    )  # fmt: skip
    assert code == 0, err
    assert out.startswith("Review recorded: target 95%, achieved ")


def test_a_plan_and_its_contract(school, capsys):
    folder, db, upn = school
    code, out, err = run(
        capsys, db, "plan", "--upn", upn, "--parent", "Łucja at school by 8:45 every day",
        "--school", "a soft start with her key adult", "--target", "95", "--start", "2024-11-26",
    )  # fmt: skip
    assert code == 0, err
    number = int(out.split()[1])
    assert f"Plan {number} recorded: 26/11/2024 to " in out
    code, out, _ = run(capsys, db, "contract", "--plan", number, "--out", folder / "contract.pdf")
    assert code == 0 and "a soft start with her key adult" in text_of(folder / "contract.pdf")


def test_a_home_visit_and_its_record(school, capsys):
    folder, db, upn = school
    code, out, err = run(
        capsys, db, "contact", "--upn", upn, "--kind", "home_visit", "--with", "mother",
        "--outcome", "Łucja seen and well", "--seen", "--date", "2024-11-27", "--time", "16:00",
    )  # fmt: skip
    assert code == 0, err
    entry = int(out.split("(entry ")[1].split(")")[0])
    assert "as happening on 27/11/2024 at 16:00" in out
    code, _, err = run(capsys, db, "visit-form", "--visit", entry, "--out", folder / "visit.pdf")
    assert code == 0, err
    assert "Łucja seen and well" in text_of(folder / "visit.pdf")
    code, _, _ = run(capsys, db, "visit-form", "--upn", upn, "--out", folder / "blank.pdf")
    assert code == 0 and "Wiśniewska" in text_of(folder / "blank.pdf")


def test_the_referral_pack_and_the_tsm_pack(school, capsys):
    folder, db, upn = school
    code, out, err = run(capsys, db, "pack", "--upn", upn, "--out", folder / "pack.pdf")
    assert code == 0, err
    assert out.startswith(f"Evidence pack: {folder / 'pack.pdf'} (") and "missing: " in out
    assert f"UPN {upn}" in text_of(folder / "pack.pdf")
    code, out, err = run(
        capsys, db, "tsm-pack", "--out", folder / "tsm.pdf", "--xlsx", folder / "tsm.xlsx"
    )
    assert code == 0, err
    assert "Targeted support meeting pack: " in out and (folder / "tsm.xlsx").stat().st_size > 0


def test_the_workbook_and_the_ctf(school, capsys):
    folder, db, upn = school
    book = folder / "attendance.xlsx"
    code, out, _ = run(capsys, db, "export", "xlsx", book, "--from", "2024-09-02")
    assert (code, out) == (0, f"Wrote {book}: 1 pupils, 02/09/2024 to 29/11/2024.\n")
    workbook = load_workbook(book, read_only=True)
    cells = {c.value for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row}
    assert upn in cells
    xml = folder / "school.xml"
    code, out, _ = run(capsys, db, "export", "ctf", xml)
    assert code == 0 and out.startswith(f"Wrote {xml}: 1 pupils, ")
    assert upn in xml.read_text("utf-8")


def test_the_audit_exported(school, capsys):
    folder, db, upn = school
    code, out, _ = run(capsys, db, "adjust", "--upn", upn, "--by", "2", "--reason", "GP letter")
    assert (code, out) == (0, "Adjustment recorded; it is shown with the pupil's stage.\n")
    out_csv = folder / "audit.csv"
    code, out, err = run(capsys, db, "audit", "--csv", out_csv)
    assert code == 0, err
    rows = list(csv.reader(out_csv.read_text("utf-8-sig").splitlines()))
    assert rows[0] == ["when", "who", "action", "subject", "detail"]
    assert f"Wrote {len(rows) - 1} entries to {out_csv}" in out
    # a cell that starts with + would be a formula in a spreadsheet: it is made inert with a '
    assert ["lead1", "thresholds adjusted", upn, "'+2: GP letter"] in [r[1:] for r in rows]
    code, out, _ = run(capsys, db, "audit")
    assert code == 0 and "export audit log" in out  # the export is itself audited


def test_a_backup_restored(school, capsys):
    folder, db, _ = school
    code, out, err = run(capsys, db, "backup", "--to", folder / "backups")
    assert code == 0, err
    copy = next((folder / "backups").glob("*.sqlite"))
    assert out.startswith(f"Backed up to {copy}")
    code, out, err = run(capsys, db, "restore", copy)
    assert code == 0, err
    assert out.startswith(f"Restored {copy} to {db}; the file it replaced is kept as ")
    code, out, _ = run(capsys, db, "check")
    assert "marks" in out and "amendments checked" in out


def test_subject_access_and_retention(school, capsys):
    folder, db, upn = school
    code, out, err = run(capsys, db, "sar", "--upn", upn, "--out", folder / "sar.zip")
    assert code == 0, err
    assert zipfile.ZipFile(folder / "sar.zip").namelist()
    code, out, _ = run(capsys, db, "retention")
    assert (code, out) == (0, "0 pupil(s) left more than 6 years ago:\n")
