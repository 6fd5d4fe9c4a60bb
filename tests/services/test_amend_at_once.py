"""Two PCs amending one mark at the same moment (the reviewer's `amend` from the office and the
lead's laptop): the second is refused as stale, naming who changed the mark, when (dd/mm/yyyy
hh:mm) and what it is now; the first amendment stays, and the audit says only what happened
(services/marks.py amend_mark: the version read is the one amended)."""

import re
from datetime import date

import pytest

from attendance_desk.services.marks import amend_mark
from attendance_desk.services.school import ServiceError, open_school
from tests.engines import address
from tests.helpers import add_pupil, make_school, put_marks

TODAY = date(2024, 11, 20)


@pytest.fixture
def store(tmp_path):
    s = make_school(tmp_path)
    yield s
    s.close()


def test_the_second_of_two_amendments_at_once_is_refused_as_stale(store, monkeypatch):
    amy = add_pupil(store, 1, forename="Amy", surname="Able")
    put_marks(store, amy, {(TODAY, "AM"): "N"})
    read = store.marks.get

    def laptop_amends_meanwhile(pupil_id, day, session):
        found = read(pupil_id, day, session)  # what the office's command read: N
        monkeypatch.setattr(store.marks, "get", read)
        laptop = open_school(address(store))  # the lead's laptop: its own connection
        try:
            amend_mark(laptop, amy.upn, TODAY, "AM", "M", "appointment card seen", "lead")
        finally:
            laptop.close()
        return found

    monkeypatch.setattr(store.marks, "get", laptop_amends_meanwhile)
    with pytest.raises(ServiceError) as refused:
        amend_mark(store, amy.upn, TODAY, "AM", "I", "mother rang: illness", "office1")
    assert re.fullmatch(
        r"this mark was changed by lead at \d\d/\d\d/\d{4} \d\d:\d\d since you opened it; "
        r"reload and try again \(it is now M\)",
        str(refused.value),
    ), refused.value
    history = store.marks.history(amy.id, TODAY)
    assert [(h.old_code, h.new_code) for h in history] == [("N", "M")]
    assert store.marks.get(amy.id, TODAY, "AM").code == "M"
    amended = [e for e in store.audit.entries() if e.action == "amend mark"]
    assert [(e.user, e.detail.split(";")[0]) for e in amended] == [
        ("lead", "20/11/2024 AM: N -> M")
    ]
