"""CTF mark strings: which dates the characters stand for, and which codes an export can carry.

Sources: a CTF carries each academic year of marks as one string, one character per session from
`AttendanceStartDate`, beside the year's Sessions* totals (DfE, Common transfer file 24
specification; Follett Aspen's UK CTF exporter); whether weekends are in the string is not settled,
and Aspen writes '#' for days not in session; two-character 2024 codes have no agreed
one-character form (MIS vendors map them to one-character "export marks"; SIMS "coerces" them);
the 2024 code set (C1, C2, J1, Q, Y1-Y7 new; H, J, Y withdrawn) applies from 19/08/2024 and the
older set before (School Attendance (Pupil Registration) (England) Regulations 2024, reg. 10).
See docs/rules.md."""

import json
from collections import Counter
from datetime import date, timedelta
from xml.etree.ElementTree import parse

import pytest

from attendance_desk.cli import main
from attendance_desk.importers.ctf import (
    CTF_STAND_INS,
    choose_reading,
    ctf_character,
    read_character,
)
from attendance_desk.services.exports import export_ctf
from attendance_desk.services.imports import import_file
from attendance_desk.services.school import create_school
from attendance_desk.store.db import open_store
from attendance_desk.store.resources import default_code_table
from tests.helpers import add_pupil, make_school, put_marks, upn
from tests.importers.test_ctf import ctf

TODAY = "2026-11-24"
CODES = default_code_table()


def every_day_string(start: date, end: date, special: dict[date, str]) -> str:
    """An every-day string as some MIS write it: '##' on Saturdays and Sundays, `special` codes
    (two characters: AM, PM) on their days, present otherwise."""
    chars, day = [], start
    while day <= end:
        chars.append("##" if day.weekday() >= 5 else special.get(day, "/\\"))
        day += timedelta(days=1)
    return "".join(chars)


def totals_xml(possible, authorised, attended, unauthorised):
    return (
        f"<SessionsPossible>{possible}</SessionsPossible><SessionsAuthorised>{authorised}</SessionsAuthorised>"
        f"<SessionsAttended>{attended}</SessionsAttended><SessionsUnauthorised>{unauthorised}</SessionsUnauthorised>"
    )


def year_pupil(n, marks, start, totals, year="2023"):
    return f"""<Pupil><UPN>{upn(n)}</UPN><Surname>Okafor</Surname><Forename>Chidi</Forename><DOB>2014-03-02</DOB>
<Sex>M</Sex><BasicDetails><NCyearActual>5</NCyearActual></BasicDetails>
<Attendance><YearData><Year>{year}</Year><LEA>881</LEA><Estab>2001</Estab>{totals}
<AttendSessions><AttendanceStartDate>{start}</AttendanceStartDate><AttendanceMarks>{marks}</AttendanceMarks></AttendSessions>
</YearData></Attendance></Pupil>"""


# 2023/24, Monday 4 September 2023 to Friday 19 July 2024, weekends as '##'. Read as weekdays only,
# these 640 characters would run to November 2024, past the 2024 code change, where H and J are no
# longer codes.
START, END = date(2023, 9, 4), date(2024, 7, 19)
SPECIAL = {
    date(2023, 10, 2): "NI",
    date(2023, 11, 6): "MM",
    date(2024, 3, 4): "LG",
    date(2024, 7, 15): "HH",
    date(2024, 7, 16): "HH",
    date(2024, 7, 17): "HH",
    date(2024, 7, 18): "J/",
}
WEEKENDS_STRING = every_day_string(START, END, SPECIAL)
COUNT = Counter(WEEKENDS_STRING)
# the file's own totals: J was approved educational activity (counts as attended) before 19/08/2024
POSSIBLE = len(WEEKENDS_STRING) - COUNT["#"]
AUTHORISED = COUNT["I"] + COUNT["M"] + COUNT["H"]
UNAUTHORISED = COUNT["N"] + COUNT["G"]
ATTENDED = COUNT["/"] + COUNT["\\"] + COUNT["L"] + COUNT["J"]


@pytest.fixture
def db(tmp_path):
    make_school(tmp_path, terms=(), closures=()).close()
    return tmp_path / "school.sqlite"


def run(capsys, db, *args):
    code = main(["--db", str(db), "--today", TODAY, *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_weekends_included_year_before_the_code_change_is_read_every_day(tmp_path, db, capsys):
    """A string that includes weekends ('#' on Saturdays and Sundays) for 2023/24 is read with every
    day counted, because that reading, and only that one, gives the file's own Sessions* totals
    [CTF24][ASPEN]. Read as weekdays only it would put H and J on dates after 19/08/2024, where they
    are no longer codes [REG10][SBS]: that is a fault of the wrong reading, not of the file, so the
    file is accepted, each code categorised by the code set in force on its own date."""
    assert len(WEEKENDS_STRING) == 640 and POSSIBLE == 460
    path = ctf(
        tmp_path,
        year_pupil(
            1, WEEKENDS_STRING, START, totals_xml(POSSIBLE, AUTHORISED, ATTENDED, UNAUTHORISED)
        ),
    )
    code, out, err = run(capsys, db, "import", "ctf", path)
    assert code == 0, err
    assert f"{len(WEEKENDS_STRING)} added" in out
    assert (
        "marks read as every day (weekends included) for 1 year(s) of marks: only this reading agrees"
        in out
    )
    assert upn(1) in out and "not an attendance code" not in out + err

    code, out, err = run(
        capsys, db, "stats", "--from", "2023-09-01", "--to", "2024-08-31", "--json"
    )
    assert code == 0, err
    (row,) = json.loads(out)
    assert (row["possible"], row["authorised"], row["unauthorised"]) == (
        POSSIBLE,
        AUTHORISED,
        UNAUTHORISED,
    )
    assert (
        row["present"] + row["aea"] == ATTENDED and row["aea"] == 1
    )  # J: approved activity before 19/08/2024

    store = open_store(db)
    try:
        pid = store.pupils.by_upn(upn(1)).id
        assert store.marks.get(pid, date(2024, 7, 15), "PM").code == "H"
        assert store.marks.get(pid, date(2024, 7, 18), "AM").code == "J"
        assert store.marks.get(pid, date(2023, 9, 9), "AM").code == "#"  # a Saturday
        assert store.marks.get(pid, date(2024, 3, 4), "PM").code == "G"
    finally:
        store.close()


def test_cli_totals_that_fit_neither_reading_refuse_the_file_naming_pupil_year_and_totals(
    tmp_path, db, capsys
):
    """When neither reading gives the file's totals the marks cannot be placed on dates with any
    confidence, so the file is refused and nothing is written; the message names the file, the
    pupil's UPN, the year and, for each reading, which totals disagree (DOMAIN.md section 9:
    cross-check with the Sessions* totals, never guess) [CTF24]."""
    wrong = totals_xml(POSSIBLE + 1, AUTHORISED, ATTENDED, UNAUTHORISED)
    path = ctf(tmp_path, year_pupil(1, WEEKENDS_STRING, START, wrong), name="wrong.xml")
    code, out, err = run(capsys, db, "import", "ctf", path)
    assert code == 1 and "nothing was imported" in err
    assert f"wrong.xml, column 'Pupil 1 ({upn(1)})/Attendance/YearData 2023'" in err
    assert "do not agree with the file's totals" in err
    assert f"weekdays only: SessionsPossible {POSSIBLE + 1} in the file, " in err
    assert (
        f"every day (weekends included): SessionsPossible {POSSIBLE + 1} in the file, {POSSIBLE} from the marks"
        in err
    )
    assert "first 'H' on" in err  # what else is wrong with the weekday reading
    assert "Traceback" not in err
    store = open_store(db)
    try:
        assert (store.pupils.count(), store.marks.count(), store.contacts.count()) == (0, 0, 0)
    finally:
        store.close()


def test_when_both_readings_give_the_totals_the_one_with_no_invalid_codes_is_taken():
    """Codes outside possible sessions (Y before 19/08/2024) leave the totals the same under either
    reading, so the totals cannot decide; then the reading under which every character is a code on
    its own date is taken, and the report says why [REG10][SBS][CTF24]."""
    marks = every_day_string(START, END, {date(2024, 7, 17): "YY"})
    count = Counter(marks)
    stated = {
        "SessionsPossible": len(marks) - count["#"] - count["Y"],
        "SessionsAuthorised": 0,
        "SessionsAttended": count["/"] + count["\\"],
        "SessionsUnauthorised": 0,
    }
    choice = choose_reading(START, marks, stated, CODES)
    weekdays, every_day = choice.readings
    assert (
        weekdays.fits()
        and every_day.fits()
        and len(weekdays.invalid) == 2
        and not every_day.invalid
    )
    assert choice.reading is every_day
    assert choice.why == (
        "both readings agree with the file's totals; "
        "the other reading meets characters that are not codes on their dates"
    )


def test_a_total_that_is_not_a_number_is_reported(tmp_path, db, capsys):
    """Bad input is named (file, pupil, year, element) and nothing is written."""
    totals = "<SessionsPossible>4O</SessionsPossible>"
    path = ctf(
        tmp_path, year_pupil(1, "/\\/\\", "2024-09-02", totals, year="2024"), name="typo.xml"
    )
    code, _, err = run(capsys, db, "import", "ctf", path)
    assert code == 1
    assert f"Pupil 1 ({upn(1)})/Attendance/YearData 2024/SessionsPossible" in err
    assert "SessionsPossible '4O' is not a whole number of sessions" in err


def test_both_readings_fit_and_the_choice_is_explained():
    """With no totals to decide, a string whose Saturdays and Sundays are all '#' is read every day,
    and the report says so and why [ASPEN]; a string with marks where the weekends would be is read
    as weekdays only."""
    weekends = every_day_string(date(2024, 9, 2), date(2024, 9, 22), {})
    choice = choose_reading(date(2024, 9, 2), weekends, {}, CODES)
    assert choice.reading.name == "every day (weekends included)"
    assert choice.why == (
        "the file states no totals; each fits equally and every Saturday and Sunday "
        "in the string is a closure (#)"
    )
    weekdays = "/\\" * 15
    choice = choose_reading(date(2024, 9, 2), weekdays, {}, CODES)
    assert choice.reading.name == "weekdays only"
    assert (
        choice.why
        == "the file states no totals; the other reading puts marks on Saturdays and Sundays"
    )


def test_the_reading_that_runs_past_the_academic_year_loses_a_tie():
    """A YearData holds one academic year (1 September - 31 August): when both readings fit, the
    one that would put marks after 31 August is the less likely [CTF24]."""
    marks = every_day_string(date(2024, 9, 2), date(2025, 7, 18), {})
    # blank the weekends so the weekend rule cannot decide
    marks = "".join("-" if c == "#" else c for c in marks)
    choice = choose_reading(date(2024, 9, 2), marks, {}, CODES)
    assert choice.reading.name == "every day (weekends included)"
    assert "runs past 31 August" in choice.why


def test_stand_ins_are_one_to_one_and_inverse_on_every_date_of_each_code_set():
    """Each two-character code of each code set has exactly one stand-in character that is not a
    code itself on that code set's dates, and reading it back gives the code; one-character codes
    travel as themselves [REG10][BROM][SIMS8]."""
    assert len(set(CTF_STAND_INS.values())) == len(CTF_STAND_INS)
    for code_set in CODES.sets:
        day = max(code_set.valid_from, date(2020, 1, 6))
        for code in code_set.codes:
            char = ctf_character(code, day, CODES)
            assert char is not None and len(char) == 1, (code_set.key, code)
            assert read_character(char, day, CODES) == code


def test_a_digit_before_the_code_change_is_not_guessed(tmp_path):
    """Stand-ins are read only where their code is in force: on a 2023 date a digit (once used by
    some MIS for COVID-19 codes [BROMCOV]) is reported with the pupil and date, never read as Y1."""
    store = make_school(tmp_path, terms=(), closures=())
    path = ctf(tmp_path, year_pupil(1, "/1", "2023-09-04", ""), name="digit.xml")
    report = import_file(store, "ctf", path, "lead", date(2026, 11, 24))
    assert not report.ok
    assert any(
        "'1' is not an attendance code on 04/09/2023" in str(p) and upn(1) in str(p)
        for p in report.problems
    )
    assert store.marks.count() == 0
    store.close()


# Every 2024 code, Monday 2 September 2024 onwards, one code per session (weekdays).
CODES_2024 = [
    "/",
    "\\",
    "L",
    "K",
    "V",
    "P",
    "W",
    "B",
    "D",
    "C1",
    "M",
    "J1",
    "S",
    "X",
    "C2",
    "C",
    "T",
    "R",
    "I",
    "E",
    "Q",
    "Y1",
    "Y2",
    "Y3",
    "Y4",
    "Y5",
    "Y6",
    "Y7",
    "G",
    "N",
    "O",
    "U",
    "Z",
    "#",
]


def weekday_sessions_from(start: date, count: int):
    day, out = start, []
    while len(out) < count:
        if day.weekday() < 5:
            out += [(day, "AM"), (day, "PM")]
        day += timedelta(days=1)
    return out[:count]


def test_export_then_import_gives_back_every_code(tmp_path):
    """Round trip: every code of the 2024 set, including C1, C2, J1, Q and Y1-Y7, exported to a CTF
    and imported into another school file comes back on the same date and session with the same
    code (and the totals written beside the string agree with the codes read back, which the import
    checks); in 2023/24 the older codes (H, F, J, Y) come back too, and a 2024
    code on 19-31 August 2024 (same academic year, new code set) also [REG10][SBS]. The two-character
    codes travel as the stand-ins of CTF_STAND_INS, since the string has one character a session."""
    source = make_school(tmp_path, terms=(), closures=())
    pupil = add_pupil(source, 1, admission_date=date(2023, 9, 1))
    sessions = weekday_sessions_from(date(2024, 9, 2), len(CODES_2024) * 2)
    wanted = {s: CODES_2024[i % len(CODES_2024)] for i, s in enumerate(sessions)}
    old = dict(
        zip(
            weekday_sessions_from(date(2024, 6, 3), 8),
            ["H", "F", "J", "Y", "/", "\\", "C", "N"],
            strict=True,
        )
    )
    old[(date(2024, 8, 20), "AM")] = "Y1"  # 2023/24 academic year, 2024 code set
    old[(date(2024, 8, 21), "PM")] = "J1"
    put_marks(source, pupil, wanted | old)
    assert set(CTF_STAND_INS) <= set(wanted.values())

    target = create_school(tmp_path / "b.sqlite", "B", "222222")
    for year, marks in ((2024, wanted), (2023, old)):
        path = tmp_path / f"{year}.xml"
        written = export_ctf(source, path, year, date(2025, 7, 31))
        assert written.warnings == [] and written.marks == len(marks)
        report = import_file(target, "ctf", path, "lead", date(2026, 11, 24))
        assert report.ok, report.problems[:3]
        assert report.added == len(marks)
        back = target.pupils.by_upn(upn(1))
        got = {
            (m.date, m.session): m.code
            for m in target.marks.for_pupil(back.id, date(2023, 9, 1), date(2025, 8, 31))
        }
        assert {k: v for k, v in got.items() if k in marks} == marks
        assert any(n.startswith("marks read as weekdays only for 1 year(s)") for n in report.notes)
        assert any(
            n.startswith("one-character stand-ins read as two-character codes: ")
            for n in report.notes
        )
    string = parse(tmp_path / "2024.xml").getroot().find(".//AttendanceMarks").text
    assert "8" in string and "9" in string and "0" in string and "7" in string  # C1, C2, J1, Y7
    source.close()
    target.close()


def test_cli_export_reports_what_the_ctf_cannot_carry(tmp_path, db, capsys):
    """A mark the string cannot carry is named (pupil, date, session, code, why) and written as no
    mark, never silently: a code on a date whose code set does not have it (an H after the 2024
    change, left from an old import) and a mark on a Saturday, since the exported string carries
    weekdays only [REG10][CTF24]. The rest of the file is still written and reads back."""
    store = open_store(db)
    pupil = add_pupil(store, 1, forename="Amira", surname="Haddad", admission_date=date(2024, 9, 2))
    put_marks(
        store,
        pupil,
        {
            (date(2024, 9, 2), "AM"): "/",
            (date(2024, 9, 2), "PM"): "Y1",
            (date(2024, 9, 3), "AM"): "H",
            (date(2024, 9, 7), "AM"): "/",
            (date(2024, 9, 8), "AM"): "#",
        },
    )
    store.close()
    out_file = tmp_path / "out.xml"
    code, out, err = run(
        capsys, db, "export", "ctf", out_file, "--from", "2024-09-01", "--to", "2024-09-13"
    )
    assert code == 0, err
    assert (
        "2 marks" in out
    )  # '/' and 'Y1'; the Sunday closure is left out by design, without a warning
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2, err
    assert warnings[0].startswith(
        f"warning: Amira Haddad ({upn(1)}) 03/09/2024 AM H: not an attendance code on 03/09/2024"
    )
    assert warnings[1].startswith(
        f"warning: Amira Haddad ({upn(1)}) 07/09/2024 AM /: a mark on a Saturday or Sunday"
    )
    string = parse(out_file).getroot().find(".//AttendanceMarks").text
    assert string.startswith("/1-")


def test_export_warns_when_its_string_would_be_read_back_with_weekends(tmp_path):
    """The export reads each string back as the import would: a weekday string whose sessions that
    an every-day reading would put on Saturdays and Sundays all happen to be closures (#) is read
    every day, moving the marks after them; that is reported, naming the first mark that would
    move, rather than left to be found after the import [CTF24][ASPEN]."""
    store = make_school(tmp_path, terms=(), closures=())
    pupil = add_pupil(store, 1, forename="Tom", surname="Reed", admission_date=date(2024, 9, 2))
    days = [
        date(2024, 9, 2) + timedelta(days=i)
        for i in range(12)
        if (date(2024, 9, 2) + timedelta(days=i)).weekday() < 5
    ]
    marks = {
        (d, s): "#" if d in (date(2024, 9, 9), date(2024, 9, 10)) else "/" if s == "AM" else "\\"
        for d in days
        for s in ("AM", "PM")
    }
    put_marks(store, pupil, marks)
    written = export_ctf(store, tmp_path / "out.xml", 2024, date(2024, 9, 13))
    assert len(written.warnings) == 1
    assert written.warnings[0].startswith(
        f"Tom Reed ({upn(1)}) 09/09/2024 AM #: the mark string would be read back "
        "as every day (weekends included)"
    )
    store.close()
