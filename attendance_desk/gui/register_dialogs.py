"""The register's two dialogs: the code picker (F2) and the amendment dialog that names each recorded
mark about to change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from attendance_desk.presentation import weekday_dmy
from attendance_desk.services.school import codes


def _why_fewer(left_out: dict[str, str]) -> str:
    """Why the codes left out are not offered: a register not open yet once (its reason names one
    code each time), then each code that does not fit the pupil."""
    ahead = ": only codes such as"
    heads = dict.fromkeys(why.split(ahead)[0] for why in left_out.values() if ahead in why)
    lines = [
        f"{head[:1].upper()}{head[1:]}: only codes entered ahead are listed." for head in heads
    ]
    lines += [f"Not listed: {why}." for why in left_out.values() if ahead not in why]
    return "\n".join(lines)


class CodePicker(QDialog):
    """Every code valid on a day with its meaning. Typing filters: a letter shows the codes that start
    with it, longer text also words in the meanings; Enter picks the highlighted code."""

    def __init__(
        self,
        day: date,
        session: str,
        parent: QWidget | None = None,
        suggested: tuple[str, str] | None = None,
        refusal: Callable[[str], str | None] | None = None,
    ):
        """`suggested`: (code, why) the register suggests for this session (a part-time timetable),
        listed first and highlighted. `refusal(code)`: why the cell would refuse a code (a register
        not open yet, Z or X that does not fit the pupil); those codes are not offered, and the
        picker says why once."""
        super().__init__(parent)
        self.setWindowTitle(f"Attendance codes for {weekday_dmy(day)} {session}")
        self.code: str | None = None
        code_set = codes().set_for(day)
        self.search = QLineEdit()
        self.search.setAccessibleName("Search codes")
        self.search.setPlaceholderText("Type a code or a word of its meaning")
        self.list = QListWidget()
        self.list.setAccessibleName("Codes")
        offered = [c for c in code_set.codes.values() if c.present_in in ("", session)]
        # one present mark, this session's (/ AM, \\ PM): the other's would be listed as it too
        left_out = {c.code: refusal(c.code) for c in offered} if refusal else {}
        left_out = {code: why for code, why in left_out.items() if why}
        ordered = sorted(
            (c for c in offered if c.code not in left_out),
            key=lambda c: not (suggested and c.code == suggested[0]),
        )
        for code in ordered:
            shown = codes().as_entered(code.code, day, session)
            text = f"{shown}\t{code.meaning}  ({code.category.label})"
            if suggested and code.code == suggested[0]:
                text += f"  — suggested: {suggested[1]}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, shown)
            item.setData(Qt.ItemDataRole.UserRole + 1, code.meaning.lower())
            self.list.addItem(item)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{code_set.title}. Type to search; ↑/↓ and Enter to choose."))
        if left_out:
            self.why_fewer = QLabel(_why_fewer(left_out))
            self.why_fewer.setWordWrap(True)
            layout.addWidget(self.why_fewer)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.resize(520, 420)
        self.search.textChanged.connect(self._filter)
        self.list.itemActivated.connect(lambda _item: self.accept())
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.search.installEventFilter(self)
        self._filter("")
        self.search.setFocus()

    def eventFilter(self, watched, event):  # noqa: N802
        """Up and Down in the search box move through the list, so the hands stay on the keys."""
        if (
            watched is self.search
            and event.type() == event.Type.KeyPress
            and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down)
        ):
            self._move(1 if event.key() == Qt.Key.Key_Down else -1)
            return True
        return super().eventFilter(watched, event)

    def _move(self, step: int) -> None:
        rows = [r for r in range(self.list.count()) if not self.list.item(r).isHidden()]
        if not rows:
            return
        current = self.list.currentRow()
        at = rows.index(current) + step if current in rows else 0
        self.list.setCurrentRow(rows[max(0, min(at, len(rows) - 1))])

    def _filter(self, text: str) -> None:
        text = text.strip().lower()
        first = None
        for row in range(self.list.count()):
            item = self.list.item(row)
            code, meaning = (
                item.data(Qt.ItemDataRole.UserRole).lower(),
                item.data(Qt.ItemDataRole.UserRole + 1),
            )
            shown = not text or code.startswith(text) or (len(text) > 1 and text in meaning)
            item.setHidden(not shown)
            if shown and (first is None or (code.startswith(text) and not first[1])):
                first = (item, code.startswith(text) if text else True)
        self.list.setCurrentItem(first[0] if first else None)

    def visible_codes(self) -> list[str]:
        return [
            self.list.item(r).data(Qt.ItemDataRole.UserRole)
            for r in range(self.list.count())
            if not self.list.item(r).isHidden()
        ]

    def accept(self) -> None:
        item = self.list.currentItem()
        if item is None or item.isHidden():
            return
        self.code = item.data(Qt.ItemDataRole.UserRole)
        super().accept()


@dataclass(frozen=True)
class Change:
    key: tuple[int, date, str]
    pupil: str
    old: str
    new: str


class AmendDialog(QDialog):
    """Lists each recorded mark that will change (pupil, session, old → new). One reason covers them
    all; a reason typed on a row is used for that mark instead."""

    def __init__(
        self,
        changes: list[Change],
        parent: QWidget | None = None,
        typed: dict[tuple[int, date, str] | None, str] | None = None,
    ):
        """`typed`: reasons typed in an earlier try (the reason for all under the key None), put
        back so a refused save does not lose them."""
        super().__init__(parent)
        typed = typed or {}
        self.setWindowTitle("Reason for changing recorded marks")
        self.changes = changes
        count = len(changes)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for all the changes")
        self.reason.setPlaceholderText("e.g. mother rang: flu")
        self.reason.setText(typed.get(None, ""))
        self.table = QTableWidget(count, 4)
        self.table.setAccessibleName("Marks that will change")
        self.table.setHorizontalHeaderLabels(
            ["Pupil", "Session", "Change", "Reason for this mark (optional)"]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        for row, change in enumerate(changes):
            day, session = change.key[1:]
            for column, text in enumerate(
                (change.pupil, f"{weekday_dmy(day)} {session}", f"{change.old} → {change.new}")
            ):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                item.setToolTip(text)  # a long name shortened to fit is whole here
                self.table.setItem(row, column, item)
            self.table.setItem(row, 3, QTableWidgetItem(typed.get(change.key, "")))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.problem = QLabel()
        self.problem.setProperty("role", "warning")
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                f"{count} recorded mark{'s' if count != 1 else ''} will change. The originals stay "
                "in the register's history."
            )
        )
        layout.addWidget(self.table, 1)
        layout.addWidget(QLabel("&Reason for all:", buddy=self.reason))
        layout.addWidget(self.reason)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self._size_to_content()
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reason.setFocus()

    def _size_to_content(self) -> None:
        """Sized from the content and the font, not fixed: the columns as wide as their text and
        headers need (a 12 pt font must not clip "Reason for this mark (optional)"), the reason column
        at least as wide as its header and room to type, as tall as the rows (up to 12; the table
        scrolls beyond), within the screen and never beyond 1280x720. On a narrow screen the pupils'
        names give way first (shortened with "…", the whole name in the tooltip)."""
        table, header = self.table, self.table.horizontalHeader()
        metrics = header.fontMetrics()
        pad = 4 * metrics.averageCharWidth()  # the header's margins and sort space

        def wanted(column: int) -> int:
            return metrics.horizontalAdvance(table.horizontalHeaderItem(column).text()) + pad

        table.resizeColumnsToContents()
        widths = [max(table.columnWidth(c), wanted(c)) for c in range(3)]
        widths.append(max(wanted(3), metrics.horizontalAdvance("e.g. appointment card seen") + pad))
        frame = 2 * table.frameWidth() + table.verticalScrollBar().sizeHint().width()
        margins = self.layout().contentsMargins()
        chrome = frame + margins.left() + margins.right()
        screen = self.screen().availableGeometry() if self.screen() else None
        max_w = min(screen.width() - 40 if screen else 1240, 1240)
        max_h = min(screen.height() - 60 if screen else 660, 660)
        over = sum(widths) + chrome - max_w
        if over > 0:  # the names give way, down to the header's width
            widths[0] = max(wanted(0), widths[0] - over)
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, widths[column])
        table.setMinimumWidth(min(sum(widths) + frame, max_w - margins.left() - margins.right()))
        rows = sum(table.rowHeight(r) for r in range(min(table.rowCount(), 12)))
        hint = self.layout().sizeHint()
        height = (
            hint.height()
            - table.sizeHint().height()
            + header.sizeHint().height()
            + rows
            + 2 * table.frameWidth()
        )
        self.resize(min(max(sum(widths) + chrome, hint.width()), max_w), min(height, max_h))

    def typed(self) -> dict[tuple[int, date, str] | None, str]:
        """What was typed, to give back to a later dialog: each row's reason, and the reason for
        all under the key None."""
        rows = {
            c.key: self.table.item(row, 3).text()
            for row, c in enumerate(self.changes)
            if self.table.item(row, 3).text().strip()
        }
        return {**rows, None: self.reason.text()}

    def reasons(self) -> dict[tuple[int, date, str], str]:
        """Each mark's reason: its own row's, else the reason for all."""
        common = self.reason.text().strip()
        return {
            c.key: (self.table.item(row, 3).text().strip() or common)
            for row, c in enumerate(self.changes)
        }

    def accept(self) -> None:
        missing = [
            c.pupil
            for c, reason in zip(self.changes, self.reasons().values(), strict=True)
            if not reason
        ]
        if missing:
            self.problem.setText(
                "Give a reason for all, or one on each row (missing for "
                f"{', '.join(dict.fromkeys(missing))})."
            )
            return
        super().accept()
