"""Hypothesis: any bytes, any grid and any CTF are either imported or refused with problems that
name the file; nothing else escapes, and a refusal writes nothing."""

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attendance_desk.services.imports import import_file
from tests.helpers import add_pupil, make_school, upn

TODAY = date(2024, 11, 29)
FAST = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def school(folder):
    store = make_school(folder)
    add_pupil(store, 1)
    return store


def check(store, kind, path):
    before = store.marks.count(), store.pupils.count(), store.contacts.count()
    report = import_file(store, kind, path, "fuzz", TODAY)
    if not report.ok:
        assert all(p.file == path.name for p in report.problems)
        assert (store.marks.count(), store.pupils.count(), store.contacts.count()) == before
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
    check(store, "marks", path)
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
    check(store, "ctf", path)
    store.close()
