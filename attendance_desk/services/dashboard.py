"""The whole-school picture for the dashboard: figures, breakdowns and the lists that need action."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from attendance_desk.domain.calendar import academic_year_bounds, academic_year_of
from attendance_desk.domain.figures import reaches_penalty_threshold
from attendance_desk.services.figures import (
    FLAG_FILTERS,
    GroupSummary,
    PupilFigures,
    group_summaries,
    summarise,
)
from attendance_desk.services.marks import Punctuality, punctuality
from attendance_desk.services.school import school_calendar
from attendance_desk.services.stages import PupilStage, stage_overview
from attendance_desk.store.db import Store


@dataclass(frozen=True)
class Dashboard:
    start: date
    end: date
    school: GroupSummary
    by_year: list[GroupSummary]
    by_class: list[GroupSummary]
    by_group: list[GroupSummary]
    persistent: list[PupilFigures]
    severe: list[PupilFigures]
    suggested: list[PupilStage]  # crossed a support-map threshold not yet acted on
    penalty: list[PupilFigures]
    punctuality: list[Punctuality] = field(default_factory=list)  # most late arrivals this half-term
    punctuality_from: date | None = None


GROUPS = (("FSM", "fsm"), ("SEN support or EHCP", "sen"), ("EHCP", "ehcp"), ("Child protection plan", "cp"),
          ("Child in need", "cin"), ("Looked after", "looked_after"), ("Young carer", "young_carer"))


def dashboard(store: Store, today: date) -> Dashboard:
    start, _ = academic_year_bounds(academic_year_of(today))
    stages = stage_overview(store, today)
    rows = [s.figures for s in stages]
    worst_first = sorted(rows, key=lambda r: (r.figures.attendance_pct or 0.0))
    groups = []
    for label, key in GROUPS:
        chosen = [r for r in rows if FLAG_FILTERS[key](r.pupil)]
        if chosen:
            groups.append(summarise(label, chosen))
    term = school_calendar(store, today - timedelta(days=120), today).term_of(today)
    late_from = term.start if term else start
    return Dashboard(
        start=start, end=today, school=summarise("Whole school", rows),
        punctuality=punctuality(store, late_from, today, limit=50), punctuality_from=late_from,
        by_year=group_summaries(rows, lambda p: f"Year {p.year_group}"),
        by_class=group_summaries(rows, lambda p: p.reg_group),
        by_group=groups,
        persistent=[r for r in worst_first if r.figures.persistent],
        severe=[r for r in worst_first if r.figures.severe],
        suggested=[s for s in stages if s.suggestion],
        # the pupils to consider for a penalty notice now: 10+ unauthorised sessions in the 10 school
        # weeks up to today (the window reaches back across holidays and into last year)
        penalty=sorted((r for r in rows if reaches_penalty_threshold(r.unauthorised_last_10_school_weeks)),
                       key=lambda r: -r.unauthorised_last_10_school_weeks),
    )
