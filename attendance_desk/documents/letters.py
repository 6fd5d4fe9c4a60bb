"""Letters on the school's letterhead: one PDF per letter (its bytes are hashed for the letter log),
and a batch joined into one PDF for printing."""

from __future__ import annotations

import io
from dataclasses import dataclass
from html import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from attendance_desk.documents.layout import BOLD, Styles, build_pdf
from attendance_desk.documents.templates import Rendered


@dataclass(frozen=True)
class Letterhead:
    school: str
    address: str
    phone: str
    email: str


@dataclass(frozen=True)
class LetterContent:
    letterhead: Letterhead
    addressee: str
    address_lines: tuple[str, ...]
    date: str  # dd/mm/yyyy
    salutation: str
    rendered: Rendered
    signatory: str
    signatory_role: str
    reference: str  # e.g. "Łucja Wiśniewska (UPN …)"


def _story(letter: LetterContent, s: Styles) -> list:
    head = letter.letterhead
    right = ParagraphStyle("right", parent=s.small, alignment=TA_RIGHT)
    contact = "<br/>".join(escape(x) for x in (*[p.strip() for p in head.address.split(",")], head.phone, head.email) if x)
    top = Table([[Paragraph(escape(head.school), s.title), Paragraph(contact, right)]],
                colWidths=[105 * mm, 75 * mm], hAlign="LEFT")
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                             ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.HexColor("#2F5D8A"))]))
    address = "<br/>".join(escape(x) for x in (letter.addressee, *letter.address_lines))
    story = [top, Spacer(0, 10 * mm), Paragraph(address, s.body), Spacer(0, 8 * mm),
             Paragraph(letter.date, s.body), Spacer(0, 6 * mm),
             Paragraph(f"Dear {escape(letter.salutation)},", s.body), Spacer(0, 3 * mm)]
    if letter.rendered.subject:
        story += [Paragraph(f"<b>{letter.rendered.subject}</b>", s.body), Spacer(0, 3 * mm)]
    story.append(Paragraph(f"<font size=8>Pupil: {escape(letter.reference)}</font>", s.body))
    story.append(Spacer(0, 3 * mm))
    for block in letter.rendered.blocks:
        if block.kind == "heading":
            story.append(Paragraph(block.lines[0], s.heading))
        elif block.kind == "bullets":
            story.append(ListFlowable([ListItem(Paragraph(line, s.body), leftIndent=12) for line in block.lines],
                                      bulletType="bullet", start="•", leftIndent=12))
            story.append(Spacer(0, 2 * mm))
        else:
            story += [Paragraph(block.lines[0], s.body), Spacer(0, 2.5 * mm)]
    story.append(KeepTogether([
        Spacer(0, 4 * mm), Paragraph("Yours sincerely,", s.body), Spacer(0, 14 * mm),
        Paragraph(f"<font name='{BOLD}'>{escape(letter.signatory)}</font>", s.body),
        Paragraph(escape(letter.signatory_role), s.body),
    ]))
    return story


def letter_pdf(letter: LetterContent) -> bytes:
    """One letter as PDF bytes."""
    out = io.BytesIO()
    build_pdf(out, _story(letter, Styles()), f"{letter.rendered.subject or 'Letter'}",
              letter.letterhead.school, f"{letter.letterhead.school} — private and confidential")
    return out.getvalue()


def join_pdfs(parts: list[bytes]) -> bytes:
    """Letters joined into one file for printing (each stays exactly as hashed)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
