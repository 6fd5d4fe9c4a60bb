"""Help → Keyboard: every shortcut the window defines, read from the window itself (its menu actions
and its screens' shortcuts), plus the register's single keys, so the list cannot drift from the code."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

# keys handled inside a widget rather than by a QAction or QShortcut
FIXED_KEYS = [
    ("Registers", "A code letter, / or #", "Mark the cell and move down to the next pupil"),
    (
        "Registers",
        "F2 (or double-click)",
        "Pick a code from the codes valid on that date, with their meanings",
    ),
    ("Registers", "Delete / Backspace", "Clear a mark typed and not saved"),
    ("Registers", "Enter", "Move down to the next pupil"),
    ("Everywhere", "Tab / Shift+Tab", "Move to the next / previous control"),
]


def shortcuts(window: QWidget) -> list[tuple[str, str, str]]:
    """(where, keys, what) for every shortcut defined on the window and its screens."""
    rows = []
    for action in window.findChildren(QAction):
        if not action.shortcut().isEmpty():
            rows.append(
                (
                    "Menus",
                    action.shortcut().toString(QKeySequence.SequenceFormat.NativeText),
                    action.text().replace("&", "").rstrip("…"),
                )
            )
    for shortcut in window.findChildren(QShortcut):
        screen = getattr(shortcut.parent(), "title", "Window")
        rows.append(
            (
                screen,
                shortcut.key().toString(QKeySequence.SequenceFormat.NativeText),
                shortcut.whatsThis() or "(no description)",
            )
        )
    return rows + FIXED_KEYS


class KeyboardHelp(QDialog):
    def __init__(self, window: QWidget):
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        rows = shortcuts(window)
        self.table = QTableWidget(len(rows), 3)
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setHorizontalHeaderLabels(["Where", "Keys", "What it does"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        note = QLabel("Alt with an underlined letter presses that button or opens that menu.")
        note.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(640, 460)
