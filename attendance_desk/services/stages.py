"""Support-map stages: where each pupil is, what the ladder suggests, and recording a step."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date

from attendance_desk.domain.calendar import academic_year_bounds, academic_year_of
from attendance_desk.domain.roles import Permission
from attendance_desk.domain.support_map import Adjustment, Stage, Suggestion
from attendance_desk.services.figures import PupilFigures, pupil_figures
from attendance_desk.services.marks import find_pupil
from attendance_desk.services.school import ServiceError, support_map
from attendance_desk.services.users import authorize
from attendance_desk.store.db import Store
from attendance_desk.store.stages import StageEvent


@dataclass(frozen=True)
class PupilStage:
    figures: PupilFigures
    current: Stage | None
    value_at_last_step: float | None
    suggestion: Suggestion | None
    adjustment: Adjustment | None
    closed: bool

    def as_json(self) -> dict:
        s = self.suggestion
        return {
            "upn": self.figures.pupil.upn,
            "name": self.figures.pupil.name,
            "reg_group": self.figures.pupil.reg_group,
            "attendance_pct": self.figures.figures.attendance_pct,
            "days_absent": self.figures.figures.days_absent,
            "current_stage": self.current.key if self.current else None,
            "current_stage_name": self.current.name if self.current else None,
            "process_closed": self.closed,
            "suggested_stage": s.stage.key if s else None,
            "suggested_stage_name": s.stage.name if s else None,
            "suggested_letter": s.stage.letter if s else None,
            "measure_value": s.measure_value if s else None,
            "adjustment": asdict(self.adjustment) if self.adjustment else None,
        }


def _replay(events: Iterable[StageEvent]) -> tuple[str | None, float | None, bool]:
    """(current stage key, measure at the last recorded step, process closed) from the events."""
    current, last, closed = None, None, False
    for e in events:
        if e.event in ("entered", "reopened"):
            current, closed = e.stage_key, False
        elif e.event == "closed":
            current, closed = None, True
        last = e.measure_value
    return current, last, closed


def _events_this_year(store: Store, since: date, pupil_id: int | None = None) -> dict[int, list[StageEvent]]:
    grouped: dict[int, list[StageEvent]] = {}
    for e in store.stages.events(pupil_id):
        if e.at[:10] >= since.isoformat():
            grouped.setdefault(e.pupil_id, []).append(e)
    return grouped


def current_stages(store: Store, pupil_ids: Iterable[int], since: date) -> dict[int, str]:
    """Current stage names for some pupils (for call-list priority)."""
    ladder = support_map(store)
    events = _events_this_year(store, since)
    result = {}
    for pid in pupil_ids:
        key, _, _ = _replay(events.get(pid, ()))
        if key:
            result[pid] = ladder.stage(key).name
    return result


def stage_overview(store: Store, today: date, upn: str | None = None) -> list[PupilStage]:
    ladder = support_map(store)
    start = academic_year_bounds(academic_year_of(today))[0]
    pupils = [find_pupil(store, upn)] if upn else None
    rows = pupil_figures(store, start, today, pupils=pupils)
    events = _events_this_year(store, start)
    adjustments = store.stages.adjustments()
    result = []
    for row in rows:
        key, last, closed = _replay(events.get(row.pupil.id, ()))
        adjustment = adjustments.get(row.pupil.id)
        result.append(PupilStage(
            figures=row,
            current=ladder.stage(key) if key else None,
            value_at_last_step=last,
            suggestion=ladder.suggest(row.figures, key, last, adjustment),
            adjustment=adjustment,
            closed=closed,
        ))
    return result


def record_step(
    store: Store, upn: str, event: str, today: date, by: str, stage_key: str | None = None, note: str = "",
    at: str | None = None,
) -> PupilStage:
    """Confirm a stage ('entered'), decline a suggestion ('skipped', reason required), end the staged
    process ('closed', e.g. attendance improved) or reopen it. The figures at that moment are kept."""
    authorize(store, by, Permission.CASEWORK)
    ladder = support_map(store)
    if event not in ("entered", "skipped", "closed", "reopened"):
        raise ServiceError(f"unknown stage event '{event}'")
    if event in ("entered", "reopened", "skipped"):
        if stage_key is None:
            raise ServiceError("name the stage")
        try:
            ladder.stage(stage_key)
        except KeyError as exc:
            raise ServiceError(str(exc.args[0])) from None
    if event in ("skipped", "closed") and not note.strip():
        raise ServiceError("give a reason (it is kept with the pupil's stage history)")
    (state,) = stage_overview(store, today, upn)
    store.stages.record(
        state.figures.pupil.id, event, stage_key, ladder.name,
        ladder.measure_value(state.figures.figures), state.figures.as_json(), note.strip(), by, at,
    )
    store.audit.log(by, f"stage {event}", state.figures.pupil.upn, f"{stage_key or ''} {note.strip()}".strip())
    (after,) = stage_overview(store, today, upn)
    return after


def adjust_thresholds(store: Store, upn: str, offset: float, reason: str, by: str) -> None:
    """A per-pupil change to the support-map thresholds (medical needs, an EHCP-adjusted target), with
    its reason; it replaces any earlier adjustment and is shown wherever the stage is."""
    authorize(store, by, Permission.CASEWORK)
    pupil = find_pupil(store, upn)
    if not reason.strip():
        raise ServiceError("give the reason for the adjustment (e.g. consultant's letter about a medical condition)")
    if not -50 <= offset <= 50:
        raise ServiceError("an adjustment moves the thresholds by at most 50 days or percentage points")
    store.stages.add_adjustment(pupil.id, offset, reason.strip(), by)
