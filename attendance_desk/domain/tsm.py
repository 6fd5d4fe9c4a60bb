"""The termly targeted support meeting pack as data: who is listed, why, and the school's figures for
the period. Built by services/tsm.py; printed by documents/tsm.py and written as a workbook by
exporters/tsm.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from attendance_desk.presentation import dmy, percent


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
        return f"{dmy(self.start)} to {dmy(self.end)}"


SECTIONS = {
    "persistent": "Persistently absent (absence of 10% or more)",
    "at_risk": "At risk of persistent absence",
    "part_time": "On a part-time timetable",
}


def summary_lines(pack: TsmPack) -> list[tuple[str, str]]:
    """The school's figures at the head of the targeted support meeting pack, as (label, text), the
    same on paper and in the workbook."""
    s = pack.summary
    left_out = s.on_roll - s.pupils
    counted = f"{s.persistent} of {s.pupils} pupils with possible sessions"
    if left_out:
        counted += f"; {left_out} on roll with no possible sessions left out, as the DfE counts"
    by_group = {key: sum(r.group == key for r in pack.rows) for key in SECTIONS}
    lines = [
        ("Period", f"{pack.period} (this academic year to date)"),
        ("School attendance", percent(s.attendance_pct)),
        ("School persistent absence rate", f"{percent(s.persistent_pct)} ({counted})"),
        (
            "Severe absence (50% or more)",
            f"{percent(s.severe_pct)} ({s.severe} pupil{'s' if s.severe != 1 else ''})",
        ),
        (
            "Pupils listed",
            f"{len(pack.rows)}: {by_group['persistent']} persistently absent, {by_group['at_risk']} at risk, "
            f"{by_group['part_time']} on a part-time timetable only",
        ),
    ]
    if s.incomplete:
        lines.append(
            (
                "Incomplete figures",
                f"{s.incomplete} pupil{'s have' if s.incomplete != 1 else ' has'} sessions "
                "with no mark: their figures may change when the registers are completed",
            )
        )
    lines.append(("Attendance lead", pack.attendance_lead or "not recorded"))
    lines.append(("Named EWO", pack.named_ewo or "not recorded"))
    return lines
