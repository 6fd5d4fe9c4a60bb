"""The command line on a network drive, and asked for the server option (issue 16)."""

from attendance_desk.cli import main
from attendance_desk.store import db as store_db
from attendance_desk.store.location import Location
from tests.helpers import make_school

SHARE = Location(True, "cifs", "//nas/attendance on /mnt/office")


def on_a_share(monkeypatch):
    monkeypatch.setattr(store_db, "network_location", lambda _p: SHARE)
    monkeypatch.setattr("attendance_desk.services.server.network_location", lambda _p: SHARE)


def test_the_command_line_notes_a_network_drive(tmp_path, monkeypatch, capsys):
    make_school(tmp_path).close()
    on_a_share(monkeypatch)
    code = main(["--db", str(tmp_path / "school.sqlite"), "--as", "office1", "calendar", "show"])
    err = capsys.readouterr().err
    assert code == 0
    assert "note: The school file is on a network location (cifs" in err
    assert "server option" in err


def test_a_server_not_found_is_said_plainly(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(["--db", "postgresql://office@school-server.invalid/attendance", "stats"])
    err = capsys.readouterr().err
    assert code == 1
    assert "could not find the school's server 'school-server.invalid' by that name" in err
    assert "Traceback" not in err
    assert not list(tmp_path.iterdir())  # no folder called postgresql: made anywhere here
