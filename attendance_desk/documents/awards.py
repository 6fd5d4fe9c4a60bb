"""Attendance certificates for recognition (100 % attendance, most improved): one landscape A4 page
a pupil, in one PDF batch. The values are gathered by services/awards.py; this module only lays
them out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, Spacer, Table, TableStyle

from attendance_desk.documents.layout import BOLD, FONT, Styles, build_pdf

NAVY = colors.HexColor("#2F5D8A")


@dataclass(frozen=True)
class Award:
    pupil_name: str
    reg_group: str
    title: str  # "100% attendance" / "Most improved attendance"
    lines: tuple[str, ...]  # what it is for, with the period(s) and the measure


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_awards_pdf(
    path: Path, school: str, head_teacher: str, awards: list[Award], issued: str
) -> None:
    styles = Styles()
    centre = ParagraphStyle(
        "centre", parent=styles.body, alignment=TA_CENTER, fontSize=13, leading=18
    )
    school_style = ParagraphStyle(
        "school", parent=centre, fontName=BOLD, fontSize=16, leading=20, textColor=NAVY
    )
    title = ParagraphStyle(
        "award", parent=centre, fontName=BOLD, fontSize=30, leading=36, textColor=NAVY
    )
    name = ParagraphStyle("name", parent=centre, fontName=BOLD, fontSize=26, leading=32)
    story = []
    for n, award in enumerate(awards):
        inner = [
            [Paragraph(_escape(school), school_style)],
            [Spacer(1, 8 * mm)],
            [Paragraph("Certificate of", centre)],
            [Paragraph(_escape(award.title), title)],
            [Spacer(1, 6 * mm)],
            [Paragraph("awarded to", centre)],
            [Paragraph(_escape(award.pupil_name), name)],
            [Paragraph(_escape(award.reg_group), centre)],
            [Spacer(1, 6 * mm)],
            *[[Paragraph(_escape(line), centre)] for line in award.lines],
            [Spacer(1, 14 * mm)],
            [
                Table(
                    [
                        ["______________________________", "______________________________"],
                        [
                            f"{head_teacher}, Head teacher" if head_teacher else "Head teacher",
                            f"Date: {issued}",
                        ],
                    ],
                    colWidths=[100 * mm, 100 * mm],
                    style=TableStyle(
                        [
                            ("FONT", (0, 0), (-1, -1), FONT, 11),
                            ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                        ]
                    ),
                )
            ],
        ]
        frame = Table(inner, colWidths=[240 * mm])
        frame.setStyle(
            TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 3, NAVY),
                    ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                    ("TOPPADDING", (0, 0), (0, 0), 10 * mm),
                    ("BOTTOMPADDING", (0, -1), (0, -1), 8 * mm),
                ]
            )
        )
        story += [Spacer(1, 10 * mm), frame]
        if n < len(awards) - 1:
            story.append(PageBreak())
    build_pdf(
        path,
        story,
        f"{school}: attendance certificates",
        school,
        f"{school}: attendance certificates, {issued}",
        wide=True,
        numbered=False,
    )
