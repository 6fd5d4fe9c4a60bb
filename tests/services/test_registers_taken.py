"""Registers taken (issue 11): the call list and "Registers not yet taken" use the record of each
class register taken, not "any mark in the class". DESIGN.md (lessons from the peers): keep a
"register taken" record per class and session, apart from the marks. 2024 Regulations reg. 10:
the register is taken at the start of the morning session and once during the afternoon."""

from datetime import date

import pytest

from attendance_desk.services.calls import call_list
from attendance_desk.services.imports import import_file
from attendance_desk.services.registers import save_register
from attendance_desk.services.school import ServiceError, add_closure
from tests.helpers import add_pupil, make_school

DAY = date(2024, 9, 10)  # a Tuesday in Autumn 1 2024


@pytest.fixture
def store(tmp_path):
    s = make_school(tmp_path)
    yield s
    s.close()


def test_a_mark_entered_ahead_does_not_take_the_register(store):
    """Class 1C: one pupil pre-marked M (an appointment entered in advance), two unmarked. The two
    are not "no mark" calls, and 1C is listed as not taken."""
    a, b, c = (add_pupil(store, n, reg_group="1C", year_group="1") for n in (1, 2, 3))
    save_register(
        store, "1C", {(a.id, DAY, "AM"): "M"}, {}, "", by="office1", today=date(2024, 9, 9)
    )
    result = call_list(store, DAY, "AM")
    assert result.registers_not_taken == ("1C",)
    assert result.pupil_count == 0
    # the teacher takes the register: / for one, nothing yet for the other - now it is taken and the
    # unmarked pupil is a call
    save_register(store, "1C", {(b.id, DAY, "AM"): "/"}, {}, "", by="teacher1", today=DAY)
    result = call_list(store, DAY, "AM")
    assert result.registers_not_taken == ()
    assert [p.pupil.upn for f in result.families for p in f.pupils] == [c.upn]


def test_an_import_takes_the_registers_it_fills(store, tmp_path):
    a = add_pupil(store, 1, reg_group="4A")
    add_pupil(store, 2, reg_group="4B")
    path = tmp_path / "marks.csv"
    path.write_text(f"upn,date,session,code\n{a.upn},{DAY.isoformat()},AM,N\n", encoding="utf-8")
    report = import_file(store, "marks", path, "office1", DAY)
    assert report.ok
    result = call_list(store, DAY, "AM")
    assert result.registers_not_taken == ("4B",)
    assert [p.pupil.upn for f in result.families for p in f.pupils] == [a.upn]
    assert store.marks.registers_taken(DAY, "AM")["4A"][0] == "office1 (import marks.csv)"


def test_a_closure_on_a_taken_register_is_refused_naming_the_class(store):
    """A closure (#) on a session whose register is taken would hide the marks beside closed cells
    and drop absent pupils off the call list: the marks must be amended, with a reason, first."""
    a = add_pupil(store, 1, reg_group="4A")
    save_register(store, "4A", {(a.id, DAY, "AM"): "N"}, {}, "", by="teacher1", today=DAY)
    with pytest.raises(ServiceError, match="already taken for 4A"):
        add_closure(store, DAY, ("AM", "PM"), "closure", "Heating failure", by="admin")
    assert store.calendar.closures() == [c for c in store.calendar.closures() if c.day != DAY]
    add_closure(
        store, date(2024, 9, 11), ("PM",), "closure", "Heating failure", by="admin"
    )  # not taken: fine
    assert any(c.day == date(2024, 9, 11) for c in store.calendar.closures())


@pytest.mark.file_only(
    "an older version's file upgraded: no server database predates the server option"
)
def test_an_older_file_gets_its_registers_taken_from_its_marks(tmp_path):
    """Files written before registers were recorded on import: the upgrade infers them from the
    marks (a mark entered ahead takes none), so the call list does not call every class untaken."""
    from attendance_desk.store.db import open_store

    store = make_school(tmp_path)
    a = add_pupil(store, 1, reg_group="4A")
    b = add_pupil(store, 2, reg_group="4B")
    from attendance_desk.store.marks import insert_new_marks

    insert_new_marks(
        store,
        [(a.id, DAY.isoformat(), "AM", "N", None), (b.id, DAY.isoformat(), "AM", "M", None)],
        by="old version",
        source="import",
    )
    assert store.marks.registers_taken(DAY, "AM") == {}
    # as a file of the previous version: the last migration not yet applied
    store.conn.execute(
        "DELETE FROM _sqlite_migrations WHERE name = 'm010_registers_taken_inferred'"
    )
    store.conn.execute("PRAGMA user_version = 9")
    store.conn.commit()
    store.close()
    store = open_store(tmp_path / "school.sqlite")
    taken = store.marks.registers_taken(DAY, "AM")
    assert set(taken) == {"4A"} and taken["4A"][0] == "(inferred from the marks)"
    assert call_list(store, DAY, "AM").registers_not_taken == ("4B",)
    store.close()
