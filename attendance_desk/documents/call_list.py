"""This morning's call list as a tidy page for the office: one block per call, contacts in order."""

from __future__ import annotations

from html import escape
from pathlib import Path

from reportlab.lib import colors
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from attendance_desk.documents.layout import GRID, Styles, build_pdf
from attendance_desk.domain.calls import CallList
from attendance_desk.presentation import RAG_COLOURS, weekday_dmy


def write_call_list(path: str | Path, school: str, calls: CallList) -> None:
    s = Styles()
    title = f"First-day calls: {weekday_dmy(calls.day, long=True)} {calls.session}"
    story = [
        Paragraph(escape(title), s.title),
        Paragraph(
            f"{escape(school)} — {calls.pupil_count} pupils in {len(calls.families)} calls. "
            "Red first: child protection, looked after, child in need, social worker.",
            s.body,
        ),
    ]
    if calls.registers_not_taken:
        story.append(
            Paragraph(
                "Registers not yet taken: " + escape(", ".join(calls.registers_not_taken)), s.body
            )
        )
    if calls.not_called:  # leave decided for the day: where they are is known
        story.append(Paragraph("Not called: " + escape("; ".join(calls.not_called)), s.body))
    story.append(Spacer(0, 6))
    rows = [["Call", "Pupil", "Mark", "Days", "Contacts to ring (in order)", "Outcome"]]
    styles = list(GRID)
    for n, family in enumerate(calls.families, start=1):
        pupils = "<br/>".join(
            f"<b>{escape(p.pupil.name)}</b> ({escape(p.pupil.reg_group)})"
            + "".join(
                f"<br/><font size=7>{escape(r)}</font>"
                for r in p.pupil.vulnerable_reasons + p.prompts
            )
            for p in family.pupils
        )
        contacts = (
            "<br/>".join(
                f"{c.priority}. {escape(c.name)} ({escape(c.relationship or 'contact')}"
                f"{', PR' if c.parental_responsibility else ''}): "
                + (
                    ", ".join(escape(p.number).replace(" ", "&nbsp;") for p in c.phones)
                    or "no phone"
                )
                for c in family.contacts
            )
            or "no contacts recorded"
        )
        rows.append(
            [
                f"{n}\n{family.rag.label.upper()}",
                Paragraph(pupils, s.cell),
                "\n".join(p.code or "none" for p in family.pupils),
                "\n".join(str(p.consecutive_days) for p in family.pupils),
                Paragraph(contacts, s.cell),
                "",
            ]
        )
        styles.append(
            ("BACKGROUND", (0, n), (0, n), colors.HexColor(f"#{RAG_COLOURS[family.rag.label]}"))
        )
    table = Table(rows, colWidths=[36, 140, 30, 28, 216, 60], repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(styles))
    story.append(table)
    build_pdf(path, story, title, "Attendance Desk", f"{school} — {title} — confidential")
