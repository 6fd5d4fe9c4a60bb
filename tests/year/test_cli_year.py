"""The rest-of-the-year commands through `main([...])` on a real school file with users, refusals
included (exit 1, the reason on stderr, nothing changed)."""

import json

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
