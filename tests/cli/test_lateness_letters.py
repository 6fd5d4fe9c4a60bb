"""Lateness letters end to end (issue 15 item 6) on a real school file, from the command line: the
school's punctuality ladder (settings; school policy, there is no national rule), the same template
system and conditions as the stage letters, and refusals that name the figures. The 2024 Regulations
reg. 10: L is a late arrival before the register closed, counted here; U (after it closed) is not."""

from datetime import date

import pytest

from attendance_desk.domain.calls import Phone
from attendance_desk.domain.people import Contact, Link
from attendance_desk.services.school import open_school
from tests.cli.test_cli import run
from tests.helpers import add_pupil, make_school, put_marks, sessions, text_of, upn

LATE_DAYS = [date(2024, 11, d) for d in (4, 5, 6, 7, 8, 11)]  # six L this half-term (from 04/11)


@pytest.fixture
def db(tmp_path):
    store = make_school(tmp_path)
    amy = add_pupil(store, 1, forename="Amira", surname="Khan", reg_group="4A")
    ben = add_pupil(store, 2, forename="Ben", surname="Brook", reg_group="4A")
    for pupil, late in ((amy, LATE_DAYS), (ben, LATE_DAYS[:3])):
        marks = sessions(date(2024, 10, 1), date(2024, 11, 28), "/")
        for day in late:
            marks[(day, "AM")] = "L"
        marks[(date(2024, 10, 2), "AM")] = "L"  # last half-term: not counted
        put_marks(store, pupil, marks)
    for pupil, name in ((amy, "Ms Rukhsana Khan"), (ben, "Mr Tom Brook")):
        parent = store.contacts.add(
            Contact(
                None,
                name,
                address="1 Mill Lane, Northbridge",
                postcode="NB1 2AB",
                phones=(Phone("mobile", "07700 900001"),),
            )
        )
        store.contacts.link(Link(pupil.id, parent, "Parent", True, 1))
    store.close()
    return tmp_path / "school.sqlite"


def test_ladder_list_refusals_and_letters(db, capsys, tmp_path):
    code, out, _ = run(capsys, "--db", db, "lateness-letters", "list")
    assert code == 0 and "letter 1 at 5, letter 2 at 10" in out
    amira = next(line for line in out.splitlines() if "Amira Khan" in line)
    assert "L   6" in amira and "step 1" in amira
    assert "below the ladder" in next(line for line in out.splitlines() if "Ben Brook" in line)

    # Ben (3 late marks) is below step 1: refused, naming the figures; nothing issued
    code, _, err = run(
        capsys,
        "--db",
        db,
        "lateness-letters",
        "make",
        "--step",
        "1",
        "--upn",
        upn(2),
        "--out",
        tmp_path / "ben.pdf",
    )
    assert code == 1
    assert (
        "at least 5 late marks (L) this half-term (step 1 of the school's punctuality ladder)"
        in err
    )
    assert "(3 between 04/11/2024 and 29/11/2024)" in err
    # Amira's second letter needs 10
    code, _, err = run(
        capsys,
        "--db",
        db,
        "lateness-letters",
        "make",
        "--step",
        "2",
        "--upn",
        upn(1),
        "--out",
        tmp_path / "amy2.pdf",
    )
    assert code == 1 and "at least 10 late marks" in err and "(6 between 04/11/2024" in err

    # letter 1 for everyone at step 1 who has not had it: Amira only
    out_pdf = tmp_path / "lateness1.pdf"
    code, out, err = run(
        capsys, "--db", db, "lateness-letters", "make", "--step", "1", "--out", out_pdf
    )
    assert code == 0, err
    assert "1 letters issued (ATT/00001) for 1 pupils" in out
    text = text_of(out_pdf)
    assert "Dear Ms Khan" in text
    assert (
        "Amira Khan has arrived late to school 6 times this half-term (between 04/11/2024 and 29/11/2024)"
        in text
    )
    assert "late 5 times in a half-term" in text
    assert upn(1) not in text
    # a second run finds nobody waiting for letter 1
    code, _, err = run(
        capsys,
        "--db",
        db,
        "lateness-letters",
        "make",
        "--step",
        "1",
        "--out",
        tmp_path / "again.pdf",
    )
    assert code == 1 and "no pupil has reached lateness letter 1" in err
    code, out, _ = run(capsys, "--db", db, "lateness-letters", "list")
    assert "sent: lateness1 on 29/11/2024" in out

    # the ladder: letter 2 must need more than letter 1; then 3 and 6
    code, _, err = run(
        capsys, "--db", db, "lateness-letters", "ladder", "--letter1", "6", "--letter2", "6"
    )
    assert code == 1 and "must need more late marks than the first" in err
    code, out, _ = run(
        capsys, "--db", db, "lateness-letters", "ladder", "--letter1", "3", "--letter2", "6"
    )
    assert code == 0 and "letter 1 at 3 late marks (L) in a half-term; letter 2 at 6" in out
    out2 = tmp_path / "lateness2.pdf"
    code, out, err = run(
        capsys,
        "--db",
        db,
        "lateness-letters",
        "make",
        "--step",
        "2",
        "--upn",
        upn(1),
        "--out",
        out2,
    )
    assert code == 0, err
    assert "6 times this half-term" in text_of(
        out2
    ) and "at or above the 6 late arrivals" in text_of(out2)
    # sent anyway below the step (with a reason): the letter does not claim the step was reached
    code, _, err = run(
        capsys, "--db", db, "lateness-letters", "ladder", "--letter1", "5", "--letter2", "10"
    )
    assert code == 0, err
    out3 = tmp_path / "lateness2-override.pdf"
    code, _, err = run(
        capsys,
        "--db",
        db,
        "lateness-letters",
        "make",
        "--step",
        "2",
        "--upn",
        upn(1),
        "--out",
        out3,
        "--override-reason",
        "six late arrivals and no reply to the first letter",
    )
    assert code == 0, err
    assert "6 times this half-term" in text_of(out3) and "at or above" not in text_of(out3)

    store = open_school(db)
    with store:
        khan = store.pupils.by_upn(upn(1))
        assert [x.template for x in store.letters.for_pupil(khan.id)] == [
            "lateness1",
            "lateness2",
            "lateness2",
        ]
        outcomes = [e.outcome for e in store.casework.for_pupil(khan.id)]
        assert any(
            o.startswith("Lateness letter 1: concern about punctuality issued") for o in outcomes
        )
        assert "settings changed" in {e.action for e in store.audit.entries()}
