"""Pupil profile: figures this year and last, a calendar heat map of sessions, patterns, contacts,
the casework chronology and the support-map stage with its next step."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QCompleter,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from attendance_desk.domain.codes import Category
from attendance_desk.errors import UserError
from attendance_desk.gui.casework import Casework
from attendance_desk.gui.context import AppContext
from attendance_desk.gui.widgets import (
    ReadOnlyTable,
    category_colour,
    dmy,
    heading,
    pct,
    show_error,
)
from attendance_desk.services.figures import PupilFigures
from attendance_desk.services.profile import WEEKDAYS, PupilProfile, pupil_profile
from attendance_desk.services.stages import record_step


class HeatMap(QWidget):
    """One column per school week, one row per weekday; each day split AM (top) / PM (bottom),
    coloured by category. Interventions (stage steps) are marked above their week."""

    CELL = 13

    def __init__(self):
        super().__init__()
        self.setAccessibleName("Attendance heat map")
        self.profile: PupilProfile | None = None

    def show_profile(self, profile: PupilProfile) -> None:
        self.profile = profile
        self.updateGeometry()
        self.update()

    def _weeks(self) -> list[date]:
        if self.profile is None:
            return []
        start = self.profile.year_start - timedelta(days=self.profile.year_start.weekday())
        weeks = (self.profile.today - start).days // 7 + 1
        return [start + timedelta(weeks=i) for i in range(weeks)]

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(max(760, 40 + len(self._weeks()) * (self.CELL + 2)), 28 + 5 * (self.CELL + 2) + 18)

    def paintEvent(self, event) -> None:  # noqa: N802
        if self.profile is None:
            return
        painter = QPainter(self)
        painter.setPen(QColor("#555555"))
        for i, name in enumerate(WEEKDAYS):
            painter.drawText(QRect(0, 24 + i * (self.CELL + 2), 34, self.CELL), Qt.AlignmentFlag.AlignRight, name)
        steps = {(date.fromisoformat(e.at[:10]) - timedelta(days=date.fromisoformat(e.at[:10]).weekday()))
                 for e in self.profile.stage_events if e.event == "entered"}
        month = None
        for w, monday in enumerate(self._weeks()):
            x = 40 + w * (self.CELL + 2)
            thursday = monday + timedelta(days=3)  # a week belongs to the month of its Thursday
            if thursday.month != month:
                month = thursday.month
                painter.setPen(QColor("#333333"))
                painter.drawText(QRect(x, 0, 40, 12), Qt.AlignmentFlag.AlignLeft, f"{thursday:%b}")
            if monday in steps:
                painter.fillRect(QRect(x, 14, self.CELL, 6), QColor("#7030A0"))
            for d in range(5):
                day = monday + timedelta(days=d)
                y = 24 + d * (self.CELL + 2)
                for half, session in enumerate(("AM", "PM")):
                    key = (day, session)
                    if key in self.profile.categories:
                        fill = category_colour(self.profile.categories[key])
                        if self.profile.categories[key] == Category.PRESENT:
                            fill = QColor("#A8D5A2")
                    else:
                        fill = QColor("#F7F7F7")
                    painter.fillRect(QRect(x, y + half * self.CELL // 2, self.CELL, self.CELL // 2), fill)
        painter.setPen(QColor("#555555"))
        painter.drawText(QRect(40, 24 + 5 * (self.CELL + 2), self.width() - 40, 16), Qt.AlignmentFlag.AlignLeft,
                         "Green present · blue approved activity · yellow authorised · red unauthorised · "
                         "grey not counted · purple bar: support-map step")


def _figures_rows(label: str, row: PupilFigures | None) -> list:
    if row is None:
        return [label, "not on roll", "", "", "", "", "", ""]
    f = row.figures
    flags = ", ".join(x for x, on in (("persistent", f.persistent), ("severe", f.severe),
                                      (f"INCOMPLETE: {f.missing} missing marks", f.incomplete)) if on) or "–"
    return [label, f"{dmy(row.start)} to {dmy(row.end)}", f.possible, pct(f.attendance_pct), f.authorised,
            f.unauthorised, f"{f.late_before_close} L / {f.late_after_close} U",
            f"{flags}; {row.unauthorised_last_10_school_weeks} unauth. in the 10 school wks to {dmy(row.end)}"]


class PupilView(QWidget):
    title = "Pupil"

    def __init__(self, context: AppContext):
        super().__init__()
        self.context = context
        self.upn: str | None = None
        self.profile: PupilProfile | None = None
        self.search = QLineEdit()
        self.search.setAccessibleName("Find a pupil")
        self.search.setPlaceholderText("Find a pupil: type a name or UPN")
        self.header = QLabel("Choose a pupil.")
        self.header.setProperty("role", "heading")
        self.header.setWordWrap(True)
        self.figures = ReadOnlyTable(["Year", "Period", "Possible", "Attendance", "Authorised", "Unauthorised",
                                      "Lates", "Flags"], "Figures")
        self.heat = HeatMap()
        self.patterns = QLabel()
        self.stage = QLabel()
        self.stage.setWordWrap(True)
        self.confirm = QPushButton("&Confirm suggested stage")
        self.close_process = QPushButton("Close staged process…")
        self.contacts = ReadOnlyTable(["#", "Name", "Relationship", "PR", "Phones", "Address"], "Contacts")
        self.casework = Casework(context, self)
        self.actions = {name: QPushButton(label) for name, label in (
            ("letter", "&Letter…"), ("meeting", "Record &meeting…"), ("contact", "Record c&ontact…"),
            ("certificate", "Certificate…"), ("pack", "&Evidence pack…"))}
        self.letters = ReadOnlyTable(["Date", "Letter", "To", "Address"], "Letters sent")
        self.chronology = ReadOnlyTable(["When", "What", "Who", "With", "Outcome", "Notes"], "Casework chronology")

        body = QWidget()
        grid = QGridLayout(body)
        grid.addWidget(self.header, 0, 0, 1, 2)
        grid.addWidget(self.figures, 1, 0, 1, 2)
        heat_scroll = QScrollArea()
        heat_scroll.setWidget(self.heat)
        heat_scroll.setWidgetResizable(True)
        heat_scroll.setMinimumHeight(self.heat.sizeHint().height() + 20)
        grid.addWidget(heading("This year, session by session"), 2, 0, 1, 2)
        grid.addWidget(heat_scroll, 3, 0, 1, 2)
        grid.addWidget(self.patterns, 4, 0)
        stage_box = QVBoxLayout()
        stage_box.addWidget(self.stage)
        buttons = QHBoxLayout()
        buttons.addWidget(self.confirm)
        buttons.addWidget(self.close_process)
        stage_box.addLayout(buttons)
        grid.addLayout(stage_box, 4, 1)
        action_row = QHBoxLayout()
        for button in self.actions.values():
            action_row.addWidget(button)
        action_row.addStretch()
        grid.addLayout(action_row, 5, 0, 1, 2)
        grid.addWidget(heading("Contacts"), 6, 0)
        grid.addWidget(heading("Chronology"), 6, 1)
        grid.addWidget(self.contacts, 7, 0)
        grid.addWidget(self.chronology, 7, 1)
        grid.addWidget(heading("Letters"), 8, 0, 1, 2)
        grid.addWidget(self.letters, 9, 0, 1, 2)
        self.figures.setFixedHeight(100)
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(scroll, 1)

        self.search.returnPressed.connect(self._search)
        self.confirm.clicked.connect(self._confirm)
        self.actions["letter"].clicked.connect(lambda: self.upn and self.casework.letter(self.upn))
        self.actions["meeting"].clicked.connect(lambda: self.upn and self.casework.meeting(self.upn))
        self.actions["contact"].clicked.connect(lambda: self.upn and self.casework.contact(self.upn))
        self.actions["certificate"].clicked.connect(
            lambda: self.upn and self.casework.certificate(self.upn, self.profile.year_start, self.profile.today))
        self.actions["pack"].clicked.connect(lambda: self.upn and self.casework.pack(self.upn))
        self.close_process.clicked.connect(self._close)
        context.open_pupil.connect(self.show_pupil)

    def refresh(self) -> None:
        pupils = self.context.store.pupils.all()
        self._choices = {f"{p.surname}, {p.forename} ({p.reg_group}) {p.upn}": p.upn for p in pupils}
        completer = QCompleter(sorted(self._choices))
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.activated.connect(lambda text: self.show_pupil(self._choices[text]))
        self.search.setCompleter(completer)
        if self.upn:
            self.show_pupil(self.upn)

    def _search(self) -> None:
        text = self.search.text().strip().lower()
        match = next((upn for label, upn in getattr(self, "_choices", {}).items() if text and text in label.lower()), None)
        if match:
            self.show_pupil(match)

    def show_pupil(self, upn: str) -> None:
        try:
            self.profile = profile = pupil_profile(self.context.store, upn, self.context.today)
        except UserError as exc:
            show_error(self, str(exc))
            return
        self.upn = upn
        p = profile.pupil
        flags = ", ".join(x for x, on in (("FSM", p.fsm), ("SEN support", p.sen == "K"), ("EHCP", p.sen == "E"),
                                           ("young carer", p.young_carer)) if on)
        vulnerable = "; ".join(p.vulnerable_reasons)
        legal = f" ({p.legal_name})" if p.legal_name != p.name else ""
        self.header.setText(
            f"<b>{p.name}</b>{legal} — UPN {p.upn} — Year {p.year_group}, class {p.reg_group} — "
            f"born {dmy(p.dob)}" + (f"<br/>{flags}" if flags else "")
            + (f"<br/><span style='color:#A00000'>{vulnerable}</span>" if vulnerable else ""))
        self.figures.fill([_figures_rows("This year", profile.this_year), _figures_rows("Last year", profile.last_year)])
        self.heat.show_profile(profile)
        pattern = profile.patterns
        days = " · ".join(
            f"{d} {pattern.absence_by_weekday[d]}/{pattern.possible_by_weekday[d]}" for d in WEEKDAYS)
        edge, other = pattern.next_to_breaks, pattern.other_days
        rate = lambda pair: f"{pair[0]}/{pair[1]}" + (f" ({pair[0] * 100 / pair[1]:.0f}%)" if pair[1] else "")  # noqa: E731
        self.patterns.setText(f"<b>Absence by weekday</b> (sessions absent / possible): {days}<br/>"
                              f"<b>Mornings vs afternoons:</b> {pattern.absence_am} AM, {pattern.absence_pm} PM<br/>"
                              f"<b>Next to holidays and closures:</b> {rate(edge)}; other days {rate(other)}")
        self._show_stage()
        self.contacts.fill([(c.priority, c.name, c.relationship, "Yes" if c.parental_responsibility else "No",
                             ", ".join(ph.number for ph in c.phones), f"{c.address} {c.postcode}".strip())
                            for c in profile.contacts])
        self.chronology.fill([(e.at.strftime("%d/%m/%Y %H:%M"), e.kind.replace("_", " "), e.by_user, e.with_whom,
                               e.outcome, e.notes) for e in reversed(profile.chronology)])
        self.letters.fill([(x.generated_at[:10], x.template.replace("_", " "), x.addressee, x.address)
                           for x in reversed(profile.letters)])

    def _show_stage(self) -> None:
        state = self.profile.stage
        if state is None:
            self.stage.setText("Not on roll this year.")
            self.confirm.setEnabled(False)
            self.close_process.setEnabled(False)
            return
        current = state.current.name if state.current else ("process closed" if state.closed else "no stage yet")
        text = f"<b>Support map:</b> {current}"
        if state.adjustment:
            text += f"<br/>Adjusted thresholds: {state.adjustment.reason}"
        if state.suggestion:
            actions = "; ".join(state.suggestion.stage.actions)
            text += f"<br/><b>Suggested:</b> {state.suggestion.stage.name} ({actions})"
        self.stage.setText(text)
        self.confirm.setEnabled(state.suggestion is not None)
        self.close_process.setEnabled(state.current is not None)

    def _confirm(self) -> None:
        state = self.profile.stage if self.profile else None
        if state is None or state.suggestion is None:
            return
        self._record("entered", state.suggestion.stage.key, "confirmed from the pupil profile")

    def _close(self) -> None:
        reason, ok = QInputDialog.getText(self, "Close the staged process",
                                          "Why? (e.g. attendance improved: monitor)")
        if ok:
            self._record("closed", None, reason)

    def _record(self, event: str, key: str | None, note: str) -> None:
        try:
            record_step(self.context.store, self.upn, event, self.context.today, self.context.user, key, note)
        except UserError as exc:
            show_error(self, str(exc))
            return
        self.context.data_changed.emit()
