"""Late arrival: the time the pupil arrived gives L (before the register closed) or U (after), from
the school's close time; the person may record the other code with a reason, which is kept."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QTimeEdit,
    QWidget,
)

from attendance_desk.errors import UserError
from attendance_desk.gui.context import AppContext
from attendance_desk.presentation import weekday_dmy
from attendance_desk.services.marks import late_code_for, record_late_arrival


class LateArrivalDialog(QDialog):
    def __init__(
        self,
        context: AppContext,
        upn: str,
        name: str,
        day: date,
        session: str,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.context, self.upn, self.day, self.session = context, upn, day, session
        self.setWindowTitle("Late arrival")
        self.arrived = QTimeEdit()
        self.arrived.setDisplayFormat("HH:mm")
        self.arrived.setAccessibleName("Time of arrival")
        now = datetime.now().time()
        self.arrived.setTime(QTime(now.hour, now.minute) if day == date.today() else QTime(9, 20))
        self.code = QComboBox()
        self.code.setAccessibleName("Code")
        self.code.addItem("L: arrived before the register closed (present)", "L")
        self.code.addItem("U: arrived after the register closed (unauthorised absence)", "U")
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for the other code")
        self.reason.setPlaceholderText("needed only when the code differs from the close time's")
        self.rule = QLabel()
        self.rule.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(QLabel(f"<b>{name}</b>, {weekday_dmy(day)} {session}"))
        form.addRow("&Arrived at", self.arrived)
        form.addRow(self.rule)
        form.addRow("&Code", self.code)
        form.addRow("&Reason", self.reason)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.arrived.timeChanged.connect(self._suggest)
        self._suggest()

    def _suggest(self) -> None:
        """Show the close time's code and select it (the person can still choose the other)."""
        try:
            code, minutes, closes = late_code_for(
                self.context.store, self.session, self.arrived.time().toPython()
            )
        except UserError as exc:
            self.rule.setText(str(exc))
            return
        self.rule.setText(
            f"The {self.session} register closes at {closes}: arriving at "
            f"{self.arrived.time().toString('HH:mm')} is {code} ({minutes} min late)."
        )
        self.code.setCurrentIndex(self.code.findData(code))

    def save(self) -> None:
        try:
            _, after, _ = record_late_arrival(
                self.context.store,
                self.upn,
                self.day,
                self.session,
                self.arrived.time().toPython(),
                self.context.user,
                code=self.code.currentData(),
                reason=self.reason.text(),
            )
        except UserError as exc:
            self.rule.setText(str(exc))
            return
        self.context.status.emit(f"Recorded {after.code} ({after.minutes_late} min late)")
        self.context.data_changed.emit()
        self.accept()
