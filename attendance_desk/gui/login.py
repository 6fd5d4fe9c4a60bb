"""Signing in, and the lock after the window has been left alone (school PCs are shared)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from attendance_desk.errors import UserError
from attendance_desk.services.school import SchoolFile
from attendance_desk.services.users import sign_in


def as_sentence(text: str) -> str:
    """A service's refusal as the window shows it: a capital first letter and a full stop (the
    command line prints the same words after "error: ")."""
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


class LoginDialog(QDialog):
    def __init__(
        self, store: SchoolFile, title: str, name: str = "", parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.store = store
        self.user_name: str | None = None
        self.setWindowTitle(title)
        self.name = QLineEdit(name)
        self.name.setAccessibleName("Name")
        self.password = QLineEdit()
        self.password.setAccessibleName("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setProperty("role", "warning")
        form = QFormLayout()
        form.addRow("&Name", self.name)
        form.addRow("&Password", self.password)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._try)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{title}</b>"))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        (self.password if name else self.name).setFocus()

    def _try(self) -> None:
        try:
            self.user_name = sign_in(
                self.store, self.name.text().strip(), self.password.text()
            ).name
        except UserError as exc:
            self.message.setText(as_sentence(str(exc)))
            self.password.clear()
            return
        self.accept()


class IdleLock(QObject):
    """Any key or mouse use restarts the clock; when it runs out, `on_idle` is called."""

    ACTIVITY = {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
    }

    def __init__(self, minutes: float, on_idle, parent: QObject | None = None):
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(int(minutes * 60_000))
        self.timer.timeout.connect(on_idle)
        self.timer.start()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        if event.type() in self.ACTIVITY and self.timer.isActive():
            self.timer.start()
        return False
