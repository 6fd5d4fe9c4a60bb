"""Pupil profile: figures this year and last, a calendar heat map of sessions, patterns, contacts,
the casework chronology and the support-map stage with its next step."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from PySide6.QtCore import QEvent, QRect, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QCompleter,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from attendance_desk.domain.codes import Category
from attendance_desk.domain.groups import pupil_flags
from attendance_desk.errors import UserError
from attendance_desk.gui.casework import Casework
from attendance_desk.gui.context import AppContext, reads
from attendance_desk.gui.widgets import ReadOnlyTable, heading, pct, show_error
from attendance_desk.presentation import dmy, dmy_hm
from attendance_desk.services.as_at import recorded_later
from attendance_desk.services.figures import PupilFigures, due_on
from attendance_desk.services.marks import pupil_choices
from attendance_desk.services.profile import WEEKDAYS, PupilProfile, pupil_profile
from attendance_desk.services.stages import record_step

# The register's colours (presentation.CATEGORY_COLOURS: white present, blue approved educational
# activity, yellow authorised, red unauthorised, grey not counted, orange not a valid code), in
# stronger tints so a small cell reads, each with a sign so no category rests on colour alone (the
# signs are not attendance codes: E and U would read as "excluded" and "late after close").
# Authorised (yellow) against unauthorised (dark red): contrast 5.2:1, and apart in lightness under
# the common colour-vision deficiencies, where red and yellow hues merge.
HEAT_STYLE: dict[Category | None, tuple[str, str, str]] = {  # fill, letter, letter colour
    Category.PRESENT: ("#FFFFFF", "", "#000000"),
    Category.AEA: ("#56B4E9", "+", "#000000"),
    Category.AUTHORISED: ("#F0E442", "A", "#000000"),
    Category.UNAUTHORISED: ("#B2182B", "!", "#FFFFFF"),
    Category.NOT_COUNTED: ("#BBBBBB", "–", "#000000"),
    None: ("#E69F00", "×", "#000000"),  # a code not valid on its date
}
# a register closed with no mark: the register's "?" on its missing-mark colour
MISSING = ("#FFD8A8", "?", "#000000")
FUTURE = "#C8C8C8"  # the hatching of a session still to come (its register not yet due)
HEAT_NAMES = (
    (Category.PRESENT, "present"),
    (Category.AEA, "approved educational activity"),
    (Category.AUTHORISED, "authorised absence"),
    (Category.UNAUTHORISED, "unauthorised absence"),
    (Category.NOT_COUNTED, "not counted"),
    (None, "not a valid code"),
)
HEAT_LEGEND = (
    "White: present · + blue: approved educational activity · A yellow: authorised absence · "
    "! red: unauthorised absence · – grey: not counted · × orange: not a valid code · "
    "? pale orange: no mark (the register closed without one) · hatched: still to come · "
    "blank: no school or not on roll · purple bar: support-map step"
)


def legend_html() -> str:
    """The legend with a swatch of each cell as the map draws it (the words say it all as well)."""

    def swatch(fill: str, letter: str, ink: str) -> str:
        return (
            f"<span style='background:{fill}; color:{ink}; font-weight:600'>"
            f"&nbsp;{letter or '&nbsp;'}&nbsp;</span>"
        )

    parts = [f"{swatch(*HEAT_STYLE[c])}&nbsp;{name}" for c, name in HEAT_NAMES]
    parts.append(f"{swatch(*MISSING)}&nbsp;no mark (the register closed without one)")
    parts.append(f"{swatch(FUTURE, '', '#000000')}&nbsp;hatched: still to come")
    parts.append("blank: no school or not on roll")
    parts.append(f"{swatch('#7030A0', '', '#FFFFFF')}&nbsp;bar: support-map step")
    return " &nbsp; ".join(f"<span style='white-space:nowrap'>{x}</span>" for x in parts)


class HeatMap(QWidget):
    """One column per school week, one row per weekday; each day split AM (top) / PM (bottom),
    coloured and lettered by category. Cells grow with the width; interventions (stage steps) are
    marked above their week; hovering a cell shows its date, session, code and meaning. The month
    labels and weekday names are sized from the font. A session whose register is not yet due
    (services.figures.due_on) is still to come, not a missing mark."""

    MIN_CELL, MAX_CELL = 13, 40
    BAR = 6  # the support-map step's bar, between the month labels and the cells

    def __init__(self):
        super().__init__()
        self.setAccessibleName("Attendance heat map")
        self.setMouseTracking(True)
        self.profile: PupilProfile | None = None
        self.due: tuple[date, str] | None = None  # the last session whose register has closed
        self.notes: dict[tuple[date, str], str] = {}  # medical evidence for an I

    @property
    def LEFT(self) -> int:  # noqa: N802  (the weekday names' column, from the font)
        return max(self.fontMetrics().horizontalAdvance(d) for d in WEEKDAYS) + 10

    @property
    def TOP(self) -> int:  # noqa: N802  (the month labels' row and the step bar, from the font)
        return self.fontMetrics().height() + self.BAR + 4

    def show_profile(self, profile: PupilProfile, due: tuple[date, str] | None = None) -> None:
        self.profile = profile
        self.due = due
        self._fit()
        self.update()

    def _weeks(self) -> list[date]:
        if self.profile is None:
            return []
        # the whole school year to the end of July, so the map keeps its shape as the year goes on
        start = self.profile.year_start - timedelta(days=self.profile.year_start.weekday())
        weeks = (date(self.profile.year_start.year + 1, 7, 31) - start).days // 7 + 1
        return [start + timedelta(weeks=i) for i in range(weeks)]

    def cell(self, width: int | None = None) -> int:
        """The side of a day's square: as large as the width allows, within bounds."""
        weeks = max(len(self._weeks()), 1)
        room = ((self.width() if width is None else width) - self.LEFT) // weeks - 2
        return max(self.MIN_CELL, min(self.MAX_CELL, room - room % 2))

    def _height(self, cell: int) -> int:
        return self.TOP + 5 * (cell + 2) + 2

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(
            self.LEFT + len(self._weeks()) * (self.MIN_CELL + 2), self._height(self.MIN_CELL)
        )

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(max(760, self.minimumSizeHint().width()), self._height(self.cell()))

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit()

    def changeEvent(self, event) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit()

    def _fit(self) -> None:
        height = self._height(self.cell())
        if self.minimumHeight() != height:
            self.setMinimumHeight(height)
            self.setMaximumHeight(height)
        self.setMinimumWidth(self.minimumSizeHint().width())

    def session_at(self, x: int, y: int) -> tuple[date, str] | None:
        """The day and session under a point, if any."""
        size, left, top = self.cell(), self.LEFT, self.TOP
        weeks = self._weeks()
        w, d = (x - left) // (size + 2), (y - top) // (size + 2)
        if x < left or y < top or not (0 <= w < len(weeks)) or not (0 <= d < 5):
            return None
        inside = (y - top) - d * (size + 2)
        if inside >= size or (x - left) - w * (size + 2) >= size:
            return None  # the gap between cells
        return weeks[w] + timedelta(days=int(d)), "AM" if inside < size // 2 else "PM"

    def state(self, day: date, session: str) -> str:
        """'mark', 'no school', 'not on roll', 'to come' (register not yet due) or 'missing'."""
        profile = self.profile
        if profile is None:
            return "no school"
        if (day, session) in profile.marks:
            return "mark"
        if day not in profile.school_days:
            return "no school"
        if not profile.pupil.on_roll(day):
            return "not on roll"
        due = self.due or (profile.today - timedelta(days=1), "PM")
        if (day, session == "PM") > (due[0], due[1] == "PM"):
            return "to come"
        return "missing"

    def tooltip(self, day: date, session: str) -> str:
        """'Wed 20/11/2024 AM: N – No reason yet provided for absence (unauthorised absence)'."""
        head = f"{WEEKDAYS[day.weekday()]} {dmy(day)} {session}"
        state = self.state(day, session)
        if state == "no school":
            return f"{head}: no school"
        if state == "not on roll":
            return f"{head}: not on roll"
        if state == "to come":
            return f"{head}: still to come (the register is not yet due)"
        if state == "missing":
            return f"{head}: ? no mark (the register closed without one)"
        assert self.profile is not None
        mark = self.profile.marks[(day, session)]
        category = self.profile.categories.get((day, session))
        label = category.label.lower() if category else "not counted: check the code"
        note = self.notes.get((day, session))
        return f"{head}: {mark[0]} – {mark[1]} ({label})" + (f"\n{note}" if note else "")

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip and self.profile is not None:
            pos = event.position().toPoint() if hasattr(event, "position") else event.pos()
            where = self.session_at(pos.x(), pos.y())
            if where:
                QToolTip.showText(event.globalPos(), self.tooltip(*where), self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def paintEvent(self, event) -> None:  # noqa: N802
        if self.profile is None:
            return
        size, left, top = self.cell(), self.LEFT, self.TOP
        half = size // 2
        metrics = self.fontMetrics()
        painter = QPainter(self)
        font = painter.font()
        painter.setPen(QColor("#333333"))
        for i, name in enumerate(WEEKDAYS):
            painter.drawText(
                QRect(0, top + i * (size + 2), left - 6, size),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                name,
            )
        steps = {
            e.on - timedelta(days=e.on.weekday())
            for e in self.profile.stage_events
            if e.event == "entered"
        }
        letter_font = QFont(font)
        letter_font.setPixelSize(max(7, half - 2))
        hatch = QBrush(QColor(FUTURE), Qt.BrushStyle.BDiagPattern)
        month = None
        for w, monday in enumerate(self._weeks()):
            x = left + w * (size + 2)
            # a week belongs to the month of its Thursday (the first week to the year's first month)
            thursday = max(monday + timedelta(days=3), self.profile.year_start)
            if thursday.month != month:
                month = thursday.month
                label = f"{thursday:%b}"
                painter.setFont(font)
                painter.setPen(QColor("#333333"))
                painter.drawText(
                    QRect(x, 0, metrics.horizontalAdvance(label) + 4, metrics.height()),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    label,
                )
            if monday in steps:
                painter.fillRect(QRect(x, metrics.height() + 1, size, self.BAR), QColor("#7030A0"))
            painter.setFont(letter_font)
            for d in range(5):
                day = monday + timedelta(days=d)
                y = top + d * (size + 2)
                painted = False
                for part, session in enumerate(("AM", "PM")):
                    rect = QRect(x, y + part * half, size, half)
                    state = self.state(day, session)
                    if state in ("no school", "not on roll"):
                        continue  # left blank
                    painted = True
                    if state == "to come":
                        painter.fillRect(rect, hatch)
                        continue
                    if state == "missing":
                        fill, letter, ink = MISSING
                    else:
                        fill, letter, ink = HEAT_STYLE[self.profile.categories.get((day, session))]
                    painter.fillRect(rect, QColor(fill))
                    if letter and half >= 9:
                        painter.setPen(QColor(ink))
                        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, letter)
                if painted:
                    painter.setPen(QColor("#D0D0D0"))
                    painter.drawRect(QRect(x, y, size - 1, 2 * half - 1))
                    painter.drawLine(x, y + half, x + size - 1, y + half)
        painter.end()


def days(value: float) -> str:
    """Days absent as the support map counts them (two sessions a day): '5 days', '5½ days', '1 day'."""
    whole, half = int(value), value != int(value)
    if value == 0.5:
        return "½ day"
    return f"{whole}{'½' if half else ''} day{'' if value == 1 else 's'}"


def _figures_rows(label: str, row: PupilFigures | None) -> list:
    if row is None:
        return [label, "not on roll", "", "", "", "", "", ""]
    f = row.figures
    return [
        label,
        f"{dmy(row.start)} to {dmy(row.end)}",
        f.possible,
        pct(f.attendance_pct),
        f"{days(f.days_absent)} ({f.absent} sessions)",
        f.authorised,
        f.unauthorised,
        f"{f.late_before_close} L / {f.late_after_close} U",
    ]


def flags_text(label: str, row: PupilFigures | None) -> str:
    """'<b>This year:</b> persistently absent; 21 unauthorised sessions in the 10 school weeks to
    26/11/2026' (under the figures, in words, wrapped: as a table column it ran off the screen)."""
    if row is None:
        return f"<b>{label}:</b> not on roll"
    f = row.figures
    flags = [
        x
        for x, on in (
            ("persistently absent", f.persistent),
            ("severely absent", f.severe),
            (f"INCOMPLETE: {f.missing} missing mark{'' if f.missing == 1 else 's'}", f.incomplete),
        )
        if on
    ]
    # the local authority's window (a setting; nationally 10 school weeks), to the period's end
    n = row.unauthorised_last_local_window
    flags.append(
        f"{n} unauthorised session{'' if n == 1 else 's'} in the "
        f"{row.local_window_weeks} school weeks to {dmy(row.end)}"
    )
    return f"<b>{label}:</b> " + "; ".join(flags)


def later(entry) -> str:
    """'recorded later by … on dd/mm/yyyy' for an entry entered on a later day than it happened."""
    return recorded_later(
        entry.recorded_by or entry.by_user, entry.recorded_at, entry.at, entry.late_reason
    )


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
        self.figures = ReadOnlyTable(
            [
                "Year",
                "Period",
                "Possible",
                "Attendance",
                "Days absent",
                "Authorised",
                "Unauthorised",
                "Lates",
            ],
            "Figures",
        )
        self.flags = QLabel()
        self.flags.setWordWrap(True)
        self.flags.setAccessibleName("Flags")
        self.heat = HeatMap()
        self.legend = QLabel(legend_html())
        self.legend.setWordWrap(True)
        self.legend.setAccessibleName("Heat map key")
        self.legend.setAccessibleDescription(HEAT_LEGEND)
        self.patterns = QLabel()
        self.patterns.setWordWrap(True)  # one line was ~840 px: the profile ran off a 1366 screen
        self.stage = QLabel()
        self.stage.setWordWrap(True)
        self.confirm = QPushButton("&Confirm suggested stage")
        self.close_process = QPushButton("Close staged process…")
        self.contacts = ReadOnlyTable(
            ["#", "Name", "Relationship", "PR", "Phones", "Address"], "Contacts"
        )
        self.casework = Casework(context, self)
        self.actions = {
            name: QPushButton(label)
            for name, label in (
                ("letter", "&Letter…"),
                ("meeting", "Record &meeting…"),
                ("contact", "Record c&ontact…"),
                ("certificate", "Certificate…"),
                ("pack", "&Evidence pack…"),
            )
        }
        self.letters = ReadOnlyTable(["Date", "Letter", "To", "Address"], "Letters sent")
        self.chronology = ReadOnlyTable(
            ["When", "What", "Who", "With", "Outcome", "Notes"], "Casework chronology"
        )

        body = QWidget()
        grid = QGridLayout(body)
        grid.addWidget(self.header, 0, 0, 1, 2)
        grid.addWidget(self.figures, 1, 0, 1, 2)
        grid.addWidget(self.flags, 2, 0, 1, 2)
        grid.addWidget(heading("This year, session by session"), 3, 0, 1, 2)
        grid.addWidget(self.heat, 4, 0, 1, 2)
        grid.addWidget(self.legend, 5, 0, 1, 2)
        grid.addWidget(self.patterns, 6, 0, Qt.AlignmentFlag.AlignTop)
        stage_box = QVBoxLayout()
        stage_box.addWidget(self.stage)
        buttons = QHBoxLayout()
        buttons.addWidget(self.confirm)
        buttons.addWidget(self.close_process)
        stage_box.addLayout(buttons)
        grid.addLayout(stage_box, 6, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        action_row = QHBoxLayout()
        for button in self.actions.values():
            action_row.addWidget(button)
        from attendance_desk.gui.pastoral import pupil_actions

        self.more = pupil_actions(context, self, lambda: self.upn)
        action_row.addWidget(self.more)
        action_row.addStretch()
        grid.addLayout(action_row, 7, 0, 1, 2)
        grid.addWidget(heading("Contacts"), 8, 0)
        grid.addWidget(heading("Chronology"), 8, 1)
        grid.addWidget(self.contacts, 9, 0)
        grid.addWidget(self.chronology, 9, 1)
        grid.addWidget(heading("Letters"), 10, 0, 1, 2)
        grid.addWidget(self.letters, 11, 0, 1, 2)
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
        self.actions["meeting"].clicked.connect(
            lambda: self.upn and self.casework.meeting(self.upn)
        )
        self.actions["contact"].clicked.connect(
            lambda: self.upn and self.casework.contact(self.upn)
        )
        self.actions["certificate"].clicked.connect(
            lambda: (
                self.upn
                and self.casework.certificate(self.upn, self.profile.year_start, self.profile.today)
            )
        )
        self.actions["pack"].clicked.connect(lambda: self.upn and self.casework.pack(self.upn))
        self.close_process.clicked.connect(self._close)
        context.open_pupil.connect(self.show_pupil)
        self._enable_actions()  # nothing to act on until a pupil is chosen

    def _enable_actions(self) -> None:
        """Every action needs a pupil: disabled until one is chosen; the stage's buttons follow
        the stage (see _show_stage)."""
        chosen = self.upn is not None and self.profile is not None
        for button in (*self.actions.values(), self.more):
            button.setEnabled(chosen)
        self.heat.setVisible(chosen)  # an empty map and its key say nothing before a pupil
        self.legend.setVisible(chosen)
        if not chosen:
            self.confirm.setEnabled(False)
            self.close_process.setEnabled(False)

    @reads("the pupils")
    def refresh(self) -> None:
        self._choices = pupil_choices(self.context.store)
        completer = QCompleter(sorted(self._choices))
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.activated.connect(lambda text: self.show_pupil(self._choices[text]))
        self.search.setCompleter(completer)
        if self.upn:
            self.show_pupil(self.upn)

    def _search(self) -> None:
        text = self.search.text().strip().lower()
        match = next(
            (
                upn
                for label, upn in getattr(self, "_choices", {}).items()
                if text and text in label.lower()
            ),
            None,
        )
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
        flags = ", ".join(pupil_flags(p, vulnerable=False))  # the vulnerable ones: the next line
        vulnerable = "; ".join(p.vulnerable_reasons)
        legal = f" ({p.legal_name})" if p.legal_name != p.name else ""
        self.header.setText(
            f"<b>{p.name}</b>{legal} — UPN {p.upn} — Year {p.year_group}, class {p.reg_group} — "
            f"born {dmy(p.dob) or 'not recorded'}"
            + (f"<br/>{flags}" if flags else "")
            + (f"<br/><span style='color:#A00000'>{vulnerable}</span>" if vulnerable else "")
        )
        self.figures.fill(
            [
                _figures_rows("This year", profile.this_year),
                _figures_rows("Last year", profile.last_year),
            ]
        )
        self.flags.setText(
            flags_text("This year", profile.this_year)
            + "<br/>"
            + flags_text("Last year", profile.last_year)
        )
        from attendance_desk.services.medical import illness_notes

        self.heat.notes = illness_notes(
            self.context.store, profile.pupil.id, profile.year_start, profile.today, profile.today
        )
        self.heat.show_profile(profile, due_on(self.context.store, profile.today))
        pattern = profile.patterns
        days = " · ".join(
            f"{d} {pattern.absence_by_weekday[d]}/{pattern.possible_by_weekday[d]}"
            for d in WEEKDAYS
        )
        edge, other = pattern.next_to_breaks, pattern.other_days

        def rate(pair: tuple[int, int]) -> str:
            share = f" ({pair[0] * 100 / pair[1]:.0f}%)" if pair[1] else ""
            return f"{pair[0]}/{pair[1]}{share}"

        self.patterns.setText(
            f"<b>Absence by weekday</b> (sessions absent / possible): {days}<br/>"
            f"<b>Sessions absent:</b> mornings {pattern.absence_am}, "
            f"afternoons {pattern.absence_pm}<br/>"
            f"<b>Next to holidays and closures:</b> {rate(edge)}; other days {rate(other)}"
        )
        self._show_stage()
        self._enable_actions()
        self.contacts.fill(
            [
                (
                    c.priority,
                    c.name,
                    c.relationship,
                    "Yes" if c.parental_responsibility else "No",
                    ", ".join(ph.number for ph in c.phones),
                    f"{c.address} {c.postcode}".strip(),
                )
                for c in profile.contacts
            ]
        )
        self.chronology.fill(
            [
                (
                    dmy_hm(e.at),
                    e.kind.replace("_", " "),
                    e.by_user,
                    e.with_whom,
                    e.outcome,
                    "; ".join(x for x in (e.notes, later(e)) if x),
                )
                for e in reversed(profile.chronology)
            ]
        )
        self.letters.fill(
            [
                (
                    dmy(date.fromisoformat(x.generated_at[:10])),
                    x.template.replace("_", " "),
                    x.addressee,
                    x.address,
                )
                for x in reversed(profile.letters)
            ]
        )

    def _show_stage(self) -> None:
        state = self.profile.stage
        if state is None:
            self.stage.setText("Not on roll this year.")
            self.confirm.setEnabled(False)
            self.close_process.setEnabled(False)
            return
        current = (
            state.current.name
            if state.current
            else ("process closed" if state.closed else "no stage yet")
        )
        text = f"<b>Support map:</b> {current}"
        if state.adjustment:
            text += f"<br/>Adjusted thresholds: {state.adjustment.reason}"
        if state.suggestion:
            actions = "; ".join(state.suggestion.stage.actions)
            text += f"<br/><b>Suggested:</b> {state.suggestion.stage.name} ({actions})"
        text += f"<br/><b>Days absent this year:</b> {days(state.figures.figures.days_absent)}"
        due = self.profile.outstanding
        text += "<br/><b>Outstanding:</b> " + (
            "none"
            if not due
            else "".join(
                f"<br/>• {escape(a.what)}"
                + (
                    f" — {'<b>overdue</b>, ' if a.overdue else ''}"
                    f"{'due' if a.overdue or a.on >= self.profile.today else 'since'} {dmy(a.on)}"
                    if a.on
                    else ""
                )
                for a in due
            )
        )
        done = self.profile.done[:6]
        if done:
            text += "<br/><b>Done:</b>" + "".join(
                f"<br/>✓ {dmy(a.on)} {escape(a.what)}" for a in done
            )
            if len(self.profile.done) > len(done):
                text += f"<br/>… {len(self.profile.done) - len(done)} earlier (see the chronology)"
        self.stage.setText(text)
        self.confirm.setEnabled(state.suggestion is not None)
        self.close_process.setEnabled(state.current is not None)

    def _confirm(self) -> None:
        state = self.profile.stage if self.profile else None
        if state is None or state.suggestion is None:
            return
        self._record("entered", state.suggestion.stage.key, "confirmed from the pupil profile")

    def _close(self) -> None:
        if self.upn is None:  # the button is disabled until a pupil is chosen
            return
        reason, ok = QInputDialog.getText(
            self, "Close the staged process", "Why? (e.g. attendance improved: monitor)"
        )
        if ok:
            self._record("closed", None, reason)

    def _record(self, event: str, key: str | None, note: str) -> None:
        if self.upn is None:
            return
        try:
            record_step(
                self.context.store,
                self.upn,
                event,
                self.context.today,
                self.context.user,
                key,
                note,
            )
        except UserError as exc:
            show_error(self, str(exc))
            return
        self.context.data_changed.emit()
