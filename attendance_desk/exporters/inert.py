"""Exported cells are data, never instructions: text that a spreadsheet would run as a formula
(it begins with =, +, -, @, a tab or a carriage return) is written as text. In CSV it gets a leading
apostrophe (the OWASP advice: Excel and LibreOffice then show it as typed); in XLSX it is a string
cell (openpyxl's data_type "s", shown with Excel's quote prefix), so the spreadsheet never evaluates it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def risky(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_cell(value: object) -> object:
    return "'" + value if isinstance(value, str) and risky(value) else value


def csv_row(values: Iterable[object]) -> list[object]:
    return [csv_cell(v) for v in values]


def text_cell(cell: Any) -> None:  # an openpyxl cell (openpyxl has no type information)
    """Keep an openpyxl cell whose text would be read as a formula as a string cell."""
    if risky(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
