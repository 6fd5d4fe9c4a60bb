"""First-day calling: who to ring this morning, in what order, and what is overdue.

Pure selection: the service gathers marks, contacts and casework; this module decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import IntEnum

from attendance_desk.domain.codes import CodeTable

HOME_VISIT_AFTER_DAYS = 3
CME_REFERRAL_AFTER_DAYS = 10


class Rag(IntEnum):
    """Call priority: red first (child protection, looked after, child in need, social worker,
    previous missing-education concern), amber (persistent absence or on the support map), green."""

    RED = 0
    AMBER = 1
    GREEN = 2

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class PupilForCalls:
    pupil_id: int
    upn: str
    name: str
    reg_group: str
    year_group: str
    vulnerable_reasons: tuple[str, ...] = ()
    amber_reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Phone:
    kind: str
    number: str


@dataclass(frozen=True)
class ContactForCalls:
    contact_id: int
    name: str
    relationship: str
    parental_responsibility: bool
    priority: int
    phones: tuple[Phone, ...] = ()
    lives_with_pupil: bool = True
    email: str = ""
    address: str = ""
    postcode: str = ""


@dataclass(frozen=True)
class CallPupil:
    pupil: PupilForCalls
    code: str | None  # None: no mark although the class register was taken
    rag: Rag
    consecutive_days: int
    days_without_contact: int
    prompts: tuple[str, ...]


@dataclass(frozen=True)
class FamilyCall:
    pupils: tuple[CallPupil, ...]
    contacts: tuple[ContactForCalls, ...]

    @property
    def rag(self) -> Rag:
        return min(p.rag for p in self.pupils)

    @property
    def longest_absence(self) -> int:
        return max(p.consecutive_days for p in self.pupils)


@dataclass(frozen=True)
class CallList:
    day: date
    session: str
    families: tuple[FamilyCall, ...]
    registers_not_taken: tuple[str, ...] = ()
    message: str = ""
    not_called: tuple[
        str, ...
    ] = ()  # absent pupils left off the list, each with why (leave decided)

    @property
    def pupil_count(self) -> int:
        return sum(len(f.pupils) for f in self.families)


def needs_call(code: str | None, day: date, codes: CodeTable) -> bool:
    """Absent with no reason established, or no mark at all."""
    if code is None:
        return True
    if not codes.is_valid(code, day):
        return False
    return codes.lookup(code, day).needs_reason


def absent_all_day(day_codes: Sequence[str], day: date, codes: CodeTable) -> bool:
    """Recorded as absent that day: at least one absence mark and nothing showing the pupil was seen
    or their whereabouts known (present, AEA, not counted). A day with no marks is unknown, and
    unknown is not absence: it ends the run rather than inflate it."""
    recorded = [codes.category(c, day) for c in day_codes if codes.is_valid(c, day)]
    return bool(recorded) and all(category.is_absence for category in recorded)


def consecutive_days_absent(
    today: date,
    earlier_days: Sequence[date],
    marks_by_day: Mapping[date, Sequence[str]],
    codes: CodeTable,
) -> int:
    """Today plus each previous school day (most recent first) on which the pupil was recorded absent."""
    run = 1
    for day in earlier_days:
        if not absent_all_day(marks_by_day.get(day, ()), day, codes):
            break
        run += 1
    return run


def days_without_contact(
    today: date, earlier_days: Sequence[date], run: int, last_contact: date | None
) -> int:
    """Days of the current absence since the family was last reached."""
    if last_contact is None:
        return run
    run_days = [today, *earlier_days[: run - 1]]
    return sum(1 for day in run_days if day > last_contact)


def prompts_for(
    days_no_contact: int, cme_after: int = CME_REFERRAL_AFTER_DAYS, referred: str = ""
) -> tuple[str, ...]:
    """`cme_after`: the school's day count for a children-missing-education referral (a setting);
    `referred`: the referral already made ("CME referral made 01/12/2026"), shown instead."""
    prompts = []
    if referred:
        prompts.append(referred)
    elif days_no_contact >= cme_after:
        prompts.append(
            f"{days_no_contact} school days without contact: make a children missing education referral"
        )
    if days_no_contact >= HOME_VISIT_AFTER_DAYS:
        prompts.append(f"{days_no_contact} school days without contact: home visit due")
    return tuple(prompts)


def rag_for(pupil: PupilForCalls) -> Rag:
    if pupil.vulnerable_reasons:
        return Rag.RED
    if pupil.amber_reasons:
        return Rag.AMBER
    return Rag.GREEN


def group_families(
    pupil_ids: Sequence[int], contacts_of: Mapping[int, Sequence[ContactForCalls]]
) -> list[list[int]]:
    """Pupils who share any contact are one family (one call); union-find over shared contacts."""
    parent = {pid: pid for pid in pupil_ids}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    owner: dict[int, int] = {}
    for pid in pupil_ids:
        for contact in contacts_of.get(pid, ()):
            if contact.contact_id in owner:
                parent[find(pid)] = find(owner[contact.contact_id])
            else:
                owner[contact.contact_id] = pid
    groups: dict[int, list[int]] = {}
    for pid in pupil_ids:
        groups.setdefault(find(pid), []).append(pid)
    return list(groups.values())


def merge_contacts(lists: Sequence[Sequence[ContactForCalls]]) -> tuple[ContactForCalls, ...]:
    """One ring-down list for the family: each person once, at their best priority, PR first on ties."""
    best: dict[int, ContactForCalls] = {}
    for contacts in lists:
        for contact in contacts:
            held = best.get(contact.contact_id)
            if held is None or contact.priority < held.priority:
                best[contact.contact_id] = contact
    return tuple(
        sorted(best.values(), key=lambda c: (c.priority, not c.parental_responsibility, c.name))
    )


def build_call_list(
    day: date,
    session: str,
    candidates: Sequence[tuple[PupilForCalls, str | None]],
    earlier_days: Sequence[date],
    history: Mapping[int, Mapping[date, Sequence[str]]],
    last_contact: Mapping[int, date],
    contacts_of: Mapping[int, Sequence[ContactForCalls]],
    codes: CodeTable,
    registers_not_taken: Sequence[str] = (),
    cme_after: int = CME_REFERRAL_AFTER_DAYS,
    referred: Mapping[int, str] | None = None,
) -> CallList:
    """`candidates` are pupils on roll in classes whose register was taken, with their mark code;
    `referred`: pupils with a children-missing-education referral, and what their line says."""
    referred = referred or {}
    chosen: dict[int, CallPupil] = {}
    for pupil, code in candidates:
        if not needs_call(code, day, codes):
            continue
        run = consecutive_days_absent(day, earlier_days, history.get(pupil.pupil_id, {}), codes)
        silent = days_without_contact(day, earlier_days, run, last_contact.get(pupil.pupil_id))
        chosen[pupil.pupil_id] = CallPupil(
            pupil=pupil,
            code=code,
            rag=rag_for(pupil),
            consecutive_days=run,
            days_without_contact=silent,
            prompts=prompts_for(silent, cme_after, referred.get(pupil.pupil_id, "")),
        )
    families = []
    for group in group_families(list(chosen), contacts_of):
        members = sorted((chosen[pid] for pid in group), key=lambda c: (c.rag, c.pupil.name))
        contacts = merge_contacts([contacts_of.get(pid, ()) for pid in group])
        families.append(FamilyCall(pupils=tuple(members), contacts=contacts))
    families.sort(key=lambda f: (f.rag, -f.longest_absence, f.pupils[0].pupil.name))
    return CallList(
        day=day,
        session=session,
        families=tuple(families),
        registers_not_taken=tuple(sorted(registers_not_taken)),
    )
