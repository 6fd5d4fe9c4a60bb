"""Attach one repository object per area to a Store (`store.pupils`, `store.marks`, ...)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from attendance_desk.store.db import Store


def attach_repositories(store: Store) -> None:
    from attendance_desk.store.audit import AuditRepo
    from attendance_desk.store.calendar import CalendarRepo
    from attendance_desk.store.casework import CaseworkRepo
    from attendance_desk.store.contacts import ContactRepo
    from attendance_desk.store.letters import LetterRepo
    from attendance_desk.store.marks import MarkRepo
    from attendance_desk.store.meetings import MeetingRepo
    from attendance_desk.store.pastoral import PastoralRepo
    from attendance_desk.store.pupils import PupilRepo
    from attendance_desk.store.settings import SettingsRepo
    from attendance_desk.store.stages import StageRepo
    from attendance_desk.store.users import UserRepo

    store.settings = SettingsRepo(store)
    store.pupils = PupilRepo(store)
    store.contacts = ContactRepo(store)
    store.marks = MarkRepo(store)
    store.calendar = CalendarRepo(store)
    store.casework = CaseworkRepo(store)
    store.stages = StageRepo(store)
    store.letters = LetterRepo(store)
    store.meetings = MeetingRepo(store)
    store.pastoral = PastoralRepo(store)
    store.audit = AuditRepo(store)
    store.users = UserRepo(store)
