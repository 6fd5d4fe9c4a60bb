"""Early help offered in writing: a letter to each adult with parental responsibility offering early
help, a record of the offer (with the letters' references) and the family's answer (accepted,
declined, no answer, with its date), which the referral pack's "early help offered and its outcome"
item reads (domain/referral.py)."""

from __future__ import annotations

from datetime import date

from attendance_desk.domain.people import Pupil
from attendance_desk.store.db import Store


def offer_facts(store: Store, pupil: Pupil, today: date) -> list[tuple[str, str]]:
    """For the referral pack: each written offer made by `today` ("dd/mm/yyyy (ATT/00012): what") with
    the family's answer, or "" while none is recorded."""
    result = []
    for o in store.pastoral.offers(pupil.id):
        if o.offered_on > today:
            continue
        refs = f" ({o.letter_refs})" if o.letter_refs else ""
        answer = o.answer_text if o.answer and o.answered_on and o.answered_on <= today else ""
        result.append((f"offered in writing {o.offered_on:%d/%m/%Y}{refs}: {o.what}", answer))
    return result
