"""The same school on a file and on the school's server gives the same answers on the command line
(docs/server.md, step 8): a demo school (40 pupils, six weeks, its casework) copied onto the
throwaway cluster with `copy-to`, then every command that reads the school run on both, their
output compared word for word; then the same amendment, late arrival and first-day call made on
both, and what they show afterwards compared; the same documents (a certificate, the referral pack,
stage 1 letters, a CTF) made from each. `check` says what it checked in its own words on each
engine, and finds both sound."""

from __future__ import annotations

import re
import sqlite3
from datetime import date

import pytest

from attendance_desk.cli import main
from attendance_desk.services.demo import build_demo_school
from tests.cli.test_server_option_cli import database, quiet, url  # noqa: F401 (fixture)

TODAY = "2026-11-20"


@pytest.fixture
def both(pg_school_server, quiet, tmp_path, capsys):  # noqa: F811
    """(the file, the server's address) holding the same demo school."""
    school = tmp_path / "demo.sqlite"
    build_demo_school(school, pupils=40, today=date.fromisoformat(TODAY), seed=2, weeks=6).close()
    name = database(pg_school_server)
    owner = url(pg_school_server, name, pg_school_server["superuser"])
    assert main(["--db", str(school), "copy-to", owner]) == 0
    capsys.readouterr()
    return school, url(pg_school_server, name)


def outputs(capsys, school, at, *argv: str) -> list[tuple[int, str, str]]:
    found = []
    for db in (str(school), at):
        code = main(["--today", TODAY, "--db", db, *argv])
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        found.append((code, out.replace(db, "SCHOOL"), err.replace(db, "SCHOOL")))
    return found


def test_every_reading_command_answers_the_same_on_the_server(both, capsys):
    school, at = both
    with sqlite3.connect(school) as conn:
        upns = [r[0] for r in conn.execute("SELECT upn FROM pupils ORDER BY id LIMIT 3")]
    commands = [
        ["stats", "--json"],
        ["calls", "--json"],
        ["lates", "--json"],
        ["stages", "--json"],
        ["stages", "--all"],
        ["meetings"],
        ["calendar", "show"],
        ["settings", "show"],
        ["support-map"],
        ["leave", "list"],
        ["penalty", "list"],
        ["cme", "list"],
        ["part-time", "list"],
        ["early-help", "list"],
        ["social-workers", "list"],
        ["medical", "flagged"],
        ["user", "list"],
        ["retention"],
    ]
    for upn in upns:
        commands += [
            ["letter-log", "--upn", upn],
            ["history", "--upn", upn],
            ["penalty", "check", "--upn", upn],
            ["medical", "list", "--upn", upn],
            ["cme", "status", "--upn", upn],
        ]
    for argv in commands:
        on_file, on_server = outputs(capsys, school, at, *argv)
        assert on_file[0] == 0, (argv, on_file[2])
        assert on_server == on_file, argv
    on_file, on_server = outputs(capsys, school, at, "check")
    assert on_file[0] == on_server[0] == 0
    assert on_file[1].splitlines()[-1] == on_server[1].splitlines()[-1]  # OK; marks, amendments


def test_the_same_changes_show_the_same_afterwards(both, capsys):
    school, at = both
    with sqlite3.connect(school) as conn:
        upn, day = conn.execute(
            "SELECT p.upn, m.date FROM marks m JOIN pupils p ON p.id = m.pupil_id "
            "WHERE m.session = 'AM' AND m.code = '/' ORDER BY m.date DESC, p.id LIMIT 1"
        ).fetchone()
    changes = [
        ["amend", "--upn", upn, "--date", day, "--session", "AM", "--code", "M",
         "--reason", "dentist: appointment card seen"],
        ["late", "--upn", upn, "--date", day, "--session", "PM", "--arrived", "13:20"],
    ]  # fmt: skip
    for argv in changes:
        on_file, on_server = outputs(capsys, school, at, *argv)
        assert on_file[0] == 0, (argv, on_file[2])
        assert on_server == on_file, argv
    for argv in (["history", "--upn", upn], ["lates", "--json"], ["stats", "--json"]):
        on_file, on_server = outputs(capsys, school, at, *argv)
        assert on_server == on_file, argv


def test_the_same_documents_come_from_the_server(both, capsys, tmp_path):
    from tests.helpers import text_of

    school, at = both
    with sqlite3.connect(school) as conn:
        upn = conn.execute(
            "SELECT p.upn FROM pupils p JOIN marks m ON m.pupil_id = p.id "
            "WHERE m.code = 'N' GROUP BY p.id ORDER BY COUNT(*) DESC, p.id LIMIT 1"
        ).fetchone()[0]
    made = {}
    for where, db in (("file", str(school)), ("server", at)):
        out = tmp_path / where
        out.mkdir()
        for argv in (
            ["certificate", "--upn", upn, "--from", "2026-10-12", "--to", TODAY,
             "--out", str(out / "certificate.pdf")],
            ["pack", "--upn", upn, "--out", str(out / "pack.pdf")],
            ["letters", "--stage", "stage1", "--preview", "--out", str(out)],
            ["export", "ctf", str(out / "school.xml")],
        ):  # fmt: skip
            code = main(["--today", TODAY, "--db", db, *argv])
            assert code == 0, (argv, capsys.readouterr().err)
        capsys.readouterr()
        made[where] = {
            p.name: text_of(p) if p.suffix == ".pdf" else p.read_text(encoding="utf-8")
            for p in sorted(out.iterdir())
        }
        made[where]["school.xml"] = re.sub(  # when the CTF was made: a moment apart
            r"<DateTime>[^<]*</DateTime>", "", made[where]["school.xml"]
        )
    assert set(made["file"]) == {
        "certificate.pdf",
        "pack.pdf",
        "school.xml",
        f"stage1-letters-{TODAY}-preview.pdf",
    }
    assert made["server"] == made["file"]
