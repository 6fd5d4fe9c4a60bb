from datetime import date

import pytest
from openpyxl import Workbook

from attendance_desk.services.imports import import_file
from tests.helpers import add_pupil, make_school, upn

TODAY = date(2024, 11, 29)


@pytest.fixture
def store(tmp_path):
    s = make_school(tmp_path)
    add_pupil(s, 1)
    add_pupil(s, 2, admission_date=date(2024, 10, 1))
    yield s
    s.close()


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def snapshot(store):
    return [tuple(r) for r in store.query("SELECT * FROM marks ORDER BY 1, 2, 3")], [
        tuple(r) for r in store.query("SELECT * FROM mark_history")
    ]


def test_bad_rows_are_all_reported_and_nothing_is_written(tmp_path, store):
    good = f"{upn(1)},2024-09-10,AM,/\n"
    path = write(
        tmp_path,
        "marks.csv",
        "UPN,Date,Session,Code,Minutes_Late\n"
        + good
        + "\n".join(
            [
                "A801200005001,2024-09-10,AM,/",  # row 3: invalid check letter
                f"{upn(1)},2024-09-10,PM,H",  # row 4: H withdrawn in 2024
                f"{upn(1)},2024-02-30,AM,/",  # row 5: impossible date
                f"{upn(1)},2024-09-11,EVE,/",  # row 6: session
                f"{upn(1)},2024-09-10,AM,N",  # row 7: second code for one session
                f"{upn(99)},2024-09-10,AM,/",  # row 8: unknown pupil
                f"{upn(1)},2024-10-28,AM,/",  # row 9: half-term, not a school session
                f"{upn(2)},2024-09-10,AM,/",  # row 10: not yet on roll
                f"{upn(1)},2024-12-09,AM,I",  # row 11: future, illness cannot be entered ahead
                f"{upn(1)},2024-09-12,AM,L,abc",  # row 12: minutes late
            ]
        )
        + "\n",
    )
    before = snapshot(store)
    report = import_file(store, "marks", path, "office1", TODAY)
    assert not report.ok
    found = {(p.row, p.column) for p in report.problems}
    assert found == {
        (3, "upn"),
        (4, "code"),
        (5, "date"),
        (6, "session"),
        (7, "code"),
        (8, "upn"),
        (9, "date"),
        (10, "date"),
        (11, "date"),
        (12, "minutes_late"),
    }
    assert all(p.file == "marks.csv" for p in report.problems)
    text = "\n".join(str(p) for p in report.problems)
    assert "check letter" in text and "'H' is not an attendance code on 10/09/2024" in text
    assert "given code N here but / on row 2" in text
    assert snapshot(store) == before


def test_reimport_changes_nothing_and_a_new_code_is_an_amendment(tmp_path, store):
    rows = f"upn,date,session,code,minutes_late\n{upn(1)},10/09/2024,AM,N\n{upn(1)},2024-09-10,pm,\\\n{upn(1)},2024-09-11,AM,L,12\n"
    path = write(tmp_path, "week1.csv", rows)
    first = import_file(store, "marks", path, "office1", TODAY)
    assert (first.added, first.changed, first.unchanged) == (3, 0, 0)
    again = import_file(store, "marks", path, "office1", TODAY)
    assert (again.added, again.changed, again.unchanged) == (0, 0, 3)
    fixed = write(tmp_path, "week1-fixed.csv", rows.replace("AM,N", "AM,I"))
    third = import_file(store, "marks", fixed, "office1", TODAY)
    assert (third.added, third.changed) == (0, 1)
    pupil = store.pupils.by_upn(upn(1))
    (entry,) = store.marks.history(pupil.id)
    assert (entry.old_code, entry.new_code, entry.reason) == ("N", "I", "import week1-fixed.csv")
    assert store.marks.get(pupil.id, date(2024, 9, 11), "AM").minutes_late == 12


def test_dry_run_writes_nothing(tmp_path, store):
    path = write(tmp_path, "m.csv", f"upn,date,session,code\n{upn(1)},2024-09-10,AM,/\n")
    report = import_file(store, "marks", path, "office1", TODAY, dry_run=True)
    assert report.ok and report.added == 1
    assert store.marks.count() == 0


def test_old_codes_accepted_for_old_dates(tmp_path, store):
    path = write(
        tmp_path,
        "m.csv",
        f"upn,date,session,code\n{upn(1)},2024-06-03,AM,J\n{upn(1)},2024-06-03,PM,H\n",
    )
    assert import_file(store, "marks", path, "office1", TODAY).added == 2


def test_pupils_from_windows_1252_csv_and_xlsx(tmp_path, store):
    csv_text = (
        "UPN,Surname,Forename,DOB,Sex,Year_Group,Reg_Group,Admission_Date,FSM,Notes\n"
        f"{upn(3)},Wisniewska,Lucja,2015-03-02,F,4,4A,2020-09-01,yes,\n"
    )
    path = write(
        tmp_path,
        "pupils.csv",
        csv_text + f"{upn(4)},Müller,Zoë,02/03/2015,F,4,4B,,no,owes £5 trip money\n",
        encoding="cp1252",
    )
    report = import_file(store, "pupils", path, "office1", TODAY)
    assert report.ok and report.added == 2
    assert store.pupils.by_upn(upn(4)).forename == "Zoë" and store.pupils.by_upn(upn(3)).fsm
    assert store.pupils.by_upn(upn(4)).notes == "owes £5 trip money"
    wb = Workbook()
    ws = wb.active
    ws.append(["upn", "surname", "forename", "dob", "year_group", "reg_group"])
    ws.append([upn(5), "Nguyễn", "Linh", date(2015, 1, 9), 4, "4B"])
    wb.save(tmp_path / "pupils.xlsx")
    report = import_file(store, "pupils", tmp_path / "pupils.xlsx", "office1", TODAY)
    assert report.ok and store.pupils.by_upn(upn(5)).surname == "Nguyễn"
    assert store.pupils.by_upn(upn(5)).year_group == "4" and store.pupils.by_upn(
        upn(5)
    ).dob == date(2015, 1, 9)


def test_pupil_reimport_keeps_fields_the_file_does_not_have(tmp_path, store):
    path = write(tmp_path, "p.csv", f"upn,surname,forename,cp_plan\n{upn(1)},Surname1,Pupil1,yes\n")
    import_file(store, "pupils", path, "office1", TODAY)
    path = write(
        tmp_path, "p2.csv", f"upn,surname,forename,reg_group\n{upn(1)},Surname1,Pupil1,4C\n"
    )
    report = import_file(store, "pupils", path, "office1", TODAY)
    pupil = store.pupils.by_upn(upn(1))
    assert report.changed == 1 and pupil.cp_plan and pupil.reg_group == "4C"


def test_contacts_shared_by_siblings_become_one_person(tmp_path, store):
    path = write(
        tmp_path,
        "c.csv",
        "upn,name,relationship,parental_responsibility,priority,phone,email,address,postcode\n"
        f"{upn(1)},Sarah Jones,Mother,yes,1,07700 900123,s@example.com,1 Mill Lane,NB1 2AB\n"
        f"{upn(2)},Sarah  Jones,Mother,yes,1,07700900123,,,\n"
        f"{upn(2)},Paul Jones,Father,yes,2,07700 900124,,9 Elm Court,NB2 3CD\n",
    )
    report = import_file(store, "contacts", path, "office1", TODAY)
    assert report.ok and report.added == 2 and store.contacts.count() == 2
    contacts = store.contacts.for_pupils()
    p1, p2 = store.pupils.by_upn(upn(1)), store.pupils.by_upn(upn(2))
    assert contacts[p1.id][0].contact_id == contacts[p2.id][0].contact_id
    again = import_file(store, "contacts", path, "office1", TODAY)
    assert (again.added, again.changed, again.unchanged) == (0, 0, 3)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("fake.xlsx", b"upn,date\n1,2", "not a readable Excel workbook"),
        ("m.csv", b"upn,date,code\n", "missing column(s): session"),
        ("m.csv", b"upn,date,session,code\n", "no marks"),
        ("m.pdf", b"%PDF", "use a .csv or .xlsx"),
    ],
)
def test_unreadable_files_are_refused_with_the_file_named(tmp_path, store, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    report = import_file(store, "marks", path, "office1", TODAY)
    assert not report.ok and message in str(report.problems[0]) and name in str(report.problems[0])
    assert store.marks.count() == 0


def test_a_name_with_a_line_break_is_refused_naming_the_row(tmp_path):
    """Issue 13, item 4: a name with a control character (here a line break inside a quoted CSV
    cell) would print as two lines and could forge a line of the audit: refused, nothing written."""
    from attendance_desk.services.imports import import_file
    from tests.helpers import make_school, upn

    store = make_school(tmp_path)
    path = tmp_path / "pupils.csv"
    path.write_text(
        f'upn,surname,forename\n{upn(1)},"Smith\n2026-01-01 admin signed in",Ann\n',
        encoding="utf-8",
    )
    report = import_file(store, "pupils", path, "office1", date(2024, 9, 10))
    assert not report.ok and store.pupils.count() == 0
    assert any("row 2" in str(p) and "control character" in str(p) for p in report.problems), (
        report.problems
    )
    store.close()


def test_an_import_keeps_the_registers_rules_for_today_and_for_z_and_x(
    tmp_path, store, monkeypatch
):
    """The MIS import refuses what the register refuses (services/registers.py entry_refusals):
    a code other than those entered ahead for today's PM register at 09:00, before it opens
    (13:00, the school's setting); Z (prospective pupil) for a pupil on roll; X (not of compulsory
    school age) for a pupil of 8 (Education Act 1996 s.8: compulsory from the term after the fifth
    birthday). X for a pupil of 4 and the AM register, open since 08:45, are accepted."""
    from datetime import datetime

    from attendance_desk.services import registers as register_service

    today = date(2024, 11, 20)
    monkeypatch.setattr(register_service, "clock_now", lambda: datetime(2024, 11, 20, 9, 0))
    eight = add_pupil(store, 3, dob=date(2016, 5, 1))
    add_pupil(store, 4, dob=date(2020, 6, 1), admission_date=date(2024, 9, 3))
    path = write(
        tmp_path,
        "marks.csv",
        "upn,date,session,code\n"
        f"{upn(3)},2024-11-20,AM,/\n"  # row 2: the AM register has opened
        f"{upn(3)},2024-11-20,PM,/\n"  # row 3: the PM register opens at 13:00
        f"{upn(1)},2024-11-20,PM,M\n"  # row 4: M (medical appointment) may be entered ahead
        f"{upn(1)},2024-11-19,AM,Z\n"  # row 5: Z for a pupil on roll
        f"{upn(3)},2024-11-19,AM,X\n"  # row 6: X at 8 years old
        f"{upn(4)},2024-11-19,AM,X\n",  # row 7: X at 4 years old
    )
    before = snapshot(store)
    report = import_file(store, "marks", path, "office1", today)
    assert {(p.row, p.column) for p in report.problems} == {(3, "date"), (5, "code"), (6, "code")}
    said = {p.row: p.message for p in report.problems}
    assert "13:00" in said[3] and "/" in said[3]
    assert said[5].startswith("Z (prospective pupil, not on the admission register) cannot be used")
    assert f"{eight.name} is of compulsory school age" in said[6]
    assert snapshot(store) == before  # nothing written

    monkeypatch.setattr(register_service, "clock_now", lambda: datetime(2024, 11, 20, 13, 5))
    path.write_text(f"upn,date,session,code\n{upn(3)},2024-11-20,PM,/\n{upn(4)},2024-11-19,AM,X\n")
    report = import_file(store, "marks", path, "office1", today)
    assert report.ok and report.added == 2  # after 13:00 the PM register takes the mark
