"""Dashboard for a period (this week, half-term, term, year, or chosen dates): whole-school attendance,
persistent and severe absence, year groups and FSM/SEN groups side by side, the day each pupil crossed
a threshold, a weekly trend against last year and the DfE's national figures. The figures come first;
the late arrivals, support-map lists, crossing dates and the trend follow as they are worked out, off
the GUI thread. A tab's table is filled when the tab is first shown. Double-click (or Enter on) a
pupil to open their profile."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from attendance_desk.gui.context import AppContext, Task, reads
from attendance_desk.gui.trend_chart import TrendChart
from attendance_desk.gui.widgets import (
    ReadOnlyTable,
    ask_folder,
    dmy,
    from_qdate,
    heading,
    pct,
    show_error,
    to_qdate,
)
from attendance_desk.services.dashboard import (
    Dashboard,
    FollowUps,
    Period,
    follow_ups,
    period_board,
    periods,
)
from attendance_desk.services.figures import GroupSummary, PupilFigures
from attendance_desk.services.trend import National, national_figures, weekly_trend

GROUP_HEADERS = [
    "Group",
    "Pupils",
    "Possible",
    "Attendance",
    "Authorised",
    "Unauthorised",
    "Persistent",
    "Persistent %",
    "Severe",
    "Penalty threshold",
    "Late L / U",
    "Missing marks",
]
PUPIL_HEADERS = [
    "UPN",
    "Pupil",
    "Class",
    "Attendance",
    "Days absent",
    "Unauthorised",
    "Unauth. in last 10 school weeks",  # the weeks are the local authority's: see _weeks_heading
    "Missing marks",
]


def _group_row(g: GroupSummary) -> list:
    f = g.figures
    return [
        g.label,
        g.pupils,
        f.possible,
        pct(f.attendance_pct),
        pct(f.authorised_pct),
        pct(f.unauthorised_pct),
        g.persistent,
        pct(g.persistent_pct),
        g.severe,
        g.penalty_threshold,
        f"{f.late_before_close} / {f.late_after_close}",
        f.missing or "–",
    ]


def _pupil_row(r: PupilFigures, crossed: dict | None = None) -> list:
    f = r.figures
    row = [
        r.pupil.upn,
        r.pupil.name,
        r.pupil.reg_group,
        pct(f.attendance_pct),
        f.days_absent,
        f.unauthorised,
        r.unauthorised_last_local_window,  # the local authority's window (nationally 10 weeks)
        f.missing or "–",
    ]
    if crossed is not None:  # beside the name, so it is seen without scrolling
        row.insert(3, dmy(crossed.get(r.pupil.upn)) or "working out…")
    return row


def national_text(board: Dashboard, national: National | None) -> str:
    """The school's absence beside the DfE's published national figures for its phase, with the source."""
    school = board.school
    own = (
        f"<b>This school, {dmy(board.start)} to {dmy(board.end)}:</b> overall absence "
        f"{pct(school.figures.absence_pct)}, persistent absence {pct(school.persistent_pct)}"
    )
    if national is None:
        return own + " · the app holds no national figures for this phase of school"
    phase = {"all": "all state-funded schools"}.get(
        national.phase, f"state-funded {national.phase} schools"
    )

    def figure(name: str, value: float | None) -> str:
        if value is None:  # a figure not held: said plainly, with where to find it
            return f"{name}: the app does not hold this figure (see the publication)"
        return f"{name} {pct(value)}"

    return (
        own + f"<br/><b>National, {phase}, full year {national.academic_year}:</b> "
        f"{figure('overall absence', national.overall_absence_pct)}, "
        f"{figure('persistent absence', national.persistent_absence_pct)} — {national.publisher}, "
        f"<i>{national.title}</i>, published {dmy(national.published)}, "
        f"<a href='{national.url}'>explore-education-statistics.service.gov.uk</a>"
    )


class Tile(QLabel):
    """A figure and its caption; the caption wraps, so at a large font or a narrow window it takes
    another line rather than being cut ("persistently absent (12.9" at 12 pt)."""

    def __init__(self, name: str):
        super().__init__()
        self.setProperty("role", "tile")
        self.setAccessibleName(name)
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.setMinimumWidth(18 * self.fontMetrics().averageCharWidth())

    def show_value(self, value: str, caption: str) -> None:
        self.setAccessibleDescription(f"{value} {caption}")
        self.setText(
            f"<div style='font-size:20pt; font-weight:600'>{value}</div><div>{caption}</div>"
        )


class DashboardView(QWidget):
    title = "Dashboard"
    CHOSEN = "Chosen dates"

    def __init__(self, context: AppContext):
        super().__init__()
        self.context = context
        self._generation = 0  # results of an earlier request are dropped
        self._busy = 0  # background jobs running
        self.board: Dashboard | None = None
        self.national: National | None = None
        self.more: FollowUps | None = None
        self.trend_for = None  # the day the trend was worked out for
        self.period_choice = QComboBox()
        self.period_choice.setAccessibleName("Period")
        self.start, self.end = QDateEdit(), QDateEdit()
        for edit, name in ((self.start, "From"), (self.end, "To")):
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setCalendarPopup(True)
            edit.setAccessibleName(name)
        self.show_dates = QPushButton("Show")
        self.period = QLabel()
        self.period.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setMaximumWidth(260)
        self.progress.hide()
        self.cancel = QPushButton("Cancel")
        self.cancel.setAccessibleName("Cancel the work in progress")
        self.cancel.hide()
        self.cancel.clicked.connect(self._cancel)
        self._running_tasks: dict[
            int, Task
        ] = {}  # by key: no slot holds a task (see Task: freed in the main thread)
        self._keys = itertools.count()
        self.national_label = QLabel()
        self.national_label.setWordWrap(True)
        self.national_label.setOpenExternalLinks(True)
        self.tiles = {
            name: Tile(name)
            for name in ("attendance", "persistent", "severe", "suggested", "penalty")
        }
        self.tabs = QTabWidget()
        self.tables: dict[str, ReadOnlyTable] = {}
        # a table's latest rows, made and filled in when its tab is shown (see _fill)
        self._unfilled: dict[str, Callable[[], tuple[Sequence, Sequence | None]]] = {}
        for name in ("By year", "By class", "Groups"):
            self.tables[name] = ReadOnlyTable(GROUP_HEADERS, name)
        extra = {
            "Persistent absence": ["Persistently absent since"],
            "Crossed a threshold": ["Suggested", "Reached on", "Current stage"],
        }
        for name in (
            "Persistent absence",
            "Severe absence",
            "Crossed a threshold",
            "Penalty threshold",
        ):
            table = ReadOnlyTable(PUPIL_HEADERS[:3] + extra.get(name, []) + PUPIL_HEADERS[3:], name)
            table.cellDoubleClicked.connect(lambda row, _col, t=table: self._open(t, row))
            table.activated.connect(lambda index, t=table: self._open(t, index.row()))
            self.tables[name] = table
        late = ReadOnlyTable(
            [
                "UPN",
                "Pupil",
                "Class",
                "Late before close (L)",
                "Late after close (U)",
                "Minutes late in all",
            ],
            "Late arrivals",
        )
        late.cellDoubleClicked.connect(lambda row, _col, t=late: self._open(t, row))
        late.activated.connect(lambda index, t=late: self._open(t, index.row()))
        self.tables["Late arrivals"] = late
        self.chart = TrendChart()
        for name, table in self.tables.items():
            self.tabs.addTab(table, name)
        self.tabs.insertTab(3, self.chart, "Weekly trend")
        for name, short in (
            ("Groups", "FSM, SEN, groups"),
            ("Penalty threshold", "Penalty notice"),
        ):
            self.tabs.setTabText(self.tabs.indexOf(self.tables[name]), short)
        self.tabs.currentChanged.connect(self._tab_shown)
        self.confirm = QPushButton(
            "Confirm the suggested stage for the selected pupils and make their letters…"
        )
        self.confirm.setAccessibleName("Confirm stages and make letters")
        self.confirm.clicked.connect(self.confirm_and_write)
        chooser = QHBoxLayout()
        chooser.addWidget(QLabel("Period:"))
        chooser.addWidget(self.period_choice)
        chooser.addWidget(QLabel("from"))
        chooser.addWidget(self.start)
        chooser.addWidget(QLabel("to"))
        chooser.addWidget(self.end)
        chooser.addWidget(self.show_dates)
        chooser.addStretch()
        chooser.addWidget(self.progress)
        chooser.addWidget(self.cancel)
        tiles = QGridLayout()
        for i, tile in enumerate(self.tiles.values()):
            tiles.addWidget(tile, 0, i)
            tiles.setColumnStretch(i, 1)  # equal shares of the width; the captions wrap
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Dashboard"))
        layout.addLayout(chooser)
        layout.addWidget(self.period)
        layout.addLayout(tiles)
        layout.addWidget(self.national_label)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.confirm)
        self._periods: list[Period] = []
        self.period_choice.activated.connect(self._period_chosen)
        self.show_dates.clicked.connect(self._dates_chosen)

    @reads("the figures")
    def refresh(self) -> None:
        """The period's figures first (one aggregate pass, off the GUI thread); then the late
        arrivals, support-map lists and crossing dates, and the weekly trend, as they are worked out."""
        today = self.context.today
        self.trend_for = None  # the marks may have changed: the trend is worked out again
        chosen = self.period_choice.currentText()
        self._periods = periods(self.context.store, today)
        self.period_choice.blockSignals(True)
        self.period_choice.clear()
        self.period_choice.addItems([p.label for p in self._periods] + [self.CHOSEN])
        labels = [p.label for p in self._periods]
        keep = next(
            (i for i, label in enumerate(labels) if label.split(" (")[0] == chosen.split(" (")[0]),
            None,
        )
        if chosen == self.CHOSEN:
            keep = len(labels)
        self.period_choice.setCurrentIndex(keep if keep is not None else len(labels) - 1)
        self.period_choice.blockSignals(False)
        if chosen != self.CHOSEN:
            period = self._periods[self.period_choice.currentIndex()]
            self.start.setDate(to_qdate(period.start))
            self.end.setDate(to_qdate(period.end))
        self.show_period(
            from_qdate(self.start.date()),
            from_qdate(self.end.date()),
            self.period_choice.currentText(),
        )

    def _period_chosen(self, index: int) -> None:
        if index >= len(self._periods):  # chosen dates: the user sets them and presses Show
            self.start.setFocus()
            return
        period = self._periods[index]
        self.start.setDate(to_qdate(period.start))
        self.end.setDate(to_qdate(period.end))
        self.show_period(period.start, period.end, period.label)

    def _dates_chosen(self) -> None:
        start, end = from_qdate(self.start.date()), from_qdate(self.end.date())
        match = next((p for p in self._periods if (p.start, p.end) == (start, end)), None)
        self.period_choice.setCurrentIndex(
            self._periods.index(match) if match else len(self._periods)
        )
        self.show_period(start, end, match.label if match else self.CHOSEN)

    def show_period(self, start, end, label: str) -> None:
        self._generation += 1
        generation, today = self._generation, self.context.today
        self.period.setText(f"Working out the figures for {dmy(start)} to {dmy(end)}…")

        def first(store, _progress):
            return period_board(store, today, start, end, label), national_figures(store, today)

        task = Task(self.context.path, first)
        task.signals.done.connect(
            lambda result: generation == self._generation and self.show_board(*result)
        )
        task.signals.failed.connect(
            lambda text: generation == self._generation and self.period.setText(text)
        )
        self.context.run(task)

    def show_board(self, board: Dashboard, national: National | None = None) -> None:
        self.board, self.national, self.more = board, national, None
        school = board.school
        missing = (
            f"; INCOMPLETE: {school.figures.missing} missing marks (run the check, complete the registers)"
            if school.figures.missing
            else ""
        )
        self.period.setText(
            f"<b>{board.label}</b>: {dmy(board.start)} to {dmy(board.end)}, "
            f"{school.on_roll} pupils on roll{missing}"
        )
        self.tiles["attendance"].show_value(pct(school.figures.attendance_pct), "attendance")
        self.tiles["persistent"].show_value(
            str(school.persistent), f"persistently absent ({pct(school.persistent_pct)})"
        )
        self.tiles["severe"].show_value(str(school.severe), "severely absent")
        self.tiles["suggested"].show_value("…", "crossed a support-map threshold (this year)")
        self.tiles["penalty"].show_value(str(len(board.penalty)), "at the penalty-notice threshold")
        self.national_label.setText(national_text(board, national))
        for name, groups in (  # classes and groups are summed when their tab is shown
            ("By year", lambda: board.by_year),
            ("By class", lambda: board.by_class),
            ("Groups", lambda: board.by_group),
        ):
            self._fill(name, lambda groups=groups: ([_group_row(g) for g in groups()], None))
        self._weeks_heading(board)
        for name, rows in (("Severe absence", board.severe), ("Penalty threshold", board.penalty)):
            self._fill(
                name, lambda rows=rows: ([_pupil_row(r) for r in rows], [r.pupil.upn for r in rows])
            )
        self._fill(
            "Persistent absence",
            lambda: (
                [_pupil_row(r, {}) for r in board.persistent],
                [r.pupil.upn for r in board.persistent],
            ),
        )
        # the late arrivals and the support-map lists come with the follow-ups
        self.tabs.setTabText(self.tabs.indexOf(self.tables["Late arrivals"]), "Late arrivals")
        self._fill("Late arrivals", lambda: ([], None))
        self._fill("Crossed a threshold", lambda: ([], None))
        self._follow_up(board)
        if self.trend_for != self.context.today:
            self._trend()
        elif self.chart.trend is not None:
            self.chart.show_trend(self.chart.trend, national)

    def _fill(self, name: str, rows: Callable[[], tuple[Sequence, Sequence | None]]) -> None:
        """Fills the table now if its tab is in view, otherwise when its tab is first shown: the
        click paints the tab in view only (the nine tables of the 2,000-pupil school, ~4,000
        cells, took 0.2–0.4 s to fill and lay out, most of them in tabs not shown)."""
        self._unfilled[name] = rows
        if self.tabs.currentWidget() is self.tables[name]:
            self.filled(name)

    def filled(self, name: str) -> ReadOnlyTable:
        """The table of tab `name` with the latest figures in it (as when its tab is shown)."""
        table = self.tables[name]
        if (rows := self._unfilled.pop(name, None)) is not None:
            # emptied first: in a table in view, each cell put over an old one made the columns
            # resize to their contents again (540 rows over 540 took a minute; from none, 0.15 s)
            table.setRowCount(0)
            table.fill(*rows())
        return table

    def _tab_shown(self, index: int) -> None:
        name = next((n for n, t in self.tables.items() if t is self.tabs.widget(index)), None)
        if name is not None:
            self.filled(name)

    def _weeks_heading(self, board: Dashboard) -> None:
        """The unauthorised-sessions column counts the local authority's window (a setting)."""
        rows = board.persistent or board.severe or board.penalty
        if not rows:
            return
        heading = f"Unauth. in last {rows[0].local_window_weeks} school weeks"
        for name in (
            "Persistent absence",
            "Severe absence",
            "Crossed a threshold",
            "Penalty threshold",
        ):
            table = self.tables[name]
            for column in range(table.columnCount()):
                item = table.horizontalHeaderItem(column)
                if item is not None and item.text().startswith("Unauth. in last"):
                    item.setText(heading)

    def _running(self, task: Task, what: str) -> None:
        self.progress.setFormat(f"{what} %p%")
        self.progress.setValue(0)
        self.progress.show()
        task.signals.progress.connect(
            lambda done, total: (
                self.progress.setMaximum(max(total, 1)),
                self.progress.setValue(done),
            )
        )
        self._busy += 1
        key = next(self._keys)
        self._running_tasks[key] = task
        self.cancel.show()
        task.signals.finished.connect(partial(self._stopped, key))

    def _stopped(self, key: int) -> None:
        self._busy -= 1
        self._running_tasks.pop(key, None)
        if self._busy <= 0:
            self._busy = 0
            self.progress.hide()
            self.cancel.hide()

    def _cancel(self) -> None:
        """Stops the lists, crossing dates and trend at their next step (a letter batch, once begun,
        finishes: it is all or nothing)."""
        for task in self._running_tasks.values():
            task.cancel()

    def _follow_up(self, board: Dashboard) -> None:
        generation, today = self._generation, self.context.today
        task = Task(
            self.context.path, lambda store, progress: follow_ups(store, today, board, progress)
        )
        self._running(task, "Support map and crossing dates")
        task.signals.done.connect(
            lambda more: generation == self._generation and self.show_follow_ups(more)
        )
        task.signals.failed.connect(self.context.status.emit)
        self.context.run(task)

    def show_follow_ups(self, more: FollowUps) -> None:
        self.more = more
        board = self.board
        self.tiles["suggested"].show_value(
            str(len(more.suggested)), "crossed a support-map threshold (this year)"
        )
        self._fill(
            "Persistent absence",
            lambda: (
                [_pupil_row(r, more.persistent_from) for r in board.persistent],
                [r.pupil.upn for r in board.persistent],
            ),
        )
        self._fill(
            "Crossed a threshold",
            lambda: (
                [
                    (row := _pupil_row(s.figures))[:3]
                    + [
                        s.suggestion.stage.name,
                        dmy(more.suggested_from.get(s.figures.pupil.upn)) or "–",
                        s.current.name if s.current else "–",
                    ]
                    + row[3:]
                    for s in more.suggested
                ],
                [s.figures.pupil.upn for s in more.suggested],
            ),
        )
        self._fill(
            "Late arrivals",
            lambda: (
                [
                    [
                        r.pupil.upn,
                        r.pupil.name,
                        r.pupil.reg_group,
                        r.late_before_close,
                        r.late_after_close,
                        r.minutes,
                    ]
                    for r in more.punctuality
                ],
                [r.pupil.upn for r in more.punctuality],
            ),
        )
        if more.punctuality_from:
            self.tabs.setTabText(
                self.tabs.indexOf(self.tables["Late arrivals"]),
                f"Late since {dmy(more.punctuality_from)}",
            )

    def _trend(self) -> None:
        today = self.context.today
        task = Task(self.context.path, lambda store, progress: weekly_trend(store, today, progress))
        self._running(task, "Weekly trend")
        task.signals.done.connect(lambda trend: self._show_trend(trend, today))
        task.signals.failed.connect(self.context.status.emit)
        self.context.run(task)

    def _show_trend(self, trend, today) -> None:
        self.trend_for = today
        self.chart.show_trend(trend, self.national)

    def confirm_and_write(self) -> None:
        """The weekly review: confirm the suggested stage for the chosen pupils, then make each stage's
        letters, off the GUI thread."""
        table = self.filled("Crossed a threshold")  # rows not yet shown are not chosen
        upns = sorted(
            {table.key_at(i.row()) for i in table.selectionModel().selectedRows()} - {None}
        )
        if not upns:
            self.context.status.emit("Select pupils on the 'Crossed a threshold' tab first")
            self.tabs.setCurrentWidget(table)
            return
        from attendance_desk.services.letters import confirm_and_make_letters

        folder = ask_folder(self, self.context.store, "Where should the letters be saved?")
        if folder is None:
            return
        today, user = self.context.today, self.context.user
        task = Task(
            self.context.path,
            lambda store, _progress: confirm_and_make_letters(
                store, upns, today, user, Path(folder)
            ),
        )
        self._running(task, "Confirming stages and making letters")
        self.progress.setMaximum(0)  # busy: the service reports no steps
        self.confirm.setEnabled(False)
        task.signals.finished.connect(lambda: self.confirm.setEnabled(True))
        task.signals.failed.connect(lambda text: show_error(self, text))
        task.signals.done.connect(lambda letters: self._confirmed(len(upns), letters, folder))
        self.context.run(task)

    def _confirmed(self, pupils: int, letters: int, folder: str) -> None:
        self.context.status.emit(
            f"{pupils} stage(s) confirmed; {letters} letter(s) saved in {folder}"
        )
        self.context.data_changed.emit()

    def _open(self, table: ReadOnlyTable, row: int) -> None:
        upn = table.key_at(row)
        if upn:
            self.context.open_pupil.emit(upn)
