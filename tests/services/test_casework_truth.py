"""Casework that holds up: events are dated when they happened (not in the future; late only with a
reason, shown as recorded later), the support-map ladder is climbed in order, pupils who left get no
suggestions, and changing the support map carries every open stage over or closes it with a reason."""

import json
from datetime import date, datetime, timedelta

import pytest

from attendance_desk.cli import main
from attendance_desk.services.dashboard import dashboard
from attendance_desk.services.meetings import record_contact, record_meeting, review_meeting
from attendance_desk.services.pack import assemble_evidence_pack
from attendance_desk.services.school import ServiceError, open_school
from attendance_desk.services.stages import record_step, stage_overview, switch_support_map
from tests.engines import address
from tests.helpers import add_pupil, make_school, put_marks, sessions, text_of

TODAY = date(2024, 11, 29)


@pytest.fixture
def school(tmp_path):
    """Five pupils: a little absence, a great deal, one holding a stage of a map the school no longer
    has, one who left, and one who is never absent."""
    store = make_school(tmp_path)
    pupils = {}
    for n, name in enumerate(("little", "lots", "old_map", "left", "present"), start=1):
        extra = {"leaving_date": date(2024, 10, 31)} if name == "left" else {}
        pupils[name] = add_pupil(store, n, forename=name.title(), **extra)
    put_marks(
        store,
        pupils["little"],
        sessions(date(2024, 9, 3), date(2024, 9, 9), "I") | sessions(date(2024, 9, 10), TODAY, "/"),
    )
    put_marks(
        store,
        pupils["lots"],
        sessions(date(2024, 9, 3), date(2024, 9, 30), "O")
        | sessions(date(2024, 10, 1), TODAY, "/"),
    )
    put_marks(store, pupils["old_map"], sessions(date(2024, 9, 3), TODAY, "/"))
    put_marks(store, pupils["left"], sessions(date(2024, 9, 3), date(2024, 10, 31), "O"))
    put_marks(store, pupils["present"], sessions(date(2024, 9, 3), TODAY, "/"))
    yield store, pupils
    store.close()


def run(capsys, db, *args, today=TODAY):
    """The command line on the school: `db` its file, or its server's address (tests.engines)."""
    code = main(
        [
            "--db",
            str(db),
            "--as",
            "lead",
            *(["--today", today.isoformat()] if today else []),
            *map(str, args),
        ]
    )
    out, err = capsys.readouterr()
    return code, out, err


# --- item 1: casework happens on a date ---------------------------------------------------------


def test_a_future_date_is_refused_against_the_real_date(school, capsys):
    store, pupils = school
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(ServiceError, match="in the future"):
        record_meeting(store, pupils["lots"].upn, "sam", tomorrow, "lead", today=tomorrow)
    with pytest.raises(ServiceError, match="in the future"):
        record_contact(
            store,
            pupils["lots"].upn,
            "home_visit",
            "lead",
            outcome="Seen",
            at=datetime.now().astimezone() + timedelta(days=2),
        )
    with pytest.raises(ServiceError, match="in the future"):
        record_step(
            store, pupils["lots"].upn, "entered", tomorrow, "lead", "stage1", occurred_on=tomorrow
        )
    assert store.meetings.meetings(pupils["lots"].id) == [] and store.stages.events() == []
    # the command line: --today does not make a future date acceptable
    code, _, err = run(
        capsys,
        address(store),
        "meeting",
        "--upn",
        pupils["lots"].upn,
        "--date",
        tomorrow,
        today=tomorrow,
    )
    assert code == 1 and "in the future" in err
    code, _, err = run(
        capsys,
        address(store),
        "contact",
        "--upn",
        pupils["lots"].upn,
        "--kind",
        "home_visit",
        "--outcome",
        "Seen",
        "--date",
        tomorrow,
        "--time",
        "10:00",
        today=None,
    )
    assert code == 1 and "in the future" in err
    assert store.casework.for_pupil(pupils["lots"].id) == []


def test_a_date_20_days_back_needs_a_reason_and_then_shows_recorded_later(tmp_path, school, capsys):
    store, pupils = school
    upn = pupils["lots"].upn
    day = date.today() - timedelta(days=20)
    code, _, err = run(
        capsys,
        address(store),
        "contact",
        "--upn",
        upn,
        "--kind",
        "home_visit",
        "--outcome",
        "Seen at home with mother",
        "--seen",
        "--date",
        day,
        "--time",
        "10:15",
        today=None,
    )
    assert code == 1 and "more than 14 days ago" in err and "reason" in err
    assert store.casework.for_pupil(pupils["lots"].id) == []
    code, _, err = run(
        capsys, address(store), "contact", "--upn", upn, "--kind", "home_visit", "--date", day
    )
    assert code == 1 and "--time" in err  # an earlier day needs the time it happened
    code, out, _ = run(
        capsys,
        address(store),
        "contact",
        "--upn",
        upn,
        "--kind",
        "home_visit",
        "--outcome",
        "Seen at home with mother",
        "--seen",
        "--date",
        day,
        "--time",
        "10:15",
        "--late-reason",
        "visit notes handed in after sick leave",
        today=None,
    )
    assert code == 0 and f"{day:%d/%m/%Y} at 10:15" in out
    (entry,) = store.casework.for_pupil(pupils["lots"].id)
    assert (
        entry.at.date() == day
        and entry.at.strftime("%H:%M") == "10:15"
        and entry.recorded_at.date() == date.today()
    )
    assert (
        entry.recorded_by == "lead"
        and entry.late_reason == "visit notes handed in after sick leave"
    )
    assert entry.recorded_later
    audit = [e for e in store.audit.entries() if e.action == "contact recorded"]
    assert (
        f"happened {day:%d/%m/%Y} 10:15" in audit[-1].detail
        and "visit notes handed in" in audit[-1].detail
    )
    # a meeting or review 20 days back: the same rule
    with pytest.raises(ServiceError, match="more than 14 days ago"):
        record_meeting(store, upn, "sam", day, "lead", target_pct=95)
    meeting = record_meeting(
        store, upn, "sam", day, "lead", target_pct=95, late_reason="minutes typed up late"
    )
    assert meeting.late_reason == "minutes typed up late"
    with pytest.raises(ServiceError, match="before the meeting it reviews"):
        review_meeting(
            store, meeting.id, day - timedelta(days=1), "lead", "continue", late_reason="x"
        )
    # the pack's chronology shows when it happened and that it was recorded later, by whom and when
    text = text_of(
        assemble_evidence_pack(store, upn, date.today(), tmp_path / "pack.pdf", "lead").out
    )
    assert f"recorded later by lead on {date.today():%d/%m/%Y}" in text
    assert "visit notes handed in after sick leave" in text and f"{day:%d/%m/%Y} 10:15" in text


def test_a_recent_date_needs_no_reason_and_is_not_flagged(school):
    store, pupils = school
    now = datetime.now().astimezone().replace(microsecond=0)
    record_contact(store, pupils["lots"].upn, "text", "lead", at=now, outcome="Text sent")
    (entry,) = store.casework.for_pupil(pupils["lots"].id)
    assert entry.late_reason == "" and not entry.recorded_later


# --- item 5: the ladder is climbed in order -------------------------------------------------------


def test_suggestions_take_the_next_stage_and_say_which_thresholds_were_crossed(school):
    store, pupils = school
    states = {s.figures.pupil.upn: s for s in stage_overview(store, TODAY)}
    lots = states[pupils["lots"].upn]  # 20 days absent: every threshold up to stage 6
    assert lots.suggestion.stage.key == "stage1" and lots.suggestion.reached.key == "stage6"
    assert "Stage 6" in lots.suggestion.note and "in order" in lots.suggestion.note
    assert states[pupils["little"].upn].suggestion.stage.key == "stage1"
    assert states[pupils["little"].upn].suggestion.note == ""


def test_pupils_who_left_get_no_suggestion_and_no_new_stage(school, capsys):
    store, pupils = school
    left = {s.figures.pupil.upn: s for s in stage_overview(store, TODAY)}[pupils["left"].upn]
    assert left.left and left.suggestion is None and left.figures.figures.unauthorised > 60
    code, out, _ = run(capsys, address(store), "stages", "--json")
    assert code == 0 and pupils["left"].upn not in {r["upn"] for r in json.loads(out)}
    code, _, err = run(
        capsys, address(store), "stage", "--upn", pupils["left"].upn, "--enter", "stage1"
    )
    assert code == 1 and "left the school on 31/10/2024" in err


def test_a_stage_beyond_the_next_needs_a_reason_that_reaches_the_chronology_and_pack(
    tmp_path, school, capsys
):
    store, pupils = school
    upn = pupils["lots"].upn
    code, _, err = run(capsys, address(store), "stage", "--upn", upn, "--enter", "stage3")
    assert code == 1 and "beyond the next stage" in err and "Stage 1" in err
    assert store.stages.events() == []
    reason = "EWO advised: 20 days unauthorised, letters already sent by the previous school"
    code, out, _ = run(
        capsys, address(store), "stage", "--upn", upn, "--enter", "stage3", "--reason", reason
    )
    assert code == 0 and "Stage 3" in out
    (step,) = store.stages.events(pupils["lots"].id)
    assert step.occurred_on == TODAY and reason in step.note
    chronology = [e for e in store.casework.for_pupil(pupils["lots"].id) if e.kind == "stage"]
    assert (
        len(chronology) == 1
        and "Stage 3" in chronology[0].outcome
        and reason in chronology[0].notes
    )
    assert "Beyond the next stage (Stage 1: letter of concern)" in chronology[0].notes
    # the next stage needs no reason; entering the same stage again is refused
    code, _, _ = run(capsys, address(store), "stage", "--upn", upn, "--enter", "stage4")
    assert code == 0
    code, _, err = run(capsys, address(store), "stage", "--upn", upn, "--enter", "stage4")
    assert code == 1 and "already at" in err
    text = text_of(assemble_evidence_pack(store, upn, TODAY, tmp_path / "pack.pdf", "lead").out)
    assert "Beyond the next stage" in text and "letters already sent by the previous school" in text


def test_a_stage_step_can_be_dated_and_late_steps_need_a_reason(school, capsys):
    store, pupils = school
    upn = pupils["little"].upn
    code, _, err = run(
        capsys, address(store), "stage", "--upn", upn, "--enter", "stage1", "--date", "2024-11-01"
    )
    assert code == 1 and "more than 14 days ago" in err
    code, out, _ = run(
        capsys,
        address(store),
        "stage",
        "--upn",
        upn,
        "--enter",
        "stage1",
        "--date",
        "2024-11-01",
        "--late-reason",
        "agreed at the weekly review, entered now",
    )
    assert code == 0 and "on 01/11/2024" in out
    (step,) = store.stages.events(pupils["little"].id)
    assert (
        step.occurred_on == date(2024, 11, 1)
        and step.late_reason == "agreed at the weekly review, entered now"
    )
    assert step.figures["to"] == "2024-11-01"  # the figures as they stood that day


def test_the_stage_is_kept_over_the_summer_unless_the_school_restarts_it(school, capsys):
    store, pupils = school
    record_step(store, pupils["little"].upn, "entered", TODAY, "lead", "stage1", "letter sent")
    september = date(2025, 9, 1)
    from tests.helpers import put_marks as put

    put(store, pupils["little"], sessions(date(2025, 9, 1), date(2025, 9, 1), "/"))
    (state,) = stage_overview(store, september, pupils["little"].upn)
    assert (
        state.current.key == "stage1" and state.value_at_last_step is None
    )  # this year's absence counts
    code, _, _ = run(capsys, address(store), "support-map", "--year-start", "restart")
    assert code == 0 and store.settings.school().stages_at_year_start == "restart"
    (state,) = stage_overview(store, september, pupils["little"].upn)
    assert state.current is None


# --- item 5: changing the support map never crashes and loses no stage ---------------------------


def test_switching_the_support_map_carries_open_stages_over_or_closes_them_with_a_reason(
    school, capsys, tmp_path
):
    store, pupils = school
    record_step(store, pupils["little"].upn, "entered", TODAY, "lead", "stage1", "letter sent")
    record_step(
        store,
        pupils["lots"].upn,
        "entered",
        TODAY,
        "lead",
        "stage6",
        "straight to safeguarding review",
    )
    old = store.stages.record(
        pupils["old_map"].id,
        "entered",
        "amber",
        "Old county map",
        None,
        {},
        "",
        "lead",
        occurred_on=TODAY,
    )
    assert old
    # a stage of a map the school no longer has is shown, not a crash
    states = {s.figures.pupil.upn: s for s in stage_overview(store, TODAY)}
    assert states[pupils["old_map"].upn].current.name == "amber (stage from an earlier support map)"
    code, _, _ = run(capsys, address(store), "calls", "--date", "2024-11-28")
    assert code == 0

    code, out, _ = run(capsys, address(store), "support-map", "--use", "la_three_stage.toml")
    assert code == 0
    assert (
        f"{pupils['little'].upn}" in out
        and "Stage 1: letter of concern -> Stage 1: early intervention" in out
    )
    assert (
        "Stage 6: persistent absence, safeguarding -> Stage 3: referral to the Education Welfare Service"
        in out
    )
    assert "amber (stage from an earlier support map) closed (no equivalent in the new map)" in out
    for command in (("stages", "--json"), ("calls", "--date", "2024-11-28"), ("stages", "--all")):
        code, out, err = run(capsys, address(store), *command)
        assert code == 0, err
    stages = {
        r["upn"]: r for r in json.loads(run(capsys, address(store), "stages", "--json", "--all")[1])
    }
    assert stages[pupils["little"].upn]["current_stage"] == "early"
    assert stages[pupils["lots"].upn]["current_stage"] == "ews"
    assert (
        stages[pupils["old_map"].upn]["current_stage"] is None
        and stages[pupils["old_map"].upn]["process_closed"]
    )
    closed = store.stages.events(pupils["old_map"].id)[-1]
    assert closed.event == "closed" and "no equivalent in the new map" in closed.note
    with open_school(address(store)) as again:
        assert dashboard(again, TODAY) is not None  # the Today screen's service
    assert any(
        e.action == "support map stages carried over" and "2 mapped, 1 closed" in e.detail
        for e in store.audit.entries()
    )

    # and back again: the default map declares the three-stage map's equivalents
    switch = switch_support_map(store, "support_map.toml", "lead", TODAY)
    assert {c.upn: c.new_stage for c in switch.changes} == {
        pupils["little"].upn: "Stage 1: letter of concern",
        pupils["lots"].upn: "Stage 5: statutory intervention",
    }
    code, _, _ = run(capsys, address(store), "tsm-pack", "--out", tmp_path / "tsm.pdf")
    assert code == 0


def test_a_switch_to_the_same_ladder_changes_nothing(school):
    store, pupils = school
    record_step(store, pupils["little"].upn, "entered", TODAY, "lead", "stage1", "letter sent")
    switch = switch_support_map(store, "school_six_step.toml", "lead", TODAY)
    assert switch.changes == [] and switch.map.name == "School attendance support map"
