"""Registers: a class x week grid of AM/PM sessions, marked from the keyboard.

Typing a code sets the cell and moves down to the next pupil; '/' in a PM column is entered as '\\'.
What is typed stays a visible suggestion (italic, grey) until Save; changing a recorded mark asks
for the reason and keeps the original in the history (the tooltip shows it). Two-character codes:
F2 or Enter on a cell opens an editor."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from attendance_desk.errors import UserError
from attendance_desk.gui.context import AppContext
from attendance_desk.gui.widgets import (
    category_colour,
    date_edit,
    from_qdate,
    heading,
    show_error,
    to_qdate,
)
from attendance_desk.services.marks import register_history_text
from attendance_desk.services.registers import (
    PERIODS,
    RegisterWeek,
    class_names,
    register_week,
    save_register,
    year_groups,
)
from attendance_desk.services.school import codes

Key = tuple[int, date, str]
NO_PARENT = QModelIndex()


class RegisterModel(QAbstractTableModel):
    def __init__(self, context: AppContext):
        super().__init__()
        self.context = context
        self.week: RegisterWeek | None = None
        self.pending: dict[Key, str] = {}

    def load(self, week: RegisterWeek) -> None:
        self.beginResetModel()
        self.week, self.pending = week, {}
        self.endResetModel()

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
        return self.week.sessions.index(session) if self.week and session in self.week.sessions else None

    def key(self, index: QModelIndex) -> Key | None:
        session = self.session_at(index.column())
        if session is None:
            return None
        return (self.week.pupils[index.row()].id, *session)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if self.week is None:
            return None
        if orientation == Qt.Orientation.Vertical:  # pupils' names stay in view when scrolling across
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
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return code or ("–" if closed and role == Qt.ItemDataRole.DisplayRole else "")
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignCenter
        if role == Qt.ItemDataRole.BackgroundRole:
            if code:
                return category_colour(codes().category_or_none(code, key[1]))
            return category_colour(codes().category_or_none("#", key[1])) if closed else None
        if role == Qt.ItemDataRole.FontRole and (pending or key in self.week.amended):
            font = QFont()
            font.setItalic(pending)
            font.setUnderline(key in self.week.amended and not pending)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and pending:
            return Qt.GlobalColor.darkBlue
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(key, code, pending)
        return None

    def _tooltip(self, key: Key, code: str | None, pending: bool) -> str:
        lines = []
        if code:
            lines.append(f"{code}: {codes().lookup(code, key[1]).meaning}" if codes().is_valid(code, key[1]) else code)
        if pending:
            lines.append("Not saved yet: press Ctrl+S to save the register")
        mark = self.week.marks.get(key)
        if mark:
            lines.append(f"Recorded by {mark.recorded_by} at {mark.recorded_at}")
        if key in self.week.amended:
            lines.append(register_history_text(self.context.store, *key))
        return "\n".join(lines)

    def _week_total(self, pupil_id: int) -> str:
        present = possible = 0
        for day, session in self.week.sessions:
            code, _ = self.code((pupil_id, day, session))
            category = codes().category_or_none(code, day) if code else None
            if category is None or not (category.counts_as_attendance or category.is_absence):
                continue
            possible += 1
            present += category.counts_as_attendance
        return f"{present}/{possible}" if possible else ""

    def flags(self, index: QModelIndex):
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        key = self.key(index)
        if key and key[1:] not in self.week.closed:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index: QModelIndex, value, role=Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        key = self.key(index)
        if key is None or role != Qt.ItemDataRole.EditRole or key[1:] in self.week.closed:
            return False
        code = str(value).strip()
        code = code if code in ("/", "\\") else code.upper()
        if code == "/" and key[2] == "PM":
            code = "\\"
        elif code == "\\" and key[2] == "AM":
            code = "/"
        if not code:
            self.pending.pop(key, None)
        elif not codes().is_valid(code, key[1]):
            self.context.status.emit(f"'{code}' is not an attendance code on {key[1]:%d/%m/%Y}")
            return False
        else:
            recorded = self.week.marks.get(key)
            if recorded and recorded.code == code:
                self.pending.pop(key, None)
            else:
                self.pending[key] = code
        last = self.index(index.row(), self.columnCount() - 1)
        self.dataChanged.emit(index, last)
        return True

    def fill_present(self, column: int) -> int:
        """Suggest present for every empty cell of a session (not saved until Save)."""
        session = self.session_at(column)
        if session is None or session in self.week.closed:
            return 0
        filled = 0
        for row, pupil in enumerate(self.week.pupils):
            key = (pupil.id, *session)
            if self.code(key)[0] is None:
                self.setData(self.index(row, column), "/")
                filled += 1
        return filled


class RegisterTable(QTableView):
    """Single keys enter codes and move down; Enter moves down; Delete clears an unsaved change."""

    def keyPressEvent(self, event):  # noqa: N802
        index = self.currentIndex()
        text = event.text()
        model: RegisterModel = self.model()
        if index.isValid() and model.key(index) and text and (text.isalpha() or text in "/\\#"):
            if model.setData(index, text):
                self._move_down(index)
            return
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and index.isValid():
            model.setData(index, "")
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.state() != QAbstractItemView.State.EditingState:
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
        discard = QPushButton("&Discard changes")
        self.table = RegisterTable()
        self.table.setAccessibleName("Register")
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed | QAbstractItemView.EditTrigger.DoubleClicked)
        self.table.horizontalHeader().setMinimumSectionSize(36)
        self.legend = QLabel("Italic: typed, not saved yet. Underlined: amended (hover for its history). "
                             "Keys: a code letter or / marks and moves down; F2 for two-letter codes.")
        self.legend.setWordWrap(True)
        bar = QHBoxLayout()
        for w in (QLabel("Year"), self.year, QLabel("Class"), self.group, self.period, self.week,
                  previous, following, self.label):
            bar.addWidget(w)
        bar.addStretch()
        actions = QHBoxLayout()
        actions.addStretch()
        for w in (fill, discard, self.save_button):
            actions.addWidget(w)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Class registers"))
        layout.addLayout(bar)
        layout.addLayout(actions)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.legend)

        self.year.currentIndexChanged.connect(self._fill_classes)
        self.group.currentIndexChanged.connect(self.reload)
        self.period.currentIndexChanged.connect(self.reload)
        self.week.dateChanged.connect(self.reload)
        previous.clicked.connect(lambda: self._step(-1))
        following.clicked.connect(lambda: self._step(1))
        fill.clicked.connect(self.fill_column)
        self.save_button.clicked.connect(self.save)
        discard.clicked.connect(self.reload)
        QShortcut(QKeySequence("Ctrl+S"), self, self.save)
        QShortcut(QKeySequence("Ctrl+P"), self, self.fill_column)

    def refresh(self) -> None:
        current = self.year.currentText()
        self.year.blockSignals(True)
        self.year.clear()
        self.year.addItem("All years", None)
        for year in year_groups(self.context.store):
            self.year.addItem(f"Year {year}", year)
        self.year.setCurrentIndex(max(0, self.year.findText(current)))
        self.year.blockSignals(False)
        self._fill_classes()

    def _fill_classes(self) -> None:
        current = self.group.currentText()
        names = class_names(self.context.store, self.year.currentData())
        self.group.blockSignals(True)
        self.group.clear()
        self.group.addItems(names)
        if current in names:
            self.group.setCurrentText(current)
        self.group.blockSignals(False)
        self.reload()

    def _step(self, direction: int) -> None:
        week = self.model.week
        if week is None or self.period.currentData() == "week":
            self.week.setDate(self.week.date().addDays(7 * direction))
        else:
            self.week.setDate(to_qdate(week.end + timedelta(days=3) if direction > 0 else week.start - timedelta(days=3)))

    def reload(self) -> None:
        if not self.group.currentText():
            return
        week = register_week(self.context.store, self.group.currentText(), from_qdate(self.week.date()),
                             self.period.currentData())
        self.model.load(week)
        self.label.setText(week.label)
        header = self.table.horizontalHeader()
        mode = QHeaderView.ResizeMode.Stretch if len(week.sessions) <= 10 else QHeaderView.ResizeMode.ResizeToContents
        header.setSectionResizeMode(mode)
        self._start_at_today()

    def _start_at_today(self) -> None:
        column = self.model.column_of((self.context.today, "AM"))
        self.table.setCurrentIndex(self.model.index(0, column or 0))
        self.table.scrollTo(self.table.currentIndex())


    def fill_column(self) -> None:
        count = self.model.fill_present(self.table.currentIndex().column())
        self.context.status.emit(f"{count} empty cells suggested as present: check them, then save")

    def save(self) -> None:
        week = self.model.week
        if week is None or not self.model.pending:
            return
        new = {k: c for k, c in self.model.pending.items() if k not in week.marks}
        changed = {k: (c, week.marks[k].version) for k, c in self.model.pending.items() if k in week.marks}
        reason = ""
        if changed:
            reason, ok = QInputDialog.getText(
                self, "Reason for the change",
                f"{len(changed)} recorded mark(s) will change. The original stays in the register's "
                "history. Reason:")
            if not ok:
                return
        try:
            saved, amended = save_register(self.context.store, week.reg_group, new, changed, reason,
                                           self.context.user, self.context.today)
        except UserError as exc:
            show_error(self, str(exc))
            return
        self.context.status.emit(f"Saved {saved} marks" + (f" and amended {amended}" if amended else ""))
        self.context.data_changed.emit()
        self.reload()

