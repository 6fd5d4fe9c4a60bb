"""How figures, categories and priorities look, shared by the window, the command line, the workbook
and the documents (no Qt, no openpyxl)."""

from datetime import datetime

from attendance_desk.domain.codes import Category
from attendance_desk.domain.tsm import SECTIONS, TsmPack

CATEGORY_COLOURS = {
    Category.PRESENT: "FFFFFF",
    Category.AEA: "CFE2F3",
    Category.AUTHORISED: "FFF2CC",
    Category.UNAUTHORISED: "F4CCCC",
    Category.NOT_COUNTED: "E7E6E6",
}
UNKNOWN_COLOUR = "FF9900"
RAG_COLOURS = {"red": "F4CCCC", "amber": "FCE5CD", "green": "D9EAD3"}


def when_text(stamp: str | None) -> str:
    """A timestamp (as stored, UTC, or any ISO form) as local dd/mm/yyyy HH:MM for people."""
    if not stamp:
        return ""
    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return stamp


def percent(value: float | None, missing: str = "–") -> str:
    """A percentage as every output shows it. `value` comes from `domain.figures.one_decimal`
    (halves rounded up, one decimal), the one rounding rule; this only formats it."""
    return missing if value is None else f"{value:.1f}%"


def tsm_summary_lines(pack: TsmPack) -> list[tuple[str, str]]:
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
