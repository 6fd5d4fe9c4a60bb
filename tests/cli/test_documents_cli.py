"""`attendance-desk documents`: the school's templates, support maps and logo, kept in its file."""

import io

from PIL import Image

from attendance_desk.cli import main
from tests.helpers import make_school


def run(capsys, db, *args):
    code = main(["--db", str(db), "--as", "lead1", "documents", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_list_show_set_history_default_and_export(tmp_path, capsys):
    make_school(tmp_path).close()
    db = tmp_path / "school.sqlite"
    code, out, _ = run(capsys, db, "list")
    assert code == 0
    assert "letter       stage1" in out and "as shipped" in out
    assert "support-map  la_three_stage.toml" in out
    code, original, _ = run(capsys, db, "show", "letter", "stage1")
    assert code == 0 and original.startswith("Name: Stage 1")
    mine = tmp_path / "stage1.txt"
    mine.write_text(original + "\nWe are here to help.\n", encoding="utf-8")
    code, out, _ = run(capsys, db, "set", "letter", "stage1", mine, "--reason", "softer close")
    assert (code, out) == (0, "stage1: version 2 saved in the school file.\n")
    code, out, _ = run(capsys, db, "history", "letter", "stage1")
    lines = out.splitlines()
    assert lines[0].startswith("v1   as shipped Attendance Desk (shipped default)")
    assert lines[1].startswith("v2   edited     lead1 ") and lines[1].endswith(": softer close")
    code, out, _ = run(
        capsys, db, "export", "letter", "stage1", tmp_path / "v1.txt", "--version", 1
    )
    assert code == 0 and (tmp_path / "v1.txt").read_text(encoding="utf-8") == original
    code, out, _ = run(capsys, db, "default", "letter", "stage1")
    assert out == "stage1 is back to the shipped wording (version 3).\n"


def test_a_broken_template_is_refused_with_its_line(tmp_path, capsys):
    make_school(tmp_path).close()
    db = tmp_path / "school.sqlite"
    bad = tmp_path / "bad.txt"
    bad.write_text("Subject: x\n\n{% for x in %}\n", encoding="utf-8")
    code, out, err = run(capsys, db, "set", "letter", "stage2", bad)
    assert code == 1 and out == ""
    assert "not saved: stage2.txt.j2, line 3" in err
    assert "Traceback" not in err
    code, out, _ = run(capsys, db, "history", "letter", "stage2")
    assert len(out.splitlines()) == 1


def test_the_logo_is_stored_and_removed(tmp_path, capsys):
    make_school(tmp_path).close()
    db = tmp_path / "school.sqlite"
    image = tmp_path / "logo.png"
    buf = io.BytesIO()
    Image.new("RGB", (40, 40), (10, 80, 120)).save(buf, format="PNG")
    image.write_bytes(buf.getvalue())
    code, out, _ = run(capsys, db, "set", "logo", "logo", image)
    assert code == 0
    image.unlink()  # the file on this PC's disk is no longer needed
    code, out, _ = run(capsys, db, "export", "logo", "logo", tmp_path / "back.png")
    assert code == 0 and (tmp_path / "back.png").read_bytes() == buf.getvalue()
    code, out, _ = run(capsys, db, "set", "logo", "logo", "--remove")
    assert out == "The logo is removed from the letterhead (version 2).\n"
    code, _, err = run(capsys, db, "show", "logo", "logo")
    assert code == 1 and "was removed" in err
