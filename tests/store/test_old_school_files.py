"""A school file saved by any earlier version opens with today's code, which upgrades it, and
nothing in it is lost or changed: the same marks, the same figures as that version printed, the
amendment still in the mark history, the hash chains whole (check) and the audit kept.

tests/data/schools/ holds one small file per schema version, each made by the code of the commit
that introduced the version (tests/data/schools/make.sh says how); vNN is the version."""

from __future__ import annotations

import gzip
import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from attendance_desk.errors import UserError
from attendance_desk.services.check import check_school
from attendance_desk.services.figures import pupil_figures
from attendance_desk.services.marks import amend_mark, mark_history
from attendance_desk.services.school import open_school
from attendance_desk.store.schema import SCHEMA_VERSION

SCHOOLS = Path(__file__).resolve().parent.parent / "data" / "schools"
FILES = sorted(SCHOOLS.glob("v*.sqlite.gz"))
START, END = date(2024, 9, 1), date(2024, 11, 20)  # the period make.sh asked the old figures for
COMPARED = (
    "possible",
    "present",
    "aea",
    "authorised",
    "unauthorised",
    "late_before_close",
    "late_after_close",
    "attendance_pct",
)


def test_there_is_a_file_for_the_first_version_and_for_several_after_it():
    versions = [int(f.name[1:3]) for f in FILES]
    assert versions[0] == 1 and len(set(versions)) >= 10 and versions == sorted(versions)
    assert max(versions) < SCHEMA_VERSION or max(versions) == SCHEMA_VERSION


def _raw(path: Path) -> tuple[set, int, int]:
    """What the file holds, read with plain SQL before today's code opens it: the marks as
    (UPN, date, session, code), the number of mark-history rows and of audit entries."""
    conn = sqlite3.connect(path)
    try:
        marks = set(
            conn.execute(
                "SELECT p.upn, m.date, m.session, m.code FROM marks m "
                "JOIN pupils p ON p.id = m.pupil_id"
            )
        )
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        history = conn.execute("SELECT count(*) FROM mark_history").fetchone()[0]
        audit = conn.execute("SELECT count(*) FROM audit").fetchone()[0] if "audit" in tables else 0
    finally:
        conn.close()
    return marks, history, audit


def _problems(report) -> list[str]:
    return [p for p in report.problems if "missing mark" not in p]


# Two files come from commits made in the middle of a working session, never released to a school
# (40aaa50 and ac654af are three minutes apart on 24/11; m013 and dd85f40 are both from the session
# that released the hash chains): the released versions never had these states. They are kept, failing
# on purpose (strict xfail), as a reminder that a shipped migration or seal format is never edited in
# place; a release that did so would need a migration like the one each reason names. v13-799c751 is
# the last release before this one (the file every school upgrading now has).
KNOWN = {  # by file name up to the commit
    "v03-40aaa50": "an unreleased state: migration 3 gained letters.page in place (ac654af) three minutes after "
    "40aaa50; a file from 40aaa50 has no page column (a release would need an ADD COLUMN migration)",
    "v13-5c5fc28": "an unreleased state: the row seal changed from JSON to separator-joined text (dd85f40) before "
    "the hash chains were released; a file sealed the old way reads as changed outside the app",
}


def _cases():
    for f in FILES:
        reason = KNOWN.get(f.name.split(".")[0])
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(f, id=f.name.split(".")[0], marks=marks)


@pytest.mark.parametrize("saved", list(_cases()))
def test_an_old_school_file_is_upgraded_with_nothing_lost(saved, tmp_path):
    path = tmp_path / "school.sqlite"
    path.write_bytes(gzip.decompress(saved.read_bytes()))
    marks_before, history_before, audit_before = _raw(path)
    assert marks_before and history_before == 1  # the demo's marks and make.sh's one amendment
    old_figures = {
        row["upn"]: row
        for row in json.loads(
            saved.with_name(saved.name.replace(".sqlite.gz", ".stats.json")).read_text()
        )
    }

    with open_school(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        rows = pupil_figures(store, START, END)
        assert {r.pupil.upn for r in rows} == set(old_figures)
        for r in rows:  # the figures that version printed, from the upgraded file
            now = r.as_json()
            assert {k: now[k] for k in COMPARED} == {
                k: old_figures[r.pupil.upn][k] for k in COMPARED
            }
        amended = next(upn for upn, *_ in marks_before if mark_history(store, upn)[1])
        _, entries = mark_history(store, amended)
        assert [(e.new_code, e.reason) for e in entries] == [("I", "mother rang: flu")]
        # the demo's two weeks leave the rest of the term without marks: only that may be reported
        assert _problems(check_school(store, None)) == []
        assert len(store.audit.entries()) >= audit_before

        # the upgraded file takes a new amendment, and its chains still check
        upn, day, session, code = sorted(m for m in marks_before if m[0] != amended)[0]
        amend_mark(
            store, upn, date.fromisoformat(day), session, "M", "appointment card seen", "office1"
        )
        assert _problems(check_school(store, None)) == []

    marks_after, history_after, audit_after = _raw(path)
    assert marks_after == (marks_before - {(upn, day, session, code)}) | {(upn, day, session, "M")}
    assert history_after == history_before + 1 and audit_after > audit_before


def test_an_upgrade_first_keeps_the_file_as_it_was_and_refuses_if_it_cannot(tmp_path):
    """Opening an earlier version's file changes it for good; a copy as it was is kept first, in the
    school's backup folder under a name rotation never removes, so a failed or unwanted upgrade can
    be undone by putting the copy back. No copy, no upgrade."""
    saved = FILES[-1]
    original = gzip.decompress(saved.read_bytes())
    path = tmp_path / "school.sqlite"
    path.write_bytes(original)
    old_version = int(saved.name[1:3])
    marks_before, history_before, audit_before = _raw(path)
    # the backup folder cannot be made (a file stands where it would go): refused, nothing changed
    (tmp_path / "backups").write_text("not a folder")
    with pytest.raises(UserError) as refused:
        open_school(path)
    assert "earlier version" in str(refused.value) and "Nothing was changed" in str(refused.value)
    assert _version(path) == old_version
    assert _raw(path) == (marks_before, history_before, audit_before)
    (tmp_path / "backups").unlink()

    with open_school(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    kept = sorted((tmp_path / "backups").glob("school-before-version-*.sqlite"))
    assert [k.name.split("-")[3] for k in kept] == [str(SCHEMA_VERSION)]
    assert not list((tmp_path / "backups").glob("*.partial"))
    # the copy is the file as it was: its version and everything in it
    assert _version(kept[0]) == old_version
    assert _raw(kept[0]) == (marks_before, history_before, audit_before)
    # opening the upgraded file again makes no second copy
    open_school(path).close()
    assert sorted((tmp_path / "backups").glob("school-before-version-*.sqlite")) == kept


def _version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()
