"""One use case, one transaction (issue 14 item 1): each service that changes data writes the change
and its audit entry in one `store.write()`. If the audit write fails, or the process is killed
between the two, the file holds neither: no change without its entry in the audit log.

Sign-in is the one exception (services/users.sign_in): its entries go through `AuditRepo.log_soon`
so that a right password never waits on another PC's save."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path

import pytest

from attendance_desk.domain.calendar import SchoolCalendar
from attendance_desk.domain.calls import Phone
from attendance_desk.domain.people import Contact, Link
from attendance_desk.services import (
    calls,
    cme,
    leave,
    letters,
    marks,
    medical,
    meetings,
    registers,
    school,
    stages,
    users,
)
from attendance_desk.services.imports import import_file
from attendance_desk.store.audit import AuditRepo
from tests.helpers import CLOSURES, TERMS, add_pupil, make_school, put_marks, sessions, upn

CAL = SchoolCalendar(TERMS, CLOSURES)
TODAY = date(2024, 11, 20)  # a Wednesday
ABSENT = [d for d in CAL.school_days(date(2024, 10, 7), date(2024, 10, 11))]


def _school(tmp_path: Path):
    store = make_school(tmp_path)  # a file, or a database on the test server (tests/engines.py)
    store.settings.save_school(
        replace(store.settings.school(), head_teacher="Mrs J. Harwood", address="School Lane")
    )
    amy = add_pupil(store, 1, forename="Amy")
    add_pupil(store, 2, forename="Ben")
    marks_ = sessions(date(2024, 9, 3), date(2024, 11, 19), "/", calendar=CAL)
    for day in ABSENT:  # five days of unauthorised absence: over stage 1 (4 days)
        marks_[(day, "AM")] = marks_[(day, "PM")] = "O"
    marks_[(TODAY, "AM")] = "N"
    put_marks(store, amy, marks_)
    mum = store.contacts.add(
        Contact(
            None,
            "Sarah Surname",
            address="1 Mill Lane",
            postcode="NB1 2AB",
            phones=(Phone("mobile", "07700 900001"),),
        )
    )
    store.contacts.link(Link(amy.id, mum, "Mother", True, 1))
    users.add_user(store, "", "admin", "admin", "a long sentence of a password")
    users.add_user(store, "admin", "lead", "lead", "another long sentence here")
    users.add_user(store, "admin", "head", "head", "the head's long sentence here")
    return store, amy


def _at_stage1(store, amy, folder=None):
    stages.record_step(store, amy.upn, "entered", TODAY, "lead", "stage1", "weekly review")


def _issued_letter(store, amy, tmp_path):
    _at_stage1(store, amy, tmp_path)
    letters.make_letters(store, "stage1", [amy], TODAY, "lead", tmp_path / "s1.pdf")
    return store.letters.for_pupil(amy.id)[0].id


# name: (setup(store, amy, tmp_path) -> extra or None, use case(store, amy, tmp_path, extra))
USE_CASES = {
    "amend a mark": (
        None,
        lambda s, p, t, x: marks.amend_mark(s, p.upn, TODAY, "AM", "I", "mother rang: flu", "lead"),
    ),
    "log a call that recodes the mark": (
        None,
        lambda s, p, t, x: calls.log_call(
            s, [p.id], TODAY, "AM", "spoke_to_parent", "lead", reason_code="I", with_whom="mother"
        ),
    ),
    "record a late arrival": (
        None,
        lambda s, p, t, x: marks.record_late_arrival(s, p.upn, TODAY, "PM", time(13, 10), "lead"),
    ),
    "save a register": (
        None,
        lambda s, p, t, x: registers.save_register(
            s,
            "4A",
            {(p.id, TODAY, "PM"): "/"},
            {(p.id, TODAY, "AM"): ("I", s.marks.get(p.id, TODAY, "AM").version)},
            "mother rang",
            "lead",
            TODAY,
        ),
    ),
    "confirm a stage": (
        None,
        lambda s, p, t, x: stages.record_step(
            s, p.upn, "entered", TODAY, "lead", "stage1", "weekly review"
        ),
    ),
    "adjust the thresholds": (
        None,
        lambda s, p, t, x: stages.adjust_thresholds(s, p.upn, 3, "consultant's letter", "lead"),
    ),
    "change the support map": (
        _at_stage1,
        lambda s, p, t, x: stages.switch_support_map(
            s, "la_three_stage.toml", "admin", today=TODAY
        ),
    ),
    "issue letters": (
        _at_stage1,
        lambda s, p, t, x: letters.make_letters(s, "stage1", [p], TODAY, "lead", t / "out.pdf"),
    ),
    "record a letter posted": (
        _issued_letter,
        lambda s, p, t, x: letters.record_posted(s, x, TODAY, "lead", today=TODAY),
    ),
    "void a letter": (
        _issued_letter,
        lambda s, p, t, x: letters.void_letter(s, x, "sent to the wrong address", "lead", TODAY),
    ),
    "record a meeting": (
        None,
        lambda s, p, t, x: meetings.record_meeting(
            s, p.upn, "sam", TODAY, "lead", parent_attended=True, target_pct=95, today=TODAY
        ),
    ),
    "record a plan": (
        None,
        lambda s, p, t, x: meetings.record_plan(
            s,
            p.upn,
            "parenting_contract",
            "lead",
            parent_commitments="Amy at school every day",
            school_support="a morning check-in",
            starts=TODAY,
        ),
    ),
    "record a home visit": (
        None,
        lambda s, p, t, x: meetings.record_contact(
            s,
            p.upn,
            "home_visit",
            "lead",
            at=datetime(2024, 11, 20, 10, 0),
            outcome="no answer at the door",
            today=TODAY,
        ),
    ),
    "change the school's settings": (
        None,
        lambda s, p, t, x: school.save_settings(
            s, replace(s.settings.school(), phone="01632 960000"), "admin"
        ),
    ),
    "add a closure": (
        None,
        lambda s, p, t, x: school.add_closure(
            s, date(2024, 12, 2), ("AM", "PM"), "closure", "heating failure", "admin"
        ),
    ),
    "add a term": (
        None,
        lambda s, p, t, x: school.add_term(
            s, "Spring 2 2025", date(2025, 2, 24), date(2025, 4, 4), "admin"
        ),
    ),
    "remove a closure": (
        None,
        lambda s, p, t, x: school.remove_closure(s, CLOSURES[0].day, "admin"),
    ),
    "add a user": (
        None,
        lambda s, p, t, x: users.add_user(s, "admin", "office", "office", "a sentence for office"),
    ),
    "change a user": (
        None,
        lambda s, p, t, x: users.change_user(s, "admin", "lead", password="a new long sentence"),
    ),
    "record a leave request": (
        None,
        lambda s, p, t, x: leave.record_request(
            s,
            [p.upn],
            date(2024, 12, 2),
            date(2024, 12, 6),
            "a family wedding abroad",
            "Sarah Surname (mother)",
            TODAY,
            "lead",
            today=TODAY,
        ),
    ),
    "record medical evidence": (
        None,
        lambda s, p, t, x: medical.record_evidence(
            s,
            p.upn,
            what="appointment card",
            from_whom="Hill Surgery",
            dated=date(2024, 11, 18),
            covers_from=date(2024, 11, 18),
            covers_to=date(2024, 11, 19),
            by="lead",
            received_on=TODAY,
            today=TODAY,
        ),
    ),
    "refer a child missing education": (
        None,
        lambda s, p, t, x: cme.refer(
            s, p.upn, TODAY, "lead", early_reason="not seen and not answering", today=TODAY
        ),
    ),
    "import pupils": (
        lambda s, p, t: _pupils_csv(t),
        lambda s, p, t, x: import_file(s, "pupils", x, "admin", TODAY),
    ),
}


def _pupils_csv(folder: Path) -> Path:
    path = folder / "pupils.csv"
    path.write_text(
        f"upn,surname,forename,reg_group\n{upn(3)},New,Nia,4A\n",
        encoding="utf-8",
    )
    return path


def snapshot(store) -> dict[str, list[tuple]]:
    """Every row of every table: what a change would have to leave behind."""
    tables = [
        r[0]
        for r in store.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            if store.engine.name == "sqlite"
            else "SELECT table_name FROM information_schema.tables WHERE table_schema = "
            "current_schema() AND table_type = 'BASE TABLE'"
        )
    ]
    return {
        t: sorted((tuple(r) for r in store.query(f'SELECT * FROM "{t}"')), key=repr) for t in tables
    }


class AuditFailed(Exception):
    pass


@pytest.mark.parametrize("name", sorted(USE_CASES))
def test_a_failed_audit_entry_leaves_neither_the_change_nor_the_entry(
    tmp_path, monkeypatch, name, school_engine
):
    setup, use_case = USE_CASES[name]
    store, amy = _school(tmp_path)
    assert store.engine.name == school_engine
    try:
        extra = setup(store, amy, tmp_path) if setup else None
        files = set(tmp_path.iterdir())
        before = snapshot(store)

        def fail(self, *args, **kwargs):
            raise AuditFailed("the audit log could not be written")

        monkeypatch.setattr(AuditRepo, "log", fail)
        with pytest.raises(AuditFailed):
            use_case(store, amy, tmp_path, extra)
        monkeypatch.undo()
        assert snapshot(store) == before, f"{name}: a change was kept without its audit entry"
        assert set(tmp_path.iterdir()) == files  # no letter file left without its log entry
        use_case(store, amy, tmp_path, extra)  # and with the audit working, it is done and audited
        after = snapshot(store)
        assert after != before
        assert len(after["audit"]) > len(before["audit"])
    finally:
        store.close()


KILLED = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import date
    import attendance_desk.store.audit as audit
    from attendance_desk.services.school import open_school
    from attendance_desk.services import calls, marks, stages

    def die(*args, **kwargs):  # the change is written; the process dies before its audit entry
        os.kill(os.getpid(), signal.SIGKILL)

    audit.append_audit = die
    if sys.argv[1].startswith("host="):  # the school's database on the test server
        from pathlib import Path
        from attendance_desk.store.db import Store
        from attendance_desk.store.postgres_engine import PostgresEngine

        store = Store(Path("postgresql://test-server"), PostgresEngine.connect(sys.argv[1]))
    else:
        store = open_school(sys.argv[1])
    upn, pupil_id, kind = sys.argv[2], int(sys.argv[3]), sys.argv[4]
    day = date(2024, 11, 20)
    if kind == "amend":
        marks.amend_mark(store, upn, day, "AM", "I", "mother rang: flu", "lead")
    elif kind == "call":
        calls.log_call(store, [pupil_id], day, "AM", "spoke_to_parent", "lead", reason_code="I")
    elif kind == "stage":
        stages.record_step(store, upn, "entered", day, "lead", "stage1", "weekly review")
    print("not killed")
    """
)


def _where(store) -> str:
    """What a second process opens: the school file, or the server database's address."""
    if store.engine.name == "sqlite":
        return str(store.path)
    info = store.engine.conn.info
    return f"host={info.host} dbname={info.dbname} user={info.user}"


@pytest.mark.parametrize("kind", ["amend", "call", "stage"])
def test_a_process_killed_before_its_audit_entry_leaves_neither(tmp_path, kind):
    """On a server, the killed process's connection drops and the server rolls its transaction
    back; on the file, the journal does."""
    store, amy = _school(tmp_path)
    before = snapshot(store)
    where = _where(store)
    if store.engine.name == "sqlite":
        store.close()
    done = subprocess.run(
        [sys.executable, "-c", KILLED, where, amy.upn, str(amy.id), kind],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == -9, done.stdout + done.stderr
    reopened = (
        school.open_school(tmp_path / "school.sqlite") if store.engine.name == "sqlite" else store
    )
    try:
        assert snapshot(reopened) == before
        assert reopened.marks.get(amy.id, TODAY, "AM").code == "N"
    finally:
        reopened.close()
