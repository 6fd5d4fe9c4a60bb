"""Telling a child's social worker of an unexplained absence the same day (DfE, "Working together to
improve school attendance", August 2024: schools inform the social worker when a pupil with a
social worker is absent without explanation; the virtual school head for a looked-after child).
Pure: which children, grouped by worker, and the e-mail drafted for each worker to copy."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from attendance_desk.domain.people import Pupil
from attendance_desk.presentation import dmy, weekday_dmy

NO_WORKER = "(no social worker recorded)"


@dataclass(frozen=True)
class AbsentChild:
    pupil: Pupil
    code: str | None  # None: no mark although the register was taken
    days_absent: int  # school days in a row, today included
    told: str = ""  # "told 10:05 by Okonjo (e-mail)" if recorded today

    @property
    def why_listed(self) -> str:
        return ", ".join(
            r
            for r in self.pupil.vulnerable_reasons
            if r.split(":")[0] in ("child protection plan", "looked after", "child in need")
        )


@dataclass(frozen=True)
class WorkerNotice:
    worker: str
    phone: str
    email: str
    children: tuple[AbsentChild, ...]
    virtual_school: tuple[str, ...]  # the virtual school's contacts for the looked-after children

    @property
    def all_told(self) -> bool:
        return all(c.told for c in self.children)


def group_by_worker(children: Sequence[AbsentChild]) -> list[WorkerNotice]:
    """One notice per social worker (siblings with one worker together)."""
    by: dict[str, list[AbsentChild]] = {}
    for c in children:
        by.setdefault(c.pupil.social_worker.strip() or NO_WORKER, []).append(c)
    notices = []
    for worker, kids in by.items():
        notices.append(
            WorkerNotice(
                worker,
                next(
                    (k.pupil.social_worker_phone for k in kids if k.pupil.social_worker_phone), ""
                ),
                next(
                    (k.pupil.social_worker_email for k in kids if k.pupil.social_worker_email), ""
                ),
                tuple(sorted(kids, key=lambda k: k.pupil.name)),
                tuple(
                    dict.fromkeys(
                        k.pupil.virtual_school_contact
                        for k in kids
                        if k.pupil.looked_after and k.pupil.virtual_school_contact
                    )
                ),
            )
        )
    return sorted(notices, key=lambda n: (n.worker == NO_WORKER, n.worker.lower()))


def draft_email(
    notice: WorkerNotice, day: date, session: str, school: str, sender: str, phone: str
) -> str:
    """The e-mail to copy into the school's mail: the children, since when, what the school does."""
    # "Beth Morrow (Northshire Children's Services)": the name without the service in brackets
    greeting = re.sub(r"\s*\([^()]*\)$", "", notice.worker) if notice.worker != NO_WORKER else ""
    greeting = greeting or "colleague"
    lines = [
        f"Subject: Unexplained absence today ({dmy(day)}) - {school}",
        "",
        f"Dear {greeting},",
        "",
        f"I am writing to let you know that the following child{'ren' if len(notice.children) > 1 else ''} "
        f"you work with {'are' if len(notice.children) > 1 else 'is'} absent from {school} today "
        f"({weekday_dmy(day, long=True)}, {session} register) and we have not been given a reason:",
        "",
    ]
    for c in notice.children:
        p = c.pupil
        dob = f", born {dmy(p.dob)}" if p.dob else ""
        run = (
            f"absent {c.days_absent} school days in a row" if c.days_absent > 1 else "absent today"
        )
        lines.append(f"- {p.legal_name}{dob}, Year {p.year_group} ({c.why_listed}): {run}")
    lines += [
        "",
        "We are contacting the family as part of our first-day calls and will let you know what we "
        "find. Please tell us if you know where the child is or why they are not in school.",
    ]
    if notice.virtual_school:
        lines += ["", f"Copied to the virtual school: {'; '.join(notice.virtual_school)}."]
    lines += ["", "Kind regards,", "", sender, school, phone]
    return "\n".join(lines).rstrip() + "\n"
