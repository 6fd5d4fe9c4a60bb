"""Settings: school details and register close times, the calendar, and the support map."""

from __future__ import annotations

from dataclasses import fields, replace

from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from attendance_desk.domain.calendar import academic_year_label, academic_year_of
from attendance_desk.gui.context import AppContext
from attendance_desk.gui.widgets import ReadOnlyTable, dmy, heading, show_error
from attendance_desk.services.school import (
    ServiceError,
    add_typical_year,
    save_settings,
    support_map,
)
from attendance_desk.store.settings import SchoolSettings

LABELS = {
    "name": "School name", "urn": "URN", "local_authority": "Local authority", "la_number": "LA number",
    "estab_number": "Establishment number", "address": "Address", "phone": "Phone", "email": "E-mail",
    "head_teacher": "Head teacher", "attendance_lead": "Attendance lead", "named_ewo": "Named EWO",
    "am_register_opens": "AM register opens", "am_register_closes": "AM register closes",
    "pm_register_opens": "PM register opens", "pm_register_closes": "PM register closes",
    "support_map": "Support map file",
}


class SettingsView(QWidget):
    title = "Settings"

    def __init__(self, context: AppContext):
        super().__init__()
        self.context = context
        self.edits: dict[str, QLineEdit] = {}
        details = QWidget()
        form = QFormLayout(details)
        for f in fields(SchoolSettings):
            edit = QLineEdit()
            edit.setAccessibleName(LABELS[f.name])
            self.edits[f.name] = edit
            form.addRow(LABELS[f.name], edit)
        save = QPushButton("&Save school details")
        form.addRow(save)
        self.terms = ReadOnlyTable(["Term", "Starts", "Ends"], "Terms")
        self.closures = ReadOnlyTable(["Date", "Sessions", "Kind", "Description"], "Closures")
        add_year = QPushButton("Add the usual calendar for next year")
        calendar = QWidget()
        cal_layout = QVBoxLayout(calendar)
        row = QHBoxLayout()
        row.addWidget(self.terms)
        row.addWidget(self.closures)
        cal_layout.addLayout(row)
        cal_layout.addWidget(add_year)
        self.ladder = ReadOnlyTable(["Stage", "Threshold", "Letter", "Actions"], "Support map")
        tabs = QTabWidget()
        tabs.addTab(details, "School")
        tabs.addTab(calendar, "Calendar")
        tabs.addTab(self.ladder, "Support map")
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Settings"))
        layout.addWidget(tabs, 1)
        save.clicked.connect(self.save)
        add_year.clicked.connect(self._add_year)

    def refresh(self) -> None:
        settings = self.context.store.settings.school()
        for name, edit in self.edits.items():
            edit.setText(str(getattr(settings, name)))
        self.terms.fill([(t.name, dmy(t.start), dmy(t.end)) for t in self.context.store.calendar.terms()])
        self.closures.fill([(dmy(c.day), " and ".join(c.sessions), c.kind.replace("_", " "), c.description)
                            for c in self.context.store.calendar.closures()])
        try:
            ladder = support_map(self.context.store)
            unit = "days" if ladder.measure == "days_absent" else "% attendance (below)"
            self.ladder.fill([(s.name, f"{s.threshold:g} {unit}", s.letter or "", "; ".join(s.actions))
                              for s in ladder.stages])
        except ServiceError as exc:
            self.ladder.fill([(str(exc), "", "", "")])

    def save(self) -> None:
        current = self.context.store.settings.school()
        values = {name: edit.text().strip() for name, edit in self.edits.items()}
        try:
            save_settings(self.context.store, replace(current, **values))
        except ServiceError as exc:
            show_error(self, str(exc))
            return
        self.context.status.emit("School details saved")
        self.context.data_changed.emit()

    def _add_year(self) -> None:
        year = academic_year_of(self.context.today) + 1
        try:
            add_typical_year(self.context.store, year)
        except ServiceError as exc:
            show_error(self, str(exc))
            return
        self.context.status.emit(f"Added the usual terms, INSET days and bank holidays for "
                                 f"{academic_year_label(year)}: adjust them to the school's dates")
        self.refresh()
