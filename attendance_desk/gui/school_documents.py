"""Settings → Letters and documents: the school's letter and form templates and support maps, kept
in the school file with every version (services/school_documents.py), and the letterhead logo.
Pick a document, change its wording, give a reason and save: a new version, with who and when."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from attendance_desk.errors import UserError
from attendance_desk.gui.widgets import ReadOnlyTable, show_error
from attendance_desk.presentation import when_text
from attendance_desk.services import school_documents as docs

KIND_LABELS = {
    "letter": "Letter",
    "form": "Form",
    "support_map": "Support map",
    "logo": "Logo",
}


class DocumentsPage(QWidget):
    """One table of the school's documents, an editor for the chosen one and its versions."""

    def __init__(self, context, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.current: tuple[str, str] | None = None
        self.guide: QDialog | None = None
        # who changed a document and when are in its versions, beside it: the list stays narrow
        # enough for the editor at 1280 pixels wide
        self.table = ReadOnlyTable(["Document", "Title", "Wording"], "School documents")
        self.editor = QPlainTextEdit()
        self.editor.setAccessibleName("Wording of the chosen document")
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.title = QLabel("Choose a document to see and change its wording.")
        self.title.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why it changed (kept with the version)")
        self.reason.setAccessibleName("Reason for the change")
        self.save_button = QPushButton("Save as a new &version")
        self.default_button = QPushButton("Back to the &shipped wording")
        self.versions = ReadOnlyTable(
            ["Version", "Wording", "Changed by", "When", "Why"], "Versions"
        )
        self.versions.setToolTip("Double-click a version to load its wording into the editor")
        self.logo_note = QLabel()
        self.logo_button = QPushButton("Choose &logo image…")
        self.logo_remove = QPushButton("Remove logo")
        for button in (self.save_button, self.default_button):
            button.setEnabled(False)

        editor_side = QWidget()
        right = QVBoxLayout(editor_side)
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.title)
        right.addWidget(self.editor, 3)
        right.addWidget(self.reason)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.default_button)
        buttons.addStretch()
        right.addLayout(buttons)
        right.addWidget(QLabel("Versions (double-click one to load it):"))
        right.addWidget(self.versions, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(editor_side)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        self.guide_button = QPushButton("How to write a letter…")
        self.guide_button.setToolTip(
            "When a letter may be sent, and every placeholder such as {{ pupil.name }}"
        )
        self.guide_button.clicked.connect(self.show_guide)
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.logo_note, 1)
        logo_row.addWidget(self.guide_button)
        logo_row.addWidget(self.logo_button)
        logo_row.addWidget(self.logo_remove)
        intro = QLabel(
            "The school's letters, forms and support maps, kept in the school file so every PC "
            "uses the same wording; each change is kept as a version with who and when."
        )
        intro.setWordWrap(True)
        self.logo_note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(logo_row)
        layout.addWidget(split, 1)
        self.table.itemSelectionChanged.connect(self._chosen)
        self.versions.cellDoubleClicked.connect(self._load_version)
        self.save_button.clicked.connect(self.save)
        self.default_button.clicked.connect(self.back_to_default)
        self.logo_button.clicked.connect(self._choose_logo)
        self.logo_remove.clicked.connect(lambda: self._set_logo(None))

    def refresh(self) -> None:
        store = self.context.store
        rows, keys = [], []
        for d in docs.list_documents(store):
            if d.kind == "logo":
                continue
            rows.append(
                (
                    KIND_LABELS[d.kind],
                    d.title,
                    d.state if d.version == 1 else f"{d.state} (version {d.version})",
                )
            )
            keys.append(f"{d.kind}\t{d.name}")
        self.table.fill(rows, keys)
        # a long title is cut short with "…" (whole in its tooltip and above the editor), so the
        # list keeps to its columns' width and the editor has the rest: no sideways scrolling
        header = self.table.horizontalHeader()
        longest = 36 * self.fontMetrics().averageCharWidth()
        if self.table.sizeHintForColumn(1) > longest:
            header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(1, longest)
        for row in range(self.table.rowCount()):
            self.table.item(row, 1).setToolTip(self.table.item(row, 1).text())
        needed = sum(
            (
                header.sectionSize(c)
                if header.sectionResizeMode(c) == QHeaderView.ResizeMode.Interactive
                else max(self.table.sizeHintForColumn(c), header.sectionSizeHint(c))
            )
            + 8
            for c in range(self.table.columnCount())
        )
        needed += self.table.verticalScrollBar().sizeHint().width() + 2 * self.table.frameWidth()
        if self.table.verticalHeader().isVisible():
            needed += self.table.verticalHeader().width()
        self.table.setMinimumWidth(min(needed, 80 * self.fontMetrics().averageCharWidth()))
        logo = [d for d in docs.list_documents(store) if d.kind == "logo"]
        if logo and logo[0].state != "removed":
            self.logo_note.setText(
                f"Letterhead logo: stored in the school file (version {logo[0].version}, "
                f"{logo[0].recorded_by or 'no user'}, {when_text(logo[0].recorded_at)})"
            )
        else:
            self.logo_note.setText("Letterhead logo: none (letters print the school's name only)")
        self.logo_remove.setEnabled(bool(logo and logo[0].state != "removed"))
        if self.current:
            self.choose(*self.current)

    def show_guide(self) -> None:
        """The writing guide in a window of its own, beside the editor (not modal)."""
        if self.guide is None:
            self.guide = QDialog(self)
            self.guide.setWindowTitle("How to write a letter or form")
            text = QTextBrowser(self.guide)
            text.setMarkdown(docs.writing_guide())
            text.setOpenExternalLinks(False)
            layout = QVBoxLayout(self.guide)
            layout.addWidget(text)
            screen = self.screen().availableGeometry()
            self.guide.resize(min(820, screen.width() - 80), min(640, screen.height() - 80))
        self.guide.show()
        self.guide.raise_()

    def choose(self, kind: str, name: str) -> None:
        """Show one document (also used by tests, as a click on its row would)."""
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item.data(Qt.ItemDataRole.UserRole) == f"{kind}\t{name}":
                self.table.selectRow(row)
                self._show(kind, name)
                return

    def _chosen(self) -> None:
        items = self.table.selectedItems()
        if not items:
            return
        key = self.table.item(items[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        kind, name = key.split("\t")
        if (kind, name) != self.current:
            self._show(kind, name)

    def _show(self, kind: str, name: str) -> None:
        store = self.context.store
        self.current = (kind, name)
        history = docs.document_history(store, kind, name)
        latest = history[-1]
        self.title.setText(
            f"<b>{KIND_LABELS[kind]}: {escape(latest.title)}</b> ({name}) — version "
            f"{latest.version}, {latest.state}: "
            f"{latest.recorded_by or 'no user'}, {when_text(latest.recorded_at)}"
        )
        self.editor.setPlainText(docs.document_content(store, kind, name).decode("utf-8"))
        self.versions.fill(
            [
                (v.version, v.state, v.recorded_by, when_text(v.recorded_at), v.reason)
                for v in reversed(history)
            ],
            [str(v.version) for v in reversed(history)],
        )
        self.save_button.setEnabled(True)
        self.default_button.setEnabled(kind != "logo")

    def _load_version(self, row: int, _column: int) -> None:
        if not self.current:
            return
        version = int(self.versions.item(row, 0).data(Qt.ItemDataRole.UserRole))
        kind, name = self.current
        content = docs.document_content(self.context.store, kind, name, version)
        self.editor.setPlainText(content.decode("utf-8"))
        self.reason.setText(f"back to version {version}")
        self.context.status.emit(f"Version {version} loaded: save it to make it current again")

    def save(self) -> None:
        if not self.current:
            return
        kind, name = self.current
        text = self.editor.toPlainText()
        self._act(
            lambda: docs.save_document(
                self.context.store,
                self.context.user,
                kind,
                name,
                text.encode("utf-8"),
                self.reason.text(),
            ),
            f"{name}: saved as a new version in the school file",
        )

    def back_to_default(self) -> None:
        if not self.current:
            return
        kind, name = self.current
        self._act(
            lambda: docs.restore_shipped(self.context.store, self.context.user, kind, name),
            f"{name}: back to the shipped wording",
        )

    def _choose_logo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "The school's logo", "", "Images (*.png *.jpg *.jpeg)"
        )
        if not path:
            return
        try:
            image = Path(path).read_bytes()
        except OSError as exc:
            show_error(self, f"Could not read {path}: {exc.strerror}")
            return
        self._set_logo(image)

    def _set_logo(self, image: bytes | None) -> None:
        self._act(
            lambda: docs.set_logo(self.context.store, self.context.user, image),
            "The logo is stored in the school file" if image else "The logo is removed",
        )

    def _act(self, action, done: str) -> None:
        try:
            action()
        except UserError as exc:
            show_error(self, str(exc))
            return
        self.reason.clear()
        self.context.status.emit(done)
        self.refresh()
        self.context.data_changed.emit()  # letters, the ladder and the dashboard use the new wording
