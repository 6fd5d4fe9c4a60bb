"""Settings: school details, register times and the school's and LA's rules (each setting as what it
is: time pickers, number boxes, a tick box, lists, Browse for a folder; described and checked in
services/settings.py, a refused value said at its field), the calendar (labelled rows), the support map
(switching shows each pupil's stage carried over or closed; the 1 September choice), users, the audit
log. Every page scrolls, so the window fits a 1280×720 screen at a large font."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, QTime
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
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
    QSpinBox,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from attendance_desk.domain.calendar import academic_year_label, academic_year_of
from attendance_desk.domain.records import SchoolSettings
from attendance_desk.domain.roles import ROLE_NAMES
from attendance_desk.errors import UserError
from attendance_desk.gui.context import AppContext, reads
from attendance_desk.gui.widgets import (
    ReadOnlyTable,
    date_edit,
    dmy,
    from_qdate,
    heading,
    show_error,
)
from attendance_desk.presentation import DATE_FORMAT, when_text
from attendance_desk.services.school import (
    CLOSURE_KINDS,
    add_closure,
    add_term,
    add_typical_year,
    calendar_entries,
    remove_closure,
    remove_term,
    save_settings,
    school_settings,
    support_map,
)
from attendance_desk.services.school_documents import support_map_titles
from attendance_desk.services.settings import (
    BY_NAME,
    SETTINGS,
    YES_NO,
    Setting,
    SettingsRefused,
    change_setting,
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

TIMES = ("am_register_opens", "am_register_closes", "pm_register_opens", "pm_register_closes")
# The School page, in sections; every setting of services/settings.SETTINGS but the support map's
# (on its own page) appears once.
SECTIONS = (
    (
        "The school",
        (
            "name",
            "urn",
            "local_authority",
            "la_number",
            "estab_number",
            "address",
            "phone",
            "email",
            "head_teacher",
            "attendance_lead",
            "named_ewo",
        ),
    ),
    ("Register times", TIMES),
    (
        "The school's and the local authority's rules",
        (
            "lateness_letter1",
            "lateness_letter2",
            "leave_decision_days",
            "leave_delegates",
            "penalty_sessions",
            "penalty_weeks",
            "cme_days",
            "part_time_tell_la",
        ),
    ),
    ("Backups and the window", ("backup_folder", "last_backup", "lock_minutes")),
)
ON_THE_MAP_PAGE = ("support_map", "stages_at_year_start")
SERVER_BACKUPS = (
    "On the school's server there is no backup folder to choose: the database is backed up by "
    "the school's IT, not by each PC."
)
LABELS = {s.name: s.label for s in SETTINGS}
SESSION_WORDS = {("AM", "PM"): "All day", ("AM",): "Morning (AM)", ("PM",): "Afternoon (PM)"}


def section(text: str) -> QLabel:
    """A section heading inside a page: bold, a little larger than the application font (never a
    fixed size), so it grows with a 12 pt font."""
    label = QLabel(text)
    label.setProperty("role", "section")
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 1.1)
    font.setWeight(QFont.Weight.DemiBold)
    label.setFont(font)
    return label


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


def _choice_row(text: str, field: QWidget, button: QPushButton) -> QHBoxLayout:
    """A labelled choice with the button that applies it, kept to the left."""
    row = QHBoxLayout()
    label = QLabel(text)
    label.setBuddy(field)
    for widget in (label, field, button):
        row.addWidget(widget)
    row.addStretch()
    return row


class SettingsView(QWidget):
    title = "Settings"

    def __init__(self, context: AppContext):
        super().__init__()
        self.context = context
        self.edits: dict[str, QLineEdit] = {}
        self.times: dict[str, QTimeEdit] = {}
        self.numbers: dict[str, QSpinBox] = {}
        self.checks: dict[str, QCheckBox] = {}
        self.choices: dict[str, QComboBox] = {}
        self.inputs: dict[str, QWidget] = {}  # the widget that takes the keyboard, by setting
        self.problems: dict[str, QLabel] = {}  # a refused value's message, shown at its field
        self.last_backup = QLabel()
        details = QWidget()
        page = QVBoxLayout(details)
        form = QFormLayout()  # one form, so the labels of every section line up
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for title, names in SECTIONS:
            form.addRow(section(title))
            for name in names:
                field = self._field(BY_NAME[name])
                label = QLabel(LABELS[name])
                label.setBuddy(self.inputs.get(name, field))
                # beside the field's first line, not the middle of the field and its message
                label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
                label.setContentsMargins(0, 4, 0, 0)
                form.addRow(label, field)
            if title == "The school":
                form.addRow("Head teacher's signature", self._signature_row())
        page.addLayout(form)
        save = QPushButton("&Save school details")
        save_row = QHBoxLayout()
        save_row.addWidget(save)
        save_row.addStretch()
        page.addLayout(save_row)
        page.addStretch()
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
        for sessions, label in SESSION_WORDS.items():
            self.closure_sessions.addItem(label, sessions)
        self.closure_kind = QComboBox()
        self.closure_kind.setAccessibleName("Kind of closure")
        for kind, label in CLOSURE_KINDS.items():
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
        left.addWidget(section("Terms"))
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
        self.term_problem = self._form_problem("Problem with the term")
        left.addWidget(self.term_problem)
        right.addWidget(section("Closures (INSET days, bank holidays, other closures)"))
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
        self.closure_problem = self._form_problem("Problem with the closure")
        right.addWidget(self.closure_problem)
        columns.addLayout(left)
        columns.addLayout(right)
        cal_layout.addLayout(columns)
        cal_layout.addWidget(add_year)
        self.ladder = ReadOnlyTable(["Stage", "Threshold", "Letter", "Actions"], "Support map")
        self.map_choice = QComboBox()
        self.map_choice.setAccessibleName("Support map in use")
        for name, title in support_map_titles(context.store):
            self.map_choice.addItem(title, name)
        use_map = QPushButton("Use this support map")
        ladder_page = QWidget()
        ladder_layout = QVBoxLayout(ladder_page)
        ladder_layout.addLayout(_choice_row(f"{LABELS['support_map']}:", self.map_choice, use_map))
        ladder_layout.addWidget(self.ladder)
        year_start = BY_NAME["stages_at_year_start"]
        self.year_start = QComboBox()
        self.year_start.setAccessibleName(year_start.label)
        for value, meaning in year_start.choices:
            self.year_start.addItem(meaning, value)
        self.choices[year_start.name] = self.year_start
        self.inputs[year_start.name] = self.year_start
        save_year_start = QPushButton("Save the 1 September choice")
        ladder_layout.addLayout(
            _choice_row(f"{year_start.label}:", self.year_start, save_year_start)
        )
        ladder_layout.addWidget(self._problem_label(year_start))
        note = QLabel(
            "The support map is school policy, kept in the school file: change its "
            "thresholds and wording under Letters and documents (every version is kept)."
        )
        note.setWordWrap(True)
        ladder_layout.addWidget(note)
        tabs = QTabWidget()
        self.tabs = tabs
        self.details_area = scrolled(details)
        tabs.addTab(self.details_area, "School")
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
        save_year_start.clicked.connect(self._save_year_start)

    def _field(self, s: Setting) -> QWidget:
        """The setting's editor (a time picker, a number box, a tick box, a list of choices, a
        folder with Browse, or text), with its hint and the place a refusal is shown."""
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        row = QHBoxLayout()
        compact = True
        editor: QWidget
        if s.kind == "time":
            picker = QTimeEdit()
            picker.setDisplayFormat("HH:mm")
            self.times[s.name] = editor = picker
        elif s.kind == "number":
            number = QSpinBox()
            number.setRange(s.least, s.most)
            number.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel scrolls the page
            self.numbers[s.name] = editor = number
        elif s.kind == "choice" and s.choices == YES_NO:
            self.checks[s.name] = editor = QCheckBox()
        elif s.kind == "choice":
            combo = QComboBox()
            for value, meaning in s.choices:
                combo.addItem(meaning, value)
            self.choices[s.name] = editor = combo
        elif s.kind == "program":
            self.last_backup.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            editor = self.last_backup
        else:
            edit = QLineEdit()
            if s.kind == "users":
                edit.setPlaceholderText("users' names, comma-separated (empty: the head alone)")
            elif s.help:
                edit.setPlaceholderText(s.help)
            edit.returnPressed.connect(self.save)  # Enter in a text field saves, as the button
            self.edits[s.name] = editor = edit
            compact = False
        editor.setAccessibleName(s.label)
        if s.help:
            editor.setToolTip(s.help)
        self.inputs[s.name] = editor
        row.addWidget(editor, 0 if compact else 1)
        if s.kind == "folder":
            browse = QPushButton("Browse…")
            browse.setAccessibleName(f"Browse for the {s.label.lower()}")
            browse.clicked.connect(lambda _=False, name=s.name: self._browse(name))
            row.addWidget(browse)
            if s.name == "backup_folder" and self.context.on_server:
                for widget in (editor, browse):  # the server is backed up by IT, not by a PC
                    widget.setEnabled(False)
                    widget.setToolTip(SERVER_BACKUPS)
        if compact:
            if s.help:
                row.addSpacing(8)
                row.addWidget(QLabel(s.help))
            row.addStretch()
        column.addLayout(row)
        column.addWidget(self._problem_label(s))
        return box

    def _problem_label(self, s: Setting) -> QLabel:
        label = QLabel()
        label.setProperty("role", "warning")
        label.setWordWrap(True)
        label.setAccessibleName(f"Problem with {s.label}")
        label.hide()
        self.problems[s.name] = label
        return label

    def show_problems(self, problems: dict[str, str], focus: bool = True) -> None:
        """Each refused value's message under its field (cleared where there is none); the first
        such field takes the keyboard and is scrolled into view."""
        for name, label in self.problems.items():
            text = problems.get(name, "").removeprefix(f"{LABELS[name]}: ")
            label.setText(text[:1].upper() + text[1:])
            label.setVisible(bool(text))
        elsewhere = [m for n, m in problems.items() if n not in self.problems]
        if not focus:
            return
        if elsewhere:  # a stored value no field here shows: said in a box instead
            show_error(self, "; ".join(elsewhere))
        first = next((n for n in LABELS if n in problems and n in self.inputs), None)
        if first is None:
            return
        widget = self.inputs[first]
        if first not in ON_THE_MAP_PAGE:
            self.tabs.setCurrentWidget(self.details_area)
            self.details_area.ensureWidgetVisible(self.problems[first])
            self.details_area.ensureWidgetVisible(widget)
        widget.setFocus()
        self.context.status.emit(
            f"Not saved: {len(problems)} setting(s) to correct, each shown at its field"
        )

    def _values(self) -> dict[str, str]:
        """The School page's values as the settings keep them."""
        values = {name: edit.text().strip() for name, edit in self.edits.items()}
        values |= {name: picker.time().toString("HH:mm") for name, picker in self.times.items()}
        values |= {name: str(number.value()) for name, number in self.numbers.items()}
        values |= {name: "yes" if box.isChecked() else "no" for name, box in self.checks.items()}
        values |= {
            name: combo.currentData()
            for name, combo in self.choices.items()
            if name not in ON_THE_MAP_PAGE
        }
        return values

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
        chosen = QFileDialog.getExistingDirectory(self, LABELS[name], edit.text())
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
            self.new_role.addItem(label[:1].upper() + label[1:], key)
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
        self.user_problem = self._form_problem("Problem with the new user")
        layout.addWidget(self.user_problem)
        note = QLabel(
            "With no users the file is open to whoever uses this computer; the first user is the "
            "administrator, and from then on everyone signs in and the window locks when idle."
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        add.clicked.connect(self._add_user)
        return page

    def _add_user(self) -> None:
        name, role, password = (
            self.new_name.text(),
            self.new_role.currentData(),
            self.new_password.text(),
        )
        first = not users_set_up(self.context.store)
        added = self._act_at(
            self.user_problem,
            self.new_name,
            lambda: add_user(self.context.store, self.context.user, name, role, password),
            f"User {name} added",
        )
        if added and first and user_exists(self.context.store, name.strip()):
            self.context.user = (
                name.strip()
            )  # whoever set up users is signed in as the administrator
        self.new_password.clear()

    @reads("the settings")
    def refresh(self) -> None:
        self.documents_page.refresh()
        self.users.fill(
            [
                (u.name, ROLE_NAMES[u.role].capitalize(), "Yes" if u.active else "No")
                for u in users_on_screen(self.context.store)
            ]
        )
        self.audit.fill(
            [
                (when_text(e.at), e.user, e.action, e.subject, e.detail)
                for e in reversed(recent_audit_entries(self.context.store, 500))
            ]
        )
        settings = school_settings(self.context.store)
        for name, edit in self.edits.items():
            edit.setText(str(getattr(settings, name)))
        for name, picker in self.times.items():
            picker.setTime(QTime.fromString(getattr(settings, name), "HH:mm"))
        unusable = {}
        for name, number in self.numbers.items():
            value = str(getattr(settings, name)).strip()
            if value.isdigit() and number.minimum() <= int(value) <= number.maximum():
                number.setValue(int(value))
            else:  # a file edited by hand: said at the field, corrected on the next save
                number.setValue(int(getattr(SchoolSettings(), name)))
                unusable[name] = (
                    f"saved as '{value}', which cannot be used: the usual value is shown"
                )
        for name, box in self.checks.items():
            box.setChecked(str(getattr(settings, name)).strip().lower() != "no")
        for name, combo in self.choices.items():
            combo.setCurrentIndex(max(0, combo.findData(str(getattr(settings, name)).strip())))
        self.last_backup.setText(
            "by the school's IT (the school's server)"
            if self.context.on_server
            else when_text(settings.last_backup) or "never"
        )
        self.show_problems(unusable, focus=False)
        head = role_of(self.context.store, self.context.user) == "head"
        self.signature_button.setEnabled(head)
        self.signature_note.setText(  # one short line: a wrapped label in a form row is clipped
            "Kept on the head's own account"
            if head
            else "Only the head teacher, signed in, sets it"
        )
        self.signature_note.setToolTip(
            "The signature image is kept in the school file on the head teacher's own account and "
            "printed on the head's certificates"
        )
        terms, closures = calendar_entries(self.context.store)
        self.terms.fill([(t.name, dmy(t.start), dmy(t.end)) for t in terms])
        self.closures.fill(
            [
                (
                    dmy(c.day),
                    SESSION_WORDS.get(tuple(c.sessions), " and ".join(c.sessions)),
                    CLOSURE_KINDS.get(c.kind, c.kind),
                    c.description,
                )
                for c in closures
            ]
        )
        maps = support_map_titles(self.context.store)  # the school may have saved a new one
        shown = [
            (self.map_choice.itemData(i), self.map_choice.itemText(i))
            for i in range(self.map_choice.count())
        ]
        if shown != maps:
            self.map_choice.clear()
            for name, title in maps:
                self.map_choice.addItem(title, name)
        self.map_choice.setCurrentIndex(self.map_choice.findData(settings.support_map))
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

    def _clear_problems(self) -> None:
        for label in self.problems.values():
            label.clear()
            label.hide()

    def save(self) -> None:
        current = school_settings(self.context.store)
        try:
            save_settings(self.context.store, replace(current, **self._values()), self.context.user)
        except SettingsRefused as exc:
            self.show_problems(exc.problems)
            return
        except UserError as exc:
            show_error(self, str(exc))
            return
        self._clear_problems()
        self.context.status.emit("School details saved")
        self.context.data_changed.emit()

    def _save_year_start(self) -> None:
        name = "stages_at_year_start"
        try:
            change_setting(
                self.context.store, name, self.year_start.currentData(), self.context.user
            )
        except SettingsRefused as exc:
            self.show_problems(exc.problems)
            return
        except UserError as exc:
            show_error(self, str(exc))
            return
        self._clear_problems()
        self.context.status.emit(f"{LABELS[name]}: {self.year_start.currentText()}")
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

    @staticmethod
    def _form_problem(name: str) -> QLabel:
        label = QLabel()
        label.setProperty("role", "warning")
        label.setWordWrap(True)
        label.setAccessibleName(name)
        label.hide()
        return label

    def _act_at(self, problem: QLabel, focus: QWidget, action, done: str) -> bool:
        """As _act, but a refusal is said under the form it came from, not in a box."""
        try:
            action()
        except UserError as exc:
            text = str(exc)
            problem.setText(text[:1].upper() + text[1:])
            problem.show()
            focus.setFocus()
            return False
        problem.hide()
        self.context.status.emit(done)
        self.context.data_changed.emit()
        return True

    def _add_term(self) -> None:
        self._act_at(
            self.term_problem,
            self.term_name,
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
        self._act_at(
            self.closure_problem,
            self.closure_day,
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
        name, title = self.map_choice.currentData(), self.map_choice.currentText()
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
            f"Support map now: {title}.",
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
