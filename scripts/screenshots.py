"""Screenshots of every screen at 1280x720 and 1920x1080 (name-1280.png, name-1920.png) on the demo school, offscreen, for the README:
.venv/bin/python scripts/screenshots.py [OUT_DIR]"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication  # noqa: E402

from attendance_desk.gui.context import AppContext  # noqa: E402
from attendance_desk.gui.main_window import MainWindow  # noqa: E402
from attendance_desk.services.demo import build_demo_school  # noqa: E402

TODAY = date(2026, 11, 24)


def main() -> None:
    out = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parent.parent / "docs" / "screenshots"
    )
    out.mkdir(parents=True, exist_ok=True)
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp()  # no remembered window size
    app = QApplication.instance() or QApplication(sys.argv)
    path = Path(tempfile.mkdtemp()) / "demo.sqlite"
    build_demo_school(path, pupils=420, today=TODAY, seed=1).close()
    for width, height in ((1280, 720), (1920, 1080)):
        context = AppContext(path, "office1", TODAY, synchronous=True)
        window = MainWindow(context)
        window.resize(width, height)
        window.show()
        for row, name in enumerate(("today", "registers", "pupil", "dashboard", "settings")):
            window.nav.setCurrentRow(row)
            if name == "pupil":
                calls = window.views[0].calls
                context.open_pupil.emit(calls.families[0].pupils[0].pupil.upn)
            if name == "registers":
                window.views[1].group.setCurrentIndex(2)
            app.processEvents()
            shot = out / f"{name}-{width}.png"
            window.grab().save(str(shot))
            print(shot)
        window.close()
        context.close()
    from attendance_desk.gui.welcome import WelcomeDialog

    welcome = WelcomeDialog(Path(tempfile.mkdtemp()) / "school.sqlite", TODAY)
    welcome.resize(640, 340)
    welcome.show()
    app.processEvents()
    welcome.grab().save(str(out / "welcome.png"))
    print(out / "welcome.png")


if __name__ == "__main__":
    main()
