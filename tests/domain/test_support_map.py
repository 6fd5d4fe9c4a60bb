from attendance_desk.domain.figures import Figures
from attendance_desk.domain.support_map import Adjustment
from attendance_desk.paths import resource_path
from attendance_desk.store.resources import load_support_map

LADDER = load_support_map(resource_path("support_map.toml"))
LA = load_support_map(resource_path("support_maps", "la_three_stage.toml"))


def days(n: float) -> Figures:
    return Figures(present=300, authorised=int(n * 2))


def test_default_ladder_thresholds():
    assert [s.threshold for s in LADDER.stages] == [4, 7, 10, 13, 16, 19]
    assert LADDER.reached(days(3.5)) is None
    assert LADDER.reached(days(4)).key == "stage1"
    assert LADDER.reached(days(9.5)).key == "stage2"
    assert LADDER.reached(days(19)).key == "stage6"


def test_suggests_only_above_the_current_stage_and_only_when_worse():
    assert LADDER.suggest(days(5), None, None).stage.key == "stage1"
    assert LADDER.suggest(days(5), "stage1", 4.0) is None
    assert LADDER.suggest(days(7), "stage1", 4.0).stage.key == "stage2"
    # closed at 8 days: not suggested again until absence rises
    assert LADDER.suggest(days(8), None, 8.0) is None
    reopened = LADDER.suggest(days(8.5), None, 8.0)  # the ladder starts again from the first stage
    assert reopened.stage.key == "stage1" and reopened.reached.key == "stage2"


def test_adjustment_raises_thresholds():
    medical = Adjustment("medical needs (consultant letter)", 3)
    assert LADDER.reached(days(6), medical) is None
    assert LADDER.reached(days(7), medical).key == "stage1"


def test_la_preset_uses_attendance_percentage_after_enough_sessions():
    assert LA.reached(Figures(present=10, unauthorised=5)) is None  # only 15 sessions so far
    assert LA.reached(Figures(present=94, authorised=6)).key == "early"
    assert LA.reached(Figures(present=89, authorised=11)).key == "concern"
    assert LA.reached(Figures(present=80, authorised=20)).key == "ews"
    assert LA.reached(Figures(present=95, authorised=5)) is None
