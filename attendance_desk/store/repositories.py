"""The store's repositories, one per area (`store.pupils`, `store.marks`, ...), declared as
attributes of `Store` (which inherits `Repositories`) so that a type checker and an IDE see each
one and its methods. A new repository: declare it here and make it in `_open_repositories`."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:  # the repository modules import store.db, which imports this module
    from attendance_desk.store.audit import AuditRepo
    from attendance_desk.store.calendar import CalendarRepo
    from attendance_desk.store.casework import CaseworkRepo
    from attendance_desk.store.cme import CmeRepo
    from attendance_desk.store.contacts import ContactRepo
    from attendance_desk.store.db import Store
    from attendance_desk.store.documents import DocumentRepo
    from attendance_desk.store.leave import LeaveRepo
    from attendance_desk.store.letters import LetterRepo
    from attendance_desk.store.marks import MarkRepo
    from attendance_desk.store.meetings import MeetingRepo
    from attendance_desk.store.pastoral import PastoralRepo
    from attendance_desk.store.penalties import PenaltyRepo
    from attendance_desk.store.pupils import PupilRepo
    from attendance_desk.store.settings import SettingsRepo
    from attendance_desk.store.stages import StageRepo
    from attendance_desk.store.users import UserRepo


class Repositories:
    """One repository object per area of the school file, made when the file is opened."""

    settings: SettingsRepo
    pupils: PupilRepo
    contacts: ContactRepo
    marks: MarkRepo
    calendar: CalendarRepo
    casework: CaseworkRepo
    stages: StageRepo
    letters: LetterRepo
    meetings: MeetingRepo
    pastoral: PastoralRepo
    audit: AuditRepo
    users: UserRepo
    documents: DocumentRepo
    leave: LeaveRepo
    penalties: PenaltyRepo
    cme: CmeRepo

    def _open_repositories(self) -> None:
        from attendance_desk.store.audit import AuditRepo
        from attendance_desk.store.calendar import CalendarRepo
        from attendance_desk.store.casework import CaseworkRepo
        from attendance_desk.store.cme import CmeRepo
        from attendance_desk.store.contacts import ContactRepo
        from attendance_desk.store.documents import DocumentRepo
        from attendance_desk.store.leave import LeaveRepo
        from attendance_desk.store.letters import LetterRepo
        from attendance_desk.store.marks import MarkRepo
        from attendance_desk.store.meetings import MeetingRepo
        from attendance_desk.store.pastoral import PastoralRepo
        from attendance_desk.store.penalties import PenaltyRepo
        from attendance_desk.store.pupils import PupilRepo
        from attendance_desk.store.settings import SettingsRepo
        from attendance_desk.store.stages import StageRepo
        from attendance_desk.store.users import UserRepo

        store = cast("Store", self)
        self.settings = SettingsRepo(store)
        self.pupils = PupilRepo(store)
        self.contacts = ContactRepo(store)
        self.marks = MarkRepo(store)
        self.calendar = CalendarRepo(store)
        self.casework = CaseworkRepo(store)
        self.stages = StageRepo(store)
        self.letters = LetterRepo(store)
        self.meetings = MeetingRepo(store)
        self.pastoral = PastoralRepo(store)
        self.audit = AuditRepo(store)
        self.users = UserRepo(store)
        self.documents = DocumentRepo(store)  # school-editable wording of letters and forms
        self.leave = LeaveRepo(store)  # leave requests
        self.penalties = PenaltyRepo(store)  # penalty notices
        self.cme = CmeRepo(store)  # children-missing-education referrals
