"""Exports: the attendance workbook (XLSX) and a Common Transfer File."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from attendance_desk.domain.calendar import academic_year_bounds
from attendance_desk.domain.groups import GROUP_FILTERS, GROUPS, NO_SEN, pupil_flags, sen_words
from attendance_desk.domain.roles import Permission
from attendance_desk.exporters.ctf import CtfSchool, CtfWritten, write_ctf
from attendance_desk.exporters.xlsx import (
    GroupLine,
    PupilLine,
    as_fraction,
    write_workbook,
)
from attendance_desk.files import atomic_path
from attendance_desk.presentation import dmy
from attendance_desk.services.figures import (
    GroupSummary,
    PupilFigures,
    group_summaries,
    pupil_figures,
    summarise,
)
from attendance_desk.services.school import ServiceError, codes, school_calendar
from attendance_desk.services.users import authorize
from attendance_desk.store.contacts import home_addresses
from attendance_desk.store.db import Store
from attendance_desk.store.marks import codes_by_session, sessions_with_marks


def _group_line(g: GroupSummary) -> GroupLine:
    f = g.figures
    return GroupLine(
        g.label,
        g.pupils,
        f.possible,
        as_fraction(f.attendance_pct),
        as_fraction(f.authorised_pct),
        as_fraction(f.unauthorised_pct),
        g.persistent,
        as_fraction(g.persistent_pct),
        g.severe,
        g.penalty_threshold,
        f.late_before_close,
        f.late_after_close,
        f.missing,
    )


def export_xlsx(
    store: Store,
    path: Path,
    start: date,
    end: date,
    progress: Callable[[int, int], None] | None = None,
    by: str = "",
) -> int:
    """Write the workbook; returns the number of pupils in it."""
    authorize(store, by, Permission.EXPORT)
    if end < start:
        raise ServiceError("the end date is before the start date")
    rows = pupil_figures(store, start, end)
    if not rows:
        raise ServiceError(f"no pupils on roll between {dmy(start)} and {dmy(end)}")
    rows.sort(key=lambda r: (r.pupil.reg_group, r.pupil.surname, r.pupil.forename))
    groups = [summarise("Whole school", rows)]
    groups += group_summaries(rows, lambda p: f"Year {p.year_group}")
    groups += group_summaries(rows, lambda p: f"Class {p.reg_group}")
    fsm = GROUP_FILTERS["fsm"]
    groups += group_summaries(rows, lambda p: "FSM" if fsm(p) else "Not FSM")
    groups += group_summaries(rows, lambda p: sen_words(p, none=NO_SEN))
    for group in GROUPS:
        if group.key in ("fsm", "sen", "ehcp"):  # above: FSM against not, by SEN provision
            continue
        chosen = [r for r in rows if group.member(r.pupil)]
        if chosen:
            groups.append(summarise(group.label, chosen))
    lines = [_pupil_line(r) for r in rows]
    ids = {r.pupil.upn: r.pupil.id for r in rows}
    calendar = school_calendar(store, start, end)
    sessions = sorted(
        set(calendar.school_sessions(start, end)) | sessions_with_marks(store, start, end)
    )
    school = store.settings.school()
    with atomic_path(path) as temp:  # a complete workbook or none: renamed into place when written
        write_workbook(
            temp,
            f"{school.name or 'School'}: attendance {dmy(start)} to {dmy(end)}",
            start,
            end,
            [_group_line(g) for g in groups],
            lines,
            sessions,
            lambda line: codes_by_session(store, ids[line.upn], line.start, line.end),
            codes(),
            progress,
        )
    store.audit.log(
        by, "export workbook", str(path), f"{len(lines)} pupils, {dmy(start)} to {dmy(end)}"
    )
    return len(lines)


def _pupil_line(r: PupilFigures) -> PupilLine:
    p, f = r.pupil, r.figures
    flags = ", ".join(pupil_flags(p, short=True))
    return PupilLine(
        p.upn,
        p.surname,
        p.preferred_name or p.forename,
        p.reg_group,
        p.year_group,
        flags,
        r.start,
        r.end,
        f.possible,
        f.present,
        f.aea,
        f.authorised,
        f.unauthorised,
        f.late_before_close,
        f.late_after_close,
        as_fraction(f.attendance_pct),
        f.persistent,
        f.severe,
        r.max_unauthorised_10_school_weeks,
        r.penalty_threshold,
        f.missing,
    )


def export_ctf(
    store: Store, path: Path, academic_year: int, until: date, by: str = ""
) -> CtfWritten:
    """A CTF of every pupil on roll in the academic year, with their marks up to `until`."""
    authorize(store, by, Permission.EXPORT)
    school = store.settings.school()
    first, last = academic_year_bounds(academic_year)
    pupils = store.pupils.on_roll_between(first, min(last, until))
    if not pupils:
        raise ServiceError("no pupils on roll in that academic year")
    contacts = store.contacts.for_pupils()
    marks = {p.id: codes_by_session(store, p.id, first, min(last, until)) for p in pupils}
    with atomic_path(path) as temp:
        written = write_ctf(
            temp,
            CtfSchool(school.la_number, school.estab_number, school.name),
            academic_year,
            pupils,
            contacts,
            home_addresses(contacts),
            marks,
            codes(),
            until,
        )
    store.audit.log(by, "export CTF", str(path), f"{written.pupils} pupils, {written.marks} marks")
    return written
