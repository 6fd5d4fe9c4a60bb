"""The reliability report (docs/reliability.md): faults injected and survived, updates attempted and
lost. `python scripts/reliability.py [--kills 40] [--seconds 60]`"""

from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from attendance_desk.services.demo import build_demo_school  # noqa: E402
from attendance_desk.store.db import integrity_problems, open_store  # noqa: E402
from tests.trust.test_crash_and_concurrency import (  # noqa: E402
    ENV,
    PUPILS,
    _big_import_file,
    _school_with_pupils,
)


def kill_imports(kills: int) -> dict:
    folder = Path(tempfile.mkdtemp())
    _school_with_pupils(folder)
    csv, rows = _big_import_file(folder, PUPILS)
    rng, outcomes, broken = random.Random(1), Counter(), 0
    for _ in range(kills):
        proc = subprocess.Popen([sys.executable, "-m", "attendance_desk", "--db", str(folder / "school.sqlite"),
                                 "--today", "2024-11-29", "import", "marks", str(csv)], env=ENV,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.1, 1.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        store = open_store(folder / "school.sqlite")
        count = store.marks.count()
        broken += bool(integrity_problems(store)) or count not in (0, rows)
        outcomes["none" if count == 0 else "all" if count == rows else "part"] += 1
        store.close()
        if count:
            for f in folder.glob("school.sqlite*"):
                f.unlink()
            _school_with_pupils(folder)
    return {"kills": kills, "rows": rows, "outcomes": dict(outcomes), "broken": broken}


def kill_letters(kills: int) -> dict:
    folder = Path(tempfile.mkdtemp())
    build_demo_school(folder / "demo.sqlite", pupils=420, today=date(2026, 11, 24), seed=2).close()
    rng, broken, outcomes = random.Random(2), 0, Counter()
    for n in range(kills):
        proc = subprocess.Popen([sys.executable, "-m", "attendance_desk", "--db", str(folder / "demo.sqlite"),
                                 "--today", "2026-11-24", "letters", "--stage", "stage1", "--out", str(folder / f"out{n}")],
                                env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 1.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        store = open_store(folder / "demo.sqlite")
        batches = store.query("SELECT file, COUNT(*) FROM letters GROUP BY file")
        broken += bool(integrity_problems(store))
        outcomes["logged" if any(str(folder / f"out{n}") in b[0] for b in batches) else "not logged"] += 1
        store.close()
    return {"kills": kills, "outcomes": dict(outcomes), "broken": broken}


def concurrent_edits(seconds: float) -> dict:
    from tests.helpers import add_pupil, make_school, put_marks

    folder = Path(tempfile.mkdtemp())
    store = make_school(folder)
    for n in range(1, 4):
        pupil = add_pupil(store, n)
        put_marks(store, pupil, {(date(2024, 9, d), s): "N" for d in (3, 4, 5) for s in ("AM", "PM")})
    store.close()
    workers = [subprocess.Popen([sys.executable, "-m", "attendance_desk.tools.edit_worker", str(folder / "school.sqlite"),
                                 name, str(seconds), str(seed)], env=ENV, stdout=subprocess.PIPE, text=True)
               for seed, name in enumerate(("office-pc", "lead-pc"))]
    results = [json.loads(w.communicate()[0]) for w in workers]
    saved = Counter(tuple(e) for r in results for e in r["saved"])
    refused = [x for r in results for x in r["refused"]]
    store = open_store(folder / "school.sqlite")
    history = Counter(tuple(h) for h in store.query(
        "SELECT pupil_id, date, session, new_code FROM mark_history WHERE direct = 0"))
    lost = sum((saved - history).values())
    unexplained = sum(1 for x in refused if "reload" not in x)
    ok = not integrity_problems(store) and not store.marks.history_chain_problems()
    store.close()
    return {"seconds": seconds, "saved": sum(saved.values()), "refused": len(refused), "lost": lost,
            "unexplained_refusals": unexplained, "file_ok": ok}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    report = {"imports": kill_imports(args.kills), "letters": kill_letters(args.kills // 2),
              "concurrent": concurrent_edits(args.seconds)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
