"""Hypothesis: whatever a marks file holds, the import either writes all of it or nothing,
and never fails other than with a list of problems."""

import csv
import io
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attendance_desk.importers.tabular import parse_date
from attendance_desk.services.imports import import_file
from tests.helpers import add_pupil, make_school, upn

TODAY = date(2024, 11, 29)
GOOD_DAYS = ["2024-09-03", "2024-09-04", "2024-09-05", "2024-11-12", "12/11/2024"]
cells = {
    "upn": st.one_of(st.sampled_from([upn(1), upn(2)]), st.text(max_size=14)),
    "date": st.one_of(
        st.sampled_from(GOOD_DAYS),
        st.sampled_from(["2024-02-30", "2024-10-29", "31/31/2024", ""]),
        st.text(max_size=10),
    ),
    "session": st.one_of(st.sampled_from(["AM", "PM", "am"]), st.text(max_size=3)),
    "code": st.one_of(
        st.sampled_from(["/", "\\", "N", "I", "L", "H", "J1", "#"]), st.text(max_size=3)
    ),
    "minutes_late": st.one_of(st.just(""), st.integers(0, 30).map(str), st.text(max_size=3)),
}
rows = st.lists(st.fixed_dictionaries(cells), min_size=1, max_size=12)


def to_csv(records) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(cells))
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(records=rows)
def test_marks_import_is_all_or_nothing(tmp_path_factory, records):
    folder = tmp_path_factory.mktemp("prop")
    store = make_school(folder)
    add_pupil(store, 1)
    add_pupil(store, 2)
    path = folder / "marks.csv"
    path.write_text(to_csv(records), encoding="utf-8")
    report = import_file(store, "marks", path, "office1", TODAY)
    if report.ok:
        sessions = {
            (r["upn"].strip().upper(), parse_date(r["date"].strip()), r["session"].strip().upper())
            for r in records
        }
        assert report.added == store.marks.count() == len(sessions)
    else:
        assert store.marks.count() == 0
        assert all(p.file == "marks.csv" and p.message for p in report.problems)
    store.close()
