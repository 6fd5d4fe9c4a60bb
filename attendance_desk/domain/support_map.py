"""The attendance support map: the school's escalation ladder, as data.

Crossing a threshold only *suggests* a stage; a person confirms it. A suggestion is made only when
the pupil has reached a stage above the current one and their absence has risen since the last
recorded step, so a closed process is not reopened by absence that was already dealt with. The
ladder is climbed in order: the suggestion is always the next stage, saying which later thresholds
have been crossed as well.

A map may declare, for another map by name, which of its stages each of that map's stages becomes
(`[equivalents."Other map name"]`), so a school that changes its map keeps every open stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache
from math import ceil

from attendance_desk.domain.codes import Category
from attendance_desk.domain.figures import Figures


@lru_cache(maxsize=256)
def _limit(threshold: float, offset: float, days: bool) -> int | Fraction:
    """A step's threshold as written (90.0 -> 90, 92.5 -> 185/2), moved by a pupil's adjustment, in
    exact numbers: for days absent, the fewest sessions that reach it (an int); for attendance, the
    percentage to stay under (a Fraction). A map has a few steps; worked out once each."""
    if days:
        return ceil((Fraction(str(threshold)) + Fraction(str(offset))) * 2)
    return Fraction(str(threshold)) - Fraction(str(offset))


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


EARLIER_MAP_STAGE = "(stage from an earlier support map)"


def earlier_map_stage(key: str) -> Stage:
    """A stage a pupil holds under a support map the school no longer uses (shown, never crashes)."""
    return Stage(key=key, name=f"{key} {EARLIER_MAP_STAGE}", threshold=float("nan"))


@dataclass(frozen=True)
class Suggestion:
    stage: Stage  # always the next stage up from the current one
    measure_value: float
    current: Stage | None
    reached: Stage | None = (
        None  # the highest stage whose threshold is crossed (may be above `stage`)
    )
    crossed: tuple[Stage, ...] = ()  # later stages whose thresholds are crossed as well

    @property
    def note(self) -> str:
        if not self.crossed:
            return ""
        names = ", ".join(s.name for s in self.crossed)
        return f"also over the threshold for {names}; stages are taken in order (a later one only with a reason)"


@dataclass(frozen=True)
class SupportMap:
    name: str
    measure: Measure
    stages: tuple[Stage, ...]
    counts: frozenset[Category] = frozenset({Category.AUTHORISED, Category.UNAUTHORISED})
    min_possible: int = 0
    # other map's name -> {that map's stage key: this map's stage key, or "" for no equivalent}
    equivalents: dict[str, dict[str, str]] = field(default_factory=dict, compare=False, hash=False)
    # the school's referral threshold ([referral] in the file; see domain/referral.py), {} for the default
    referral: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        keys = [s.key for s in self.stages]
        if len(set(keys)) != len(keys):
            raise ValueError("support map stage keys must be unique")
        values = [s.threshold for s in self.stages]
        ordered = (
            sorted(values) if self.measure == Measure.DAYS_ABSENT else sorted(values, reverse=True)
        )
        if values != ordered:
            raise ValueError("support map stages must be listed from the first step to the last")

    def stage(self, key: str) -> Stage:
        for stage in self.stages:
            if stage.key == key:
                return stage
        raise KeyError(f"no stage '{key}' in the support map '{self.name}'")

    def has(self, key: str | None) -> bool:
        return key is not None and any(s.key == key for s in self.stages)

    def stage_or_earlier(self, key: str) -> Stage:
        """The stage, or a placeholder naming it as a stage from an earlier support map."""
        return self.stage(key) if self.has(key) else earlier_map_stage(key)

    def index(self, key: str | None) -> int:
        """Position on the ladder; -1 for no stage or a stage this map does not have."""
        if key is None or not self.has(key):
            return -1
        return self.stages.index(self.stage(key))

    def next_stage(self, key: str | None) -> Stage | None:
        position = self.index(key) + 1
        return self.stages[position] if position < len(self.stages) else None

    def equivalent(self, map_name: str, key: str) -> Stage | None:
        """This map's stage for a stage of another map (by the declared equivalents), or None."""
        if map_name == self.name and self.has(key):
            return self.stage(key)
        target = self.equivalents.get(map_name, {}).get(key, "")
        return self.stage(target) if target and self.has(target) else None

    def _absent_sessions(self, figures: Figures) -> int:
        """The sessions the days-absent measure counts (authorised, unauthorised or both)."""
        sessions = 0
        if Category.AUTHORISED in self.counts:
            sessions += figures.authorised
        if Category.UNAUTHORISED in self.counts:
            sessions += figures.unauthorised
        return sessions

    def measure_value(self, figures: Figures) -> float | None:
        if self.measure == Measure.DAYS_ABSENT:
            return self._absent_sessions(figures) / 2
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
        days = self.measure == Measure.DAYS_ABSENT
        if days:
            sessions = self._absent_sessions(figures)
        elif figures.possible < max(self.min_possible, 1):
            return None
        offset = adjustment.threshold_offset if adjustment else 0.0
        attended, possible = figures.attended, figures.possible
        best = None
        for stage in self.stages:
            # Exact, in whole numbers, never the displayed (rounded) value: 341/379 = 89.97 % is
            # shown as 90.0 % but is below a "< 90 %" step.
            limit = _limit(stage.threshold, offset, days)
            if days:
                hit = sessions >= limit  # days absent >= threshold + offset
            else:  # attended / possible * 100 < threshold - offset
                hit = attended * 100 * limit.denominator < limit.numerator * possible
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
        position = self.index(current_key)
        if reached is None or self.stages.index(reached) <= position:
            return None
        value = self.measure_value(figures)
        if value is None:  # too few possible sessions to measure (then no stage is reached either)
            return None
        if value_at_last_step is not None and not self._worse(value, value_at_last_step):
            return None
        current = self.stage_or_earlier(current_key) if current_key else None
        following = self.stages[position + 1]
        crossed = self.stages[position + 2 : self.stages.index(reached) + 1]
        return Suggestion(
            stage=following, measure_value=value, current=current, reached=reached, crossed=crossed
        )

    def _worse(self, now: float, before: float) -> bool:
        return now > before if self.measure == Measure.DAYS_ABSENT else now < before


def support_map_from_dict(data: dict) -> SupportMap:
    """The map from its TOML file's contents (store/resources.py and services/school_documents.py
    read the text)."""
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
    keys = {s.key for s in stages}
    equivalents = {}
    for other, table in data.get("equivalents", {}).items():
        if not isinstance(table, dict):
            raise ValueError(f"equivalents for '{other}' should be a table of stage keys")
        for old, new in table.items():
            if new and new not in keys:
                raise ValueError(
                    f"equivalents for '{other}': '{old}' becomes '{new}', which is not a stage of this map"
                )
        equivalents[other] = {str(k): str(v) for k, v in table.items()}
    return SupportMap(
        name=data.get("name", "Support map"),
        measure=Measure(data.get("measure", "days_absent")),
        stages=stages,
        counts=counts,
        min_possible=int(data.get("min_possible", 0)),
        equivalents=equivalents,
        referral=dict(data.get("referral", {})),
    )
