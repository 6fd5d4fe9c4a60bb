"""Messages for the texting service (Attendance → Messages for the texting service…): the call
list's families or today's letters' addressees, the wording to edit, a preview, and Save CSV.
Nothing is sent from here: the office imports the file into the school's messaging service."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from attendance_desk.errors import UserError
from attendance_desk.gui.context import AppContext
from attendance_desk.gui.widgets import ReadOnlyTable, ask_save_path, heading
from attendance_desk.services import messages as svc

SOURCES = {"calls": "This morning's call list", "letters": "Letters issued today"}


class MessagesDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Messages for the texting service")
        self.resize(1080, 600)
        self.source = QComboBox()
        self.source.setAccessibleName("Who to text")
        for key, label in SOURCES.items():
            self.source.addItem(label, key)
        self.wording = QPlainTextEdit(svc.CALL_MESSAGE)
        self.wording.setAccessibleName("Message wording")
        self.wording.setMaximumHeight(80)
        self.table = ReadOnlyTable(["Name", "Number", "Message", "About"], "Messages")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setAccessibleName("Message")
        preview = QPushButton("&Preview")
        self.save_button = QPushButton("&Save CSV…")
        top = QHBoxLayout()
        top.addWidget(QLabel("Text"))
        top.addWidget(self.source)
        top.addStretch()
        top.addWidget(preview)
        top.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Messages for the texting service (nothing is sent from here)"))
        layout.addLayout(top)
        layout.addWidget(
            QLabel(
                "Wording ({salutation}, {name}, {pupils}, {is_are}, {date}, {school}, {phone}, {ref}):"
            )
        )
        layout.addWidget(self.wording)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        self.source.currentIndexChanged.connect(self._source_changed)
        preview.clicked.connect(self.preview)
        self.save_button.clicked.connect(lambda: self.save())
        self.found: list = []
        self.preview()

    def _source_changed(self) -> None:
        calls = self.source.currentData() == "calls"
        self.wording.setPlainText(svc.CALL_MESSAGE if calls else svc.LETTER_MESSAGE)
        self.preview()

    def preview(self) -> None:
        store, day, text = self.context.store, self.context.today, self.wording.toPlainText()
        try:
            if self.source.currentData() == "calls":
                self.found, skipped = svc.call_messages(store, day, "AM", text)
            else:
                self.found, skipped = svc.letter_messages(store, day, None, text)
        except UserError as exc:
            self.found = []
            self.table.fill([])
            self.note.setText(str(exc))
            return
        self.table.fill([[m.name, m.number, m.message, m.about] for m in self.found])
        self.note.setText(
            f"{len(self.found)} messages."
            + (" Not texted: " + "; ".join(skipped) if skipped else "")
        )

    def save(self, path: Path | None = None) -> None:
        self.preview()
        if not self.found:
            return
        if path is None:
            path = ask_save_path(
                self,
                self.context.store,
                "Save the messages",
                f"texts-{self.context.today:%Y-%m-%d}.csv",
                "CSV (*.csv)",
            )
            if path is None:
                return
        try:
            out = svc.export_messages(
                self.context.store,
                self.found,
                path,
                self.context.user,
                SOURCES[self.source.currentData()].lower(),
            )
        except UserError as exc:
            self.note.setText(str(exc))
            return
        self.note.setText(
            f"{len(self.found)} messages saved to {out}: import it into the texting service."
        )
