"""Recognition: certificates for 100 % attendance, or for the most improved attendance, over a period
for a class or a year group, as one PDF batch. Never for a pupil with a session without a mark in the
period (or the comparison period), nor for one with fewer than MIN_AWARD_SESSIONS possible sessions:
those are listed, with the reason. Improvement is measured against the previous period of equal
length, or against the previous term on the school calendar, and the certificate says which."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from pathlib import Path

from attendance_desk.domain.pastoral import MIN_AWARD_SESSIONS, AwardCandidate, award_refusal
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.records import CaseworkEntry
from attendance_desk.domain.roles import Permission
from attendance_desk.presentation import dmy, percent
from attendance_desk.services.figures import PupilFigures, pupil_figures
from attendance_desk.services.school import ServiceError, school_calendar
from attendance_desk.services.users import authorize
from attendance_desk.store.db import Store

KINDS = {"full": "100% attendance", "improved": "most improved attendance"}
COMPARE = ("previous", "term")


@dataclass
class AwardBatch:
    kind: str
    awarded: list[tuple[Pupil, str]] = field(default_factory=list)  # (pupil, what for)
    left_out: list[str] = field(default_factory=list)  # "name: why"
    file: Path | None = None
    comparison: str = ""  # for most improved: the period compared with, in words


def _span(row: PupilFigures) -> str:
    return f"{dmy(row.start)} to {dmy(row.end)}"


def _candidate(row: PupilFigures) -> AwardCandidate:
    f = row.figures
    return AwardCandidate(
        row.pupil.name, row.pupil.reg_group, f.possible, f.attendance_pct, f.missing
    )


def comparison_period(store: Store, start: date, end: date, compare: str) -> tuple[date, date, str]:
    """The period a most-improved award is measured against, and its description."""
    if compare == "previous":
        length = (end - start).days + 1
        before_end = start - timedelta(days=1)
        before_start = before_end - timedelta(days=length - 1)
        return (
            before_start,
            before_end,
            f"the previous {length} days ({dmy(before_start)} to {dmy(before_end)})",
        )
    if compare != "term":
        raise ServiceError(
            f"compare with 'previous' (an equal-length period) or 'term', not '{compare}'"
        )
    calendar = school_calendar(store, start - timedelta(days=400), start)
    earlier = [t for t in calendar.terms if t.end < start]
    if not earlier:
        raise ServiceError(
            f"no term on the school calendar ends before {dmy(start)} to compare with: "
            "compare with the previous period of equal length instead"
        )
    term = max(earlier, key=lambda t: t.end)
    return (
        term.start,
        term.end,
        f"the previous term, {term.name} ({dmy(term.start)} to {dmy(term.end)})",
    )


def make_awards(
    store: Store,
    kind: str,
    start: date,
    end: date,
    out: Path,
    by: str,
    today: date,
    *,
    reg_group: str | None = None,
    year_group: str | None = None,
    compare: str = "previous",
    top: int = 3,
    minimum: int = MIN_AWARD_SESSIONS,
) -> AwardBatch:
    """Certificates for a class (`reg_group`) or a year (`year_group`) over [start, end]."""
    authorize(store, by, Permission.LETTERS)
    if kind not in KINDS:
        raise ServiceError(f"an award is for {' or '.join(KINDS)}, not '{kind}'")
    if (reg_group is None) == (year_group is None):
        raise ServiceError("choose a class or a year group (one of them)")
    if end < start:
        raise ServiceError(f"the period ends ({dmy(end)}) before it starts ({dmy(start)})")
    if end > today:
        raise ServiceError(
            f"the period has not ended: {dmy(end)} is after today ({dmy(today)}); "
            "a certificate is for attendance that has happened"
        )
    if top < 1:
        raise ServiceError("give at least 1 pupil for most improved")
    pupils = [
        p
        for p in store.pupils.on_roll_between(start, end, reg_group)
        if year_group is None or p.year_group == year_group
    ]
    group = f"class {reg_group}" if reg_group else f"Year {year_group}"
    if not pupils:
        raise ServiceError(f"no pupil in {group} was on roll between {dmy(start)} and {dmy(end)}")
    rows = pupil_figures(store, start, end, pupils=pupils)
    batch = AwardBatch(kind)
    eligible: list[PupilFigures] = []
    for row in rows:
        why = award_refusal(_candidate(row), minimum)
        if why:
            batch.left_out.append(
                f"{row.pupil.name} ({row.pupil.reg_group}): not considered: {why}"
            )
        else:
            eligible.append(row)
    if kind == "full":
        for row in eligible:
            f = row.figures
            if f.attended == f.possible:
                batch.awarded.append(
                    (
                        row.pupil,
                        f"for attending every one of the {f.possible} sessions from {_span(row)}",
                    )
                )
    else:
        before_start, before_end, described = comparison_period(store, start, end, compare)
        batch.comparison = described
        earlier = {
            r.pupil.id: r
            for r in pupil_figures(
                store, before_start, before_end, pupils=[r.pupil for r in eligible]
            )
        }
        gains: list[tuple[Fraction, PupilFigures, PupilFigures]] = []
        for row in eligible:
            previous = earlier.get(row.pupil.id)
            if previous is None:
                batch.left_out.append(
                    f"{row.pupil.name} ({row.pupil.reg_group}): not considered: not on roll in {described}"
                )
                continue
            why = award_refusal(_candidate(previous), minimum)
            if why:
                batch.left_out.append(
                    f"{row.pupil.name} ({row.pupil.reg_group}): not considered: in {described}, {why}"
                )
                continue
            gain = row.figures.attendance_fraction - previous.figures.attendance_fraction
            if gain > 0:
                gains.append((gain, row, previous))
        gains.sort(key=lambda g: (-g[0], g[1].pupil.surname, g[1].pupil.forename))
        cut = gains[top - 1][0] if len(gains) >= top else None
        for gain, row, previous in gains:
            if cut is not None and gain < cut:  # ties at the last place are all awarded
                break
            batch.awarded.append(
                (
                    row.pupil,
                    f"attendance up from {percent(previous.figures.attendance_pct)} in {described} "
                    f"to {percent(row.figures.attendance_pct)} from {_span(row)}",
                )
            )
    if not batch.awarded:
        reason = (
            "no pupil attended every session"
            if kind == "full"
            else f"no pupil's attendance improved on {batch.comparison}"
        )
        raise ServiceError(
            f"no certificates for {group}, {dmy(start)} to {dmy(end)}: {reason}"
            + (f". Not considered: {'; '.join(batch.left_out)}" if batch.left_out else "")
        )
    from attendance_desk.documents.awards import Award, write_awards_pdf

    school = store.settings.school()
    awards = [
        Award(
            pupil.name,
            f"{pupil.reg_group}, Year {pupil.year_group}",
            KINDS[kind],
            (why[0].upper() + why[1:],),
        )
        for pupil, why in batch.awarded
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    with store.write():
        write_awards_pdf(out, school.name, school.head_teacher, awards, dmy(today))
        batch.file = out
        at = datetime.combine(today, time(12, 0)).astimezone()
        for pupil, why in batch.awarded:
            store.casework.add(
                CaseworkEntry(
                    None,
                    pupil.id,
                    at,
                    "award",
                    by,
                    "",
                    None,
                    f"Certificate: {KINDS[kind]}",
                    False,
                    why,
                )
            )
        store.audit.log(
            by,
            "attendance certificates made",
            group,
            f"{KINDS[kind]}, {dmy(start)} to {dmy(end)}"
            + (f", compared with {batch.comparison}" if batch.comparison else "")
            + f": {len(batch.awarded)} awarded, {len(batch.left_out)} not considered; {out}",
        )
    return batch
