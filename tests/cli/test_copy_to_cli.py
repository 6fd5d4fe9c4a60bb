"""`copy-to` on the command line (docs/server.md, step 7): the school into a new file, verified;
a server that cannot be found named (the copy onto a server: tests/cli/test_server_option_cli.py);
an existing file refused, nothing changed."""

from attendance_desk.cli import main
from attendance_desk.store.db import open_store
from tests.helpers import add_pupil, make_school, put_marks, sessions


def test_copy_to_a_new_file_and_the_refusals(tmp_path, capsys):
    from datetime import date

    store = make_school(tmp_path)
    pupil = add_pupil(store, 1)
    put_marks(store, pupil, sessions(date(2024, 9, 3), date(2024, 9, 13), "/"))
    store.close()
    school = tmp_path / "school.sqlite"
    carried = tmp_path / "carried.sqlite"

    code = main(["--db", str(school), "--as", "lead1", "copy-to", str(carried)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"Copied to {carried}:" in out and "hash chains and their heads" in out
    copy = open_store(carried)
    try:
        assert copy.query("SELECT COUNT(*) FROM marks")[0][0] == 18  # 9 school days, AM and PM
    finally:
        copy.close()

    code = main(["--db", str(school), "--as", "lead1", "copy-to", str(carried)])
    assert code == 1 and "already exists" in capsys.readouterr().err

    code = main(
        ["--db", str(school), "--as", "lead1", "copy-to", "postgresql://it:secret@server.invalid/a"]
    )
    err = capsys.readouterr().err
    assert code == 1 and "could not find the school's server 'server.invalid'" in err
    assert "secret" not in err and "Traceback" not in err
    school_store = open_store(school)
    try:
        logged = school_store.query("SELECT action, subject FROM audit WHERE action = 'copy-to'")
        assert [tuple(r) for r in logged] == [("copy-to", str(carried.resolve()))]
    finally:
        school_store.close()
