"""Settings: school details and register close times, the calendar, and the support map."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import datetime

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from attendance_desk.domain.calendar import academic_year_label, academic_year_of
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
from attendance_desk.services.school import (
    add_closure,
    add_term,
    add_typical_year,
    choose_support_map,
    remove_closure,
    remove_term,
    save_settings,
    support_map,
    support_map_choices,
)
from attendance_desk.services.users import add_user
from attendance_desk.store.settings import SchoolSettings

LABELS = {
    "name": "School name", "urn": "URN", "local_authority": "Local authority", "la_number": "LA number",
    "estab_number": "Establishment number", "address": "Address", "phone": "Phone", "email": "E-mail",
    "head_teacher": "Head teacher", "attendance_lead": "Attendance lead", "named_ewo": "Named EWO",
    "am_register_opens": "AM register opens", "am_register_closes": "AM register closes",
    "pm_register_opens": "PM register opens", "pm_register_closes": "PM register closes",
    "support_map": "Support map file",
    "stages_at_year_start": "Stages on 1 September (keep / restart)",
    "logo": "Logo for letters (file)",
    "backup_folder": "Backup folder",
    "last_backup": "Last backup (set by the program)",
    "head_signature": "Head's signature (image file)",
    "lock_minutes": "Lock after idle minutes",
}


class SettingsView(QWidget):
    title = "Settings"

    def __init__(self, context: AppContext):
        super().__init__()
        self.context = context
        self.edits: dict[str, QLineEdit] = {}
        details = QWidget()
        form = QFormLayout(details)
        for f in fields(SchoolSettings):
            edit = QLineEdit()
            edit.setAccessibleName(LABELS[f.name])
            edit.setReadOnly(f.name == "last_backup")
            self.edits[f.name] = edit
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
        add_term_button, remove_term_button = QPushButton("Add term"), QPushButton("Remove selected term")
        self.closure_day = date_edit(context.today, "Closure date")
        self.closure_sessions = QComboBox()
        self.closure_sessions.setAccessibleName("Closed sessions")
        for label, sessions in (("All day", ("AM", "PM")), ("Morning", ("AM",)), ("Afternoon", ("PM",))):
            self.closure_sessions.addItem(label, sessions)
        self.closure_kind = QComboBox()
        self.closure_kind.setAccessibleName("Kind of closure")
        for label, kind in (("INSET day", "inset"), ("Bank holiday", "bank_holiday"), ("Other closure", "closure")):
            self.closure_kind.addItem(label, kind)
        self.closure_text = QLineEdit()
        self.closure_text.setAccessibleName("Closure description")
        self.closure_text.setPlaceholderText("e.g. polling station")
        add_closure_button, remove_closure = QPushButton("Add closure"), QPushButton("Remove selected closure")
        calendar = QWidget()
        cal_layout = QVBoxLayout(calendar)
        columns = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(self.terms)
        term_row = QHBoxLayout()
        for w in (self.term_name, self.term_start, self.term_end, add_term_button):
            term_row.addWidget(w)
        left.addLayout(term_row)
        left.addWidget(remove_term_button)
        right.addWidget(self.closures)
        closure_row = QHBoxLayout()
        for w in (self.closure_day, self.closure_sessions, self.closure_kind, self.closure_text, add_closure_button):
            closure_row.addWidget(w)
        right.addLayout(closure_row)
        right.addWidget(remove_closure)
        columns.addLayout(left)
        columns.addLayout(right)
        cal_layout.addLayout(columns)
        cal_layout.addWidget(add_year)
        self.ladder = ReadOnlyTable(["Stage", "Threshold", "Letter", "Actions"], "Support map")
        self.map_choice = QComboBox()
        self.map_choice.setAccessibleName("Support map in use")
        self.map_choice.addItems(support_map_choices())
        use_map = QPushButton("Use this support map")
        ladder_page = QWidget()
        ladder_layout = QVBoxLayout(ladder_page)
        choice_row = QHBoxLayout()
        choice_row.addWidget(self.map_choice)
        choice_row.addWidget(use_map)
        choice_row.addStretch()
        ladder_layout.addLayout(choice_row)
        ladder_layout.addWidget(self.ladder)
        ladder_layout.addWidget(QLabel("The support map is school policy, kept as a file in resources/ "
                                       "(support_map.toml and support_maps/): edit the thresholds and wording there."))
        tabs = QTabWidget()
        tabs.addTab(details, "School")
        tabs.addTab(calendar, "Calendar")
        tabs.addTab(ladder_page, "Support map")
        tabs.addTab(self._users_page(), "Users")
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
        for w in (QLabel("Name"), self.new_name, QLabel("Role"), self.new_role, QLabel("Password"), self.new_password, add):
            row.addWidget(w)
        layout.addWidget(self.users)
        layout.addLayout(row)
        layout.addWidget(QLabel("With no users the file is open to whoever uses this computer; the first user is the "
                                "administrator, and from then on everyone signs in and the window locks when idle."))
        add.clicked.connect(self._add_user)
        return page

    def _add_user(self) -> None:
        name, role, password = self.new_name.text(), self.new_role.currentData(), self.new_password.text()
        first = not self.context.store.users.any()
        self._act(lambda: add_user(self.context.store, self.context.user, name, role, password), f"User {name} added")
        if first and self.context.store.users.by_name(name.strip()):
            self.context.user = name.strip()  # whoever set up users is signed in as the administrator
        self.new_password.clear()

    def refresh(self) -> None:
        self.users.fill([(u.name, ROLE_NAMES[u.role], "Yes" if u.active else "No") for u in self.context.store.users.all()])
        self.audit.fill([(e.at[:16].replace("T", " "), e.user, e.action, e.subject, e.detail)
                         for e in reversed(self.context.store.audit.entries()[-500:])])
        settings = self.context.store.settings.school()
        for name, edit in self.edits.items():
            edit.setText(str(getattr(settings, name)))
        self.terms.fill([(t.name, dmy(t.start), dmy(t.end)) for t in self.context.store.calendar.terms()])
        self.closures.fill([(dmy(c.day), " and ".join(c.sessions), c.kind.replace("_", " "), c.description)
                            for c in self.context.store.calendar.closures()])
        self.map_choice.setCurrentText(settings.support_map)
        try:
            ladder = support_map(self.context.store)
            unit = "days" if ladder.measure == "days_absent" else "% attendance (below)"
            self.ladder.fill([(s.name, f"{s.threshold:g} {unit}", s.letter or "", "; ".join(s.actions))
                              for s in ladder.stages])
        except UserError as exc:
            self.ladder.fill([(str(exc), "", "", "")])

    def save(self) -> None:
        current = self.context.store.settings.school()
        values = {name: edit.text().strip() for name, edit in self.edits.items()}
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
        self.context.status.emit(f"Added the usual terms, INSET days and bank holidays for "
                                 f"{academic_year_label(year)}: adjust them to the school's dates")
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
        self._act(lambda: add_term(self.context.store, self.term_name.text(), from_qdate(self.term_start.date()),
                                   from_qdate(self.term_end.date()), self.context.user), "Term added")

    def _remove_term(self) -> None:
        row = self.terms.currentRow()
        if row >= 0:
            name = self.terms.item(row, 0).text()
            self._act(lambda: remove_term(self.context.store, name, self.context.user), f"Removed {name}")

    def _add_closure(self) -> None:
        self._act(lambda: add_closure(self.context.store, from_qdate(self.closure_day.date()),
                                      self.closure_sessions.currentData(), self.closure_kind.currentData(),
                                      self.closure_text.text(), self.context.user), "Closure added")

    def _remove_closure(self) -> None:
        row = self.closures.currentRow()
        if row >= 0:
            day = datetime.strptime(self.closures.item(row, 0).text(), "%d/%m/%Y").date()
            self._act(lambda: remove_closure(self.context.store, day, self.context.user), "Closure removed")

    def _use_map(self) -> None:
        name = self.map_choice.currentText()
        self._act(lambda: choose_support_map(self.context.store, name, self.context.user), f"Support map: {name}")
