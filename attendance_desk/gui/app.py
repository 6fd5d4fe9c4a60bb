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
    import_ctf = False
    if not Path(path).exists():  # first run: no school file yet
        from attendance_desk.gui.welcome import WelcomeDialog

        welcome = WelcomeDialog(Path(path), today or date.today())
        if welcome.exec() != WelcomeDialog.DialogCode.Accepted or welcome.path is None:
            return 0
        path, import_ctf = welcome.path, welcome.import_ctf
    context = AppContext(path, user, today)
    window = MainWindow(context)
    window.show()
    if import_ctf:
        window.import_data()
    status = app.exec()
    context.close()
    return status
