"""Start the real window many times in a row, each in its own process, and fail on any crash.

Each start is `python -m attendance_desk --db FILE --smoke` on one demo school file (every tenth is
`--demo`, which builds a fresh demo school first): the window opens offscreen, does its start-up
work (the backup in the background), paints, closes itself and exits. Any exit status other than 0,
and any death by a signal (a segmentation fault shows as -11), is a failure; the child's stderr (with
Python's fault handler on) and the window's native-crash log are printed for each failure.

    .venv/bin/python scripts/start_loop.py            # 50 starts
    .venv/bin/python scripts/start_loop.py --runs 20  # fewer (CI)
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def describe(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=50, help="how many starts (default 50)")
    parser.add_argument(
        "--demo-every",
        type=int,
        default=10,
        help="every Nth start uses --demo instead of the demo file (0: never)",
    )
    parser.add_argument("--timeout", type=float, default=120, help="seconds one start may take")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="start-loop-") as work:
        work = Path(work)
        env = dict(
            os.environ,
            QT_QPA_PLATFORM="offscreen",
            PYTHONFAULTHANDLER="1",
            LANG="C.UTF-8",
            HOME=str(work / "home"),
            XDG_CONFIG_HOME=str(work / "config"),
            XDG_DATA_HOME=str(work / "data"),
            XDG_CACHE_HOME=str(work / "cache"),
            XDG_STATE_HOME=str(work / "state"),
            XDG_RUNTIME_DIR=str(work / "runtime"),
            TMPDIR=str(work),
        )  # --demo builds its school in a temporary folder: keep it in ours
        (work / "runtime").mkdir(mode=0o700)
        school = work / "school.sqlite"
        base = [sys.executable, "-m", "attendance_desk", "--today", "2026-11-24"]
        subprocess.run(
            [*base, "--db", str(school), "demo", "--pupils", "420"],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        failures = []
        started = time.monotonic()
        for n in range(1, args.runs + 1):
            demo = args.demo_every > 0 and n % args.demo_every == 0
            command = (
                [*base, "--demo", "--smoke"] if demo else [*base, "--db", str(school), "--smoke"]
            )
            t0 = time.monotonic()
            try:
                done = subprocess.run(
                    command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=args.timeout
                )
                code, stderr = done.returncode, done.stderr
            except subprocess.TimeoutExpired as exc:
                code, stderr = 124, f"timed out after {args.timeout:.0f} s\n{exc.stderr or ''}"
            took = time.monotonic() - t0
            what = "--demo" if demo else "--db"
            if code == 0:
                print(f"start {n:3}/{args.runs} {what:6} ok       {took:5.1f} s", flush=True)
            else:
                failures.append(n)
                print(
                    f"start {n:3}/{args.runs} {what:6} FAILED   {took:5.1f} s: {describe(code)}",
                    flush=True,
                )
                print("    " + "\n    ".join(stderr.strip().splitlines()[-40:]), flush=True)
                for crash in work.rglob(
                    "native-crashes.log"
                ):  # the window's fault handler writes here
                    text = crash.read_text(errors="replace").strip()
                    if text:
                        print(
                            "    native crash:\n    " + "\n    ".join(text.splitlines()[-40:]),
                            flush=True,
                        )
                    crash.write_text("")
        total = time.monotonic() - started
    print(
        f"{args.runs - len(failures)}/{args.runs} starts closed cleanly in {total:.0f} s"
        + (f"; failed: {', '.join(map(str, failures))}" if failures else "")
    )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
