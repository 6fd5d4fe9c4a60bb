"""Terms and closures (the calendar as entered)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from attendance_desk.domain.calendar import Closure, Term

if TYPE_CHECKING:
    from attendance_desk.store.db import Store


class CalendarRepo:
    def __init__(self, store: Store):
        self.store = store

    def terms(self) -> list[Term]:
        return [
            Term(r["name"], date.fromisoformat(r["start_date"]), date.fromisoformat(r["end_date"]))
            for r in self.store.query("SELECT * FROM terms ORDER BY start_date")
        ]

    def closures(self) -> list[Closure]:
        return [
            Closure(
                day=date.fromisoformat(r["date"]),
                kind=r["kind"],
                description=r["description"],
                sessions=tuple(r["sessions"].split(",")),
            )
            for r in self.store.query("SELECT * FROM closures ORDER BY date")
        ]

    def add_terms(self, terms: list[Term]) -> None:
        with self.store.write():
            for term in terms:
                overlap = self.store.query(
                    "SELECT name FROM terms WHERE start_date <= ? AND end_date >= ?",
                    (term.end.isoformat(), term.start.isoformat()),
                )
                if overlap:
                    raise ValueError(f"term '{term.name}' overlaps the term '{overlap[0][0]}'")
                self.store.execute(
                    "INSERT INTO terms(name, start_date, end_date) VALUES (?, ?, ?)",
                    (term.name, term.start.isoformat(), term.end.isoformat()),
                )

    def add_closures(self, closures: list[Closure]) -> None:
        with self.store.write():
            for c in closures:
                self.store.execute(
                    "INSERT INTO closures(date, sessions, kind, description) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(date) DO UPDATE SET sessions = excluded.sessions, kind = excluded.kind, "
                    "description = excluded.description",
                    (c.day.isoformat(), ",".join(c.sessions), c.kind, c.description),
                )

    def remove_term(self, name: str) -> bool:
        with self.store.write():
            return self.store.execute("DELETE FROM terms WHERE name = ?", (name,)).rowcount > 0

    def remove_closure(self, day: date) -> bool:
        with self.store.write():
            return (
                self.store.execute(
                    "DELETE FROM closures WHERE date = ?", (day.isoformat(),)
                ).rowcount
                > 0
            )
