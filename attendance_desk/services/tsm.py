"""The targeted support meeting pack: the termly meeting with the named EWO about every persistently
or severely absent pupil — stage, contacts made, barriers, strategies, early help, lead professional."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from attendance_desk.domain.calendar import academic_year_bounds, academic_year_of
from attendance_desk.services.school import ServiceError
from attendance_desk.services.stages import stage_overview
from attendance_desk.store.db import Store


@dataclass(frozen=True)
class TsmRow:
    upn: str
    name: str
    reg_group: str
    attendance_pct: float | None
    severe: bool
    stage: str
    contacts_made: int
    last_contact: str
    barriers: str
    strategies: str
    early_help: str
    lead_professional: str


def tsm_rows(store: Store, today: date) -> list[TsmRow]:
    rows = []
    for state in stage_overview(store, today):
        f, pupil = state.figures.figures, state.figures.pupil
        if not f.persistent:
            continue
        casework = store.casework.for_pupil(pupil.id)
        reached = [e for e in casework if e.contact_made]
        meetings = store.meetings.meetings(pupil.id)
        plans = store.meetings.plans(pupil.id)
        barriers = "; ".join(m.barriers for m in meetings if m.barriers)
        strategies = "; ".join(x for m in meetings for x in (m.actions_school, m.actions_parent) if x)
        strategies = "; ".join(filter(None, [strategies] + [p.school_support for p in plans]))
        early = "; ".join([e.outcome for e in casework if e.kind == "early_help"] +
                          [m.actions_others for m in meetings if m.actions_others])
        lead = pupil.social_worker or (f"{meetings[-1].by_user} (school)" if meetings else "school attendance lead")
        rows.append(TsmRow(
            pupil.upn, pupil.name, pupil.reg_group, f.attendance_pct, f.severe,
            state.current.name if state.current else ("closed" if state.closed else "no stage"),
            len(reached), f"{reached[-1].at:%d/%m/%Y}" if reached else "none", barriers or "not yet recorded",
            strategies or "none recorded", early or "none recorded", lead,
        ))
    rows.sort(key=lambda r: (r.attendance_pct or 0.0))
    return rows


def make_tsm_pack(store: Store, today: date, out_pdf: Path, out_xlsx: Path | None = None) -> int:
    from attendance_desk.documents.tsm import write_tsm_pdf, write_tsm_xlsx

    rows = tsm_rows(store, today)
    if not rows:
        raise ServiceError("no pupil is persistently absent this year: nothing to discuss")
    school = store.settings.school()
    start = academic_year_bounds(academic_year_of(today))[0]
    title = f"Targeted support meeting: {school.name}, {start:%d/%m/%Y} to {today:%d/%m/%Y}"
    write_tsm_pdf(out_pdf, title, school.name, school.named_ewo, rows)
    if out_xlsx:
        write_tsm_xlsx(out_xlsx, title, rows)
    return len(rows)
