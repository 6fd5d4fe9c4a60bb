"""One of several processes amending the same marks for a while, as two PCs on a shared drive would
(run by tests/trust/test_crash_and_concurrency.py and scripts/reliability.py as
`python -m tests.trust.edit_worker`; test code, not shipped in the package).
Each edit reads a mark, then amends it only if nobody changed it meanwhile (optimistic version).
Prints a JSON summary: edits saved (with the code written) and edits refused, with their reasons."""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import date
from pathlib import Path

from attendance_desk.services.marks import amend_mark
from attendance_desk.services.school import ServiceError, open_school


def main() -> None:
    path, name, seconds, seed = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(seed)
    store = open_school(path)
    pupils = store.pupils.all()
    days = [date(2024, 9, d) for d in (3, 4, 5)]
    saved, refused = [], []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pupil, day, session = rng.choice(pupils), rng.choice(days), rng.choice(("AM", "PM"))
        before = store.marks.get(pupil.id, day, session)
        code = rng.choice([c for c in ("I", "M", "O", "N") if c != before.code])
        time.sleep(rng.random() * 0.01)  # the user thinks for a moment
        try:
            amend_mark(
                store,
                pupil.upn,
                day,
                session,
                code,
                f"{name} edit",
                name,
                expected_version=before.version,
            )
            saved.append([pupil.id, day.isoformat(), session, code])
        except ServiceError as exc:
            refused.append(str(exc))
    store.close()
    print(json.dumps({"saved": saved, "refused": refused}))


if __name__ == "__main__":
    main()
