"""Click-to-painted times of the screens, offscreen, with the real thread pool:
`python benchmarks/screen_paint.py FILE TODAY [RUNS]`.

Today: from the click on the screen (its list worked out again, as after a change) to it painted.
Registers: from the click to a class's week painted; then the period changed to the term, painted.
Pupil: from the click on the screen (its refresh) and the choice of a pupil to the painted profile.
Dashboard: from the click to the first numbers painted (the first tab's table with them), then to the
late arrivals, support-map lists and crossing dates, then to the weekly trend (each painted); then a
click on each of its two longest lists' tabs, to the tab painted (a tab's table is filled when first
shown). The load average is printed before and after: the times mean little without it."""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    path, today = Path(sys.argv[1]), date.fromisoformat(sys.argv[2])
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    from PySide6.QtWidgets import QApplication

    from attendance_desk.gui.context import AppContext
    from attendance_desk.gui.main_window import MainWindow

    app = QApplication(sys.argv)
    context = AppContext(path, "bench", today)
    window = MainWindow(context)
    window.resize(1366, 768)
    window.show()
    app.processEvents()
    rows = {view.title: n for n, view in enumerate(window.views)}
    pupil, board = window.views[rows["Pupil"]], window.views[rows["Dashboard"]]
    upns = [p.upn for p in context.store.pupils.all()]

    def wait(until, limit=60.0) -> None:
        end = time.perf_counter() + limit
        while not until() and time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.001)

    registers = window.views[rows["Registers"]]
    context.pool.waitForDone()  # the start-up backup
    print("load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    for run in range(runs):
        window.nav.setCurrentRow(rows["Settings"])
        app.processEvents()
        window._fresh.clear()
        t0 = time.perf_counter()
        window.nav.setCurrentRow(rows["Today"])
        app.processEvents()
        window.grab()
        print(f"today painted {time.perf_counter() - t0:.3f} s")
        window._fresh.clear()
        registers.period.setCurrentIndex(registers.period.findData("week"))
        t0 = time.perf_counter()
        window.nav.setCurrentRow(rows["Registers"])
        app.processEvents()
        window.grab()
        week = time.perf_counter() - t0
        t0 = time.perf_counter()
        registers.period.setCurrentIndex(registers.period.findData("term"))
        app.processEvents()
        window.grab()
        print(
            f"register of {registers.group.currentText()}: week painted {week:.3f} s, "
            f"term painted {time.perf_counter() - t0:.3f} s"
        )
        registers.period.setCurrentIndex(registers.period.findData("week"))
        window.nav.setCurrentRow(rows["Today"])
        app.processEvents()
        context.pool.waitForDone()
        app.processEvents()
        window._fresh.clear()  # as after a change: each screen fills again when clicked
        t0 = time.perf_counter()
        window.nav.setCurrentRow(rows["Pupil"])
        pupil.show_pupil(upns[100 + run])
        app.processEvents()
        window.grab()
        print(f"pupil painted {time.perf_counter() - t0:.3f} s")
        context.pool.waitForDone()
        board.board = board.more = None
        board.trend_for = None
        t0 = time.perf_counter()
        window.nav.setCurrentRow(rows["Dashboard"])
        wait(lambda: board.board is not None)
        window.grab()
        first = time.perf_counter() - t0
        wait(lambda: board.more is not None)
        window.grab()
        lists = time.perf_counter() - t0
        wait(lambda: board.trend_for is not None)
        window.grab()
        print(
            f"dashboard first numbers {first:.3f} s, lists and crossing dates {lists:.3f} s, "
            f"trend {time.perf_counter() - t0:.3f} s"
        )
        shown = []
        for name in ("Persistent absence", "Crossed a threshold"):
            t0 = time.perf_counter()
            board.tabs.setCurrentWidget(board.tables[name])
            app.processEvents()
            window.grab()
            shown.append(
                f"{name} ({board.tables[name].rowCount()} rows) {time.perf_counter() - t0:.3f} s"
            )
        board.tabs.setCurrentIndex(0)  # the next run's click finds the first tab in view
        print("dashboard tab painted: " + ", ".join(shown))
    print("load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    context.close()


if __name__ == "__main__":
    main()
