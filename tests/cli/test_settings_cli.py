"""`settings show` and `settings set` (issue 12 item 7): every setting with its value and what it may
hold; a value the program cannot use is refused naming the setting and the allowed values, with exit
code 1, and nothing changes (the same check as the window's, services/settings.py)."""

import re

import pytest

from attendance_desk.services.school import open_school
from tests.cli.test_cli import run
from tests.helpers import make_school


@pytest.fixture
def db(tmp_path):
    make_school(tmp_path).close()
    return tmp_path / "school.sqlite"


def saved(db):
    with open_school(db) as store:
        return store.settings.school(), len(store.audit.entries())


def test_show_lists_every_setting_with_what_it_may_hold(db, capsys):
    code, out, _ = run(capsys, "--db", db, "settings", "show")
    assert code == 0
    assert re.search(r"^part_time_tell_la +yes$", out, re.M)
    assert "Part-time timetables: tell the local authority of each: yes or no" in out
    assert "Support-map stages on 1 September: keep or restart" in out
    assert (
        "Lateness letter 2: late marks (L) in a half-term: a whole number from 1 to 100 (more than"
        in out
    )
    assert "support_map" in out and "change with: support-map --use NAME" in out
    assert "last_backup" in out and "set by the program" in out
    assert "logo" not in out and "head_signature" not in out  # nothing reads them any more


@pytest.mark.parametrize(
    "name, value, words",
    [
        (
            "part_time_tell_la",
            "maybe",
            "part_time_tell_la not changed (nothing was saved): Part-time timetables: tell the local "
            "authority of each: give yes or no, not 'maybe'. part_time_tell_la takes yes or no",
        ),
        (
            "stages_at_year_start",
            "later",
            "stages_at_year_start not changed (nothing was saved): Support-map stages on 1 "
            "September: give keep or restart, not 'later'. stages_at_year_start takes keep or restart",
        ),
        (
            "lateness_letter2",
            "5",
            "lateness_letter2 not changed (nothing was saved): Lateness letter 2: late marks (L) in a "
            "half-term: the second lateness letter (5) must need more late marks than the first (5)",
        ),
        ("lock_minutes", "999", "give a whole number from 1 to 120, not '999'"),
        ("logo", "logo.png", "logo is no longer a setting: the letterhead's logo is kept"),
        ("colour", "blue", "no setting called 'colour'"),
    ],
)
def test_set_refuses_a_bad_value_and_changes_nothing(db, capsys, name, value, words):
    before = saved(db)
    code, out, err = run(capsys, "--db", db, "settings", "set", name, value)
    assert code == 1 and out == ""
    assert words in err and "Traceback" not in err
    assert saved(db) == before


def test_set_changes_one_setting_and_the_audit_says_what_it_was(db, capsys):
    code, out, err = run(capsys, "--db", db, "settings", "set", "part_time_tell_la", "No")
    assert code == 0, err
    assert (
        out
        == "Part-time timetables: tell the local authority of each (part_time_tell_la) is now no.\n"
    )
    code, out, err = run(capsys, "--db", db, "settings", "set", "lateness-letter2", "12")
    assert code == 0, err
    settings, _ = saved(db)
    assert (settings.part_time_tell_la, settings.lateness_letter2) == ("no", "12")
    code, out, _ = run(capsys, "--db", db, "audit")
    assert "part_time_tell_la: 'yes' → 'no'" in out and "lateness_letter2: '10' → '12'" in out
