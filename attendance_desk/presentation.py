"""How dates, figures, categories and priorities look, the one place for each, shared by the window,
the command line, the workbook, the documents and the rules' own messages (no Qt, no openpyxl, and
nothing from the rest of the program: every layer may use it)."""

from __future__ import annotations

from datetime import date, datetime

DATE_FORMAT = "%d/%m/%Y"  # dd/mm/yyyy: every date a person reads, on screen and on paper

# by attendance category (domain.codes.Category, a StrEnum: a Category finds its colour here)
CATEGORY_COLOURS = {
    "present": "FFFFFF",
    "aea": "CFE2F3",
    "authorised": "FFF2CC",
    "unauthorised": "F4CCCC",
    "not_counted": "E7E6E6",
}
UNKNOWN_COLOUR = "FF9900"
RAG_COLOURS = {"red": "F4CCCC", "amber": "FCE5CD", "green": "D9EAD3"}


def dmy(day: date | datetime | None, missing: str = "") -> str:
    """A date as people read it: 24/11/2026."""
    return missing if day is None else day.strftime(DATE_FORMAT)


def weekday_dmy(day: date, long: bool = False) -> str:
    """Mon 24/11/2026, or with `long` Monday 24/11/2026."""
    return f"{day.strftime('%A' if long else '%a')} {dmy(day)}"


def dmy_hm(moment: datetime | None, between: str = " ", missing: str = "") -> str:
    """A moment as people read it: 24/11/2026 09:41 (or 24/11/2026 at 09:41 with `between`)."""
    return missing if moment is None else f"{dmy(moment)}{between}{moment:%H:%M}"


def when_text(stamp: str | None) -> str:
    """A timestamp (as stored, UTC, or any ISO form) as local dd/mm/yyyy HH:MM for people."""
    if not stamp:
        return ""
    try:
        return dmy_hm(datetime.fromisoformat(stamp).astimezone())
    except ValueError:
        return stamp


def percent(value: float | None, missing: str = "–") -> str:
    """A percentage as every output shows it. `value` comes from `domain.figures.one_decimal`
    (halves rounded up, one decimal), the one rounding rule; this only formats it."""
    return missing if value is None else f"{value:.1f}%"
