"""Window timings on a school file, offscreen: `python benchmarks/gui_timing.py FILE TODAY`.
Prints: a bare QMainWindow painted, the Attendance Desk window painted (both from process start),
and the time each screen takes to fill."""

from __future__ import annotations

import os
import sys
import time

START = time.perf_counter()
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    path, today = Path(sys.argv[1]), date.fromisoformat(sys.argv[2])
    mode = sys.argv[3] if len(sys.argv) > 3 else "app"
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv)
    if mode == "bare":
        window = QMainWindow()
        window.resize(1366, 768)
        window.show()
        app.processEvents()
        window.grab()
        print(f"painted {time.perf_counter() - START:.3f}")
        return
    from attendance_desk.gui.context import AppContext
    from attendance_desk.gui.main_window import MainWindow

    context = AppContext(path, "bench", today, synchronous=True)
    window = MainWindow(context)
    window.resize(1366, 768)
    window.show()
    app.processEvents()
    window.grab()
    print(f"painted {time.perf_counter() - START:.3f}")
    for view in window.views:
        if view.title == "Pupil":
            upn = context.store.pupils.all()[100].upn
            t0 = time.perf_counter()
            view.show_pupil(upn)
        else:
            t0 = time.perf_counter()
            view.refresh()
        app.processEvents()
        print(f"view {view.title} {time.perf_counter() - t0:.3f}")
    status = Path("/proc/self/status")
    if status.exists():
        peak = (
            next(
                int(x.split()[1]) for x in status.read_text().splitlines() if x.startswith("VmHWM")
            )
            / 1024
        )
        print(f"peak {peak:.0f}")


if __name__ == "__main__":
    main()
