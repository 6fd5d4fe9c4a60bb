"""The demo school's rest of the year, part two: the records chosen from the registers once they are
written (a penalty-notice path for the pupil whose figures reach the threshold, medical evidence for
an illness, lateness letters, offers of early help, attendance awards), then every planned step,
part one's too, made through its service in date order, so that letter numbers, the chronology,
the audit and each service's refusals are as a school's own would be."""

from __future__ import annotations

import random
from datetime import date, timedelta

from attendance_desk.domain.calendar import academic_year_bounds, academic_year_of
from attendance_desk.domain.people import Pupil
from attendance_desk.presentation import dmy
from attendance_desk.services.demo_year import HEAD, LEAD, OFFICE, SchoolDays, YearPlan
from attendance_desk.services.school import ServiceError
from attendance_desk.store.db import Store

STRICT = False  # tests set it: a refused step fails the build instead of leaving its example out
PENALTY_REFERENCES = ("NCC/PN/0412", "NCC/PN/0438", "NCC/PN/0439")


def _free(plan: YearPlan) -> list[Pupil]:
    """The pool's pupils not yet given an example, in UPN order."""
    return sorted((p for p, _ in plan.pool if p.id not in plan.reserved), key=lambda p: p.upn)


def plan_holiday_penalty(plan: YearPlan, days: SchoolDays) -> None:
    """The refused holiday, taken: ten sessions of G reach the national threshold, and the school
    asks the local authority for a notice without a notice to improve (as codes of conduct allow
    for leave taken in term time); issued, then paid within 21 days at the lower rate."""
    from attendance_desk.services import penalties

    if plan.holiday is None:
        return
    holiday, pupils, parent = plan.holiday
    pupil = pupils[0]
    asked = days.on_or_after(holiday[-1] + timedelta(days=9))
    issued = days.on_or_after(asked + timedelta(days=8))
    paid = days.on_or_after(issued + timedelta(days=9))
    if asked >= days.today:
        return

    def request(store: Store) -> None:
        figures = penalties.threshold_figures(store, pupil, asked)
        if not figures.reached:  # a local authority's own threshold the holiday does not reach
            return
        case = penalties.request_notice(
            store,
            asked,
            LEAD,
            upn=pupil.upn,
            parent=parent,
            no_notice_reason="leave of absence was refused and the family took the holiday "
            f"anyway ({dmy(holiday[0])} to {dmy(holiday[-1])})",
            today=asked,
        )
        plan.made["holiday_case"] = case.case_id
        penalties.request_form(
            store, case.case_id, plan.documents / f"penalty-request-{asked}.pdf", LEAD
        )

    def issue(store: Store) -> None:
        if "holiday_case" in plan.made:
            case_id = plan.made["holiday_case"]
            penalties.record_issued(store, case_id, issued, PENALTY_REFERENCES[0], LEAD, issued)

    def pay(store: Store) -> None:
        if "holiday_case" in plan.made:
            case_id = plan.made["holiday_case"]
            penalties.record_outcome(store, case_id, "paid", paid, LEAD, today=paid)

    plan.at(asked, "holiday penalty", request)
    if issued < days.today:
        plan.at(issued, "holiday penalty", issue)
    if paid < days.today:
        plan.at(paid, "holiday penalty", pay)


def plan_notice_to_improve(store: Store, plan: YearPlan, days: SchoolDays) -> None:
    """A pupil whose unauthorised absence in the ten school weeks up to about seven weeks ago reached
    the threshold: a notice to improve (four weeks) and its letters; then, if unauthorised absence
    went on during those four weeks, the request to the local authority and the notice issued. Of
    such pupils, the nearest to the threshold, not severely absent (that is the EWS's work) and
    without special educational needs where there is one."""
    from attendance_desk.services import penalties
    from attendance_desk.services.figures import pupil_figures
    from attendance_desk.services.letters import Meeting, make_letters

    notice = days.back(35)
    if notice is None:
        return
    ends = notice + timedelta(weeks=4)
    asked = days.on_or_after(ends + timedelta(days=1))
    issued = days.on_or_after(asked + timedelta(days=7))
    if asked >= days.today:
        return
    start = academic_year_bounds(academic_year_of(notice))[0]
    rows = [
        r
        for r in pupil_figures(store, start, notice, pupils=_free(plan))
        if r.unauthorised_last_local_window >= r.local_threshold
        and r.unauthorised_last_10_school_weeks >= r.local_threshold
        and r.figures.unauthorised >= 1  # the letter quotes this school year's (its Needs:)
    ]
    if not rows:
        return
    during = {
        r.pupil.id: r.figures.unauthorised
        for r in pupil_figures(
            store, notice + timedelta(days=1), ends, pupils=[r.pupil for r in rows]
        )
    }
    row = min(
        rows,
        key=lambda r: (
            during.get(r.pupil.id, 0) < 2,  # did not improve: the notice's conditions not met
            r.figures.severe,
            bool(r.pupil.sen),  # with special educational needs, a notice is seldom the answer
            r.unauthorised_last_local_window,
            r.pupil.upn,
        ),
    )
    pupil, improved = row.pupil, during.get(row.pupil.id, 0) < 2
    plan.reserved.add(pupil.id)

    def nti(store: Store) -> None:
        cases = penalties.notice_to_improve(store, pupil.upn, notice, ends, LEAD, today=notice)
        plan.cases = [c.case_id for c in cases]  # one a parent with PR
        make_letters(
            store,
            "notice_to_improve",
            [pupil],
            notice,
            LEAD,
            plan.documents / f"notice-to-improve-{notice}.pdf",
            meeting=Meeting(review_date=dmy(ends), target_pct="95"),
        )

    def request(store: Store) -> None:
        for case_id in plan.cases:
            penalties.request_notice(store, asked, LEAD, case_id=case_id, today=asked)
            penalties.request_form(
                store, case_id, plan.documents / f"penalty-request-{asked}-{case_id}.pdf", LEAD
            )

    def issue(store: Store) -> None:
        for case_id, ref in zip(plan.cases, PENALTY_REFERENCES[1:], strict=False):
            penalties.record_issued(store, case_id, issued, ref, LEAD, issued)

    plan.at(notice, "notice to improve", nti)
    if improved:  # no unauthorised absence to speak of since: no request follows
        return
    plan.at(asked, "notice to improve", request)
    if issued < days.today:
        plan.at(issued, "notice to improve", issue)


def _spells(ill: list[date], school_days: list[date]) -> list[list[date]]:
    """Runs of consecutive school days among `ill` (sorted)."""
    index = {d: n for n, d in enumerate(school_days)}
    spells: list[list[date]] = []
    for day in ill:
        if spells and index.get(day, -9) - index.get(spells[-1][-1], -9) == 1:
            spells[-1].append(day)
        else:
            spells.append([day])
    return spells


def plan_medical(store: Store, plan: YearPlan, days: SchoolDays) -> None:
    """A GP's letter for a pupil's illness of two days or more (preferably a pupil at stage 2 of the
    support map, where illness without evidence is flagged); at stage 2, one more illness absence
    without evidence kept as I by the attendance lead, with the reason."""
    from attendance_desk.services import medical

    last = days.back(1)
    if last is None:
        return
    free = _free(plan)
    on_map = {e.pupil_id for e in store.stages.events()}  # one read, not one a pupil
    staged = [
        (p, medical.stage2_since(store, p.id, days.today) if p.id in on_map else None) for p in free
    ]
    ordered = [(p, s) for p, s in staged if s] + [(p, None) for p, s in staged if not s]
    for pupil, since in ordered:
        marks = store.marks.for_pupil(pupil.id, since or days.back(25) or days.past[0], last)
        ill = sorted({m.date for m in marks if m.code == "I" and m.session == "AM"})
        spells = [s for s in _spells(ill, days.past) if len(s) >= 2 and s[-1] < last]
        if spells:
            break
    else:
        return
    plan.reserved.add(pupil.id)
    spell = spells[0]
    received = days.on_or_after(spell[-1] + timedelta(days=1))
    others = [d for d in ill if d not in spell and d > received] if since else []

    def evidence(store: Store) -> None:
        medical.record_evidence(
            store,
            pupil.upn,
            what="GP letter",
            from_whom="Dr A. Sharma, Northbridge Medical Practice",
            dated=spell[min(1, len(spell) - 1)],
            covers_from=spell[0],
            covers_to=spell[-1],
            by=OFFICE,
            received_on=received,
            today=received,
            notes="seen and copied; the original returned to the parent",
        )

    plan.at(received, "medical", evidence)
    if others:
        decided = days.on_or_after(others[0] + timedelta(days=1))

        def decide(store: Store) -> None:
            medical.decide_illness(
                store,
                pupil.upn,
                others[0],
                "AM",
                "I",
                "mother rang before 8.30 that morning; a chemist's receipt for the medicine was "
                "seen the next day",
                LEAD,
                today=decided,
            )

        if decided < days.today:
            plan.at(decided, "medical", decide)


def plan_lateness(store: Store, plan: YearPlan, days: SchoolDays) -> None:
    """Lateness letter 1 for up to three pupils who reached the school's step a week ago (or, early
    in a half-term, at the end of the last one)."""
    from attendance_desk.services.lateness import lateness_list, make_lateness_letters

    ended = [t.end for t in days.calendar.terms if t.end < days.today]
    for day in (days.back(5), days.on_or_before(max(ended)) if ended else None):
        if day is None or day < days.past[0]:
            continue
        _, rows = lateness_list(store, day)
        chosen = [r.pupil.upn for r in rows if r.step >= 1 and r.pupil.id not in plan.reserved][:3]
        if chosen:
            break
    else:
        return

    def letters(store: Store, day: date = day) -> None:
        make_lateness_letters(
            store, 1, day, LEAD, plan.documents / f"lateness-1-{day}.pdf", upns=chosen
        )

    plan.at(day, "lateness", letters)


def plan_early_help(store: Store, plan: YearPlan, days: SchoolDays, rng: random.Random) -> None:
    """Two written offers of early help to families of pupils on the support map: one accepted a
    few days later, one sent this week and waiting for the family's answer."""
    from attendance_desk.services import early_help

    staged = {e.pupil_id for e in store.stages.events() if e.event == "entered"}
    free = [p for p in _free(plan) if p.id in staged] or _free(plan)
    offers = [
        (
            days.back(9),
            days.back(4),
            "a referral to the Northshire family support service for help with morning routines "
            "and getting to school on time",
        ),
        (
            days.back(2),
            None,
            "a place at the school's breakfast club from 8am and a weekly check-in with the "
            "learning mentor",
        ),
    ]
    for offered, answered, what in offers:
        if offered is None or not free:
            continue
        pupil = free.pop(rng.randrange(len(free)))
        plan.reserved.add(pupil.id)
        key = f"offer-{pupil.id}"

        def offer(store: Store, pupil: Pupil = pupil, offered: date = offered, what=what, key=key):
            _, made = early_help.offer_early_help(
                store,
                pupil.upn,
                what,
                LEAD,
                offered,
                plan.documents / f"early-help-{offered}.pdf",
            )
            plan.made[key] = made.id if made else 0

        plan.at(offered, key, offer)
        if answered is not None:

            def answer(store: Store, answered: date = answered, key=key) -> None:
                early_help.record_answer(
                    store,
                    plan.made[key],
                    "accepted",
                    answered,
                    LEAD,
                    answered,
                    note="mother rang: glad of the help; referral made the same day",
                )

            plan.at(answered, key, answer)


def plan_awards(plan: YearPlan, days: SchoolDays) -> None:
    """Certificates for 100% attendance over the last half-term, for the first class that has any,
    given out on the first school day after it."""
    from attendance_desk.services.awards import make_awards

    done = [
        t
        for t in days.calendar.terms
        if t.end < days.today and days.past and t.start >= days.past[0]
    ]
    if not done:
        return
    term = max(done, key=lambda t: t.end)
    given = min(days.on_or_after(term.end + timedelta(days=1)), days.today)
    classes = sorted({p.reg_group for p, _ in plan.pool if p.reg_group})

    def awards(store: Store) -> None:
        for group in classes[:6]:
            try:
                make_awards(
                    store,
                    "full",
                    term.start,
                    term.end,
                    plan.documents / f"awards-{group}-{given}.pdf",
                    HEAD,
                    given,
                    reg_group=group,
                )
                return
            except ServiceError:  # no pupil in that class attended every session: the next class
                continue

    plan.at(given, "awards", awards)


def add_casework(store: Store, plan: YearPlan, seed: int) -> None:
    """Choose part two's pupils from the registers, then make every record in date order."""
    days = plan.days
    if days is None or not days.past:
        return
    rng = random.Random(seed * 1_000_003 + 11)
    plan_holiday_penalty(plan, days)
    plan_notice_to_improve(store, plan, days)
    plan_medical(store, plan, days)
    plan_lateness(store, plan, days)
    plan_early_help(store, plan, days, rng)
    plan_awards(plan, days)
    if plan.steps:
        plan.documents.mkdir(parents=True, exist_ok=True)
    refused: set[str] = set()
    for _, _, scenario, step in sorted(plan.steps, key=lambda s: (s[0], s[1])):
        if scenario in refused:
            continue
        try:
            step(store)
        except ServiceError as exc:
            if STRICT:
                raise
            # a case the choices above did not foresee (a date, a size): the service refused, as it
            # would a user, and the demo leaves that example out rather than fail to open
            refused.add(scenario)
            plan.left_out.append(f"{scenario}: {exc}")
