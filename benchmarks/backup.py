"""Backups, checks and closing the window, side by side in one run (issue 17, item 3):

    .venv/bin/python benchmarks/backup.py FILE [--runs 3] [--no-full]

FILE is copied to a temporary folder first (and brought up to this version there); FILE itself is
only read. Measured on the copy:

- the floor: SQLite's backup API copying the whole file into a new file, flushed to the disk;
- the routine backup (`make_backup`: the copy, quick_check of the copy, its hash chains and chain
  heads, the heads record, rotation, the audit entry), and its check of the copy alone;
- SQLite's quick_check and integrity_check alone, and `check` (the service) quick and full;
- closing the window, from the close request to the process exit, in a fresh process each time:
  a bare QMainWindow (the floor), the app's window with nothing running, and the app's window with
  its backup running (closed while copying, and while checking the copy). After each close with a
  backup, the backup folder must hold no temporary copy and only verified backups.

Times are best of --runs (each run in full); ratios are to the floor named."""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def floor_copy(school: Path, out: Path) -> float:
    """SQLite's backup API, the whole file in one step, into a new file flushed to the disk."""
    out.unlink(missing_ok=True)
    t0 = time.perf_counter()
    src = sqlite3.connect(str(school))
    dest = sqlite3.connect(str(out))
    src.backup(dest)
    dest.close()
    src.close()
    _fsync(out)
    return time.perf_counter() - t0


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


# ---------------------------------------------------------------- the window, in a child process


def close_child(path: Path, mode: str) -> None:
    """Open a window, then close it at the moment `mode` says; print the wall-clock time of the
    close request (the parent notes when the process has exited)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv)
    if mode == "bare":
        window = QMainWindow()
        window.resize(1366, 768)
        window.show()

        def close_bare() -> None:
            print(f"CLOSE {time.time():.6f}", flush=True)
            window.close()
            app.quit()

        QTimer.singleShot(500, close_bare)
        app.exec()
        return
    from attendance_desk.gui.context import AppContext
    from attendance_desk.gui.main_window import MainWindow
    from attendance_desk.store import backup as store_backup

    context = AppContext(path, "bench", auto_backup=False)
    window = MainWindow(context)
    window.resize(1366, 768)
    window.show()

    def close() -> None:
        print(f"CLOSE {time.time():.6f}", flush=True)
        window.close()
        app.quit()

    if mode == "idle":
        QTimer.singleShot(1500, close)
    else:  # the app's backup, as the window runs it, closed while copying / checking the copy
        threshold = 1 if mode == "copying" else store_backup.COPIED + 1
        closing = []

        def start() -> None:
            window._backup_in_background(starting=False)

            def seen(done: int, _total: int) -> None:
                if done >= threshold and not closing:
                    closing.append(1)
                    QTimer.singleShot(0, close)

            window._backup_task.signals.progress.connect(seen)

        QTimer.singleShot(1500, start)
    app.exec()
    context.close()
    from attendance_desk.gui.app import exit_now

    exit_now(0)  # as the program does (attendance_desk/__main__.py)


def close_time(school: Path, mode: str, home: Path) -> tuple[float, str]:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
    )
    process = subprocess.Popen(
        [sys.executable, __file__, "--close-child", str(school), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    out, err = process.communicate(timeout=600)
    exited = time.time()
    lines = [x for x in out.splitlines() if x.startswith("CLOSE ")]
    if process.returncode != 0 or not lines:
        raise SystemExit(f"the window ({mode}) failed: {process.returncode}\n{err[-2000:]}")
    return exited - float(lines[0].split()[1]), err


def check_folder(folder: Path) -> str:
    from attendance_desk.store.backup import verify_copy

    if not folder.exists():
        return "no backup"
    left = [p.name for p in folder.iterdir() if ".ad-" in p.name]
    made = sorted(folder.glob("school-*.sqlite"))
    bad = [p.name for p in made if verify_copy(p, chains=True)]
    if left or bad:
        raise SystemExit(f"after closing: temporary files {left}, backups that fail {bad}")
    return f"{len(made)} verified backup(s), no temporary copy"


# ---------------------------------------------------------------- the run


class _Skip(Exception):
    pass


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--close-child":
        close_child(Path(sys.argv[2]), sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-full", action="store_true", help="skip the full integrity_check")
    parser.add_argument("--close-only", action="store_true", help="only the window's close times")
    args = parser.parse_args()

    from attendance_desk.services.backups import make_backup
    from attendance_desk.services.check import check_school
    from attendance_desk.store import chain
    from attendance_desk.store.backup import inspect_copy, structure_problems
    from attendance_desk.store.db import open_store

    with tempfile.TemporaryDirectory(prefix="ad-backup-bench-") as work:
        work = Path(work)
        school = work / "school.sqlite"
        shutil.copyfile(args.file, school)
        t0 = time.perf_counter()
        open_store(school).close()  # migrations, if the file is from an older version (not timed)
        upgrade = time.perf_counter() - t0
        conn = sqlite3.connect(f"file:{school}?mode=ro", uri=True)
        pages, page_size = (
            conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_count", "page_size")
        )
        marks = conn.execute("SELECT COUNT(*) FROM marks").fetchone()[0]
        pupils = conn.execute("SELECT COUNT(*) FROM pupils").fetchone()[0]
        history = conn.execute("SELECT COUNT(*) FROM mark_history").fetchone()[0]
        conn.close()
        size_mb = school.stat().st_size / 1e6
        print(
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, CPython {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}; "
            f"load average at start {os.getloadavg()[0]:.1f}"
        )
        print(
            f"File: {pupils:,} pupils (incl. leavers), {marks:,} marks, {history:,} history rows, "
            f"{size_mb:.0f} MB ({pages:,} pages of {page_size} B); brought up to this version in "
            f"{upgrade:.1f} s (not counted)"
        )
        rows: dict[str, list[float]] = {}

        def note(name: str, seconds: float) -> None:
            rows.setdefault(name, []).append(seconds)

        for run in range(0 if args.close_only else args.runs):
            note("floor", floor_copy(school, work / "floor.sqlite"))
            (work / "floor.sqlite").unlink()
            folder = work / f"backups-{run}"
            store = open_store(school)
            try:
                took, result = timed(lambda store=store, folder=folder: make_backup(store, folder))
                note("routine", took)
                heads = chain.heads(store.conn)
                note("verify", timed(lambda p=result.path, h=heads: inspect_copy(p, h))[0])
            finally:
                store.close()
            shutil.rmtree(folder)
            conn = sqlite3.connect(f"file:{school}?mode=ro", uri=True)
            note("quick_check", timed(lambda conn=conn: structure_problems(conn, False))[0])
            conn.close()
            print(
                f"  run {run + 1}: floor {rows['floor'][-1]:.2f} s, routine backup {rows['routine'][-1]:.2f} s",
                flush=True,
            )
        store = open_store(school)
        try:
            if args.close_only:
                raise _Skip
            now = datetime.now()
            took, _ = timed(lambda: check_school(store, now))
            note("check", took)
            if not args.no_full:
                conn = sqlite3.connect(f"file:{school}?mode=ro", uri=True)
                note("integrity_check", timed(lambda: structure_problems(conn, True))[0])
                conn.close()
                took, _ = timed(lambda: check_school(store, now, full=True))
                note("check --full", took)
        except _Skip:
            pass
        finally:
            store.close()

        home = work / "home"
        home.mkdir()
        for mode in ("bare", "idle", "copying", "checking the copy"):
            for _ in range(args.runs):
                took, _err = close_time(school, mode, home)
                note(f"close {mode}", took)
                if mode in ("copying", "checking the copy"):
                    state = check_folder(school.parent / "backups")
            if mode in ("copying", "checking the copy"):
                print(f"  after closing while {mode}: {state}")
                shutil.rmtree(school.parent / "backups", ignore_errors=True)

    best = {k: min(v) for k, v in rows.items()}
    spread = {k: (min(v), max(v), statistics.median(v)) for k, v in rows.items()}

    def line(label: str, key: str, floor: str | None = None, target: str = "") -> None:
        if key not in rows:
            return
        lo, hi, _ = spread[key]
        text = f"{label:<66}{best[key]:7.2f} s"
        text += f"  ({lo:.2f}–{hi:.2f})" if len(rows[key]) > 1 else " " * 14
        if floor:
            text += f"  {best[key] / best[floor]:5.1f}x {floor_names[floor]}"
        if target:
            text += f"  {target}"
        print(text)

    floor_names = {"floor": "the copy", "quick_check": "quick_check", "close bare": "bare window"}
    print()
    line("SQLite backup API copy, new file flushed (floor)", "floor")
    line(
        "routine backup (copy + quick_check + chains + heads + audit)",
        "routine",
        "floor",
        f"target < 5 s: {'OK' if best.get('routine', 99) < 5 else 'NOT MET'}",
    )
    line("  of which the check of the copy (quick_check, chains, heads)", "verify", "floor")
    line("PRAGMA quick_check alone", "quick_check", "floor")
    if "integrity_check" in best:
        line("PRAGMA integrity_check alone", "integrity_check", "quick_check")
    line("check (quick: quick_check + the app's checks + missing marks)", "check", "quick_check")
    if "check --full" in best:
        line("check --full (integrity_check + the same)", "check --full", "quick_check")
    line("bare QMainWindow: close request to process exit (floor)", "close bare")
    line("Attendance Desk window, nothing running: close to exit", "close idle", "close bare")
    line(
        "  with its backup running, closed while copying",
        "close copying",
        "close bare",
        f"target < 1 s: {'OK' if best['close copying'] < 1 else 'NOT MET'}",
    )
    line(
        "  with its backup running, closed while checking the copy",
        "close checking the copy",
        "close bare",
        f"target < 1 s: {'OK' if best['close checking the copy'] < 1 else 'NOT MET'}",
    )


if __name__ == "__main__":
    main()
