"""File → Check the school file…: the full check (SQLite's integrity_check and the app's own checks:
hash chains, safeguards, users, codes, missing marks, letter files) off the GUI thread, with its
progress and Cancel, then what it found. Recorded in the file as the last full check."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from attendance_desk.gui.context import Task
from attendance_desk.presentation import when_text

LAST = "The last full check: {}"


class CheckDialog(QDialog):
    """Follows a full-check task: its progress, Cancel (stops it within a moment, nothing is
    changed), and its report. Closing the dialog while it runs cancels it."""

    def __init__(
        self,
        task: Task,
        parent: QWidget | None = None,
        last: dict | None = None,
        on_server: bool = False,
    ):
        """`last`: the record of the last full check (services.check.last_full_check), shown.
        `on_server`: the school's database on a server, not a file (said so)."""
        super().__init__(parent)
        self.task = task
        self.running = True
        self.where = "the school's database" if on_server else "the school file"
        self.setWindowTitle("Check the school's data" if on_server else "Check the school file")
        self.setMinimumWidth(560)
        self.heading = QLabel(
            "Checking the school's database on the server: its safeguards (every trigger in place "
            "and enabled), then the hash chains, the users, the codes, missing marks and the "
            "letters' files (the server's own pages are the server's to check). This may take a "
            "few minutes; you can carry on working meanwhile."
            if on_server
            else "Checking the whole school file: SQLite's full integrity check (every page, and "
            "every index entry against its table), then the hash chains, the safeguards, the "
            "users, the codes, missing marks and the letters' files. On a large file this takes a "
            "few minutes; you can carry on working meanwhile."
        )
        self.heading.setWordWrap(True)
        self.last = QLabel(LAST.format(_describe(last)) if last is not None else "")
        self.last.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setAccessibleName("Progress of the check")
        self.result = QPlainTextEdit()
        self.result.setReadOnly(True)
        self.result.setAccessibleName("What the check found")
        self.result.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.heading, self.last, self.bar, self.result, self.buttons):
            layout.addWidget(widget)
        task.signals.progress.connect(self._progress)
        task.signals.done.connect(self._done)
        task.signals.failed.connect(self._failed)

    def _progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, total or 1000)
        self.bar.setValue(done)

    def _finish(self, text: str) -> None:
        self.running = False
        self.bar.hide()
        self.result.setPlainText(text)
        self.result.show()
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)

    def _done(self, report) -> None:
        lines = [f"Checked with the {report.how}."]
        lines.append(
            "No problems found." if report.ok else f"{len(report.problems)} problem(s) found:"
        )
        lines += [f"• {p}" for p in report.problems]
        lines += [f"    missing: {m}" for m in report.missing]
        lines += [f"Note: {w}" for w in report.warnings]
        lines.append(f"{report.marks:,} marks and {report.amendments:,} amendments checked.")
        self.heading.setText("The check has finished.")
        if not any("could not be recorded" in w for w in report.warnings):
            self.last.setText(f"Recorded in {self.where} as the last full check.")
        self._finish("\n".join(lines))

    def _failed(self, message: str) -> None:
        self.heading.setText("The check did not finish.")
        self._finish(
            "The check was cancelled: it stopped, nothing was changed, and it is not recorded as "
            "run."
            if message.startswith("Cancelled")
            else message
        )

    def reject(self) -> None:  # Cancel, Close, Esc or the window's close button
        if self.running:
            self.task.cancel()
            self.heading.setText("Cancelling…")
            self.buttons.setEnabled(False)
            self.task.signals.finished.connect(super().reject)  # once it has stopped
            return
        super().reject()


def _describe(last: dict) -> str:
    if not last:
        return "never"
    found = last.get("problems", 0)
    return f"{when_text(last.get('at'))} by {last.get('by') or 'the window'}, " + (
        "no problems" if not found else f"{found} problem(s)"
    )
