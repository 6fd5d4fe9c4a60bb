"""The demo school's leave of absence, planned before the registers are written (part of
demo_year.py's plan): leave granted for a funeral (C on the register), a holiday refused and taken
anyway (G), leave granted for a day ahead, and a request waiting for the head's decision. Each is
recorded, decided and written to the parents through services/leave.py on its own date."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING

from attendance_desk.domain.leave import CODE_FOR, LeaveRequest
from attendance_desk.domain.people import Pupil
from attendance_desk.services import leave
from attendance_desk.services.demo_year import (
    HEAD,
    LEAD,
    OFFICE,
    Fixed,
    SchoolDays,
    YearPlan,
    parent_of,
    take,
)
from attendance_desk.store.db import Store

if TYPE_CHECKING:
    from attendance_desk.services.demo import Family


def _leave_marks(request: LeaveRequest, code: str) -> Fixed:
    return {(day, session): code for day, session in request.sessions()}


def plan_leave(
    rng: random.Random,
    plan: YearPlan,
    pool: list[tuple[Pupil, Family]],
    days: SchoolDays,
) -> None:
    """Four requests: leave granted for a funeral (two siblings, on the register as C); a holiday
    refused and taken anyway (G, and later a penalty notice); one granted for a day ahead; one
    received this week and waiting for the head's decision."""
    pairs = [
        (days.past[-n], days.past[-n + 1])
        for n in range(32, min(41, len(days.past) + 1))
        if (days.past[-n + 1] - days.past[-n]).days in (1, 3)  # two school days in one go
    ]
    if pairs:
        kids = take(rng, pool, plan, siblings=2) or take(rng, pool, plan)
        if kids:
            first, last = pairs[0]
            _leave_request(
                plan,
                kids,
                first,
                last,
                "the funeral of a grandparent in Kraków",
                "granted",
                "the funeral of a close family member abroad, which the family must travel to "
                "attend on these dates",
                key="funeral",
                days=days,
            )
    holiday = _holiday_dates(days)
    if holiday:
        kids = take(rng, pool, plan)
        if kids:
            _leave_request(
                plan,
                kids,
                holiday[0],
                holiday[-1],
                "a family holiday in Lanzarote: the flights are cheaper before the school holiday",
                "refused",
                "",
                key="holiday",
                days=days,
            )
            plan.holiday = (holiday, [p for p, _ in kids], parent_of(kids[0][1]))
    ahead = days.on_or_after(days.today + timedelta(days=16))
    kids = take(rng, pool, plan)
    received = days.back(8)
    if kids and received is not None:
        _leave_request(
            plan,
            kids,
            ahead,
            ahead,
            "her father's return from a six-month deployment with the Royal Navy",
            "granted",
            "a service family: the father returns from a six-month operational deployment and "
            "the homecoming at the naval base is on this day only",
            key="homecoming",
            days=days,
            received=received,
        )
    start = days.on_or_after(days.today + timedelta(days=30))
    kids = take(rng, pool, plan, siblings=2) or take(rng, pool, plan)
    received = days.back(2)
    if kids and received is not None:
        end = days.on_or_after(start + timedelta(days=2))
        _leave_request(
            plan,
            kids,
            start,
            end,
            "a cousin's wedding in Lahore",
            "",
            "",
            key="wedding",
            days=days,
            received=received,
        )


def _holiday_dates(days: SchoolDays) -> list[date]:
    """The last five school days before the latest half-term holiday that ended at least three
    weeks ago, in the registers' range (a family's term-time holiday)."""
    cal = days.calendar
    for term in sorted(cal.terms, key=lambda t: t.end, reverse=True):
        if term.end >= days.today - timedelta(weeks=3):
            continue
        school = days.between(term.start, term.end)
        if len(school) >= 10:
            return school[-5:]
    return []


def _leave_request(
    plan: YearPlan,
    kids: list[tuple[Pupil, Family]],
    first: date,
    last: date,
    reason: str,
    decision: str,
    exceptional: str,
    *,
    key: str,
    days: SchoolDays,
    received: date | None = None,
) -> None:
    received = received or days.on_or_before(first - timedelta(days=24))
    decided = days.on_or_after(received + timedelta(days=3))
    if decided >= days.today:
        decision = ""  # not decided yet: the request waits for the head
    parent = parent_of(kids[0][1])
    upns = [p.upn for p, _ in kids]
    for pupil, _ in kids:
        request = LeaveRequest(
            None, None, pupil.id, first, "AM", last, "PM", "", "", received, last
        )
        if decision:
            plan.fix(pupil.id, _leave_marks(request, CODE_FOR[decision]))
        else:
            plan.reserved.add(pupil.id)

    def ask(store: Store) -> None:
        made = leave.record_request(
            store, upns, first, last, reason, parent, received, OFFICE, today=received
        )
        plan.made[key] = made[0].id or 0

    plan.at(received, key, ask)
    if not decision:
        return

    def decide(store: Store) -> None:
        request_id = plan.made[key]
        leave.decide(
            store,
            request_id,
            decision,
            HEAD,
            decided,
            exceptional_reason=exceptional,
            today=decided,
        )
        leave.decision_letters(
            store, request_id, decided, LEAD, plan.documents / f"leave-{key}-{decided}.pdf"
        )

    plan.at(decided, key, decide)
