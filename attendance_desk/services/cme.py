"""Children missing education: the referral to the local authority at the school's day count of
unexplained absence (a setting, default 10 school days), its form (pupil, last seen, contacts tried
with dates and outcomes from the call log, home visits, siblings, agencies) and its outcome. A
referral before the count needs the reason, which is recorded. Rules: domain/cme.py."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

from attendance_desk.domain.cme import last_seen, unexplained_run
from attendance_desk.domain.leave import is_evidence
from attendance_desk.domain.people import Pupil
from attendance_desk.domain.records import CaseworkEntry
from attendance_desk.domain.roles import Permission
from attendance_desk.presentation import dmy, dmy_hm
from attendance_desk.services.as_at import check_event_date
from attendance_desk.services.marks import find_pupil
from attendance_desk.services.school import ServiceError, codes, school_calendar, setting_number
from attendance_desk.services.users import authorize
from attendance_desk.store.cme import CmeReferral
from attendance_desk.store.db import Store

LOOK_BACK_SCHOOL_DAYS = 60


@dataclass(frozen=True)
class CmeStatus:
    pupil: Pupil
    day: date
    days_unexplained: int  # school days in a row, up to `day`, of unexplained absence (N or O)
    needed: int  # the school's day count (setting)
    last_seen: date | None
    referral: CmeReferral | None  # the latest referral, if any

    @property
    def due(self) -> bool:
        return self.days_unexplained >= self.needed


def status(store: Store, upn: str, day: date) -> CmeStatus:
    pupil = find_pupil(store, upn)
    calendar = school_calendar(store, day - timedelta(days=LOOK_BACK_SCHOOL_DAYS * 2), day)
    days = [day, *calendar.previous_school_days(day, LOOK_BACK_SCHOOL_DAYS)]
    marks = store.marks.codes_between(days[-1], day, [pupil.id]).get(pupil.id, {})
    referrals = store.cme.for_pupil(pupil.id)
    return CmeStatus(
        pupil,
        day,
        unexplained_run(days, marks),
        setting_number(store, "cme_days"),
        last_seen(days, marks, codes()),
        referrals[-1] if referrals else None,
    )


def _siblings(store: Store, pupil: Pupil) -> list[str]:
    contacts = store.contacts.for_pupils().items()
    mine = {c.contact_id for c in store.contacts.for_pupils([pupil.id]).get(pupil.id, [])}
    others = {pid for pid, cs in contacts if pid != pupil.id and mine & {c.contact_id for c in cs}}
    result = []
    for pid in sorted(others):
        p = store.pupils.by_id(pid)
        result.append(f"{p.legal_name} (Year {p.year_group}, {p.reg_group})")
    return result


def _details(store: Store, pupil: Pupil, day: date, st: CmeStatus) -> dict:
    """What the form says, as at the referral's date."""
    entries = [e for e in store.casework.for_pupil(pupil.id) if e.at.date() <= day]
    calls = [
        f"{dmy_hm(e.at)} {e.outcome}"
        + (f" ({e.with_whom})" if e.with_whom else "")
        + f", by {e.by_user}"
        for e in entries
        if e.kind in ("call", "text", "email")
    ][-30:]
    visits = [
        f"{dmy_hm(e.at)} {e.outcome}" + (f": {e.notes}" if e.notes else "")
        for e in entries
        if e.kind == "home_visit"
    ]
    agencies = list(pupil.vulnerable_reasons)
    if pupil.social_worker_phone or pupil.social_worker_email:
        agencies.append(
            "social worker's contact: "
            + ", ".join(x for x in (pupil.social_worker_phone, pupil.social_worker_email) if x)
        )
    agencies += [
        f"{dmy(e.at)} {e.outcome}" for e in entries if e.kind in ("early_help", "lead_professional")
    ]
    contacts = [
        f"{c.name} ({c.relationship or 'contact'}{', parental responsibility' if c.parental_responsibility else ''})"
        + (f", {c.address}" if c.address else "")
        + (f" {c.postcode}" if c.postcode else "")
        + (": " + ", ".join(p.number for p in c.phones) if c.phones else "")
        for c in store.contacts.for_pupils([pupil.id]).get(pupil.id, [])
    ]
    return {
        "contacts": contacts,
        "contacts_tried": calls,
        "home_visits": visits,
        "siblings": _siblings(store, pupil),
        "agencies": agencies,
        "days_unexplained": st.days_unexplained,
        "needed": st.needed,
    }


def refer(
    store: Store,
    upn: str,
    day: date,
    by: str,
    *,
    la_contact: str = "",
    early_reason: str = "",
    today: date | None = None,
) -> CmeReferral:
    """Record a children-missing-education referral to the LA. Refused for a pupil below the school's
    day count unless the reason is given (recorded); refused while an earlier referral has no
    outcome. The pupil is flagged as a previous missing-education concern (red on the call list)."""
    authorize(store, by, Permission.CASEWORK)
    check_event_date(day, today, "", "the referral")
    st = status(store, upn, day)
    pupil = st.pupil
    if st.referral and not st.referral.outcome:
        raise ServiceError(
            f"{pupil.name} was referred on {dmy(st.referral.referred_on)} and the outcome is "
            "not recorded yet: record it before a new referral"
        )
    if not st.due and not is_evidence(early_reason):
        raise ServiceError(
            f"refused: {pupil.name} has {st.days_unexplained} school day"
            f"{'s' if st.days_unexplained != 1 else ''} of unexplained absence in a row up to "
            f"{dmy(day)}; the school refers at {st.needed} (Settings). To refer now, give the "
            "reason (a sentence: it is recorded with the referral)"
        )
    referral = CmeReferral(
        None,
        pupil.id,
        day,
        st.last_seen,
        st.days_unexplained,
        early_reason.strip() if not st.due else "",
        la_contact.strip(),
        _details(store, pupil, day, st),
        by_user=by,
    )
    with store.write():
        referral_id = store.cme.add(referral)
        if not pupil.cme_concern:
            store.pupils.upsert_many([replace(pupil, cme_concern=True)])
        seen = f"last seen {dmy(st.last_seen)}" if st.last_seen else "not seen this term"
        notes = f"{st.days_unexplained} school days of unexplained absence; {seen}"
        if referral.early_reason:
            notes += f". Before the school's count of {st.needed}: {referral.early_reason}"
        store.casework.add(
            CaseworkEntry(
                None,
                pupil.id,
                datetime.combine(day, time(12, 0)).astimezone(),
                "cme",
                by,
                la_contact.strip(),
                None,
                "Children missing education referral to the local authority",
                False,
                notes,
            )
        )
        store.audit.log(by, "cme referral", pupil.upn, f"referral {referral_id}: {notes}")
    return store.cme.by_id(referral_id)


def _referral(store: Store, referral_id: int) -> CmeReferral:
    referral = store.cme.by_id(referral_id)
    if referral is None:
        raise ServiceError(f"no missing-education referral {referral_id}")
    return referral


def referral_form(store: Store, referral_id: int, out: Path, by: str) -> Path:
    """The referral form for the LA, as at the referral's date; its file and SHA-256 are kept."""
    from attendance_desk.documents.la_forms import LaForm, Section, write_la_form

    authorize(store, by, Permission.LETTERS)
    r = _referral(store, referral_id)
    pupil = store.pupils.by_id(r.pupil_id)
    school = store.settings.school()
    d = r.details
    form = LaForm(
        "Children missing education: referral to the local authority",
        school.name,
        f"to {school.local_authority or 'the local authority'}, {dmy(r.referred_on)} "
        f"(referral {r.id})",
        pupil.legal_name,
        (
            Section(
                "The pupil",
                [
                    ("Name", pupil.legal_name),
                    ("Date of birth", f"{dmy(pupil.dob)}" if pupil.dob else ""),
                    ("UPN", pupil.upn),
                    ("Year and class", f"Year {pupil.year_group}, {pupil.reg_group}"),
                    (
                        "Last seen in school",
                        f"{dmy(r.last_seen)}" if r.last_seen else "not recorded",
                    ),
                    (
                        "Unexplained absence",
                        f"{r.days_unexplained} school days in a row (N or O) up to "
                        f"{dmy(r.referred_on)}; the school refers at {d.get('needed')}",
                    ),
                ]
                + ([("Referred early because", r.early_reason)] if r.early_reason else [])
                + ([("LA contact", r.la_contact)] if r.la_contact else []),
            ),
            Section("Parents, carers and contacts", items=d.get("contacts", [])),
            Section("Contacts tried (from the call log)", items=d.get("contacts_tried", [])),
            Section("Home visits", items=d.get("home_visits", [])),
            Section("Siblings", items=d.get("siblings", []), empty="none on roll"),
            Section("Agencies involved", items=d.get("agencies", [])),
        ),
        declaration=(
            "The school has made reasonable enquiries to find the pupil and asks the local authority "
            "to make its own. The pupil stays on the school's roll until the local authority agrees "
            "the pupil may be removed."
        ),
    )
    out = Path(out)
    write_la_form(out, form)
    sha = hashlib.sha256(out.read_bytes()).hexdigest()
    with store.write():
        store.cme.set_form(r.id, str(out), sha)
        store.audit.log(by, "document made: cme referral form", pupil.upn, str(out))
    return out


def record_outcome(
    store: Store,
    referral_id: int,
    outcome: str,
    day: date,
    by: str,
    note: str = "",
    today: date | None = None,
) -> CmeReferral:
    """What the LA found (e.g. "attending another school", "home educated", "not found: LA
    investigating"); once."""
    authorize(store, by, Permission.CASEWORK)
    check_event_date(day, today, "", "the outcome")
    r = _referral(store, referral_id)
    if r.outcome:
        raise ServiceError(f"referral {referral_id}'s outcome was recorded on {dmy(r.outcome_on)}")
    if len(outcome.strip().split()) < 2:
        raise ServiceError("record the outcome in words (e.g. 'attending another school')")
    if day < r.referred_on:
        raise ServiceError(f"the referral was made on {dmy(r.referred_on)}, after {dmy(day)}")
    pupil = store.pupils.by_id(r.pupil_id)
    with store.write():
        store.cme.set_outcome(r.id, outcome.strip(), day, note.strip())
        store.casework.add(
            CaseworkEntry(
                None,
                pupil.id,
                datetime.combine(day, time(12, 0)).astimezone(),
                "cme",
                by,
                "",
                None,
                f"Missing education referral outcome: {outcome.strip()}",
                False,
                note.strip(),
            )
        )
        store.audit.log(by, "cme outcome", pupil.upn, f"referral {r.id}: {outcome.strip()}")
    return store.cme.by_id(r.id)


def referrals(store: Store) -> list[tuple[Pupil, CmeReferral]]:
    """Every referral, latest first."""
    rows = [
        (store.pupils.by_id(r.pupil_id), r)
        for pid in {p.id for p in store.pupils.all()}
        for r in store.cme.for_pupil(pid)
    ]
    return sorted(rows, key=lambda x: (x[1].referred_on, x[1].id), reverse=True)
