"""Settings that validate (issue 12 item 7): every setting is one the program reads, each value is
checked in the service (so the window and `settings set` refuse the same things), a refusal names
the setting and what it may hold and changes nothing, and the calendar refuses dates outside the
school year. The lateness ladder is school policy (no national rule); the penalty threshold is the
LA's code of conduct (nationally 10 sessions in 10 school weeks: the 2024 guidance, 'Working together
to improve school attendance', ch. 6)."""

import json
import sqlite3
from dataclasses import fields, replace
from datetime import date

import pytest

from attendance_desk.domain.records import SchoolSettings
from attendance_desk.services.lateness import save_ladder
from attendance_desk.services.school import (
    ServiceError,
    add_closure,
    add_term,
    save_settings,
)
from attendance_desk.services.settings import (
    BY_NAME,
    SETTINGS,
    SettingsRefused,
    change_setting,
    described,
    problems,
)
from attendance_desk.services.users import add_user
from attendance_desk.store.db import open_store
from attendance_desk.store.schema import SCHEMA_VERSION
from tests.helpers import make_school


@pytest.fixture
def store(tmp_path):
    s = make_school(tmp_path)
    yield s
    s.close()


def entries(store) -> int:
    return len(store.audit.entries())


def test_every_setting_is_described_and_the_dead_ones_are_gone(store):
    assert [s.name for s in SETTINGS] == [f.name for f in fields(SchoolSettings)]
    for dead in ("logo", "head_signature"):
        assert dead not in BY_NAME
        with pytest.raises(ServiceError, match=f"{dead} is no longer a setting.*school file"):
            change_setting(store, dead, "x.png")
    with pytest.raises(ServiceError, match="no setting called 'colour'.*lock_minutes"):
        change_setting(store, "colour", "blue")


@pytest.mark.parametrize(
    "name, value, words",
    [
        (
            "part_time_tell_la",
            "maybe",
            "tell the local authority of each: give yes or no, not 'maybe'",
        ),
        ("stages_at_year_start", "sometimes", "give keep or restart, not 'sometimes'"),
        ("lock_minutes", "0", "give a whole number from 1 to 120, not '0'"),
        ("lock_minutes", "ten", "give a whole number from 1 to 120, not 'ten'"),
        ("cme_days", "", "give a whole number from 1 to 60, not ''"),
        ("am_register_opens", "9am", "give a time as HH:MM, not '9am'"),
        ("name", "  ", "School name: required; it cannot be empty"),
        ("urn", "", "URN: required"),
        ("urn", "12345", "URN: give 6 digits, not '12345'"),
        ("la_number", "88", "LA number: give 3 digits (or leave it empty), not '88'"),
        ("estab_number", "20011", "Establishment number: give 4 digits"),
        ("email", "office at school", "Email: give an email address"),
        ("backup_folder", "/no/such/folder", "Backup folder: there is no folder /no/such/folder"),
    ],
)
def test_a_value_the_program_cannot_use_is_refused_naming_the_setting(store, name, value, words):
    before, logged = store.settings.school(), entries(store)
    with pytest.raises(SettingsRefused) as refused:
        change_setting(store, name, value, "admin")
    assert words in str(refused.value)
    assert list(refused.value.problems) == [name]
    assert str(refused.value).startswith(BY_NAME[name].label)
    assert store.settings.school() == before and entries(store) == logged  # nothing changed


def test_choices_are_kept_in_their_own_words(store):
    change_setting(store, "part_time_tell_la", " No ", "admin")
    change_setting(store, "stages_at_year_start", "RESTART", "admin")
    saved = store.settings.school()
    assert (saved.part_time_tell_la, saved.stages_at_year_start) == ("no", "restart")
    last = store.audit.entries()[-1]
    assert last.action == "settings changed"
    assert last.detail == "stages_at_year_start: 'keep' → 'restart'"  # what changed, old and new


@pytest.mark.parametrize("letter1, letter2", [(5, 5), (8, 6)])
def test_the_lateness_ladder_is_checked_as_a_pair(store, letter1, letter2):
    before = store.settings.school()
    with pytest.raises(SettingsRefused) as refused:
        save_settings(
            store,
            replace(before, lateness_letter1=str(letter1), lateness_letter2=str(letter2)),
            "admin",
        )
    assert refused.value.problems == {
        "lateness_letter2": "Lateness letter 2: late marks (L) in a half-term: the second lateness "
        f"letter ({letter2}) must need more late marks than the first ({letter1})"
    }
    with pytest.raises(ServiceError, match="must need more late marks than the first"):
        save_ladder(store, letter1, letter2, "admin")
    with pytest.raises(SettingsRefused, match=r"second lateness letter \(4\)"):
        change_setting(store, "lateness_letter2", "4", "admin")  # below the saved first step (5)
    assert store.settings.school() == before
    save_ladder(store, 3, 6, "admin")
    assert (store.settings.school().lateness_letter1, store.settings.school().lateness_letter2) == (
        "3",
        "6",
    )


def test_register_times_and_the_penalty_threshold_must_be_possible(store):
    s = store.settings.school()
    found = problems(
        store,
        replace(
            s,
            am_register_closes="13:10",
            pm_register_opens="13:00",
            penalty_sessions="30",
            penalty_weeks="2",
        ),
    )
    assert found["pm_register_opens"].endswith(
        "the PM register cannot open (13:00) before the AM register closes (13:10)"
    )
    assert (
        "30 sessions cannot be missed in 2 school week(s) (at most 20)" in found["penalty_sessions"]
    )
    assert problems(store, replace(s, penalty_sessions="20", penalty_weeks="2")) == {}


def test_leave_delegates_must_be_users_of_the_file(store):
    add_user(store, "", "Ann Admin", "admin", "a-good-password")
    add_user(store, "Ann Admin", "Tom Okonjo", "lead", "a-good-password")
    with pytest.raises(SettingsRefused, match="'Mr Nobody' is not an active user of this school"):
        change_setting(store, "leave_delegates", "Tom Okonjo, Mr Nobody", "Ann Admin")
    assert store.settings.school().leave_delegates == ""
    change_setting(store, "leave_delegates", "Tom Okonjo", "Ann Admin")
    assert store.settings.school().leave_delegates == "Tom Okonjo"
    with pytest.raises(ServiceError, match="cannot change settings"):
        change_setting(store, "lock_minutes", "5", "Tom Okonjo")


def test_a_backup_folder_is_checked_when_it_changes(store, tmp_path):
    change_setting(store, "backup_folder", str(tmp_path), "admin")
    assert store.settings.school().backup_folder == str(tmp_path)
    # another PC may reach the share by another path: saving anything else does not re-check it
    value = json.loads(store.query("SELECT value FROM settings WHERE key = 'school'")[0][0])
    value["backup_folder"] = "/elsewhere"
    with store.write() as db:
        db.execute("UPDATE settings SET value = ? WHERE key = 'school'", (json.dumps(value),))
    change_setting(store, "lock_minutes", "15", "admin")
    assert store.settings.school().lock_minutes == "15"


def test_the_program_s_own_and_the_support_map_are_not_set_by_hand(store):
    with pytest.raises(ServiceError, match="Last backup is set by the program"):
        change_setting(store, "last_backup", "2026-01-01", "admin")
    with pytest.raises(ServiceError, match="support-map --use NAME"):
        change_setting(store, "support_map", "la_three_stage.toml", "admin")
    shown = dict((s.name, v) for s, v in described(store))
    assert shown["last_backup"] == "never" and shown["support_map"] == "support_map.toml"


@pytest.mark.file_only(
    "an older version's file upgraded: no server database predates the server option"
)
def test_an_old_file_loses_the_dead_settings_and_the_audit_keeps_them(store):
    path = store.path
    with store.write() as db:
        db.execute(
            "UPDATE settings SET value = json_set(value, '$.logo', 'C:\\School\\logo.png', "
            "'$.head_signature', '') WHERE key = 'school'"
        )
    store.close()
    conn = sqlite3.connect(path)  # back to the file as the previous version left it
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm026_settings_nothing_reads'")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    conn.commit()
    conn.close()
    with open_store(path) as upgraded:
        value = json.loads(upgraded.query("SELECT value FROM settings WHERE key = 'school'")[0][0])
        assert "logo" not in value and "head_signature" not in value
        assert upgraded.settings.school().name == "Test Primary School"  # the rest as it was
        last = upgraded.audit.entries()[-1]
        assert (last.user, last.action) == ("(upgrade)", "settings: unused values removed")
        assert last.detail.startswith("logo: 'C:\\School\\logo.png' (nothing read them")
        assert "head_signature" not in last.detail  # it was empty: nothing lost
        logged = len(upgraded.audit.entries())
    with open_store(path) as again:  # once only
        assert len(again.audit.entries()) == logged


def test_a_term_lies_within_one_school_year(store):
    with pytest.raises(ServiceError, match="a term lies within one school year"):
        add_term(store, "Summer 2 2025", date(2025, 6, 2), date(2025, 9, 5), "admin")
    with pytest.raises(ServiceError, match="not on a weekend.*Saturday 07/06/2025"):
        add_term(store, "Summer 2 2025", date(2025, 6, 7), date(2025, 7, 18), "admin")
    assert "Summer 2 2025" not in [t.name for t in store.calendar.terms()]


def test_a_closure_is_on_a_term_day_of_a_known_kind_and_only_once(store):
    closures = store.calendar.closures()
    with pytest.raises(ServiceError, match="23/12/2024 is not in a term of 2024/25"):
        add_closure(store, date(2024, 12, 23), ("AM", "PM"), "closure", "Pipes", "admin")
    with pytest.raises(ServiceError, match="not 'snow'"):
        add_closure(store, date(2024, 11, 6), ("AM", "PM"), "snow", "Snow", "admin")
    with pytest.raises(ServiceError, match="already a closure on 02/09/2024"):
        add_closure(store, date(2024, 9, 2), ("PM",), "closure", "Heating", "admin")
    assert store.calendar.closures() == closures
    # a year with no terms entered takes its sessions from the registers: any weekday may close
    add_closure(store, date(2022, 12, 1), ("AM", "PM"), "closure", "Snow", "admin")


def test_every_setting_is_read_by_the_rest_of_the_program():
    """No dead settings: each one the window shows or `settings set` takes is read outside the code
    that shows, checks and stores it."""
    import re
    from pathlib import Path

    import attendance_desk

    root = Path(attendance_desk.__file__).parent
    own = {"gui/settings.py", "services/settings.py", "domain/records.py", "cli/settings.py"}
    text = "\n".join(
        p.read_text(encoding="utf-8")
        for p in root.rglob("*.py")
        if p.relative_to(root).as_posix() not in own
    )
    unread = [s.name for s in SETTINGS if not re.search(rf"\.{s.name}\b|[\"']{s.name}[\"']", text)]
    assert unread == []
