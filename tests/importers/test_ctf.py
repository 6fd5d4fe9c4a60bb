import json
from datetime import date

import pytest

from attendance_desk.cli import main
from attendance_desk.services.demo import build_demo_school
from attendance_desk.services.exports import export_ctf
from attendance_desk.services.figures import pupil_figures
from attendance_desk.services.imports import import_file
from attendance_desk.services.school import create_school
from tests.helpers import add_pupil, make_school, upn

TODAY = date(2026, 11, 24)
YEAR = (date(2025, 9, 1), date(2026, 7, 31))


def stats(store):
    return {
        r.pupil.upn: (r.figures, r.max_unauthorised_10_school_weeks)
        for r in pupil_figures(store, *YEAR)
    }


def test_ctf_round_trip_gives_the_same_figures_as_long_form(tmp_path):
    source = build_demo_school(tmp_path / "a.sqlite", pupils=140, today=TODAY, seed=5)
    written = export_ctf(source, tmp_path / "school.xml", 2025, YEAR[1])
    assert written.pupils > 100 and written.not_writable == 0
    # the same marks in long form, with the pupils, into a second school
    pupils_csv = tmp_path / "pupils.csv"
    marks_csv = tmp_path / "marks.csv"
    pupils = source.pupils.on_roll_between(*YEAR)
    pupils_csv.write_text(
        "upn,surname,forename,dob,year_group\n"
        + "".join(f"{p.upn},{p.surname},{p.forename},{p.dob},{p.year_group}\n" for p in pupils),
        encoding="utf-8",
    )
    lines = ["upn,date,session,code"]
    for p in pupils:
        lines += [
            f"{p.upn},{m.date},{m.session},{m.code}" for m in source.marks.for_pupil(p.id, *YEAR)
        ]
    marks_csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    via_ctf = create_school(tmp_path / "b.sqlite", "B", "222222")
    report = import_file(via_ctf, "ctf", tmp_path / "school.xml", "lead", TODAY)
    assert report.ok, report.problems[:3]
    assert report.added == written.marks
    via_csv = create_school(tmp_path / "c.sqlite", "C", "333333")
    assert import_file(via_csv, "pupils", pupils_csv, "lead", TODAY).ok
    assert import_file(via_csv, "marks", marks_csv, "lead", TODAY).ok
    assert stats(via_ctf) == stats(via_csv)
    # and both agree with the original school, pupil by pupil
    original = stats(source)
    assert {u: f for u, (f, _) in stats(via_ctf).items()} == {
        u: original[u][0] for u in stats(via_ctf)
    }
    # contacts came too: siblings share a contact, parents with PR kept
    contacts = via_ctf.contacts.for_pupils()
    assert any(c.parental_responsibility for cs in contacts.values() for c in cs)
    again = import_file(via_ctf, "ctf", tmp_path / "school.xml", "lead", TODAY)
    assert (again.added, again.changed) == (0, 0)
    for s in (source, via_ctf, via_csv):
        s.close()


def ctf(tmp_path, pupils_xml, version_tag="CTFversion", name="in.xml"):
    path = tmp_path / name
    path.write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<CTfile><Header><DocumentName>Common Transfer File</DocumentName><{version_tag}>25.0</{version_tag}>
<SourceSchool><LEA>881</LEA><Estab>2001</Estab><SchoolName>Test</SchoolName><AcademicYear>2024</AcademicYear></SourceSchool>
</Header><CTFpupilData>{pupils_xml}</CTFpupilData></CTfile>""",
        encoding="utf-8",
    )
    return path


def pupil_xml(n, marks, start="2024-09-02", totals="", sex_tag="Sex", estab="2001"):
    return f"""<Pupil><UPN>{upn(n)}</UPN><Surname>Wiśniewska</Surname><Forename>Łucja</Forename>
<DOB>2015-05-01</DOB><{sex_tag}>F</{sex_tag}><BasicDetails><NCyearActual>4</NCyearActual></BasicDetails>
<Address><BS7666Address><PAON>12</PAON><Street>Mill Lane</Street><Town>Northbridge</Town></BS7666Address><Postcode>NB1 2AB</Postcode></Address>
<Contacts><Contact><Order>1</Order><Forename>Anna</Forename><Surname>Wiśniewska</Surname><Relationship>Mother</Relationship>
<Responsibility>true</Responsibility><Address><AddressAsPupil>true</AddressAsPupil></Address>
<Phones><Phone><TelephoneType>M</TelephoneType><PhoneNo>07700 900555</PhoneNo></Phone></Phones></Contact></Contacts>
<Attendance><YearData><Year>2024</Year><LEA>881</LEA><Estab>{estab}</Estab>{totals}
<AttendSessions><AttendanceStartDate>{start}</AttendanceStartDate><AttendanceMarks>{marks}</AttendanceMarks></AttendSessions>
</YearData></Attendance></Pupil>"""


@pytest.fixture
def school(tmp_path):
    store = make_school(tmp_path, terms=(), closures=())
    yield store
    store.close()


def test_gender_or_sex_and_header_casing_and_contacts(tmp_path, school):
    path = ctf(tmp_path, pupil_xml(1, "/\\N\\", sex_tag="Gender"), version_tag="CTFVersion")
    report = import_file(school, "ctf", path, "lead", TODAY)
    assert report.ok, report.problems
    pupil = school.pupils.by_upn(upn(1))
    assert (pupil.forename, pupil.surname, pupil.sex, pupil.year_group) == (
        "Łucja",
        "Wiśniewska",
        "F",
        "4",
    )
    (mum,) = school.contacts.for_pupils()[pupil.id]
    assert (
        mum.parental_responsibility
        and mum.address == "12, Mill Lane, Northbridge"
        and mum.postcode == "NB1 2AB"
    )
    assert school.marks.get(pupil.id, date(2024, 9, 3), "AM").code == "N"


def test_weekends_included_reading_chosen_by_the_totals(tmp_path, school):
    # Fri 6 Sept: present both sessions; Sat/Sun as '##'; Mon 9 Sept: absent (I) both sessions
    totals = (
        "<SessionsPossible>4</SessionsPossible><SessionsAuthorised>2</SessionsAuthorised>"
        "<SessionsAttended>2</SessionsAttended><SessionsUnauthorised>0</SessionsUnauthorised>"
    )
    path = ctf(tmp_path, pupil_xml(1, "/\\####II", start="2024-09-06", totals=totals))
    assert import_file(school, "ctf", path, "lead", TODAY).ok
    pid = school.pupils.by_upn(upn(1)).id
    assert school.marks.get(pid, date(2024, 9, 9), "PM").code == "I"
    assert school.marks.get(pid, date(2024, 9, 7), "AM").code == "#"


def test_totals_that_do_not_agree_refuse_the_file(tmp_path, school):
    totals = "<SessionsPossible>9</SessionsPossible>"
    report = import_file(
        school, "ctf", ctf(tmp_path, pupil_xml(1, "/\\/\\", totals=totals)), "lead", TODAY
    )
    assert not report.ok and "do not agree with the file's totals" in str(report.problems[0])
    assert school.pupils.count() == 0


def test_unknown_character_named_with_pupil_and_date(tmp_path, school):
    report = import_file(school, "ctf", ctf(tmp_path, pupil_xml(1, "/\\!\\")), "lead", TODAY)
    assert not report.ok
    text = str(report.problems[0])
    assert upn(1) in text and "'!' is not an attendance code on 03/09/2024" in text
    assert school.marks.count() == 0 and school.pupils.count() == 0


def test_marks_at_another_school_are_not_imported(tmp_path, school):
    report = import_file(
        school, "ctf", ctf(tmp_path, pupil_xml(1, "/\\/\\", estab="9999")), "lead", TODAY
    )
    assert report.ok and school.marks.count() == 0
    assert any("another school" in n for n in report.notes)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("<CTfile><Header><CTFversion>25", "not well-formed XML"),
        (
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><CTfile>&b;</CTfile>',
            "refused",
        ),
        ("<Other/>", "not a Common Transfer File"),
        ("<CTfile><Header/><CTFpupilData/></CTfile>", "no pupils"),
    ],
)
def test_bad_ctf_files(tmp_path, school, content, message):
    path = tmp_path / "bad.xml"
    path.write_text(content, encoding="utf-8")
    report = import_file(school, "ctf", path, "lead", TODAY)
    assert (
        not report.ok
        and message in str(report.problems[0])
        and "bad.xml" in str(report.problems[0])
    )


def test_invalid_upn_in_ctf_is_reported(tmp_path, school):
    xml = pupil_xml(1, "/\\").replace(upn(1), "A801200005001")
    report = import_file(school, "ctf", ctf(tmp_path, xml), "lead", TODAY)
    assert (
        not report.ok
        and "Pupil 1/UPN" in str(report.problems[0])
        and "check letter" in str(report.problems[0])
    )


def test_cli_import_ctf_prints_notes(tmp_path, capsys):
    store = make_school(tmp_path, terms=(), closures=())
    add_pupil(store, 1)
    store.close()
    path = ctf(tmp_path, pupil_xml(1, "/\\"))
    assert (
        main(
            [
                "--db",
                str(tmp_path / "school.sqlite"),
                "--today",
                "2026-11-24",
                "import",
                "ctf",
                str(path),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "2 added" in out and "CTF 25.0" in out and "pupils: 0 added, 1 changed" in out
    assert (
        main(
            [
                "--db",
                str(tmp_path / "school.sqlite"),
                "--today",
                "2026-11-24",
                "stats",
                "--from",
                "2024-09-01",
                "--to",
                "2024-09-30",
                "--json",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)[0]["present"] == 2
