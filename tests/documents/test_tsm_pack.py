"""The targeted support meeting pack on a real school file: whole-word headings, the school's rates on
page 1, pupils at risk and on part-time timetables with the reason they are listed, the lead
professional as a person, unauthorised sessions, actions agreed, the workbook, permission and audit."""

import re
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from attendance_desk.cli import main
from attendance_desk.documents import tsm as doc
from attendance_desk.documents.layout import BOLD, register_fonts
from attendance_desk.domain.calendar import SchoolCalendar
from attendance_desk.domain.figures import one_decimal
from attendance_desk.exporters import tsm as xlsx
from attendance_desk.presentation import percent
from attendance_desk.services.meetings import record_contact, record_meeting, record_plan
from attendance_desk.services.school import ServiceError
from attendance_desk.services.tsm import make_tsm_pack
from attendance_desk.services.users import add_user
from tests.helpers import CLOSURES, TERMS, add_pupil, put_marks, sessions

CAL = SchoolCalendar(TERMS, CLOSURES)
TODAY = date(2024, 11, 20)
# The pack is made the next morning: 20/11's registers have closed, so Łucja's two empty sessions
# that day are missing marks (on the day itself they are still open: services.figures.due_on).
PACK_DAY = date(2024, 11, 21)
LATE = "typed up from the paper notes"
FIRST = date(2024, 9, 3)  # 2 September is an INSET day
PASSWORD = "correct horse battery"


def page_texts(path) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(path).pages]


def marks(changes: dict | None = None, until: date = TODAY, code: str = "/"):
    """Present at every school session from 03/09 to `until`, with the given sessions changed."""
    result = sessions(FIRST, until, code, calendar=CAL)
    result.update(changes or {})
    return result


@pytest.fixture
def school(store):  # noqa: F811
    """Łucja (the shared fixture: 11 absences in 102 marked sessions, none on 20/11) and six more."""
    p = {"lucja": store.pupils.all()[0]}
    p["aisha"] = add_pupil(
        store, 2, forename="Aisha", surname="Khan", reg_group="4B", social_worker="Kofi Asante"
    )
    p["ben"] = add_pupil(store, 3, forename="Ben", surname="Carter")
    p["chloe"] = add_pupil(store, 4, forename="Chloe", surname="Davies")
    p["dev"] = add_pupil(store, 5, forename="Dev", surname="Patel")
    p["ella"] = add_pupil(
        store, 6, forename="Ella", surname="Jones", leaving_date=date(2024, 10, 31)
    )
    p["finn"] = add_pupil(store, 7, forename="Finn", surname="Wright", year_group="R")
    # at risk by the 5-10 % band only: 3 N, 1 U (late after the register closed) and 2 I: 6 of 104, 3 days
    put_marks(
        store,
        p["aisha"],
        marks(
            {
                (date(2024, 9, 10), "AM"): "N",
                (date(2024, 9, 11), "AM"): "N",
                (date(2024, 9, 12), "AM"): "N",
                (date(2024, 9, 17), "AM"): "U",
                (date(2024, 9, 24), "AM"): "I",
                (date(2024, 9, 24), "PM"): "I",
            }
        ),
    )
    # a part-time timetable: four Friday afternoons C2, 3.8 % absence: listed for the timetable alone
    put_marks(store, p["ben"], marks({(date(2024, 9, d), "PM"): "C2" for d in (6, 13, 20, 27)}))
    put_marks(store, p["chloe"], marks())
    # 8 sessions ill (4 days): the support map's first threshold, and 7.7 % absence
    put_marks(
        store,
        p["dev"],
        marks(
            {
                (day, s): "I"
                for day in CAL.school_days(date(2024, 10, 1), date(2024, 10, 4))
                for s in ("AM", "PM")
            }
        ),
    )
    # left on 31/10, persistently absent while on roll: counted in the school's rate, not listed
    put_marks(
        store,
        p["ella"],
        marks(
            {
                (day, s): "O"
                for day in CAL.school_days(FIRST, date(2024, 9, 13))
                for s in ("AM", "PM")
            },
            until=date(2024, 10, 25),
        ),
    )
    # not of compulsory school age: no possible sessions, left out of the rates
    put_marks(store, p["finn"], marks(code="X"))
    add_user(store, "", "root", "admin", PASSWORD)
    add_user(store, "root", "tokonjo", "lead", PASSWORD)
    add_user(store, "root", "desk", "office", PASSWORD)
    return store, p


def test_the_pack_lists_who_and_why_with_the_school_rates_on_page_one(tmp_path, school):
    db, p = school
    lucja = p["lucja"]
    record_meeting(
        db,
        lucja.upn,
        "sam",
        date(2024, 9, 13),
        "root",
        barriers="transport",
        target_pct=95,
        actions_school="first actions: phone home",
        today=TODAY,
        late_reason=LATE,
    )
    record_meeting(
        db,
        lucja.upn,
        "planning",
        date(2024, 11, 1),
        "root",
        barriers="anxiety about the bus",
        actions_parent="walk to school together",
        actions_school="bus pass application",
        actions_others="EWO home visit",
        today=TODAY,
        late_reason=LATE,
    )
    record_plan(
        db,
        lucja.upn,
        "improvement_plan",
        "root",
        parent_commitments="arrive by 8:45",
        school_support="breakfast club place",
        starts=date(2024, 11, 4),
        review_weeks=4,
        weeks=8,
    )
    record_contact(
        db,
        lucja.upn,
        "early_help",
        "root",
        at=datetime(2024, 10, 3, 10, 0).astimezone(),
        outcome="School nurse referral",
        contact_made=True,
        today=TODAY,
        late_reason=LATE,
    )

    out = tmp_path / "tsm.pdf"
    assert make_tsm_pack(db, PACK_DAY, out, tmp_path / "tsm.xlsx", by="tokonjo") == 4
    pages = page_texts(out)
    text = " ".join(pages)

    # page 1: the period and the school's rates, counted by hand. Persistent: Łucja (11 of 102) and
    # Ella (18 of 78 while on roll) of the six pupils with possible sessions; Finn (all X) left out.
    first = pages[0]
    assert "Period 01/09/2024 to 21/11/2024" in first
    assert (
        f"School persistent absence rate {percent(one_decimal(2, 6))} (2 of 6 pupils with possible sessions; "
        "1 on roll with no possible sessions left out" in first
    )
    possible = 102 + 104 * 4 + 78
    attended = (102 - 11) + (104 - 6) + (104 - 4) + 104 + (104 - 8) + (78 - 18)
    assert (
        percent(one_decimal(attended, possible)) == "92.1%" and "School attendance 92.1%" in first
    )
    assert (
        "Pupils listed 4: 1 persistently absent, 2 at risk, 1 on a part-time timetable only"
        in first
    )
    assert (
        "At risk: not persistently absent, but absence of 5% or more and under 10%" in first
    )  # the rule, stated

    # headings whole: the header row reads back word for word (a heading broken mid-word would read
    # "Attendan ce"), and only whole words appear in it
    assert " ".join(doc.HEADERS) in first

    # who is listed, in which section, and why
    sections = re.split(
        r"(Persistently absent \(absence of 10% or more\) \(\d+\)|At risk of persistent absence "
        r"\(\d+\)|On a part-time timetable \(\d+\))",
        text,
    )
    by_heading = {sections[i]: sections[i + 1] for i in range(1, len(sections) - 1, 2)}
    assert list(by_heading) == [
        "Persistently absent (absence of 10% or more) (1)",
        "At risk of persistent absence (2)",
        "On a part-time timetable (1)",
    ]
    persistent, at_risk, part_time = by_heading.values()
    assert (
        "Łucja Wiśniewska" in persistent
        and f"Persistent absence: {percent(one_decimal(11, 102))}" in persistent
    )
    assert (
        f"Aisha Khan {p['aisha'].upn} 4B Absence {percent(one_decimal(6, 104))}: 5% to under 10%"
        in at_risk
    )
    assert (
        "Dev Patel" in at_risk
        and "Threshold crossed for Stage 1: letter of concern (4 days absent)" in at_risk
    )
    assert f"Ben Carter {p['ben'].upn} 4A Part-time timetable: 4 sessions coded C2" in part_time
    for absent in ("Chloe Davies", "Ella Jones", "Finn Wright"):
        assert absent not in text, absent

    # the unauthorised column: Aisha's 3 N and 1 U, counted by hand, after her attendance
    hand_count = sum(code in ("G", "N", "O", "U") for code in ("N", "N", "N", "U", "I", "I"))
    assert f"{percent(one_decimal(98, 104))} {hand_count} no stage" in at_risk
    assert (
        f"{percent(one_decimal(91, 102))} Incomplete: 2 sessions with no mark 1 " in persistent
    )  # O on 01/10

    # the lead professional is a person: the social worker, else the attendance lead; never a login
    assert "Kofi Asante, social worker" in at_risk and "Mr T. Okonjo, attendance lead" in persistent
    assert not re.search(r"\b(root|tokonjo)\b", text)

    # actions agreed: the latest meeting with actions and the plan running now, not the first meeting's
    assert (
        "Attendance improvement plan from 04/11/2024 (review 02/12/2024) Parent: arrive by 8:45 "
        "School: breakfast club place" in persistent
    )
    assert (
        "Attendance planning meeting, 01/11/2024 Parent: walk to school together School: bus pass application "
        "Others: EWO home visit" in persistent
    )
    assert "first actions" not in text
    assert (
        "anxiety about the bus; transport" in persistent
        and "03/10/2024: School nurse referral" in persistent
    )

    audit = [e for e in db.audit.entries() if e.action == "targeted support meeting pack made"]
    assert (
        len(audit) == 1
        and audit[0].user == "tokonjo"
        and "1 persistently absent, 2 at risk" in audit[0].detail
    )


def test_the_workbook_has_the_same_columns_and_keeps_formula_text_as_text(tmp_path, school):
    db, p = school
    record_meeting(
        db,
        p["aisha"].upn,
        "sam",
        date(2024, 11, 15),
        "root",
        barriers='=HYPERLINK("http://x")',
        actions_school="+44 call home daily",
        target_pct=96,
        today=TODAY,
    )
    make_tsm_pack(db, PACK_DAY, tmp_path / "tsm.pdf", tmp_path / "tsm.xlsx", by="tokonjo")
    wb = load_workbook(tmp_path / "tsm.xlsx")
    sheet = wb["Targeted support"]
    assert [c.value for c in sheet[2]] == list(xlsx.XLSX_HEADERS)
    for heading in doc.HEADERS[1:]:  # every PDF column (the pupil split into UPN and name)
        assert heading in xlsx.XLSX_HEADERS
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=3)}
    assert list(rows) == [
        p[k].upn for k in ("lucja", "dev", "aisha", "ben")
    ]  # lowest attendance first
    aisha = {h: c for h, c in zip(xlsx.XLSX_HEADERS, rows[p["aisha"].upn], strict=True)}
    assert (
        aisha["Attendance"].value == pytest.approx(0.942)
        and aisha["Attendance"].number_format == "0.0%"
    )
    assert (
        aisha["Unauthorised sessions"].value == 4
        and aisha["Lead professional"].value == "Kofi Asante, social worker"
    )
    assert aisha["Why listed"].value == "Absence 5.8%: 5% to under 10%"
    assert (
        aisha["Barriers"].value == '=HYPERLINK("http://x")' and aisha["Barriers"].data_type == "s"
    )
    assert aisha["Actions agreed"].value.startswith(
        "School Attendance Meeting, 15/11/2024\nSchool: +44 call home"
    )
    lucja = {h: c.value for h, c in zip(xlsx.XLSX_HEADERS, rows[p["lucja"].upn], strict=True)}
    assert lucja["Sessions with no mark"] == 2 and lucja["Unauthorised sessions"] == 1
    figures = {
        r[0].value: r[1].value for r in wb["School figures"].iter_rows(min_row=2) if r[0].value
    }
    assert figures["School persistent absence rate"].startswith("33.3% (2 of 6 pupils")
    assert figures["Period"].startswith("01/09/2024 to 21/11/2024")


def test_office_staff_may_not_make_the_pack(tmp_path, school):
    db, _ = school
    with pytest.raises(ServiceError, match="cannot make letters"):
        make_tsm_pack(db, TODAY, tmp_path / "tsm.pdf", by="desk")
    assert not (tmp_path / "tsm.pdf").exists()
    assert not [e for e in db.audit.entries() if e.action == "targeted support meeting pack made"]


def test_the_command_line_makes_both_files_as_the_signed_in_user(
    tmp_path, school, capsys, monkeypatch
):
    db, _ = school
    monkeypatch.setenv("ATTENDANCE_DESK_PASSWORD", PASSWORD)
    code = main(
        [
            "--db",
            str(db.path),
            "--as",
            "tokonjo",
            "--today",
            TODAY.isoformat(),
            "tsm-pack",
            "--out",
            str(tmp_path / "t.pdf"),
            "--xlsx",
            str(tmp_path / "t.xlsx"),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "4 pupils" in out and (tmp_path / "t.pdf").exists() and (tmp_path / "t.xlsx").exists()
    assert [
        e.user for e in db.audit.entries() if e.action == "targeted support meeting pack made"
    ] == ["tokonjo"]


def test_every_heading_word_fits_its_column():
    """The widths hold each heading word whole (the old pack broke "Clas/s" and "Attendan/ce")."""
    register_fonts()
    widths = doc.column_widths()
    assert len(widths) == len(doc.HEADERS) and sum(widths) <= doc.PAGE_WIDTH + 0.01
    for heading, width in zip(doc.HEADERS, widths, strict=True):
        for word in heading.split():
            assert stringWidth(word, BOLD, doc.CELL_SIZE) + 2 * doc.PADDING <= width, (
                heading,
                word,
            )
