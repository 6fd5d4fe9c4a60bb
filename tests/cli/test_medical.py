"""Medical evidence end to end (issue 15 item 5) on a real school file, from the command line.

Sources: DfE, Working together to improve school attendance (2024): schools may ask for medical
evidence where there is a pattern of absence and record illness as unauthorised (O) when not
satisfied; the school's support map (resources/support_map.toml): from stage 2 further illness is
not authorised without evidence (the stage 2 letter says so; domain/referral.py)."""

from datetime import date

import pytest

from attendance_desk.services.pack import evidence_checklist
from attendance_desk.services.school import open_school
from tests.cli.test_cli import run
from tests.helpers import add_pupil, make_school, put_marks, sessions, upn

ITEM = "Medical evidence for absence recorded as illness"


@pytest.fixture
def db(tmp_path):
    store = make_school(tmp_path)
    pupil = add_pupil(store, 1, forename="Amira", surname="Khan", reg_group="4A")
    marks = sessions(date(2024, 11, 4), date(2024, 11, 22), "/")
    for day in (date(2024, 11, 11), date(2024, 11, 18), date(2024, 11, 19)):
        marks[(day, "AM")] = marks[(day, "PM")] = "I"
    marks[(date(2024, 11, 21), "AM")] = "I"
    put_marks(store, pupil, marks)
    store.close()
    return tmp_path / "school.sqlite"


def flagged(capsys, db):
    return run(capsys, "--db", db, "medical", "flagged")[1]


def test_illness_from_stage_2_is_flagged_evidenced_or_decided(db, capsys):
    # at no stage: nothing flagged
    assert "none" in flagged(capsys, db)
    assert (
        run(
            capsys,
            "--db",
            db,
            "stage",
            "--upn",
            upn(1),
            "--enter",
            "stage1",
            "--date",
            "2024-11-15",
        )[0]
        == 0
    )
    assert (
        run(
            capsys,
            "--db",
            db,
            "stage",
            "--upn",
            upn(1),
            "--enter",
            "stage2",
            "--date",
            "2024-11-15",
        )[0]
        == 0
    )
    out = flagged(capsys, db)
    # 11/11 was before stage 2: not flagged; 18/11, 19/11 (both sessions) and 21/11 AM are
    assert "11/11/2024" not in out
    for when in (
        "Mon 18/11/2024 AM",
        "Mon 18/11/2024 PM",
        "Tue 19/11/2024 PM",
        "Thu 21/11/2024 AM",
    ):
        assert when in out
    assert out.count("for the attendance lead to decide") == 5

    # refusals name the problem and write nothing
    code, _, err = run(
        capsys,
        "--db",
        db,
        "medical",
        "add",
        "--upn",
        upn(1),
        "--what",
        "GP letter",
        "--from-whom",
        "Dr Patel, Northbridge Surgery",
        "--dated",
        "2024-11-22",
        "--received",
        "2024-11-21",
        "--covers-from",
        "2024-11-18",
        "--covers-to",
        "2024-11-19",
    )
    assert code == 1 and "dated 22/11/2024, after the day it was received (21/11/2024)" in err
    code, _, err = run(
        capsys,
        "--db",
        db,
        "medical",
        "add",
        "--upn",
        upn(1),
        "--what",
        "GP letter",
        "--from-whom",
        "Dr Patel, Northbridge Surgery",
        "--dated",
        "2024-11-20",
        "--covers-from",
        "2024-11-19",
        "--covers-to",
        "2024-11-18",
    )
    assert code == 1 and "the end is before the start" in err
    code, out, err = run(
        capsys,
        "--db",
        db,
        "medical",
        "add",
        "--upn",
        upn(1),
        "--what",
        "GP letter",
        "--from-whom",
        "Dr Patel, Northbridge Surgery",
        "--dated",
        "2024-11-20",
        "--received",
        "2024-11-21",
        "--covers-from",
        "2024-11-18",
        "--covers-to",
        "2024-11-19",
    )
    assert code == 0, err
    assert (
        "GP letter from Dr Patel, Northbridge Surgery, dated 20/11/2024, received 21/11/2024, covering 18/11/2024 to 19/11/2024"
        in out
    )
    out = flagged(capsys, db)
    assert out.count("for the attendance lead to decide") == 1 and "Thu 21/11/2024 AM" in out
    code, out, _ = run(capsys, "--db", db, "medical", "list", "--upn", upn(1))
    assert "Mon 18/11/2024 AM: evidenced (GP letter from Dr Patel" in out
    assert "Mon 11/11/2024 AM: no medical evidence" in out

    store = open_school(db)
    with store:
        item = next(
            c for c in evidence_checklist(store, upn(1), date(2024, 11, 29)) if c.item == ITEM
        )
        assert not item.ok and "Thu 21/11/2024 AM" in item.detail

    # a covered session cannot be decided; nor a session that is not I
    code, _, err = run(
        capsys,
        "--db",
        db,
        "medical",
        "decide",
        "--upn",
        upn(1),
        "--date",
        "2024-11-18",
        "--session",
        "AM",
        "--code",
        "O",
        "--reason",
        "no evidence was given",
    )
    assert code == 1 and "covered by medical evidence" in err
    code, _, err = run(
        capsys,
        "--db",
        db,
        "medical",
        "decide",
        "--upn",
        upn(1),
        "--date",
        "2024-11-20",
        "--session",
        "AM",
        "--code",
        "O",
        "--reason",
        "no evidence was given",
    )
    assert code == 1 and "no illness mark (I) on 20/11/2024 AM: the mark is /" in err
    # the lead recodes 21/11 AM to O: through the amendment, with the history and the audit
    code, out, err = run(
        capsys,
        "--db",
        db,
        "medical",
        "decide",
        "--upn",
        upn(1),
        "--date",
        "2024-11-21",
        "--session",
        "AM",
        "--code",
        "O",
        "--reason",
        "no evidence after two requests",
    )
    assert code == 0, err
    assert "none" in flagged(capsys, db)
    code, out, _ = run(capsys, "--db", db, "history", "--upn", upn(1), "--date", "2024-11-21")
    assert "I" in out and "O" in out and "illness not authorised without medical evidence" in out

    store = open_school(db)
    with store:
        khan = store.pupils.by_upn(upn(1))
        assert store.marks.get(khan.id, date(2024, 11, 21), "AM").code == "O"
        item = next(
            c for c in evidence_checklist(store, upn(1), date(2024, 11, 29)) if c.item == ITEM
        )
        assert item.ok and "received: GP letter from Dr Patel" in item.detail
        assert "decided O: no evidence after two requests" in item.detail
        outcomes = [e.outcome for e in store.casework.for_pupil(khan.id)]
        assert "Medical evidence received" in outcomes
        assert (
            "Illness on 21/11/2024 AM without medical evidence: recoded O (unauthorised)"
            in outcomes
        )
        actions = {e.action for e in store.audit.entries()}
        assert {"medical evidence recorded", "illness without evidence decided"} <= actions
