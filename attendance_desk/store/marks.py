"""Marks and their history. The only writes are `add_or_amend_many` and `amend`; both keep history
(the triggers in schema.py do so for any other UPDATE too, and refuse DELETE)."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import islice
from typing import TYPE_CHECKING

from attendance_desk.domain.calendar import week_start
from attendance_desk.domain.progress import Progress
from attendance_desk.domain.register import HistoryEntry, Mark, MarkRow
from attendance_desk.presentation import dmy_hm
from attendance_desk.store.chain import last_id, seal
from attendance_desk.store.db import local_text, now_iso, read_time
from attendance_desk.store.dialect import Dialect, dialect

if TYPE_CHECKING:
    from attendance_desk.store.db import Store
    from attendance_desk.store.engine import Executor


PREVIEW_LIMIT = 500
WINDOW_BATCH = 5_000  # 3 parameters a pupil, under SQLite's limit of 32,766


@dataclass(frozen=True)
class WriteResult:
    added: int
    amended: int
    unchanged: int
    changes: list = field(default_factory=list)  # (pupil_id, date, session, old, new), capped


def changed_since(mark: Mark) -> str:
    """Why a change made from an older reading of `mark` is refused: who changed it last and when
    (dd/mm/yyyy hh:mm, this PC's time)."""
    when = dmy_hm(read_time(mark.recorded_at)) if mark.recorded_at else "an unknown time"
    return (
        f"this mark was changed by {mark.recorded_by or 'someone'} at {when} since you opened "
        f"it; reload and try again (it is now {mark.code})"
    )


class StaleMark(Exception):
    """The mark changed since it was read (another user, another PC): reload before amending."""


def _mark_from_row(row: sqlite3.Row) -> Mark:
    return Mark(
        pupil_id=row["pupil_id"],
        date=date.fromisoformat(row["date"]),
        session=row["session"],
        code=row["code"],
        minutes_late=row["minutes_late"],
        comment=row["comment"],
        source=row["source"],
        recorded_by=row["recorded_by"],
        recorded_at=local_text(row["recorded_at"]),
        version=row["version"],
    )


def _era_case(boundaries: Sequence[date], start: date, end: date) -> str:
    """SQL expression giving each mark's code-set index from its date (boundaries are trusted
    dates). Boundaries outside [start, end] are folded away, so a range within one code set
    costs nothing per row."""
    era_at_start = sum(1 for b in boundaries if b <= start)
    inside = [(i, b) for i, b in enumerate(boundaries) if start < b <= end]
    if not inside:
        return str(era_at_start)
    whens = " ".join(f"WHEN date < '{b.isoformat()}' THEN {i}" for i, b in inside)
    return f"CASE {whens} ELSE {inside[-1][0] + 1} END"


@contextmanager
def _counted_by_statement(conn: Executor) -> Iterator[None]:
    """Inside a bulk write, the per-row trigger that counts new marks by week and code stands aside:
    the write counts them itself in one statement, in the same transaction (schema m023). Always
    inside a `Store.write()`: on an error that write (or its savepoint) is rolled back, the switch
    with it, so nothing runs after the error (PostgreSQL refuses any statement in a transaction
    that failed until it is rolled back). On a server the counts are the owner's, written only by
    the marks' own statement-level triggers (schema_pg m027: the application's role may not write
    them), so the write inserts its new marks in one statement and leaves the counting to them."""
    if counted_by_trigger(conn):
        yield
        return
    conn.execute("INSERT INTO mark_counts_by_statement VALUES (1)")
    yield
    conn.execute("DELETE FROM mark_counts_by_statement")


def counted_by_trigger(conn: Executor) -> bool:
    """True on a server: the counts by week and year are kept by the marks' statement-level
    triggers alone (the owner's functions), never written by the program itself."""
    return getattr(conn, "name", "") == "postgresql"


COUNT_UPSERT = (
    "ON CONFLICT (pupil_id, code, week) DO UPDATE SET n = mark_week_counts.n + excluded.n"
)


def week_cut(lo: date, hi: date) -> tuple[date, date] | None:
    """The whole Monday-to-Sunday weeks inside [lo, hi], as (first Monday, last Monday), or None."""
    first = lo + timedelta(days=(7 - lo.weekday()) % 7)
    last_sunday = hi - timedelta(days=(hi.weekday() + 1) % 7)
    if first + timedelta(days=6) > last_sunday:
        return None
    return first, last_sunday - timedelta(days=6)


def year_of_week(monday: date) -> int:
    """The academic year (by its first September) a Monday-to-Sunday week belongs to: the year of
    its Thursday, as schema.YEAR_OF_WEEK, so each year is a run of whole weeks."""
    thursday = monday + timedelta(days=3)
    return thursday.year - (thursday.month < 9)


def year_days(year: int) -> tuple[date, date]:
    """The first day (a Monday) and the last (a Sunday) of the weeks that belong to academic year
    `year` (`year_of_week`)."""

    def first_monday(y: int) -> date:
        monday = week_start(date(y, 9, 1))
        return monday if year_of_week(monday) == y else monday + timedelta(days=7)

    return first_monday(year), first_monday(year + 1) - timedelta(days=1)


def _era_parts(
    start: date, end: date, era_boundaries: Sequence[date]
) -> Iterator[tuple[int, date, date]]:
    """[start, end] cut at the code-set boundaries: (the code set's index, first day, last day)."""
    cuts = sorted({start, *(b for b in era_boundaries if start < b <= end)})
    for i, lo in enumerate(cuts):
        hi = cuts[i + 1] - timedelta(days=1) if i + 1 < len(cuts) else end
        yield sum(1 for b in era_boundaries if b <= lo), lo, hi


def _spans(
    start: date, end: date, era_boundaries: Sequence[date]
) -> Iterator[tuple[int, tuple[date, date] | None, list[tuple[date, date]]]]:
    """[start, end] cut at the code-set boundaries: for each part, its code set's index, its whole
    Monday-to-Sunday weeks (first and last Monday, or None) and the day ranges left over (read from
    the marks themselves)."""
    for era, lo, hi in _era_parts(start, end, era_boundaries):
        weeks = week_cut(lo, hi)
        if weeks is None:
            yield era, None, [(lo, hi)]
        else:
            first, last = weeks
            edges = [(lo, first - timedelta(days=1)), (last + timedelta(days=7), hi)]
            yield era, weeks, [(a, b) for a, b in edges if a <= b]


class MarkRepo:
    def __init__(self, store: Store):
        self.store = store

    @property
    def _sql(self) -> Dialect:
        """The engine's spelling of what differs (store/dialect.py)."""
        return dialect(self.store.engine)

    # ---- reading -------------------------------------------------------------------------
    def get(self, pupil_id: int, day: date, session: str) -> Mark | None:
        rows = self.store.query(
            "SELECT * FROM marks WHERE pupil_id = ? AND date = ? AND session = ?",
            (pupil_id, day.isoformat(), session),
        )
        return _mark_from_row(rows[0]) if rows else None

    def for_pupil(self, pupil_id: int, start: date, end: date) -> list[Mark]:
        rows = self.store.query(
            "SELECT * FROM marks WHERE pupil_id = ? AND date BETWEEN ? AND ? ORDER BY date, session",
            (pupil_id, start.isoformat(), end.isoformat()),
        )
        return [_mark_from_row(r) for r in rows]

    def for_session(self, day: date, session: str) -> dict[int, str]:
        rows = self.store.query(
            "SELECT pupil_id, code FROM marks WHERE date = ? AND session = ?",
            (day.isoformat(), session),
        )
        return {r[0]: r[1] for r in rows}

    def codes_between(
        self, start: date, end: date, pupil_ids: Iterable[int]
    ) -> dict[int, dict[date, list[str]]]:
        """Codes per pupil per day for a few pupils (the call list's look-back)."""
        result: dict[int, dict[date, list[str]]] = {}
        for pid in pupil_ids:
            days = result.setdefault(pid, {})
            for row in self.store.query(
                "SELECT date, code FROM marks WHERE pupil_id = ? AND date BETWEEN ? AND ?",
                (pid, start.isoformat(), end.isoformat()),
            ):
                days.setdefault(date.fromisoformat(row[0]), []).append(row[1])
        return result

    def code_counts(
        self,
        start: date,
        end: date,
        era_boundaries: Sequence[date],
        pupil_ids: Sequence[int] | None = None,
    ) -> list[tuple[int, int, str, int]]:
        """(pupil_id, era, code, sessions) for every pupil's marks in [start, end] (or those of
        `pupil_ids`): the whole-school aggregate, the plain GROUP BY pupil_id, code within each code
        set, read from two summaries kept by the marks' own transactions. For each school year the
        range touches: the year's counts (`mark_year_counts`, one row a pupil and code) less the
        days of that year outside the range, when those hold fewer days of marks than the range
        (the year to date: none after today); otherwise the range's whole weeks from
        `mark_week_counts`. The days of a week cut by the range or by a code-set boundary are read
        from the marks."""
        ids = None if pupil_ids is None else json.dumps(sorted(pupil_ids))
        # each pupil's weeks read code by code, in the key's order, so no sort is needed
        codes = self.codes_in_use() if ids is not None else None
        rows: list[tuple[int, int, str, int]] = []
        for era, lo, hi in _era_parts(start, end, era_boundaries):
            for year in range(year_of_week(week_start(lo)), year_of_week(week_start(hi)) + 1):
                first, last = year_days(year)
                a, b = max(lo, first), min(hi, last)
                outside = [
                    marked
                    for p, q in ((first, a - timedelta(days=1)), (b + timedelta(days=1), last))
                    if p <= q and (marked := self._marked(p, q)) is not None
                ]
                if sum((q - p).days + 1 for p, q in outside) < (b - a).days + 1:
                    rows += self._year_less(year, outside, era, ids, codes)
                else:
                    rows += self._by_weeks(a, b, era, ids, codes)
        return rows

    def _by_weeks(
        self, lo: date, hi: date, era: int, ids: str | None, codes: list[str] | None
    ) -> list[tuple[int, int, str, int]]:
        """The counts of [lo, hi]: its whole weeks from `mark_week_counts`, the days of a week cut
        by the range from the marks."""
        rows: list[tuple[int, int, str, int]] = []
        for _, weeks, edges in _spans(lo, hi, ()):
            if weeks is not None:
                rows += self._counts("mark_week_counts", "SUM(n)", "week", *weeks, era, ids, codes)
            for a, b in edges:
                rows += self._counts("marks", "COUNT(*)", "date", a, b, era, ids)
        return rows

    def _year_less(
        self,
        year: int,
        outside: list[tuple[date, date]],
        era: int,
        ids: str | None,
        codes: list[str] | None,
    ) -> list[tuple[int, int, str, int]]:
        """An academic year's counts (`mark_year_counts`, one row a pupil and code) less those of
        the days of that year outside the range (none, for the year to date)."""
        less: Counter[tuple[int, str]] = Counter()
        for p, q in outside:
            for pid, _, code, n in self._by_weeks(p, q, era, ids, codes):
                less[(pid, code)] += n
        who = f"pupil_id IN ({self._sql.json_ids}) AND " if ids is not None else ""
        read = self.store.execute(
            f"SELECT pupil_id, code, n FROM mark_year_counts WHERE {who}year = ?",
            [ids, year] if ids is not None else [year],
        )
        if not less:
            return [(pid, era, code, n) for pid, code, n in read]
        return [
            (pid, era, code, left)
            for pid, code, n in read
            if (left := n - less.get((pid, code), 0))
        ]

    def _marked(self, first: date, last: date) -> tuple[date, date] | None:
        """The first and last days in [first, last] that hold a mark (two seeks of the date index),
        or None if none does."""
        bounds = (first.isoformat(), last.isoformat())
        low = self.store.execute(
            "SELECT date FROM marks WHERE date BETWEEN ? AND ? ORDER BY date LIMIT 1", bounds
        ).fetchone()
        if low is None:
            return None
        high = self.store.execute(
            "SELECT date FROM marks WHERE date BETWEEN ? AND ? ORDER BY date DESC LIMIT 1", bounds
        ).fetchone()
        return date.fromisoformat(low[0]), date.fromisoformat(high[0])

    def school_week_counts(
        self, start: date, end: date, era_boundaries: Sequence[date]
    ) -> list[tuple[str, int, str, int]]:
        """(Monday as ISO text, era, code, marks) for the whole school, week by week over [start,
        end]: the whole weeks from `mark_week_counts` in one pass, the days of a week cut by the
        range or by a code-set change from the marks."""
        rows: list[tuple[str, int, str, int]] = []
        week = self._sql.week_of("date")
        for era, weeks, edges in _spans(start, end, era_boundaries):
            if weeks is not None:
                rows += [
                    (monday, era, code, n)
                    for monday, code, n in self.store.execute(
                        "SELECT week, code, SUM(n) FROM mark_week_counts WHERE week BETWEEN ? AND ? "
                        "GROUP BY week, code",
                        (weeks[0].isoformat(), weeks[1].isoformat()),
                    )
                ]
            for a, b in edges:
                rows += [
                    (monday, era, code, n)
                    for monday, code, n in self.store.execute(
                        f"SELECT {week}, code, COUNT(*) FROM marks WHERE date BETWEEN ? AND ? "
                        "GROUP BY 1, 2",
                        (a.isoformat(), b.isoformat()),
                    )
                ]
        return rows

    def _counts(
        self,
        table: str,
        total: str,
        key: str,
        lo: date,
        hi: date,
        era: int,
        ids: str | None,
        codes: list[str] | None = None,
    ) -> list[tuple[int, int, str, int]]:
        """One grouped read of `table` by pupil and code; pupils given by id are read by key."""
        who = "" if ids is None else f"pupil_id IN ({self._sql.json_ids}) AND "
        params = [] if ids is None else [ids]
        if codes:
            who += f"code IN ({','.join('?' * len(codes))}) AND "
            params += codes
        params += [lo.isoformat(), hi.isoformat()]
        return [
            (pid, era, code, n)
            for pid, code, n in self.store.execute(
                f"SELECT pupil_id, code, {total} FROM {table} WHERE {who}{key} BETWEEN ? AND ? "
                "GROUP BY pupil_id, code",
                params,
            )
        ]

    def codes_in_use(self) -> list[str]:
        """Every code used in the marks, in order: one seek of marks_by_code per code, not a scan."""
        found: list[str] = []
        while True:
            row = self.store.execute(
                "SELECT code FROM marks WHERE code > ? ORDER BY code LIMIT 1"
                if found
                else "SELECT code FROM marks ORDER BY code LIMIT 1",
                found[-1:],
            ).fetchone()
            if row is None:
                return found
            found.append(row[0])

    def counting_set_aside(self) -> bool:
        """True if the switch that sets the week-counting trigger aside is on outside a bulk write
        (only an edit outside the app can leave it so)."""
        return bool(self.store.execute("SELECT 1 FROM mark_counts_by_statement").fetchone())

    def week_count_drift(self) -> list[tuple[int, str, str, int, int]]:
        """(pupil_id, week, code, counted, kept) wherever `mark_week_counts` differs from the marks
        recounted: empty unless the file was edited outside the app. For `check --full`: both are
        read in (pupil, code, week) order and merged, one pass each (a lookup of the marks for each
        kept count took minutes on a large file)."""
        week = self._sql.week_of("date")
        counted = iter(
            self.store.execute(
                f"SELECT pupil_id, code, {week} AS w, COUNT(*) FROM marks "
                "GROUP BY pupil_id, code, w ORDER BY pupil_id, code, w"
            )
        )
        kept = iter(
            self.store.execute(
                "SELECT pupil_id, code, week, n FROM mark_week_counts ORDER BY pupil_id, code, week"
            )
        )
        drift: list[tuple[int, str, str, int, int]] = []
        a, b = next(counted, None), next(kept, None)
        while a is not None or b is not None:
            if b is None or (a is not None and tuple(a[:3]) < tuple(b[:3])):
                drift.append((a[0], a[2], a[1], a[3], 0))
                a = next(counted, None)
            elif a is None or tuple(b[:3]) < tuple(a[:3]):
                drift.append((b[0], b[2], b[1], 0, b[3]))
                b = next(kept, None)
            else:
                if a[3] != b[3]:
                    drift.append((a[0], a[2], a[1], a[3], b[3]))
                a, b = next(counted, None), next(kept, None)
        return drift

    def year_count_drift(self) -> list[tuple[int, int, str, int, int]]:
        """(pupil_id, academic year, code, counted, kept) wherever `mark_year_counts` differs from
        the counts by week summed by year: empty unless the file was edited outside the app (with
        `week_count_drift`, the counts by year are checked against the marks themselves)."""
        year = self._sql.year_of("week")
        return [
            tuple(r)
            for r in self.store.execute(
                f"WITH c AS MATERIALIZED (SELECT pupil_id, {year} AS year, code, SUM(n) AS n "
                "FROM mark_week_counts GROUP BY 1, 2, 3) "
                "SELECT c.pupil_id, c.year, c.code, c.n, COALESCE(y.n, 0) FROM c "
                f"LEFT JOIN mark_year_counts y USING (pupil_id, year, code) WHERE y.n {self._sql.is_not} c.n "
                "UNION ALL SELECT y.pupil_id, y.year, y.code, 0, y.n FROM mark_year_counts y "
                "LEFT JOIN c USING (pupil_id, year, code) WHERE c.n IS NULL ORDER BY 1, 2, 3"
            )
        ]

    def with_codes(
        self, start: date, end: date, codes: Iterable[str]
    ) -> list[tuple[int, date, str]]:
        """(pupil_id, date, code) of marks with one of `codes` (the unauthorised ones, for the
        penalty-notice window): a few per cent of all marks, read through marks_by_code."""
        codes = sorted(codes)
        listed = ",".join("?" * len(codes))
        rows = self.store.query(
            f"SELECT pupil_id, date, code FROM marks WHERE date BETWEEN ? AND ? AND code IN ({listed})",
            [start.isoformat(), end.isoformat(), *codes],
        )
        return [(r[0], date.fromisoformat(r[1]), r[2]) for r in rows]

    def per_week(
        self,
        start: date,
        end: date,
        codes: Iterable[str],
        windows: dict[int, tuple[date, date]] | None = None,
        pupil_ids: Sequence[int] | None = None,
    ) -> list[tuple[int, str, int]]:
        """(pupil_id, Monday of the week as ISO text, marks) with one of `codes`, counted in SQL by
        calendar week; every pupil over [start, end] (or those of `pupil_ids`, whose whole weeks are
        read from the counts by week), or each pupil of `windows` over their own dates.
        For codes whose category does not depend on the date (the unauthorised G, N, O, U)."""
        codes = sorted(codes)
        listed = ",".join("?" * len(codes))
        week = self._sql.week_of("m.date")  # the Monday, worked out in SQL
        whole = week_cut(start, end) if windows is None and pupil_ids is not None else None
        if whole is not None:  # whole weeks from the counts by week; the days after, from the marks
            first, last = whole
            rows = self.store.execute(
                "SELECT pupil_id, week, SUM(n) FROM mark_week_counts WHERE pupil_id IN "
                f"({self._sql.json_ids}) AND code IN ({listed}) AND week BETWEEN ? AND ? "
                "GROUP BY pupil_id, week",
                [json.dumps(sorted(pupil_ids)), *codes, first.isoformat(), last.isoformat()],
            ).fetchall()
            before, after = first - timedelta(days=1), last + timedelta(days=7)
            for lo, hi in ((start, before), (after, end)):
                if lo <= hi:
                    kept = set(pupil_ids)
                    rows += [r for r in self.per_week(lo, hi, codes) if r[0] in kept]
            return rows
        if windows is None:
            return self.store.execute(
                f"SELECT m.pupil_id, {week}, COUNT(*) FROM marks m WHERE m.date BETWEEN ? AND ? "
                f"AND m.code IN ({listed}) GROUP BY 1, 2",
                [start.isoformat(), end.isoformat(), *codes],
            ).fetchall()
        rows = []
        for cte, params in self._windows(windows):
            rows += self.store.execute(
                f"{cte}SELECT m.pupil_id, {week}, COUNT(*) FROM w {self._sql.cross_join} marks m "
                f"ON m.pupil_id = w.pupil_id AND m.date BETWEEN w.first AND w.last "
                f"WHERE m.code IN ({listed}) GROUP BY 1, 2",
                [*params, *codes],
            ).fetchall()
        return rows

    def _windows(self, windows: dict[int, tuple[date, date]]):
        """The pupils' date windows as a VALUES list, in batches (a read must not write, not even to
        a temporary table: that would open a transaction the next write would nest inside)."""
        items = sorted(windows.items())
        row = f"({self._sql.id_param}, ?, ?)"
        for i in range(0, len(items), WINDOW_BATCH):
            chunk = items[i : i + WINDOW_BATCH]
            values = ",".join(row for _ in chunk)
            params = [x for pid, (a, b) in chunk for x in (pid, a.isoformat(), b.isoformat())]
            yield f"WITH w(pupil_id, first, last) AS (VALUES {values}) ", params

    def code_counts_within(
        self, windows: dict[int, tuple[date, date]], era_boundaries: Sequence[date]
    ) -> list[tuple[int, int, str, int]]:
        """The same aggregate for some pupils, each over their own dates (e.g. admitted mid-year).
        CROSS JOIN keeps the windows as the outer loop, so each pupil is read by primary key."""
        if not windows:
            return []
        start, end = min(a for a, _ in windows.values()), max(b for _, b in windows.values())
        era = _era_case(era_boundaries, start, end)
        rows = []
        for cte, params in self._windows(windows):
            rows += [
                tuple(r)
                for r in self.store.query(
                    f"{cte}SELECT m.pupil_id, {era} AS era, m.code, COUNT(*) FROM w {self._sql.cross_join} marks m "
                    "ON m.pupil_id = w.pupil_id AND m.date BETWEEN w.first AND w.last "
                    "GROUP BY m.pupil_id, era, m.code",
                    params,
                )
            ]
        return rows

    def with_codes_within(
        self, windows: dict[int, tuple[date, date]], codes: Iterable[str]
    ) -> list[tuple[int, date, str]]:
        if not windows:
            return []
        codes = sorted(codes)
        listed = ",".join("?" * len(codes))
        rows = []
        for cte, params in self._windows(windows):
            rows += self.store.query(
                f"{cte}SELECT m.pupil_id, m.date, m.code FROM w {self._sql.cross_join} marks m "
                f"ON m.pupil_id = w.pupil_id AND m.date BETWEEN w.first AND w.last WHERE m.code IN ({listed})",
                [*params, *codes],
            )
        return [(r[0], date.fromisoformat(r[1]), r[2]) for r in rows]

    def late_counts(self, start: date, end: date) -> list[tuple[int, int, int, int]]:
        """(pupil_id, L count, U count, minutes late) for pupils with a late arrival in [start, end]."""
        late, after_close = (self._sql.true_count(f"code = '{c}'") for c in "LU")
        return [
            tuple(r)
            for r in self.store.query(
                f"SELECT pupil_id, {late}, {after_close}, COALESCE(SUM(minutes_late), 0) FROM marks "
                "WHERE date BETWEEN ? AND ? AND code IN ('L', 'U') GROUP BY pupil_id",
                (start.isoformat(), end.isoformat()),
            )
        ]

    def count_on_sessions(
        self, sessions: Sequence[tuple[date, str]], pupil_ids: Sequence[int] | None = None
    ) -> list[tuple[int, int]]:
        """(pupil_id, number of marks) on these sessions, counted in SQL (closure days carry a mark
        for every pupil: no row is built for each)."""
        if not sessions or (pupil_ids is not None and not pupil_ids):
            return []
        totals: dict[int, int] = {}
        for i in range(0, len(sessions), 400):
            chunk = sessions[i : i + 400]
            days = sorted({d.isoformat() for d, _ in chunk})
            keys = [f"{d.isoformat()}{s}" for d, s in chunk]
            sql = (
                f"SELECT pupil_id, COUNT(*) FROM marks WHERE date IN ({','.join('?' * len(days))}) "
                f"AND date || session IN ({','.join('?' * len(keys))})"
            )
            params: list = [*days, *keys]
            if pupil_ids is not None:
                sql += f" AND pupil_id IN ({','.join('?' * len(pupil_ids))})"
                params += list(pupil_ids)
            for pid, n in self.store.query(sql + " GROUP BY pupil_id", params):
                totals[pid] = totals.get(pid, 0) + n
        return list(totals.items())

    def marks_on_days(
        self, days: Sequence[date], pupil_ids: Sequence[int] | None = None
    ) -> list[tuple[int, date, str]]:
        """(pupil_id, date, session) of the marks on these days (weekends, closures, sessions not
        yet due: few marks), through the date index; for some pupils only if `pupil_ids` is given."""
        if pupil_ids is not None and not pupil_ids:
            return []
        rows: list = []
        for i in range(0, len(days), 500):
            chunk = [d.isoformat() for d in days[i : i + 500]]
            sql = f"SELECT pupil_id, date, session FROM marks WHERE date IN ({','.join('?' * len(chunk))})"
            params: list = chunk
            if pupil_ids is not None:
                for j in range(0, len(pupil_ids), 500):
                    ids = list(pupil_ids[j : j + 500])
                    rows += self.store.query(
                        sql + f" AND pupil_id IN ({','.join('?' * len(ids))})", [*params, *ids]
                    )
            else:
                rows += self.store.query(sql, params)
        return [(r[0], date.fromisoformat(r[1]), r[2]) for r in rows]

    def sessions_marked(
        self, start: date, end: date, except_codes: Iterable[str]
    ) -> set[tuple[date, str]]:
        """Sessions on which at least one pupil has a mark other than `except_codes` (closures)."""
        codes = sorted(except_codes)
        marks = ",".join("?" * len(codes)) or "''"
        rows = self.store.query(
            f"SELECT DISTINCT date, session FROM marks WHERE date BETWEEN ? AND ? "
            f"AND code NOT IN ({marks})",
            [start.isoformat(), end.isoformat(), *codes],
        )
        return {(date.fromisoformat(r[0]), r[1]) for r in rows}

    def date_range(self) -> tuple[date, date] | None:
        row = self.store.query("SELECT MIN(date), MAX(date) FROM marks")[0]
        return (date.fromisoformat(row[0]), date.fromisoformat(row[1])) if row[0] else None

    def count(self) -> int:
        return self.store.query("SELECT COUNT(*) FROM marks")[0][0]

    def history(self, pupil_id: int, day: date | None = None) -> list[HistoryEntry]:
        sql = "SELECT * FROM mark_history WHERE pupil_id = ?"
        params: list = [pupil_id]
        if day is not None:
            sql += " AND date = ?"
            params.append(day.isoformat())
        rows = self.store.query(sql + " ORDER BY date, session, id", params)
        return [
            HistoryEntry(
                pupil_id=r["pupil_id"],
                date=date.fromisoformat(r["date"]),
                session=r["session"],
                old_code=r["old_code"],
                new_code=r["new_code"],
                old_minutes_late=r["old_minutes_late"],
                new_minutes_late=r["new_minutes_late"],
                old_recorded_by=r["old_recorded_by"],
                old_recorded_at=local_text(r["old_recorded_at"]),
                reason=r["reason"],
                changed_by=r["changed_by"],
                changed_at=local_text(r["changed_at"]),
                direct=bool(r["direct"]),
            )
            for r in rows
        ]

    # ---- writing -------------------------------------------------------------------------
    def amend(
        self,
        pupil_id: int,
        day: date,
        session: str,
        code: str,
        minutes_late: int | None,
        reason: str,
        by: str,
        expected_version: int | None = None,
    ) -> Mark:
        """Change one existing mark; history keeps the old entry. Refused if someone else changed
        it since `expected_version` was read."""
        if not reason.strip():
            raise ValueError("an amendment needs a reason")
        with self.store.write():
            after = last_id(self.store.engine, "mark_history")
            current = self.get(pupil_id, day, session)
            if current is None:
                raise KeyError("there is no mark to amend for that session")
            if expected_version is not None and current.version != expected_version:
                raise StaleMark(changed_since(current))
            self.store.execute(
                "UPDATE marks SET code = ?, minutes_late = ?, amend_reason = ?, recorded_by = ?, "
                "recorded_at = ?, source = 'amendment', version = version + 1 "
                "WHERE pupil_id = ? AND date = ? AND session = ?",
                (code, minutes_late, reason, by, now_iso(), pupil_id, day.isoformat(), session),
            )
            seal(self.store.engine, "mark_history", after)
            return self.get(pupil_id, day, session)

    def add_or_amend_many(
        self,
        marks: Iterable[MarkRow],
        by: str,
        source: str,
        reason: str,
        progress: Progress | None = None,
        total: int = 0,
        preview: bool = False,
    ) -> WriteResult:
        """Add marks for empty sessions and amend those whose code differs (history keeps the old
        entry, with `reason`). Identical marks are left alone, so re-importing changes nothing;
        a missing minutes_late keeps the minutes already recorded for the same code.
        Runs inside the caller's transaction if there is one."""
        conn = self.store.engine
        sql = dialect(conn)
        incoming, is_not = f"{sql.temp}.incoming", sql.is_not
        stamp = now_iso()
        with self.store.write():
            after = last_id(conn, "mark_history")
            # Incoming rows are unique per session (the importer checks): a plain heap table is
            # enough, and inserting into marks in key order keeps the B-tree writes sequential.
            count = _load_incoming(conn, marks, progress, total)
            changes = []
            if preview:  # what an amendment would replace, for a dry run (capped for display)
                changes = [
                    tuple(r)
                    for r in conn.execute(
                        f"SELECT m.pupil_id, m.date, m.session, m.code, i.code FROM {incoming} AS i "
                        "JOIN marks m ON m.pupil_id = i.pupil_id AND m.date = i.date AND m.session = i.session "
                        f"WHERE m.code {is_not} i.code ORDER BY m.pupil_id, m.date, m.session LIMIT ?",
                        (PREVIEW_LIMIT,),
                    )
                ]
            amended = conn.execute(
                f"UPDATE marks SET code = i.code, minutes_late = CASE WHEN marks.code {is_not} i.code "
                "THEN i.minutes_late ELSE COALESCE(i.minutes_late, marks.minutes_late) END, amend_reason = ?, "
                "recorded_by = ?, recorded_at = ?, source = ?, version = marks.version + 1 "
                f"FROM {incoming} AS i WHERE marks.pupil_id = i.pupil_id AND marks.date = i.date "
                "AND marks.session = i.session "
                f"AND (marks.code {is_not} i.code OR "
                f"(i.minutes_late IS NOT NULL AND marks.minutes_late {is_not} i.minutes_late))",
                (reason, by, stamp, source),
            ).rowcount
            if amended:
                seal(conn, "mark_history", after)
            new = (
                f"FROM {incoming} AS i WHERE NOT EXISTS (SELECT 1 FROM marks m WHERE "
                "m.pupil_id = i.pupil_id AND m.date = i.date AND m.session = i.session)"
            )
            with _counted_by_statement(conn):
                if not counted_by_trigger(conn):
                    conn.execute(
                        "INSERT INTO mark_week_counts (pupil_id, week, code, n) SELECT i.pupil_id, "
                        f"{sql.week_of('i.date')}, i.code, COUNT(*) {new} GROUP BY 1, 2, 3 "
                        + COUNT_UPSERT
                    )
                added = conn.execute(
                    "INSERT INTO marks (pupil_id, date, session, code, minutes_late, source, "
                    "recorded_by, recorded_at) SELECT i.pupil_id, i.date, i.session, i.code, "
                    f"i.minutes_late, ?, ?, ? {new} ORDER BY i.pupil_id, i.date, i.session",
                    (source, by, stamp),
                ).rowcount
            conn.execute(f"DELETE FROM {incoming}")
        return WriteResult(
            added=added, amended=amended, unchanged=count - added - amended, changes=changes
        )

    def preview_many(
        self, marks: Iterable[MarkRow], progress: Progress | None = None, total: int = 0
    ) -> WriteResult:
        """What `add_or_amend_many` would do, without taking the write lock: the rows go into a
        TEMP table (the connection's own, not the school file) and are compared with the marks by
        reads only, so a dry run never keeps anyone else from saving."""
        conn = self.store.engine
        sql = dialect(conn)
        incoming, is_not = f"{sql.temp}.incoming", sql.is_not
        if conn.in_transaction:
            raise RuntimeError("preview_many is a read: call it outside a write transaction")
        try:
            count = _load_incoming(conn, marks, progress, total)
            changes = [
                tuple(r)
                for r in conn.execute(
                    f"SELECT m.pupil_id, m.date, m.session, m.code, i.code FROM {incoming} AS i "
                    "JOIN marks m ON m.pupil_id = i.pupil_id AND m.date = i.date AND m.session = i.session "
                    f"WHERE m.code {is_not} i.code ORDER BY m.pupil_id, m.date, m.session LIMIT ?",
                    (PREVIEW_LIMIT,),
                )
            ]
            differs = sql.true_count(
                f"m.code {is_not} i.code OR (i.minutes_late IS NOT NULL AND "
                f"m.minutes_late {is_not} i.minutes_late)"
            )
            amended, existing = conn.execute(
                f"SELECT COALESCE({differs}, 0), COUNT(*) FROM {incoming} AS i JOIN marks m "
                "ON m.pupil_id = i.pupil_id AND m.date = i.date AND m.session = i.session"
            ).fetchone()
            conn.execute(f"DELETE FROM {incoming}")
        finally:
            if conn.in_transaction:
                conn.commit()  # ends the implicit transaction on the temp table; the school file is untouched
        added = count - existing
        return WriteResult(
            added=added, amended=amended, unchanged=count - added - amended, changes=changes
        )

    def record_register_taken(self, reg_group: str, day: date, session: str, by: str) -> None:
        with self.store.write() as db:
            db.execute(
                "INSERT INTO registers_taken(reg_group, date, session, taken_by, taken_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (reg_group, day.isoformat(), session, by, now_iso()),
            )

    def record_registers_taken_from_marks(
        self, start: date, end: date, taking_codes: Iterable[str], by: str
    ) -> int:
        """Record as taken every class register in [start, end] that has a mark recorded when a
        register is taken (not one entered ahead) and no record yet: marks that arrive by import."""
        with self.store.write():
            return record_registers_taken_from_marks(
                self.store.engine, start.isoformat(), end.isoformat(), taking_codes, by, now_iso()
            )

    def registers_taken(self, day: date, session: str) -> dict[str, tuple[str, str]]:
        """Classes whose register was taken for the session: reg group -> (first taken by, at)."""
        rows = self.store.query(
            "SELECT reg_group, taken_by, taken_at FROM registers_taken WHERE date = ? AND session = ? "
            "ORDER BY id",
            (day.isoformat(), session),
        )
        taken: dict[str, tuple[str, str]] = {}
        for group, who, at in rows:
            taken.setdefault(group, (who, local_text(at)))
        return taken

    def registers_taken_between(self, start: date, end: date) -> dict[tuple[date, str], set[str]]:
        rows = self.store.query(
            "SELECT DISTINCT date, session, reg_group FROM registers_taken WHERE date BETWEEN ? AND ?",
            (start.isoformat(), end.isoformat()),
        )
        result: dict[tuple[date, str], set[str]] = {}
        for day, session, group in rows:
            result.setdefault((date.fromisoformat(day), session), set()).add(group)
        return result

    def history_chain_problems(self) -> list[str]:
        """Each mark's history must chain: old code = previous new code; last new code = mark now."""
        problems = []
        previous: dict[tuple, str] = {}
        for r in self.store.query(
            "SELECT pupil_id, date, session, old_code, new_code, id FROM mark_history "
            "ORDER BY pupil_id, date, session, id"
        ):
            key = (r[0], r[1], r[2])
            if key in previous and previous[key] != r[3]:
                problems.append(
                    f"history entry {r[5]} for pupil {r[0]} {r[1]} {r[2]}: old code {r[3]} "
                    f"does not follow the previous new code {previous[key]}"
                )
            previous[key] = r[4]
        for (pid, day, session), last in previous.items():
            row = self.store.query(
                "SELECT code FROM marks WHERE pupil_id = ? AND date = ? AND session = ?",
                (pid, day, session),
            )
            if not row:
                problems.append(f"history for pupil {pid} {day} {session} but the mark is missing")
            elif row[0][0] != last:
                problems.append(
                    f"pupil {pid} {day} {session}: mark is {row[0][0]} but its history ends at {last}"
                )
        return problems

    def amended_sessions(
        self, pupil_ids: Sequence[int], start: date, end: date
    ) -> set[tuple[int, date, str]]:
        """Which of these pupils' sessions in [start, end] have been changed since first recorded."""
        if not pupil_ids:
            return set()
        rows = self.store.query(
            f"SELECT DISTINCT pupil_id, date, session FROM mark_history WHERE date BETWEEN ? AND ? "
            f"AND pupil_id IN ({','.join('?' * len(pupil_ids))})",
            [start.isoformat(), end.isoformat(), *pupil_ids],
        )
        return {(r[0], date.fromisoformat(r[1]), r[2]) for r in rows}

    def history_count(self) -> int:
        return self.store.query("SELECT COUNT(*) FROM mark_history")[0][0]

    def direct_changes(self) -> int:
        return self.store.query("SELECT COUNT(*) FROM mark_history WHERE direct = 1")[0][0]


def insert_new_marks(store: Store, rows: Sequence[tuple], by: str, source: str) -> int:
    """Insert marks for sessions that are empty (a register being taken, a new school file).
    Refused, with nothing written, if any of those sessions has a mark now.
    Rows are (pupil_id, iso date, session, code, minutes_late)."""
    stamp = now_iso()
    try:
        if counted_by_trigger(store.engine):  # one statement, counted by its own trigger
            with store.write():
                columns = [list(c) for c in zip(*rows, strict=True)] or [[]] * 5
                store.execute(
                    "INSERT INTO marks (pupil_id, date, session, code, minutes_late, source, "
                    "recorded_by, recorded_at) SELECT p, d, s, c, m, ?, ?, ? FROM unnest("
                    "CAST(? AS BIGINT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), "
                    "CAST(? AS TEXT[]), CAST(? AS INTEGER[])) AS r(p, d, s, c, m)",
                    (source, by, stamp, *columns),
                )
            return len(rows)
        with store.write(), _counted_by_statement(store.engine):
            store.executemany(
                "INSERT INTO marks (pupil_id, date, session, code, minutes_late, source, recorded_by, "
                "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                ((*row, source, by, stamp) for row in rows),
            )
            mondays: dict[str, str] = {}
            counts: Counter[tuple[int, str, str]] = Counter()
            for pid, day, _session, code, *_ in rows:
                monday = mondays.get(day)
                if monday is None:
                    monday = mondays[day] = week_start(date.fromisoformat(day)).isoformat()
                counts[(pid, monday, code)] += 1
            store.executemany(
                f"INSERT INTO mark_week_counts (pupil_id, week, code, n) VALUES (?, ?, ?, ?) {COUNT_UPSERT}",
                ((pid, monday, code, n) for (pid, monday, code), n in counts.items()),
            )
    except store.engine.IntegrityError as exc:
        # a session's mark there already: SQLite's UNIQUE, PostgreSQL's unique_violation (23505)
        if "UNIQUE" not in str(exc) and getattr(exc, "sqlstate", None) != "23505":
            raise
        raise StaleMark(
            "a mark was recorded for one of these sessions by someone else since you "
            "opened the register; reload it and check before saving"
        ) from None
    return len(rows)


def codes_by_session(
    store: Store, pupil_id: int, start: date, end: date
) -> dict[tuple[date, str], str]:
    """One pupil's codes by (date, session): light enough to call for every pupil of a school."""
    rows = store.execute(
        "SELECT date, session, code FROM marks WHERE pupil_id = ? AND date BETWEEN ? AND ?",
        (pupil_id, start.isoformat(), end.isoformat()),
    )
    return {(date.fromisoformat(d), s): c for d, s, c in rows}


def sessions_with_marks(store: Store, start: date, end: date) -> set[tuple[date, str]]:
    rows = store.execute(
        "SELECT DISTINCT date, session FROM marks WHERE date BETWEEN ? AND ?",
        (start.isoformat(), end.isoformat()),
    )
    return {(date.fromisoformat(d), s) for d, s in rows}


INCOMING_COLUMNS = ("pupil_id", "date", "session", "code", "minutes_late")


def _load_incoming(
    conn: Executor, marks: Iterable[MarkRow], progress: Progress | None, total: int
) -> int:
    """The incoming marks into the connection's TEMP table `incoming`, in batches; returns how many."""
    incoming = f"{dialect(conn).temp}.incoming"
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS incoming (pupil_id INTEGER, date TEXT, session TEXT, "
        "code TEXT, minutes_late INTEGER)"
    )
    conn.execute(f"DELETE FROM {incoming}")
    rows = iter(marks)
    count = 0
    copy_in = getattr(conn, "copy_in", None)  # a server: COPY, not one INSERT a row
    while batch := list(islice(rows, 50_000)):
        if copy_in is not None:
            copy_in(incoming, INCOMING_COLUMNS, batch)
        else:
            conn.executemany(f"INSERT INTO {incoming} VALUES (?, ?, ?, ?, ?)", batch)
        count += len(batch)
        if progress:
            progress(count, total or count)
    if dialect(conn).temp == "pg_temp":  # the planner knows nothing of a new table until then
        conn.execute(f"ANALYZE {incoming}")
    return count


def record_registers_taken_from_marks(
    conn: Executor,
    start: str,
    end: str,
    taking_codes: Iterable[str],
    by: str,
    at: str | None,
) -> int:
    """(Also used by the migration that infers the registers taken before they were recorded: with
    `at` None, each register is taken when its first mark was recorded.)"""
    codes = sorted(taking_codes)
    listed = ",".join("?" * len(codes))
    when = "?" if at is not None else "MIN(m.recorded_at)"
    return conn.execute(
        "INSERT INTO registers_taken(reg_group, date, session, taken_by, taken_at) "
        f"SELECT p.reg_group, m.date, m.session, ?, {when} FROM marks m JOIN pupils p ON p.id = m.pupil_id "
        f"WHERE m.date BETWEEN ? AND ? AND m.code IN ({listed}) AND p.reg_group <> '' "
        "AND NOT EXISTS (SELECT 1 FROM registers_taken r WHERE r.reg_group = p.reg_group "
        "AND r.date = m.date AND r.session = m.session) GROUP BY p.reg_group, m.date, m.session",
        [by, *([at] if at is not None else []), start, end, *codes],
    ).rowcount
