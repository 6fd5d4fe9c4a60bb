"""Social workers (Attendance → Social workers today…, or Today): the children with a CP plan, CIN
plan or looked after who are absent without a reason, by worker; the e-mail to copy for each; and
Told, which records it in the chronology and the audit."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from attendance_desk.errors import UserError
from attendance_desk.gui.context import AppContext
from attendance_desk.gui.widgets import heading
from attendance_desk.presentation import dmy
from attendance_desk.services import social_workers as sw


class SocialWorkersDialog(QDialog):
    def __init__(self, context: AppContext, session: str = "AM", parent: QWidget | None = None):
        super().__init__(parent)
        self.context, self.session = context, session
        self.setWindowTitle("Social workers: today's unexplained absences")
        self.resize(1000, 600)
        self.workers = QListWidget()
        self.workers.setAccessibleName("Social workers")
        self.draft = QPlainTextEdit()
        self.draft.setReadOnly(True)
        self.draft.setAccessibleName("E-mail to copy")
        self.how = QComboBox()
        self.how.setAccessibleName("Told how")
        for key, label in sw.HOW.items():
            self.how.addItem(label, key)
        self.copy_button = QPushButton("&Copy e-mail")
        self.told_button = QPushButton("&Told")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Message")
        side = QHBoxLayout()
        side.addWidget(self.workers, 2)
        side.addWidget(self.draft, 3)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addStretch()
        buttons.addWidget(QLabel("Told by"))
        buttons.addWidget(self.how)
        buttons.addWidget(self.told_button)
        layout = QVBoxLayout(self)
        layout.addWidget(
            heading(f"Unexplained absence, {dmy(context.today)} {session}: social workers")
        )
        layout.addLayout(side, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.workers.currentRowChanged.connect(self._show)
        self.copy_button.clicked.connect(self._copy)
        self.told_button.clicked.connect(self.told)
        self.refresh()

    def refresh(self) -> None:
        keep = self.workers.currentRow()
        self.found = sw.drafts(
            self.context.store, self.context.today, self.session, self.context.user
        )
        self.workers.clear()
        for notice, _ in self.found:
            state = "told" if notice.all_told else "NOT TOLD"
            names = ", ".join(c.pupil.name for c in notice.children)
            self.workers.addItem(f"{state}: {notice.worker} — {names}")
        if not self.found:
            self.message.setText(
                "No child with a social worker is absent without a reason this session."
            )
        elif self.workers.count():
            self.workers.setCurrentRow(max(0, min(keep, self.workers.count() - 1)))

    def _show(self, row: int) -> None:
        if 0 <= row < len(self.found):
            notice, text = self.found[row]
            lines = [f"{c.pupil.name}: {c.told or 'not told yet'}" for c in notice.children]
            contact = (
                ", ".join(x for x in (notice.phone, notice.email) if x) or "no contact recorded"
            )
            self.draft.setPlainText(f"To: {notice.worker} ({contact})\n\n{text}")
            self.message.setText("; ".join(lines))

    def _copy(self) -> None:
        row = self.workers.currentRow()
        if 0 <= row < len(self.found):
            QApplication.clipboard().setText(self.found[row][1])
            self.message.setText("E-mail copied: paste it into the school's mail.")

    def told(self) -> None:
        row = self.workers.currentRow()
        if not 0 <= row < len(self.found):
            self.message.setText("Choose a social worker first.")
            return
        worker = self.found[row][0].worker
        try:
            names = sw.record_told(
                self.context.store,
                worker,
                self.context.today,
                self.context.user,
                self.how.currentData(),
                session=self.session,
                at=self.context.now(),
            )
        except UserError as exc:
            self.message.setText(str(exc))
            return
        self.context.data_changed.emit()
        self.refresh()
        self.message.setText(f"Recorded that {worker} was told about {len(names)} child(ren).")
