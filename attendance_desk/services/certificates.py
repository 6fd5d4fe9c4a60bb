"""The head teacher's attendance certificate for a pupil and a period."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from attendance_desk.documents.certificate import NO_MARK, CertificateData, write_certificate
from attendance_desk.domain.calendar import week_start
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.roles import Permission
from attendance_desk.domain.school_age import compulsory_school_age
from attendance_desk.presentation import (
    dmy,
    weekday_dmy,
    when_text,
)
from attendance_desk.services.figures import due_on, missing_sessions, pupil_figures
from attendance_desk.services.marks import find_pupil
from attendance_desk.services.school import ServiceError, codes, school_calendar
from attendance_desk.services.users import authorize, head_signature
from attendance_desk.store.db import Store
from attendance_desk.store.marks import codes_by_session


def register_weeks(
    store: Store, pupil: Pupil, start: date, end: date, today: date | None = None
) -> tuple[list, list]:
    """The register as printed: one row per week (10 cells of code and category) and the legend of
    the codes used, each with its meaning on the date it was used. A session of `today` or later with
    no mark is left blank (not yet registered); an earlier one prints as "none", never as a guess."""
    table = codes()
    calendar = school_calendar(store, start, end)
    marks = codes_by_session(store, pupil.id, start, end)
    weeks: list = []
    used: dict[str, date] = {}
    monday = week_start(start)
    while monday <= end:
        cells: list[tuple[str, str | None]] = []
        for offset in range(5):
            day = monday + timedelta(days=offset)
            for session in ("AM", "PM"):
                code = marks.get((day, session))
                if not start <= day <= end:
                    cells.append(("", None))
                elif code is not None:
                    category = table.category_or_none(code, day)
                    cells.append((code, category.value if category else None))
                    used.setdefault(code, day)
                elif not pupil.on_roll(day):
                    cells.append(("–", None))
                else:
                    due = calendar.is_school_session(day, session) and (
                        today is None or day < today
                    )
                    cells.append((NO_MARK if due else "", None))
        weeks.append((monday, cells))
        monday += timedelta(days=7)
    legend = []
    for code, day in sorted(used.items()):
        entry = table.lookup(code, day) if table.is_valid(code, day) else None
        legend.append(
            (
                code,
                entry.meaning if entry else "not a code on that date",
                entry.category.label if entry else "",
            )
        )
    return weeks, legend


@dataclass(frozen=True)
class CertificateResult:
    pupil: str
    out: Path
    possible: int
    attendance: str


def make_certificate(
    store: Store,
    upn: str,
    start: date,
    end: date,
    out: Path,
    by: str,
    today: date | None = None,
) -> CertificateResult:
    authorize(store, by, Permission.LETTERS)
    if end < start:
        raise ServiceError("the period ends before it starts")
    pupil = find_pupil(store, upn)
    if pupil.dob is not None:  # the declaration says the pupil was of compulsory school age
        first, last = compulsory_school_age(pupil.dob)
        if start < first or end > last:
            raise ServiceError(
                f"{pupil.name} (born {dmy(pupil.dob)}) is of compulsory school age from "
                f"{dmy(first)} to {dmy(last)}: the certificate's period must lie within it"
            )
    rows = pupil_figures(store, start, end, pupils=[pupil])
    if not rows:
        raise ServiceError(f"{pupil.name} was not on roll between {dmy(start)} and {dmy(end)}")
    row = rows[0]
    # a certified extract of the register cannot contain a session with no mark: complete it first
    due = due_on(store, today)
    gaps = missing_sessions(store, pupil, start, end, due)
    if gaps:
        shown = ", ".join(f"{weekday_dmy(d)} {s}" for d, s in gaps[:12]) + (
            f" and {len(gaps) - 12} more" if len(gaps) > 12 else ""
        )
        raise ServiceError(
            f"{pupil.name} has {len(gaps)} session(s) with no mark between {dmy(start)} and "
            f"{dmy(end)}: complete the register first ({shown})"
        )
    weeks, legend = register_weeks(store, pupil, start, end, today or date.today())
    f = row.figures
    totals = [
        ("Possible sessions", str(f.possible)),
        ("Present (including late before registers closed)", str(f.present)),
        ("Approved educational activity", str(f.aea)),
        ("Authorised absence", str(f.authorised)),
        ("Unauthorised absence (including late after registers closed)", str(f.unauthorised)),
        ("Attendance", f"{f.attendance_pct:.1f}%" if f.attendance_pct is not None else "–"),
    ]
    amendments = [
        [
            f"{dmy(e.date)} {e.session}",
            e.old_code,
            e.new_code,
            e.reason,
            e.changed_by,
            when_text(e.changed_at),
        ]
        for e in store.marks.history(pupil.id)
        if start <= e.date <= end
    ]
    contacts = store.contacts.for_pupils([pupil.id]).get(pupil.id, [])
    parents = [
        f"{c.name} ({c.relationship or 'parent'}), {c.address} {c.postcode}".strip()
        for c in contacts
        if c.parental_responsibility
    ]
    school = store.settings.school()
    # the stored signature only on a certificate the head makes; anyone else gets a line to sign
    # (the head's own image, kept in the school file and set only by the head: services/users.set_signature)
    image = head_signature(store, by)
    signature = io.BytesIO(image) if image else ""
    write_certificate(
        out,
        CertificateData(
            school.name,
            school.urn,
            school.local_authority,
            school.head_teacher,
            pupil.legal_name,
            f"{dmy(pupil.dob)}" if pupil.dob else "not recorded",
            pupil.upn,
            pupil.year_group,
            start,
            end,
            weeks,
            legend,
            totals,
            amendments,
            parents,
            today or date.today(),
            signature,
            address=school.address,
            phone=school.phone,
            email=school.email,
        ),
    )
    store.audit.log(
        by,
        "certificate made" + (" and signed" if signature else ""),
        pupil.upn,
        f"{dmy(start)} to {dmy(end)}: {out}",
    )
    return CertificateResult(pupil.legal_name, out, f.possible, totals[-1][1])
