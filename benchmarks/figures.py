"""Whole-school figures against plain SQL, side by side in one run, on the synthetic secondary
school (2,000 pupils, five years): `python benchmarks/figures.py [--keep DIR [--reuse]]`.

What is compared, each the best of seven runs, interleaved, in this one process:
- the service: `pupil_figures` for the year, with everything it now works out (codes by their date,
  the 10-school-week window that looks back before the range, missing marks);
- one hand-written SQL aggregate: `GROUP BY pupil_id, code` over the year's marks (through the
  primary key), the shape of every per-pupil figure;
- the floor: `count(*)` of the year's marks through the date index.
The service's per-pupil possible, attended, authorised and unauthorised sessions are checked equal
to an independent SQL query that classifies the codes itself, so the ratio compares like with like."""

from __future__ import annotations

import argparse
import platform
import sqlite3
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from attendance_desk.domain.calendar import academic_year_bounds, academic_year_of  # noqa: E402
from attendance_desk.domain.codes import Category  # noqa: E402
from attendance_desk.services.demo import build_demo_school  # noqa: E402
from attendance_desk.services.figures import pupil_figures  # noqa: E402
from attendance_desk.store.db import open_store  # noqa: E402
from attendance_desk.store.resources import default_code_table  # noqa: E402


def best(fn, repeat: int = 5):
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def independent(path: Path, start: date, end: date) -> dict[int, tuple[int, int, int, int]]:
    """Per pupil (possible, attended, authorised, unauthorised) straight from SQL, classifying each
    code by the code set in force on its date (one CASE per set)."""
    table = default_code_table()
    parts = []
    for code_set in table.sets:
        lo, hi = max(code_set.valid_from, start), min(code_set.valid_to, end)
        if lo > hi:
            continue

        def listed(category: Category, code_set=code_set) -> str:
            return ",".join(
                f"'{c.code}'" for c in code_set.codes.values() if c.category == category
            )

        parts.append(
            f"SELECT pupil_id, SUM(code IN ({listed(Category.PRESENT)}) OR code IN ({listed(Category.AEA)})), "
            f"SUM(code IN ({listed(Category.AUTHORISED)})), SUM(code IN ({listed(Category.UNAUTHORISED)})) "
            f"FROM marks WHERE date BETWEEN '{lo}' AND '{hi}' GROUP BY pupil_id"
        )
    totals: dict[int, list[int]] = {}
    conn = sqlite3.connect(path)
    for sql in parts:
        for pid, attended, auth, unauth in conn.execute(sql):
            t = totals.setdefault(pid, [0, 0, 0])
            t[0] += attended
            t[1] += auth
            t[2] += unauth
    conn.close()
    return {pid: (a + b + c, a, b, c) for pid, (a, b, c) in totals.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pupils", type=int, default=2000)
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="ad-figures-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "school.sqlite"
    today = date(2026, 7, 17)  # the last day of a full school year
    year = academic_year_of(today)
    if not (args.reuse and path.exists()):
        path.unlink(missing_ok=True)
        first = academic_year_bounds(year - 4)[0]
        t0 = time.perf_counter()
        build_demo_school(
            path, pupils=args.pupils, today=today, seed=42, weeks=(today - first).days // 7 + 1
        ).close()
        print(f"built the synthetic school in {time.perf_counter() - t0:.0f} s (not measured)")
    print(
        f"Machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}"
    )
    store = open_store(path)
    start, end = academic_year_bounds(year)[0], today
    conn = store.conn
    # interleaved, so a busy moment on the machine falls on all three alike; best of seven each
    runs = [
        (
            best(lambda: pupil_figures(store, start, end, due=(end, "PM")), 1),
            best(
                lambda: conn.execute(
                    "SELECT pupil_id, code, COUNT(*) FROM marks WHERE date BETWEEN ? AND ? GROUP BY pupil_id, code",
                    (start.isoformat(), end.isoformat()),
                ).fetchall(),
                1,
            ),
            best(
                lambda: conn.execute(
                    "SELECT COUNT(*) FROM marks INDEXED BY marks_by_date WHERE date BETWEEN ? AND ?",
                    (start.isoformat(), end.isoformat()),
                ).fetchone()[0],
                1,
            ),
        )
        for _ in range(7)
    ]
    service, rows = min((r[0] for r in runs), key=lambda x: x[0])
    aggregate = min(r[1][0] for r in runs)
    floor, marks = min((r[2] for r in runs), key=lambda x: x[0])
    expected = independent(path, start, end)
    disagree = [
        r.pupil.upn
        for r in rows
        if r.start == start
        and r.end == end
        and expected.get(r.pupil.id, (0, 0, 0, 0))
        != (r.figures.possible, r.figures.attended, r.figures.authorised, r.figures.unauthorised)
    ]
    print(
        f"pupils {len(rows):,}; marks in the year {marks:,}; missing marks {sum(r.figures.missing for r in rows):,}; "
        f"at the penalty threshold {sum(r.penalty_threshold for r in rows)}"
    )
    print(
        f"per-pupil figures equal to the independent SQL: {'yes' if not disagree else 'NO: ' + ', '.join(disagree[:5])}"
    )
    print(f"{'whole-school figures for the year (service)':<52}{service * 1000:>8.0f} ms")
    print(
        f"{'one hand-written SQL aggregate (GROUP BY pupil, code)':<52}{aggregate * 1000:>8.0f} ms   "
        f"ratio {service / aggregate:.2f}x (target <= 1.5x)"
    )
    print(
        f"{'floor: count(*) of the year marks by the date index':<52}{floor * 1000:>8.0f} ms   "
        f"ratio {service / floor:.1f}x"
    )
    store.close()


if __name__ == "__main__":
    main()
