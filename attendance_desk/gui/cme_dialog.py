"""Children missing education (Attendance → Missing education referrals…): a pupil's count of
unexplained absence against the school's, the referral and its form, and the LA's outcome."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from attendance_desk.errors import UserError
from attendance_desk.gui.context import AppContext
from attendance_desk.gui.widgets import ReadOnlyTable, ask_save_path, dmy, heading
from attendance_desk.services import cme
from attendance_desk.services.marks import all_pupils


class CmeDialog(QDialog):
    def __init__(self, context: AppContext, upn: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Children missing education")
        self.resize(1060, 600)
        self.pupil = QComboBox()
        self.pupil.setEditable(True)
        self.pupil.setAccessibleName("Pupil")
        for p in all_pupils(context.store):
            self.pupil.addItem(f"{p.name} ({p.reg_group})", p.upn)
        if upn:
            self.pupil.setCurrentIndex(max(0, self.pupil.findData(upn)))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Unexplained absence")
        self.la_contact = QLineEdit()
        self.la_contact.setAccessibleName("LA contact")
        self.early_reason = QLineEdit()
        self.early_reason.setAccessibleName("Reason to refer before the count")
        self.early_reason.setPlaceholderText("only before the school's count: why refer now")
        self.refer_button = QPushButton("&Refer to the LA")
        self.table = ReadOnlyTable(
            ["Referral", "Pupil", "Referred", "Days", "Last seen", "Outcome"], "Referrals"
        )
        self.outcome = QLineEdit()
        self.outcome.setAccessibleName("Outcome")
        self.outcome.setPlaceholderText("e.g. attending another school; home educated")
        self.outcome_button = QPushButton("Record &outcome")
        self.form_button = QPushButton("Referral &form…")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Message")
        form = QFormLayout()
        form.addRow("Pupil", self.pupil)
        form.addRow(self.status)
        form.addRow("LA contact", self.la_contact)
        form.addRow("Reason (early)", self.early_reason)
        form.addRow(self.refer_button)
        below = QHBoxLayout()
        below.addWidget(self.outcome, 1)
        below.addWidget(self.outcome_button)
        below.addWidget(self.form_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Children missing education"))
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addLayout(below)
        layout.addWidget(self.message)
        self.pupil.currentIndexChanged.connect(self.refresh)
        self.refer_button.clicked.connect(self.refer)
        self.outcome_button.clicked.connect(self.record_outcome)
        self.form_button.clicked.connect(lambda: self.make_form())
        self.refresh()

    def refresh(self) -> None:
        upn = self.pupil.currentData()
        if upn:
            st = cme.status(self.context.store, upn, self.context.today)
            seen = dmy(st.last_seen) if st.last_seen else "not in the last 60 school days"
            due = "a referral is due" if st.due else "below the school's count"
            self.status.setText(
                f"{st.days_unexplained} school day{'' if st.days_unexplained == 1 else 's'} of "
                f"unexplained absence in a row (the school "
                f"refers at {st.needed}): {due}. Last seen {seen}."
            )
        rows = cme.referrals(self.context.store)
        self.table.fill(
            [
                [
                    r.id,
                    p.name,
                    dmy(r.referred_on),
                    r.days_unexplained,
                    dmy(r.last_seen) if r.last_seen else "",
                    r.outcome or "awaiting",
                ]
                for p, r in rows
            ],
            [str(r.id) for _, r in rows],
        )

    def _selected(self) -> int | None:
        row = self.table.currentRow()
        key = self.table.key_at(row) if row >= 0 else None
        return int(key) if key else None

    def _run(self, action, done) -> None:
        try:
            result = action()
        except UserError as exc:
            self.message.setText(str(exc))
            return
        self.context.data_changed.emit()
        self.refresh()
        self.message.setText(done(result))

    def refer(self) -> None:
        today = self.context.today
        self._run(
            lambda: cme.refer(
                self.context.store,
                self.pupil.currentData() or "",
                today,
                self.context.user,
                la_contact=self.la_contact.text(),
                early_reason=self.early_reason.text(),
                today=today,
            ),
            lambda r: f"Referral {r.id} recorded: now make the referral form for the LA.",
        )

    def record_outcome(self) -> None:
        chosen = self._selected()
        if chosen is None:
            self.message.setText("Choose a referral in the list first.")
            return
        today = self.context.today
        self._run(
            lambda: cme.record_outcome(
                self.context.store,
                chosen,
                self.outcome.text(),
                today,
                self.context.user,
                today=today,
            ),
            lambda r: f"Referral {r.id}: {r.outcome}.",
        )

    def make_form(self, path: Path | None = None) -> None:
        chosen = self._selected()
        if chosen is None:
            self.message.setText("Choose a referral in the list first.")
            return
        if path is None:
            path = ask_save_path(
                self, self.context.store, "Save the referral form", f"cme-referral-{chosen}.pdf"
            )
            if path is None:
                return
        self._run(
            lambda: cme.referral_form(self.context.store, chosen, path, self.context.user),
            lambda out: f"Written {out}",
        )
