"""The attendance certificate (s.566 Education Act 1996): a certified extract of the register,
session by session, with its legend, totals, the amendments made in the period and the head
teacher's declaration and signature."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape
from io import BytesIO
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from attendance_desk.documents.layout import GRID, Styles, build_pdf
from attendance_desk.presentation import CATEGORY_COLOURS, dmy

REGULATIONS_2024 = "the School Attendance (Pupil Registration) (England) Regulations 2024"
REGULATIONS_2006 = "the Education (Pupils Registration) (England) Regulations 2006"
REGULATIONS_CHANGE = date(2024, 8, 19)  # the 2024 Regulations apply to sessions from this day
NO_MARK = "none"  # a school session with no mark (a register extract never guesses one)


@dataclass(frozen=True)
class CertificateData:
    school: str
    urn: str
    local_authority: str
    head_teacher: str
    pupil_name: str
    dob: str
    upn: str
    year_group: str
    start: date
    end: date
    weeks: list[tuple[date, list[tuple[str, str | None]]]]  # week Monday, 10 cells (text, category)
    legend: list[tuple[str, str, str]]  # code, meaning, category label
    totals: list[tuple[str, str]]
    amendments: list[list[str]]
    parents: list[str]
    issued: date  # when it was made (kept in the audit; the head writes the date of signing)
    signature: BytesIO | str = ""  # the head's signature image, only when the head makes it
    address: str = ""  # the school's postal address, for the letterhead
    phone: str = ""
    email: str = ""


def letterhead(c: CertificateData, s: Styles) -> list:
    lines = [escape(x.strip()) for x in c.address.replace("\n", ",").split(",") if x.strip()]
    contact = " · ".join(escape(x) for x in (c.phone and f"Telephone {c.phone}", c.email) if x)
    head = [
        Paragraph(escape(c.school), s.title),
        Paragraph(", ".join(lines) or "Address not recorded: add it in Settings", s.body),
    ]
    if contact:
        head.append(Paragraph(contact, s.small))
    head.append(
        Paragraph(
            f"URN {escape(c.urn)}{', ' + escape(c.local_authority) if c.local_authority else ''}",
            s.small,
        )
    )
    rule = Table([[""]], colWidths=[180 * mm], rowHeights=[1.5 * mm], hAlign="LEFT")
    rule.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.8, colors.HexColor("#1F3A5F"))]))
    return head + [rule, Spacer(0, 3 * mm)]


def write_certificate(path: str | Path, c: CertificateData) -> None:
    """The register, its totals and the head's declaration and signature are kept on one page when they
    fit; when they cannot (a long period), every page carries "Initials: ____" for the head to initial."""
    s = Styles()
    story = letterhead(c, s) + [
        Paragraph("Certificate of attendance", s.title),
        Paragraph("Section 566 of the Education Act 1996", s.body),
        Spacer(0, 3 * mm),
    ]
    facts = [
        ["School", f"{c.school} (URN {c.urn}), {c.local_authority}"],
        ["Pupil", f"{c.pupil_name}, born {c.dob}, UPN {c.upn}, Year {c.year_group}"],
        ["Period", f"{dmy(c.start)} to {dmy(c.end)}"],
        ["Parents with parental responsibility", "\n".join(c.parents) or "none recorded"],
    ]
    table = Table(
        [
            [Paragraph(f"<b>{k}</b>", s.cell), Paragraph(escape(v).replace("\n", "<br/>"), s.cell)]
            for k, v in facts
        ],
        colWidths=[45 * mm, 135 * mm],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [("FONT", (0, 0), (0, -1), "DejaVuSans-Bold", 8.5), ("VALIGN", (0, 0), (-1, -1), "TOP")]
        )
    )
    story += [table]
    totals = Table([[k, v] for k, v in c.totals], colWidths=[120 * mm, 30 * mm], hAlign="LEFT")
    totals.setStyle(TableStyle(GRID[:1] + GRID[3:]))
    story.append(
        KeepTogether(
            [
                Paragraph("Register, session by session", s.heading),
                *register_flowables(c.weeks, s),
                Paragraph("Totals for the period", s.heading),
                totals,
                *declaration_flowables(
                    c.school, c.pupil_name, c.head_teacher, s, c.signature, c.start
                ),
            ]
        )
    )
    story += [Paragraph("Codes used", s.heading), legend_table(c.legend, s)]
    story += [Paragraph("Amendments made to these entries", s.heading)]
    story.append(
        amendments_table(c.amendments, s)
        if c.amendments
        else Paragraph("None: every entry above is as first recorded.", s.body)
    )
    build_pdf(
        path,
        story,
        f"Certificate of attendance: {c.pupil_name}",
        c.school,
        f"{c.school} — certificate of attendance — {c.pupil_name} (UPN {c.upn})",
        initials=True,
    )


def register_flowables(weeks: list[tuple[date, list[tuple[str, str | None]]]], s: Styles) -> list:
    header = ["Week of"] + [
        f"{d} {p}" for d in ("Mon", "Tue", "Wed", "Thu", "Fri") for p in ("AM", "PM")
    ]
    rows = [header]
    style = list(GRID) + [("ALIGN", (1, 0), (-1, -1), "CENTER")]
    for r, (monday, cells) in enumerate(weeks, start=1):
        rows.append([f"{dmy(monday)}"] + [text for text, _ in cells])
        for col, (_, category) in enumerate(cells, start=1):
            if category and category != "present":
                style.append(
                    (
                        "BACKGROUND",
                        (col, r),
                        (col, r),
                        colors.HexColor(f"#{CATEGORY_COLOURS[category]}"),
                    )
                )
    grid = Table(rows, colWidths=[24 * mm] + [15.6 * mm] * 10, repeatRows=1, hAlign="LEFT")
    grid.setStyle(TableStyle(style))
    missing = any(text == NO_MARK for _, cells in weeks for text, _ in cells)
    return [
        grid,
        Paragraph(
            "Blank: outside the period, the school did not meet (weekends are not shown) or the "
            "session had not yet been registered; – : before admission or after leaving"
            + (f"; {NO_MARK}: no mark was recorded for the session." if missing else "."),
            s.small,
        ),
    ]


def legend_table(legend: list[tuple[str, str, str]], s: Styles) -> Table:
    table = Table(
        [["Code", "Meaning", "Counts as"]]
        + [[a, Paragraph(escape(b), s.cell), d] for a, b, d in legend],
        colWidths=[14 * mm, 112 * mm, 54 * mm],
        repeatRows=1,
        hAlign="LEFT",
    )
    table.setStyle(TableStyle(GRID))
    return table


def amendments_table(amendments: list[list[str]], s: Styles) -> Table:
    table = Table(
        [["Session", "Original", "Amended", "Reason", "By", "When"]]
        + [[a, b, d, Paragraph(escape(e), s.cell), f, g] for a, b, d, e, f, g in amendments],
        colWidths=[28 * mm, 17 * mm, 18 * mm, 65 * mm, 22 * mm, 30 * mm],
        repeatRows=1,
        hAlign="LEFT",
    )
    table.setStyle(TableStyle(GRID))
    return table


def regulations(start: date) -> str:
    """The Regulations the register was kept under: the 2006 Regulations as well only when the period
    has sessions before 19 August 2024."""
    if start < REGULATIONS_CHANGE:
        return (
            f"{REGULATIONS_2024} (and, for sessions before {dmy(REGULATIONS_CHANGE)}, "
            f"{REGULATIONS_2006})"
        )
    return REGULATIONS_2024


def declaration(
    school: str,
    pupil: str,
    head: str,
    issued: date | None,
    s: Styles,
    signature: BytesIO | str = "",
    start: date | None = None,
) -> KeepTogether:
    """The head teacher's declaration, kept on one page. (`issued` is kept for callers; the date of signing
    is left for the head to write: a date printed in advance would not be the day it was signed.)"""
    return KeepTogether(declaration_flowables(school, pupil, head, s, signature, start))


def declaration_flowables(
    school: str,
    pupil: str,
    head: str,
    s: Styles,
    signature: BytesIO | str = "",
    start: date | None = None,
) -> list:
    """The declaration's parts, to keep together with more (a KeepTogether inside another always splits)."""
    signed: list = [Spacer(0, 12 * mm), Paragraph("Signed: ______________________________", s.body)]
    if signature:
        from reportlab.platypus import Image

        signed = [
            Spacer(0, 3 * mm),
            Paragraph("Signed:", s.body),
            Image(signature, width=50 * mm, height=15 * mm, kind="proportional", hAlign="LEFT"),
        ]
    return [
        Paragraph("Declaration", s.heading),
        Paragraph(
            f"I certify that {escape(pupil)} was, during the period shown, a registered pupil of "
            f"{escape(school)} and of compulsory school age, and that the particulars in this certificate are "
            f"a true extract of the attendance register kept at the school under "
            f"{regulations(start or REGULATIONS_CHANGE)}.",
            s.body,
        ),
        *signed,
        Spacer(0, 3 * mm),
        Paragraph(
            f"{escape(head or 'Name: ______________________________')}, Head teacher", s.body
        ),
        Spacer(0, 3 * mm),
        Paragraph("Date: ____________________", s.body),
    ]
