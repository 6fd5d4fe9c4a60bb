"""The main window: a list of screens on the left, the screen on the right, the school in the status
bar. Remembers its size and the last screen."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from attendance_desk.gui.context import AppContext, Task
from attendance_desk.gui.dashboard import DashboardView
from attendance_desk.gui.pupil import PupilView
from attendance_desk.gui.registers import RegistersView
from attendance_desk.gui.settings import SettingsView
from attendance_desk.gui.today import TodayView
from attendance_desk.gui.widgets import ask_save_path, show_error
from attendance_desk.paths import resource_path
from attendance_desk.presentation import dmy_hm
from attendance_desk.services.school import school_settings

STYLE = resource_path("style.qss").read_text(encoding="utf-8")
BACKUP_LOOK_MS = 10 * 60_000  # how often the open window looks whether a backup is due


class MainWindow(QMainWindow):
    startup_finished = (
        Signal()
    )  # the start-up work (the background backup) has finished or was skipped
    switched = Signal(object)  # File → Connect…: the new window, on the other school, is open

    def __init__(self, context: AppContext):
        super().__init__()
        self.context = context
        school = school_settings(context.store)
        self.setWindowTitle(f"Attendance Desk — {school.name}")
        self.setStyleSheet(STYLE)
        self.views = [
            TodayView(context),
            RegistersView(context),
            PupilView(context),
            DashboardView(context),
            SettingsView(context),
        ]
        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setAccessibleName("Screens")
        self.stack = QStackedWidget()
        for n, view in enumerate(self.views, start=1):
            self.nav.addItem(f"{view.title}  (Ctrl+{n})")
            self.stack.addWidget(view)
        self.nav.setFixedWidth(max(190, self.nav.sizeHintForColumn(0) + 24))
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._unread_bar()
        screen = QWidget()
        column = QVBoxLayout(screen)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addWidget(self.unread)
        column.addWidget(self.stack, 1)
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.nav)
        row.addWidget(screen, 1)
        self.setCentralWidget(central)
        self._fresh: set[int] = set()
        self._unread: dict[int, str] = {}  # a screen that could not be read, and why
        context.load_failed.connect(self._could_not_read)
        context.loaded.connect(self._read)
        context.server_reachable.connect(self._server_reachable)
        self.nav.currentRowChanged.connect(self.show_view)
        context.data_changed.connect(self._data_changed)
        context.open_pupil.connect(lambda _: self.nav.setCurrentRow(2))
        context.status.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.where = QLabel()
        self.where.setAccessibleName("School file and user")
        self._show_where(school.name)
        self.backup_label = QLabel()
        self.statusBar().addPermanentWidget(self.backup_label)
        self.statusBar().addPermanentWidget(self.where)
        self._warn_of_a_share()
        self.server_warning = QLabel("⚠ School's server not reachable")
        self.server_warning.setObjectName("serverWarning")
        self.server_warning.setProperty("role", "warning")
        self.server_warning.hide()
        self.statusBar().insertPermanentWidget(0, self.server_warning)
        self._show_last_backup(school.last_backup)
        self.statusBar().messageChanged.connect(self._fit_message)
        self.successor: MainWindow | None = None  # the window File → Connect… opened instead
        self.backup_timer: QTimer | None = None
        self._backup_task: Task | None = None
        self._check_task: Task | None = None
        self.check_status = None  # the weekly check's progress and Cancel, in the status bar
        self.check_warning = None  # what the last full check found, if anything
        self.check_dialog = None  # File → Check the school file…, the last one opened
        if context.auto_backup and context.on_server:  # backed up by IT, not by this PC
            QTimer.singleShot(0, self, self.startup_finished.emit)
            QTimer.singleShot(1500, self, self._full_check_if_due)  # weekly, as on a file
        elif context.auto_backup:  # backups and the weekly full check run in the background
            QTimer.singleShot(1500, self, self._backup_in_background)
            timer = self.backup_timer = QTimer(self)
            timer.setInterval(BACKUP_LOOK_MS)
            timer.timeout.connect(self._backup_if_due)
            timer.start()
        else:
            QTimer.singleShot(0, self, self.startup_finished.emit)
        self._menus()
        settings = QSettings("AttendanceDesk", "AttendanceDesk")
        geometry = settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1366, 768)
        self.nav.setCurrentRow(int(settings.value("window/view", 0)))
        self.idle_lock = None
        self.locked = False  # locked by the idle lock, until someone signs in again
        from attendance_desk.services.users import users_set_up

        if users_set_up(context.store):
            from PySide6.QtWidgets import QApplication

            from attendance_desk.gui.login import IdleLock
            from attendance_desk.services.school import setting_number

            minutes = float(setting_number(context.store, "lock_minutes"))  # a bad value: 10
            self.idle_lock = IdleLock(minutes, self.lock, self)
            QApplication.instance().installEventFilter(self.idle_lock)

    def _menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        for text, key, slot in (
            ("&Import…", "Ctrl+I", self.import_data),
            ("&Export workbook…", "Ctrl+E", self.export_workbook),
            (
                "&Check the school's data…"
                if self.context.on_server
                else "&Check the school file…",
                "",
                self.check_school_file,
            ),
            ("&Open a school file…", "Ctrl+O", self.open_school_file),
            ("Connect to the &school's server…", "", self.connect_to_server),
            ("&Quit", "Ctrl+Q", self.close),
        ):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(key))
            action.triggered.connect(slot)
            file_menu.addAction(action)
        view_menu = self.menuBar().addMenu("&View")
        for n, view in enumerate(self.views):
            action = QAction(view.title, self)
            action.setShortcut(QKeySequence(f"Ctrl+{n + 1}"))
            action.triggered.connect(lambda _=False, n=n: self.nav.setCurrentRow(n))
            view_menu.addAction(action)
        from attendance_desk.gui.pastoral import add_menu

        add_menu(self, self.context)
        self._attendance_menu()
        help_menu = self.menuBar().addMenu("&Help")
        keyboard = QAction("&Keyboard shortcuts…", self)
        keyboard.setShortcut(QKeySequence("F1"))
        keyboard.triggered.connect(self.show_keyboard_help)
        help_menu.addAction(keyboard)

    def _warn_of_a_share(self) -> None:
        """A school file on a network drive: say so where it stays in sight (docs/reliability.md)."""
        from attendance_desk.services.server import location_warning

        warning = location_warning(self.context.store)
        self.share_warning = None
        if warning:
            self.share_warning = QLabel("⚠ Network drive: one PC at a time")
            self.share_warning.setObjectName("shareWarning")
            self.share_warning.setToolTip(warning)
            self.share_warning.setAccessibleDescription(warning)
            self.statusBar().insertPermanentWidget(0, self.share_warning)
            self.statusBar().showMessage(warning, 20000)

    def connect_to_server(self) -> None:
        """File → Connect to the school's server…: the unsaved marks are asked about first (Save /
        Discard / Cancel, as when the window closes); then the address, the password if the server
        asks for one and the sign-in; then the window opens on the server and this one closes.
        Cancelled at any point: this school stays open as it was."""
        from attendance_desk.gui.server_dialog import connect_and_sign_in

        if not all(self._may_leave(view) for view in self.views):
            return
        connected = connect_and_sign_in(self, self.context.user)
        if connected is None:
            return
        context = AppContext(
            connected.place,
            connected.user,
            self.context._today,
            synchronous=self.context.synchronous,
            auto_backup=self.context.auto_backup,
            store=connected.store,
        )
        self.open_instead(context)

    def open_school_file(self) -> None:
        """File → Open a school file…: the file chosen, then as `open_school_at`."""
        from PySide6.QtWidgets import QFileDialog

        start = "" if self.context.on_server else str(self.context.store.path.parent)
        chosen, _ = QFileDialog.getOpenFileName(
            self, "Open a school file", start, "School files (*.sqlite);;All files (*)"
        )
        if chosen:
            self.open_school_at(Path(chosen))

    def open_school_at(self, path: Path) -> None:
        """Open the window on the school file `path` instead: the unsaved marks are asked about
        first; the file is checked as at start (not a school file, a newer version, damaged: said
        plainly, nothing changed); its sign-in when it has users. Cancelled at any point: this
        school stays open as it was."""
        from attendance_desk.errors import UserError
        from attendance_desk.gui.login import LoginDialog
        from attendance_desk.services.school import open_school
        from attendance_desk.services.users import users_set_up

        if not all(self._may_leave(view) for view in self.views):
            return
        user = self.context.user
        try:
            with open_school(path) as store:
                if users_set_up(store):
                    login = LoginDialog(store, f"Sign in to {path.name}", user, self)
                    if login.exec() != LoginDialog.DialogCode.Accepted:
                        return
                    user = login.user_name
        except UserError as exc:
            show_error(self, f"{path} was not opened: {exc}")
            return
        context = AppContext(
            path,
            user,
            self.context._today,
            synchronous=self.context.synchronous,
            auto_backup=self.context.auto_backup,
        )
        self.open_instead(context)

    def open_instead(self, context: AppContext) -> MainWindow:
        """Open the window on another school (`context`) and close this one and its school."""
        window = MainWindow(context)
        window.restoreGeometry(self.saveGeometry())
        window.show()
        self.successor = window  # kept: a window nobody refers to would be collected
        self._retire()
        self.close()
        self.context.close()
        self.switched.emit(window)
        return window

    def _retire(self) -> None:
        """This window is being replaced: its timers stop (the idle lock, the backups)."""
        if self.idle_lock is not None:
            from PySide6.QtWidgets import QApplication

            self.idle_lock.timer.stop()
            QApplication.instance().removeEventFilter(self.idle_lock)
        if self.backup_timer is not None:
            self.backup_timer.stop()

    def _attendance_menu(self) -> None:
        """Leave requests, penalty notices, missing education, social workers, messages."""
        menu = self.menuBar().addMenu("&Attendance")
        for text, slot in (
            ("&Leave requests…", self.leave_requests),
            ("&Penalty notices…", self.penalty_notices),
            ("&Missing education referrals…", self.cme_referrals),
            ("&Social workers today…", self.social_workers),
            ("&Messages for the texting service…", self.text_messages),
        ):
            action = QAction(text, self)
            action.triggered.connect(slot)
            menu.addAction(action)

    def text_messages(self) -> None:
        from attendance_desk.gui.messages_dialog import MessagesDialog

        MessagesDialog(self.context, self).exec()

    def social_workers(self) -> None:
        from attendance_desk.gui.social_workers_dialog import SocialWorkersDialog

        SocialWorkersDialog(self.context, parent=self).exec()

    def cme_referrals(self) -> None:
        from attendance_desk.gui.cme_dialog import CmeDialog

        CmeDialog(self.context, parent=self).exec()

    def penalty_notices(self) -> None:
        from attendance_desk.gui.penalty_dialog import PenaltyDialog

        PenaltyDialog(self.context, parent=self).exec()

    def leave_requests(self) -> None:
        from attendance_desk.gui.leave_dialog import LeaveDialog

        LeaveDialog(self.context, self).exec()

    def show_keyboard_help(self) -> None:
        from attendance_desk.gui.help import KeyboardHelp

        KeyboardHelp(self).exec()

    def _data_changed(self) -> None:
        """Refresh the screen in view now; the others when they are next shown."""
        self._fresh.clear()
        self.show_view(self.stack.currentIndex())

    def show_view(self, row: int) -> None:
        leaving = self.stack.currentIndex()
        if leaving != row and not self._may_leave(self.views[leaving]):
            self.nav.blockSignals(True)  # Cancel: stay on the screen with the unsaved work
            self.nav.setCurrentRow(leaving)
            self.nav.blockSignals(False)
            return
        self.stack.setCurrentIndex(row)
        if row not in self._fresh:
            self.views[row].refresh()
            if row not in self._unread:  # not read (the school's server): read again when shown
                self._fresh.add(row)
        self._show_unread()

    # ---- a screen the school's server could not give -----------------------------------
    def _unread_bar(self) -> None:
        """Above the screen: why it could not be read, in place, with Refresh (hidden while
        every screen reads)."""
        self.unread = QWidget()
        self.unread.setObjectName("unreadBar")
        self.unread.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.unread.setStyleSheet(
            "#unreadBar { background: #FFF4E5; border: 1px solid #E8B66B; border-radius: 3px; }"
        )
        bar = QHBoxLayout(self.unread)
        bar.setContentsMargins(12, 8, 12, 8)
        self.unread_text = QLabel()
        self.unread_text.setProperty("role", "warning")
        self.unread_text.setWordWrap(True)
        self.unread_text.setAccessibleName("Why this screen could not be read")
        self.unread_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.unread_refresh = QPushButton("&Refresh")
        self.unread_refresh.setAccessibleName("Read this screen again")
        self.unread_refresh.clicked.connect(self._read_again)
        bar.addWidget(self.unread_text, 1)
        bar.addWidget(self.unread_refresh, 0, Qt.AlignmentFlag.AlignTop)
        self.unread.hide()

    def _could_not_read(self, view, text: str) -> None:
        if view not in self.views:
            return
        row = self.views.index(view)
        self._unread[row] = text
        self._fresh.discard(row)
        self._show_unread()

    def _read(self, view) -> None:
        if view in self.views and self._unread.pop(self.views.index(view), None) is not None:
            self._show_unread()

    def _show_unread(self) -> None:
        """The screen in view: if it could not be read, say so above it, and grey what it shows
        (an old or empty list is not an answer), unless it holds marks typed and not saved."""
        row = self.stack.currentIndex()
        text = self._unread.get(row)
        self.unread_text.setText(text or "")
        self.unread.setVisible(bool(text))
        for n, view in enumerate(self.views):
            typed = bool(getattr(getattr(view, "model", None), "pending", None))
            view.setEnabled(n not in self._unread or typed)

    def _read_again(self) -> None:
        row = self.stack.currentIndex()
        self._fresh.discard(row)
        self.show_view(row)

    def _server_reachable(self, reachable: bool) -> None:
        """The school's server lost (a warning that stays in the status bar), or back: the
        screen in view is read again, the others when next shown."""
        self.server_warning.setToolTip(
            "" if reachable else f"The school's server cannot be reached: {self.context.lost}"
        )
        self.server_warning.setVisible(not reachable)
        if reachable:
            self._fresh.clear()
            self.show_view(self.stack.currentIndex())

    def _may_leave(self, view) -> bool:
        """A screen holding unsaved work (the registers) asks Save / Discard / Cancel; while the
        window is locked nobody is signed in, so it asks only whether to discard it."""
        confirm = getattr(view, "confirm_leave", None)
        if confirm is None:
            return True
        return confirm(signed_in=False) if self.locked else confirm()

    def import_data(self) -> None:
        from attendance_desk.gui.import_dialog import ImportDialog

        ImportDialog(self.context, self).exec()

    def export_workbook(self) -> None:
        from attendance_desk.domain.calendar import academic_year_bounds, academic_year_of
        from attendance_desk.services.exports import export_xlsx

        path = ask_save_path(
            self,
            self.context.store,
            "Save the attendance workbook",
            "attendance.xlsx",
            "Excel workbook (*.xlsx)",
        )
        if path is None:
            return
        today = self.context.today
        start = academic_year_bounds(academic_year_of(today))[0]
        task = Task(
            self.context.path,
            lambda store, progress: export_xlsx(
                store, Path(path), start, today, progress, self.context.user
            ),
        )
        task.signals.done.connect(lambda n: self.context.status.emit(f"Saved {path} ({n} pupils)"))
        task.signals.failed.connect(lambda message: show_error(self, message))
        self.context.status.emit("Writing the workbook…")
        self.context.run(task)

    def lock(self) -> None:
        """Left alone: hide the pupils' data until someone signs in again (the same or another user)."""
        from attendance_desk.gui.login import LoginDialog

        self.centralWidget().hide()
        self.locked = True  # nobody is signed in: closing may not save the unsaved marks
        while True:
            dialog = LoginDialog(
                self.context.store, "Locked: sign in to carry on", self.context.user, self
            )
            if dialog.exec() == LoginDialog.DialogCode.Accepted:
                break
            if self.close():  # closing may be cancelled to keep unsaved marks: then stay locked
                return
        self.locked = False
        previous, self.context.user = self.context.user, dialog.user_name
        self._show_where()
        told = [
            text
            for view in self.views
            if (changed := getattr(view, "user_changed", None))
            and (text := changed(previous, self.context.user))
        ]
        self.centralWidget().show()
        self.idle_lock.timer.start()
        if told:  # a different person: the previous user's unsaved work is never kept as theirs
            from attendance_desk.gui import registers

            registers.tell(self, "Unsaved marks discarded", "\n\n".join(told))

    def _fit_message(self, text: str) -> None:
        """A message too long for the room the status bar's lasting labels leave (the last backup,
        the school and who is signed in) has the whole bar while it shows; the labels come back
        when it goes. Warnings (a network drive, the weekly check) always stay."""
        bar = self.statusBar()
        quiet = (self.backup_label, self.where)
        warnings = ("share_warning", "server_warning", "check_status", "check_warning")
        others = [w for w in (getattr(self, name, None) for name in warnings) if w is not None]
        others = [w for w in others if w.isVisible()]
        if not text:
            for label in quiet:
                label.setVisible(True)
            return
        taken = sum(w.sizeHint().width() for w in (*quiet, *others)) + 24 * (len(others) + 3)
        needed = bar.fontMetrics().horizontalAdvance(text)
        squeezed = needed > bar.width() - taken
        for label in quiet:
            label.setVisible(not squeezed)

    def _show_where(self, school_name: str | None = None) -> None:
        """The school, its file or server, and who is signed in (after every sign-in)."""
        name = school_name or school_settings(self.context.store).name
        where = (
            f"School's server: {self.context.path.name}"
            if self.context.on_server
            else self.context.path.name
        )
        self.where.setText(f"{name} · {where} · signed in as {self.context.user}")
        self.where.setToolTip(
            f"Connected to {self.context.path} as the PC's login"
            if self.context.on_server
            else str(self.context.path)
        )

    def _show_last_backup(self, stamp: str) -> None:
        if self.context.on_server:  # the school's IT backs up the server (pg_dump), not this PC
            self.backup_label.setText("Backups: by the school's IT (server)")
            from attendance_desk.services.server import ABOUT_A_FILE

            why = ABOUT_A_FILE["backup"]  # what the command line says too
            self.backup_label.setToolTip(
                "This PC makes no backups of the school's server: " + why + "."
            )
            return
        text = dmy_hm(datetime.fromisoformat(stamp)) if stamp else "never"
        self.backup_label.setText(f"Last backup: {text}")

    def _backup_in_background(self, starting: bool = True) -> None:
        """A backup off the GUI thread (when the window opens, then whenever BACKUP_EVERY has passed
        since the last one). Closing the window cancels it rather than wait: the copy is given its
        name only once verified, so it is then simply absent (docs/reliability.md)."""
        if (
            self.context.closed
            or self.context.on_server
            or not self.isVisible()
            or self._backup_task is not None
        ):
            if starting:
                self.startup_finished.emit()
            return
        from attendance_desk.services.backups import make_backup

        task = Task(
            self.context.path, lambda store, progress: make_backup(store, progress=progress)
        )
        self._backup_task = task
        task.signals.done.connect(self._backed_up)
        task.signals.failed.connect(
            lambda message: self.context.status.emit(f"Backup failed: {message}")
        )
        task.signals.finished.connect(self._backup_finished)
        if starting:
            task.signals.finished.connect(self.startup_finished)
            task.signals.finished.connect(self._full_check_if_due)
        self.backup_label.setText("Backing up…")
        self.context.run_background(task)

    def _backed_up(self, result) -> None:
        for warning in result.warnings:
            self.context.status.emit(f"Backed up, but {warning}")

    def _backup_finished(self) -> None:
        self._backup_task = None
        if self.context.closed:  # delivered after the school file was closed
            return
        self._show_last_backup(school_settings(self.context.store).last_backup)

    def _backup_if_due(self) -> None:
        from attendance_desk.services.backups import backup_due

        if self._backup_task is None and backup_due(self.context.store):
            self._backup_in_background(starting=False)

    def _full_check_if_due(self) -> None:
        """The full integrity check, weekly, in the background (after the start-up backup)."""
        from attendance_desk.services.check import full_check_due

        if self.context.closed or self._check_task is not None:
            return
        if full_check_due(self.context.store):
            self._start_full_check("")

    def _start_full_check(self, by: str, follow=None) -> Task:
        """Run the full check in the background; the status bar shows its progress and a Cancel.
        `follow(task)` is called before it starts (a dialog connecting to its signals)."""
        from PySide6.QtWidgets import QProgressBar, QPushButton

        from attendance_desk.services.check import full_check

        task = Task(
            self.context.path,
            lambda store, progress: full_check(store, by, self.context.now(), progress),
        )
        self._check_task = task
        status = QWidget()
        row = QHBoxLayout(status)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(
            QLabel(
                "Checking the school's data"
                if self.context.on_server
                else "Checking the school file"
            )
        )
        bar = QProgressBar()
        bar.setRange(0, 1000)
        bar.setMaximumWidth(160)
        bar.setAccessibleName("Progress of the full check")
        row.addWidget(bar)
        cancel = QPushButton("Cancel")
        cancel.setAccessibleName("Cancel the full check")
        cancel.clicked.connect(task.cancel)
        row.addWidget(cancel)
        self.check_status = status
        self.statusBar().insertPermanentWidget(0, status)
        task.signals.progress.connect(lambda done, _total: bar.setValue(done))
        task.signals.done.connect(self._full_check_done)
        task.signals.failed.connect(
            lambda message: self.context.status.emit(f"Full check: {message}")
        )
        task.signals.finished.connect(self._full_check_finished)
        if follow is not None:
            follow(task)
        self.context.run_background(task)
        return task

    def _full_check_done(self, report) -> None:
        if self.context.closed:
            return
        if self.check_warning is not None:
            self.statusBar().removeWidget(self.check_warning)
            self.check_warning.deleteLater()
            self.check_warning = None
        if report.ok:
            self.context.status.emit(f"Full check of {self._what_is_checked()}: no problems found")
            return
        self.check_warning = QLabel(f"⚠ Full check: {len(report.problems)} problem(s)")
        self.check_warning.setToolTip(
            "\n".join(report.problems[:10])
            + f"\nFile → Check {self._what_is_checked()}… lists them all"
        )
        self.statusBar().insertPermanentWidget(0, self.check_warning)

    def _full_check_finished(self) -> None:
        self._check_task = None
        if self.check_status is not None:
            self.statusBar().removeWidget(self.check_status)
            self.check_status.deleteLater()
            self.check_status = None

    def check_school_file(self) -> None:
        """File → Check the school file…: the full check, with its progress and Cancel (the weekly
        one, if it is running, is followed rather than started again)."""
        from attendance_desk.gui.check_dialog import CheckDialog
        from attendance_desk.services.check import last_full_check

        last = last_full_check(self.context.store) or {}
        if self.check_dialog is not None:
            self.check_dialog.deleteLater()
        dialogs: list[CheckDialog] = []
        server = self.context.on_server
        if self._check_task is not None:
            dialogs.append(CheckDialog(self._check_task, self, last, server))
        else:
            self._start_full_check(
                self.context.user,
                lambda task: dialogs.append(CheckDialog(task, self, last, server)),
            )
        self.check_dialog = dialogs[0]
        self.check_dialog.exec()

    def _what_is_checked(self) -> str:
        return "the school's data" if self.context.on_server else "the school file"

    def closeEvent(self, event) -> None:  # noqa: N802
        if not all(self._may_leave(view) for view in self.views):
            event.ignore()  # Cancel: keep the unsaved marks and the window
            return
        # no backup here, and none waited for: AppContext.close cancels a running one
        settings = QSettings("AttendanceDesk", "AttendanceDesk")
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/view", self.nav.currentRow())
        super().closeEvent(event)
