"""Review minutes record what the LA's framework asks a review to (Halton: the rates at each review,
how the actions agreed earlier have worked, the family's engagement, the pupil's view), against
the meeting reviewed and with the figures of each day; a recorded home visit prints as a record of
what happened, not a blank form."""

from datetime import date, datetime

import pytest

from attendance_desk.cli import main
from attendance_desk.services.as_at import figures_as_at
from attendance_desk.services.forms import home_visit_record, minutes_document
from attendance_desk.services.meetings import record_contact, record_meeting, review_meeting
from attendance_desk.services.school import ServiceError
from tests.helpers import text_of

TODAY = date(2024, 11, 20)
LATE = "typed up from the paper minutes"


def test_review_minutes_compare_with_the_meeting_reviewed(tmp_path, store):  # noqa: F811
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
        actions_parent="Bring Amy to the gate by 08:40 each day",
        actions_school="Breakfast club place from 16/09",
        late_reason=LATE,
    )
    review = review_meeting(
        store,
        sam.id,
        date(2024, 10, 11),
        "lead",
        "Breakfast club has helped; keep it",
        pupil_voice="Amy says mornings are easier now",
        late_reason=LATE,
    )
    text = " ".join(
        text_of(minutes_document(store, review.id, tmp_path / "review.pdf", TODAY)).split()
    )
    then = figures_as_at(store, pupil, date(2024, 9, 13)).year.figures
    now = figures_as_at(store, pupil, date(2024, 10, 11)).year.figures
    assert "Review of the School Attendance Meeting of 13/09/2024" in text
    assert (
        f"At that meeting (13/09/2024) attendance this school year was {then.attendance_pct}%"
        in text
    )
    assert f"At this review (11/10/2024) attendance is {now.attendance_pct}%" in text
    assert f"unauthorised absence {now.unauthorised_pct:.1f}%" in text
    assert (
        "Parent: Bring Amy to the gate by 08:40 each day" in text
        and "Breakfast club place from 16/09" in text
    )
    assert "What this review found: Breakfast club has helped; keep it" in text
    assert "A parent attended the first meeting and no parent attended this review." in text
    assert "Amy says mornings are easier now" in text
    # the first meeting's own minutes have no review section
    assert "Review of the" not in text_of(
        minutes_document(store, sam.id, tmp_path / "sam.pdf", TODAY)
    )


def test_a_recorded_home_visit_prints_as_a_record(tmp_path, store, capsys):  # noqa: F811
    pupil = store.pupils.all()[0]
    entry = record_contact(
        store,
        pupil.upn,
        "home_visit",
        "lead",
        at=datetime(2024, 10, 2, 10, 15).astimezone(),
        with_whom="mother at the door",
        outcome="Amy seen, safe and well",
        contact_made=True,
        notes="Mother says Amy has been anxious about PE.",
        late_reason="visit notes typed up later",
    )
    text = " ".join(
        text_of(home_visit_record(store, entry, tmp_path / "visit.pdf", "lead")).split()
    )
    assert "Record of a home visit" in text and "When: 02/10/2024 at 10:15" in text
    assert "Who answered or was spoken to: mother at the door" in text
    assert "seen: yes" in text and "Mother says Amy has been anxious about PE." in text
    assert "recorded later by lead" in text and "Attendance on the day of the visit" in text
    assert (
        "Date and time: ____" not in text and "Yes / No" not in text
    )  # a record, not a blank form
    call = record_contact(
        store,
        pupil.upn,
        "call",
        "lead",
        at=datetime(2024, 10, 3, 9, 0).astimezone(),
        outcome="No answer",
        late_reason="typed up later",
    )
    with pytest.raises(ServiceError, match="not a recorded home visit"):
        home_visit_record(store, call, tmp_path / "x.pdf", "lead")
    db = str(store.path)
    code = main(
        [
            "--today",
            TODAY.isoformat(),
            "--as",
            "lead",
            "--db",
            db,
            "visit-form",
            "--visit",
            str(entry),
            "--out",
            str(tmp_path / "v2.pdf"),
        ]
    )
    assert code == 0 and (tmp_path / "v2.pdf").exists()
    code = main(
        [
            "--today",
            TODAY.isoformat(),
            "--as",
            "lead",
            "--db",
            db,
            "visit-form",
            "--out",
            str(tmp_path / "v3.pdf"),
        ]
    )
    assert code == 1 and "--upn" in capsys.readouterr().err


def test_a_review_date_falls_on_a_school_day(store):  # noqa: F811
    """Four to six weeks on (Halton: a review in 4-6 weeks) can land in a holiday: six weeks from
    20/11/2024 is New Year's Day. The review goes to the first school day after it: in the test
    calendar, Spring 1 2025 starts on Monday 06/01/2025."""
    from attendance_desk.services.meetings import record_plan

    pupil = store.pupils.all()[0]
    sam = record_meeting(
        store,
        pupil.upn,
        "sam",
        date(2024, 11, 20),
        "lead",
        target_pct=95,
        review_weeks=6,
        today=TODAY,
    )
    assert sam.review_date == date(2025, 1, 6)
    plan = record_plan(
        store,
        pupil.upn,
        "parenting_contract",
        "lead",
        parent_commitments="Arrive by 08:40 every day",
        school_support="Breakfast club place and a weekly check-in",
        starts=date(2024, 11, 20),
    )
    assert plan.review_date == date(2025, 1, 6)
    in_term = record_meeting(
        store, pupil.upn, "sam", date(2024, 11, 20), "lead", review_weeks=4, today=TODAY
    )
    assert in_term.review_date == date(2024, 12, 18)  # a school day already: unchanged


def test_minutes_say_when_the_register_had_gaps(tmp_path, store):  # noqa: F811
    """A figure built on a register with missing marks says so (issue 11: never counted as present)."""
    from tests.documents.test_letters_and_certificate import CAL
    from tests.helpers import add_pupil, put_marks, sessions

    pupil = add_pupil(store, 2, forename="Dan", surname="Dean")
    marks = sessions(date(2024, 9, 3), date(2024, 9, 12), "/", calendar=CAL)
    del marks[(date(2024, 9, 10), "PM")]
    put_marks(store, pupil, marks)
    sam = record_meeting(store, pupil.upn, "sam", date(2024, 9, 12), "lead", late_reason=LATE)
    text = " ".join(text_of(minutes_document(store, sam.id, tmp_path / "m.pdf", TODAY)).split())
    assert "(incomplete: 1 session with no mark by that day)" in text
    complete = next(
        p for p in store.pupils.all() if p.surname == "Wiśniewska"
    )  # every session marked
    sam = record_meeting(store, complete.upn, "sam", date(2024, 9, 12), "lead", late_reason=LATE)
    assert "incomplete" not in text_of(minutes_document(store, sam.id, tmp_path / "n.pdf", TODAY))
