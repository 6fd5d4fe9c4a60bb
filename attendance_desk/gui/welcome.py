"""First run: no school file yet. Open the demo school, create a school (with this year's usual
calendar to adjust), create one and bring in the MIS's Common Transfer File, or connect to the
school's server (several PCs at once: docs/server.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from attendance_desk.domain.calendar import academic_year_label, academic_year_of
from attendance_desk.domain.roles import MIN_LENGTH, password_problem
from attendance_desk.errors import UserError
from attendance_desk.gui.server_dialog import Connected
from attendance_desk.gui.widgets import show_error
from attendance_desk.services.school import ServiceError, add_typical_year, create_school
from attendance_desk.services.users import add_user


class CreateSchoolDialog(QDialog):
    def __init__(self, today: date, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Create your school")
        self.fields = {
            key: QLineEdit()
            for key in ("name", "urn", "local_authority", "head_teacher", "attendance_lead")
        }
        labels = {
            "name": "School name",
            "urn": "URN (6 digits)",
            "local_authority": "Local authority",
            "head_teacher": "Head teacher",
            "attendance_lead": "Attendance lead",
        }
        form = QFormLayout()
        for key, edit in self.fields.items():
            edit.setAccessibleName(labels[key])
            form.addRow(labels[key], edit)
        self.admin = QLineEdit()
        self.admin.setAccessibleName("Administrator's name")
        self.password = QLineEdit()
        self.password.setAccessibleName("Administrator's password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Your name (administrator)", self.admin)
        form.addRow(f"Password ({MIN_LENGTH}+ characters)", self.password)
        self.calendar = QCheckBox(
            f"Add the usual calendar for {academic_year_label(academic_year_of(today))} "
            "(terms, INSET days, bank holidays) to adjust in Settings"
        )
        self.calendar.setChecked(True)
        form.addRow(self.calendar)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)


class WelcomeDialog(QDialog):
    """Ends with `self.path` set to the school file to open, and `self.import_ctf` if asked for;
    or with `self.connected` (the school's server, open and signed in to)."""

    def __init__(self, path: Path, today: date, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Welcome to Attendance Desk")
        self.target, self.today = path, today
        self.path: Path | None = None
        self.admin_name = ""
        self.import_ctf = False
        self.connected: Connected | None = None
        intro = QLabel(
            "<h2>Welcome to Attendance Desk</h2>"
            "<p>Registers, first-day calls, the attendance support map, letters and evidence packs, "
            "on this computer: nothing leaves it unless you export it.</p>"
            f"<p>The school file will be kept at <tt>{path}</tt>. Several PCs working on one "
            "school at once: connect to the school's server that IT has set up.</p>"
        )
        intro.setWordWrap(True)
        self.demo = QPushButton("Try the &demo school (synthetic pupils)")
        self.create = QPushButton("&Create your school…")
        self.ctf = QPushButton("Create your school and &import a CTF from your MIS…")
        self.server = QPushButton("Connect to the &school's server…")
        for button in (self.demo, self.create, self.ctf, self.server):
            button.setMinimumHeight(40)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        for button in (self.demo, self.create, self.ctf, self.server):
            layout.addWidget(button)
        self.server.setToolTip(
            "Several PCs working on one school at the same time: the school's database on a "
            "server IT runs (PostgreSQL). IT's sheet gives the server, the database and your login."
        )
        self.server.clicked.connect(self._connect)
        self.demo.clicked.connect(self._demo)
        self.create.clicked.connect(lambda: self._create(import_ctf=False))
        self.ctf.clicked.connect(lambda: self._create(import_ctf=True))

    def _connect(self) -> None:
        from attendance_desk.gui.server_dialog import connect_and_sign_in

        self.connected = connect_and_sign_in(self)
        if self.connected is not None:
            self.accept()

    def _demo(self) -> None:
        from attendance_desk.services.demo import build_demo_school

        demo = self.target.with_name("demo-school.sqlite")
        if not demo.exists():
            build_demo_school(demo, today=self.today).close()
        self.path = demo
        self.accept()

    def _remove_new_file(self) -> None:
        """The school file this dialog has just made and could not finish (no administrator)."""
        for suffix in ("", "-journal", "-wal", "-shm"):
            self.target.with_name(self.target.name + suffix).unlink(missing_ok=True)

    def _create(self, import_ctf: bool) -> None:
        dialog = CreateSchoolDialog(self.today, self)
        while dialog.exec() == QDialog.DialogCode.Accepted:
            values = {k: e.text().strip() for k, e in dialog.fields.items()}
            try:
                if not dialog.admin.text().strip():
                    raise ServiceError("give your name: you will be the administrator")
                problem = password_problem(dialog.password.text())
                if problem:  # before the school file is made (add_user would refuse it after)
                    raise ServiceError(f"{problem}: you will be the administrator")
                store = create_school(self.target, values.pop("name"), values.pop("urn"), **values)
                done = False
                try:
                    if dialog.calendar.isChecked():
                        add_typical_year(store, academic_year_of(self.today))
                    add_user(
                        store, "", dialog.admin.text().strip(), "admin", dialog.password.text()
                    )
                    done = True
                finally:
                    store.close()
                    if not done:  # e.g. a common password: the file just made goes, so the
                        self._remove_new_file()  # next try is not refused as "already exists"
            except UserError as exc:
                show_error(dialog, str(exc))
                continue
            self.path, self.import_ctf = self.target, import_ctf
            self.admin_name = dialog.admin.text().strip()
            self.accept()
            return
