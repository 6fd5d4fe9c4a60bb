"""The rest-of-the-year commands through `main([...])` on a real school file with users, refusals
included (exit 1, the reason on stderr, nothing changed)."""

import json
from datetime import date

import pytest

from attendance_desk.cli import main
from tests.helpers import upn
from tests.year.conftest import PASSWORD


@pytest.fixture
def db(store, monkeypatch):
    monkeypatch.setenv("ATTENDANCE_DESK_PASSWORD", PASSWORD)
    path = store.path
    store.close()
    return path


def run(capsys, db, who, today, *args):
    code = main(["--db", str(db), "--today", today, "--as", who, *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_leave_commands(db, capsys, tmp_path):
    with pytest.raises(SystemExit):
        main(["leave", "--help"])
    assert "exceptional circumstances" in capsys.readouterr().out
    code, out, err = run(
        capsys,
        db,
        "Reception",
        "2024-11-20",
        "leave",
        "request",
        "--upn",
        upn(1),
        "--upn",
        upn(2),
        "--from",
        "2024-12-09",
        "--to",
        "2024-12-13",
        "--reason",
        "wedding abroad",
        "--requested-by",
        "Ms Jo Brook",
    )
    assert code == 0, err
    assert "Leave request 1 recorded for 2 pupils" in out and "due by 04/12/2024" in out
    code, out, _ = run(capsys, db, "Reception", "2024-11-27", "leave", "list")
    assert "5 school days left" in out and "Amy Brook" in out
    code, out, err = run(
        capsys, db, "Okonjo", "2024-12-06", "leave", "decide", "--request", 1, "--refuse"
    )
    assert code == 1 and "head teacher or someone the head has delegated" in err
    code, out, err = run(
        capsys, db, "Harwood", "2024-12-06", "leave", "decide", "--request", 1, "--refuse"
    )
    assert code == 0 and "AFTER THE DEADLINE (04/12/2024)" in out
    code, out, err = run(
        capsys,
        db,
        "Okonjo",
        "2024-12-06",
        "leave",
        "letters",
        "--request",
        1,
        "--out",
        tmp_path / "leave.pdf",
    )
    assert code == 0, err
    assert "4 letters issued" in out
    code, out, _ = run(capsys, db, "Okonjo", "2024-12-06", "leave", "list", "--all", "--json")
    rows = json.loads(out)
    assert {r["status"] for r in rows} == {"refused"} and all(r["decided_late"] for r in rows)
    assert all(r["letters"].startswith("ATT/") for r in rows)


def test_penalty_commands(db, capsys, tmp_path):
    with pytest.raises(SystemExit):
        main(["penalty", "--help"])
    assert "£80 if paid within" in capsys.readouterr().out
    code, out, err = run(capsys, db, "Okonjo", "2024-11-20", "penalty", "check", "--upn", upn(3))
    assert code == 0 and "11 unauthorised sessions at most in any 10 school weeks" in out
    code, out, err = run(
        capsys,
        db,
        "Okonjo",
        "2024-11-20",
        "penalty",
        "nti",
        "--upn",
        upn(1),
        "--ends",
        "2024-12-18",
    )
    assert code == 1 and "below the penalty-notice threshold of 10" in err and "is 0" in err
    code, out, err = run(
        capsys,
        db,
        "Okonjo",
        "2024-11-20",
        "penalty",
        "nti",
        "--upn",
        upn(3),
        "--ends",
        "2024-12-18",
    )
    assert code == 0, err
    assert "Case 1: Cal Field, Mrs Dee Field: Notice to improve 20/11/2024" in out
    code, out, err = run(capsys, db, "Okonjo", "2024-12-19", "penalty", "request", "--case", 1)
    assert code == 0, err
    assert "no letters or meetings recorded" in out
    code, out, err = run(
        capsys,
        db,
        "Okonjo",
        "2024-12-19",
        "penalty",
        "form",
        "--case",
        1,
        "--out",
        tmp_path / "r.pdf",
    )
    assert code == 0 and (tmp_path / "r.pdf").exists()
    code, out, err = run(
        capsys, db, "Okonjo", "2025-01-06", "penalty", "issued", "--case", 1, "--ref", "PN/1"
    )
    assert code == 0 and "£160 by 03/02/2025, £80 by 27/01/2025" in out
    code, out, err = run(capsys, db, "Okonjo", "2025-01-06", "penalty", "unpaid", "--case", 1)
    assert code == 1 and "may still be paid until 03/02/2025" in err
    code, out, _ = run(capsys, db, "Okonjo", "2025-01-06", "penalty", "list", "--json")
    (case,) = json.loads(out)
    assert case["state"] == "issued" and case["steps"][-1]["amount"] == 160


def test_cme_commands(db, capsys, tmp_path):
    from attendance_desk.services.school import open_school
    from tests.helpers import put_marks, sessions
    from tests.year.conftest import CAL

    with open_school(db) as store:
        ben = store.pupils.by_upn(upn(2))
        put_marks(store, ben, sessions(date(2024, 11, 20), date(2024, 12, 3), "O", calendar=CAL))
    with pytest.raises(SystemExit):
        main(["cme", "--help"])
    assert "unexplained absence" in capsys.readouterr().out
    code, out, err = run(capsys, db, "Okonjo", "2024-12-02", "cme", "refer", "--upn", upn(2))
    assert code == 1 and "9 school days of unexplained absence" in err
    code, out, err = run(capsys, db, "Okonjo", "2024-12-03", "cme", "status", "--upn", upn(2))
    assert "10 school days of unexplained absence" in out and "referral is due" in out
    code, out, err = run(capsys, db, "Okonjo", "2024-12-03", "cme", "refer", "--upn", upn(2))
    assert code == 0 and "Referral 1 recorded on 03/12/2024" in out
    code, out, err = run(
        capsys,
        db,
        "Okonjo",
        "2024-12-03",
        "cme",
        "form",
        "--referral",
        1,
        "--out",
        tmp_path / "c.pdf",
    )
    assert code == 0 and (tmp_path / "c.pdf").exists()
    code, out, err = run(
        capsys,
        db,
        "Okonjo",
        "2024-12-04",
        "cme",
        "outcome",
        "--referral",
        1,
        "--outcome",
        "home educated now",
    )
    assert code == 0 and "home educated now (04/12/2024)" in out
    code, out, _ = run(capsys, db, "Okonjo", "2024-12-04", "cme", "list", "--json")
    assert json.loads(out)[0]["outcome"] == "home educated now"


def test_social_workers_commands(db, capsys):
    from attendance_desk.services.school import open_school
    from tests.helpers import put_marks

    with pytest.raises(SystemExit):
        main(["social-workers", "--help"])
    assert "nothing is sent" in capsys.readouterr().out
    code, out, err = run(
        capsys,
        db,
        "Okonjo",
        "2024-11-20",
        "social-workers",
        "contacts",
        "--upn",
        upn(3),
        "--worker",
        "Ms Rita Patel",
        "--email",
        "rita@northshire.example",
    )
    assert code == 0, err
    with open_school(db) as store:
        from dataclasses import replace

        cal = store.pupils.by_upn(upn(3))
        store.pupils.upsert_many(
            [replace(cal, looked_after=True, virtual_school_contact="VS Northshire")]
        )
        put_marks(store, cal, {(date(2024, 11, 20), "AM"): "N"})
    code, out, _ = run(capsys, db, "Reception", "2024-11-20", "social-workers", "list")
    assert "Ms Rita Patel: rita@northshire.example" in out and "NOT TOLD YET" in out
    assert "virtual school: VS Northshire" in out
    code, out, _ = run(capsys, db, "Reception", "2024-11-20", "social-workers", "draft")
    assert "===== To: Ms Rita Patel <rita@northshire.example>" in out and "looked after" in out
    code, out, err = run(
        capsys, db, "Reception", "2024-11-20", "social-workers", "told", "--worker", "Nobody"
    )
    assert code == 1 and "no child of 'Nobody'" in err
    code, out, err = run(
        capsys, db, "Reception", "2024-11-20", "social-workers", "told", "--worker", "Ms Rita Patel"
    )
    assert code == 0 and "told about 1 child(ren)" in out
    code, out, _ = run(capsys, db, "Reception", "2024-11-20", "social-workers", "list", "--json")
    assert json.loads(out)[0]["children"][0]["told"].startswith("told ")


def test_messages_commands(db, capsys, tmp_path):
    from attendance_desk.services.school import open_school
    from tests.helpers import put_marks

    with pytest.raises(SystemExit):
        main(["messages", "--help"])
    assert "Nothing is sent" in capsys.readouterr().out
    with open_school(db) as store:
        put_marks(store, store.pupils.by_upn(upn(2)), {(date(2024, 11, 20), "AM"): "N"})
    code, out, err = run(capsys, db, "Reception", "2024-11-20", "messages", "calls")
    assert code == 1 and "give --out" in err
    code, out, err = run(
        capsys,
        db,
        "Reception",
        "2024-11-20",
        "messages",
        "calls",
        "--preview",
        "--message",
        "Hello {salutation}, where is {pupils}?",
    )
    assert code == 0 and "Ms Jo Brook 07700900001: Hello Ms Brook, where is Ben?" in out
    code, out, err = run(
        capsys, db, "Reception", "2024-11-20", "messages", "calls", "--out", tmp_path / "t.csv"
    )
    assert code == 0 and "1 messages written" in out and "nothing sent" in out
    code, out, err = run(
        capsys, db, "Reception", "2024-11-20", "messages", "letters", "--out", tmp_path / "l.csv"
    )
    assert code == 1 and "no letters were issued on 20/11/2024" in err
