"""PySide6 6.12.0 on Python 3.11 drops a reference to None on every call of a method that returns
nothing; after a few thousand calls the interpreter aborts ("deallocating None"). Guard against
installing such a release again."""

import sys

from PySide6.QtWidgets import QLabel, QTableWidget, QTableWidgetItem


def test_void_calls_keep_none_alive(qtbot):
    table, label = QTableWidget(10, 2), QLabel()
    qtbot.addWidget(table)
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(500):
        table.setItem(0, 0, QTableWidgetItem("x"))
        label.setText("x")
    assert sys.getrefcount(None) >= before - 50
