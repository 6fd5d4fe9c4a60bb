"""Dashboard: whole-school attendance, persistent and severe absence, breakdowns by year, class and
group, pupils who crossed a support-map threshold and those at the penalty-notice threshold.
Double-click (or Enter on) a pupil to open their profile."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from attendance_desk.errors import UserError
from attendance_desk.gui.context import AppContext, Task
from attendance_desk.gui.widgets import ReadOnlyTable, dmy, heading, pct, show_error
from attendance_desk.services.dashboard import Dashboard, dashboard
from attendance_desk.services.figures import GroupSummary, PupilFigures

GROUP_HEADERS = ["Group", "Pupils", "Possible", "Attendance", "Authorised", "Unauthorised",
                 "Persistent", "Persistent %", "Severe", "Penalty threshold", "Late L / U", "Missing marks"]
PUPIL_HEADERS = ["UPN", "Pupil", "Class", "Attendance", "Days absent", "Unauthorised",
                 "Unauth. in last 10 school weeks", "Missing marks"]


def _group_row(g: GroupSummary) -> list:
    f = g.figures
    return [g.label, g.pupils, f.possible, pct(f.attendance_pct), pct(f.authorised_pct), pct(f.unauthorised_pct),
            g.persistent, pct(g.persistent_pct), g.severe, g.penalty_threshold,
            f"{f.late_before_close} / {f.late_after_close}", f.missing or "–"]


def _pupil_row(r: PupilFigures) -> list:
    f = r.figures
    return [r.pupil.upn, r.pupil.name, r.pupil.reg_group, pct(f.attendance_pct), f.days_absent,
            f.unauthorised, r.unauthorised_last_10_school_weeks, f.missing or "–"]


class Tile(QLabel):
    def __init__(self, name: str):
        super().__init__()
        self.setProperty("role", "tile")
        self.setAccessibleName(name)
        self.setMinimumWidth(150)

    def show_value(self, value: str, caption: str) -> None:
        self.setText(f"<div style='font-size:20pt; font-weight:600'>{value}</div><div>{caption}</div>")


class DashboardView(QWidget):
    title = "Dashboard"

    def __init__(self, context: AppContext):
        super().__init__()
        self.context = context
        self.period = QLabel()
        self.tiles = {name: Tile(name) for name in ("attendance", "persistent", "severe", "suggested", "penalty")}
        self.tabs = QTabWidget()
        self.tables: dict[str, ReadOnlyTable] = {}
        for name in ("By year", "By class", "Groups"):
            self.tables[name] = ReadOnlyTable(GROUP_HEADERS, name)
        for name in ("Persistent absence", "Severe absence", "Crossed a threshold", "Penalty threshold"):
            headers = PUPIL_HEADERS + (["Current stage", "Suggested"] if name == "Crossed a threshold" else [])
            table = ReadOnlyTable(headers, name)
            table.cellDoubleClicked.connect(lambda row, _col, t=table: self._open(t, row))
            table.activated.connect(lambda index, t=table: self._open(t, index.row()))
            self.tables[name] = table
        late = ReadOnlyTable(["UPN", "Pupil", "Class", "Late before close (L)", "Late after close (U)",
                              "Minutes late in all"], "Late arrivals")
        late.cellDoubleClicked.connect(lambda row, _col, t=late: self._open(t, row))
        late.activated.connect(lambda index, t=late: self._open(t, index.row()))
        self.tables["Late arrivals"] = late
        for name, table in self.tables.items():
            self.tabs.addTab(table, name)
        self.confirm = QPushButton("Confirm the suggested stage for the selected pupils and make their letters…")
        self.confirm.setAccessibleName("Confirm stages and make letters")
        self.confirm.clicked.connect(self.confirm_and_write)
        tiles = QGridLayout()
        for i, tile in enumerate(self.tiles.values()):
            tiles.addWidget(tile, 0, i)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Dashboard"))
        layout.addWidget(self.period)
        layout.addLayout(tiles)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.confirm)

    def refresh(self) -> None:
        """Whole-school figures take a moment on a large school: worked out off the GUI thread."""
        self.period.setText("Working out the figures…")
        today = self.context.today
        task = Task(self.context.path, lambda store, _progress: dashboard(store, today))
        task.signals.done.connect(self.show_board)
        task.signals.failed.connect(self.period.setText)
        self.context.run(task)

    def show_board(self, board: Dashboard) -> None:
        school = board.school
        missing = (f"; INCOMPLETE: {school.figures.missing} missing marks (run the check, complete the registers)"
                   if school.figures.missing else "")
        self.period.setText(f"Academic year to date: {dmy(board.start)} to {dmy(board.end)}, "
                            f"{school.on_roll} pupils on roll{missing}")
        self.tiles["attendance"].show_value(pct(school.figures.attendance_pct), "attendance")
        self.tiles["persistent"].show_value(str(school.persistent), f"persistently absent ({pct(school.persistent_pct)})")
        self.tiles["severe"].show_value(str(school.severe), "severely absent")
        self.tiles["suggested"].show_value(str(len(board.suggested)), "crossed a support-map threshold")
        self.tiles["penalty"].show_value(str(len(board.penalty)), "at the penalty-notice threshold")
        self.tables["By year"].fill([_group_row(g) for g in board.by_year])
        self.tables["By class"].fill([_group_row(g) for g in board.by_class])
        self.tables["Groups"].fill([_group_row(g) for g in board.by_group])
        for name, rows in (("Persistent absence", board.persistent), ("Severe absence", board.severe),
                           ("Penalty threshold", board.penalty)):
            self.tables[name].fill([_pupil_row(r) for r in rows], [r.pupil.upn for r in rows])
        self.tables["Late arrivals"].fill(
            [[r.pupil.upn, r.pupil.name, r.pupil.reg_group, r.late_before_close, r.late_after_close, r.minutes]
             for r in board.punctuality], [r.pupil.upn for r in board.punctuality])
        if board.punctuality_from:
            self.tabs.setTabText(self.tabs.indexOf(self.tables["Late arrivals"]),
                                 f"Late arrivals since {dmy(board.punctuality_from)}")
        self.tables["Crossed a threshold"].fill(
            [_pupil_row(s.figures) + [s.current.name if s.current else "–", s.suggestion.stage.name]
             for s in board.suggested],
            [s.figures.pupil.upn for s in board.suggested])

    def confirm_and_write(self) -> None:
        """The weekly review: confirm the suggested stage for the chosen pupils, then make each stage's letters."""
        table = self.tables["Crossed a threshold"]
        upns = sorted({table.key_at(i.row()) for i in table.selectionModel().selectedRows()} - {None})
        if not upns:
            self.context.status.emit("Select pupils on the 'Crossed a threshold' tab first")
            self.tabs.setCurrentWidget(table)
            return
        from attendance_desk.services.letters import confirm_and_make_letters

        folder = QFileDialog.getExistingDirectory(self, "Where should the letters be saved?")
        if not folder:
            return
        try:
            letters = confirm_and_make_letters(self.context.store, upns, self.context.today, self.context.user, Path(folder))
        except UserError as exc:
            show_error(self, str(exc))
            return
        self.context.status.emit(f"{len(upns)} stage(s) confirmed; {letters} letter(s) saved in {folder}")
        self.context.data_changed.emit()

    def _open(self, table: ReadOnlyTable, row: int) -> None:
        upn = table.key_at(row)
        if upn:
            self.context.open_pupil.emit(upn)
