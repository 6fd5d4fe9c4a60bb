"""Support-map stage events (entered, skipped, closed, reopened) and per-pupil adjustments."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING

from attendance_desk.domain.records import StageEvent, StageStep
from attendance_desk.domain.support_map import Adjustment
from attendance_desk.store.db import local_text, now_iso, stored_time
from attendance_desk.store.dialect import dialect

if TYPE_CHECKING:
    from attendance_desk.store.db import Store


class StageRepo:
    def __init__(self, store: Store):
        self.store = store

    def record(
        self,
        pupil_id: int,
        event: str,
        stage_key: str | None,
        map_name: str,
        measure_value: float | None,
        figures: dict,
        note: str,
        by: str,
        at: str | None = None,
        occurred_on: date | None = None,
        late_reason: str = "",
    ) -> int:
        at = stored_time(datetime.fromisoformat(at)) if at else now_iso()
        on = (occurred_on or date.fromisoformat(local_text(at)[:10])).isoformat()
        with self.store.write():
            return self.store.insert_id(
                "INSERT INTO stage_events(pupil_id, event, stage_key, map_name, measure_value, figures, "
                "note, by_user, at, occurred_on, late_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    pupil_id,
                    event,
                    stage_key,
                    map_name,
                    measure_value,
                    json.dumps(figures),
                    note,
                    by,
                    at,
                    on,
                    late_reason,
                ),
            )

    def events(self, pupil_id: int | None = None) -> list[StageEvent]:
        sql = "SELECT * FROM stage_events"
        params: tuple = ()
        if pupil_id is not None:
            sql += " WHERE pupil_id = ?"
            params = (pupil_id,)
        rows = self.store.query(sql + " ORDER BY pupil_id, id", params)
        return [
            StageEvent(
                id=r["id"],
                pupil_id=r["pupil_id"],
                event=r["event"],
                stage_key=r["stage_key"],
                map_name=r["map_name"],
                measure_value=r["measure_value"],
                figures=json.loads(r["figures"]),
                note=r["note"],
                by_user=r["by_user"],
                at=local_text(r["at"]),
                occurred_on=date.fromisoformat(r["occurred_on"]) if r["occurred_on"] else None,
                late_reason=r["late_reason"],
            )
            for r in rows
        ]

    def latest_steps(
        self, since: date, until: date | None = None, pupil_ids: Iterable[int] | None = None
    ) -> dict[int, list[StageStep]]:
        """Each pupil's steps taken from `since` to `until` (inclusive; no end if None) that decide
        where the pupil stands: the latest step that set the stage (entered, reopened or closed) and
        the latest step of any kind (a skipped suggestion keeps the stage but its measure is the last
        one), in the order taken (day, then as recorded): one or two per pupil, oldest first.
        Some pupils (by id) or every pupil with steps. Read through stage_events_by_pupil_day by pupil
        and day, two index seeks a pupil however long the history; no JSON is parsed."""
        if pupil_ids is None:
            pupils, params = "SELECT DISTINCT pupil_id AS id FROM stage_events", []
        else:
            pupils = f"SELECT DISTINCT value AS id FROM {dialect(self.store.engine).json_values}"
            params = [json.dumps(sorted(set(pupil_ids)))]
        lo, hi = since.isoformat(), (until or date.max).isoformat()
        latest = (
            "(SELECT x.id FROM stage_events x WHERE x.pupil_id = p.id AND x.occurred_on BETWEEN ? AND ?"
            "{} ORDER BY x.occurred_on DESC, x.id DESC LIMIT 1)"
        )
        any_step, stage_step = latest.format(""), latest.format(" AND x.event != 'skipped'")
        rows = self.store.query(
            "SELECT e.id, e.pupil_id, e.event, e.stage_key, e.map_name, e.measure_value, e.occurred_on "
            f"FROM ({pupils}) p JOIN stage_events e ON e.id IN ({any_step}, {stage_step}) "
            "ORDER BY e.pupil_id, e.occurred_on, e.id",
            [*params, lo, hi, lo, hi],
        )
        result: dict[int, list[StageStep]] = {}
        for r in rows:
            result.setdefault(r[1], []).append(
                StageStep(r[0], r[1], r[2], r[3], r[4], r[5], date.fromisoformat(r[6]))
            )
        return result

    def add_adjustment(self, pupil_id: int, offset: float, reason: str, by: str) -> None:
        if not reason.strip():
            raise ValueError("an adjustment needs a reason")
        with self.store.write():
            self.store.execute(
                "UPDATE stage_adjustments SET active = 0 WHERE pupil_id = ?", (pupil_id,)
            )
            self.store.execute(
                "INSERT INTO stage_adjustments(pupil_id, threshold_offset, reason, by_user, at) "
                "VALUES (?, ?, ?, ?, ?)",
                (pupil_id, offset, reason, by, now_iso()),
            )

    def adjustments(self) -> dict[int, Adjustment]:
        rows = self.store.query(
            "SELECT pupil_id, threshold_offset, reason FROM stage_adjustments WHERE active = 1"
        )
        return {r[0]: Adjustment(reason=r[2], threshold_offset=r[1]) for r in rows}
