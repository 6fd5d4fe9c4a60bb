"""The one place for page layout: shipped DejaVu fonts (names such as Łucja Wiśniewska or Nguyễn
render), the stylesheet, A4 pages with a footer and "Page x of y", and PDF metadata."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import BinaryIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate

from attendance_desk.files import atomic_path
from attendance_desk.paths import resource_path

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"


@cache
def register_fonts() -> None:
    pdfmetrics.registerFont(TTFont(FONT, str(resource_path("fonts", "DejaVuSans.ttf"))))
    pdfmetrics.registerFont(TTFont(BOLD, str(resource_path("fonts", "DejaVuSans-Bold.ttf"))))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


class Styles:
    def __init__(self) -> None:
        register_fonts()
        self.body = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12.5)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=8, leading=10)
        self.title = ParagraphStyle(
            "title", parent=self.body, fontName=BOLD, fontSize=15, leading=19, spaceAfter=4
        )
        self.heading = ParagraphStyle(
            "heading",
            parent=self.body,
            fontName=BOLD,
            fontSize=11,
            leading=14,
            spaceBefore=8,
            spaceAfter=4,
        )
        self.cell = ParagraphStyle("cell", parent=self.body, fontSize=8.5, leading=10.5)
        self.cell_bold = ParagraphStyle("cell_bold", parent=self.cell, fontName=BOLD)


GRID = [
    ("FONT", (0, 0), (-1, -1), FONT, 8.5),
    ("FONT", (0, 0), (-1, 0), BOLD, 8.5),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF4")),
    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9AA5B1")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("TOPPADDING", (0, 0), (-1, -1), 2.5),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
]


def _numbered_canvas(footer: str, numbered: bool = True, initials: bool = False):
    class NumberedCanvas(Canvas):
        """Two passes: pages are kept until the end so each footer can say "Page x of y"."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                width, _ = self._pagesize
                self.setFont(FONT, 7.5)
                self.setFillColor(colors.HexColor("#555555"))
                self.drawString(15 * mm, 9 * mm, footer)
                if numbered:
                    self.drawRightString(
                        width - 15 * mm, 9 * mm, f"Page {self._pageNumber} of {total}"
                    )
                if (
                    initials and total > 1
                ):  # a document signed on one page is initialled on every page
                    self.setFont(FONT, 9)
                    self.setFillColor(colors.black)
                    self.drawRightString(width - 15 * mm, 12 * mm, "Initials: __________")
                super().showPage()
            super().save()

    return NumberedCanvas


def build_pdf(
    path: str | Path | BinaryIO,
    story: Sequence[Flowable],
    title: str,
    author: str,
    footer: str,
    wide: bool = False,
    numbered: bool = True,
    initials: bool = False,
) -> None:
    """Write the PDF to a path or an open binary file. With `initials`, a document of more than one page
    has "Initials: ____" on every page, for the signatory to initial."""
    register_fonts()
    if isinstance(path, str | Path):  # whole or not at all: a temporary name, renamed when complete
        with atomic_path(path) as temp, temp.open("xb") as fh:
            build_pdf(fh, story, title, author, footer, wide, numbered, initials)
        return
    size = landscape(A4) if wide else A4
    doc = SimpleDocTemplate(
        path,
        pagesize=size,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=14 * mm,
        bottomMargin=16 * mm,
        title=title,
        author=author,
        subject=title,
        creator="Attendance Desk",
    )
    doc.build(list(story), canvasmaker=_numbered_canvas(footer, numbered, initials))
