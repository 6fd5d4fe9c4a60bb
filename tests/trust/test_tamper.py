"""Tampering with the school file outside Attendance Desk is visible to `check` (issue 13, item 2).

Each test is the attack, made with Python's sqlite3 module on the closed school file (not the app),
then `check` run from the command line: it must exit 1 and name the problem."""

import hashlib
import json
import sqlite3
from datetime import date

import pytest

from attendance_desk.cli import main
from attendance_desk.domain.records import NewLetter
from attendance_desk.services.backups import make_backup
from attendance_desk.services.marks import amend_mark
from attendance_desk.services.users import add_user
from attendance_desk.store import chain
from tests.helpers import add_pupil, make_school, put_marks, sessions

PASSWORD = "tamper-test-admin-pass"
START, END = date(2024, 9, 9), date(2024, 9, 20)


@pytest.fixture
def school(tmp_path, monkeypatch):
    """A small school: users, three pupils with two weeks of marks, amendments spread across them,
    a letter issued, and the audit of all that."""
    store = make_school(tmp_path)
    monkeypatch.setenv("ATTENDANCE_DESK_PASSWORD", PASSWORD)
    add_user(store, "", "Admin", "admin", PASSWORD)
    add_user(store, "Admin", "Office One", "office", "office-one-password")
    pupils = [add_pupil(store, n) for n in (1, 2, 3)]
    for pupil in pupils:
        put_marks(store, pupil, sessions(START, END, "/"))
    for day in (date(2024, 9, 10), date(2024, 9, 11)):  # history rows of each pupil, interleaved
        for pupil in pupils:
            amend_mark(store, pupil.upn, day, "AM", "I", "parent phoned: ill", "Admin")
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(b"%PDF-1.4 a letter")
    store.letters.log_issued(
        NewLetter(
            pupils[0].id,
            "stage1",
            "stage1",
            None,
            "Mrs Surname1",
            "1 High Street",
            {},
            "Dear Mrs Surname1",
            date(2024, 9, 20),
            {},
        ),
        1,
        hashlib.sha256(pdf.read_bytes()).hexdigest(),
        str(pdf),
        1,
        "Admin",
    )
    store.letters.mark_posted(1, date(2024, 9, 20))
    store.audit.log("Admin", "test entry", "", "after the letter")
    path = store.path
    store.close()
    return path, pupils


def run_check(path, capsys, *extra):
    capsys.readouterr()
    code = main(["--db", str(path), "--as", "Admin", "--today", "2024-09-20", "check", *extra])
    out = capsys.readouterr()
    return code, out.out + out.err


def attack(path, *statements):
    conn = sqlite3.connect(str(path))
    try:
        for sql in statements:
            conn.execute(sql)
        conn.commit()
    finally:
        conn.close()


def test_the_untouched_file_passes(school, capsys):
    path, _ = school
    code, text = run_check(path, capsys)
    assert code == 0, text
    assert "OK" in text


def test_deleting_the_users_is_seen(school, capsys):
    path, _ = school
    attack(path, "DELETE FROM users")
    code, text = run_check(path, capsys)
    assert code == 1
    assert (
        "users: changed outside Attendance Desk" in text and "user 'Admin' (admin) removed" in text
    )


def test_promoting_a_user_is_seen_even_after_they_sign_in(school, capsys):
    path, _ = school
    attack(path, "UPDATE users SET role = 'admin' WHERE name = 'Office One'")
    code, text = run_check(
        path, capsys
    )  # the sign-in for check writes an audit entry after the change
    assert code == 1
    assert "user 'Office One': role office -> admin" in text
    assert "no audit entry records it" in text  # the audit entry written since does not launder it


def test_a_promotion_is_not_laundered_by_a_later_user_change(school, capsys, monkeypatch):
    """The promotion, then the administrator adds a user through the app (an entry that records the
    users' state): that entry may account for the added user only."""
    from attendance_desk.services.check import check_school
    from attendance_desk.store.db import open_store

    path, _ = school
    attack(path, "UPDATE users SET role = 'admin' WHERE name = 'Office One'")
    with open_store(path) as store:
        add_user(store, "Admin", "New Lead", "lead", "new-lead-password")
        problems = " ".join(check_school(store).problems)
    assert "which does not record this change: user 'Office One': role office -> admin" in problems
    assert "user 'New Lead' (lead) added" not in problems  # that change is the entry's own


def test_a_backdated_amendment_that_looks_legitimate_is_seen(school, capsys):
    path, pupils = school
    attack(
        path,
        f"UPDATE marks SET code = 'I', version = version + 1, amend_reason = 'mum phoned', "
        f"recorded_by = 'Mrs J. Harwood', recorded_at = '2024-09-12T08:40:00Z' "
        f"WHERE pupil_id = {pupils[1].id} AND date = '2024-09-12' AND session = 'AM'",
    )
    code, text = run_check(path, capsys)
    assert code == 1
    assert "mark history: 1 row(s) not written by Attendance Desk" in text
    assert (
        "Pupil2 Surname2" in text
        and "2024-09-12 AM from / to I" in text
        and "Mrs J. Harwood" in text
    )


def test_changing_only_who_recorded_a_mark_is_seen(school, capsys):
    path, pupils = school
    attack(
        path,
        f"UPDATE marks SET recorded_by = 'Mrs J. Harwood', recorded_at = '2024-09-13T08:40:00Z' "
        f"WHERE pupil_id = {pupils[0].id} AND date = '2024-09-13' AND session = 'PM'",
    )
    code, text = run_check(path, capsys)
    assert code == 1 and "mark history: 1 row(s) not written by Attendance Desk" in text


def test_a_mark_changed_with_the_history_trigger_lifted_is_seen(school, capsys):
    path, pupils = school
    conn = sqlite3.connect(str(path))
    trigger = conn.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'marks_keep_history'"
    ).fetchone()[0]
    conn.close()
    attack(
        path,
        "DROP TRIGGER marks_keep_history",
        f"UPDATE marks SET recorded_by = 'Mrs J. Harwood', version = version + 1 "
        f"WHERE pupil_id = {pupils[2].id} AND date = '2024-09-10' AND session = 'AM'",
        f"UPDATE marks SET version = version + 1 "
        f"WHERE pupil_id = {pupils[2].id} AND date = '2024-09-16' AND session = 'AM'",
        trigger,
    )  # put back exactly as it was
    code, text = run_check(path, capsys)
    assert code == 1
    assert (
        "whose recorder or time changed outside Attendance Desk after their last amendment" in text
    )
    assert "now recorded by Mrs J. Harwood" in text
    assert (
        "changed outside Attendance Desk with no history entry (version raised without one)" in text
    )
    assert "2024-09-16 AM" in text


def test_erasing_marks_and_their_history_through_removals_is_seen(school, capsys):
    path, pupils = school
    victim = pupils[0].id
    attack(
        path,
        f"INSERT INTO removals(pupil_id) VALUES ({victim})",
        f"DELETE FROM mark_history WHERE pupil_id = {victim}",
        f"DELETE FROM marks WHERE pupil_id = {victim}",
        "DELETE FROM removals",
    )
    code, text = run_check(path, capsys)
    assert code == 1
    assert "mark history: row" in text and "does not match its seal" in text
    assert "missing mark(s)" in text  # the pupil is on roll and the registers were taken


def test_removals_left_behind_are_seen(school, capsys):
    path, pupils = school
    attack(path, f"INSERT INTO removals(pupil_id) VALUES ({pupils[2].id})")
    code, text = run_check(path, capsys)
    assert code == 1 and "listed in 'removals' outside a retention removal" in text


def test_dropping_the_audit_guard_and_deleting_the_audit_is_seen(school, capsys):
    path, _ = school
    attack(path, "DROP TRIGGER audit_no_delete", "DELETE FROM audit WHERE id <= 3")
    code, text = run_check(path, capsys)
    assert code == 1
    assert "the safeguard trigger 'audit_no_delete' is missing" in text
    assert "audit log: row 4 does not match its seal" in text


def test_an_audit_row_deleted_with_the_guard_put_back_is_seen(school, capsys):
    path, _ = school
    conn = sqlite3.connect(str(path))
    trigger = conn.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'audit_no_delete'"
    ).fetchone()[0]
    conn.close()
    attack(path, "DROP TRIGGER audit_no_delete", "DELETE FROM audit WHERE id = 5", trigger)
    code, text = run_check(path, capsys)
    assert code == 1 and "audit log: row 6 does not match its seal" in text
    assert "trigger" not in text  # the trigger is back as it was: only the chain shows it


def test_a_changed_guard_or_an_added_trigger_is_seen(school, capsys):
    path, _ = school
    attack(
        path,
        "DROP TRIGGER letters_no_delete",
        "CREATE TRIGGER letters_no_delete BEFORE DELETE ON letters WHEN 0 BEGIN SELECT 1; END",
        "CREATE TRIGGER sneaky AFTER INSERT ON audit BEGIN DELETE FROM casework; END",
    )
    code, text = run_check(path, capsys)
    assert code == 1
    assert "the safeguard trigger 'letters_no_delete' has been changed" in text
    assert "a trigger 'sneaky' was added" in text


def test_a_dropped_column_is_seen(school, capsys):
    path, _ = school
    attack(path, "ALTER TABLE casework DROP COLUMN late_reason")
    code, text = run_check(path, capsys)
    assert (
        code == 1 and "the columns of table 'casework' are not those Attendance Desk made" in text
    )


def test_an_audit_row_added_or_edited_outside_the_app_is_seen(school, capsys):
    path, _ = school
    attack(
        path,
        "INSERT INTO audit(at, user, action) VALUES ('2024-09-01T08:00:00Z', 'Admin', 'user added')",
    )
    code, text = run_check(path, capsys)
    assert code == 1 and "audit log: 1 row(s) not written by Attendance Desk" in text


def test_a_letter_voided_or_rewritten_outside_the_app_is_seen(school, capsys):
    path, _ = school
    attack(
        path,
        "UPDATE letters SET void_reason = 'sent in error', voided_by = 'Admin', voided_at = '2024-09-21T09:00:00Z'",
        "DROP TRIGGER letters_issued_fixed",
        "UPDATE letters SET text = 'Dear parent, nothing to worry about'",
    )
    code, text = run_check(path, capsys)
    assert code == 1
    assert "letter log: row 1 does not match its seal" in text
    assert "the posted or void details of letter row(s) 1 were changed" in text


def test_a_history_row_edited_is_seen(school, capsys):
    path, _ = school
    attack(
        path,
        "DROP TRIGGER mark_history_no_update",
        "UPDATE mark_history SET reason = 'holiday' WHERE id = 2",
    )
    code, text = run_check(path, capsys)
    assert code == 1 and "mark history: row 2 does not match its seal" in text


def test_check_against_a_backup_sees_what_a_consistent_rewrite_hides(school, capsys, tmp_path):
    """A careful attacker lifts the guards, deletes a mark that has no history, changes another, and
    re-seals the audit log after editing it: the plain check cannot tell (except the missing mark);
    the backup kept elsewhere can."""
    from attendance_desk.store.db import open_store

    path, pupils = school
    with open_store(path) as store:
        result = make_backup(store, tmp_path / "elsewhere", by="Admin")
    heads = json.loads((result.path.with_name(result.path.name + ".heads.json")).read_text())[
        "heads"
    ]
    assert heads["marks"] == 3 * 20 and heads["audit"]["hash"] and heads["mark_history"]["id"] == 6
    code, text = run_check(path, capsys, "--against", str(result.path))
    assert code == 0, text
    assert "since " + result.path.name in text and "marks: 60 in the backup, 60 now" in text

    conn = sqlite3.connect(str(path))
    saved = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    for name, _ in saved:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute(
        f"UPDATE marks SET code = 'M' WHERE pupil_id = {pupils[1].id} AND date = '2024-09-17' "
        "AND session = 'PM'"
    )
    conn.execute(
        f"DELETE FROM marks WHERE pupil_id = {pupils[2].id} AND date = '2024-09-18' AND session = 'AM'"
    )
    conn.execute("UPDATE audit SET detail = 'nothing happened' WHERE id = 3")
    chain.reseal_after_removal(conn, "audit", 1)  # the whole audit chain re-hashed, consistently
    for _, sql in saved:
        conn.execute(sql)
    conn.commit()
    conn.close()

    code, text = run_check(path, capsys)
    assert code == 1 and "does not match its seal" not in text  # the rewrite is consistent
    code, text = run_check(path, capsys, "--against", str(result.path))
    assert code == 1
    assert (
        "audit log rows it holds were altered outside Attendance Desk: 1 changed (first: row 3)"
        in text
    )
    assert "1 mark(s) in the backup have disappeared" in text and "2024-09-18 AM" in text
    assert (
        "1 mark(s) changed since the backup with no amendment recorded" in text
        and "\\ -> M" in text
    )


def test_check_against_sees_a_backup_changed_since_it_was_made(school, capsys, tmp_path):
    from attendance_desk.store.db import open_store

    path, _ = school
    with open_store(path) as store:
        result = make_backup(store, tmp_path / "elsewhere", by="Admin")
    attack(
        result.path,
        "DROP TRIGGER audit_no_delete",
        "DELETE FROM audit WHERE id = (SELECT MAX(id) FROM audit)",
    )
    code, text = run_check(path, capsys, "--against", str(result.path))
    assert code == 1 and "the backup itself has been changed since it was made" in text


def test_check_against_a_file_that_is_not_a_backup(school, capsys, tmp_path):
    path, _ = school
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all")
    code, text = run_check(path, capsys, "--against", str(junk))
    assert code == 1 and "cannot compare with the backup" in text and "Traceback" not in text


def test_an_old_file_is_sealed_as_it_stands(tmp_path):
    """Upgrading a file from before the chains: its rows are accepted as they stand and sealed, the
    users' state is recorded, the audit says so, and check passes; a later edit is then seen."""
    from sqlite_utils import Database

    from attendance_desk.services.check import check_school
    from attendance_desk.store.db import open_store
    from attendance_desk.store.schema import migrations

    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(str(path))
    migrations.apply(Database(conn), stop_before="m013_tamper_evident_chains")
    conn.executescript("""
        INSERT INTO settings VALUES ('school', '{"name": "Old School", "urn": "123456"}');
        INSERT INTO pupils(id, upn, surname, forename, admission_date) VALUES (1, 'A123', 'Old', 'Pupil', '2020-09-01');
        INSERT INTO marks(pupil_id, date, session, code, recorded_by, recorded_at)
            VALUES (1, '2024-09-10', 'AM', 'N', 'office', '2024-09-10T09:00:00Z');
        UPDATE marks SET code = 'I', amend_reason = 'ill', version = 2, recorded_by = 'lead',
            recorded_at = '2024-09-10T10:00:00Z';
        UPDATE marks SET code = 'M';  -- a direct change made long ago, before this version
        INSERT INTO users(name, role, password_hash, created_at) VALUES ('Admin', 'admin', 'x', '2024-09-01T00:00:00Z');
        INSERT INTO audit(at, user, action) VALUES ('2024-09-10T10:00:00Z', 'lead', 'amend mark');
    """)
    conn.execute(f"PRAGMA user_version = {len(migrations.applied(Database(conn)))}")
    conn.commit()
    conn.close()
    with open_store(path) as store:
        entries = store.audit.entries()
        assert entries[-1].action == chain.CHAINS_STARTED and entries[-1].user == "(upgrade)"
        assert "2 history entries, 1 audit entries and 0 letters" in entries[-1].detail
        assert "accepted" in entries[-1].detail
        report = check_school(store)
        assert not [p for p in report.problems if "missing mark" not in p], report.problems
        assert any(
            "outside Attendance Desk with no reason" in w for w in report.warnings
        )  # as before
    attack(path, "UPDATE users SET role = 'office'")
    with open_store(path) as store:
        assert any("role admin -> office" in p for p in check_school(store).problems)
