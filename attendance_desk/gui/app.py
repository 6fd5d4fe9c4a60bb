"""Starting the window."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path


def run_gui(path: Path, user: str, today: date | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from attendance_desk.gui.context import AppContext
    from attendance_desk.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Attendance Desk")
    app.setOrganizationName("AttendanceDesk")
    context = AppContext(path, user, today)
    window = MainWindow(context)
    window.show()
    status = app.exec()
    context.close()
    return status
