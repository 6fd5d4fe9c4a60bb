"""Today: the first-day-call list, one line per family call, and logging each call."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from attendance_desk.domain.calls import CallList, FamilyCall
from attendance_desk.errors import UserError
from attendance_desk.gui.context import AppContext
from attendance_desk.gui.widgets import (
    ReadOnlyTable,
    date_edit,
    from_qdate,
    heading,
    rag_colour,
    show_error,
)
from attendance_desk.services.calls import CALL_OUTCOMES, call_list, log_call, reason_codes

COLUMNS = ["Call", "Pupil", "Class", "Mark", "Day of absence", "Days without contact", "Why first", "Prompts"]


class LogCallDialog(QDialog):
    """Outcome, who was reached, the reason given (recodes the mark), a note. Keyboard: the outcome
    list has focus; Tab to the reason; Enter saves."""

    def __init__(self, family: FamilyCall, reasons: list[tuple[str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        names = " and ".join(p.pupil.name for p in family.pupils)
        self.setWindowTitle(f"Log call: {names}")
        self.outcome = QComboBox()
        self.outcome.setAccessibleName("Outcome")
        for key, label in CALL_OUTCOMES.items():
            self.outcome.addItem(label, key)
        self.contact = QComboBox()
        self.contact.setAccessibleName("Who was called")
        for c in family.contacts:
            number = c.phones[0].number if c.phones else "no phone"
            self.contact.addItem(f"{c.name} ({c.relationship or 'contact'}), {number}", c.contact_id)
        self.reason = QComboBox()
        self.reason.setAccessibleName("Reason given")
        self.reason.addItem("No reason given", None)
        for code, meaning in reasons:
            self.reason.addItem(f"{code}: {meaning}", code)
        self.note = QLineEdit()
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("e.g. temperature, back tomorrow")
        form = QFormLayout()
        form.addRow("&Outcome", self.outcome)
        form.addRow("&Spoke to / rang", self.contact)
        form.addRow("&Reason given", self.reason)
        form.addRow("&Note", self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{names}</b>"))
        layout.addLayout(form)
        layout.addWidget(QLabel("A reason given recodes the mark, keeping the original in the register's history."))
        layout.addWidget(buttons)
        self.outcome.currentIndexChanged.connect(self._outcome_changed)
        self._outcome_changed()

    def _outcome_changed(self) -> None:
        spoke = self.outcome.currentData() == "spoke_to_parent"
        self.reason.setEnabled(spoke)
        if not spoke:
            self.reason.setCurrentIndex(0)

    def values(self) -> dict:
        contact_text = self.contact.currentText().split(" (")[0] if self.contact.count() else ""
        return {
            "outcome": self.outcome.currentData(), "contact_id": self.contact.currentData(),
            "with_whom": contact_text, "reason_code": self.reason.currentData(), "notes": self.note.text().strip(),
        }


class TodayView(QWidget):
    title = "Today"

    def __init__(self, context: AppContext):
        super().__init__()
        self.context = context
        self.calls: CallList | None = None
        self.day = date_edit(context.today, "Date of the register")
        self.session = QComboBox()
        self.session.addItems(["AM", "PM"])
        self.session.setAccessibleName("Session")
        refresh = QPushButton("&Refresh")
        self.log_button = QPushButton("&Log call…  (Ctrl+L)")
        self.log_button.setAccessibleName("Log call")
        print_button = QPushButton("Save list as &PDF…")
        self.summary = QLabel()
        self.not_taken = QLabel()
        self.not_taken.setProperty("role", "warning")
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("First-day calls")
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setAlternatingRowColors(True)
        self.contacts = ReadOnlyTable(["#", "Name", "Relationship", "PR", "Phones", "Lives with pupil"], "Contacts to ring")
        copy = QPushButton("&Copy number")
        copy.setAccessibleName("Copy the selected phone number")

        bar = QHBoxLayout()
        for w in (QLabel("Date"), self.day, QLabel("Session"), self.session, refresh, self.summary):
            bar.addWidget(w)
        bar.addStretch()
        bar.addWidget(print_button)
        bar.addWidget(self.log_button)
        right = QWidget()
        side = QVBoxLayout(right)
        side.addWidget(heading("Ring in this order"))
        side.addWidget(self.contacts)
        side.addWidget(copy)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.tree)
        split.addWidget(right)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 4)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("First-day calls"))
        layout.addLayout(bar)
        layout.addWidget(self.not_taken)
        layout.addWidget(split, 1)

        refresh.clicked.connect(self.refresh)
        self.day.dateChanged.connect(self.refresh)
        self.session.currentIndexChanged.connect(self.refresh)
        self.tree.currentItemChanged.connect(self._show_contacts)
        self.tree.itemActivated.connect(lambda *_: self.log_call())
        self.log_button.clicked.connect(self.log_call)
        copy.clicked.connect(self._copy_number)
        print_button.clicked.connect(self._save_pdf)
        QShortcut(QKeySequence("Ctrl+L"), self, self.log_call)

    def refresh(self) -> None:
        day, session = from_qdate(self.day.date()), self.session.currentText()
        self.calls = call_list(self.context.store, day, session)
        self.tree.clear()
        for n, family in enumerate(self.calls.families, start=1):
            names = " & ".join(p.pupil.name for p in family.pupils)
            top = QTreeWidgetItem([f"{n}. {family.rag.label.upper()}", names])
            top.setData(0, Qt.ItemDataRole.UserRole, n - 1)
            for col in range(len(COLUMNS)):
                top.setBackground(col, rag_colour(family.rag.label))
            for p in family.pupils:
                why = "; ".join(p.pupil.vulnerable_reasons + p.pupil.amber_reasons)
                child = QTreeWidgetItem(["", p.pupil.name, p.pupil.reg_group, p.code or "no mark",
                                         str(p.consecutive_days), str(p.days_without_contact), why,
                                         " / ".join(p.prompts)])
                child.setData(0, Qt.ItemDataRole.UserRole, n - 1)
                top.addChild(child)
            self.tree.addTopLevelItem(top)
            top.setExpanded(True)
        for col in range(len(COLUMNS) - 1):
            self.tree.resizeColumnToContents(col)
        self.summary.setText(f"{self.calls.pupil_count} pupils, {len(self.calls.families)} calls"
                             + (f" — {self.calls.message}" if self.calls.message else ""))
        taken = self.calls.registers_not_taken
        self.not_taken.setText(f"Registers not yet taken: {', '.join(taken)}" if taken else "")
        self.not_taken.setVisible(bool(taken))
        if self.calls.families:
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        else:
            self.contacts.fill([])

    def current_family(self) -> FamilyCall | None:
        item = self.tree.currentItem()
        if item is None or self.calls is None:
            return None
        return self.calls.families[item.data(0, Qt.ItemDataRole.UserRole)]

    def _show_contacts(self, *_) -> None:
        family = self.current_family()
        rows = [] if family is None else [
            (c.priority, c.name, c.relationship, "Yes" if c.parental_responsibility else "No",
             ", ".join(f"{p.number} ({p.kind})" if p.kind else p.number for p in c.phones),
             "Yes" if c.lives_with_pupil else "No")
            for c in family.contacts
        ]
        self.contacts.fill(rows)
        if rows:
            self.contacts.selectRow(0)

    def _copy_number(self) -> None:
        family = self.current_family()
        row = self.contacts.currentRow()
        if family and 0 <= row < len(family.contacts) and family.contacts[row].phones:
            number = family.contacts[row].phones[0].number
            QApplication.clipboard().setText(number)
            self.context.status.emit(f"Copied {number}")

    def log_call(self) -> None:
        family = self.current_family()
        if family is None:
            return
        day, session = from_qdate(self.day.date()), self.session.currentText()
        dialog = LogCallDialog(family, reason_codes(day), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            log_call(self.context.store, [p.pupil.pupil_id for p in family.pupils], day, session,
                     by=self.context.user, **dialog.values())
        except UserError as exc:
            show_error(self, str(exc))
            return
        self.context.status.emit("Call logged" + (" and mark recoded" if dialog.values()["reason_code"] else ""))
        self.context.data_changed.emit()

    def _save_pdf(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the call list", f"calls-{from_qdate(self.day.date())}.pdf",
                                              "PDF (*.pdf)")
        if path:
            self.save_pdf(path)

    def save_pdf(self, path: str) -> None:
        from attendance_desk.documents.call_list import write_call_list

        if self.calls is not None:
            write_call_list(path, self.context.store.settings.school().name, self.calls)
            self.context.status.emit(f"Saved {path}")

