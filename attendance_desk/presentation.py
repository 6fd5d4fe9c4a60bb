"""How categories and priorities look, shared by the window and the workbook (no Qt, no openpyxl)."""

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
