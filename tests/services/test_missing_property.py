"""Property (issue 11): for random marks, admission dates and closures on a real school file,
every school session on roll is counted once: as possible, as not counted (X, #, …), as an
unknown code, or as missing. So `possible + not_counted + unknown + missing` equals the sessions on
roll while the school met, and missing marks never count as present."""

import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attendance_desk.domain.calendar import Closure, SchoolCalendar, Term
from attendance_desk.services.figures import missing_sessions, pupil_figures
from tests.helpers import add_pupil, make_school, put_marks

TERMS = [
    Term("Autumn 1 2024", date(2024, 9, 2), date(2024, 10, 25)),
    Term("Autumn 2 2024", date(2024, 11, 4), date(2024, 12, 20)),
]
START, END = date(2024, 10, 14), date(2024, 11, 15)  # across the half-term holiday
CODES = ["/", "\\", "L", "N", "I", "X", "#", "U", "V"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    admitted=st.integers(min_value=0, max_value=30),
    closure=st.sampled_from([None, date(2024, 10, 16), date(2024, 11, 12)]),
    marks=st.dictionaries(
        st.tuples(st.integers(min_value=0, max_value=32), st.sampled_from(["AM", "PM"])),
        st.sampled_from(CODES),
        max_size=50,
    ),
)
def test_every_session_on_roll_is_counted_once(admitted, closure, marks):
    closures = [Closure(closure, "closure", "heating")] if closure else []
    calendar = SchoolCalendar(TERMS, closures)
    with tempfile.TemporaryDirectory() as folder:
        store = make_school(Path(folder), terms=TERMS, closures=closures)
        admission = START + timedelta(days=admitted)
        pupil = add_pupil(store, 1, admission_date=admission)
        on_roll = calendar.school_sessions(admission, END)
        # marks only on school sessions on roll (a register cannot be kept for other sessions)
        chosen = {
            (START + timedelta(days=d), s): c
            for (d, s), c in marks.items()
            if (START + timedelta(days=d), s) in set(on_roll)
        }
        put_marks(store, pupil, chosen)
        (row,) = pupil_figures(store, START, END, due=(END, "PM"))
        f = row.figures
        assert f.possible + f.not_counted + f.unknown + f.missing == len(on_roll)
        assert f.missing == len(on_roll) - len(chosen)
        assert f.present == sum(1 for c in chosen.values() if c in "/\\L")
        listed = missing_sessions(store, pupil, START, END, due=(END, "PM"))
        assert sorted(listed) == sorted(set(on_roll) - set(chosen))
        store.close()
