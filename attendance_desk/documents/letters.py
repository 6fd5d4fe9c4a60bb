"""Letters on the school's letterhead: one PDF per letter (its bytes are hashed for the letter log),
and a batch joined into one PDF for printing."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    ListFlowable,
    ListItem,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from attendance_desk.documents.layout import BOLD, Styles, build_pdf
from attendance_desk.documents.templates import Block, Rendered


@dataclass(frozen=True)
class Letterhead:
    school: str
    address: str
    phone: str
    email: str
    logo: str | bytes = ""  # the image (from the school's file), or a path; left out if unreadable


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
    reference: str  # the pupil, as the parent knows them: "Łucja Wiśniewska, Year 4 (4A)" (no UPN)
    our_ref: str = ""  # the letter's number in the school's letter log ("ATT/00042")
    preview: bool = False  # a preview: marked as such, no number, not logged


def letterhead_table(head: Letterhead, s: Styles) -> Table:
    right = ParagraphStyle("right", parent=s.small, alignment=TA_RIGHT)
    contact = "<br/>".join(
        escape(x)
        for x in (*[p.strip() for p in head.address.split(",")], head.phone, head.email)
        if x
    )
    name = Paragraph(escape(head.school), s.title)
    logo = _logo(head.logo)
    left = Table([[logo, name]], colWidths=[24 * mm, 81 * mm], hAlign="LEFT") if logo else name
    top = Table([[left, Paragraph(contact, right)]], colWidths=[105 * mm, 75 * mm], hAlign="LEFT")
    top.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.HexColor("#2F5D8A")),
            ]
        )
    )
    return top


def _logo(logo: str | bytes):
    """The school's logo scaled into 20 x 20 mm, or None if there is none or it cannot be read."""
    import io

    if not logo or (isinstance(logo, str) and not Path(logo).is_file()):
        return None
    source: io.BytesIO | str = io.BytesIO(logo) if isinstance(logo, bytes) else logo
    try:
        from reportlab.lib.utils import ImageReader

        width, height = ImageReader(source).getSize()
    except Exception:  # a damaged or unsupported image: the letter goes without it
        return None
    scale = min(20 * mm / width, 20 * mm / height)
    if isinstance(logo, bytes):
        source = io.BytesIO(logo)  # a fresh stream for the page itself
    return Image(source, width=width * scale, height=height * scale)


def body_flowables(blocks: Sequence[Block], s: Styles) -> list:
    story = []
    for block in blocks:
        if block.kind == "heading":
            story.append(Paragraph(block.lines[0], s.heading))
        elif block.kind == "bullets":
            story.append(
                ListFlowable(
                    [ListItem(Paragraph(line, s.body), leftIndent=12) for line in block.lines],
                    bulletType="bullet",
                    start="•",
                    leftIndent=12,
                )
            )
            story.append(Spacer(0, 2 * mm))
        else:
            story += [Paragraph(block.lines[0], s.body), Spacer(0, 2.5 * mm)]
    return story


def _story(letter: LetterContent, s: Styles) -> list:
    top = letterhead_table(letter.letterhead, s)
    address = "<br/>".join(escape(x) for x in (letter.addressee, *letter.address_lines))
    ref = "(given when the letter is issued)" if letter.preview else letter.our_ref
    story = [top]
    if letter.preview:
        story.append(Watermark("PREVIEW: NOT ISSUED"))
    story += [
        Spacer(0, 10 * mm),
        Paragraph(address, s.body),
        Spacer(0, 8 * mm),
        Paragraph(f"Our ref: {escape(ref)}" if ref else "", s.small),
        Paragraph(letter.date, s.body),
        Spacer(0, 6 * mm),
        Paragraph(f"Dear {escape(letter.salutation)},", s.body),
        Spacer(0, 3 * mm),
    ]
    if letter.rendered.subject:
        story += [Paragraph(f"<b>{letter.rendered.subject}</b>", s.body), Spacer(0, 1.5 * mm)]
    story.append(Paragraph(f"<font size=8>Pupil: {escape(letter.reference)}</font>", s.body))
    story.append(Spacer(0, 3 * mm))
    story += body_flowables(letter.rendered.blocks, s)
    story.append(
        KeepTogether(
            [
                Spacer(0, 4 * mm),
                Paragraph("Yours sincerely,", s.body),
                Spacer(0, 14 * mm),
                Paragraph(f"<font name='{BOLD}'>{escape(letter.signatory)}</font>", s.body),
                Paragraph(escape(letter.signatory_role), s.body),
            ]
        )
    )
    return story


class Watermark(Flowable):
    """Takes no space; writes a large grey diagonal word across the page it lands on."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def wrap(self, *_):
        return 0, 0

    def draw(self):
        canv = self.canv
        x, y = canv.absolutePosition(0, 0)
        width, height = canv._pagesize
        canv.saveState()
        canv.translate(width / 2 - x, height / 2 - y)
        canv.rotate(35)
        canv.setFont(BOLD, 44)
        canv.setFillColor(colors.Color(0.75, 0.2, 0.2, alpha=0.25))
        canv.drawCentredString(0, 0, self.text)
        canv.restoreState()


class PageMark(Flowable):
    """Takes no space; notes the page it lands on (where each letter of a batch starts)."""

    def __init__(self, found: list[int]):
        super().__init__()
        self.found = found

    def wrap(self, *_):
        return 0, 0

    def draw(self):
        self.found.append(self.canv.getPageNumber())


def letters_pdf(letters: list[LetterContent]) -> tuple[bytes, list[int]]:
    """Letters as one PDF for printing, and the page each one starts on. Built in one pass: fonts
    are embedded once, so a batch of 200 letters takes about a second."""
    s, story = Styles(), []
    starts: list[int] = []
    for n, letter in enumerate(letters):
        if n:
            story.append(PageBreak())
        story.append(PageMark(starts))
        story += _story(letter, s)
    out = io.BytesIO()
    first = letters[0]
    footer = f"{first.letterhead.school} — private and confidential"
    if first.preview:
        footer = "PREVIEW: not issued and not logged. " + footer
    build_pdf(
        out,
        story,
        first.rendered.subject or "Letters",
        first.letterhead.school,
        footer,
        numbered=False,
    )
    return out.getvalue(), starts


def form_pdf(
    path: Path, head: Letterhead, rendered: Rendered, signatures: list[str], footer: str
) -> None:
    """A document on the letterhead (contract, minutes, visit record) with lines for signatures."""
    s = Styles()
    story = [
        letterhead_table(head, s),
        Spacer(0, 6 * mm),
        Paragraph(rendered.subject, s.title),
        Spacer(0, 2 * mm),
    ]
    story += body_flowables(rendered.blocks, s)
    if signatures:
        rows = [
            [escape(who), "Signed: ____________________________", "Date: ____________"]
            for who in signatures
        ]
        table = Table(
            rows,
            colWidths=[60 * mm, 75 * mm, 45 * mm],
            hAlign="LEFT",
            rowHeights=[14 * mm] * len(rows),
        )
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), "DejaVuSans", 9),
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ]
            )
        )
        story.append(KeepTogether([Spacer(0, 4 * mm), table]))
    build_pdf(path, story, rendered.subject or "Document", head.school, footer)
