"""The termly targeted support meeting pack as data: who is listed, why, and the school's figures for
the period. Built by services/tsm.py; printed by documents/tsm.py and written as a workbook by
exporters/tsm.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class TsmRow:
    upn: str
    name: str
    reg_group: str
    group: str  # "persistent", "at_risk" or "part_time": the section the pupil is listed in
    reasons: tuple[str, ...]  # why the pupil is listed, each in words
    attendance_pct: float | None  # from domain.figures.one_decimal
    absence_pct: float | None
    unauthorised: int  # sessions (G, N, O, U) in the period
    missing: int  # sessions with no mark: the figures are incomplete
    severe: bool
    stage: str
    contacts_made: int
    last_contact: date | None
    barriers: str
    actions_agreed: str
    early_help: str
    lead_professional: str

    @property
    def incomplete(self) -> bool:
        return self.missing > 0


@dataclass(frozen=True)
class TsmSummary:
    """The whole school's figures for the period, as services.figures.summarise counts them."""

    attendance_pct: float | None
    persistent: int
    persistent_pct: float | None
    severe: int
    severe_pct: float | None
    pupils: int  # enrolments with at least one possible session: the rates' denominator
    on_roll: int  # every enrolment in the period
    incomplete: int  # pupils with sessions that have no mark


@dataclass(frozen=True)
class TsmPack:
    school: str
    start: date
    end: date
    summary: TsmSummary
    rows: list[TsmRow]
    rules: tuple[str, ...]  # why pupils are listed and where the lead professional comes from
    attendance_lead: str = ""
    named_ewo: str = ""

    @property
    def title(self) -> str:
        return f"Targeted support meeting: {self.school}"

    @property
    def period(self) -> str:
        return f"{self.start:%d/%m/%Y} to {self.end:%d/%m/%Y}"


SECTIONS = {
    "persistent": "Persistently absent (absence of 10% or more)",
    "at_risk": "At risk of persistent absence",
    "part_time": "On a part-time timetable",
}
