"""The window when the school's server goes down and comes back (docs/server.md, step 8; the
reviewer's item 8), on a real throwaway PostgreSQL (tests/engines.py): the outage is the server
ending the window's connection (`pg_terminate_backend`) and refusing new ones
(`ALTER DATABASE … ALLOW_CONNECTIONS false`), as a stopped server would; coming back is allowing
them again.

What must be true: a Save during the outage is told in an ordinary message box, one plain
sentence, no traceback (not "Something went wrong"), the typed marks kept; the status bar warns
until the server is back; a screen that cannot be read says so in place, never an empty list that
looks like an answer; once the server is back, the first Save works (no second "the connection is
closed"), and the screen in view is read again."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from attendance_desk.gui import context as context_module
from attendance_desk.gui import error_log
from attendance_desk.gui.context import AppContext
from attendance_desk.gui.main_window import MainWindow
from attendance_desk.gui.register_dialogs import AmendDialog
from attendance_desk.gui.server_place import SchoolServer
from attendance_desk.services.server import connect_to_server
from tests import engines
from tests.gui.test_server_window import (  # noqa: F401  (fixtures)
    OFFICE,
    TODAY,
    Script,
    _no_password_from_the_environment,
    server_school,
)

pytestmark = pytest.mark.usefixtures("pg_school_server")
SHOTS = os.environ.get("AD_SHOTS")  # a folder: the window as it looks at each step, 1280×720


def save_with_reason(qtbot, view) -> Script:
    """Save clicked, the amendment's reason given in the dialog that asks for it."""
    script = Script((AmendDialog, give_reason))
    try:
        qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    finally:
        script.stop()
    return script


def shot(widget, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(SHOTS) / f"{name}.png"))


@contextmanager
def outage(server: dict, db: str):
    """The school's database refuses new connections and the window's is ended, as when the
    server is stopped; afterwards it lets them in again."""
    with engines._admin(server["host"], server["superuser"]) as admin:
        admin.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (db,)
        )
    try:
        yield
    finally:
        back(server, db)


def back(server: dict, db: str) -> None:
    with engines._admin(server["host"], server["superuser"]) as admin:
        admin.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS true')


def give_reason(dialog: AmendDialog) -> None:
    dialog.reason.setText("mum rang: ill")
    dialog.accept()


@pytest.fixture
def window_on_server(qtbot, server_school, monkeypatch, tmp_path):  # noqa: F811
    monkeypatch.setattr(context_module, "PING_EVERY_S", 0.2)  # the test's steps come quickly
    told: list[tuple[str, str]] = []
    monkeypatch.setattr(error_log, "show_server_dialog", lambda p, text: told.append(("s", text)))
    monkeypatch.setattr(error_log, "show_error_dialog", lambda p, text: told.append(("e", text)))
    place = SchoolServer(server_school)
    context = AppContext(place, OFFICE, TODAY, synchronous=True, store=connect_to_server(place))
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.resize(1280, 720)
    window.show()
    installed = error_log.install_error_log(tmp_path / "logs")
    window.told = told
    window.db = server_school.split("/")[3].split("?")[0]
    try:
        yield window
    finally:
        installed.uninstall()
        window.views[1].model.discard()  # closing must not ask about marks a failed test left
        window.close()
        context.close()
    assert context.server_said not in error_log.SERVER_LOST
    log = (tmp_path / "logs" / error_log.LOG_FILE).read_text(encoding="utf-8")
    assert "Traceback" not in log


def type_a_mark(qtbot, window: MainWindow):
    window.nav.setCurrentRow(1)
    view = window.views[1]
    view.table.setFocus()
    view.table.setCurrentIndex(view.model.index(1, 0))
    qtbot.keyClick(view.table, "M")
    key = view.model.key(view.model.index(1, 0))
    assert view.model.pending == {key: "M"}
    return view, key


def test_save_while_the_server_is_down_then_again_when_it_is_back(
    qtbot, window_on_server, pg_school_server, capfd
):
    window, context = window_on_server, window_on_server.context
    view, key = type_a_mark(qtbot, window)
    shot(window, "server-down-1-typed")
    with outage(pg_school_server, window.db):
        qtbot.wait(250)
        script = save_with_reason(qtbot, view)
        assert script.seen == ["AmendDialog"]
        assert len(window.told) == 1, window.told
        kind, text = window.told[0]
        assert kind == "s"  # an ordinary message, not the crash handler's "Something went wrong"
        assert text.startswith("The school's server (")
        assert "cannot be reached: " in text
        assert text.endswith("Your typed marks are kept; try Save again when it is back.")
        assert "Traceback" not in text and "went wrong" not in text
        assert view.model.pending == {key: "M"}  # kept
        assert window.server_warning.isVisible()
        assert window.server_warning.text() == "⚠ School's server not reachable"
        assert context.lost is not None
        shot(window, "server-down-2-save-refused")
    qtbot.wait(250)
    # back: the first Save works (the window's connection opened again before it is used)
    script = save_with_reason(qtbot, view)
    assert len(window.told) == 1, window.told  # nothing more to tell
    assert view.model.pending == {}
    assert view.model.week.marks[key].code == "M"
    assert context.lost is None and not window.server_warning.isVisible()
    assert "Connected again to the school's server" in window.statusBar().currentMessage() or (
        "Amended 1 mark" in window.statusBar().currentMessage()
    )
    assert "Traceback" not in capfd.readouterr().err
    shot(window, "server-down-3-saved-when-back")


def test_a_screen_that_cannot_be_read_says_so_in_place_and_is_read_when_the_server_is_back(
    qtbot, window_on_server, pg_school_server, capfd
):
    window, context = window_on_server, window_on_server.context
    window.nav.setCurrentRow(1)
    window.nav.setCurrentRow(0)
    today = window.views[0]
    assert not window.unread.isVisible() and today.isEnabled()
    with outage(pg_school_server, window.db):
        qtbot.wait(250)
        qtbot.keyClick(today.day, Qt.Key.Key_Down)  # another day: the list read again
        assert window.unread.isVisible()
        said = window.unread_text.text()
        assert said.startswith("Could not read the call list from the school's server: the ")
        assert "cannot be reached" in said and said.endswith("Refresh when it is back.")
        assert not today.isEnabled()  # what it showed before is not an answer
        assert window.server_warning.isVisible()
        assert window.told == []  # said in place, not in a box
        shot(window, "server-down-4-today-unread")
        # another screen during the outage: said there too, the warning still in the status bar
        window.nav.setCurrentRow(4)
        assert window.unread.isVisible()
        assert window.unread_text.text().startswith("Could not read the settings from")
        window.nav.setCurrentRow(0)
        qtbot.wait(250)
        qtbot.mouseClick(window.unread_refresh, Qt.MouseButton.LeftButton)  # still down
        assert window.unread.isVisible() and window.server_warning.isVisible()
    # back: the window finds it by itself (tried in the background while it was lost)
    context._probe_again()
    qtbot.waitUntil(lambda: context.lost is None, timeout=15000)
    assert not window.server_warning.isVisible()
    assert not window.unread.isVisible() and today.isEnabled()  # the screen in view read again
    assert today.summary.text().endswith("calls")
    assert window.told == []
    window.nav.setCurrentRow(4)  # and the other one when shown
    assert not window.unread.isVisible() and window.views[4].isEnabled()
    assert "Traceback" not in capfd.readouterr().err
    shot(window, "server-down-5-back")


def test_an_action_on_a_dropped_connection_reconnects_and_works_the_first_time(
    qtbot, window_on_server, pg_school_server
):
    """The server restarted while nobody was looking (the connection ended, new ones allowed):
    the next action opens the connection again before it is used and works."""
    window, context = window_on_server, window_on_server.context
    window.nav.setCurrentRow(1)
    lost = context.store
    with engines._admin(pg_school_server["host"], pg_school_server["superuser"]) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (window.db,),
        )
    qtbot.wait(250)
    view, key = type_a_mark(qtbot, window)
    save_with_reason(qtbot, view)
    assert window.told == []
    assert context.store is not lost and view.model.pending == {}
    assert view.model.week.marks[key].code == "M"


def test_an_error_of_the_server_reaching_the_window_is_a_plain_message(
    qtbot, window_on_server, pg_school_server
):
    """Any other action (here a screen's read that nothing guards) meeting the server down: the
    error hook says it in an ordinary message box, with what to do, and no traceback."""
    import sys

    from attendance_desk.services.school import school_settings

    window, context = window_on_server, window_on_server.context
    with outage(pg_school_server, window.db):
        qtbot.wait(250)
        with pytest.raises(Exception) as raised:
            school_settings(context.store)
        sys.excepthook(raised.type, raised.value, raised.tb)  # as Qt hands it on
        assert len(window.told) == 1 and window.told[0][0] == "s"
        text = window.told[0][1]
        assert "cannot be reached" in text and text.endswith("try again when it is back.")
        assert window.server_warning.isVisible()


def _pg_ctl(data: str, *args: str) -> None:
    import subprocess

    bindir = engines._bindir()
    assert bindir is not None
    subprocess.run(
        engines._as_cluster_owner([str(bindir / "pg_ctl"), "-D", data, *args]),
        check=True,
        capture_output=True,
        timeout=120,
    )


def test_the_server_stopped_and_started_again(qtbot, window_on_server, pg_school_server, capfd):
    """The reviewer's own steps with the real thing: marks typed, the server stopped
    (`pg_ctl stop -m fast`), Save; the server started again, Save."""
    window = window_on_server
    view, key = type_a_mark(qtbot, window)
    host = pg_school_server["host"]
    options = f"-k {host} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
    with engines._admin(host, pg_school_server["superuser"]) as admin:
        data = admin.execute("SHOW data_directory").fetchone()[0]
    log = str(Path(data).parent / "log")
    _pg_ctl(data, "-m", "fast", "stop")
    try:
        qtbot.wait(250)
        save_with_reason(qtbot, view)
        assert [kind for kind, _ in window.told] == ["s"]
        text = window.told[0][1]
        assert "cannot be reached: it may be switched off or restarting" in text, text
        assert text.endswith("Your typed marks are kept; try Save again when it is back.")
        assert view.model.pending == {key: "M"} and window.server_warning.isVisible()
    finally:
        _pg_ctl(data, "-o", options, "-l", log, "-w", "start")
    qtbot.wait(250)
    save_with_reason(qtbot, view)
    assert len(window.told) == 1, window.told  # the first Save after the restart works
    assert view.model.pending == {} and view.model.week.marks[key].code == "M"
    assert not window.server_warning.isVisible()
    assert "Traceback" not in capfd.readouterr().err


def test_background_work_that_cannot_reach_the_server_warns_the_window(
    qtbot, window_on_server, pg_school_server
):
    """A report or a workbook (a background job with its own connection) that cannot reach the
    server: its own message as before, and the window finds out too (the status bar's warning)."""
    from attendance_desk.gui.context import Task

    window, context = window_on_server, window_on_server.context
    failed: list[str] = []
    with outage(pg_school_server, window.db):
        qtbot.wait(250)
        task = Task(context.path, lambda store, progress: None)
        task.signals.failed.connect(failed.append)
        context.run(task)
        assert len(failed) == 1 and "school's server" in failed[0]
        assert window.server_warning.isVisible() and context.lost is not None
    context._probe_again()
    qtbot.waitUntil(lambda: context.lost is None, timeout=15000)
    assert not window.server_warning.isVisible()
