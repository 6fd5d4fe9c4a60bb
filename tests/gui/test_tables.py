"""The read-only tables every screen uses: refilled while in view (a list the user is looking at
changes after a save), their columns still fit the new contents, their keys and sorting kept. The
refill no longer sizes the columns once per replaced cell (a 300-row list on screen took 6-10 s to
refill; docs/benchmarks.md measures screens, not this test)."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView

from attendance_desk.gui.widgets import ReadOnlyTable


def test_a_table_refilled_in_view_fits_its_new_contents(qtbot):
    table = ReadOnlyTable(["Name", "Sessions", "Class"], "Pupils")
    qtbot.addWidget(table)
    table.resize(900, 500)
    table.show()
    table.fill([(f"Pupil {r}", r, "7A") for r in range(300)], [f"U{r}" for r in range(300)])
    qtbot.wait(10)
    narrow = table.columnWidth(0)

    longer = [(f"A pupil with a much longer name, number {r}", r, "7B") for r in range(300)]
    table.fill(longer, [f"V{r}" for r in range(300)])
    qtbot.wait(10)
    assert table.columnWidth(0) == table.sizeHintForColumn(0) > narrow
    assert table.item(299, 0).text() == "A pupil with a much longer name, number 299"
    assert table.key_at(299) == "V299"
    assert table.updatesEnabled() and table.isSortingEnabled()
    header = table.horizontalHeader()
    assert header.sectionResizeMode(0) == QHeaderView.ResizeMode.ResizeToContents

    table.fill([(f"P{r}", r, "7C") for r in range(5)])
    qtbot.wait(10)
    assert table.rowCount() == 5
    assert table.columnWidth(0) == max(table.sizeHintForColumn(0), header.sectionSizeHint(0))
    assert table.columnWidth(0) <= narrow
    # sorting by a click on the heading still works after a refill
    table.sortItems(1, Qt.SortOrder.DescendingOrder)
    assert table.item(0, 1).data(Qt.ItemDataRole.DisplayRole) == 4
