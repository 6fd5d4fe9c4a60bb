"""One PC amending the same marks as another for a while, against the school's database on a
PostgreSQL server (run by tests/postgres/test_two_pcs_amending.py as
`python -m tests.postgres.amend_worker HOST DBNAME USER SECONDS SEED`; test code, not shipped).

Connected as the test server's login in the application's role, as tests/engines.py opens a school.
Each turn reads one of the shared marks with its version, thinks for a moment, then amends it to
another code through `services.marks.amend_mark` with `expected_version`, the reason naming the
user and a counter. Prints a JSON summary: every amendment it believes saved (the mark, old and new
code, the version it made, the reason) and every refusal with its message."""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import date
from pathlib import Path

from attendance_desk.services.marks import amend_mark
from attendance_desk.services.school import ServiceError
from attendance_desk.store.db import Store
from attendance_desk.store.postgres_engine import PostgresEngine
from tests.engines import LOGIN

CODES = ("I", "M", "O", "N")


def main() -> None:
    host, dbname, user = sys.argv[1], sys.argv[2], sys.argv[3]
    seconds, seed = float(sys.argv[4]), int(sys.argv[5])
    rng = random.Random(seed)
    engine = PostgresEngine.connect(host=host, dbname=dbname, user=LOGIN)
    store = Store(Path(f"postgresql://{LOGIN}@test-server/{dbname}"), engine)
    pupils = store.pupils.all()
    marks = [
        (pupil, date.fromisoformat(day), session)
        for pupil in pupils
        for day, session in store.query(
            "SELECT date, session FROM marks WHERE pupil_id = ? ORDER BY date, session",
            (pupil.id,),
        )
    ]
    saved: list[dict] = []
    refused: list[dict] = []
    count = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pupil, day, session = rng.choice(marks)
        before = store.marks.get(pupil.id, day, session)
        code = rng.choice([c for c in CODES if c != before.code])
        count += 1
        reason = f"{user} amendment {count}"
        time.sleep(rng.random() * 0.02)  # the user thinks for a moment
        mark = {"pupil_id": pupil.id, "date": day.isoformat(), "session": session}
        try:
            old, new = amend_mark(
                store, pupil.upn, day, session, code, reason, user, expected_version=before.version
            )
        except ServiceError as exc:
            refused.append({**mark, "read_version": before.version, "message": str(exc)})
            continue
        saved.append(
            {
                **mark,
                "read_version": before.version,
                "old": old.code,
                "new": new.code,
                "version": new.version,
                "reason": reason,
            }
        )
    store.close()
    print(json.dumps({"user": user, "saved": saved, "refused": refused}))


if __name__ == "__main__":
    main()
