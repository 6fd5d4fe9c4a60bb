"""Leave of absence (Attendance → Leave requests…): the requests awaiting a decision with the school
days left, recording a new request (a pupil and siblings), the head's decision and its letters."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from attendance_desk.errors import UserError
from attendance_desk.gui.context import AppContext
from attendance_desk.gui.widgets import (
    ReadOnlyTable,
    ask_save_path,
    date_edit,
    dmy,
    from_qdate,
    heading,
)
from attendance_desk.services import leave
from attendance_desk.services.marks import pupils_on_roll

COLUMNS = ["Request", "Pupil", "Dates", "Reason", "Asked by", "Received", "Reply by", "Status"]


class LeaveDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Leave of absence in term time")
        self.resize(1180, 660)
        today = context.today
        self.show_all = QCheckBox("Show &decided requests too")
        self.table = ReadOnlyTable(COLUMNS, "Leave requests")
        self.exceptional = QLineEdit()
        self.exceptional.setAccessibleName("Exceptional circumstances")
        self.exceptional.setPlaceholderText("needed to grant: the exceptional circumstances")
        self.note = QLineEdit()
        self.note.setAccessibleName("Note with the decision")
        self.grant_button = QPushButton("&Grant")
        self.refuse_button = QPushButton("Re&fuse")
        self.letters_button = QPushButton("Decision &letters…")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Message")

        decide = QHBoxLayout()
        decide.addWidget(QLabel("Exceptional circumstances"))
        decide.addWidget(self.exceptional, 2)
        decide.addWidget(QLabel("Note"))
        decide.addWidget(self.note, 1)
        for w in (self.grant_button, self.refuse_button, self.letters_button):
            decide.addWidget(w)

        self.filter = QLineEdit()
        self.filter.setAccessibleName("Find pupils")
        self.filter.setPlaceholderText("type part of a name or class")
        self.pupils = QListWidget()
        self.pupils.setAccessibleName("Pupils the leave is asked for")
        self.pupils.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        self.pupils.setMaximumHeight(110)
        for p in pupils_on_roll(context.store, today, today):
            item = QListWidgetItem(f"{p.name} ({p.reg_group})")
            item.setData(Qt.ItemDataRole.UserRole, p.upn)
            self.pupils.addItem(item)
        self.first = date_edit(today, "First day of leave")
        self.first_session = QComboBox()
        self.first_session.addItems(["AM", "PM"])
        self.first_session.setAccessibleName("First session")
        self.last = date_edit(today, "Last day of leave")
        self.last_session = QComboBox()
        self.last_session.addItems(["PM", "AM"])
        self.last_session.setAccessibleName("Last session")
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason given")
        self.requested_by = QLineEdit()
        self.requested_by.setAccessibleName("Requested by")
        self.received = date_edit(today, "Received on")
        self.record_button = record = QPushButton("&Record request")
        dates = QHBoxLayout()
        for w in (self.first, self.first_session, QLabel("to"), self.last, self.last_session):
            dates.addWidget(w)
        dates.addStretch()
        new = QGroupBox("New request")
        form = QFormLayout(new)
        form.addRow("Find", self.filter)
        form.addRow("Pupils (choose siblings too)", self.pupils)
        form.addRow("Dates", dates)
        form.addRow("Reason given", self.reason)
        form.addRow("Asked by", self.requested_by)
        form.addRow("Received on", self.received)
        form.addRow(record)

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading("Leave requests"))
        top.addStretch()
        top.addWidget(self.show_all)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(decide)
        layout.addWidget(self.message)
        layout.addWidget(new)

        self.show_all.toggled.connect(self.refresh)
        self.filter.textChanged.connect(self._filter)
        record.clicked.connect(self.record)
        self.grant_button.clicked.connect(lambda: self.decide("granted"))
        self.refuse_button.clicked.connect(lambda: self.decide("refused"))
        self.letters_button.clicked.connect(lambda: self.letters())
        self.refresh()

    def _filter(self, text: str) -> None:
        text = text.strip().lower()
        for n in range(self.pupils.count()):
            item = self.pupils.item(n)
            item.setHidden(bool(text) and text not in item.text().lower())

    def refresh(self) -> None:
        store, today = self.context.store, self.context.today
        lines = (
            leave.requests(store, today)
            if self.show_all.isChecked()
            else leave.awaiting_decision(store, today)
        )
        rows = []
        for x in lines:
            r = x.request
            status = r.status if r.status != "pending" else "awaiting decision"
            rows.append(
                [
                    r.family_ref,
                    x.pupil.name,
                    r.dates_text,
                    r.reason,
                    r.requested_by,
                    dmy(r.received_on),
                    dmy(r.deadline),
                    f"{status}: {x.flag}" if x.flag else status,
                ]
            )
        self.table.fill(rows, [str(x.request.id) for x in lines])
        if not rows:
            self.message.setText("No leave requests are awaiting a decision.")

    def selected_request(self) -> int | None:
        row = self.table.currentRow()
        key = self.table.key_at(row) if row >= 0 else None
        return int(key) if key else None

    def _run(self, action, done: str) -> bool:
        try:
            result = action()
        except UserError as exc:
            self.message.setText(str(exc))
            return False
        self.context.data_changed.emit()
        self.refresh()
        self.message.setText(done if isinstance(done, str) else done(result))
        return True

    def record(self) -> None:
        upns = [i.data(Qt.ItemDataRole.UserRole) for i in self.pupils.selectedItems()]
        self._run(
            lambda: leave.record_request(
                self.context.store,
                upns,
                from_qdate(self.first.date()),
                from_qdate(self.last.date()),
                self.reason.text(),
                self.requested_by.text(),
                from_qdate(self.received.date()),
                self.context.user,
                first_session=self.first_session.currentText(),
                last_session=self.last_session.currentText(),
                today=self.context.today,
            ),
            lambda made: (
                f"Request {made[0].family_ref} recorded: the reply is due by "
                f"{dmy(made[0].deadline)}."
            ),
        )

    def decide(self, decision: str) -> None:
        request = self.selected_request()
        if request is None:
            self.message.setText("Choose a request in the list first.")
            return
        self._run(
            lambda: leave.decide(
                self.context.store,
                request,
                decision,
                self.context.user,
                self.context.today,
                exceptional_reason=self.exceptional.text(),
                note=self.note.text(),
                today=self.context.today,
            ),
            lambda done: (
                f"Request {done[0].family_ref} {decision}"
                + (
                    f", after the deadline of {dmy(done[0].deadline)}"
                    if done[0].decided_late
                    else ""
                )
                + ". Now make the decision letters."
            ),
        )

    def letters(self, path: Path | None = None) -> None:
        request = self.selected_request()
        if request is None:
            self.message.setText("Choose a decided request in the list first.")
            return
        if path is None:
            path = ask_save_path(
                self, self.context.store, "Save the decision letters", f"leave-{request}.pdf"
            )
            if path is None:
                return
        self._run(
            lambda: leave.decision_letters(
                self.context.store, request, self.context.today, self.context.user, path
            ),
            lambda batch: (
                f"{batch.letters} letters issued ({', '.join(batch.references)}): "
                f"{', '.join(str(f) for f in batch.files)}"
            ),
        )
