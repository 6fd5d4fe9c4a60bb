"""The few pieces of SQL that differ between the engines (docs/server.md, "The store on two
engines"), for the statements written once for both: each engine's spelling of the same thing, so
the SQLite text stays exactly what it was.

- `is_not`: SQLite's `a IS NOT b` (NULL-safe), PostgreSQL's `a IS DISTINCT FROM b`.
- `week_of(d)`: the Monday of a mark's date as ISO text (schema.WEEK_OF_DATE on the file; the
  `mark_week_of` function of store/schema_pg.py on a server, computing the same).
- `year_of(w)`: the school year of a week's Monday (schema.YEAR_OF_WEEK; `school_year_of_week`).
- `json_ids`: a subquery of the ids in one JSON array parameter (`json_each` on the file,
  `jsonb_array_elements_text` on a server), so a list of any length is one parameter;
  `json_values`: the same as a table in FROM, its column `value`.
- `cross_join`: SQLite's `CROSS JOIN … ON` (the left table kept as the outer loop); a plain
  `JOIN` on PostgreSQL, which has no CROSS JOIN with ON and plans the order itself.
- `id_param`: a parameter that is an id where nothing tells its type (a VALUES list).
- `temp`: the schema of the connection's own temporary tables (`temp`, `pg_temp`).
- `true_count(cond)`: how many rows meet a condition (SQLite sums booleans, PostgreSQL cannot)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from attendance_desk.store.schema import WEEK_OF_DATE, YEAR_OF_WEEK

if TYPE_CHECKING:
    from attendance_desk.store.engine import Executor


@dataclass(frozen=True)
class Dialect:
    is_not: str
    week: str
    year: str
    json_values: str
    cross_join: str
    id_param: str
    temp: str
    true_sum: str

    @property
    def json_ids(self) -> str:
        return f"SELECT value FROM {self.json_values}"

    def week_of(self, d: str) -> str:
        return self.week.format(d=d)

    def year_of(self, w: str) -> str:
        return self.year.format(w=w)

    def true_count(self, condition: str) -> str:
        return self.true_sum.format(c=condition)


SQLITE = Dialect(
    is_not="IS NOT",
    week=WEEK_OF_DATE,
    year=YEAR_OF_WEEK,
    json_values="json_each(?)",
    cross_join="CROSS JOIN",
    id_param="?",
    temp="temp",
    true_sum="SUM({c})",
)
POSTGRESQL = Dialect(
    is_not="IS DISTINCT FROM",
    week="mark_week_of({d})",
    year="school_year_of_week({w})",
    json_values="(SELECT e::bigint AS value FROM jsonb_array_elements_text(CAST(? AS jsonb)) AS j(e)) AS j",
    cross_join="JOIN",
    id_param="CAST(? AS BIGINT)",
    temp="pg_temp",
    true_sum="SUM(CASE WHEN {c} THEN 1 ELSE 0 END)",
)


def dialect(conn: Executor) -> Dialect:
    """The dialect of an engine (or of a bare SQLite connection)."""
    return POSTGRESQL if getattr(conn, "name", "sqlite") == "postgresql" else SQLITE
