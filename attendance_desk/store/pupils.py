"""Pupils: the admission register's people."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import fields
from datetime import date
from typing import TYPE_CHECKING

from attendance_desk.domain.groups import FLAG_FIELDS
from attendance_desk.domain.people import Pupil
from attendance_desk.store.dialect import dialect

if TYPE_CHECKING:
    import sqlite3

    from attendance_desk.store.db import Store


_DATE_FIELDS = ("dob", "admission_date", "leaving_date")
_BOOL_FIELDS = FLAG_FIELDS
COLUMNS = [f.name for f in fields(Pupil)]


_FIELD_NAMES = frozenset(COLUMNS)


def pupil_from_row(row: sqlite3.Row, keys: Sequence[str] | None = None) -> Pupil:
    data = dict(zip(keys if keys is not None else row.keys(), row, strict=True))
    for key in _DATE_FIELDS:
        data[key] = date.fromisoformat(data[key]) if data[key] else None
    for key in _BOOL_FIELDS:
        data[key] = bool(data[key])
    if not data.keys() <= _FIELD_NAMES:
        return Pupil(**data)  # a column Pupil does not have: let the dataclass say which
    # The frozen dataclass's __init__ sets each of its 23 fields through object.__setattr__; filling
    # the instance's dict at once gives the same object in a third of the time, which counts when
    # a whole roll is read for the whole-school figures (fields not in the row keep their defaults).
    pupil = object.__new__(Pupil)
    pupil.__dict__.update(data)
    return pupil


def pupils_from_rows(rows: Sequence[sqlite3.Row]) -> list[Pupil]:
    """Pupils from rows of one query: the column names read once, not for each row (a whole roll is
    read for the whole-school figures)."""
    keys = rows[0].keys() if rows else []
    return [pupil_from_row(r, keys) for r in rows]


def pupil_to_row(pupil: Pupil) -> dict:
    data = {f: getattr(pupil, f) for f in COLUMNS}
    for key in _DATE_FIELDS:
        data[key] = data[key].isoformat() if data[key] else None
    for key in _BOOL_FIELDS:
        data[key] = int(data[key])
    return data


class PupilRepo:
    def __init__(self, store: Store):
        self.store = store

    def all(self) -> list[Pupil]:
        return pupils_from_rows(self.store.query("SELECT * FROM pupils ORDER BY surname, forename"))

    def names(self) -> list[tuple[str, str, str, str]]:
        """(surname, forename, class, UPN) of every pupil in the file: what a search list shows,
        without building a Pupil for each of thousands."""
        return [
            tuple(r)
            for r in self.store.execute(
                "SELECT surname, forename, reg_group, upn FROM pupils ORDER BY surname, forename"
            )
        ]

    def by_upn(self, upn: str) -> Pupil | None:
        rows = self.store.query("SELECT * FROM pupils WHERE upn = ?", (upn,))
        return pupil_from_row(rows[0]) if rows else None

    def by_id(self, pupil_id: int) -> Pupil | None:
        rows = self.store.query("SELECT * FROM pupils WHERE id = ?", (pupil_id,))
        return pupil_from_row(rows[0]) if rows else None

    def ids_by_upn(self) -> dict[str, int]:
        return {r["upn"]: r["id"] for r in self.store.query("SELECT id, upn FROM pupils")}

    def on_roll_between(self, start: date, end: date, reg_group: str | None = None) -> list[Pupil]:
        sql = (
            "SELECT * FROM pupils WHERE (admission_date IS NULL OR admission_date <= ?) "
            "AND (leaving_date IS NULL OR leaving_date >= ?)"
        )
        params: list = [end.isoformat(), start.isoformat()]
        if reg_group is not None:
            sql += " AND reg_group = ?"
            params.append(reg_group)
        return pupils_from_rows(self.store.query(sql + " ORDER BY surname, forename", params))

    def classes_on_roll(self, day: date) -> dict[int, str]:
        """The registration group of each pupil on roll on `day`, by id, without building pupils
        (Today looks at the whole roll's marks but shows only the pupils it has to ring)."""
        rows = self.store.execute(
            "SELECT id, reg_group FROM pupils WHERE (admission_date IS NULL OR admission_date <= ?) "
            "AND (leaving_date IS NULL OR leaving_date >= ?)",
            (day.isoformat(), day.isoformat()),
        )
        return dict(rows.fetchall())

    def by_ids(self, pupil_ids: list[int]) -> list[Pupil]:
        """Some pupils, in the order of on_roll_between (surname, forename)."""
        return pupils_from_rows(
            self.store.query(
                f"SELECT * FROM pupils WHERE id IN ({dialect(self.store.engine).json_ids}) "
                "ORDER BY surname, forename",
                (json.dumps(pupil_ids),),
            )
        )

    def year_groups_on_roll(self, start: date, end: date) -> list[str]:
        """The year groups of the pupils on roll on any day from `start` to `end`."""
        return [
            r[0]
            for r in self.store.execute(
                "SELECT DISTINCT year_group FROM pupils WHERE (admission_date IS NULL OR "
                "admission_date <= ?) AND (leaving_date IS NULL OR leaving_date >= ?)",
                (end.isoformat(), start.isoformat()),
            )
        ]

    def groups(self) -> list[tuple[str, str]]:
        """(year group, registration group) pairs in use."""
        return [
            tuple(r) for r in self.store.query("SELECT DISTINCT year_group, reg_group FROM pupils")
        ]

    def upsert_many(self, pupils: list[Pupil]) -> tuple[int, int]:
        """Add new pupils (by UPN) and update changed ones; returns (added, updated)."""
        existing = {p.upn: p for p in self.all()}
        added = updated = 0
        with self.store.write():
            for pupil in pupils:
                old = existing.get(pupil.upn)
                row = pupil_to_row(pupil)
                if old is None:
                    row.pop("id")
                    self.store.execute(
                        f"INSERT INTO pupils({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                        list(row.values()),
                    )
                    added += 1
                else:
                    row["id"] = old.id
                    if pupil_to_row(old) != row:
                        changed = {k: v for k, v in row.items() if k != "id"}
                        self.store.execute(
                            f"UPDATE pupils SET {', '.join(f'{k} = ?' for k in changed)} "
                            "WHERE id = ?",
                            [*changed.values(), old.id],
                        )
                        updated += 1
        return added, updated

    def count(self) -> int:
        return self.store.query("SELECT COUNT(*) FROM pupils")[0][0]

    def remove(self, pupil_ids: list[int]) -> None:
        """Remove pupils and everything about them, in one transaction (after they were archived)."""
        ids = [(i,) for i in pupil_ids]
        store = self.store
        # on a server the application's role may not delete from the two chains: the owner's
        # function does that part, with its own checks (store/schema_pg.py REMOVE_CHAINED_ROWS)
        by_owner = ("mark_history", "letters") if store.engine.name == "postgresql" else ()
        with self.store.write():
            store.executemany("INSERT INTO removals(pupil_id) VALUES (?)", ids)
            if by_owner:
                store.execute("SELECT remove_chained_rows(CAST(? AS BIGINT[]))", (pupil_ids,))
            for table in (
                "marks",
                "mark_history",
                "letters",
                "casework",
                "stage_events",
                "stage_adjustments",
                "meetings",
                "plans",
                "part_time_reviews",
                "part_time_timetables",
                "medical_evidence",
                "illness_decisions",
                "early_help_offers",
                "leave_requests",
                "penalty_steps",
                "cme_referrals",
                "pupil_contacts",
            ):
                if table not in by_owner:
                    store.executemany(f"DELETE FROM {table} WHERE pupil_id = ?", ids)
            store.executemany("DELETE FROM pupils WHERE id = ?", ids)
            store.execute(
                "DELETE FROM contacts WHERE id NOT IN (SELECT contact_id FROM pupil_contacts)"
            )
            store.execute("DELETE FROM removals")
