"""Penalty notices (Attendance → Penalty notices…, or the pupil screen): the pupil's figures against
the local threshold, the cases and their steps, and each next step with its date."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from attendance_desk.domain.penalties import STEPS
from attendance_desk.errors import UserError
from attendance_desk.gui.context import AppContext
from attendance_desk.gui.widgets import ReadOnlyTable, ask_save_path, date_edit, from_qdate, heading
from attendance_desk.services import penalties
from attendance_desk.services.marks import all_pupils


class PenaltyDialog(QDialog):
    def __init__(self, context: AppContext, upn: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Penalty notices")
        self.resize(1120, 640)
        today = context.today
        self.pupil = QComboBox()
        self.pupil.setAccessibleName("Pupil")
        self.pupil.setEditable(True)
        # the pupils with cases first (the latest first), so the dialog opens on the work in hand
        with_cases: dict[str, str] = {}
        for c in sorted(penalties.cases(context.store), key=lambda c: c.steps[-1].occurred_on):
            with_cases.pop(c.pupil.upn, None)
            with_cases[c.pupil.upn] = c.state
        pupils = {p.upn: p for p in all_pupils(context.store)}
        for known in reversed(list(with_cases)):
            if (p := pupils.get(known)) is not None:
                state = STEPS.get(with_cases[known], with_cases[known]).lower()
                self.pupil.addItem(f"{p.name} ({p.reg_group}): case, {state}", p.upn)
        if with_cases:
            self.pupil.insertSeparator(self.pupil.count())
        for p in pupils.values():
            if p.upn not in with_cases:
                self.pupil.addItem(f"{p.name} ({p.reg_group})", p.upn)
        if upn:
            self.pupil.setCurrentIndex(max(0, self.pupil.findData(upn)))
        self.figures = QLabel()
        self.figures.setWordWrap(True)
        self.figures.setAccessibleName("Figures against the threshold")
        self.cases = ReadOnlyTable(["Case", "Parent", "Now", "Steps"], "Penalty-notice cases")
        self.day = date_edit(today, "Date of the step")
        self.ends = date_edit(today + timedelta(weeks=4), "End of the improvement period")
        self.parent_name = QLineEdit()
        self.parent_name.setAccessibleName("Parent")
        self.parent_name.setPlaceholderText("blank: each parent with parental responsibility")
        self.reference = QLineEdit()
        self.reference.setAccessibleName("LA reference")
        self.note = QLineEdit()
        self.note.setAccessibleName("Reason or note")
        self.note.setPlaceholderText(
            "why (withdrawn, prosecution, no notice to improve, or going ahead below the threshold)"
        )
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Message")
        form = QFormLayout()
        form.addRow("Date", self.day)
        form.addRow("Improvement period ends", self.ends)
        form.addRow("Parent", self.parent_name)
        form.addRow("LA reference", self.reference)
        form.addRow("Reason or note", self.note)
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        for n, (key, text) in enumerate(
            (
                ("nti", "&Notice to improve"),
                ("request", "&Request to the LA"),
                ("form", "Request &form…"),
                ("issued", "&Issued"),
                ("paid", "&Paid"),
                ("unpaid", "Not pai&d"),
                ("withdrawn", "&Withdrawn"),
                ("prosecution", "Pro&secution referral"),
            )
        ):
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, k=key: self.act(k))
            self.buttons[key] = button
            grid.addWidget(button, n // 4, n % 4)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Penalty notices"))
        layout.addWidget(self.pupil)
        layout.addWidget(self.figures)
        layout.addWidget(self.cases, 1)
        layout.addLayout(form)
        layout.addLayout(grid)
        layout.addWidget(self.message)
        self.pupil.currentIndexChanged.connect(self.refresh)
        self.refresh()

    def upn(self) -> str:
        return self.pupil.currentData() or ""

    def selected_case(self) -> int | None:
        row = self.cases.currentRow()
        key = self.cases.key_at(row) if row >= 0 else None
        return int(key) if key else None

    def refresh(self) -> None:
        if not self.upn():
            return
        store, day = self.context.store, from_qdate(self.day.date())
        pupil, f = penalties.check_pupil(store, self.upn(), day)
        state = "at or above" if f.reached else "below"
        self.figures.setText(
            f"{pupil.name}: {f.most} unauthorised sessions at most in any {f.weeks} school weeks "
            f"this school year, {f.latest} in the last {f.weeks} ({f.window}): {state} the "
            f"local threshold of {f.threshold} (Settings)."
        )
        found = penalties.cases(store, self.upn())
        self.cases.fill(
            [[c.case_id, c.parent, c.state.replace("_", " "), c.summary] for c in found],
            [str(c.case_id) for c in found],
        )

    def act(self, key: str, path: Path | None = None) -> None:
        store, user, today = self.context.store, self.context.user, self.context.today
        day, case_id = from_qdate(self.day.date()), self.selected_case()
        parent = self.parent_name.text().strip() or None
        note = self.note.text()
        if key not in ("nti", "request", "prosecution") and case_id is None:
            self.message.setText("Choose a case in the list first.")
            return
        try:
            if key == "nti":
                done = penalties.notice_to_improve(
                    store,
                    self.upn(),
                    day,
                    from_qdate(self.ends.date()),
                    user,
                    parent=parent,
                    override_reason=note,
                    today=today,
                )
                text = f"Notice to improve recorded ({len(done)} case(s)). Now issue its letter."
            elif key == "request":
                done = penalties.request_notice(
                    store,
                    day,
                    user,
                    case_id=case_id,
                    upn=None if case_id else self.upn(),
                    parent=parent,
                    no_notice_reason="" if case_id else note,
                    override_reason=note if case_id else "",
                    today=today,
                )
                text = f"Request recorded (case {done.case_id}): make the request form for the LA."
            elif key == "form":
                if path is None:
                    path = ask_save_path(
                        self, store, "Save the request", f"penalty-request-{case_id}.pdf"
                    )
                    if path is None:
                        return
                text = f"Written {penalties.request_form(store, case_id, path, user)}"
            elif key == "issued":
                done = penalties.record_issued(
                    store, case_id, day, self.reference.text(), user, today
                )
                text = f"Notice recorded: {done.summary.split('; ')[-1]}"
            elif key == "prosecution":
                done = penalties.refer_for_prosecution(
                    store,
                    day,
                    user,
                    note,
                    case_id=case_id,
                    upn=None if case_id else self.upn(),
                    parent=parent,
                    today=today,
                )
                text = f"Referred for prosecution (case {done.case_id})."
            else:
                done = penalties.record_outcome(store, case_id, key, day, user, note, today)
                text = f"Recorded: {done.summary.split('; ')[-1]}"
        except UserError as exc:
            self.message.setText(str(exc))
            return
        self.context.data_changed.emit()
        self.refresh()
        self.message.setText(text)
