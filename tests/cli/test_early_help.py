"""Early help offered in writing (issue 15 item 7) end to end on a real school file: the letter, the
record of the offer, the family's answer, and the referral pack's "early help offered and its
outcome" item (the Halton referral table, DOMAIN.md §6: early help and its outcome)."""

from datetime import date

import pytest

from attendance_desk.domain.people import Contact, Link
from attendance_desk.services.pack import evidence_checklist
from attendance_desk.services.school import open_school
from tests.cli.test_cli import run
from tests.helpers import add_pupil, make_school, put_marks, sessions, text_of, upn

ITEM = "Early help offered (with date) and its outcome"
WHAT = "a referral to the family support service for help with morning routines"


@pytest.fixture
def db(tmp_path):
    store = make_school(tmp_path)
    pupil = add_pupil(store, 1, forename="Amira", surname="Khan", reg_group="4A")
    put_marks(store, pupil, sessions(date(2024, 11, 4), date(2024, 11, 28), "/"))
    for name, lives in (("Ms Rukhsana Khan", True), ("Mr Imran Khan", False)):
        parent = store.contacts.add(
            Contact(
                None,
                name,
                address=f"{'1' if lives else '9'} Mill Lane, Northbridge",
                postcode="NB1 2AB",
            )
        )
        store.contacts.link(Link(pupil.id, parent, "Parent", True, 1, lives_with=lives))
    store.close()
    return tmp_path / "school.sqlite"


def item(db):
    store = open_school(db)
    with store:
        return next(
            c for c in evidence_checklist(store, upn(1), date(2024, 11, 29)) if c.item == ITEM
        )


def test_offer_letter_answer_and_the_pack(db, capsys, tmp_path):
    assert not item(db).ok
    # an offer that does not say what is offered is refused
    code, _, err = run(
        capsys,
        "--db",
        db,
        "early-help",
        "offer",
        "--upn",
        upn(1),
        "--what",
        "help",
        "--out",
        tmp_path / "x.pdf",
    )
    assert code == 1 and "say what help is offered" in err
    # a preview records nothing
    code, out, _ = run(
        capsys,
        "--db",
        db,
        "early-help",
        "offer",
        "--upn",
        upn(1),
        "--what",
        WHAT,
        "--out",
        tmp_path / "preview.pdf",
        "--preview",
    )
    assert code == 0 and "Preview of 2 letters" in out and "Offer" not in out
    code, out, err = run(
        capsys,
        "--db",
        db,
        "early-help",
        "offer",
        "--upn",
        upn(1),
        "--what",
        WHAT,
        "--out",
        tmp_path / "offer.pdf",
    )
    assert code == 0, err
    assert "2 letters issued (ATT/00001 to ATT/00002)" in out
    assert "Offer 1 recorded (ATT/00001, ATT/00002)" in out
    text = text_of(tmp_path / "offer.pdf")
    assert "Dear Ms Khan" in text and "Dear Mr Khan" in text
    assert "A referral to the family support service for help with morning routines." in text
    assert "by 13/12/2024" in text
    # the generic Letter path cannot send it: it is made from an offer
    code, _, err = run(
        capsys,
        "--db",
        db,
        "letter",
        "--template",
        "early_help_offer",
        "--upn",
        upn(1),
        "--out",
        tmp_path / "generic.pdf",
        "--override-reason",
        "trying",
    )
    assert code == 1 and "made from the offer" in err

    # while waiting: the pack says so; a second offer is refused
    verdict = item(db)
    assert not verdict.ok and "the written offer offered in writing 29/11/2024" in verdict.detail
    code, _, err = run(
        capsys,
        "--db",
        db,
        "early-help",
        "offer",
        "--upn",
        upn(1),
        "--what",
        WHAT,
        "--out",
        tmp_path / "again.pdf",
    )
    assert code == 1 and "still waiting for the family's answer" in err
    # 'no answer' only after the two weeks the letter gives; an answer before the offer is refused
    code, _, err = run(
        capsys, "--db", db, "early-help", "answer", "--offer", "1", "--answer", "no_answer"
    )
    assert code == 1 and "until 13/12/2024" in err
    code, _, err = run(
        capsys,
        "--db",
        db,
        "early-help",
        "answer",
        "--offer",
        "1",
        "--answer",
        "accepted",
        "--date",
        "2024-11-28",
    )
    assert code == 1 and "cannot come before the offer" in err
    code, out, err = run(
        capsys,
        "--db",
        db,
        "early-help",
        "answer",
        "--offer",
        "1",
        "--answer",
        "accepted",
        "--note",
        "mother rang the office",
    )
    assert code == 0, err
    assert "accepted on 29/11/2024 (mother rang the office)" in out
    code, _, err = run(
        capsys, "--db", db, "early-help", "answer", "--offer", "1", "--answer", "declined"
    )
    assert code == 1 and "already has an answer" in err
    code, out, _ = run(capsys, "--db", db, "early-help", "list")
    assert (
        f"Amira Khan (4A) 29/11/2024 (ATT/00001, ATT/00002): {WHAT[0].upper() + WHAT[1:]}.; accepted on 29/11/2024"
        in out
    )

    verdict = item(db)
    assert verdict.ok and "answer: accepted on 29/11/2024" in verdict.detail
    assert ".;" not in verdict.detail
    # an accepted offer is an agency involved, for the referral form
    store = open_school(db)
    with store:
        form = next(
            c
            for c in evidence_checklist(store, upn(1), date(2024, 11, 29))
            if c.item == "EWS referral form"
        )
        assert "1 agency(ies)" in form.detail
    store = open_school(db)
    with store:
        khan = store.pupils.by_upn(upn(1))
        outcomes = [e.outcome for e in store.casework.for_pupil(khan.id)]
        assert "Early help offered in writing (ATT/00001, ATT/00002)" in outcomes
        assert (
            "Early help offered on 29/11/2024: accepted on 29/11/2024 (mother rang the office)"
            in outcomes
        )
        actions = {e.action for e in store.audit.entries()}
        assert {"early help offered", "early help answer recorded"} <= actions
