"""Lateness letters: punctuality letters on the school's own ladder (settings: this many late marks L
in a half-term for the first letter, this many for the second), made from letter_templates/
lateness1 and lateness2 through the same template system and conditions as the stage letters
(`late_this_half_term >= lateness_letter1`). A pupil below the step is refused, naming the figures.

Source: school policy (there is no national rule on lateness letters); the 2024 Regulations reg. 10:
L is a late arrival before the register closed (present), U after it closed (unauthorised absence)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from attendance_desk.domain.pastoral import LatenessLadder
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.roles import Permission
from attendance_desk.presentation import dmy
from attendance_desk.services.marks import find_pupil, half_term_start
from attendance_desk.services.school import ServiceError
from attendance_desk.services.users import authorize
from attendance_desk.store.db import Store

TEMPLATES = {1: "lateness1", 2: "lateness2"}


def ladder(store: Store) -> LatenessLadder:
    """The school's punctuality ladder from its settings (defaults 5 and 10 late marks)."""
    settings = store.settings.school()
    default = LatenessLadder()
    values = []
    for name, fallback in (
        ("lateness_letter1", default.letter1),
        ("lateness_letter2", default.letter2),
    ):
        text = str(getattr(settings, name, fallback)).strip()
        values.append(int(text) if text.isdigit() and int(text) > 0 else fallback)
    return LatenessLadder(*values)


@dataclass(frozen=True)
class Lateness:
    """A pupil's late marks this half-term up to a day."""

    late: int  # L: late before the register closed
    late_after_close: int  # U
    minutes: int
    start: date | None  # the half-term's first day (None: the day is in a holiday)
    end: date
    steps: LatenessLadder = LatenessLadder()  # the school's ladder

    def as_context(self) -> dict:
        steps = self.steps
        return {
            "count": self.late,
            "after_close": self.late_after_close,
            "minutes": self.minutes,
            "from": f"{dmy(self.start)}" if self.start else "",
            "to": f"{dmy(self.end)}",
            "letter1": steps.letter1,
            "letter2": steps.letter2,
        }


def lateness_as_at(store: Store, pupils: list[Pupil], day: date) -> dict[int, Lateness]:
    """Each pupil's late marks in the half-term holding `day`, up to `day`."""
    start = half_term_start(store, day)
    counts = {}
    if start is not None:
        counts = {
            pid: (l_count, u_count, minutes)
            for pid, l_count, u_count, minutes in store.marks.late_counts(start, day)
        }
    steps = ladder(store)
    return {p.id: Lateness(*counts.get(p.id, (0, 0, 0)), start, day, steps) for p in pupils}


@dataclass(frozen=True)
class LatenessRow:
    pupil: Pupil
    lateness: Lateness
    step: int  # 0, 1 or 2 on the ladder
    sent: tuple[
        str, ...
    ]  # lateness letters already issued this half-term ("lateness1 on 12/11/2024")


def lateness_list(store: Store, today: date) -> tuple[LatenessLadder, list[LatenessRow]]:
    """Pupils on roll with at least one late mark this half-term, the step each has reached and the
    lateness letters already issued to them this half-term; most late first."""
    steps = ladder(store)
    start = half_term_start(store, today)
    if start is None:
        return steps, []
    pupils = [p for p in store.pupils.on_roll_between(start, today)]
    found = lateness_as_at(store, pupils, today)
    rows = []
    for p in pupils:
        late = found[p.id]
        if not late.late:
            continue
        sent = tuple(
            f"{x.template} on {dmy(x.letter_date)}"
            for x in store.letters.for_pupil(p.id)
            if x.template in TEMPLATES.values()
            and not x.void
            and x.letter_date
            and x.letter_date >= start
        )
        rows.append(LatenessRow(p, late, steps.step(late.late), sent))
    rows.sort(key=lambda r: (-r.lateness.late, r.pupil.surname, r.pupil.forename))
    return steps, rows


def make_lateness_letters(
    store: Store,
    step: int,
    today: date,
    by: str,
    out: Path,
    upns: list[str] | None = None,
    *,
    preview: bool = False,
    override_reason: str = "",
):
    """Letter `step` (1 or 2) for the pupils named, or every pupil at the step this half-term who has
    not had it yet. A named pupil below the step is refused with the figures (the template's
    condition); a head teacher or attendance lead may override with a reason, as for any letter."""
    from attendance_desk.services.letters import make_letters

    authorize(store, by, Permission.LETTERS)
    if step not in TEMPLATES:
        raise ServiceError("a lateness letter is step 1 or 2 of the school's punctuality ladder")
    steps = ladder(store)
    problems = steps.problems()
    if problems:
        raise ServiceError(
            "the punctuality ladder in the settings is not usable: " + "; ".join(problems)
        )
    if half_term_start(store, today) is None:
        raise ServiceError(
            f"{dmy(today)} is not in a half-term on the school calendar: lateness is counted per half-term"
        )
    if upns:
        pupils = [find_pupil(store, u) for u in upns]
        return make_letters(
            store,
            TEMPLATES[step],
            pupils,
            today,
            by,
            out,
            preview=preview,
            override_reason=override_reason,
        )
    _, rows = lateness_list(store, today)
    pupils = [
        r.pupil
        for r in rows
        if r.step >= step and not any(s.startswith(TEMPLATES[step] + " ") for s in r.sent)
    ]
    if not pupils:
        threshold = steps.letter1 if step == 1 else steps.letter2
        raise ServiceError(
            f"no pupil has reached lateness letter {step} ({threshold} late marks this half-term) "
            "without having had it this half-term"
        )
    return make_letters(
        store, TEMPLATES[step], pupils, today, by, out, preview=preview, skip_unmet=True
    )


def save_ladder(store: Store, letter1: int, letter2: int, by: str) -> LatenessLadder:
    """Change the punctuality ladder (the school's settings; administrator)."""
    from dataclasses import replace

    from attendance_desk.services.school import save_settings

    new = LatenessLadder(letter1, letter2)
    problems = new.problems()
    if problems:
        raise ServiceError("; ".join(problems))
    save_settings(
        store,
        replace(
            store.settings.school(), lateness_letter1=str(letter1), lateness_letter2=str(letter2)
        ),
        by,
    )
    return new
