"""Early help offered in writing: a letter to each adult with parental responsibility offering early
help, a record of the offer (with the letters' references) and the family's answer (accepted,
declined, no answer, with its date), which the referral pack's "early help offered and its outcome"
item reads (domain/referral.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

from attendance_desk.domain.pastoral import ANSWERS, EarlyHelpOffer
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.records import CaseworkEntry
from attendance_desk.domain.roles import Permission
from attendance_desk.presentation import dmy
from attendance_desk.services.marks import find_pupil
from attendance_desk.services.school import ServiceError
from attendance_desk.services.users import authorize
from attendance_desk.store.db import Store

TEMPLATE = "early_help_offer"


def offer_facts(store: Store, pupil: Pupil, today: date) -> list[tuple[str, str]]:
    """For the referral pack: each written offer made by `today` ("dd/mm/yyyy (ATT/00012): what") with
    the family's answer, or "" while none is recorded."""
    result = []
    for o in store.pastoral.offers(pupil.id):
        if o.offered_on > today:
            continue
        refs = f" ({o.letter_refs})" if o.letter_refs else ""
        answer = o.answer_text if o.answer and o.answered_on and o.answered_on <= today else ""
        result.append((f"offered in writing {dmy(o.offered_on)}{refs}: {o.what}", answer))
    return result


REPLY_DAYS = 14  # the letter asks for an answer within two weeks


def _entry(
    store: Store, pupil_id: int, day: date, by: str, kind: str, outcome: str, notes: str
) -> None:
    store.casework.add(
        CaseworkEntry(
            None,
            pupil_id,
            datetime.combine(day, time(12, 0)).astimezone(),
            kind,
            by,
            "",
            None,
            outcome,
            False,
            notes,
        )
    )


def offer_early_help(
    store: Store,
    upn: str,
    what: str,
    by: str,
    today: date,
    out: Path,
    *,
    preview: bool = False,
):
    """A letter offering early help to each adult with parental responsibility, and the record of the
    offer with the letters' references (not for a preview). Refused while an earlier written offer
    waits for the family's answer, or when the offer does not say what help is offered."""
    from attendance_desk.services.letters import make_letters

    authorize(store, by, Permission.CASEWORK)
    authorize(store, by, Permission.LETTERS)
    pupil = find_pupil(store, upn)
    what = " ".join(what.split())
    if what:  # printed as a sentence under "What we can offer"
        what = what[0].upper() + what[1:] + ("" if what[-1] in ".!?" else ".")
    if len(what.split()) < 4:
        raise ServiceError(
            "say what help is offered (e.g. 'a referral to the family support service for help with "
            "morning routines')"
        )
    waiting = [o for o in store.pastoral.offers(pupil.id) if not o.answer]
    if waiting:
        o = waiting[-1]
        raise ServiceError(
            f"refused: the written offer of {dmy(o.offered_on)} ({o.letter_refs or 'no letter'}) "
            f"is still waiting for the family's answer: record it first (`early-help answer --offer {o.id}`)"
        )
    reply_by = today + timedelta(days=REPLY_DAYS)
    context = {"offer": {"what": what, "reply_by": f"{dmy(reply_by)}"}}
    with store.write():
        batch = make_letters(
            store,
            TEMPLATE,
            [pupil],
            today,
            by,
            out,
            preview=preview,
            extra_context=context,
            extra_facts={"early_help_offer": True},
        )
        if preview:
            return batch, None
        offer = EarlyHelpOffer(None, pupil.id, today, what, ", ".join(batch.references), by_user=by)
        offer = replace(offer, id=store.pastoral.add_offer(offer))
        _entry(
            store,
            pupil.id,
            today,
            by,
            "early_help_offer",
            f"Early help offered in writing ({offer.letter_refs})",
            f"{what}; answer asked for by {dmy(reply_by)}",
        )
        store.audit.log(
            by, "early help offered", pupil.upn, f"offer {offer.id} ({offer.letter_refs}): {what}"
        )
    return batch, offer


def record_answer(
    store: Store,
    offer_id: int,
    answer: str,
    answered_on: date,
    by: str,
    today: date,
    note: str = "",
) -> EarlyHelpOffer:
    """The family's answer to a written offer: accepted, declined, or no answer (recorded when the
    school stops waiting). Once only; not before the offer, not in the future."""
    authorize(store, by, Permission.CASEWORK)
    offer = store.pastoral.offer(offer_id)
    if offer is None:
        raise ServiceError(f"no early help offer {offer_id}")
    if answer not in ANSWERS:
        raise ServiceError(f"the answer is one of: {', '.join(ANSWERS)}")
    if offer.answer:
        raise ServiceError(f"offer {offer_id} already has an answer: {offer.answer_text}")
    if answered_on < offer.offered_on:
        raise ServiceError(
            f"an answer ({dmy(answered_on)}) cannot come before the offer ({dmy(offer.offered_on)})"
        )
    if answered_on > today:
        raise ServiceError(f"{dmy(answered_on)} is in the future")
    if answer == "no_answer" and (answered_on - offer.offered_on).days < REPLY_DAYS:
        raise ServiceError(
            f"the letter gave the family until {dmy(offer.offered_on + timedelta(days=REPLY_DAYS))} "
            "to answer: record 'no answer' after that"
        )
    pupil = store.pupils.by_id(offer.pupil_id)
    with store.write():
        store.pastoral.set_answer(offer.id, answer, answered_on, " ".join(note.split()), by)
        offer = store.pastoral.offer(offer.id)
        _entry(
            store,
            pupil.id,
            answered_on,
            by,
            "early_help_answer",
            f"Early help offered on {dmy(offer.offered_on)}: {offer.answer_text}",
            offer.what,
        )
        store.audit.log(
            by, "early help answer recorded", pupil.upn, f"offer {offer.id}: {offer.answer_text}"
        )
    return offer


def offers(store: Store, upn: str | None = None) -> list[tuple[Pupil, EarlyHelpOffer]]:
    """Written offers (of one pupil, or every one), those waiting for an answer first."""
    pupils = {p.id: p for p in store.pupils.all()}
    chosen = store.pastoral.offers(find_pupil(store, upn).id if upn else None)
    result = [(pupils[o.pupil_id], o) for o in chosen]
    result.sort(key=lambda x: (x[1].answer is not None, x[1].offered_on))
    return result
