"""Hypothesis: any bytes, any grid and any CTF are either imported or refused with problems that
name the file; nothing else escapes, and a refusal writes nothing. What a successful import wrote is
checked too: as many marks as it reports, each a code valid on its day, each from the file (a grid's
cell under a session heading, a CTF's character from its start date on), and importing the same file
again changes nothing."""

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attendance_desk.services.imports import import_file
from attendance_desk.store.resources import default_code_table
from tests.helpers import add_pupil, make_school, upn

TODAY = date(2024, 11, 29)
FAST = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def school(folder):
    store = make_school(folder)
    add_pupil(store, 1)
    return store


def marks_of_pupil_1(store) -> list:
    pupil = store.pupils.by_upn(upn(1))
    return store.marks.for_pupil(pupil.id, date(2000, 1, 1), date(2100, 1, 1))


def check(store, kind, path, came_from=None):
    """Import the file; if refused, nothing was written; if imported, what was written is what the
    report says, valid codes only, from the file (`came_from(mark)` is True), and a second import of
    the same file changes nothing."""
    before = store.marks.count(), store.pupils.count(), store.contacts.count()
    report = import_file(store, kind, path, "fuzz", TODAY)
    if not report.ok:
        assert all(p.file == path.name for p in report.problems)
        assert (store.marks.count(), store.pupils.count(), store.contacts.count()) == before
        return report
    written = marks_of_pupil_1(store)
    if kind == "marks":  # a marks file adds no pupil or contact, and only the marks it counts
        assert (store.pupils.count(), store.contacts.count()) == before[1:]
        assert store.marks.count() == before[0] + report.added
    table = default_code_table()
    for mark in written:
        assert table.category_or_none(mark.code, mark.date) is not None, mark
        assert came_from is None or came_from(mark), mark
    again = import_file(store, kind, path, "fuzz", TODAY)
    assert again.ok and again.added == 0 and again.changed == 0, again.summary()
    assert marks_of_pupil_1(store) == written
    return report


@FAST
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".xlsx", ".xml"]))
def test_any_bytes(tmp_path_factory, data, suffix):
    folder = tmp_path_factory.mktemp("fuzz")
    store = school(folder)
    path = folder / f"file{suffix}"
    path.write_bytes(data)
    check(store, "ctf" if suffix == ".xml" else "marks", path)
    store.close()


cell = st.one_of(
    st.sampled_from(["/", "\\", "N", "I", "-", "", "ZZ", "#", "L"]), st.text(max_size=3)
)
header = st.one_of(
    st.sampled_from(["03/09/2024 AM", "Tue 03/09/2024 PM", "2024-09-04 AM", "Total", "%"]),
    st.text(max_size=12),
)


@FAST
@given(
    headers=st.lists(header, min_size=1, max_size=5),
    rows=st.lists(st.lists(cell, min_size=1, max_size=5), max_size=4),
    ids=st.lists(
        st.sampled_from([upn(1), upn(2), "", "Total", "A801200005001"]), min_size=4, max_size=4
    ),
)
def test_any_grid(tmp_path_factory, headers, rows, ids):
    folder = tmp_path_factory.mktemp("grid")
    store = school(folder)
    lines = ["UPN," + ",".join(h.replace(",", " ") for h in headers)]
    lines += [
        ids[i % 4] + "," + ",".join(c.replace(",", " ") for c in row) for i, row in enumerate(rows)
    ]
    path = folder / "grid.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    columns = {  # the session each heading names, when it names one
        "03/09/2024 AM": (date(2024, 9, 3), "AM"),
        "Tue 03/09/2024 PM": (date(2024, 9, 3), "PM"),
        "2024-09-04 AM": (date(2024, 9, 4), "AM"),
    }
    headed = {columns[h] for h in headers if h in columns}
    cells = {c.strip().upper() for i, row in enumerate(rows) if ids[i % 4] == upn(1) for c in row}

    def from_the_grid(mark) -> bool:
        code = {"\\": "/"}.get(mark.code, mark.code)  # a PM present may be written either way
        return (mark.date, mark.session) in headed and (
            mark.code in cells or code in {c.replace("\\", "/") for c in cells}
        )

    check(store, "marks", path, from_the_grid)
    store.close()


@FAST
@given(
    marks=st.text(alphabet="/\\NILMOU#-!@ Q", max_size=30),
    start=st.dates(date(2023, 9, 1), date(2025, 7, 1)),
    possible=st.one_of(st.just(""), st.integers(0, 40).map(str)),
)
def test_any_ctf_marks(tmp_path_factory, marks, start, possible):
    folder = tmp_path_factory.mktemp("ctf")
    store = school(folder)
    totals = f"<SessionsPossible>{possible}</SessionsPossible>" if possible else ""
    path = folder / "in.xml"
    path.write_text(
        f"""<CTfile><Header><CTFversion>25.0</CTFversion><SourceSchool><Estab>2001</Estab></SourceSchool></Header>
<CTFpupilData><Pupil><UPN>{upn(1)}</UPN><Surname>A</Surname><Forename>B</Forename>
<Attendance><YearData><Estab>2001</Estab>{totals}<AttendSessions><AttendanceStartDate>{start}</AttendanceStartDate>
<AttendanceMarks>{marks.replace("&", "")}</AttendanceMarks></AttendSessions></YearData></Attendance></Pupil></CTFpupilData></CTfile>""",
        encoding="utf-8",
    )
    chars = set(marks) | {"/", "\\"}  # present is "/" in a CTF, written "\\" for a PM
    check(store, "ctf", path, lambda m: m.date >= start and (m.code in chars or len(m.code) == 2))
    assert len(marks_of_pupil_1(store)) <= len(marks.replace(" ", ""))
    store.close()


SESSION_HEADINGS = {
    "03/09/2024 AM": (date(2024, 9, 3), "AM"),
    "Tue 03/09/2024 PM": (date(2024, 9, 3), "PM"),
    "2024-09-04 AM": (date(2024, 9, 4), "AM"),
    "04/09/2024 PM": (date(2024, 9, 4), "PM"),
}


@FAST
@given(
    headings=st.lists(
        st.sampled_from(sorted(SESSION_HEADINGS)), min_size=1, max_size=4, unique=True
    ),
    codes=st.lists(
        st.sampled_from(["/", "N", "I", "L", "M", "O", "B", ""]), min_size=4, max_size=4
    ),
)
def test_a_grid_of_codes_writes_exactly_its_cells(tmp_path_factory, headings, codes):
    """A well-formed grid is imported, and the pupil's marks are then exactly its non-empty cells."""
    folder = tmp_path_factory.mktemp("cells")
    store = school(folder)
    cells = codes[: len(headings)]
    path = folder / "grid.csv"
    path.write_text(f"UPN,{','.join(headings)}\n{upn(1)},{','.join(cells)}\n", encoding="utf-8")
    report = check(store, "marks", path)
    assert report.ok, [p.message for p in report.problems]
    expected = {SESSION_HEADINGS[h]: c for h, c in zip(headings, cells, strict=True) if c}
    assert {(m.date, m.session): m.code for m in marks_of_pupil_1(store)} == expected
    assert report.added == len(expected)
    store.close()
