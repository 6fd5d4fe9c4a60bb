"""How figures, categories and priorities look, shared by the window, the command line, the workbook
and the documents (no Qt, no openpyxl)."""

from datetime import datetime

from attendance_desk.domain.codes import Category

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
