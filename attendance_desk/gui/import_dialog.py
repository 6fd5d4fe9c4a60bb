"""Import from the File menu: choose what and which file, preview (a dry run), then import, with a
progress bar and Cancel. Both run off the GUI thread; cancelling writes nothing."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from attendance_desk.gui.context import AppContext, Task
from attendance_desk.services.imports import ImportReport, import_file

KINDS = [
    ("ctf", "Common Transfer File (XML) from the MIS"),
    ("marks", "Marks: a list or a register grid"),
    ("pupils", "Pupils"),
    ("contacts", "Contacts"),
]


class ImportDialog(QDialog):
    def __init__(self, context: AppContext, parent=None):
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Import")
        self.resize(720, 480)
        self.kind = QComboBox()
        self.kind.setAccessibleName("What to import")
        for key, label in KINDS:
            self.kind.addItem(label, key)
        self.file = QLineEdit()
        self.file.setAccessibleName("File")
        browse = QPushButton("&Browse…")
        self.preview_button = QPushButton("&Preview")
        self.import_button = QPushButton("&Import")
        self.import_button.setEnabled(False)
        self.cancel_button = QPushButton("Cancel")
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Progress")
        self.progress.setVisible(False)
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setAccessibleName("Preview")
        self.task: Task | None = None
        file_row = QHBoxLayout()
        file_row.addWidget(self.file)
        file_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("&What", self.kind)
        form.addRow("&File", file_row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress)
        buttons.addStretch()
        for b in (self.preview_button, self.import_button, self.cancel_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(
            QLabel(
                "Nothing is written until you press Import, and an import with any "
                "problem writes nothing."
            )
        )
        layout.addWidget(self.report)
        layout.addLayout(buttons)
        browse.clicked.connect(self._browse)
        self.preview_button.clicked.connect(lambda: self._start(dry_run=True))
        self.import_button.clicked.connect(lambda: self._start(dry_run=False))
        self.cancel_button.clicked.connect(self._cancel)
        self.file.textChanged.connect(lambda: self.import_button.setEnabled(False))
        self.kind.currentIndexChanged.connect(lambda: self.import_button.setEnabled(False))

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a file", "", "Data files (*.xml *.csv *.xlsx)"
        )
        if path:
            self.file.setText(path)
            if path.lower().endswith(".xml"):
                self.kind.setCurrentIndex(0)

    def _start(self, dry_run: bool) -> None:
        path = Path(self.file.text().strip())
        kind, user, today = self.kind.currentData(), self.context.user, self.context.today
        self.report.setPlainText("Reading the file…")
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.preview_button.setEnabled(False)
        self.import_button.setEnabled(False)
        task = Task(
            self.context.path,
            lambda store, progress: import_file(store, kind, path, user, today, dry_run, progress),
        )
        task.signals.progress.connect(self._progress)
        task.signals.done.connect(lambda report: self._finished(report, dry_run))
        task.signals.failed.connect(self._failed)
        self.task = self.context.run(task)

    def _progress(self, done: int, total: int) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _finished(self, report: ImportReport, dry_run: bool) -> None:
        self.task = None
        self.progress.setVisible(False)
        self.preview_button.setEnabled(True)
        lines = [
            report.summary() + (" (preview: nothing written)" if dry_run and report.ok else "")
        ]
        lines += [f"  {n}" for n in report.notes]
        if report.changes:
            lines.append("Marks that would change:")
            lines += [f"  {c}" for c in report.changes]
        if report.problems:
            lines.append("Problems (fix them in the file and try again):")
            lines += [f"  {p}" for p in report.problems]
        self.report.setPlainText("\n".join(lines))
        self.import_button.setEnabled(dry_run and report.ok)
        if not dry_run and report.ok:
            self.context.status.emit(report.summary())
            self.context.data_changed.emit()

    def _failed(self, message: str) -> None:
        self.task = None
        self.progress.setVisible(False)
        self.preview_button.setEnabled(True)
        self.report.setPlainText(message)

    def _cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
        else:
            self.reject()
