"""Messages for the school's texting service, on a real school file: the call list's families at
their preferred mobile number, or a day's letters' addressees, as a CSV of name, number, message;
nothing is sent; formula-looking cells are inert; the export is audited."""

import csv

import pytest

from attendance_desk.services import messages
from attendance_desk.services.letters import make_letters
from attendance_desk.services.school import ServiceError
from tests.helpers import put_marks, upn
from tests.year.conftest import TODAY


def _read(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_call_list_messages_one_per_family_at_the_mobile(store, tmp_path):
    amy, ben, cal = (store.pupils.by_upn(upn(n)) for n in (1, 2, 3))
    for p in (amy, ben, cal):
        put_marks(store, p, {(TODAY, "AM"): "N"})
    found, skipped = messages.call_messages(store, TODAY, "AM")
    assert skipped == []
    by_name = {m.name: m for m in found}
    assert set(by_name) == {"Ms Jo Brook", "Mrs Dee Field"}  # siblings: one text to their mother
    jo = by_name["Ms Jo Brook"]
    assert jo.number == "07700900001"
    assert jo.message.startswith("Dear Ms Brook, Amy and Ben are not in school today (20/11/2024)")
    assert "01632 960000" in jo.message and jo.message.endswith("Test Primary School")
    out = messages.export_messages(store, found, tmp_path / "texts.csv", "Reception", "call list")
    rows = _read(out)
    assert rows[0] == ["name", "number", "message"] and len(rows) == 3
    assert store.audit.entries()[-1].action == "messages exported"
    assert "nothing sent" in store.audit.entries()[-1].detail


def test_no_mobile_is_listed_and_placeholders_are_checked(store, tmp_path):
    from attendance_desk.domain.calls import Phone
    from attendance_desk.domain.people import Contact, Link
    from tests.helpers import add_pupil

    dot = add_pupil(store, 4, forename="Dot", surname="Lane")
    gran = store.contacts.add(Contact(None, "Mrs Vi Lane", phones=(Phone("home", "01632 960777"),)))
    store.contacts.link(Link(dot.id, gran, "Grandmother", True, 1))
    put_marks(store, dot, {(TODAY, "AM"): "N"})
    found, skipped = messages.call_messages(store, TODAY, "AM")
    assert skipped == ["Dot Lane: no UK mobile number (07…) recorded, ring instead"]
    assert all("Dot" not in m.about for m in found)  # Amy and Cal (no mark in 4A) are texted
    with pytest.raises(ServiceError, match=r"\{pupil\}"):
        messages.call_messages(store, TODAY, "AM", "Dear {salutation}, {pupil} is absent")
    with pytest.raises(ServiceError, match="nobody on the list"):
        messages.export_messages(store, [], tmp_path / "none.csv", "Reception", "call list")
    assert not (tmp_path / "none.csv").exists()


def test_letter_batch_messages_and_inert_cells(store, tmp_path):
    cal = store.pupils.by_upn(upn(3))
    make_letters(
        store, "stage1", [cal], TODAY, "Okonjo", tmp_path / "l.pdf", override_reason="x y z"
    )
    found, skipped = messages.letter_messages(store, TODAY)
    assert [(m.name, m.number) for m in found] == [("Mrs Dee Field", "07700900003")]
    assert "our ref ATT/00001" in found[0].message and "Cal's attendance" in found[0].message
    with pytest.raises(ServiceError, match="no 'stage2' letters were issued on 20/11/2024"):
        messages.letter_messages(store, TODAY, "stage2")
    risky = [messages.Message("=HYPERLINK(1)", "07700900003", "-2+3", "x")]
    rows = _read(messages.export_messages(store, risky, tmp_path / "r.csv", "Okonjo", "letters"))
    assert rows[1] == ["'=HYPERLINK(1)", "07700900003", "'-2+3"]
    with pytest.raises(ServiceError, match="not a user"):
        messages.export_messages(store, risky, tmp_path / "s.csv", "Stranger", "letters")
