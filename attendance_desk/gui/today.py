"""Today: the first-day-call list, one line per family call, and logging each call."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from attendance_desk.domain.calls import CallList, FamilyCall
from attendance_desk.domain.records import CaseworkEntry
from attendance_desk.errors import UserError
from attendance_desk.gui.context import AppContext, reads
from attendance_desk.gui.widgets import (
    ReadOnlyTable,
    ask_save_path,
    date_edit,
    from_qdate,
    heading,
    rag_colour,
    show_error,
)
from attendance_desk.services.calls import (
    CALL_OUTCOMES,
    call_attempts,
    call_list,
    log_call,
    reason_codes,
    save_call_list,
)

COLUMNS = ["Pupil", "Class", "Mark", "Days off", "No contact", "Prompts", "Why first"]
HEADER_TIPS = [
    "",
    "Registration group",
    "Today's mark",
    "Day of absence (school days in a row)",
    "School days without contact with the family",
    "What is due now",
    "Why this call comes first",
]
PROMPT_COLUMN = COLUMNS.index("Prompts")
OTHER_PERSON = "other"


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    """Yes/No, No by default (tests replace it)."""
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def short_prompt(prompt: str) -> str:
    """'11 school days without contact: make a children missing education referral' -> 'CME referral'."""
    if prompt.startswith("CME referral made"):  # the referral is made: say so, not "make one"
        return "CME referred " + prompt.split()[3][:5]
    what = prompt.split(": ", 1)[-1]
    if "missing education" in what:
        return "CME referral"
    return what[:1].upper() + what[1:]


def attempt_text(entry: CaseworkEntry) -> str:
    who = f" – {entry.with_whom}" if entry.with_whom else ""
    return f"{entry.at:%H:%M} {entry.outcome.lower()}{who} (by {entry.by_user})"


class LogCallDialog(QDialog):
    """Outcome, who was spoken to or rung, the reason given (recodes the mark), a note. Nothing is
    chosen for the user: Save stays disabled until an outcome is chosen, and a conversation needs the
    person spoken to, so Enter, Enter cannot log a contact by accident."""

    def __init__(
        self, family: FamilyCall, reasons: list[tuple[str, str]], parent: QWidget | None = None
    ):
        super().__init__(parent)
        names = " and ".join(p.pupil.name for p in family.pupils)
        self.setWindowTitle(f"Log call: {names}")
        self.outcome = QComboBox()
        self.outcome.setAccessibleName("Outcome")
        self.outcome.addItem("Choose what happened…", None)
        for key, label in CALL_OUTCOMES.items():
            self.outcome.addItem(label, key)
        self.contact = QComboBox()
        self.contact.setAccessibleName("Who was spoken to or rung")
        self.contact.addItem("Choose the person…", None)
        for c in family.contacts:
            number = c.phones[0].number if c.phones else "no phone"
            self.contact.addItem(
                f"{c.name} ({c.relationship or 'contact'}), {number}", c.contact_id
            )
        self.contact.addItem("Someone else (type the name)", OTHER_PERSON)
        self.other = QLineEdit()
        self.other.setAccessibleName("Name of the person spoken to")
        self.other.setPlaceholderText("their name and relationship, e.g. Jo Smith, aunt")
        self.reason = QComboBox()
        self.reason.setAccessibleName("Reason given")
        self.reason.addItem("No reason given", None)
        for code, meaning in reasons:
            self.reason.addItem(f"{code}: {meaning}", code)
        self.note = QLineEdit()
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("e.g. temperature, back tomorrow")
        self.hint = QLabel()
        self.hint.setProperty("role", "warning")
        form = QFormLayout()
        form.addRow("&Outcome", self.outcome)
        form.addRow("&Spoke to / rang", self.contact)
        form.addRow("Na&me", self.other)
        form.addRow("&Reason given", self.reason)
        form.addRow("&Note", self.note)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{names}</b>"))
        layout.addLayout(form)
        layout.addWidget(
            QLabel(
                "A reason given recodes the mark, keeping the original in the register's history.\n"
                "A holiday not agreed by the school is G. Leave is asked for and decided by the head\n"
                "teacher or a delegate (Attendance → Leave requests), not from a call."
            )
        )
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self.outcome.currentIndexChanged.connect(self._update)
        self.contact.currentIndexChanged.connect(self._update)
        self.other.textChanged.connect(self._update)
        self._update()
        self.outcome.setFocus()

    def spoke(self) -> bool:
        return self.outcome.currentData() == "spoke_to_parent"

    def person(self) -> str:
        if self.contact.currentData() == OTHER_PERSON:
            return self.other.text().strip()
        return (
            self.contact.currentText().split(" (")[0]
            if self.contact.currentData() is not None
            else ""
        )

    def missing(self) -> str:
        """What still has to be chosen before Save ('' when nothing)."""
        if self.outcome.currentData() is None:
            return "Choose what happened on the call."
        if self.spoke() and not self.person():
            return "Choose who you spoke to (or type their name)."
        return ""

    def _update(self) -> None:
        spoke = self.spoke()
        self.reason.setEnabled(spoke)
        if not spoke:
            self.reason.setCurrentIndex(0)
        self.other.setEnabled(self.contact.currentData() == OTHER_PERSON)
        missing = self.missing()
        self.hint.setText(missing)
        self.save_button.setEnabled(not missing)

    def accept(self) -> None:
        if self.missing():
            return
        if (
            self.spoke()
            and self.reason.currentData() is None
            and not confirm(
                self,
                "Still unexplained?",
                f"You spoke to {self.person()} but recorded no reason.\n\n"
                "Is the absence still unexplained? Yes: log the call and leave the mark as it is. "
                "No: go back and choose the reason given.",
            )
        ):
            self.reason.setFocus()
            return
        super().accept()

    def values(self) -> dict:
        contact = self.contact.currentData()
        return {
            "outcome": self.outcome.currentData(),
            "contact_id": contact if contact not in (None, OTHER_PERSON) else None,
            "with_whom": self.person(),
            "reason_code": self.reason.currentData(),
            "notes": self.note.text().strip(),
        }


class TodayView(QWidget):
    title = "Today"

    def __init__(self, context: AppContext):
        super().__init__()
        self.context = context
        self.calls: CallList | None = None
        self._shown: tuple | None = None  # the (date, session) the list was last built for
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
        self.not_called = QLabel()  # absent pupils not rung, and why (leave decided for the day)
        self.not_called.setWordWrap(True)
        self.not_called.setAccessibleName("Not called")
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("First-day calls")
        self.tree.setHeaderLabels(COLUMNS)
        for col, tip in enumerate(HEADER_TIPS):
            self.tree.headerItem().setToolTip(col, tip)
        self.tree.setAlternatingRowColors(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.tree.header().setStretchLastSection(
            True
        )  # "Why first" takes what is left, elided (tooltip)
        self.tree.setIndentation(14)
        self._bold = QFont()
        self._bold.setBold(True)
        self.contacts = ReadOnlyTable(
            ["#", "Name", "Relationship", "PR", "Phones", "Lives with pupil"], "Contacts to ring"
        )
        copy = QPushButton("&Copy number")
        copy.setAccessibleName("Copy the selected phone number")

        bar = QHBoxLayout()
        for w in (QLabel("Date"), self.day, QLabel("Session"), self.session, refresh, self.summary):
            bar.addWidget(w)
        bar.addStretch()
        bar.addWidget(print_button)
        bar.addWidget(self.log_button)
        # the family's contacts under the list, full width: every column of both fits at 1280 px
        below = QWidget()
        side = QVBoxLayout(below)
        side.setContentsMargins(0, 0, 0, 0)
        top_row = QHBoxLayout()
        top_row.addWidget(heading("Ring in this order"))
        top_row.addStretch()
        top_row.addWidget(copy)
        side.addLayout(top_row)
        side.addWidget(self.contacts)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.tree)
        split.addWidget(below)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([450, 170])
        layout = QVBoxLayout(self)
        layout.addWidget(heading("First-day calls"))
        layout.addLayout(bar)
        layout.addWidget(self.not_taken)
        layout.addWidget(self.not_called)
        layout.addWidget(split, 1)

        refresh.clicked.connect(self.refresh)
        self.setTabOrder(self.day, self.session)
        self.setTabOrder(self.session, self.tree)  # date, session, then straight into the list
        self.day.dateChanged.connect(self.refresh)
        self.session.currentIndexChanged.connect(self.refresh)
        self.tree.currentItemChanged.connect(self._show_contacts)
        self.tree.itemActivated.connect(lambda *_: self.log_call())
        self.log_button.clicked.connect(self.log_call)
        copy.clicked.connect(self._copy_number)
        print_button.clicked.connect(self._save_pdf)
        QShortcut(QKeySequence("Ctrl+L"), self, self.log_call)

    @reads("the call list")
    def refresh(self) -> None:
        """Rebuild the list, keeping the user's place: the family that was selected stays selected
        if it is still on it; if it has left the list (its call gave a reason), the family now at
        its place is selected (the one before it, if it was the last); a new date or session starts
        at the top."""
        keep = self._family_key(self.current_family())
        item = self.tree.currentItem()
        place = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        day, session = from_qdate(self.day.date()), self.session.currentText()
        if self._shown != (day, session):
            place = None
        self._shown = (day, session)
        self.calls = call_list(self.context.store, day, session)
        attempts = call_attempts(
            self.context.store,
            [p.pupil.pupil_id for f in self.calls.families for p in f.pupils],
            day,
        )
        self.tree.clear()
        select = None
        for n, family in enumerate(self.calls.families, start=1):
            names = " & ".join(p.pupil.name for p in family.pupils)
            tried = sorted(
                {
                    (e.at, attempt_text(e))
                    for p in family.pupils
                    for e in attempts.get(p.pupil.pupil_id, [])
                }
            )
            line = f"{n}. {family.rag.label.upper()}   {names}"
            if tried:
                line += "   ·   Tried " + "; ".join(text for _, text in tried)
            top = QTreeWidgetItem([line])
            top.setData(0, Qt.ItemDataRole.UserRole, n - 1)
            top.setToolTip(0, line)
            top.setBackground(0, rag_colour(family.rag.label))
            if tried:
                top.setFont(0, self._bold)
            for p in family.pupils:
                why = "; ".join(p.pupil.vulnerable_reasons + p.pupil.amber_reasons)
                child = QTreeWidgetItem(
                    [
                        p.pupil.name,
                        p.pupil.reg_group,
                        p.code or "no mark",
                        str(p.consecutive_days),
                        str(p.days_without_contact),
                        " · ".join(short_prompt(x) for x in p.prompts),
                        why,
                    ]
                )
                child.setData(0, Qt.ItemDataRole.UserRole, n - 1)
                child.setToolTip(COLUMNS.index("Why first"), why)
                if p.prompts:
                    child.setToolTip(PROMPT_COLUMN, "\n".join(p.prompts))
                    child.setForeground(PROMPT_COLUMN, QColor("#9C0006"))
                    child.setFont(PROMPT_COLUMN, self._bold)
                top.addChild(child)
            self.tree.addTopLevelItem(top)
            top.setFirstColumnSpanned(True)
            top.setExpanded(True)
            if keep and self._family_key(family) == keep:
                select = top
        for col in range(len(COLUMNS) - 1):
            self.tree.resizeColumnToContents(col)
        self.tree.setColumnWidth(0, min(self.tree.columnWidth(0), 190))
        self.tree.setColumnWidth(PROMPT_COLUMN, max(self.tree.columnWidth(PROMPT_COLUMN), 90))
        self.summary.setText(
            f"{self.calls.pupil_count} pupils, {len(self.calls.families)} calls"
            + (f" — {self.calls.message}" if self.calls.message else "")
        )
        taken = self.calls.registers_not_taken
        self.not_taken.setText(f"Registers not yet taken: {', '.join(taken)}" if taken else "")
        self.not_taken.setVisible(bool(taken))
        off = self.calls.not_called
        self.not_called.setText("Not called: " + "; ".join(off) if off else "")
        self.not_called.setToolTip("\n".join(off))
        self.not_called.setVisible(bool(off))
        if self.calls.families:
            if select is None:
                count = self.tree.topLevelItemCount()
                select = self.tree.topLevelItem(min(place or 0, count - 1))
            self.tree.setCurrentItem(select)
            self.tree.scrollToItem(self.tree.currentItem())
        else:
            self.contacts.fill([])

    @staticmethod
    def _family_key(family: FamilyCall | None) -> frozenset[int] | None:
        return None if family is None else frozenset(p.pupil.pupil_id for p in family.pupils)

    def current_family(self) -> FamilyCall | None:
        item = self.tree.currentItem()
        if item is None or self.calls is None:
            return None
        return self.calls.families[item.data(0, Qt.ItemDataRole.UserRole)]

    def _show_contacts(self, *_) -> None:
        family = self.current_family()
        rows = (
            []
            if family is None
            else [
                (
                    c.priority,
                    c.name,
                    c.relationship,
                    "Yes" if c.parental_responsibility else "No",
                    ", ".join(f"{p.number} ({p.kind})" if p.kind else p.number for p in c.phones),
                    "Yes" if c.lives_with_pupil else "No",
                )
                for c in family.contacts
            ]
        )
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
            log_call(
                self.context.store,
                [p.pupil.pupil_id for p in family.pupils],
                day,
                session,
                by=self.context.user,
                at=self.context.now(),
                **dialog.values(),
            )
        except UserError as exc:
            show_error(self, str(exc))
            return
        self.context.status.emit(
            "Call logged" + (" and mark recoded" if dialog.values()["reason_code"] else "")
        )
        self.context.data_changed.emit()

    def _save_pdf(self) -> None:
        path = ask_save_path(
            self,
            self.context.store,
            "Save the call list",
            f"calls-{from_qdate(self.day.date())}.pdf",
        )
        if path is not None:
            self.save_pdf(str(path))

    def save_pdf(self, path: str) -> None:
        if self.calls is None:
            return
        try:
            save_call_list(self.context.store, self.calls, path, self.context.user)
        except UserError as exc:
            show_error(self, str(exc))
            return
        self.context.status.emit(f"Saved {path}")
