"""Support-map stage events (entered, skipped, closed, reopened) and per-pupil adjustments."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from attendance_desk.domain.support_map import Adjustment
from attendance_desk.store.db import now_iso

if TYPE_CHECKING:
    from attendance_desk.store.db import Store


@dataclass(frozen=True)
class StageEvent:
    id: int
    pupil_id: int
    event: str
    stage_key: str | None
    map_name: str
    measure_value: float | None
    figures: dict
    note: str
    by_user: str
    at: str


class StageRepo:
    def __init__(self, store: Store):
        self.store = store

    def record(
        self, pupil_id: int, event: str, stage_key: str | None, map_name: str,
        measure_value: float | None, figures: dict, note: str, by: str, at: str | None = None,
    ) -> int:
        with self.store.write() as db:
            cur = db.execute(
                "INSERT INTO stage_events(pupil_id, event, stage_key, map_name, measure_value, figures, "
                "note, by_user, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (pupil_id, event, stage_key, map_name, measure_value, json.dumps(figures), note, by, at or now_iso()),
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
                id=r["id"], pupil_id=r["pupil_id"], event=r["event"], stage_key=r["stage_key"],
                map_name=r["map_name"], measure_value=r["measure_value"], figures=json.loads(r["figures"]),
                note=r["note"], by_user=r["by_user"], at=r["at"],
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
