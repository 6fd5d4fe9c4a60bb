"""Leave requests, penalty-notice steps and children-missing-education referrals as evidence: the
lines the referral evidence pack prints about them, as at the pack's date."""

from __future__ import annotations

from datetime import date

from attendance_desk.domain.penalties import STEPS
from attendance_desk.domain.people import Pupil
from attendance_desk.presentation import dmy
from attendance_desk.store.db import Store


def pack_lines(store: Store, pupil: Pupil, today: date) -> list[list[str]]:
    """(when, what, detail) for each leave request, penalty step and CME referral up to `today`."""
    lines: list[tuple[date, str, str]] = []
    for r in store.leave.for_pupil(pupil.id):
        if r.received_on > today:
            continue
        what = f"Leave requested: {r.dates_text}"
        detail = f"by {r.requested_by}; reason given: {r.reason}"
        lines.append((r.received_on, what, detail))
        if r.decided_on and r.decided_on <= today:
            late = f" after the deadline of {dmy(r.deadline)}" if r.decided_late else ""
            why = (
                f"exceptional circumstances: {r.exceptional_reason}"
                if r.status == "granted"
                else "absence on these dates is unauthorised (G)"
            )
            letters = f"; letters {r.letters}" if r.letters else ""
            lines.append((r.decided_on, f"Leave {r.status} by {r.decided_by}{late}", why + letters))
    for s in store.penalties.for_pupil(pupil.id):
        if s.occurred_on > today:
            continue
        parts = [f"parent: {s.parent}"]
        if s.improvement_ends:
            parts.append(f"improvement period to {dmy(s.improvement_ends)}")
        if s.figures:
            parts.append(
                f"{s.figures.get('most_in_window')} unauthorised sessions at most in "
                f"{s.figures.get('weeks')} school weeks (threshold {s.figures.get('threshold')})"
            )
        if s.la_reference:
            parts.append(f"LA reference {s.la_reference}")
        if s.step == "issued":
            parts.append(
                f"£{s.amount} by {dmy(s.pay_by)}"
                + (f" (£{s.reduced_amount} by {dmy(s.reduced_by)})" if s.reduced_amount else "")
            )
        if s.step == "paid" and s.amount:
            parts.append(f"£{s.amount} paid")
        if s.note:
            parts.append(s.note)
        lines.append((s.occurred_on, f"Penalty notice: {STEPS[s.step].lower()}", "; ".join(parts)))
    for c in store.cme.for_pupil(pupil.id):
        if c.referred_on > today:
            continue
        detail = f"{c.days_unexplained} school days of unexplained absence"
        if c.last_seen:
            detail += f"; last seen {dmy(c.last_seen)}"
        if c.early_reason:
            detail += f"; referred before the school's count because: {c.early_reason}"
        lines.append((c.referred_on, "Children missing education referral", detail))
        if c.outcome and c.outcome_on and c.outcome_on <= today:
            lines.append(
                (
                    c.outcome_on,
                    "Missing education referral: outcome",
                    f"{c.outcome}. {c.outcome_note}",
                )
            )
    lines.sort(key=lambda x: x[0])
    return [[f"{dmy(d)}", what, detail] for d, what, detail in lines]
