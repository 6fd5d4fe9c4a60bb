"""Part-time timetables end to end (issue 15 item 4) on a real school file, from the command line.

Sources: DfE, Working together to improve school attendance (August 2024): a part-time timetable is
temporary, with a time limit and a review, and the local authority is told of it; the 2024
Regulations reg. 10 code table (resources/codes.toml): C2 leave of absence for a part-time timetable,
K provision arranged by the local authority, B other approved educational activity."""

from datetime import date

import pytest

from attendance_desk.services.registers import register_week
from attendance_desk.services.school import open_school
from attendance_desk.services.tsm import tsm_pack
from tests.cli.test_cli import run
from tests.helpers import add_pupil, make_school, put_marks, sessions, upn


@pytest.fixture
def db(tmp_path):
    store = make_school(tmp_path)
    add_pupil(store, 1, forename="Amira", surname="Khan", reg_group="4A", dob=date(2015, 5, 1))
    add_pupil(store, 2, reg_group="4A", dob=date(2015, 6, 1))
    store.close()
    return tmp_path / "school.sqlite"


ADD = [
    "part-time",
    "add",
    "--upn",
    upn(1),
    "--from",
    "2024-11-04",
    "--attends",
    "Mon, Tue AM, Wed AM",
    "--provision",
    "Thu",
    "--provision-by",
    "la",
    "--provision-name",
    "Northbridge Learning Centre",
    "--reason",
    "anxiety: phased return agreed with CAMHS",
    "--agreed-with",
    "Ms R. Khan",
]


def test_a_timetable_without_a_review_date_is_refused_and_nothing_is_written(db, capsys):
    code, out, err = run(capsys, "--db", db, *ADD)
    assert code == 1
    assert "needs an agreed review date" in err and "Working together" in err
    store = open_school(db)
    with store:
        assert store.pastoral.timetables() == []
        assert not [e for e in store.audit.entries() if "part-time" in e.action]


@pytest.mark.parametrize(
    "extra, problem",
    [
        (["--review", "2024-11-04"], "must be after the start"),
        (
            ["--review", "2024-12-02", "--provision-by", "school", "--attends", "Thu AM"],
            "both in school and at alternative provision: Thu AM",
        ),
    ],
)
def test_other_refusals_name_the_problem(db, capsys, extra, problem):
    code, _, err = run(capsys, "--db", db, *ADD, *extra)
    assert code == 1 and problem in err


def test_timetable_suggests_c2_and_k_reviews_and_tsm(db, capsys):
    code, out, err = run(capsys, "--db", db, *ADD, "--review", "2024-11-25")
    assert code == 0, err
    assert "Part-time timetable 1 recorded from 04/11/2024" in out
    assert "has not been told yet" in out
    # a second running timetable for the same pupil is refused
    code, _, err = run(capsys, "--db", db, *ADD, "--review", "2024-12-02")
    assert code == 1 and "already has a part-time timetable" in err

    # the register's suggestions for a week: Mon both sessions in school; Tue PM, Wed PM and Fri C2;
    # Thu at the LA's provision: K
    code, out, _ = run(
        capsys,
        "--db",
        db,
        "part-time",
        "suggest",
        "--upn",
        upn(1),
        "--from",
        "2024-11-04",
        "--to",
        "2024-11-08",
    )
    assert code == 0
    assert "Mon 04/11/2024" not in out
    assert "Tue 05/11/2024 AM" not in out and "Tue 05/11/2024 PM: C2" in out
    assert (
        "Thu 07/11/2024 AM: K  at Northbridge Learning Centre, arranged by the local authority"
        in out
    )
    assert "Fri 08/11/2024 AM: C2" in out and "Fri 08/11/2024 PM: C2" in out

    store = open_school(db)
    with store:
        week = register_week(store, "4A", date(2024, 11, 6), today=date(2024, 11, 29))
        khan = store.pupils.by_upn(upn(1))
        assert week.suggested[(khan.id, date(2024, 11, 8), "AM")].code == "C2"
        assert (khan.id, date(2024, 11, 4), "AM") not in week.suggested
        other = store.pupils.by_upn(upn(2))
        assert not [k for k in week.suggested if k[0] == other.id]
        # the TSM pack lists her as on a part-time timetable, review overdue by 29/11, LA not told
        row = next(r for r in tsm_pack(store, date(2024, 11, 29)).rows if "Khan" in r.name)
        assert row.group == "part_time"
        assert "Part-time timetable from 04/11/2024" in " ".join(row.reasons)
        assert "(overdue)" in " ".join(row.reasons) and "local authority not yet told" in " ".join(
            row.reasons
        )

    # overdue list on 29/11/2024: due 25/11, 4 days late
    code, out, _ = run(capsys, "--db", db, "part-time", "list", "--overdue")
    assert (
        "review overdue by 4 days (was due 25/11/2024)" in out and "LOCAL AUTHORITY NOT TOLD" in out
    )
    code, out, _ = run(
        capsys, "--db", db, "part-time", "notify", "--id", "1", "--date", "2024-11-05"
    )
    assert code == 0 and "told of timetable 1 on 05/11/2024" in out
    code, _, err = run(
        capsys, "--db", db, "part-time", "notify", "--id", "1", "--date", "2024-11-06"
    )
    assert code == 1 and "already recorded as told on 05/11/2024" in err

    # review: both a next date and an end is refused; then carry on to 16/12
    code, _, err = run(
        capsys,
        "--db",
        db,
        "part-time",
        "review",
        "--id",
        "1",
        "--date",
        "2024-11-28",
        "--outcome",
        "settling well, add Wed PM next",
        "--next-review",
        "2024-12-16",
        "--end",
    )
    assert code == 1 and "either agree the next review date" in err
    code, out, err = run(
        capsys,
        "--db",
        db,
        "part-time",
        "review",
        "--id",
        "1",
        "--date",
        "2024-11-28",
        "--outcome",
        "settling well, add Wed PM next",
        "--next-review",
        "2024-12-16",
        "--late-reason",
        "entered from the paper notes",
    )
    assert code == 0, err
    assert "next review 16/12/2024" in out
    code, out, _ = run(capsys, "--db", db, "part-time", "list", "--overdue")
    assert "none" in out
    code, out, _ = run(capsys, "--db", db, "part-time", "list", "--json")
    assert '"review_on": "2024-12-16"' in out and '"la_notified_on": "2024-11-05"' in out

    store = open_school(db)
    with store:
        khan = store.pupils.by_upn(upn(1))
        chronology = [e.outcome for e in store.casework.for_pupil(khan.id)]
        assert "Part-time timetable 1 from 04/11/2024" in chronology
        assert "Local authority told of part-time timetable 1" in chronology
        assert "Part-time timetable 1 reviewed; next review 16/12/2024" in chronology
        actions = [e.action for e in store.audit.entries()]
        assert {
            "part-time timetable recorded",
            "part-time timetable: local authority told",
            "part-time timetable reviewed",
        } <= set(actions)

    # ended at a review on 16/12 (recorded in time): no suggestions after it
    code, out, err = run(
        capsys,
        "--db",
        db,
        "part-time",
        "review",
        "--id",
        "1",
        "--date",
        "2024-11-29",
        "--outcome",
        "full-time from Monday, agreed with mum",
        "--end",
    )
    assert code == 0, err
    code, out, _ = run(
        capsys,
        "--db",
        db,
        "part-time",
        "suggest",
        "--upn",
        upn(1),
        "--from",
        "2024-12-02",
        "--to",
        "2024-12-06",
    )
    assert "No suggestions" in out


def test_tsm_pack_lists_pupil_with_timetable_without_c2_marks(db, capsys):
    run(capsys, "--db", db, *ADD, "--review", "2024-12-20", "--la-notified", "2024-11-01")
    store = open_school(db)
    with store:
        khan = store.pupils.by_upn(upn(1))
        put_marks(store, khan, sessions(date(2024, 9, 3), date(2024, 11, 1), "/"))
        rows = tsm_pack(store, date(2024, 11, 29)).rows
        row = next(r for r in rows if "Khan" in r.name)
        assert row.group == "part_time" and "review 20/12/2024" in " ".join(row.reasons)
        assert "not yet told" not in " ".join(row.reasons)


def test_subject_access_export_holds_the_timetable_evidence_and_offers(db, capsys, tmp_path):
    import json
    import zipfile

    run(capsys, "--db", db, *ADD, "--review", "2024-12-20")
    run(
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
        "2024-11-18",
    )
    code, _, err = run(capsys, "--db", db, "sar", "--upn", upn(1), "--out", tmp_path / "sar.zip")
    assert code == 0, err
    record = json.loads(zipfile.ZipFile(tmp_path / "sar.zip").read("record.json"))
    (timetable,) = record["part_time_timetables"]
    assert (
        timetable["attends"] == "Mon AM, Mon PM, Tue AM, Wed AM"
        and timetable["review_on"] == "2024-12-20"
    )
    assert record["medical_evidence"][0]["from_whom"] == "Dr Patel, Northbridge Surgery"
    assert record["early_help_offers"] == [] and record["illness_decisions"] == []


def test_where_the_la_need_not_be_told_nothing_says_it_was_not(db, capsys):
    from dataclasses import replace

    from attendance_desk.services.school import save_settings

    store = open_school(db)
    with store:
        with pytest.raises(Exception, match="give yes or no"):
            save_settings(store, replace(store.settings.school(), part_time_tell_la="maybe"))
        save_settings(store, replace(store.settings.school(), part_time_tell_la="no"))
    code, out, err = run(capsys, "--db", db, *ADD, "--review", "2024-11-25")
    assert code == 0, err and "has not been told" not in out
    assert "has not been told" not in out
    code, out, _ = run(capsys, "--db", db, "part-time", "list")
    assert "not told of timetables (school setting)" in out and "NOT TOLD" not in out
    store = open_school(db)
    with store:
        row = next(r for r in tsm_pack(store, date(2024, 11, 29)).rows if "Khan" in r.name)
        assert "not yet told" not in " ".join(row.reasons)
