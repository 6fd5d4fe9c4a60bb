"""Documents state what was true when: minutes quote the figures as they stood on the day of the
meeting (one service computes them), and the certificate is one a court can rely on."""

from datetime import date

import pytest
from pypdf import PdfReader

from attendance_desk.services.as_at import figures_as_at
from attendance_desk.services.certificates import make_certificate, register_weeks
from attendance_desk.services.figures import pupil_figures
from attendance_desk.services.forms import minutes_document
from attendance_desk.services.meetings import record_meeting, review_meeting
from attendance_desk.services.pack import assemble_evidence_pack
from attendance_desk.services.school import ServiceError
from tests.documents.test_letters_and_certificate import CAL
from tests.helpers import add_pupil, put_marks, sessions, text_of

TODAY = date(2024, 11, 20)
LATE = "typed up from the paper minutes"


def test_figures_as_at_count_marks_up_to_that_day_only(store):  # noqa: F811
    pupil = store.pupils.all()[0]
    before = figures_as_at(store, pupil, date(2024, 9, 13))
    # 03/09-13/09: nine school days present; the week of 16/09 ill and 01/10 AM O come later
    assert before.year.figures.possible == 18 and before.year.figures.attendance_pct == 100.0
    assert before.year.figures.unauthorised == 0 and before.unauthorised_10_school_weeks == 0
    later = figures_as_at(store, pupil, date(2024, 10, 11))
    assert later.year.figures.authorised == 10 and later.year.figures.unauthorised == 1
    assert later.unauthorised_10_school_weeks == 1 and later.window_start is not None
    assert later.summary().startswith("on 11/10/2024: ")


def test_minutes_of_a_past_meeting_quote_the_figures_of_that_day(tmp_path, store):  # noqa: F811
    pupil = store.pupils.all()[0]
    sam = record_meeting(
        store,
        pupil.upn,
        "sam",
        date(2024, 9, 13),
        "lead",
        target_pct=95,
        review_weeks=4,
        parent_attended=True,
        late_reason=LATE,
    )
    # marks entered after the meeting change today's figures, not the meeting's
    store.marks.amend(pupil.id, date(2024, 9, 12), "PM", "O", None, "late entry found", "office1")
    store.marks.amend(pupil.id, date(2024, 10, 15), "AM", "G", None, "holiday", "office1")
    now = pupil_figures(store, date(2024, 9, 1), TODAY, pupils=[pupil])[0].figures
    text = text_of(minutes_document(store, sam.id, tmp_path / "minutes.pdf", TODAY))
    then = figures_as_at(store, pupil, date(2024, 9, 13)).year.figures
    assert (
        then.unauthorised == 1 and now.unauthorised == 3
    )  # the amendment of 12/09 is before the meeting
    assert "Attendance on 13/09/2024" in text
    assert (
        f"was {then.attendance_pct}% ({then.absent} sessions missed, 1 unauthorised; 1 unauthorised in the 10 "
        "school weeks to that day)" in text
    )
    assert f"{now.attendance_pct}%" not in text and "3 unauthorised" not in text
    review = review_meeting(
        store, sam.id, date(2024, 10, 11), "lead", "continue to monitor", late_reason=LATE
    )
    text = text_of(minutes_document(store, review.id, tmp_path / "review.pdf", TODAY))
    at_review = figures_as_at(store, pupil, date(2024, 10, 11)).year.figures
    assert "Attendance on 11/10/2024" in text and f"was {at_review.attendance_pct}%" in text
    assert (
        at_review.unauthorised == 2 and "2 unauthorised;" in text
    )  # 12/09 PM and 01/10 AM; 15/10 is later
    # the pack quotes each meeting's figures as they stood on its day
    pack = text_of(
        assemble_evidence_pack(store, pupil.upn, TODAY, tmp_path / "pack.pdf", "lead").out
    )
    assert f"on 13/09/2024: {then.attendance_pct:.1f}% this school year, 1 unauthorised" in pack
    assert (
        f"on 11/10/2024: {at_review.attendance_pct:.1f}% this school year, 2 unauthorised" in pack
    )


def test_certificate_letterhead_declaration_and_signature_with_the_register(tmp_path, store):  # noqa: F811
    pupil = store.pupils.all()[0]
    out = tmp_path / "cert.pdf"
    make_certificate(
        store, pupil.upn, date(2024, 9, 2), date(2024, 10, 25), out, "head", today=TODAY
    )
    text = text_of(out)
    assert "School Lane, Northbridge, NB1 1AA" in text and "Telephone 01632 960000" in text
    assert "compulsory school age" in text
    assert "School Attendance (Pupil Registration) (England) Regulations 2024" in text
    assert "Regulations 2006" not in text  # no session before 19/08/2024 in the period
    assert "Date: ____" in text and "20/11/2024" not in text  # the head writes the date of signing
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(out).pages]
    with_totals = [p for p in pages if "Totals for the period" in p]
    assert len(with_totals) == 1
    page = with_totals[0]
    assert (
        "Register, session by session" in page and "Signed: ____" in page and "Declaration" in page
    )
    if len(pages) > 1:  # a certificate of more than one page is initialled on every page
        assert all("Initials: ____" in p for p in pages)


def test_certificate_names_the_2006_regulations_only_for_earlier_sessions(tmp_path, store):  # noqa: F811
    pupil = store.pupils.all()[0]
    put_marks(
        store, pupil, sessions(date(2024, 7, 1), date(2024, 7, 19), "/", calendar=CAL)
    )  # the old code set
    out = tmp_path / "cert.pdf"
    make_certificate(
        store, pupil.upn, date(2024, 7, 1), date(2024, 9, 30), out, "head", today=TODAY
    )
    text = text_of(out)
    assert (
        "Regulations 2024 (and, for sessions before 19/08/2024, the Education (Pupils Registration) "
        "(England) Regulations 2006)" in text
    )
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(out).pages]
    if len(pages) > 1:
        assert all("Initials: ____" in p for p in pages)


def test_certificate_refuses_a_period_outside_compulsory_school_age(tmp_path, store):  # noqa: F811
    young = add_pupil(
        store, 9, forename="Rosa", surname="Young", dob=date(2020, 1, 10), year_group="R"
    )
    put_marks(store, young, {(date(2024, 9, 3), "AM"): "/", (date(2024, 9, 3), "PM"): "/"})
    with pytest.raises(ServiceError, match="compulsory school age from 31/03/2025"):
        make_certificate(
            store,
            young.upn,
            date(2024, 9, 2),
            date(2024, 10, 25),
            tmp_path / "c.pdf",
            "head",
            today=TODAY,
        )
    assert not (tmp_path / "c.pdf").exists()


def test_an_unmarked_session_is_never_printed_as_a_question_mark(store):  # noqa: F811
    pupil = store.pupils.all()[0]
    # marks run to 19/11; 20/11 is "today": not yet registered, so blank; an earlier gap says "none"
    weeks, _ = register_weeks(store, pupil, date(2024, 11, 18), date(2024, 11, 22), today=TODAY)
    ((_, cells),) = weeks
    assert [text for text, _ in cells[:4]] == ["/", "\\", "/", "\\"]
    assert [text for text, _ in cells[4:]] == ["", "", "", "", "", ""]
    weeks, _ = register_weeks(
        store, pupil, date(2024, 11, 18), date(2024, 11, 22), today=date(2024, 11, 25)
    )
    assert [text for text, _ in weeks[0][1][4:]] == ["none"] * 6
    assert all(text != "?" for _, cells in weeks for text, _ in cells)


def test_the_ten_school_weeks_to_a_day_reach_back_over_the_summer(store):  # noqa: F811
    pupil = store.pupils.all()[0]
    put_marks(
        store, pupil, sessions(date(2024, 7, 15), date(2024, 7, 19), "O", calendar=CAL)
    )  # a week of July truancy
    as_at = figures_as_at(store, pupil, date(2024, 9, 13))
    assert as_at.year.figures.unauthorised == 0  # this school year: from 1 September
    assert as_at.unauthorised_10_school_weeks == 10  # the window runs back into the summer term
    assert as_at.window_start < date(2024, 9, 1)
    assert (
        as_at.as_context()["unauthorised_last_10_weeks"] == 10
        and as_at.as_context()["as_at"] == "13/09/2024"
    )
