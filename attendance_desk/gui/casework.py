"""Casework from the pupil profile: letters, meetings, other contact, the certificate and the
evidence pack. Each action is one service call; files are saved where the user chooses.
The document services (reportlab, Jinja2) are imported when first used, to keep start-up quick."""

from __future__ import annotations

from datetime import datetime
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from attendance_desk.errors import UserError
from attendance_desk.gui.context import AppContext
from attendance_desk.gui.widgets import ask_save_path, date_edit, from_qdate, show_error
from attendance_desk.presentation import dmy
from attendance_desk.services.marks import find_pupil
from attendance_desk.services.meetings import CONTACT_KINDS, record_contact, record_meeting


def _text(name: str) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setAccessibleName(name)
    metrics = edit.fontMetrics()  # three lines of the font in use (was a fixed 54 px)
    edit.setFixedHeight(3 * metrics.lineSpacing() + 2 * edit.frameWidth() + 8)
    edit.setMinimumWidth(40 * metrics.averageCharWidth())
    return edit


def _who(name: str) -> QLabel:
    """The pupil's name at the top of a casework dialog (and in its title): who it is about."""
    label = QLabel(f"<b>{escape(name)}</b>")
    label.setAccessibleName("Pupil")
    return label


def _finish(dialog: QDialog, form: QFormLayout, name: str) -> None:
    """The pupil's name, the form, then Save and Cancel."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(_who(name))
    layout.addLayout(form)
    layout.addWidget(buttons)


class MeetingDialog(QDialog):
    def __init__(self, context: AppContext, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"School Attendance Meeting: {name}")
        self.held_on = date_edit(context.today, "Held on")
        self.attendees = QLineEdit()
        self.attendees.setAccessibleName("Attendees")
        self.parent_attended = QCheckBox("A parent attended")
        self.barriers, self.voice = _text("Barriers"), _text("Pupil's views")
        self.parent_actions, self.school_actions, self.other_actions = (
            _text("Parent will"),
            _text("School will"),
            _text("Others will"),
        )
        self.target = QDoubleSpinBox()
        self.target.setAccessibleName("Target attendance %")
        self.target.setRange(0, 100)
        self.target.setValue(95)
        self.target.setSuffix(" %")
        self.review_weeks = QSpinBox()
        self.review_weeks.setAccessibleName("Review after weeks")
        self.review_weeks.setRange(4, 6)
        self.review_weeks.setValue(6)
        form = QFormLayout()
        for label, widget in (
            ("Held on", self.held_on),
            ("Attendees", self.attendees),
            ("", self.parent_attended),
            ("Barriers discussed", self.barriers),
            ("Pupil's views", self.voice),
            ("Parent will", self.parent_actions),
            ("School will", self.school_actions),
            ("Others will", self.other_actions),
            ("Target attendance", self.target),
            ("Review after (weeks)", self.review_weeks),
        ):
            form.addRow(label, widget)
        _finish(self, form, name)

    def values(self) -> dict:
        return {
            "held_on": from_qdate(self.held_on.date()),
            "attendees": self.attendees.text().strip(),
            "parent_attended": self.parent_attended.isChecked(),
            "barriers": self.barriers.toPlainText().strip(),
            "pupil_voice": self.voice.toPlainText().strip(),
            "actions_parent": self.parent_actions.toPlainText().strip(),
            "actions_school": self.school_actions.toPlainText().strip(),
            "actions_others": self.other_actions.toPlainText().strip(),
            "target_pct": self.target.value() or None,
            "review_weeks": self.review_weeks.value(),
        }


class LetterDialog(QDialog):
    """Letters by name, those that may be sent now first. A letter whose conditions do not hold says
    why; an attendance lead or the head may send it anyway with a reason (kept with the letter).
    Preview makes the PDF only; Issue numbers it and logs it."""

    def __init__(self, choices, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Letter: {name}")
        self.choices = choices
        self.letters = QListWidget()
        self.letters.setAccessibleName("Letters")
        for choice in choices:
            item = QListWidgetItem(
                choice.name if choice.ok else f"{choice.name} (conditions not met)"
            )
            if not choice.ok:
                item.setForeground(Qt.GlobalColor.darkGray)
            self.letters.addItem(item)
        self.why = QLabel()
        self.why.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for sending it anyway")
        self.reason.setPlaceholderText("Reason for sending it although the conditions are not met")
        # as wide as the longest letter's name and the placeholder, in the font in use (the list
        # was 278 px wide and cut the names); within the screen, wrapping the reasons below
        metrics = self.letters.fontMetrics()
        longest = max(
            [metrics.horizontalAdvance(self.letters.item(i).text()) for i in range(len(choices))]
            + [metrics.horizontalAdvance(self.reason.placeholderText())]
        )
        width = longest + self.letters.verticalScrollBar().sizeHint().width() + 40
        screen = self.screen().availableGeometry().width() if self.screen() else 1280
        self.letters.setMinimumWidth(min(width, screen - 120))
        self.letters.setMinimumHeight(min(len(choices), 12) * metrics.lineSpacing() + 12)
        self.letters.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.letters.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        for i in range(len(choices)):  # whatever still does not fit: said in full on hover
            self.letters.item(i).setToolTip(self.letters.item(i).text())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.preview = buttons.addButton("Preview", QDialogButtonBox.ButtonRole.ActionRole)
        self.issue = buttons.addButton("Issue", QDialogButtonBox.ButtonRole.AcceptRole)
        self.previewing = False
        self.preview.clicked.connect(self._preview)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (_who(name), self.letters, self.why, self.reason, buttons):
            layout.addWidget(widget)
        self.letters.currentRowChanged.connect(self._update)
        self.reason.textChanged.connect(self._update)
        self.letters.setCurrentRow(0)

    def select(self, template: str) -> None:
        self.letters.setCurrentRow(
            next(n for n, c in enumerate(self.choices) if c.template == template)
        )

    def chosen(self):
        return self.choices[self.letters.currentRow()]

    def _update(self, *_) -> None:
        choice = self.chosen()
        self.why.setText(
            ""
            if choice.ok
            else "Not met: "
            + "; ".join(choice.unmet)
            + ("" if choice.overridable else ". This letter cannot be sent until it is.")
        )
        self.reason.setEnabled(not choice.ok and choice.overridable)
        ready = choice.ok or (choice.overridable and bool(self.reason.text().strip()))
        self.issue.setEnabled(ready)
        self.preview.setEnabled(ready)

    def _preview(self) -> None:
        self.previewing = True
        self.accept()

    def values(self) -> tuple[str, bool, str]:
        """(template, preview only, reason for sending anyway)."""
        choice = self.chosen()
        return choice.template, self.previewing, "" if choice.ok else self.reason.text().strip()


class ContactDialog(QDialog):
    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Record contact with the family: {name}")
        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind of contact")
        for key, label in CONTACT_KINDS.items():
            self.kind.addItem(label, key)
        self.with_whom, self.outcome = QLineEdit(), QLineEdit()
        self.with_whom.setAccessibleName("With whom")
        self.outcome.setAccessibleName("Outcome")
        self.reached = QCheckBox("The family (or pupil) was reached")
        self.notes = _text("Notes")
        self.when = QDateTimeEdit(
            datetime.now().replace(second=0, microsecond=0)
        )  # when it happened
        self.when.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.when.setCalendarPopup(True)
        self.when.setAccessibleName("When it happened")
        form = QFormLayout()
        for label, widget in (
            ("When", self.when),
            ("Kind", self.kind),
            ("With", self.with_whom),
            ("Outcome", self.outcome),
            ("", self.reached),
            ("Notes", self.notes),
        ):
            form.addRow(label, widget)
        _finish(self, form, name)


class Casework:
    """The actions behind the pupil profile's casework buttons."""

    def __init__(self, context: AppContext, parent: QWidget):
        self.context, self.parent = context, parent

    def _save_to(self, title: str, name: str) -> Path | None:
        return ask_save_path(self.parent, self.context.store, title, name)

    def _name(self, upn: str) -> str:
        """'Freya Yılmaz (4B)': the pupil a dialog is about, for its title."""
        try:
            pupil = find_pupil(self.context.store, upn)
        except UserError:
            return upn
        return f"{pupil.name} ({pupil.reg_group})" if pupil.reg_group else pupil.name

    def _done(self, message: str) -> None:
        self.context.status.emit(message)
        self.context.data_changed.emit()

    def letter(self, upn: str) -> None:
        from attendance_desk.services.letters import letter_choices, make_letters

        try:
            choices = letter_choices(self.context.store, upn, self.context.today)
        except UserError as exc:
            show_error(self.parent, str(exc))
            return
        dialog = LetterDialog(choices, self._name(upn), self.parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        template, preview, reason = dialog.values()
        out = self._save_to(
            "Save the preview" if preview else "Save the letter",
            f"{template}-{'preview-' if preview else ''}{upn}.pdf",
        )
        if out is None:
            return
        try:
            pupil = find_pupil(self.context.store, upn)
            batch = make_letters(
                self.context.store,
                template,
                [pupil],
                self.context.today,
                self.context.user,
                out,
                preview=preview,
                override_reason=reason,
            )
        except UserError as exc:
            show_error(self.parent, str(exc))
            return
        if batch.not_sent:
            show_error(self.parent, "\n".join(batch.not_sent))
        if preview:
            self.context.status.emit(
                f"Preview saved to {batch.files[0]}: not issued, nothing logged"
            )
            return
        refs = ", ".join(batch.references)
        self._done(f"{batch.letters} letter(s) issued ({refs}) and saved to {batch.files[0]}")

    def meeting(self, upn: str) -> None:
        dialog = MeetingDialog(self.context, self._name(upn), self.parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        values = dialog.values()
        try:
            meeting = record_meeting(
                self.context.store,
                upn,
                "sam",
                values.pop("held_on"),
                self.context.user,
                **values,
                today=self.context.today,
            )
        except UserError as exc:
            show_error(self.parent, str(exc))
            return
        self._done(f"Meeting recorded; review due {dmy(meeting.review_date)}")

    def contact(self, upn: str) -> None:
        dialog = ContactDialog(self._name(upn), self.parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            record_contact(
                self.context.store,
                upn,
                dialog.kind.currentData(),
                self.context.user,
                at=dialog.when.dateTime().toPython().astimezone(),
                with_whom=dialog.with_whom.text(),
                outcome=dialog.outcome.text(),
                contact_made=dialog.reached.isChecked(),
                notes=dialog.notes.toPlainText(),
                today=self.context.today,
            )
        except UserError as exc:
            show_error(self.parent, str(exc))
            return
        self._done("Recorded in the chronology")

    def certificate(self, upn: str, start, end) -> None:
        from attendance_desk.services.certificates import make_certificate

        out = self._save_to("Save the certificate", f"certificate-{upn}.pdf")
        if out is None:
            return
        try:
            make_certificate(
                self.context.store, upn, start, end, out, self.context.user, self.context.today
            )
        except UserError as exc:
            show_error(self.parent, str(exc))
            return
        self.context.status.emit(f"Certificate saved to {out}: to be signed by the head teacher")

    def pack(self, upn: str) -> None:
        from attendance_desk.services.pack import assemble_evidence_pack, evidence_checklist

        missing = [
            c for c in evidence_checklist(self.context.store, upn, self.context.today) if not c.ok
        ]
        if missing:
            answer = QMessageBox.question(
                self.parent,
                "Evidence missing",
                "Missing before the pack can be sent:\n\n"
                + "\n".join(f"• {c.item} ({c.detail})" for c in missing)
                + "\n\nMake the pack anyway (it lists what is missing)?",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        out = self._save_to("Save the evidence pack", f"evidence-pack-{upn}.pdf")
        if out is None:
            return
        assemble_evidence_pack(self.context.store, upn, self.context.today, out, self.context.user)
        self.context.status.emit(f"Evidence pack saved to {out}")
