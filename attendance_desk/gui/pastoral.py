"""The rest of the attendance year in the window: part-time timetables, medical evidence and the
illness decisions, lateness letters, early help offered in writing and attendance awards. Reached
from the Casework menu and the pupil screen's "More" button. Each action is one service call; a
refusal is shown with its reason and nothing is changed."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
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
    show_error,
)
from attendance_desk.services.marks import find_pupil

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")
PLACES = (("school", "In school"), ("provision", "At provision"), ("off", "Not attending (C2)"))


class OptionalDate(QWidget):
    """A date that may be left unset: a check box ("agreed", "told") and the date beside it, which is
    used only when the box is ticked. The date starts at `near` (the calendar opens there)."""

    def __init__(self, name: str, ticked_text: str, near: date):
        from PySide6.QtWidgets import QCheckBox

        super().__init__()
        self.box = QCheckBox(ticked_text)
        self.box.setAccessibleName(f"{name}: {ticked_text}")
        self.edit = date_edit(near, name)
        self.edit.setEnabled(False)
        self.box.toggled.connect(self.edit.setEnabled)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.box)
        row.addWidget(self.edit, 1)

    def set(self, day: date | None) -> None:
        self.box.setChecked(day is not None)
        if day is not None:
            self.edit.setDate(QDate(day.year, day.month, day.day))

    def value(self) -> date | None:
        return from_qdate(self.edit.date()) if self.box.isChecked() else None


def optional_date(name: str, ticked_text: str, near: date) -> OptionalDate:
    return OptionalDate(name, ticked_text, near)


def optional_value(widget: OptionalDate) -> date | None:
    return widget.value()


def _line(name: str, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setAccessibleName(name)
    edit.setPlaceholderText(placeholder)
    return edit


class ServiceDialog(QDialog):
    """A form whose Save calls `save()`; a refusal is shown and the dialog stays open, unchanged."""

    def __init__(self, context: AppContext, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.result_text = ""

    def finish(self) -> None:
        self.setMinimumWidth(480)  # room for the placeholders that say what to write
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.buttons)

    def save(self) -> str:  # pragma: no cover - each dialog has its own
        raise NotImplementedError

    def accept(self) -> None:
        try:
            self.result_text = self.save()
        except UserError as exc:
            show_error(self, str(exc))
            return
        self.context.status.emit(self.result_text)
        self.context.data_changed.emit()
        super().accept()


# ---------------------------------------------------------------- part-time timetables


class PartTimeDialog(ServiceDialog):
    """A new part-time timetable for one pupil: each session in school, at provision or not attending."""

    def __init__(self, context: AppContext, upn: str, name: str, parent: QWidget | None = None):
        super().__init__(context, f"Part-time timetable: {name}", parent)
        self.upn = upn
        self.starts = date_edit(context.today, "Starts")
        self.review = optional_date(
            "Agreed review date", "agreed for", context.today + timedelta(weeks=6)
        )
        self.reason = _line("Reason", "why the timetable is needed")
        self.agreed_with = _line("Agreed with", "the parent who agreed it")
        self.places: dict[tuple[int, str], QComboBox] = {}
        grid = QGridLayout()
        grid.addWidget(QLabel("AM"), 0, 1)
        grid.addWidget(QLabel("PM"), 0, 2)
        for row, day in enumerate(WEEKDAYS, start=1):
            grid.addWidget(QLabel(day), row, 0)
            for col, half in enumerate(("AM", "PM"), start=1):
                box = QComboBox()
                box.setAccessibleName(f"{day} {half}")
                for key, label in PLACES:
                    box.addItem(label, key)
                self.places[(row - 1, half)] = box
                grid.addWidget(box, row, col)
        self.provision_name = _line("Provision", "the provider's name")
        self.provision_by = QComboBox()
        self.provision_by.setAccessibleName("Provision arranged by")
        self.provision_by.addItem("the local authority (K)", "la")
        self.provision_by.addItem("the school (B)", "school")
        self.la_told = optional_date("Local authority told", "told on", context.today)
        for label, widget in (
            ("Starts", self.starts),
            ("Review", self.review),
            ("Reason", self.reason),
            ("Agreed with", self.agreed_with),
            ("Sessions", grid),
            ("Provision", self.provision_name),
            ("Arranged by", self.provision_by),
            ("Local authority told", self.la_told),
        ):
            self.form.addRow(label, widget)
        self.finish()

    def sessions(self, place: str) -> str:
        return ", ".join(
            f"{WEEKDAYS[d]} {h}"
            for (d, h), box in self.places.items()
            if box.currentData() == place
        )

    def save(self) -> str:
        from attendance_desk.services.part_time import add_timetable

        provision = self.sessions("provision")
        t = add_timetable(
            self.context.store,
            self.upn,
            starts=from_qdate(self.starts.date()),
            review_on=optional_value(self.review),
            attends=self.sessions("school"),
            reason=self.reason.text(),
            by=self.context.user,
            provision=provision,
            provision_by=self.provision_by.currentData() if provision else "",
            provision_name=self.provision_name.text(),
            agreed_with=self.agreed_with.text(),
            la_notified_on=optional_value(self.la_told),
            today=self.context.today,
        )
        return f"Part-time timetable {t.id} recorded; review {dmy(t.review_on)}"


class TimetableReviewDialog(ServiceDialog):
    def __init__(self, context: AppContext, timetable_id: int, parent: QWidget | None = None):
        super().__init__(context, f"Review of part-time timetable {timetable_id}", parent)
        self.timetable_id = timetable_id
        self.held_on = date_edit(context.today, "Review held on")
        self.outcome = _line("Outcome", "what the review found and decided")
        self.next_review = optional_date(
            "Next review", "carries on to", context.today + timedelta(weeks=6)
        )
        for label, widget in (
            ("Held on", self.held_on),
            ("Outcome", self.outcome),
            ("Next review", self.next_review),
        ):
            self.form.addRow(label, widget)
        self.form.addRow(
            "", QLabel("Leave 'carries on to' unticked to end the timetable (full-time from then).")
        )
        self.finish()

    def save(self) -> str:
        from attendance_desk.services.part_time import review_timetable

        following = optional_value(self.next_review)
        review_timetable(
            self.context.store,
            self.timetable_id,
            from_qdate(self.held_on.date()),
            self.outcome.text(),
            self.context.user,
            next_review=following,
            end=following is None,
            today=self.context.today,
        )
        return (
            f"Review recorded; next review {dmy(following)}"
            if following
            else "Review recorded; the timetable has ended"
        )


class LaToldDialog(ServiceDialog):
    def __init__(self, context: AppContext, timetable_id: int, parent: QWidget | None = None):
        super().__init__(context, "Local authority told", parent)
        self.timetable_id = timetable_id
        self.on = date_edit(context.today, "Told on")
        self.form.addRow("Told on", self.on)
        self.finish()

    def save(self) -> str:
        from attendance_desk.services.part_time import notify_la

        notify_la(
            self.context.store,
            self.timetable_id,
            from_qdate(self.on.date()),
            self.context.user,
            self.context.today,
        )
        return "Recorded: the local authority was told"


class TimetablesDialog(QDialog):
    """Every running part-time timetable, most overdue for review first."""

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Part-time timetables")
        self.table = ReadOnlyTable(
            ["#", "Pupil", "Class", "From", "Review", "Local authority", "Sessions"],
            "Part-time timetables",
        )
        self.summary = QLabel()
        review, told, close = (
            QPushButton("&Review…"),
            QPushButton("&LA told…"),
            QPushButton("Close"),
        )
        review.clicked.connect(lambda: self._act(TimetableReviewDialog))
        told.clicked.connect(lambda: self._act(LaToldDialog))
        close.clicked.connect(self.reject)
        row = QHBoxLayout()
        for b in (review, told):
            row.addWidget(b)
        row.addStretch()
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self.resize(1100, 420)
        self.reload()

    def reload(self) -> None:
        from attendance_desk.services.part_time import timetables

        lines = timetables(self.context.store, self.context.today)
        self.ids = [x.timetable.id for x in lines]
        overdue = sum(1 for x in lines if x.overdue_days)
        self.summary.setText(
            f"{len(lines)} running; {overdue} overdue for review; "
            f"{sum(1 for x in lines if not x.la_told and x.la_required)} not yet told to the "
            "local authority"
        )
        self.table.fill(
            [
                [
                    str(x.timetable.id),
                    x.pupil.name,
                    x.pupil.reg_group,
                    dmy(x.timetable.starts),
                    (
                        f"{dmy(x.timetable.review_on)}: overdue by {x.overdue_days} days"
                        if x.overdue_days
                        else dmy(x.timetable.review_on)
                    ),
                    dmy(x.timetable.la_notified_on)
                    or ("not told" if x.la_required else "not required"),
                    x.timetable.summary(),
                ]
                for x in lines
            ],
            [str(x.timetable.id) for x in lines],
        )

    def _chosen(self) -> int | None:
        row = self.table.currentRow()
        if row < 0:
            show_error(self, "Choose a timetable in the list first")
            return None
        return int(self.table.key_at(row))

    def _act(self, dialog_class) -> None:
        chosen = self._chosen()
        if chosen is not None and dialog_class(self.context, chosen, self).exec():
            self.reload()


def save_path(dialog: ServiceDialog, title: str, name: str) -> Path | None:
    """Where to save a PDF, asked in the school's documents folder (widgets.ask_save_path)."""
    return ask_save_path(dialog, dialog.context.store, title, name)


# ---------------------------------------------------------------- medical evidence


class MedicalEvidenceDialog(ServiceDialog):
    def __init__(self, context: AppContext, upn: str, name: str, parent: QWidget | None = None):
        super().__init__(context, f"Medical evidence received: {name}", parent)
        self.upn = upn
        self.what = _line("What", "e.g. GP letter, appointment card")
        self.from_whom = _line("From", "e.g. Dr Patel, Northbridge Surgery")
        self.dated = date_edit(context.today, "Dated")
        self.received = date_edit(context.today, "Received on")
        self.covers_from = date_edit(context.today, "Covers from")
        self.covers_to = date_edit(context.today, "Covers to")
        self.notes = _line("Notes")
        for label, widget in (
            ("What", self.what),
            ("From", self.from_whom),
            ("Dated", self.dated),
            ("Received on", self.received),
            ("Covers from", self.covers_from),
            ("Covers to", self.covers_to),
            ("Notes", self.notes),
        ):
            self.form.addRow(label, widget)
        self.finish()

    def save(self) -> str:
        from attendance_desk.services.medical import record_evidence

        e = record_evidence(
            self.context.store,
            self.upn,
            what=self.what.text(),
            from_whom=self.from_whom.text(),
            dated=from_qdate(self.dated.date()),
            covers_from=from_qdate(self.covers_from.date()),
            covers_to=from_qdate(self.covers_to.date()),
            by=self.context.user,
            received_on=from_qdate(self.received.date()),
            today=self.context.today,
            notes=self.notes.text(),
        )
        return f"Medical evidence recorded: {e.text()}"


class IllnessDecisionsDialog(QDialog):
    """Illness since stage 2 without medical evidence: the attendance lead keeps it as I or recodes
    it O (through the register's amendment), giving the reason."""

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Illness without medical evidence (stage 2 and beyond)")
        self.table = ReadOnlyTable(["Pupil", "Class", "Date", "Session"], "Illness to decide")
        self.reason = _line("Reason", "the reason for the decision (kept with it)")
        keep, recode, close = (
            QPushButton("&Keep as I (authorised)"),
            QPushButton("&Recode O (unauthorised)"),
            QPushButton("Close"),
        )
        keep.clicked.connect(lambda: self.decide("I"))
        recode.clicked.connect(lambda: self.decide("O"))
        close.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(QLabel("Reason"))
        row.addWidget(self.reason, 1)
        row.addWidget(keep)
        row.addWidget(recode)
        row.addWidget(close)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self.resize(900, 420)
        self.reload()

    def reload(self) -> None:
        from attendance_desk.services.medical import flagged_illness

        self.rows = flagged_illness(self.context.store, self.context.today)
        self.summary.setText(
            f"{len(self.rows)} illness session(s) of pupils at stage 2 or beyond have no medical "
            "evidence and no decision. Choose one, give the reason, then keep it as I or recode it O."
        )
        self.table.fill(
            [[r.pupil.name, r.pupil.reg_group, dmy(r.day), r.session] for r in self.rows],
            [str(n) for n in range(len(self.rows))],
        )

    def decide(self, code: str) -> None:
        from attendance_desk.services.medical import decide_illness

        row = self.table.currentRow()
        if row < 0:
            show_error(self, "Choose a session in the list first")
            return
        chosen = self.rows[int(self.table.key_at(row))]
        try:
            decide_illness(
                self.context.store,
                chosen.pupil.upn,
                chosen.day,
                chosen.session,
                code,
                self.reason.text(),
                self.context.user,
                self.context.today,
            )
        except UserError as exc:
            show_error(self, str(exc))
            return
        self.reason.clear()
        self.context.status.emit(
            f"{chosen.pupil.name} {dmy(chosen.day)} {chosen.session}: "
            + ("kept as illness" if code == "I" else "recoded O")
        )
        self.context.data_changed.emit()
        self.reload()


# ---------------------------------------------------------------- lateness letters


class LatenessDialog(QDialog):
    """Pupils late this half-term with the step of the school's ladder each has reached; letters 1
    or 2 for the chosen pupils (or everyone at the step), previewed or issued."""

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Lateness letters")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = ReadOnlyTable(
            ["Pupil", "Class", "Late (L)", "After close (U)", "Step", "Sent this half-term"],
            "Late this half-term",
        )
        self.table.setSelectionMode(self.table.SelectionMode.ExtendedSelection)
        self.step = QComboBox()
        self.step.setAccessibleName("Letter")
        self.step.addItem("Letter 1", 1)
        self.step.addItem("Letter 2", 2)
        self.reason = _line("Override reason", "only to send although the step is not reached")
        preview, issue, close = (
            QPushButton("&Preview…"),
            QPushButton("&Issue…"),
            QPushButton("Close"),
        )
        preview.clicked.connect(lambda: self.make(True))
        issue.clicked.connect(lambda: self.make(False))
        close.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.step)
        row.addWidget(self.reason, 1)
        row.addWidget(preview)
        row.addWidget(issue)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(
            QLabel(
                "Select pupils for their letter, or none for everyone at the step who has not had it."
            )
        )
        layout.addLayout(row)
        self.resize(1000, 460)
        self.reload()

    def reload(self) -> None:
        from attendance_desk.services.lateness import lateness_list

        steps, self.rows = lateness_list(self.context.store, self.context.today)
        self.summary.setText(
            f"The school's ladder (Settings): letter 1 at {steps.letter1} late marks (L) in a "
            f"half-term, letter 2 at {steps.letter2}. {len(self.rows)} pupil(s) late this half-term."
        )
        self.table.fill(
            [
                [
                    r.pupil.name,
                    r.pupil.reg_group,
                    r.lateness.late,
                    r.lateness.late_after_close,
                    f"step {r.step}" if r.step else "below the ladder",
                    ", ".join(r.sent),
                ]
                for r in self.rows
            ],
            [r.pupil.upn for r in self.rows],
        )

    def chosen(self) -> list[str]:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return [self.table.key_at(r) for r in rows]

    def make(self, preview: bool, out: Path | None = None) -> None:
        from attendance_desk.services.lateness import make_lateness_letters

        step = self.step.currentData()
        out = out or save_path(
            self, "Save the letters", f"lateness{step}{'-preview' if preview else ''}.pdf"
        )
        if out is None:
            return
        try:
            batch = make_lateness_letters(
                self.context.store,
                step,
                self.context.today,
                self.context.user,
                out,
                self.chosen() or None,
                preview=preview,
                override_reason=self.reason.text(),
            )
        except UserError as exc:
            show_error(self, str(exc))
            return
        if batch.not_sent:
            show_error(self, "\n".join(batch.not_sent))
        self.context.status.emit(
            f"{batch.letters} lateness letter(s) "
            + ("previewed" if preview else f"issued ({', '.join(batch.references)})")
            + f": {batch.files[0]}"
        )
        if not preview:
            self.context.data_changed.emit()
            self.reload()


# ---------------------------------------------------------------- early help


class EarlyHelpOfferDialog(ServiceDialog):
    """The letter offering early help (to each adult with parental responsibility), previewed or
    issued; issuing records the offer."""

    def __init__(self, context: AppContext, upn: str, name: str, parent: QWidget | None = None):
        super().__init__(context, f"Offer early help in writing: {name}", parent)
        self.upn = upn
        self.what = _line("Help offered", "what is offered, in the letter's words")
        self.what.setMinimumWidth(480)
        self.out: Path | None = None
        self.preview_button = self.buttons.addButton(
            "&Preview…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.preview_button.clicked.connect(self.preview)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("&Issue…")
        self.form.addRow("Help offered", self.what)
        self.finish()

    def _where(self, preview: bool) -> Path | None:
        return self.out or save_path(
            self, "Save the letter", f"early-help{'-preview' if preview else ''}-{self.upn}.pdf"
        )

    def preview(self) -> None:
        from attendance_desk.services.early_help import offer_early_help

        out = self._where(True)
        if out is None:
            return
        try:
            batch, _ = offer_early_help(
                self.context.store,
                self.upn,
                self.what.text(),
                self.context.user,
                self.context.today,
                out,
                preview=True,
            )
        except UserError as exc:
            show_error(self, str(exc))
            return
        self.context.status.emit(f"Preview saved to {batch.files[0]}: not issued, nothing recorded")

    def save(self) -> str:
        from attendance_desk.services.early_help import offer_early_help

        out = self._where(False)
        if out is None:
            raise UserError("choose where to save the letter")
        _, offer = offer_early_help(
            self.context.store,
            self.upn,
            self.what.text(),
            self.context.user,
            self.context.today,
            out,
        )
        return f"Early help offered in writing ({offer.letter_refs}); letters saved to {out}"


class EarlyHelpAnswerDialog(ServiceDialog):
    def __init__(self, context: AppContext, offer_id: int, parent: QWidget | None = None):
        super().__init__(context, f"The family's answer to early help offer {offer_id}", parent)
        self.offer_id = offer_id
        self.answer = QComboBox()
        self.answer.setAccessibleName("Answer")
        for key, label in (
            ("accepted", "Accepted"),
            ("declined", "Declined"),
            ("no_answer", "No answer"),
        ):
            self.answer.addItem(label, key)
        self.on = date_edit(context.today, "Answered on")
        self.note = _line("Note", "e.g. who answered and how")
        for label, widget in (("Answer", self.answer), ("On", self.on), ("Note", self.note)):
            self.form.addRow(label, widget)
        self.finish()

    def save(self) -> str:
        from attendance_desk.services.early_help import record_answer

        offer = record_answer(
            self.context.store,
            self.offer_id,
            self.answer.currentData(),
            from_qdate(self.on.date()),
            self.context.user,
            self.context.today,
            self.note.text(),
        )
        return f"Early help offer {offer.id}: {offer.answer_text}"


class EarlyHelpOffersDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Early help offered in writing")
        self.table = ReadOnlyTable(
            ["#", "Pupil", "Class", "Offered", "Letters", "Help offered", "Answer"], "Offers"
        )
        answer, close = QPushButton("Record &answer…"), QPushButton("Close")
        answer.clicked.connect(self.answer)
        close.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(answer)
        row.addStretch()
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self.resize(1100, 420)
        self.reload()

    def reload(self) -> None:
        from attendance_desk.services.early_help import offers

        rows = offers(self.context.store)
        self.table.fill(
            [
                [
                    str(o.id),
                    p.name,
                    p.reg_group,
                    dmy(o.offered_on),
                    o.letter_refs,
                    o.what,
                    o.answer_text,
                ]
                for p, o in rows
            ],
            [str(o.id) for _, o in rows],
        )

    def answer(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            show_error(self, "Choose an offer in the list first")
            return
        if EarlyHelpAnswerDialog(self.context, int(self.table.key_at(row)), self).exec():
            self.reload()


# ---------------------------------------------------------------- awards


class AwardsDialog(QDialog):
    """Certificates for 100% attendance or most improved, for a class or a year, as one PDF."""

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        from PySide6.QtWidgets import QPlainTextEdit, QSpinBox

        from attendance_desk.services.registers import class_names, year_groups

        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Attendance awards")
        self.kind = QComboBox()
        self.kind.setAccessibleName("Award")
        self.kind.addItem("100% attendance", "full")
        self.kind.addItem("Most improved attendance", "improved")
        self.group = QComboBox()
        self.group.setAccessibleName("Class or year")
        for name in class_names(context.store):
            self.group.addItem(f"Class {name}", ("class", name))
        for year in year_groups(context.store):
            self.group.addItem(f"Year {year}", ("year", year))
        self.start = date_edit(context.today, "From")
        self.end = date_edit(context.today, "To")
        self.compare = QComboBox()
        self.compare.setAccessibleName("Compared with")
        self.compare.addItem("the previous period of equal length", "previous")
        self.compare.addItem("the previous term", "term")
        self.top = QSpinBox()
        self.top.setAccessibleName("How many (most improved)")
        self.top.setRange(1, 30)
        self.top.setValue(3)
        self.result = QPlainTextEdit()
        self.result.setReadOnly(True)
        self.result.setAccessibleName("Result")
        form = QFormLayout()
        for label, widget in (
            ("Award", self.kind),
            ("For", self.group),
            ("From", self.start),
            ("To", self.end),
            ("Most improved: compared with", self.compare),
            ("Most improved: how many", self.top),
        ):
            form.addRow(label, widget)
        make, close = QPushButton("&Make certificates…"), QPushButton("Close")
        make.clicked.connect(lambda: self.make())
        close.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(make)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.result, 1)
        layout.addLayout(row)
        self.resize(720, 520)

    def make(self, out: Path | None = None) -> None:
        from attendance_desk.services.awards import make_awards

        out = out or save_path(self, "Save the certificates", "certificates.pdf")
        if out is None:
            return
        where, name = self.group.currentData() or ("class", "")
        try:
            batch = make_awards(
                self.context.store,
                self.kind.currentData(),
                from_qdate(self.start.date()),
                from_qdate(self.end.date()),
                out,
                self.context.user,
                self.context.today,
                reg_group=name if where == "class" else None,
                year_group=name if where == "year" else None,
                compare=self.compare.currentData(),
                top=self.top.value(),
            )
        except UserError as exc:
            show_error(self, str(exc))
            return
        lines = [f"{len(batch.awarded)} certificate(s) saved to {batch.file}:"]
        lines += [f"  {p.name} ({p.reg_group}): {why}" for p, why in batch.awarded]
        if batch.left_out:
            lines += ["Not considered:"] + [f"  {x}" for x in batch.left_out]
        self.result.setPlainText("\n".join(lines))
        self.context.status.emit(lines[0])
        self.context.data_changed.emit()


# ---------------------------------------------------------------- where they are reached


def _pupil_name(context: AppContext, upn: str) -> str:
    try:
        return find_pupil(context.store, upn).name
    except UserError:
        return upn


def pupil_actions(context: AppContext, parent: QWidget, current_upn) -> QPushButton:
    """The pupil screen's "More" button: the workflows about the pupil in view (`current_upn()`)."""
    from PySide6.QtWidgets import QMenu

    button = QPushButton("Mo&re…")
    button.setAccessibleName("More casework for this pupil")
    menu = QMenu(button)

    def with_pupil(make):
        upn = current_upn()
        if not upn:
            show_error(parent, "Choose a pupil first")
            return
        make(upn).exec()

    for text, make in pupil_dialogs(context, parent):
        menu.addAction(text, lambda make=make: with_pupil(make))
    button.setMenu(menu)
    return button


def pupil_dialogs(context: AppContext, parent: QWidget):
    return [
        (
            "Part-time timetable…",
            lambda upn: PartTimeDialog(context, upn, _pupil_name(context, upn), parent),
        ),
        (
            "Medical evidence received…",
            lambda upn: MedicalEvidenceDialog(context, upn, _pupil_name(context, upn), parent),
        ),
        (
            "Offer early help in writing…",
            lambda upn: EarlyHelpOfferDialog(context, upn, _pupil_name(context, upn), parent),
        ),
    ]


def add_menu(window, context: AppContext) -> None:
    """The main window's Casework menu: the school-wide lists of these workflows."""
    from PySide6.QtGui import QAction, QKeySequence

    menu = window.menuBar().addMenu("Ca&sework")
    for text, key, make in (
        ("&Part-time timetables…", "Ctrl+Shift+T", lambda: TimetablesDialog(context, window)),
        (
            "&Illness without medical evidence…",
            "",
            lambda: IllnessDecisionsDialog(context, window),
        ),
        ("&Lateness letters…", "", lambda: LatenessDialog(context, window)),
        ("&Early help offers…", "", lambda: EarlyHelpOffersDialog(context, window)),
        ("&Attendance awards…", "", lambda: AwardsDialog(context, window)),
    ):
        action = QAction(text, window)
        if key:
            action.setShortcut(QKeySequence(key))
        action.triggered.connect(lambda _=False, make=make: make().exec())
        menu.addAction(action)
