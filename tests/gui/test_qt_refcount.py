"""PySide6 6.12.0 on Python 3.11 drops a reference to None on every call of a method that returns
nothing; after a few thousand calls the interpreter aborts ("deallocating None"). Guard against
installing such a release again.

From Python 3.12 None is immortal: its reference count is a fixed huge number that no decrement
moves, so counting None's references cannot fail there. The second test counts the references of
an ordinary object handed through Qt and back (a property set and read, a slot's argument), which
a binding that drops or leaks references changes on any Python."""

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QTableWidget, QTableWidgetItem

CALLS = 500
IMMORTAL = sys.version_info >= (3, 12)


def test_void_calls_keep_none_alive(qtbot):
    table, label = QTableWidget(10, 2), QLabel()
    qtbot.addWidget(table)
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        table.setItem(0, 0, QTableWidgetItem("x"))
        label.setText("x")
    after = sys.getrefcount(None)
    if IMMORTAL:
        assert after == before  # immortal: nothing moves it (the test below does the guarding)
    else:
        assert after >= before - 50


class _Sender(QObject):
    carried = Signal(object)


class _Payload:
    """An ordinary (mortal) Python object: its reference count moves with every reference."""


def test_objects_passed_through_qt_keep_their_reference_count(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    payload = _Payload()
    received = []
    sender = _Sender()
    sender.carried.connect(lambda obj: received.append(obj is payload))
    label.setProperty("payload", payload)
    before = sys.getrefcount(payload)
    for _ in range(CALLS):
        assert label.property("payload") is payload
        sender.carried.emit(payload)
        label.setText("x")  # a void call between, as the None test makes
    assert len(received) == CALLS and all(received)
    # a binding that loses a reference on each call ends 500 below (and would free the object);
    # one that leaks ends 500 above; a handful either way is Qt's own bookkeeping
    assert abs(sys.getrefcount(payload) - before) <= 5
