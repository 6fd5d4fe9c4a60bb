"""Support-map stages: where each pupil is, what the ladder suggests, and recording a step."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, time

from attendance_desk.domain.calendar import academic_year_bounds, academic_year_of
from attendance_desk.domain.records import CaseworkEntry, StageEvent, StageStep
from attendance_desk.domain.roles import Permission
from attendance_desk.domain.support_map import (
    EARLIER_MAP_STAGE,
    Adjustment,
    Stage,
    Suggestion,
    SupportMap,
)
from attendance_desk.presentation import dmy
from attendance_desk.services.as_at import check_event_date, event_audit_detail
from attendance_desk.services.figures import PupilFigures, due_on, pupil_figures
from attendance_desk.services.marks import find_pupil
from attendance_desk.services.school import ServiceError, support_map
from attendance_desk.services.users import authorize
from attendance_desk.store.db import Store


@dataclass(frozen=True)
class PupilStage:
    figures: PupilFigures
    current: Stage | None  # a stage of an earlier map is named as such (see earlier_map_stage)
    value_at_last_step: float | None
    suggestion: Suggestion | None
    adjustment: Adjustment | None
    closed: bool
    left: bool = False  # left the school: no suggestions

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
            "left": self.left,
            "suggested_stage": s.stage.key if s else None,
            "suggested_stage_name": s.stage.name if s else None,
            "suggested_letter": s.stage.letter if s else None,
            "thresholds_crossed_up_to": s.reached.key if s and s.reached else None,
            "suggestion_note": s.note if s else "",
            "measure_value": s.measure_value if s else None,
            "adjustment": asdict(self.adjustment) if self.adjustment else None,
        }


@dataclass(frozen=True)
class _Replayed:
    key: str | None = None  # the open stage
    map_name: str = ""  # the map the open stage was entered under
    last_value: float | None = None  # the measure at the last step taken this school year
    closed: bool = False
    held_before_close: str | None = None


def _replay(events: Iterable[StageEvent | StageStep], year_start: date) -> _Replayed:
    """Where the steps leave a pupil (steps in the order they were taken). The pupil's latest steps
    (StageRepo.latest_steps) leave the pupil where all of them do: the stage, the map it was entered
    under, closed or not and the last measure; `held_before_close` needs every step."""
    key, map_name, last, closed, held = None, "", None, False, None
    for e in sorted(events, key=lambda e: (e.on, e.id)):
        if e.event in ("entered", "reopened"):
            key, map_name, closed = e.stage_key, e.map_name, False
        elif e.event == "closed":
            held = key or e.stage_key
            key, closed = None, True
        last = e.measure_value if e.on >= year_start else None
    return _Replayed(key, map_name, last, closed, held)


def _keeps_stage_over_summer(store: Store) -> bool:
    return store.settings.school().stages_at_year_start != "restart"


def _events_as_at(
    store: Store, day: date, pupil_id: int | None = None
) -> dict[int, list[StageEvent]]:
    """Each pupil's steps taken up to `day`: this school year's only when the school restarts the process
    each September, else every step (a pupil mid-process keeps the stage)."""
    year_start = academic_year_bounds(academic_year_of(day))[0]
    since = date.min if _keeps_stage_over_summer(store) else year_start
    grouped: dict[int, list[StageEvent]] = {}
    for e in store.stages.events(pupil_id):
        if since <= e.on <= day:
            grouped.setdefault(e.pupil_id, []).append(e)
    return grouped


def _latest_as_at(
    store: Store, day: date, pupil_ids: Iterable[int] | None = None
) -> dict[int, list[StageStep]]:
    """Each pupil's latest steps up to `day` (as _events_as_at counts them), read by pupil in SQL."""
    year_start = academic_year_bounds(academic_year_of(day))[0]
    since = date.min if _keeps_stage_over_summer(store) else year_start
    return store.stages.latest_steps(since, day, pupil_ids)


def current_stages(store: Store, pupil_ids: Iterable[int], since: date) -> dict[int, str]:
    """Current stage names for some pupils (for call-list priority). `since` is the start of the school
    year: steps before it count only when the school keeps stages over the summer (the default).
    Only these pupils' latest steps are read."""
    ladder = support_map(store)
    start = date.min if _keeps_stage_over_summer(store) else since
    pupil_ids = list(pupil_ids)
    grouped = store.stages.latest_steps(start, None, pupil_ids) if pupil_ids else {}
    result = {}
    for pid in pupil_ids:
        key = _replay(grouped.get(pid, ()), since).key
        if key:
            result[pid] = ladder.stage_or_earlier(key).name
    return result


def stage_overview(store: Store, today: date, upn: str | None = None) -> list[PupilStage]:
    """Each pupil's stage as at `today` and the next step the ladder suggests. Pupils who have left get
    no suggestion; a stage from a support map the school no longer uses is shown as such."""
    ladder = support_map(store)
    start = academic_year_bounds(academic_year_of(today))[0]
    pupils = [find_pupil(store, upn)] if upn else None
    rows = pupil_figures(store, start, today, pupils=pupils, due=due_on(store, today))
    events = _latest_as_at(store, today, [p.id for p in pupils] if pupils else None)
    adjustments = store.stages.adjustments()
    result = []
    for row in rows:
        state = _replay(events.get(row.pupil.id, ()), start)
        adjustment = adjustments.get(row.pupil.id)
        left = not row.pupil.on_roll(today)
        result.append(
            PupilStage(
                figures=row,
                current=ladder.stage_or_earlier(state.key) if state.key else None,
                value_at_last_step=state.last_value,
                suggestion=None
                if left
                else ladder.suggest(row.figures, state.key, state.last_value, adjustment),
                adjustment=adjustment,
                closed=state.closed,
                left=left,
            )
        )
    return result


STEP_WORDS = {
    "entered": "Stage entered",
    "reopened": "Staged process reopened",
    "skipped": "Suggested stage not taken",
    "closed": "Staged process closed",
}


def _when(day: date) -> datetime:
    """A step dated today keeps the time; an earlier one is placed at midday of its day."""
    now = datetime.now().astimezone()
    return now if day == now.date() else datetime.combine(day, time(12, 0)).astimezone()


def _chronicle(
    store: Store,
    pupil_id: int,
    day: date,
    by: str,
    outcome: str,
    notes: str,
    late_reason: str = "",
    recorded: str | None = None,
) -> None:
    """The step in the chronology; `recorded` (ISO) when the step's recording time is given."""
    stamp = datetime.fromisoformat(recorded) if recorded else None
    when = stamp if stamp and stamp.date() == day else _when(day)
    store.casework.add(
        CaseworkEntry(
            None,
            pupil_id,
            when,
            "stage",
            by,
            "",
            None,
            outcome,
            False,
            notes,
            recorded_at=stamp,
            late_reason=late_reason,
        )
    )


def record_step(
    store: Store,
    upn: str,
    event: str,
    today: date,
    by: str,
    stage_key: str | None = None,
    note: str = "",
    at: str | None = None,
    occurred_on: date | None = None,
    late_reason: str = "",
) -> PupilStage:
    """Confirm a stage ('entered'), decline a suggestion ('skipped', reason required), end the staged
    process ('closed', e.g. attendance improved) or reopen it, on the day it was decided (`occurred_on`,
    default `today`; not in the future, and more than a fortnight back only with `late_reason`).
    The ladder is climbed in order: a stage beyond the next one needs a reason (`note`), which is kept
    with the step and in the chronology. The figures as they stood that day are kept with the step."""
    authorize(store, by, Permission.CASEWORK)
    ladder = support_map(store)
    if event not in STEP_WORDS:
        raise ServiceError(f"unknown stage event '{event}'")
    on = occurred_on or today
    late_reason = check_event_date(on, today, late_reason, "the stage step")
    pupil = find_pupil(store, upn)
    stage = None
    if event in ("entered", "reopened", "skipped"):
        if stage_key is None:
            raise ServiceError("name the stage")
        try:
            stage = ladder.stage(stage_key)
        except KeyError as exc:
            raise ServiceError(
                f"{exc.args[0]} (its stages: {', '.join(s.key for s in ladder.stages)})"
            ) from None
    if event in ("skipped", "closed") and not note.strip():
        raise ServiceError("give a reason (it is kept with the pupil's stage history)")
    if event in ("entered", "reopened") and not pupil.on_roll(on):
        raise ServiceError(
            f"{pupil.name} left the school on {dmy(pupil.leaving_date)}: no stage can be entered"
        )
    states = stage_overview(store, on, upn)
    if not states:
        raise ServiceError(f"{pupil.name} was not on roll this school year by {dmy(on)}")
    (state,) = states
    notes = note.strip()
    if event in ("entered", "reopened"):
        if event == "entered" and state.current and state.current.key == stage_key:
            raise ServiceError(f"{pupil.name} is already at {stage.name}")
        if event == "reopened" and state.closed and state.current is None:
            year_start = academic_year_bounds(academic_year_of(on))[0]
            held = _replay(
                _events_as_at(store, on, pupil.id).get(pupil.id, ()), year_start
            ).held_before_close
            base = ladder.index(held)
        else:
            base = ladder.index(state.current.key if state.current else None)
        following = ladder.stages[base + 1] if base + 1 < len(ladder.stages) else None
        if ladder.index(stage_key) > base + 1:
            if not notes:
                raise ServiceError(
                    f"{stage.name} is beyond the next stage for {pupil.name} ({following.name if following else '-'}): "
                    "the stages are taken in order; give the reason for going straight to it"
                )
            notes = (
                f"Beyond the next stage ({following.name if following else '-'}); reason: {notes}"
            )
    current_name = state.current.name if state.current else ""
    outcome = STEP_WORDS[event] + (
        f": {stage.name}" if stage else (f" ({current_name})" if current_name else "")
    )
    with store.write():
        store.stages.record(
            pupil.id,
            event,
            stage_key,
            ladder.name,
            ladder.measure_value(state.figures.figures),
            state.figures.as_json(),
            notes,
            by,
            at,
            occurred_on=on,
            late_reason=late_reason,
        )
        _chronicle(store, pupil.id, on, by, outcome, notes, late_reason, at)
        store.audit.log(
            by,
            f"stage {event}",
            pupil.upn,
            f"{stage_key or ''} {notes}; {event_audit_detail(on, late_reason)}".strip(),
        )
    (after,) = stage_overview(store, max(today, on), upn)
    return after


@dataclass(frozen=True)
class StageChange:
    upn: str
    name: str
    old_stage: str
    new_stage: str | None  # None: closed, no equivalent in the new map
    note: str


@dataclass(frozen=True)
class MapSwitch:
    map: SupportMap
    changes: list[StageChange]


def switch_support_map(
    store: Store, name: str, by: str = "", today: date | None = None
) -> MapSwitch:
    """Change the school's support map. Every open stage of the old map becomes the new map's declared
    equivalent, or the staged process is closed with the reason; nothing is lost silently. The changes
    are recorded as steps (and in the chronology and audit) and returned for the user to see."""
    from attendance_desk.services.school import save_support_map_choice

    today = today or date.today()
    old = support_map(store)
    year_start = academic_year_bounds(academic_year_of(today))[0]
    open_stages = {
        pid: state
        for pid, events in _latest_as_at(store, today).items()
        if (state := _replay(events, year_start)).key
    }
    changes: list[StageChange] = []
    with store.write():
        new = save_support_map_choice(store, name, by)
        moving = {
            pid: st
            for pid, st in open_stages.items()
            if not (st.map_name == new.name and new.has(st.key))
        }
        pupils = [p for p in (store.pupils.by_id(pid) for pid in sorted(moving)) if p]
        figures = (
            {
                r.pupil.id: r
                for r in pupil_figures(
                    store, year_start, today, pupils=pupils, due=due_on(store, today)
                )
            }
            if pupils
            else {}
        )
        for pupil in pupils:
            state = moving[pupil.id]
            was = (
                old.stage(state.key).name
                if state.map_name == old.name and old.has(state.key)
                else f"{state.key} {EARLIER_MAP_STAGE}"
            )
            target = new.equivalent(state.map_name, state.key)
            row = figures.get(pupil.id)
            value = new.measure_value(row.figures) if row else None
            snapshot = row.as_json() if row else {}
            if target:
                note = (
                    f"Support map changed from {old.name} to {new.name}: {was} is {target.name} "
                    "(the new map's declared equivalent)"
                )
                store.stages.record(
                    pupil.id,
                    "entered",
                    target.key,
                    new.name,
                    value,
                    snapshot,
                    note,
                    by,
                    occurred_on=today,
                )
                _chronicle(store, pupil.id, today, by, f"Stage entered: {target.name}", note)
            else:
                note = (
                    f"Support map changed from {old.name} to {new.name}: {was} has no equivalent in the new map, "
                    "so the staged process was closed; review the pupil against the new map"
                )
                store.stages.record(
                    pupil.id,
                    "closed",
                    state.key,
                    new.name,
                    value,
                    snapshot,
                    note,
                    by,
                    occurred_on=today,
                )
                _chronicle(store, pupil.id, today, by, f"Staged process closed ({was})", note)
            changes.append(
                StageChange(pupil.upn, pupil.name, was, target.name if target else None, note)
            )
        store.audit.log(
            by,
            "support map stages carried over",
            name,
            f"{sum(c.new_stage is not None for c in changes)} mapped, "
            f"{sum(c.new_stage is None for c in changes)} closed",
        )
    return MapSwitch(new, changes)


def adjust_thresholds(store: Store, upn: str, offset: float, reason: str, by: str) -> None:
    """A per-pupil change to the support-map thresholds (medical needs, an EHCP-adjusted target), with
    its reason; it replaces any earlier adjustment and is shown wherever the stage is."""
    authorize(store, by, Permission.CASEWORK)
    pupil = find_pupil(store, upn)
    if not reason.strip():
        raise ServiceError(
            "give the reason for the adjustment (e.g. consultant's letter about a medical condition)"
        )
    if not -50 <= offset <= 50:
        raise ServiceError(
            "an adjustment moves the thresholds by at most 50 days or percentage points"
        )
    with store.write():  # the adjustment and its audit entry: both or neither
        store.stages.add_adjustment(pupil.id, offset, reason.strip(), by)
        store.audit.log(by, "thresholds adjusted", pupil.upn, f"{offset:+g}: {reason.strip()}")
