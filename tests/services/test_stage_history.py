"""Where each pupil stands on the support map, read from their latest steps in SQL (issue 17 item 4),
equals the old replay of every step ever taken, on ten years of a school's stage history."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

import pytest

from attendance_desk.domain.calendar import academic_year_bounds, academic_year_of
from attendance_desk.services.school import support_map
from attendance_desk.services.stages import _latest_as_at, _replay, current_stages, stage_overview
from tests.helpers import add_pupil, make_school

TODAY = date(2025, 2, 12)
FIRST = date(2015, 9, 1)  # ten school years of casework before this one
KEYS = ["stage1", "stage2", "stage3", "stage4", "stage5", "stage6", "early", "concern"]


# --- the old computation, kept as the independent reference (services/stages.py before issue 17) ---
def old_replay(events, year_start):
    key, map_name, last, closed = None, "", None, False
    for e in sorted(events, key=lambda e: (e.on, e.id)):
        if e.event in ("entered", "reopened"):
            key, map_name, closed = e.stage_key, e.map_name, False
        elif e.event == "closed":
            key, closed = None, True
        last = e.measure_value if e.on >= year_start else None
    return key, map_name, last, closed


def old_events_as_at(store, day, all_events=None):
    year_start = academic_year_bounds(academic_year_of(day))[0]
    keep = store.settings.school().stages_at_year_start != "restart"
    since = date.min if keep else year_start
    grouped = {}
    for e in store.stages.events() if all_events is None else all_events:
        if since <= e.on <= day:
            grouped.setdefault(e.pupil_id, []).append(e)
    return grouped


def old_current_stages(store, pupil_ids, since, all_events=None):
    ladder = support_map(store)
    keep = store.settings.school().stages_at_year_start != "restart"
    start = date.min if keep else since
    grouped = {}
    for e in store.stages.events() if all_events is None else all_events:
        if e.on >= start:
            grouped.setdefault(e.pupil_id, []).append(e)
    result = {}
    for pid in pupil_ids:
        key = old_replay(grouped.get(pid, ()), since)[0]
        if key:
            result[pid] = ladder.stage_or_earlier(key).name
    return result


# ----------------------------------------------------------------------------------------------------


def _history(store, pupils, rng):
    """Ten years of steps: each pupil's casework comes in spells (entered, climbing, skipped
    suggestions, closed, reopened), some steps recorded late (out of order), some on the same day."""
    span = (TODAY - FIRST).days
    with store.write():
        for pupil in pupils:
            for _ in range(rng.choice([0, 3, 10, 25, 60])):
                day = FIRST + timedelta(days=rng.randrange(span))
                event = rng.choices(
                    ["entered", "skipped", "closed", "reopened"], weights=[6, 3, 2, 1]
                )[0]
                for _ in range(rng.choice([1, 1, 1, 2])):  # now and then two steps on one day
                    store.stages.record(
                        pupil.id,
                        event,
                        rng.choice(KEYS) if event != "closed" or rng.random() < 0.5 else None,
                        rng.choice(["support_map.toml", "la_three_stage.toml"]),
                        rng.choice([None, round(rng.uniform(0, 40), 1)]),
                        {"attendance_pct": round(rng.uniform(50, 100), 1)},
                        "history",
                        "lead",
                        occurred_on=day,
                    )


@pytest.fixture(scope="module")
def school(tmp_path_factory, school_engine):
    store = make_school(tmp_path_factory.mktemp("history"))
    pupils = [add_pupil(store, n, admission_date=date(2014, 9, 1)) for n in range(1, 121)]
    _history(store, pupils, random.Random(17))
    yield store, pupils
    store.close()


def _days():
    rng = random.Random(5)
    days = [FIRST + timedelta(days=rng.randrange((TODAY - FIRST).days)) for _ in range(25)]
    return days + [date(2024, 8, 31), date(2024, 9, 1), TODAY, TODAY + timedelta(days=400)]


@pytest.mark.parametrize("year_start", ["keep", "restart"])
def test_ten_years_of_steps_leave_each_pupil_where_the_old_replay_did(school, year_start):
    store, pupils = school
    settings = store.settings.school()
    store.settings.save_school(replace(settings, stages_at_year_start=year_start))
    try:
        steps = store.stages.events()  # read once: the reference replays them in Python
        assert len(steps) > 1500  # the history is long
        ids = [p.id for p in pupils]
        for day in _days():
            start = academic_year_bounds(academic_year_of(day))[0]
            expected = old_current_stages(store, ids, start, steps)
            assert current_stages(store, ids, start) == expected, day
            latest, every = _latest_as_at(store, day), old_events_as_at(store, day, steps)
            assert latest.keys() == every.keys(), day
            for pid, taken in every.items():
                key, map_name, last, closed = old_replay(taken, start)
                now = _replay(latest[pid], start)
                assert (now.key, now.last_value, now.closed) == (key, last, closed), (day, pid)
                if key:  # the map matters while a stage is open (a switch of map carries it over)
                    assert now.map_name == map_name, (day, pid)
        # some pupils only (Today's list), and none
        some = ids[::7]
        assert current_stages(store, some, TODAY) == old_current_stages(store, some, TODAY)
        assert current_stages(store, [], TODAY) == {}
    finally:
        store.settings.save_school(settings)


def test_the_stage_overview_and_one_pupils_stage_agree_with_the_old_replay(school):
    store, pupils = school
    start = academic_year_bounds(academic_year_of(TODAY))[0]
    every = old_events_as_at(store, TODAY)
    ladder = support_map(store)
    overview = {s.figures.pupil.id: s for s in stage_overview(store, TODAY)}
    assert len(overview) == len(pupils)
    for pupil in pupils[::4]:
        key, _, last, closed = old_replay(every.get(pupil.id, ()), start)
        for state in (overview[pupil.id], stage_overview(store, TODAY, pupil.upn)[0]):
            expected = ladder.stage_or_earlier(key) if key else None
            assert (state.current and (state.current.key, state.current.name)) == (
                expected and (expected.key, expected.name)
            )
            assert (state.value_at_last_step, state.closed) == (last, closed)


def test_today_reads_the_steps_of_the_pupils_on_its_list_only(tmp_path, monkeypatch):
    from attendance_desk.services.calls import call_list
    from tests.helpers import put_marks

    store = make_school(tmp_path)
    day = date(2024, 11, 20)
    absent, *present = [add_pupil(store, n) for n in (1, 2, 3)]
    put_marks(store, absent, {(day, "AM"): "N"})
    for pupil in present:
        put_marks(store, pupil, {(day, "AM"): "/"})
    for pupil in (absent, *present):
        store.stages.record(
            pupil.id, "entered", "stage1", "support_map.toml", 4.0, {}, "", "lead",
            occurred_on=date(2016, 10, 1),
        )  # fmt: skip
    asked = []
    real = store.stages.latest_steps
    monkeypatch.setattr(
        store.stages, "latest_steps", lambda *a, **k: asked.append((a, k)) or real(*a, **k)
    )
    result = call_list(store, day, "AM")
    (family,) = result.families
    (listed,) = family.pupils
    assert listed.pupil.pupil_id == absent.id
    assert "support map: Stage 1: letter of concern" in listed.pupil.amber_reasons
    assert asked == [((date.min, None, [absent.id]), {})]  # kept over the summers, one pupil
    store.close()
