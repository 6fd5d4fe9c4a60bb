"""File → Connect to the school's server… (and the welcome screen's button): the server's address as
IT's sheet gives it, the password only when the server asks for one, then the app's own sign-in, as
on a school file (docs/server.md, step 8).

Connecting runs in a thread, so the window never freezes on a server that does not answer: Connect
shows "Connecting…" and, if nothing has come back within CONNECT_WAIT_MS, the dialog says so and
may be tried again (a late answer is closed, never used). Every refusal is shown in the dialog in
the service's own plain words; nothing is opened until the connection, the database's version and
the school's users are all there."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from itertools import count
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from attendance_desk.errors import UserError
from attendance_desk.gui.server_place import (
    SETTINGS_KEY,
    SchoolServer,
    address_parts,
    as_owner,
    describe_server,
    is_address,
    open_place,
    server_address,
)
from attendance_desk.services.school import SchoolFile, ServiceError

CONNECT_WAIT_MS = 20_000  # the dialog stops waiting (the service's own timeout is shorter)


def remembered_server() -> str:
    """The server remembered on this PC ("" if none): an address, never a password."""
    value = QSettings("AttendanceDesk", "AttendanceDesk").value(SETTINGS_KEY, "")
    return str(value or "")


def remember_server(address: str | None) -> None:
    settings = QSettings("AttendanceDesk", "AttendanceDesk")
    if address:
        settings.setValue(SETTINGS_KEY, address)
    else:
        settings.remove(SETTINGS_KEY)
    settings.sync()


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def without_password(text: str, options: bool = True) -> tuple[str, str | None]:
    """(the address without its password, the password) of a `postgresql://` address with one
    (`login:password@`, or `?password=` among its options unless `options` is false); (text,
    None) if it has none."""
    parts = urlsplit(text)
    query = parse_qsl(parts.query, keep_blank_values=True)
    in_query = [value for key, value in query if key == "password"] if options else []
    user_part, at, host_part = parts.netloc.rpartition("@")
    login, colon, in_user = user_part.partition(":")
    if not (at and colon) and not in_query:
        return text, None
    password = unquote(in_user) if at and colon else in_query[-1]
    netloc = f"{login}@{host_part}" if at else host_part
    options = urlencode([(k, v) for k, v in query if k != "password"], safe="/")
    return urlunsplit((parts.scheme, netloc, parts.path, options, parts.fragment)), password


def _connect(place: SchoolServer) -> SchoolFile:
    """In the worker thread: the connection, then the school's users (a database with none has no
    school in it yet: a shared server must never open without the app's sign-in)."""
    from attendance_desk.services.users import users_set_up

    store = open_place(place)
    try:
        if not users_set_up(store):
            owner = as_owner(place)
            raise ServiceError(
                f"the database {describe_server(place)} has no school in it yet (no users to sign "
                "in as): ask IT to copy the school file onto it with `attendance-desk --db "
                f"school.sqlite copy-to {owner}`, or, for a new school, to name it with "
                f"`attendance-desk --db {owner} init --school NAME --urn URN` and add its "
                f"administrator with `attendance-desk --db {owner} user add --name NAME --role admin`"
            )
    except BaseException:
        store.close()
        raise
    return store


class _Answer(QObject):
    """Carries the worker thread's result to the dialog (a queued signal, in the main thread)."""

    came = Signal(int, object, object)  # attempt, store or None, error or None


class ConnectDialog(QDialog):
    """Ends accepted with `place` (the SchoolServer, with the password if one was asked for) and
    `store` open on it; the caller signs the user in and opens the window."""

    def __init__(
        self,
        parent: QWidget | None = None,
        address: str = "",
        connect_now: bool = False,
        password: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect to the school's server")
        self.setMinimumWidth(600)
        self.place: SchoolServer | None = None
        self._place_tried: SchoolServer | None = None
        self.store: SchoolFile | None = None
        self._attempts = count(1)
        self._waiting = 0  # the attempt whose answer is awaited (0: none)
        self._answer = _Answer(self)
        self._answer.came.connect(self._answered)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._too_slow)

        intro = QLabel(
            "Type what IT's sheet for Attendance Desk gives: the <b>server</b>, the school's "
            "<b>database</b> and your <b>login</b>. Or paste the whole address "
            "(<tt>postgresql://…</tt>) into Server. Then you sign in as on a school file."
        )
        intro.setWordWrap(True)
        self.server = QLineEdit()
        self.server.setAccessibleName("Server")
        self.server.setPlaceholderText("e.g. attendance.school.local, or postgresql://…")
        self.database = QLineEdit()
        self.database.setAccessibleName("Database")
        self.database.setPlaceholderText("e.g. attendance")
        self.login = QLineEdit()
        self.login.setAccessibleName("Login")
        self.login.setPlaceholderText("as on IT's sheet (empty: your Windows user name)")
        self.password = QLineEdit()
        self.password.setAccessibleName("Server password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = QCheckBox("&Remember this server on this PC (never the password)")
        self.remember.setToolTip(
            "Attendance Desk then opens this server when it starts on this PC (untick to forget "
            "it). The password, if the server asks for one, is asked each time (or IT keeps it "
            "in pgpass)."
        )
        self.form = QFormLayout()
        self.form.addRow("&Server", self.server)
        self.form.addRow("&Database", self.database)
        self.form.addRow("Your &login", self.login)
        self.form.addRow("&Password", self.password)
        self.form.setRowVisible(self.password, False)  # only when the server asks for one
        self.message = QLabel()
        self.message.setProperty("role", "warning")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Why it did not connect")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        self.connect_button = QPushButton("&Connect")
        self.connect_button.setDefault(True)
        self.buttons = QDialogButtonBox()
        self.buttons.addButton(self.connect_button, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAutoDefault(False)  # Enter in any field is Connect, even after a failed try
        self.buttons.accepted.connect(self._connect)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(self.form)
        layout.addWidget(self.remember)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._server_was = ""
        self.server.textChanged.connect(self._whole_address_or_fields)
        self.server.editingFinished.connect(self._server_left)
        if address:
            self.fill(address)
            self.remember.setChecked(address == remembered_server())
        if password:  # given on the command line's behalf: used, and shown as dots
            self.password.setText(password)
            self._password_row()
        (self.password if address else self.server).setFocus()
        if connect_now and address:
            QTimer.singleShot(0, self._connect)

    def fill(self, address: str) -> None:
        """The fields from an address (the remembered one, or --db's)."""
        server, database, login = address_parts(address)
        plain = server_address(server, database, login)[0] if server and "/" not in server else ""
        if plain != address:  # a socket folder, options or a password: kept whole
            self.server.setText(address)
            return
        self.server.setText(server)
        self.database.setText(database)
        self.login.setText(login)

    def _whole_address_or_fields(self, text: str) -> None:
        typed = len(text) == len(self._server_was) + 1 and text.startswith(self._server_was)
        self._server_was = text
        # a password among the options (`&password=…`) ends with nothing to mark its end: taken
        # out when pasted, or when the field is left (typing it key by key)
        if is_address(text) and self._take_password_out(text, options=not typed):
            return  # the field's text changed again: this ran for it
        whole = is_address(text)
        for edit in (self.database, self.login):
            edit.setEnabled(not whole)
            edit.setToolTip("Taken from the address in Server" if whole else "")

    def _server_left(self) -> None:
        if is_address(self.server.text()):
            self._take_password_out(self.server.text())

    def _take_password_out(self, text: str, options: bool = True) -> bool:
        """A password inside an address pasted (or typed, once its `@` is there) goes straight
        into the password field, shown as dots, and out of the Server field: never on the screen
        in plain text, never remembered. True if the Server field was changed."""
        address, password = without_password(text, options)
        if password is None:
            return False
        self.password.setText(password)
        self._password_row()
        self.server.setText(address)  # also clears the field's undo history (the password)
        return True

    def _connect(self) -> None:
        if self._waiting:
            return
        try:
            address, pasted_password = server_address(
                self.server.text(), self.database.text(), self.login.text()
            )
        except UserError as exc:
            self._show(str(exc))
            self.server.setFocus()
            return
        password = self.password.text() or pasted_password
        if pasted_password and not self.password.text():
            self.server.setText(address)  # the password taken out of the pasted address
            self.password.setText(pasted_password)
            self._password_row()
        place = SchoolServer(address, password)
        self._waiting = attempt = next(self._attempts)
        self._busy(True)
        self._timer.start(CONNECT_WAIT_MS)
        answer = self._answer

        def work() -> None:
            store, error = None, None
            try:
                store = _connect(place)
            except UserError as exc:
                error = exc
            except Exception as exc:  # a bug or an unexpected driver error: shown, never a crash
                import logging

                logging.getLogger("attendance_desk.gui").exception("Connecting to the server")
                error = exc
            try:
                answer.came.emit(attempt, store, error)
            except RuntimeError:  # the dialog is gone: nobody will use this connection
                if store is not None:
                    store.close()

        self._place_tried = place
        threading.Thread(target=work, name="connect-to-server", daemon=True).start()

    def _answered(self, attempt: int, store: SchoolFile | None, error: BaseException | None):
        if attempt != self._waiting:  # too late (the dialog stopped waiting) or cancelled
            if store is not None:
                store.close()
            return
        self._timer.stop()
        self._waiting = 0
        self._busy(False)
        if store is not None and self._place_tried is not None:
            self.place, self.store = self._place_tried, store
            if self.remember.isChecked():
                remember_server(str(self.place))
            elif remembered_server() == str(self.place):  # unticked: forgotten
                remember_server(None)
            self.accept()
            return
        from attendance_desk.services.server import ServerPasswordNeeded

        if isinstance(error, ServerPasswordNeeded):
            self._password_row()
            self.password.clear()
            self._show(str(error) if str(error) else "The server asks for your login's password.")
            self.password.setFocus()
            return
        if isinstance(error, UserError):
            self._show(str(error))
        else:
            from attendance_desk.gui.error_log import server_sentence

            said = server_sentence(error) if error is not None else None
            self._show(said or f"Could not connect: {error}. Nothing was opened.")
        if self.form.isRowVisible(self.password):
            self.password.clear()
            self.password.setFocus()

    def _too_slow(self) -> None:
        self._waiting = 0  # its answer, if it ever comes, is closed unused
        self._busy(False)
        self._show(
            f"The server did not answer within {CONNECT_WAIT_MS // 1000} seconds: check the "
            "server's name on IT's sheet, or ask IT whether the server is running. "
            "Nothing was opened."
        )

    def _busy(self, busy: bool) -> None:
        self.connect_button.setEnabled(not busy)
        self.connect_button.setText("Connecting…" if busy else "&Connect")
        for edit in (self.server, self.database, self.login, self.password, self.remember):
            edit.setEnabled(not busy)
        if not busy:
            self._whole_address_or_fields(self.server.text())
            self.connect_button.setDefault(True)  # disabling it took that away
        if busy:
            self.setCursor(Qt.CursorShape.BusyCursor)
            self._show("")
        else:
            self.unsetCursor()

    def _show(self, text: str) -> None:
        self.message.setText(_sentence(text) if text else "")
        self.message.setVisible(bool(text))
        self._fit()

    def _password_row(self) -> None:
        self.form.setRowVisible(self.password, True)
        self._fit()

    def _fit(self) -> None:
        """Grow to hold a row or a message that appeared: a dialog already shown keeps its size,
        and a top-level window's minimum does not count a wrapped label's height for its width,
        so without this the fields were squashed (22 to 11 pixels, their text cut)."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        width = self.width()
        need = max(self.heightForWidth(width), layout.totalMinimumSize().height())
        if need <= 0:
            need = layout.totalSizeHint().height()
        self.setMinimumHeight(need)
        if self.height() < need:
            self.resize(width, need)

    def reject(self) -> None:
        self._waiting = 0  # an answer still to come is closed unused
        self._timer.stop()
        self._forget_if_unticked()
        super().reject()

    def _forget_if_unticked(self) -> None:
        """ "Remember" unticked on the remembered server: forgotten, even if not connected (a PC
        going back to its own school file, or a server that is gone)."""
        remembered = remembered_server()
        if not remembered or self.remember.isChecked():
            return
        try:
            address = server_address(self.server.text(), self.database.text(), self.login.text())[0]
        except UserError:
            return
        if address == remembered:
            remember_server(None)


@dataclass
class Connected:
    """The school's server, open and signed in to: what the window is opened on."""

    place: SchoolServer
    store: SchoolFile
    user: str


def connect_and_sign_in(
    parent: QWidget | None,
    user: str = "",
    address: str | None = None,
    connect_now: bool = False,
    password: str | None = None,
) -> Connected | None:
    """The Connect dialog (on `address`, else the server remembered on this PC), then the app's
    sign-in on the school it found; None if either was cancelled (the connection is then closed)."""
    from attendance_desk.gui.login import LoginDialog

    dialog = ConnectDialog(
        parent, remembered_server() if address is None else address, connect_now, password
    )
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.store is None:
        return None
    assert dialog.place is not None
    store = dialog.store
    login = LoginDialog(store, f"Sign in to {describe_server(dialog.place)}", user, parent)
    if login.exec() != QDialog.DialogCode.Accepted or not login.user_name:
        store.close()
        return None
    return Connected(dialog.place, store, login.user_name)
