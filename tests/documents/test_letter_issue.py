"""Letters are previewed, then issued (numbered, logged, their files kept unchanged), may be voided;
each template says when it may be sent; letters read as a school writes them. On a real school file."""

import hashlib
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from attendance_desk.cli import main
from attendance_desk.documents.templates import TemplateProblem, template_info
from attendance_desk.domain.calls import Phone
from attendance_desk.domain.people import Contact, Link
from attendance_desk.domain.records import Meeting
from attendance_desk.services.letters import Meeting as LetterMeeting
from attendance_desk.services.letters import (
    letter_choices,
    letter_file_problems,
    make_letters,
    salutation,
    stage_letters,
)
from attendance_desk.services.school import ServiceError
from attendance_desk.services.stages import record_step
from attendance_desk.services.users import add_user
from tests.documents.test_letters_and_certificate import CAL, TODAY
from tests.helpers import add_pupil, put_marks, sessions, text_of

DAY = "2024-11-20"


@pytest.fixture
def school(store):  # noqa: F811
    """The shared test school (Łucja: 1 unauthorised session, two parents with PR, a grandparent who
    does not live with her) plus Ben, with 10 unauthorised sessions in November, a mother with a
    title on record and a stepfather who lives with him without parental responsibility."""
    ben = add_pupil(
        store,
        2,
        forename="Ben",
        surname="Chen",
        year_group="5",
        reg_group="5B",
        dob=date(2014, 5, 6),
    )
    marks = sessions(date(2024, 9, 3), date(2024, 11, 20), "/", calendar=CAL)
    for day in CAL.school_days(date(2024, 11, 4), date(2024, 11, 8)):
        marks[(day, "AM")] = marks[(day, "PM")] = "O"
    put_marks(store, ben, marks)
    mum = store.contacts.add(
        Contact(
            None,
            "Ms Mei Chen",
            address="7 Orchard Way, Northbridge",
            postcode="NB4 4DD",
            phones=(Phone("mobile", "07700 900002"),),
        )
    )
    step = store.contacts.add(
        Contact(None, "Mr David Lee", address="7 Orchard Way, Northbridge", postcode="NB4 4DD")
    )
    store.contacts.link(Link(ben.id, mum, "Mother", True, 1))
    store.contacts.link(Link(ben.id, step, "Stepfather", False, 2, lives_with=True))
    return store


def pupils(store):  # noqa: F811
    by_name = {p.forename: p for p in store.pupils.all()}
    return by_name["Łucja"], by_name["Ben"]


def run(capsys, store, *args, today=DAY):  # noqa: F811
    code = main(["--db", str(store.path), "--today", today, "--as", "lead", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def chronology(store, pupil):  # noqa: F811
    return [e for e in store.casework.for_pupil(pupil.id) if e.kind == "letter"]


# ---------------------------------------------------------------- conditions, refusals, overrides


def test_penalty_warning_below_the_threshold_is_refused_naming_the_condition(
    tmp_path, school, capsys
):
    lucja, _ = pupils(school)
    code, _, err = run(
        capsys,
        school,
        "letter",
        "--template",
        "penalty_warning",
        "--upn",
        lucja.upn,
        "--out",
        tmp_path / "pw.pdf",
    )
    assert code == 1
    assert "at least 10 sessions of unauthorised absence in the last 10 school weeks" in err
    assert "the penalty-notice threshold" in err and "(1 between 09/09/2024 and 20/11/2024)" in err
    assert not (tmp_path / "pw.pdf").exists() and school.letters.for_pupil(lucja.id) == []


def test_an_override_with_a_reason_is_kept_in_the_log_the_audit_and_the_chronology(
    tmp_path, school, capsys
):
    lucja, _ = pupils(school)
    reason = (
        "three further unauthorised sessions since the register was exported; agreed with the head"
    )
    code, out, _ = run(
        capsys,
        school,
        "letter",
        "--template",
        "penalty_warning",
        "--upn",
        lucja.upn,
        "--out",
        tmp_path / "pw.pdf",
        "--override-reason",
        reason,
    )
    assert (
        code == 0 and "2 letters issued (ATT/00001 to ATT/00002)" in out and "Sent although" in out
    )
    log = school.letters.for_pupil(lucja.id)
    assert [x.override_reason for x in log] == [reason, reason]
    assert "penalty-notice threshold" in log[0].overridden
    notes = [e.notes for e in chronology(school, lucja)]
    assert len(notes) == 2 and all(reason in n and "Sent although not met" in n for n in notes)
    assert any(
        e.action == "letter conditions overridden" and reason in e.detail
        for e in school.audit.entries()
    )
    code, out, _ = run(capsys, school, "letter-log", "--upn", lucja.upn)
    assert f"reason: {reason}" in out


def test_only_an_attendance_lead_or_the_head_may_override(tmp_path, school):
    lucja, _ = pupils(school)
    add_user(school, "", "admin", "admin", "correct horse battery")
    add_user(
        school, "admin", "ali", "admin", "correct horse battery"
    )  # an administrator makes letters…
    add_user(school, "admin", "lee", "lead", "correct horse battery")
    with pytest.raises(
        ServiceError, match="only an attendance lead or the head teacher"
    ):  # …but may not override
        make_letters(
            school,
            "penalty_warning",
            [lucja],
            TODAY,
            "ali",
            tmp_path / "a.pdf",
            override_reason="because",
        )
    batch = make_letters(
        school,
        "penalty_warning",
        [lucja],
        TODAY,
        "lee",
        tmp_path / "b.pdf",
        override_reason="because",
    )
    assert batch.letters == 2 and batch.overridden == ["Łucja Wiśniewska"]


def test_conditions_the_wording_depends_on_cannot_be_overridden(tmp_path, school):
    lucja, ben = pupils(school)
    school.marks.amend(
        lucja.id, date(2024, 10, 1), "AM", "M", None, "appointment card seen", "office1"
    )
    with pytest.raises(
        ServiceError,
        match=r"at least 1 session of unauthorised absence in the last 10 school weeks \(0 ",
    ):
        make_letters(
            school,
            "penalty_warning",
            [lucja],
            TODAY,
            "lead",
            tmp_path / "pw.pdf",
            override_reason="sure",
        )
    with pytest.raises(
        ServiceError,
        match=r"a recorded meeting that the parent did not attend \(no meeting is recorded\)",
    ) as info:
        make_letters(
            school,
            "failed_to_attend",
            [ben],
            TODAY,
            "lead",
            tmp_path / "fta.pdf",
            override_reason="sure",
        )
    assert "may send it anyway" not in str(info.value)
    school.meetings.add_meeting(
        Meeting(None, ben.id, "sam", date(2024, 11, 12), "Mr T. Okonjo", True, by_user="lead")
    )
    with pytest.raises(ServiceError, match="the parent attended the latest meeting, on 12/11/2024"):
        make_letters(school, "failed_to_attend", [ben], TODAY, "lead", tmp_path / "fta.pdf")
    assert school.letters.for_pupil(ben.id) == [] and not list(tmp_path.glob("*.pdf"))


def test_stage_3_only_at_stage_3_after_an_earlier_letter(tmp_path, school):
    lucja, _ = pupils(school)
    with pytest.raises(ServiceError) as info:
        make_letters(school, "stage3", [lucja], TODAY, "lead", tmp_path / "s3.pdf")
    message = str(info.value)
    assert (
        "the pupil is at stage 3 of the support map or beyond (the pupil is at no stage)" in message
    )
    assert (
        "an earlier Stage 1: letter of concern or Stage 2" in message and "(none issued)" in message
    )
    record_step(
        school, lucja.upn, "entered", TODAY - timedelta(days=7), "lead", "stage1", "weekly review"
    )
    make_letters(school, "stage1", [lucja], TODAY - timedelta(days=7), "lead", tmp_path / "s1.pdf")
    record_step(
        school,
        lucja.upn,
        "entered",
        TODAY,
        "lead",
        "stage3",
        "attendance fell sharply after the letter",
    )
    make_letters(school, "stage3", [lucja], TODAY, "lead", tmp_path / "s3.pdf")
    text = text_of(tmp_path / "s3.pdf")
    assert "We wrote to you about Łucja Wiśniewska's attendance on 13/11/2024." in text


def test_improvement_letter_only_when_the_latest_review_met_its_target(tmp_path, school):
    lucja, _ = pupils(school)
    sam = school.meetings.add_meeting(
        Meeting(None, lucja.id, "sam", date(2024, 9, 13), "", True, target_pct=95.0, by_user="lead")
    )
    school.meetings.add_meeting(
        Meeting(
            None,
            lucja.id,
            "review",
            date(2024, 10, 11),
            reviews_meeting_id=sam,
            target_pct=95.0,
            target_met=False,
            attendance_achieved=70.6,
            by_user="lead",
        )
    )
    with pytest.raises(
        ServiceError, match=r"target not met on 11/10/2024: 70.6% against a target of 95%"
    ):
        make_letters(school, "improvement", [lucja], TODAY, "lead", tmp_path / "imp.pdf")
    school.meetings.add_meeting(
        Meeting(
            None,
            lucja.id,
            "review",
            date(2024, 11, 15),
            reviews_meeting_id=sam,
            target_pct=95.0,
            target_met=True,
            attendance_achieved=97.5,
            by_user="lead",
        )
    )
    make_letters(school, "improvement", [lucja], TODAY, "lead", tmp_path / "imp.pdf")
    assert (
        "At the review on 15/11/2024, Łucja's attendance since the meeting was 97.5%, meeting the target of 95%"
        in text_of(tmp_path / "imp.pdf")
    )


def test_the_letter_dialog_lists_names_with_conditions_met_first(school):
    lucja, ben = pupils(school)
    record_step(school, ben.upn, "entered", TODAY, "lead", "stage2", "weekly review")
    choices = letter_choices(school, ben.upn, TODAY)
    ok = [c.name for c in choices if c.ok]
    assert choices[: len(ok)] == [c for c in choices if c.ok]  # those that may be sent come first
    assert (
        "Warning that a penalty notice may be issued" in ok and "Stage 1: letter of concern" in ok
    )
    assert any(c.name.startswith("Stage 2: invitation to a meeting") for c in choices if c.ok)
    stage3 = next(c for c in choices if c.template == "stage3")
    assert not stage3.ok and stage3.overridable and any("stage 3" in u for u in stage3.unmet)
    failed = next(c for c in choices if c.template == "failed_to_attend")
    assert not failed.ok and not failed.overridable
    assert not next(
        c for c in letter_choices(school, lucja.upn, TODAY) if c.template == "penalty_warning"
    ).ok


def test_a_batch_leaves_out_pupils_whose_conditions_do_not_hold(tmp_path, school):
    lucja, ben = pupils(school)
    for pupil in (lucja, ben):
        record_step(
            school, pupil.upn, "entered", TODAY, "lead", "stage4", "agreed at the attendance panel"
        )
    school.marks.amend(
        lucja.id, date(2024, 10, 1), "AM", "M", None, "appointment card seen", "office1"
    )
    batch = stage_letters(school, "stage4", TODAY, "lead", tmp_path / "fw.pdf")
    assert batch.pupils == 1 and school.letters.stages_written("stage4") == {ben.id}
    assert any(
        "Łucja Wiśniewska: not written" in n and "unauthorised absence this school year (0" in n
        for n in batch.not_sent
    )


def test_an_unknown_condition_in_a_template_names_the_file_and_line(tmp_path):
    (tmp_path / "odd.txt.j2").write_text(
        "Name: Odd\nWhen: stage >= 2\nWhen: moon is full\nSubject: x\n\nHello\n", encoding="utf-8"
    )
    with pytest.raises(
        TemplateProblem, match=r"odd\.txt\.j2, line 3: 'moon is full' is not a condition"
    ):
        template_info("odd", folder=tmp_path)
    info = template_info("penalty_warning")
    assert info.name == "Warning that a penalty notice may be issued"
    assert [(c.kind, c.number, c.overridable) for c in info.conditions] == [
        ("unauthorised_last_10_weeks", 1, False),
        ("unauthorised_last_10_weeks", 10, True),
    ]


# ---------------------------------------------------------------- preview, issue, void, posting, files


def test_preview_logs_nothing(tmp_path, school, capsys):
    _, ben = pupils(school)
    before = (len(school.audit.entries()), len(chronology(school, ben)))
    code, out, _ = run(
        capsys,
        school,
        "letter",
        "--template",
        "penalty_warning",
        "--upn",
        ben.upn,
        "--out",
        tmp_path / "preview.pdf",
        "--preview",
    )
    assert code == 0 and "not issued, nothing logged" in out
    text = text_of(tmp_path / "preview.pdf")
    assert (
        "PREVIEW" in text
        and "Our ref: (given when the letter is issued)" in text
        and "ATT/0" not in text
    )
    assert school.letters.for_pupil(ben.id) == []
    assert (len(school.audit.entries()), len(chronology(school, ben))) == before


def test_two_batches_on_one_day_keep_every_letter_matching_its_hash(tmp_path, school, capsys):
    lucja, ben = pupils(school)
    record_step(school, lucja.upn, "entered", TODAY, "lead", "stage1", "weekly review")
    assert run(capsys, school, "letters", "--stage", "stage1", "--out", tmp_path)[0] == 0
    record_step(school, ben.upn, "entered", TODAY, "lead", "stage1", "weekly review")
    code, out, _ = run(capsys, school, "letters", "--stage", "stage1", "--out", tmp_path)
    assert code == 0 and "ATT/00003 to ATT/00004" in out
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == [
        "stage1-letters-2024-11-20-2.pdf",
        "stage1-letters-2024-11-20.pdf",
    ]
    log = school.letters.for_pupil(lucja.id) + school.letters.for_pupil(ben.id)
    assert [x.number for x in log] == [1, 2, 3, 4] and len({x.file for x in log}) == 2
    for letter in log:
        assert hashlib.sha256(Path(letter.file).read_bytes()).hexdigest() == letter.sha256
    assert letter_file_problems(school) == (4, [])
    _, _, err = run(capsys, school, "check")
    assert "letter ATT/" not in err
    tampered = Path(log[0].file)
    tampered.write_bytes(tampered.read_bytes() + b"%")
    Path(log[3].file).unlink()
    code, _, err = run(capsys, school, "check")
    assert code == 1
    assert "letter ATT/00001 (log entry 1): " in err and "has changed since it was issued" in err
    assert (
        "letter ATT/00002" in err
        and "letter ATT/00004 (log entry 4): its file" in err
        and "is missing" in err
    )


def test_an_existing_file_is_never_overwritten_by_an_issued_letter(tmp_path, school):
    _, ben = pupils(school)
    out = tmp_path / "letter.pdf"
    out.write_bytes(b"someone else's file")
    batch = make_letters(school, "penalty_warning", [ben], TODAY, "lead", out)
    assert out.read_bytes() == b"someone else's file" and batch.files == [
        (tmp_path / "letter-2.pdf").resolve()
    ]


def test_void_keeps_the_letter_in_the_log_marked_void(tmp_path, school, capsys):
    lucja, _ = pupils(school)
    record_step(school, lucja.upn, "entered", TODAY, "lead", "stage1", "weekly review")
    stage_letters(school, "stage1", TODAY, "lead", tmp_path / "s1.pdf")
    first = school.letters.for_pupil(lucja.id)[0]
    assert run(capsys, school, "letter-void", "--letter", first.id, "--reason", " ")[0] == 1
    code, out, _ = run(
        capsys, school, "letter-void", "--letter", first.id, "--reason", "old address: she moved"
    )
    assert code == 0 and "ATT/00001" in out and "is void" in out
    letter = school.letters.by_id(first.id)
    assert (
        letter.void
        and letter.void_reason == "old address: she moved"
        and letter.voided_by == "lead"
    )
    assert len(school.letters.for_pupil(lucja.id)) == 2  # still in the log
    code, _, err = run(capsys, school, "letter-void", "--letter", first.id, "--reason", "again")
    assert code == 1 and "already void" in err
    assert (
        run(capsys, school, "posted", "--letter", first.id)[0] == 1
    )  # a void letter is not posted
    _, out, _ = run(capsys, school, "letter-log", "--upn", lucja.upn)
    assert "VOID (old address: she moved, by lead)" in out
    assert any(
        e.action == "letter voided" and e.subject == "ATT/00001" for e in school.audit.entries()
    )
    assert any("voided" in e.outcome for e in chronology(school, lucja))
    from attendance_desk.services.pack import assemble_evidence_pack, evidence_checklist

    assemble_evidence_pack(school, lucja.upn, TODAY, tmp_path / "pack.pdf", "lead")
    assert "VOID: old address: she moved" in text_of(tmp_path / "pack.pdf")
    letters_item = next(
        c
        for c in evidence_checklist(school, lucja.upn, TODAY)
        if c.item.startswith("Stage 1 letters")
    )
    assert (
        not letters_item.ok and "Anna Wiśniewska" in letters_item.detail
    )  # the void letter is no evidence
    with pytest.raises(sqlite3.IntegrityError, match="already void"), school.write() as db:
        db.execute("UPDATE letters SET void_reason = 'x' WHERE id = ?", (first.id,))
    with pytest.raises(sqlite3.IntegrityError, match="cannot be changed"), school.write() as db:
        db.execute("UPDATE letters SET text = 'x' WHERE id = ?", (first.id,))


def test_posted_refuses_a_date_before_issue_or_after_today_and_is_audited(tmp_path, school, capsys):
    _, ben = pupils(school)
    make_letters(school, "penalty_warning", [ben], TODAY, "lead", tmp_path / "pw.pdf")
    letter = school.letters.for_pupil(ben.id)[0]
    code, _, err = run(capsys, school, "posted", "--letter", letter.id, "--date", "2024-11-19")
    assert code == 1 and "issued on 20/11/2024" in err
    code, _, err = run(
        capsys, school, "posted", "--letter", letter.id, "--date", "2024-11-22", today="2024-11-21"
    )
    assert code == 1 and "in the future" in err
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    code, _, err = run(
        capsys, school, "posted", "--letter", letter.id, "--date", tomorrow, today=tomorrow
    )
    assert code == 1 and "in the future" in err
    assert school.letters.by_id(letter.id).posted_on is None
    code, out, _ = run(
        capsys, school, "posted", "--letter", letter.id, "--date", "2024-11-21", today="2024-11-22"
    )
    assert (
        code == 0
        and "ATT/00001" in out
        and school.letters.by_id(letter.id).posted_on == date(2024, 11, 21)
    )
    assert any(
        e.action == "letter posted" and "21/11/2024" in e.detail for e in school.audit.entries()
    )


# ---------------------------------------------------------------- what the letters say


def test_failed_to_attend_quotes_the_recorded_meeting(tmp_path, school, capsys):
    _, ben = pupils(school)
    record_step(school, ben.upn, "entered", date(2024, 11, 5), "lead", "stage2", "weekly review")
    code, _, _ = run(
        capsys,
        school,
        "letter",
        "--template",
        "stage2",
        "--upn",
        ben.upn,
        "--out",
        tmp_path / "inv.pdf",
        "--meeting",
        "2024-11-12T15:30",
        "--place",
        "the library",
        "--with",
        "Mr T. Okonjo",
        today="2024-11-05",
    )
    assert code == 0
    school.meetings.add_meeting(
        Meeting(
            None,
            ben.id,
            "sam",
            date(2024, 11, 12),
            "Mr T. Okonjo",
            False,
            target_pct=95.0,
            review_date=date(2024, 12, 17),
            by_user="lead",
        )
    )
    assert (
        run(
            capsys,
            school,
            "letter",
            "--template",
            "failed_to_attend",
            "--upn",
            ben.upn,
            "--out",
            tmp_path / "fta.pdf",
        )[0]
        == 0
    )
    text = text_of(tmp_path / "fta.pdf")
    assert (
        "School Attendance Meeting about Ben Chen's attendance on 12/11/2024 at 15:30, at the library"
        in text
    )
    assert "as our letter of 05/11/2024 explained" in text
    assert "review it on 17/12/2024" in text and "at least 95% attendance" in text
    assert "to be agreed" not in text and "will confirm" not in text
    details = school.letters.for_pupil(ben.id)[-1].details
    assert (
        details["missed_meeting"]["date"] == "12/11/2024"
        and details["missed_meeting"]["place"] == "the library"
    )


def test_letters_read_as_a_school_writes_them(tmp_path, school):
    lucja, ben = pupils(school)
    assert (
        salutation("Ms Mei Chen"),
        salutation("Dr. A. Patel"),
        salutation("Anna Wiśniewska"),
    ) == ("Ms Chen", "Dr. Patel", "Parent/Carer")
    make_letters(school, "penalty_warning", [ben], TODAY, "lead", tmp_path / "pw.pdf")
    text = text_of(tmp_path / "pw.pdf")
    assert (
        "Dear Ms Chen," in text and "Dear Mr Lee," in text
    )  # the stepfather lives with Ben: he is written to
    assert ben.upn not in text and "UPN" not in text
    assert "Our ref: ATT/00001" in text and "Our ref: ATT/00002" in text
    assert "Pupil: Ben Chen, Year 5 (5B)" in text
    assert (
        "10 sessions of unauthorised absence in the 10 school weeks between 09/09/2024 and 20/11/2024"
        in text
    )
    assert (
        "reduced to £80 if it is paid within 21 days" in text
        and "must be paid within 28 days" in text
    )
    assert "within three years of the first is £160, with no reduction" in text
    assert (
        "A third penalty notice is not issued within three years" in text and "prosecution" in text
    )
    assert [x.addressee for x in school.letters.for_pupil(ben.id)] == [
        "Ms Mei Chen",
        "Mr David Lee",
    ]

    record_step(
        school, lucja.upn, "entered", TODAY, "lead", "stage4", "agreed at the attendance panel"
    )
    make_letters(school, "formal_warning", [lucja], TODAY, "lead", tmp_path / "fw.pdf")
    text = text_of(tmp_path / "fw.pdf")
    assert "Dear Parent/Carer," in text and lucja.upn not in text
    assert (
        "Section 444(1): a parent whose child fails to attend school regularly commits an offence"
        in text
    )
    assert "fine at level 3 on the standard scale" in text
    assert "Section 444(1A)" in text and "fine at level 4 on the standard scale" in text
    assert "up to three months' imprisonment" in text


def test_stage_2_says_absence_is_no_longer_authorised_and_dates_the_earlier_letter(
    tmp_path, school
):
    lucja, _ = pupils(school)
    record_step(school, lucja.upn, "entered", date(2024, 10, 3), "lead", "stage1", "weekly review")
    make_letters(school, "stage1", [lucja], date(2024, 10, 3), "lead", tmp_path / "s1.pdf")
    record_step(school, lucja.upn, "entered", TODAY, "lead", "stage2", "weekly review")
    make_letters(school, "stage2", [lucja], TODAY, "lead", tmp_path / "s2.pdf")
    text = text_of(tmp_path / "s2.pdf")
    assert "We wrote to you on 03/10/2024 about Łucja Wiśniewska's attendance" in text
    assert "absences will no longer be authorised without medical evidence" in text
    assert (
        "We will telephone you in the next few days to agree a date and time" in text
    )  # no meeting date given
    assert "Our ref: ATT/00003" in text


def test_stage_conditions_follow_the_schools_own_map(tmp_path, school):
    """On the local authority's three-stage map the referral notice is the third step's letter: a
    pupil there may be sent it, though the default map sends it at stage 5; a formal warning (stage 4
    on the default map, no step of this one) needs a reason."""
    from dataclasses import replace

    _, ben = pupils(school)
    school.settings.save_school(
        replace(school.settings.school(), support_map="la_three_stage.toml")
    )
    record_step(
        school, ben.upn, "entered", TODAY, "lead", "ews", "referral agreed at the attendance panel"
    )
    batch = make_letters(school, "referral_notice", [ben], TODAY, "lead", tmp_path / "ref.pdf")
    assert batch.letters == 2 and not batch.overridden
    with pytest.raises(
        ServiceError,
        match=r"stage 4 of the support map or beyond \(now at Stage 3: referral to the",
    ):
        make_letters(school, "formal_warning", [ben], TODAY, "lead", tmp_path / "fw.pdf")


def test_the_penalty_window_looks_back_across_the_summer(tmp_path, school):
    """A warning in the first week of September counts July's unauthorised sessions: the 10 school
    weeks run back across the holiday into last school year, and the letter gives their dates."""
    _, ben = pupils(school)
    july = sessions(date(2024, 6, 3), date(2024, 7, 19), "/", calendar=CAL)
    for day in CAL.school_days(date(2024, 7, 8), date(2024, 7, 12)):
        july[(day, "AM")] = july[(day, "PM")] = "O"
    put_marks(school, ben, july)
    make_letters(school, "penalty_warning", [ben], date(2024, 9, 6), "lead", tmp_path / "pw.pdf")
    text = text_of(tmp_path / "pw.pdf")
    assert (
        "10 sessions of unauthorised absence in the 10 school weeks between 03/06/2024 and 06/09/2024"
        in text
    )


def test_two_pcs_making_one_stages_letters_at_once_issue_each_pupils_once(
    tmp_path, school, monkeypatch
):
    """The office chooses the pupils waiting for their stage 1 letter (Łucja and Ben); before it
    issues them, the lead's laptop issues Łucja's. The office's batch is read again under the write
    lock (services/letters.py): Ben's letter is issued, Łucja is left out naming who issued hers,
    and nobody has the stage's letter twice. Had the laptop issued both, nothing would be issued."""
    from attendance_desk.services import letters as service
    from attendance_desk.store.db import open_store

    lucja, ben = pupils(school)
    for pupil in (lucja, ben):
        record_step(school, pupil.upn, "entered", TODAY, "lead", "stage1", "weekly review")
    read = service._read

    def laptop_issues_first(store, chosen, today):
        monkeypatch.setattr(service, "_read", read)  # once
        laptop = open_store(school.path)  # the other PC's own connection
        try:
            make_letters(
                laptop, "stage1", [lucja], TODAY, "lead", tmp_path / "laptop.pdf",
                stage_key="stage1",
            )  # fmt: skip
        finally:
            laptop.close()
        return read(store, chosen, today)

    monkeypatch.setattr(service, "_read", laptop_issues_first)
    batch = stage_letters(school, "stage1", TODAY, "lead", tmp_path / "office.pdf")
    issued = {p.id: school.letters.for_pupil(p.id) for p in (lucja, ben)}
    assert {pid: {r.file for r in log} for pid, log in issued.items()} == {
        lucja.id: {str((tmp_path / "laptop.pdf").resolve())},  # the laptop's only
        ben.id: {str((tmp_path / "office.pdf").resolve())},
    }
    assert batch.pupils == 1 and "Łucja" not in text_of(batch.files[0])
    assert any(
        note.startswith(f"{lucja.name}: not written, lead issued the Stage 1")
        and "(ATT/00001)" in note
        for note in batch.not_sent
    ), batch.not_sent

    # Ben's stage 2 letter issued by the laptop while the office makes it: nothing issued
    record_step(school, ben.upn, "entered", TODAY, "lead", "stage2", "weekly review")

    def laptop_issues_bens(store, chosen, today):
        monkeypatch.setattr(service, "_read", read)
        laptop = open_store(school.path)
        try:
            make_letters(
                laptop, "stage2", [ben], TODAY, "lead", tmp_path / "laptop2.pdf",
                stage_key="stage2", meeting=LetterMeeting("03/12/2024", "09:30", "the school office"),
            )  # fmt: skip
        finally:
            laptop.close()
        return read(store, chosen, today)

    monkeypatch.setattr(service, "_read", laptop_issues_bens)
    with pytest.raises(ServiceError, match=r"^no letters issued: Ben .*: not written, lead issued"):
        stage_letters(
            school, "stage2", TODAY, "lead", tmp_path / "office2.pdf",
            meeting=LetterMeeting("03/12/2024", "10:30", "the school office"),
        )  # fmt: skip
    stage2 = [r for r in school.letters.for_pupil(ben.id) if r.stage_key == "stage2"]
    assert stage2 and {r.file for r in stage2} == {str((tmp_path / "laptop2.pdf").resolve())}
    assert not (tmp_path / "office2.pdf").exists()
