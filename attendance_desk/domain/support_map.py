"""The attendance support map: the school's escalation ladder, as data.

Crossing a threshold only *suggests* a stage; a person confirms it. A suggestion is made only when
the pupil has reached a stage above the current one and their absence has risen since the last
recorded step, so a closed process is not reopened by absence that was already dealt with.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from attendance_desk.domain.codes import Category
from attendance_desk.domain.figures import Figures


class Measure(StrEnum):
    DAYS_ABSENT = "days_absent"
    ATTENDANCE_BELOW = "attendance_below"


@dataclass(frozen=True)
class Stage:
    key: str
    name: str
    threshold: float
    letter: str | None = None
    actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Adjustment:
    """A per-pupil change to the thresholds (medical needs, EHCP-adjusted target), with its reason."""

    reason: str
    threshold_offset: float  # days added (days measure) or percentage points lowered (% measure)


@dataclass(frozen=True)
class Suggestion:
    stage: Stage
    measure_value: float
    current: Stage | None


@dataclass(frozen=True)
class SupportMap:
    name: str
    measure: Measure
    stages: tuple[Stage, ...]
    counts: frozenset[Category] = frozenset({Category.AUTHORISED, Category.UNAUTHORISED})
    min_possible: int = 0

    def __post_init__(self) -> None:
        keys = [s.key for s in self.stages]
        if len(set(keys)) != len(keys):
            raise ValueError("support map stage keys must be unique")
        values = [s.threshold for s in self.stages]
        ordered = sorted(values) if self.measure == Measure.DAYS_ABSENT else sorted(values, reverse=True)
        if values != ordered:
            raise ValueError("support map stages must be listed from the first step to the last")

    def stage(self, key: str) -> Stage:
        for stage in self.stages:
            if stage.key == key:
                return stage
        raise KeyError(f"no stage '{key}' in the support map '{self.name}'")

    def index(self, key: str | None) -> int:
        if key is None:
            return -1
        return self.stages.index(self.stage(key))

    def measure_value(self, figures: Figures) -> float | None:
        if self.measure == Measure.DAYS_ABSENT:
            sessions = 0
            if Category.AUTHORISED in self.counts:
                sessions += figures.authorised
            if Category.UNAUTHORISED in self.counts:
                sessions += figures.unauthorised
            return sessions / 2
        if figures.possible < max(self.min_possible, 1):
            return None
        return figures.attendance_pct

    def describe(self, value: float | None) -> str:
        if value is None:
            return "not enough sessions yet"
        if self.measure == Measure.DAYS_ABSENT:
            return f"{value:g} days absent"
        return f"{value:.1f}% attendance"

    def reached(self, figures: Figures, adjustment: Adjustment | None = None) -> Stage | None:
        value = self.measure_value(figures)
        if value is None:
            return None
        offset = adjustment.threshold_offset if adjustment else 0.0
        best = None
        for stage in self.stages:
            if self.measure == Measure.DAYS_ABSENT:
                hit = value >= stage.threshold + offset
            else:
                hit = value < stage.threshold - offset
            if hit:
                best = stage
        return best

    def suggest(
        self,
        figures: Figures,
        current_key: str | None,
        value_at_last_step: float | None,
        adjustment: Adjustment | None = None,
    ) -> Suggestion | None:
        reached = self.reached(figures, adjustment)
        if reached is None or self.stages.index(reached) <= self.index(current_key):
            return None
        value = self.measure_value(figures)
        if value_at_last_step is not None and not self._worse(value, value_at_last_step):
            return None
        current = self.stage(current_key) if current_key else None
        return Suggestion(stage=reached, measure_value=value, current=current)

    def _worse(self, now: float, before: float) -> bool:
        return now > before if self.measure == Measure.DAYS_ABSENT else now < before


def load_support_map(path: Path) -> SupportMap:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return support_map_from_dict(data)


def support_map_from_dict(data: dict) -> SupportMap:
    stages = tuple(
        Stage(
            key=raw["key"],
            name=raw["name"],
            threshold=float(raw["threshold"]),
            letter=raw.get("letter"),
            actions=tuple(raw.get("actions", ())),
        )
        for raw in data["stages"]
    )
    counts = frozenset(Category(c) for c in data.get("counts", ("authorised", "unauthorised")))
    return SupportMap(
        name=data.get("name", "Support map"),
        measure=Measure(data.get("measure", "days_absent")),
        stages=stages,
        counts=counts,
        min_possible=int(data.get("min_possible", 0)),
    )
