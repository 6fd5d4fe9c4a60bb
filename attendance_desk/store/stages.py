"""Support-map stage events (entered, skipped, closed, reopened) and per-pupil adjustments."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TYPE_CHECKING

from attendance_desk.domain.records import StageEvent
from attendance_desk.domain.support_map import Adjustment
from attendance_desk.store.db import local_text, now_iso, stored_time

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
        with self.store.write() as db:
            cur = db.execute(
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
            return cur.lastrowid

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

    def add_adjustment(self, pupil_id: int, offset: float, reason: str, by: str) -> None:
        if not reason.strip():
            raise ValueError("an adjustment needs a reason")
        with self.store.write() as db:
            db.execute("UPDATE stage_adjustments SET active = 0 WHERE pupil_id = ?", (pupil_id,))
            db.execute(
                "INSERT INTO stage_adjustments(pupil_id, threshold_offset, reason, by_user, at) "
                "VALUES (?, ?, ?, ?, ?)",
                (pupil_id, offset, reason, by, now_iso()),
            )

    def adjustments(self) -> dict[int, Adjustment]:
        rows = self.store.query(
            "SELECT pupil_id, threshold_offset, reason FROM stage_adjustments WHERE active = 1"
        )
        return {r[0]: Adjustment(reason=r[2], threshold_offset=r[1]) for r in rows}
