"""Settings: school details and register times (time pickers, Browse buttons), the calendar (labelled
rows), the support map (switching shows each pupil's stage carried over or closed), users, the audit log.
Every page scrolls, so the window fits a 1280×720 screen at a large font."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from attendance_desk.domain.calendar import academic_year_label, academic_year_of
from attendance_desk.domain.records import SchoolSettings
from attendance_desk.domain.roles import ROLE_NAMES
from attendance_desk.errors import UserError
from attendance_desk.gui.context import AppContext
from attendance_desk.gui.widgets import (
    ReadOnlyTable,
    date_edit,
    dmy,
    from_qdate,
    heading,
    show_error,
)
from attendance_desk.presentation import DATE_FORMAT
from attendance_desk.services.school import (
    add_closure,
    add_term,
    add_typical_year,
    calendar_entries,
    remove_closure,
    remove_term,
    save_settings,
    school_settings,
    support_map,
    support_map_choices,
)
from attendance_desk.services.stages import switch_support_map
from attendance_desk.services.users import (
    add_user,
    recent_audit_entries,
    role_of,
    set_signature,
    user_exists,
    users_on_screen,
    users_set_up,
)

LABELS = {
    "name": "School name",
    "urn": "URN",
    "local_authority": "Local authority",
    "la_number": "LA number",
    "estab_number": "Establishment number",
    "address": "Address",
    "phone": "Phone",
    "email": "E-mail",
    "head_teacher": "Head teacher",
    "attendance_lead": "Attendance lead",
    "named_ewo": "Named EWO",
    "am_register_opens": "AM register opens",
    "am_register_closes": "AM register closes",
    "pm_register_opens": "PM register opens",
    "pm_register_closes": "PM register closes",
    "support_map": "Support map file",
    "stages_at_year_start": "Stages on 1 September (keep / restart)",
    "logo": "Logo for letters (file)",
    "backup_folder": "Backup folder",
    "last_backup": "Last backup (set by the program)",
    "head_signature": "Head's signature (image file)",
    "lock_minutes": "Lock after idle minutes",
    "leave_decision_days": "Leave requests: reply within (school days)",
    "leave_delegates": "Leave decisions delegated by the head to (users, comma-separated)",
    "penalty_sessions": "Penalty notices: unauthorised sessions (LA code of conduct)",
    "penalty_weeks": "Penalty notices: in this many school weeks",
    "cme_days": "Missing education: refer after (school days unexplained)",
    "lateness_letter1": "Lateness letter 1: late marks (L) in a half-term",
    "lateness_letter2": "Lateness letter 2: late marks (L) in a half-term",
    "part_time_tell_la": "Part-time timetables: the local authority is told of each (yes / no)",
}
TIMES = ("am_register_opens", "am_register_closes", "pm_register_opens", "pm_register_closes")
BROWSE = {"logo": "image", "backup_folder": "folder"}


def scrolled(page: QWidget) -> QScrollArea:
    """A page that scrolls instead of forcing the window larger than the screen."""
    area = QScrollArea()
    area.setWidget(page)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area


def show_changes(parent: QWidget, title: str, text: str) -> None:
    """An information box (tests replace it)."""
    QMessageBox.information(parent, title, text)


class SettingsView(QWidget):
    title = "Settings"

    def __init__(self, context: AppContext):
        super().__init__()
        self.context = context
        self.edits: dict[str, QLineEdit] = {}
        self.times: dict[str, QTimeEdit] = {}
        details = QWidget()
        form = QFormLayout(details)
        for f in fields(SchoolSettings):
            if f.name == "logo":  # kept in the school file: Letters and documents
                continue
            if f.name == "head_signature":  # kept on the head's own account now, not as a path
                form.addRow(LABELS[f.name], self._signature_row())
                continue
            if f.name in TIMES:
                picker = QTimeEdit()
                picker.setDisplayFormat("HH:mm")
                picker.setAccessibleName(LABELS[f.name])
                self.times[f.name] = picker
                form.addRow(LABELS[f.name], picker)
                continue
            edit = QLineEdit()
            edit.setAccessibleName(LABELS[f.name])
            edit.setReadOnly(f.name in ("last_backup", "support_map"))
            self.edits[f.name] = edit
            if f.name in BROWSE:
                row = QHBoxLayout()
                row.addWidget(edit, 1)
                browse = QPushButton("Browse…")
                browse.setAccessibleName(f"Browse for the {LABELS[f.name].lower()}")
                browse.clicked.connect(lambda _=False, name=f.name: self._browse(name))
                row.addWidget(browse)
                form.addRow(LABELS[f.name], row)
            else:
                form.addRow(LABELS[f.name], edit)
        save = QPushButton("&Save school details")
        form.addRow(save)
        self.terms = ReadOnlyTable(["Term", "Starts", "Ends"], "Terms")
        self.closures = ReadOnlyTable(["Date", "Sessions", "Kind", "Description"], "Closures")
        add_year = QPushButton("Add the usual calendar for next year")
        self.term_name = QLineEdit()
        self.term_name.setPlaceholderText("e.g. Spring 1 2027")
        self.term_name.setAccessibleName("Term name")
        self.term_start = date_edit(context.today, "Term starts")
        self.term_end = date_edit(context.today, "Term ends")
        add_term_button, remove_term_button = (
            QPushButton("Add term"),
            QPushButton("Remove selected term"),
        )
        self.closure_day = date_edit(context.today, "Closure date")
        self.closure_sessions = QComboBox()
        self.closure_sessions.setAccessibleName("Closed sessions")
        for label, sessions in (
            ("All day", ("AM", "PM")),
            ("Morning", ("AM",)),
            ("Afternoon", ("PM",)),
        ):
            self.closure_sessions.addItem(label, sessions)
        self.closure_kind = QComboBox()
        self.closure_kind.setAccessibleName("Kind of closure")
        for label, kind in (
            ("INSET day", "inset"),
            ("Bank holiday", "bank_holiday"),
            ("Other closure", "closure"),
        ):
            self.closure_kind.addItem(label, kind)
        self.closure_text = QLineEdit()
        self.closure_text.setAccessibleName("Closure description")
        self.closure_text.setPlaceholderText("e.g. polling station")
        add_closure_button, remove_closure = (
            QPushButton("Add closure"),
            QPushButton("Remove selected closure"),
        )
        calendar = QWidget()
        cal_layout = QVBoxLayout(calendar)
        columns = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(QLabel("Terms"))
        left.addWidget(self.terms)
        term_form = QFormLayout()
        term_form.addRow("Term name", self.term_name)
        term_form.addRow("Starts", self.term_start)
        term_form.addRow("Ends", self.term_end)
        left.addLayout(term_form)
        term_buttons = QHBoxLayout()
        term_buttons.addWidget(add_term_button)
        term_buttons.addWidget(remove_term_button)
        left.addLayout(term_buttons)
        right.addWidget(QLabel("Closures (INSET days, bank holidays, other closures)"))
        right.addWidget(self.closures)
        closure_form = QFormLayout()
        closure_form.addRow("Date", self.closure_day)
        closure_form.addRow("Sessions", self.closure_sessions)
        closure_form.addRow("Kind", self.closure_kind)
        closure_form.addRow("Description", self.closure_text)
        right.addLayout(closure_form)
        closure_buttons = QHBoxLayout()
        closure_buttons.addWidget(add_closure_button)
        closure_buttons.addWidget(remove_closure)
        right.addLayout(closure_buttons)
        columns.addLayout(left)
        columns.addLayout(right)
        cal_layout.addLayout(columns)
        cal_layout.addWidget(add_year)
        self.ladder = ReadOnlyTable(["Stage", "Threshold", "Letter", "Actions"], "Support map")
        self.map_choice = QComboBox()
        self.map_choice.setAccessibleName("Support map in use")
        self.map_choice.addItems(support_map_choices(context.store))
        use_map = QPushButton("Use this support map")
        ladder_page = QWidget()
        ladder_layout = QVBoxLayout(ladder_page)
        choice_row = QHBoxLayout()
        choice_row.addWidget(self.map_choice)
        choice_row.addWidget(use_map)
        choice_row.addStretch()
        ladder_layout.addLayout(choice_row)
        ladder_layout.addWidget(self.ladder)
        ladder_layout.addWidget(
            QLabel(
                "The support map is school policy, kept in the school file: change its "
                "thresholds and wording under Letters and documents (every version is kept)."
            )
        )
        tabs = QTabWidget()
        self.tabs = tabs
        tabs.addTab(scrolled(details), "School")
        tabs.addTab(scrolled(calendar), "Calendar")
        tabs.addTab(scrolled(ladder_page), "Support map")
        from attendance_desk.gui.school_documents import DocumentsPage

        self.documents_page = DocumentsPage(context)
        tabs.addTab(scrolled(self.documents_page), "Letters and documents")
        tabs.addTab(scrolled(self._users_page()), "Users")
        self.audit = ReadOnlyTable(["When", "Who", "What", "About", "Detail"], "Audit log")
        tabs.addTab(self.audit, "Audit log")
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Settings"))
        layout.addWidget(tabs, 1)
        save.clicked.connect(self.save)
        add_year.clicked.connect(self._add_year)
        add_term_button.clicked.connect(self._add_term)
        remove_term_button.clicked.connect(self._remove_term)
        add_closure_button.clicked.connect(self._add_closure)
        remove_closure.clicked.connect(self._remove_closure)
        use_map.clicked.connect(self._use_map)

    def _signature_row(self) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.signature_note = QLabel()
        self.signature_button = QPushButton("Choose signature image…")
        self.signature_button.setAccessibleName("Choose the head's signature image")
        row.addWidget(self.signature_note, 1)
        row.addWidget(self.signature_button)
        self.signature_button.clicked.connect(self._choose_signature)
        return box

    def _browse(self, name: str) -> None:
        edit = self.edits[name]
        if BROWSE[name] == "folder":
            chosen = QFileDialog.getExistingDirectory(self, LABELS[name], edit.text())
        else:
            chosen, _ = QFileDialog.getOpenFileName(
                self, LABELS[name], edit.text(), "Images (*.png *.jpg *.jpeg)"
            )
        if chosen:
            edit.setText(chosen)

    def _choose_signature(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "The head's signature", "", "Images (*.png *.jpg *.jpeg)"
        )
        if not path:
            return
        try:
            image = Path(path).read_bytes()
        except OSError as exc:
            show_error(self, f"Could not read {path}: {exc.strerror}")
            return
        self._act(
            lambda: set_signature(self.context.store, self.context.user, image),
            "Your signature is stored in the school file",
        )

    def _users_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.users = ReadOnlyTable(["Name", "Role", "Active"], "Users")
        self.new_name, self.new_password = QLineEdit(), QLineEdit()
        self.new_name.setAccessibleName("New user's name")
        self.new_password.setAccessibleName("New user's password")
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_role = QComboBox()
        self.new_role.setAccessibleName("New user's role")
        for key, label in ROLE_NAMES.items():
            self.new_role.addItem(label, key)
        add = QPushButton("Add user")
        row = QHBoxLayout()
        for w in (
            QLabel("Name"),
            self.new_name,
            QLabel("Role"),
            self.new_role,
            QLabel("Password"),
            self.new_password,
            add,
        ):
            row.addWidget(w)
        layout.addWidget(self.users)
        layout.addLayout(row)
        layout.addWidget(
            QLabel(
                "With no users the file is open to whoever uses this computer; the first user is the "
                "administrator, and from then on everyone signs in and the window locks when idle."
            )
        )
        add.clicked.connect(self._add_user)
        return page

    def _add_user(self) -> None:
        name, role, password = (
            self.new_name.text(),
            self.new_role.currentData(),
            self.new_password.text(),
        )
        first = not users_set_up(self.context.store)
        self._act(
            lambda: add_user(self.context.store, self.context.user, name, role, password),
            f"User {name} added",
        )
        if first and user_exists(self.context.store, name.strip()):
            self.context.user = (
                name.strip()
            )  # whoever set up users is signed in as the administrator
        self.new_password.clear()

    def refresh(self) -> None:
        self.documents_page.refresh()
        self.users.fill(
            [
                (u.name, ROLE_NAMES[u.role], "Yes" if u.active else "No")
                for u in users_on_screen(self.context.store)
            ]
        )
        self.audit.fill(
            [
                (e.at[:16].replace("T", " "), e.user, e.action, e.subject, e.detail)
                for e in reversed(recent_audit_entries(self.context.store, 500))
            ]
        )
        settings = school_settings(self.context.store)
        for name, edit in self.edits.items():
            edit.setText(str(getattr(settings, name)))
        for name, picker in self.times.items():
            picker.setTime(QTime.fromString(getattr(settings, name), "HH:mm"))
        head = role_of(self.context.store, self.context.user) == "head"
        self.signature_button.setEnabled(head)
        self.signature_note.setText(
            "Kept in the school file on the head's own account"
            + ("" if head else ": only the head teacher, signed in, can set it")
        )
        terms, closures = calendar_entries(self.context.store)
        self.terms.fill([(t.name, dmy(t.start), dmy(t.end)) for t in terms])
        self.closures.fill(
            [
                (dmy(c.day), " and ".join(c.sessions), c.kind.replace("_", " "), c.description)
                for c in closures
            ]
        )
        names = support_map_choices(self.context.store)  # the school may have saved a new one
        if [self.map_choice.itemText(i) for i in range(self.map_choice.count())] != names:
            self.map_choice.clear()
            self.map_choice.addItems(names)
        self.map_choice.setCurrentText(settings.support_map)
        try:
            ladder = support_map(self.context.store)
            unit = "days" if ladder.measure == "days_absent" else "% attendance (below)"
            self.ladder.fill(
                [
                    (s.name, f"{s.threshold:g} {unit}", s.letter or "", "; ".join(s.actions))
                    for s in ladder.stages
                ]
            )
        except UserError as exc:
            self.ladder.fill([(str(exc), "", "", "")])

    def save(self) -> None:
        current = school_settings(self.context.store)
        values = {name: edit.text().strip() for name, edit in self.edits.items()}
        values |= {name: picker.time().toString("HH:mm") for name, picker in self.times.items()}
        try:
            save_settings(self.context.store, replace(current, **values), self.context.user)
        except UserError as exc:
            show_error(self, str(exc))
            return
        self.context.status.emit("School details saved")
        self.context.data_changed.emit()

    def _add_year(self) -> None:
        year = academic_year_of(self.context.today) + 1
        try:
            add_typical_year(self.context.store, year, self.context.user)
        except UserError as exc:
            show_error(self, str(exc))
            return
        self.context.status.emit(
            f"Added the usual terms, INSET days and bank holidays for "
            f"{academic_year_label(year)}: adjust them to the school's dates"
        )
        self.refresh()

    def _act(self, action, done: str) -> None:
        try:
            action()
        except UserError as exc:
            show_error(self, str(exc))
            return
        self.context.status.emit(done)
        self.context.data_changed.emit()

    def _add_term(self) -> None:
        self._act(
            lambda: add_term(
                self.context.store,
                self.term_name.text(),
                from_qdate(self.term_start.date()),
                from_qdate(self.term_end.date()),
                self.context.user,
            ),
            "Term added",
        )

    def _remove_term(self) -> None:
        row = self.terms.currentRow()
        if row >= 0:
            name = self.terms.item(row, 0).text()
            self._act(
                lambda: remove_term(self.context.store, name, self.context.user), f"Removed {name}"
            )

    def _add_closure(self) -> None:
        self._act(
            lambda: add_closure(
                self.context.store,
                from_qdate(self.closure_day.date()),
                self.closure_sessions.currentData(),
                self.closure_kind.currentData(),
                self.closure_text.text(),
                self.context.user,
            ),
            "Closure added",
        )

    def _remove_closure(self) -> None:
        row = self.closures.currentRow()
        if row >= 0:
            day = datetime.strptime(self.closures.item(row, 0).text(), DATE_FORMAT).date()
            self._act(
                lambda: remove_closure(self.context.store, day, self.context.user),
                "Closure removed",
            )

    def _use_map(self) -> None:
        name = self.map_choice.currentText()
        try:
            switch = switch_support_map(
                self.context.store, name, self.context.user, self.context.today
            )
        except UserError as exc:
            show_error(self, str(exc))
            return
        mapped = [c for c in switch.changes if c.new_stage]
        closed = [c for c in switch.changes if not c.new_stage]
        lines = [
            f"Support map now: {name}.",
            f"{len(mapped)} pupil(s) moved to the new map's stage, "
            f"{len(closed)} staged process(es) closed.",
        ]
        lines += [f"• {c.name}: {c.old_stage} → {c.new_stage}" for c in mapped[:40]]
        lines += [
            f"• {c.name}: {c.old_stage} → closed (no equivalent; review against the new map)"
            for c in closed[:40]
        ]
        if len(switch.changes) > 80:
            lines.append("… the full list is in each pupil's chronology and the audit log.")
        if (
            switch.changes
        ):  # with no pupil at a stage there is nothing to tell beyond the status bar
            show_changes(self, "Support map changed", "\n".join(lines))
        self.context.status.emit(f"Support map: {name}")
        self.context.data_changed.emit()
