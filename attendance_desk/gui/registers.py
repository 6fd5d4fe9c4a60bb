"""Registers: a class x week grid of AM/PM sessions, marked from the keyboard.

Typing a code sets the cell and moves down to the next pupil; '/' in a PM column is entered as '\\'.
What is typed stays a visible suggestion (a thick blue border, bold, counted next to Save) until
Save; leaving the class, the week, the screen or the window with unsaved marks asks Save / Discard /
Cancel. A code that is not valid that day is refused at the cell (a red border, the message in its
tooltip and the status bar). F2 (or a double-click) opens a picker of the codes valid on that date with
their meanings. Saving changed recorded marks lists each one (pupil, session, old → new) and asks for
one reason for all or a reason for each; the original stays in the history (the tooltip shows it)."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont, QKeySequence, QPen, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from attendance_desk.domain.figures import figures_from_marks
from attendance_desk.domain.mark_rules import RegisterClock, ahead_refusal, pupil_refusal
from attendance_desk.errors import UserError
from attendance_desk.gui.context import AppContext, reads
from attendance_desk.gui.register_dialogs import AmendDialog, Change, CodePicker
from attendance_desk.gui.widgets import (
    category_colour,
    date_edit,
    from_qdate,
    heading,
    show_error,
    to_qdate,
)
from attendance_desk.presentation import dmy
from attendance_desk.services.marks import register_history_text
from attendance_desk.services.registers import (
    PERIODS,
    RegisterWeek,
    class_names,
    register_clock,
    register_week,
    save_register,
    year_groups,
)
from attendance_desk.services.school import codes

Key = tuple[int, date, str]
NO_PARENT = QModelIndex()
PENDING_ROLE = Qt.ItemDataRole.UserRole + 1  # True on a typed mark that is not saved yet
MISSING_COLOUR = "#FFD8A8"  # a closed register with no mark: shown as "?" too, not by colour alone
PENDING_COLOUR = "#1A56DB"  # the unsaved marks' border: unlike any category colour
INVALID_ROLE = Qt.ItemDataRole.UserRole + 2  # the text of a code refused at this cell, if any
INVALID_COLOUR = "#C81E1E"  # the refused code's border (its message is in the tooltip too)


def ask_discard(parent: QWidget | None, text: str) -> bool:
    """Yes / No before throwing typed marks away, No the default (tests replace it)."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "Discard unsaved marks",
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        parent,
    )
    box.setDefaultButton(QMessageBox.StandardButton.No)
    box.setEscapeButton(QMessageBox.StandardButton.No)
    return QMessageBox.StandardButton(box.exec()) == QMessageBox.StandardButton.Yes


def tell(parent: QWidget | None, title: str, text: str) -> None:
    """A message the user must see (tests replace it)."""
    QMessageBox.information(parent, title, text)


def marks_text(count: int) -> str:
    return f"{count} mark{'s' if count != 1 else ''}"


def ask_unsaved(parent: QWidget | None, text: str) -> str:
    """Save / Discard / Cancel for unsaved marks: 'save', 'discard' or 'cancel' (tests replace it)."""
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        "Unsaved marks",
        text,
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    answer = box.exec()
    return {
        QMessageBox.StandardButton.Save: "save",
        QMessageBox.StandardButton.Discard: "discard",
    }.get(QMessageBox.StandardButton(answer), "cancel")


def saved_text(saved: int, amended: int) -> str:
    """What a save did, and only that: "Saved 3 marks", "Amended 1 mark", "Saved 2 marks and
    amended 1"."""
    parts = []
    if saved:
        parts.append(f"saved {marks_text(saved)}")
    if amended:
        parts.append(f"amended {marks_text(amended) if not saved else amended}")
    text = " and ".join(parts) or "nothing to save"
    return text[0].upper() + text[1:]


class PendingBorder(QStyledItemDelegate):
    """Draws a thick coloured border round each unsaved mark, so it cannot be taken for a saved one."""

    def paint(self, painter, option, index) -> None:
        super().paint(painter, option, index)
        invalid = index.data(INVALID_ROLE)
        if index.data(PENDING_ROLE) or invalid:
            painter.save()
            pen = QPen(QColor(INVALID_COLOUR if invalid else PENDING_COLOUR), 3)
            if invalid:
                pen.setStyle(Qt.PenStyle.DashLine)
            pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(option.rect.adjusted(2, 2, -2, -2))
            painter.restore()


class RegisterModel(QAbstractTableModel):
    pending_changed = Signal(int)  # how many marks are typed and not saved

    def __init__(self, context: AppContext):
        super().__init__()
        self.context = context
        self.week: RegisterWeek | None = None
        self.pending: dict[Key, str] = {}
        # codes typed and refused, shown at their cells until replaced, and why each was refused
        self.invalid: dict[Key, str] = {}
        self.refusals: dict[Key, str] = {}
        self.totals: dict[int, str] = {}  # each pupil's "attended/possible", until a mark changes

    def load(self, week: RegisterWeek, keep_pending: bool = False) -> None:
        """Show `week`. `keep_pending`: the same register re-read (data changed elsewhere): the marks
        typed and not saved stay, unless the register now holds the same code."""
        kept = {}
        if keep_pending and self.week is not None and self.week.reg_group == week.reg_group:
            for key, code in self.pending.items():
                recorded = week.marks.get(key)
                if (
                    key[1:] in week.sessions
                    and key[1:] not in week.closed
                    and (recorded is None or recorded.code != code)
                ):
                    kept[key] = code
        self.beginResetModel()
        self.week, self.pending, self.invalid, self.totals = week, kept, {}, {}
        self.refusals = {}
        self.endResetModel()
        self.pending_changed.emit(len(self.pending))

    def discard(self) -> None:
        if self.pending or self.invalid:
            self.beginResetModel()
            self.pending, self.invalid, self.totals, self.refusals = {}, {}, {}, {}
            self.endResetModel()
        self.pending_changed.emit(0)

    # ---- shape -------------------------------------------------------------------------
    def rowCount(self, parent=NO_PARENT) -> int:  # noqa: N802
        return 0 if self.week is None or parent.isValid() else len(self.week.pupils)

    def columnCount(self, parent=NO_PARENT) -> int:  # noqa: N802
        return 0 if self.week is None or parent.isValid() else len(self.week.sessions) + 1

    def session_at(self, column: int) -> tuple[date, str] | None:
        if self.week is None or not 0 <= column < len(self.week.sessions):
            return None
        return self.week.sessions[column]

    def column_of(self, session: tuple[date, str]) -> int | None:
        return (
            self.week.sessions.index(session)
            if self.week and session in self.week.sessions
            else None
        )

    def key(self, index: QModelIndex) -> Key | None:
        session = self.session_at(index.column())
        if session is None:
            return None
        return (self.week.pupils[index.row()].id, *session)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if self.week is None:
            return None
        if (
            orientation == Qt.Orientation.Vertical
        ):  # pupils' names stay in view when scrolling across
            pupil = self.week.pupils[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return f"{pupil.surname}, {pupil.preferred_name or pupil.forename}"
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{pupil.legal_name}, UPN {pupil.upn}"
            return None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        session = self.session_at(section)
        if session:
            return f"{session[0]:%a}\n{session[0]:%d/%m}\n{session[1]}"
        return "Present"

    # ---- cells -------------------------------------------------------------------------
    def code(self, key: Key) -> tuple[str | None, bool]:
        """(code shown, is it a pending change?)"""
        if key in self.pending:
            return self.pending[key], True
        mark = self.week.marks.get(key)
        return (mark.code if mark else None), False

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if self.week is None or not index.isValid():
            return None
        pupil = self.week.pupils[index.row()]
        key = self.key(index)
        if key is None:
            return self._week_total(pupil.id) if role == Qt.ItemDataRole.DisplayRole else None
        code, pending = self.code(key)
        closed = key[1:] in self.week.closed
        missing = not code and key in self.week.missing
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if role == Qt.ItemDataRole.DisplayRole and not code:
                return "–" if closed else ("?" if missing else "")
            return code or ""
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignCenter
        if role == Qt.ItemDataRole.BackgroundRole:
            if code:
                return category_colour(codes().category_or_none(code, key[1]))
            if missing:
                return QColor(MISSING_COLOUR)
            if closed:
                return category_colour(
                    codes().category_or_none(codes().closure_code(key[1]), key[1])
                )
            return None
        if role == PENDING_ROLE:
            return pending
        if role == INVALID_ROLE:
            return self.invalid.get(key)
        if role == Qt.ItemDataRole.FontRole and (pending or key in self.week.amended):
            font = QFont()
            font.setBold(pending)
            font.setUnderline(key in self.week.amended and not pending)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and pending:
            return QColor(PENDING_COLOUR)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(key, code, pending)
        return None

    def _tooltip(self, key: Key, code: str | None, pending: bool) -> str:
        lines = []
        if key in self.invalid:
            lines.append(
                self.invalid_message(key)
                + " (red border): type another code or press F2 for the list"
            )
        if not code and key in self.week.missing:
            lines.append(
                "Missing mark: this register has closed with no mark for this pupil. "
                "Enter the mark (it is never counted as present until then)."
            )
        if code:
            lines.append(
                f"{code}: {codes().lookup(code, key[1]).meaning}"
                if codes().is_valid(code, key[1])
                else code
            )
        if code == "I" and not pending:
            from attendance_desk.services.medical import illness_notes

            note = illness_notes(self.context.store, key[0], key[1], key[1], self.context.today)
            if key[1:] in note:
                lines.append(note[key[1:]])
        hint = self.week.suggested.get(key)
        if hint and hint.code != code:
            lines.append(f"Suggested: {hint.code} ({hint.why}); Ctrl+P or F2 offers it")
        elif hint:
            lines.append(f"As suggested: {hint.why}")
        if pending:
            lines.append("Not saved yet (blue border): press Ctrl+S to save the register")
        mark = self.week.marks.get(key)
        if mark:
            lines.append(f"Recorded by {mark.recorded_by} at {mark.recorded_at}")
        if key in self.week.amended:
            lines.append(register_history_text(self.context.store, *key))
        return "\n".join(lines)

    def invalid_message(self, key: Key) -> str:
        return self.refusals.get(key) or (
            f"'{self.invalid[key]}' is not an attendance code on {dmy(key[1])}"
        )

    def clock(self) -> RegisterClock:
        """Which registers have opened now (the school's register times; the same rule as Save)."""
        return register_clock(self.context.store, self.context.today)

    def refusal(self, key: Key, code: str, clock: RegisterClock | None = None) -> str | None:
        """Why a valid code may not go in this cell: a session not open yet takes only the codes
        entered ahead; Z and X must fit the pupil (domain/mark_rules.py). None when it may."""
        day, session = key[1:]
        why = ahead_refusal(codes().lookup(code, day), (day, session), clock or self.clock())
        if why is None:
            pupil = next(p for p in self.week.pupils if p.id == key[0])
            why = pupil_refusal(code, day, pupil)
        return why

    def _week_total(self, pupil_id: int) -> str:
        """Sessions attended / possible in the period shown, typed marks included, as the figures
        count them (kept until one of the pupil's marks changes: a term has ~150 sessions)."""
        if pupil_id not in self.totals:
            marks = [
                (day, code)
                for day, session in self.week.sessions
                if (code := self.code((pupil_id, day, session))[0])
            ]
            figures = figures_from_marks(marks, codes())
            self.totals[pupil_id] = (
                f"{figures.attended}/{figures.possible}" if figures.possible else ""
            )
        return self.totals[pupil_id]

    def flags(self, index: QModelIndex):
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        key = self.key(index)
        if key and key[1:] not in self.week.closed:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(  # noqa: N802
        self,
        index: QModelIndex,
        value,
        role=Qt.ItemDataRole.EditRole,
        clock: RegisterClock | None = None,
    ) -> bool:
        key = self.key(index)
        if key is None or role != Qt.ItemDataRole.EditRole or key[1:] in self.week.closed:
            return False
        code = codes().as_entered(str(value), key[1], key[2])  # / typed in a PM column is \\
        last = self.index(index.row(), self.columnCount() - 1)
        if code and not codes().is_valid(code, key[1]):
            self.invalid[key] = code
            self.refusals.pop(key, None)
            self.dataChanged.emit(index, last)
            self.context.status.emit(
                self.invalid_message(key) + ": press F2 for the codes valid that day"
            )
            return False
        why = self.refusal(key, code, clock) if code else None
        if why:  # refused here, so Save never meets it
            self.invalid[key], self.refusals[key] = code, why[0].upper() + why[1:]
            self.dataChanged.emit(index, last)
            self.context.status.emit(self.refusals[key])
            return False
        self.invalid.pop(key, None)
        self.refusals.pop(key, None)
        self.totals.pop(key[0], None)
        if not code:
            self.pending.pop(key, None)
        else:
            recorded = self.week.marks.get(key)
            if recorded and recorded.code == code:
                self.pending.pop(key, None)
            else:
                self.pending[key] = code
        self.dataChanged.emit(index, last)
        self.pending_changed.emit(len(self.pending))
        return True

    def fill_present(self, column: int) -> int:
        """Suggest present for every empty cell of a session, or the code a part-time timetable
        gives it (C2, K or B) (not saved until Save)."""
        session = self.session_at(column)
        if session is None or session in self.week.closed:
            return 0
        clock = self.clock()
        if not clock.is_open(session):
            return (
                0  # nobody can be present at a register that has not opened (fill_column says so)
            )
        filled = 0
        for row, pupil in enumerate(self.week.pupils):
            key = (pupil.id, *session)
            if self.code(key)[0] is None:
                hint = self.week.suggested.get(key)
                present = codes().present_code(*session)
                if self.setData(
                    self.index(row, column), hint.code if hint else present, clock=clock
                ):
                    filled += 1
        return filled


class RegisterTable(QTableView):
    """Single keys enter codes and move down; Enter moves down; Delete clears an unsaved change; F2 or a
    double-click opens the code picker."""

    def pick_code(self, index: QModelIndex) -> None:
        model: RegisterModel = self.model()
        key = model.key(index)
        if key is None or not model.flags(index) & Qt.ItemFlag.ItemIsEditable:
            return
        hint = model.week.suggested.get(key)
        clock = model.clock()  # read once: the picker asks about every code
        picker = CodePicker(
            key[1],
            key[2],
            self,
            (hint.code, hint.why) if hint else None,
            refusal=lambda code: model.refusal(key, code, clock),
        )
        if (
            picker.exec() == QDialog.DialogCode.Accepted
            and picker.code
            and model.setData(index, picker.code)
        ):
            self._move_down(index)

    def mouseDoubleClickEvent(self, event):  # noqa: N802
        index = self.indexAt(event.position().toPoint())
        if index.isValid():
            self.setCurrentIndex(index)
            self.pick_code(index)

    def keyPressEvent(self, event):  # noqa: N802
        index = self.currentIndex()
        text = event.text()
        model: RegisterModel = self.model()
        if event.key() == Qt.Key.Key_F2 and index.isValid():
            self.pick_code(index)
            return
        shortcut = event.modifiers() & (
            Qt.KeyboardModifier.ControlModifier
            | Qt.KeyboardModifier.AltModifier
            | Qt.KeyboardModifier.MetaModifier
        )
        if (
            not shortcut  # Ctrl, Alt or Meta with a letter is a shortcut, never a code
            and index.isValid()
            and model.key(index)
            and text
            and (text.isalpha() or text in "/\\#")
        ):
            if model.setData(index, text):
                self._move_down(index)
            return
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and index.isValid():
            model.setData(index, "")
            return
        if (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and self.state() != QAbstractItemView.State.EditingState
        ):
            self._move_down(index)
            return
        super().keyPressEvent(event)

    def _move_down(self, index) -> None:
        below = index.sibling(min(index.row() + 1, self.model().rowCount() - 1), index.column())
        self.setCurrentIndex(below)


class RegistersView(QWidget):
    title = "Registers"

    def __init__(self, context: AppContext):
        super().__init__()
        self.context = context
        self.model = RegisterModel(context)
        self.year = QComboBox()
        self.year.setAccessibleName("Year group")
        self.group = QComboBox()
        self.group.setAccessibleName("Class")
        self.period = QComboBox()
        self.period.setAccessibleName("Period shown")
        for key in PERIODS:
            self.period.addItem(key.capitalize(), key)
        self.week = date_edit(context.today, "A day in the period")
        previous, following = QPushButton("◀ &Previous"), QPushButton("&Next ▶")
        self.label = QLabel()
        fill = QPushButton("&Fill column with present  (Ctrl+P)")
        self.save_button = QPushButton("&Save register  (Ctrl+S)")
        self.save_button.setAccessibleName("Save register")
        self.discard_button = QPushButton("&Discard changes")
        self.unsaved = QLabel()
        self.unsaved.setAccessibleName("Unsaved marks")
        self.unsaved.setStyleSheet(f"color: {PENDING_COLOUR}; font-weight: 600;")
        self.table = RegisterTable()
        self.table.setAccessibleName("Register")
        self.table.setModel(self.model)
        self.table.setItemDelegate(PendingBorder(self.table))
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setMinimumSectionSize(36)
        self.legend = QLabel(
            "Every cell shows its code; the colour repeats its category: white present, blue approved educational "
            "activity, yellow authorised absence, red unauthorised absence, grey not counted (– closed). "
            "Blue border and bold: typed, not saved yet. Red dashed border: code refused (hover for why). "
            "?: missing mark (the register closed with none). Underlined: amended (hover for its history). "
            "Keys: a code letter or / marks and moves down; F2 lists the codes valid that day."
        )
        self.legend.setWordWrap(True)
        bar = QHBoxLayout()
        for w in (
            QLabel("Year"),
            self.year,
            QLabel("Class"),
            self.group,
            self.period,
            self.week,
            previous,
            following,
            self.label,
        ):
            bar.addWidget(w)
        bar.addStretch()
        actions = QHBoxLayout()
        actions.addStretch()
        late = QPushButton("&Late arrival…")
        late.setToolTip(
            "Record the time the selected pupil arrived: L before the register closed, U after"
        )
        late.clicked.connect(self.late_arrival)
        for w in (late, fill, self.discard_button, self.unsaved, self.save_button):
            actions.addWidget(w)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Class registers"))
        layout.addLayout(bar)
        layout.addLayout(actions)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.legend)
        self._loaded: tuple[int, str, int, object] | None = (
            None  # year, class, period, date on screen
        )
        self._reasons: dict = {}  # amendment reasons typed, kept until saved or discarded

        self.year.currentIndexChanged.connect(self._year_changed)
        self.group.currentIndexChanged.connect(self._choice_changed)
        self.period.currentIndexChanged.connect(self._choice_changed)
        self.week.dateChanged.connect(self._choice_changed)
        previous.clicked.connect(lambda: self._step(-1))
        following.clicked.connect(lambda: self._step(1))
        fill.clicked.connect(self.fill_column)
        self.save_button.clicked.connect(self.save)
        self.discard_button.clicked.connect(self.discard)
        self.model.pending_changed.connect(self._show_unsaved)
        QShortcut(QKeySequence("Ctrl+S"), self, self.save).setWhatsThis("Save the register")
        QShortcut(QKeySequence("Ctrl+P"), self, self.fill_column).setWhatsThis(
            "Fill the column's empty cells with present, or the code a part-time timetable "
            "gives (C2, K or B) (a suggestion until saved)"
        )
        self._show_unsaved(0)
        self.setTabOrder(self.year, self.group)
        self.setTabOrder(self.group, self.table)  # class, then straight into the grid
        self.setTabOrder(self.table, self.period)

    # ---- unsaved marks -----------------------------------------------------------------
    def _show_unsaved(self, count: int) -> None:
        self.unsaved.setText(f"{count} unsaved" if count else "")
        self.save_button.setEnabled(count > 0)
        self.discard_button.setEnabled(count > 0)

    def has_unsaved(self) -> bool:
        return bool(self.model.pending)

    def confirm_leave(self, signed_in: bool = True) -> bool:
        """Before the marks on screen are replaced or the screen is left: with unsaved marks, ask
        Save / Discard / Cancel. True when it is all right to go on. Not `signed_in` (the window is
        locked and being closed): nobody may save them, so only Discard (Yes) or stay (No)."""
        count = len(self.model.pending)
        if not count:
            return True
        group = self.model.week.reg_group if self.model.week else "this class"
        if not signed_in:
            if not ask_discard(
                self,
                f"{marks_text(count)} typed by {self.context.user} in {group} "
                f"{'are' if count != 1 else 'is'} not saved, and nobody is signed in to save "
                f"{'them' if count != 1 else 'it'}.\n\nDiscard {'them' if count != 1 else 'it'} "
                "and close?",
            ):
                return False
            self.model.discard()
            self._reasons = {}
            return True
        them = "them" if count != 1 else "it"
        answer = ask_unsaved(
            self,
            f"{marks_text(count)} typed in {group} {'are' if count != 1 else 'is'} not saved yet."
            f"\n\nSave {them}, discard {them}, or cancel and stay on this register?",
        )
        if answer == "save":
            self.save()
            return not self.model.pending  # a refused save (or no reason given) stays here
        if answer == "discard":
            self.model.discard()
            return True
        return False

    def discard(self) -> None:
        """Discard changes: asks first (No is the default), since typed marks cannot be got back."""
        count = len(self.model.pending)
        if count and not ask_discard(
            self,
            f"Discard {marks_text(count)} typed and not saved?\n\n"
            "They have not reached the register and cannot be got back.",
        ):
            return
        self.model.discard()
        self._reasons = {}
        if count:
            self.context.status.emit(f"Discarded {marks_text(count)} not saved")

    def user_changed(self, previous: str, user: str) -> str | None:
        """Someone else signed in after a lock: the marks `previous` typed and did not save are
        discarded (never saved under `user`'s name). Returns what to tell them, or None."""
        count = len(self.model.pending)
        if previous == user or not count:
            return None
        group = self.model.week.reg_group if self.model.week else "a register"
        self.model.discard()
        self._reasons = {}
        return (
            f"{marks_text(count)} typed by {previous} in {group} "
            f"{'were' if count != 1 else 'was'} not saved and {'have' if count != 1 else 'has'} "
            f"been discarded: {'they' if count != 1 else 'it'} never reached the register. "
            f"{previous} can enter {'them' if count != 1 else 'it'} again after signing in."
        )

    def _restore_choice(self) -> None:
        """Put the year, class, period and date back to the register on screen (after Cancel)."""
        if self._loaded is None:
            return
        year, group, period, day = self._loaded
        widgets = (self.year, self.group, self.period, self.week)
        for w in widgets:
            w.blockSignals(True)
        self.year.setCurrentIndex(year)
        self.group.setCurrentText(group)
        self.period.setCurrentIndex(period)
        self.week.setDate(day)
        for w in widgets:
            w.blockSignals(False)

    @reads("the register")
    def _year_changed(self) -> None:
        if not self.confirm_leave():
            self._restore_choice()
            return
        self._fill_classes()

    @reads("the register")
    def _choice_changed(self) -> None:
        if not self.confirm_leave():
            self._restore_choice()
            return
        self.reload()

    # ---- loading -----------------------------------------------------------------------
    @reads("the register")
    def refresh(self) -> None:
        """Re-read the register (data changed elsewhere, or the screen is shown again): marks typed
        and not saved are kept."""
        current = self.year.currentText()
        self.year.blockSignals(True)
        self.year.clear()
        self.year.addItem("All years", None)
        for year in year_groups(self.context.store):
            self.year.addItem(f"Year {year}", year)
        self.year.setCurrentIndex(max(0, self.year.findText(current)))
        self.year.blockSignals(False)
        self._fill_classes(keep_pending=True)

    def _fill_classes(self, keep_pending: bool = False) -> None:
        current = self.group.currentText()
        names = class_names(self.context.store, self.year.currentData())
        self.group.blockSignals(True)
        self.group.clear()
        self.group.addItems(names)
        if current in names:
            self.group.setCurrentText(current)
        self.group.blockSignals(False)
        self.reload(keep_pending)

    def _step(self, direction: int) -> None:
        week = self.model.week
        if week is None or self.period.currentData() == "week":
            self.week.setDate(self.week.date().addDays(7 * direction))
        else:
            self.week.setDate(
                to_qdate(
                    week.end + timedelta(days=3)
                    if direction > 0
                    else week.start - timedelta(days=3)
                )
            )

    def reload(self, keep_pending: bool = False) -> None:
        if not self.group.currentText():
            return
        week = register_week(
            self.context.store,
            self.group.currentText(),
            from_qdate(self.week.date()),
            self.period.currentData(),
            today=self.context.today,
        )
        self.model.load(week, keep_pending)
        self._loaded = (
            self.year.currentIndex(),
            self.group.currentText(),
            self.period.currentIndex(),
            self.week.date(),
        )
        missing = len(week.missing)
        self.label.setText(
            week.label
            + (f"  ·  {missing} missing mark{'s' if missing != 1 else ''} (?)" if missing else "")
        )
        header = self.table.horizontalHeader()
        if len(week.sessions) <= 10:
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        else:
            # A term has ~150 sessions: sizing each column to its contents asks the model for every
            # cell on each layout (seconds for a class). Every session column holds a code of one or
            # two letters under a three-line date, so one width, from the font, fits them all.
            metrics = header.fontMetrics()
            widest = max(metrics.horizontalAdvance(text) for text in ("Wed", "30/09", "PM", "WW"))
            width = widest + 2 * metrics.averageCharWidth()
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            header.setDefaultSectionSize(width)
            for column in range(len(week.sessions)):
                header.resizeSection(column, width)
            header.setSectionResizeMode(
                self.model.columnCount() - 1, QHeaderView.ResizeMode.ResizeToContents
            )
        self._start_at_today()

    def _start_at_today(self) -> None:
        column = self.model.column_of((self.context.today, "AM"))
        self.table.setCurrentIndex(self.model.index(0, column or 0))
        self.table.scrollTo(self.table.currentIndex())

    def fill_column(self) -> None:
        session = self.model.session_at(self.table.currentIndex().column())
        clock = self.model.clock()
        if session and session not in self.model.week.closed and not clock.is_open(session):
            self.context.status.emit(
                f"The {session[1]} register for {dmy(session[0])} has not opened yet"
                + (f" (it opens at {clock.opens[session[1]]})" if session[0] == clock.today else "")
                + ": nobody can be marked present before then"
            )
            return
        count = self.model.fill_present(self.table.currentIndex().column())
        timetabled = (
            sum(1 for key, _ in self.model.week.suggested.items() if session and key[1:] == session)
            if self.model.week
            else 0
        )
        extra = f" ({timetabled} as a timetable or leave suggests)" if timetabled else ""
        self.context.status.emit(
            f"{count} empty cells suggested as present{extra}: check them, then save"
        )

    def late_arrival(self) -> None:
        """A late arrival for the selected cell's pupil and session (saved at once, with its time)."""
        key = self.model.key(self.table.currentIndex())
        week = self.model.week
        if key is None or week is None:
            self.context.status.emit("Select the pupil's cell for the session first")
            return
        if key in self.model.pending:
            self.context.status.emit("Save or discard the typed mark for that session first")
            return
        from attendance_desk.gui.late_dialog import LateArrivalDialog

        pupil = next(p for p in week.pupils if p.id == key[0])
        if LateArrivalDialog(self.context, pupil.upn, pupil.name, key[1], key[2], self).exec():
            self.reload(keep_pending=True)

    def save(self) -> None:
        week = self.model.week
        if week is None or not self.model.pending:
            return
        new = {k: c for k, c in self.model.pending.items() if k not in week.marks}
        changed = {
            k: (c, week.marks[k].version) for k, c in self.model.pending.items() if k in week.marks
        }
        reason: dict = {}
        if changed:
            names = {p.id: f"{p.surname}, {p.preferred_name or p.forename}" for p in week.pupils}
            dialog = AmendDialog(
                [
                    Change(k, names.get(k[0], str(k[0])), week.marks[k].code, c)
                    for k, (c, _) in sorted(
                        changed.items(), key=lambda kv: (names.get(kv[0][0], ""), kv[0][1:])
                    )
                ],
                self,
                self._reasons,
            )
            accepted = dialog.exec() == QDialog.DialogCode.Accepted
            self._reasons = dialog.typed()  # kept for the next try if this save is refused
            if not accepted:
                return
            reason = dialog.reasons()
        try:
            saved, amended = save_register(
                self.context.store,
                week.reg_group,
                new,
                changed,
                reason,
                self.context.user,
                self.context.today,
            )
        except UserError as exc:
            show_error(self, str(exc))
            return
        except Exception as exc:  # the school's server: said plainly, the typed marks kept
            said = self.context.server_trouble(exc)
            if said is None:
                raise
            from attendance_desk.gui import error_log

            error_log.show_server_dialog(
                self,
                said
                + (
                    " Your typed marks are kept; try Save again when it is back."
                    if self.context.lost
                    else " Your typed marks are kept: press Save again."
                ),
            )
            return
        self.model.discard()  # saved: nothing is pending any more
        self._reasons = {}
        self.context.status.emit(saved_text(saved, amended))
        self.context.data_changed.emit()
        self.reload()
