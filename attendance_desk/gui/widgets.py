"""Small shared pieces: colours, dates, messages, read-only tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QHeaderView,
    QLabel,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from attendance_desk.domain.codes import Category
from attendance_desk.presentation import (  # noqa: F401 (dmy: screens import it here)
    CATEGORY_COLOURS,
    RAG_COLOURS,
    UNKNOWN_COLOUR,
    dmy,
    percent,
)


def colour(hex_rgb: str) -> QColor:
    return QColor(f"#{hex_rgb}")


def category_colour(category: Category | None) -> QColor:
    return colour(UNKNOWN_COLOUR if category is None else CATEGORY_COLOURS[category])


def rag_colour(label: str) -> QColor:
    return colour(RAG_COLOURS[label])


def pct(value: float | None) -> str:
    return percent(value)  # as every output shows it (presentation.percent)


def to_qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def from_qdate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def date_edit(day: date, name: str) -> QDateEdit:
    edit = QDateEdit(to_qdate(day))
    edit.setDisplayFormat("dd/MM/yyyy")
    edit.setCalendarPopup(True)
    edit.setAccessibleName(name)
    return edit


def heading(text: str) -> QLabel:
    """A screen's heading: a third larger than the application font (never a fixed size), so it grows
    with a 12 pt font like everything else."""
    label = QLabel(text)
    label.setProperty("role", "heading")
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 4 / 3)
    font.setWeight(QFont.Weight.DemiBold)
    label.setFont(font)
    return label


def show_error(parent: QWidget | None, message: str, title: str = "Attendance Desk") -> None:
    QMessageBox.warning(parent, title, message)


class ReadOnlyTable(QTableWidget):
    """A sortable, read-only table filled from rows of cells (str or (str, QColor))."""

    def __init__(self, headers: Sequence[str], name: str, parent: QWidget | None = None):
        super().__init__(0, len(headers), parent)
        self.setHorizontalHeaderLabels(list(headers))
        self.setAccessibleName(name)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # columns sized from the rows in view and up to 100 others, not from every row at each
        # layout: a list of 400 persistently absent pupils took a fifth of a second to lay out
        self.horizontalHeader().setResizeContentsPrecision(100)
        self.horizontalHeader().setStretchLastSection(True)
        # headings over their column's start, as the text below them: the last column stretches to
        # the window's width, and a centred heading there floats far from its words
        self.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )
        self.horizontalHeader().setSortIndicator(
            -1, Qt.SortOrder.AscendingOrder
        )  # keep the given order

    def fill(self, rows: Sequence[Sequence], keys: Sequence[str] | None = None) -> None:
        """`keys` (e.g. UPNs) are kept on the first cell of each row for double-click actions.

        While the cells are replaced, the columns are not sized to their contents: on a table in
        view, each replaced cell made the header measure up to a hundred rows again (a 300-row list
        refilled on screen took 6-10 s; now a fiftieth of that). They are sized once at the end."""
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.setUpdatesEnabled(False)
        try:
            self._fill(rows, keys)
        finally:
            header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            self.setUpdatesEnabled(True)

    def _fill(self, rows: Sequence[Sequence], keys: Sequence[str] | None) -> None:
        self.setSortingEnabled(False)
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                background = None
                if isinstance(value, tuple):
                    value, background = value
                item = QTableWidgetItem()
                if isinstance(value, int | float) and not isinstance(value, bool):
                    item.setData(Qt.ItemDataRole.DisplayRole, value)
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                else:
                    item.setText("" if value is None else str(value))
                if background is not None:
                    item.setBackground(background)
                if c == 0 and keys is not None:
                    item.setData(Qt.ItemDataRole.UserRole, keys[r])
                self.setItem(r, c, item)
        self.setSortingEnabled(True)

    def key_at(self, row: int) -> str | None:
        item = self.item(row, 0)
        return item.data(Qt.ItemDataRole.UserRole) if item else None


# The folder each save dialog opened in last, this run: the user's own choice is kept.
_last_folder: dict[str, Path] = {}


def _start_folder(store) -> Path:
    """Where a save dialog opens: the folder the user last saved into, else the school's documents
    folder (beside the school file; for the school's server, in Documents), never the program's
    own folder (an installed program's working folder is often where it is installed)."""
    from attendance_desk.services.server import documents_folder

    key = str(store.path)
    if key in _last_folder and _last_folder[key].is_dir():
        return _last_folder[key]
    folder = documents_folder(store)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:  # a read-only place: the user's home, which is always theirs
        return Path.home()
    return folder


def ask_save_path(
    parent: QWidget | None, store, title: str, name: str, file_filter: str = "PDF (*.pdf)"
) -> Path | None:
    """Ask where to save a document, offering `name` in the school's documents folder (or the
    folder chosen last time). None if the user cancels."""
    from PySide6.QtWidgets import QFileDialog

    chosen, _ = QFileDialog.getSaveFileName(
        parent, title, str(_start_folder(store) / name), file_filter
    )
    if not chosen:
        return None
    path = Path(chosen)
    _last_folder[str(store.path)] = path.parent
    return path


def ask_folder(parent: QWidget | None, store, title: str) -> Path | None:
    """Ask for a folder to save several documents into, starting as `ask_save_path` does."""
    from PySide6.QtWidgets import QFileDialog

    chosen = QFileDialog.getExistingDirectory(parent, title, str(_start_folder(store)))
    if not chosen:
        return None
    _last_folder[str(store.path)] = Path(chosen)
    return Path(chosen)
