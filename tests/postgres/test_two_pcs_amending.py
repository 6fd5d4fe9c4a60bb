"""Two PCs amending the same pupils' marks on the school's PostgreSQL server for 30 s (issue 16, what
must be true; docs/server.md step 6): no update is lost and a stale edit is refused as stale.

The shape of tests/trust/test_crash_and_concurrency.py's two-process test on the school file: two
processes (tests/postgres/amend_worker.py), each connected to the same throwaway database as the
test server's login in the application's role, for 30 s read a mark with its version, think for a
moment, and amend it through `services.marks.amend_mark(expected_version=...)`. Four marks (two
pupils, one day's two sessions) shared by both, so the two often edit the same mark at once.
Afterwards: every amendment a worker was told was saved is in the mark history exactly once, and
each mark's history is one sequence (each entry's old code the previous one's new code, versions
2, 3, … with no gap or repeat), the mark as it stands is the last entry, every refusal names the
other user and says the mark changed since it was read, the chains verify, and the audit holds one
entry per saved amendment. Runs in CI (tests/engines.py: skipped locally without PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import date
from itertools import pairwise

from attendance_desk.services import users
from attendance_desk.store import chain
from tests.engines import make_school_on
from tests.helpers import add_pupil, put_marks

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENV = {**os.environ, "PYTHONPATH": ROOT}
SECONDS = 30
DAY = date(2024, 9, 3)  # a Tuesday of the autumn term (tests.helpers.TERMS)
PCS = ("office", "lead")  # each worker signs in as one of the school's users


def test_two_pcs_amending_the_same_marks_on_a_server_lose_nothing(request, tmp_path):
    store = make_school_on(request, tmp_path, "postgresql")
    server = request.getfixturevalue("pg_school_server")
    dbname = server["databases"][-1]
    users.add_user(store, "", "admin", "admin", "a long sentence of a password")
    users.add_user(store, "admin", "office", "office", "the office's own long password")
    users.add_user(store, "admin", "lead", "lead", "the lead's own long password here")
    pupils = [add_pupil(store, n) for n in (1, 2)]
    for pupil in pupils:
        put_marks(store, pupil, {(DAY, "AM"): "N", (DAY, "PM"): "N"})
    audit_before = len(store.audit.entries())
    started = time.monotonic()
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.postgres.amend_worker",
                server["host"],
                dbname,
                name,
                str(SECONDS),
                str(seed),
            ],
            env=ENV,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed, name in enumerate(PCS)
    ]
    results = {}
    for worker in workers:
        out, err = worker.communicate(timeout=SECONDS + 60)
        assert worker.returncode == 0, err
        result = json.loads(out)
        results[result["user"]] = result
    elapsed = time.monotonic() - started
    numbers = {name: (len(results[name]["saved"]), len(results[name]["refused"])) for name in PCS}
    print(f"\n{SECONDS} s, two PCs: (saved, refused) {numbers}; workers' wall time {elapsed:.1f} s")
    # both saved and both were refused at least once: the two really did edit the same marks
    assert all(saves and refusals for saves, refusals in numbers.values()), numbers

    # every refusal names the other PC's user and says the mark changed since it was read
    for name in PCS:
        other = next(n for n in PCS if n != name)
        for refusal in results[name]["refused"]:
            message = refusal["message"]
            assert f"this mark was changed by {other} at " in message, message
            assert "since you opened it; reload and try again" in message, message

    # no lost update: each mark's history is exactly the amendments saved, in one sequence
    saved = [edit for name in PCS for edit in results[name]["saved"]]
    by_mark: dict[tuple, list[dict]] = defaultdict(list)
    for edit in saved:
        by_mark[(edit["pupil_id"], edit["date"], edit["session"])].append(edit)
    assert len(by_mark) == 4, sorted(by_mark)
    history = store.query(
        "SELECT pupil_id, date, session, old_code, new_code, reason, changed_by, direct "
        "FROM mark_history ORDER BY id"
    )
    assert all(h["direct"] == 0 for h in history)  # nothing written outside the app
    assert Counter(h["reason"] for h in history) == Counter(e["reason"] for e in saved)
    assert len(history) == len(saved) == len({e["reason"] for e in saved})
    for (pupil_id, day, session), edits in by_mark.items():
        edits.sort(key=lambda e: e["version"])
        assert [e["version"] for e in edits] == list(range(2, len(edits) + 2))  # +1 each, no gap
        # each saved on the version its PC had read: none saved over a change it had not seen
        unseen = [e for e in edits if e["version"] != e["read_version"] + 1]
        assert unseen == [], unseen[:3]
        chain_of_mark = [
            h
            for h in history
            if (h["pupil_id"], h["date"], h["session"]) == (pupil_id, day, session)
        ]
        assert [(h["old_code"], h["new_code"], h["reason"]) for h in chain_of_mark] == [
            (e["old"], e["new"], e["reason"]) for e in edits
        ]
        assert chain_of_mark[0]["old_code"] == "N"
        assert all(a["new_code"] == b["old_code"] for a, b in pairwise(chain_of_mark))
        assert all(h["changed_by"] == h["reason"].split()[0] for h in chain_of_mark)
        mark = store.marks.get(pupil_id, date.fromisoformat(day), session)
        assert (mark.code, mark.version) == (chain_of_mark[-1]["new_code"], len(edits) + 1)
        assert mark.recorded_by == edits[-1]["reason"].split()[0]

    # the chains verify, the marks agree with their history, one audit entry per saved amendment
    problems, results_by_chain = chain.chain_problems(store.engine)
    assert problems == []
    assert {r.table: r.rows for r in results_by_chain}["mark_history"] == len(saved)
    assert chain.mark_problems(store.engine) == []
    entries = store.audit.entries()[audit_before:]
    assert all(e.action == "amend mark" for e in entries)
    assert Counter((e.user, e.detail.rsplit("; ", 1)[1]) for e in entries) == Counter(
        (e["reason"].split()[0], e["reason"]) for e in saved
    )
    store.close()
