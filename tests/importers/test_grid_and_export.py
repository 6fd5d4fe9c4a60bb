from datetime import date, datetime, timedelta

import pytest
from openpyxl import Workbook, load_workbook

from attendance_desk.domain.progress import Cancelled
from attendance_desk.services.exports import export_xlsx
from attendance_desk.services.figures import pupil_figures
from attendance_desk.services.imports import import_file
from tests.helpers import add_pupil, make_school, put_marks, upn

TODAY = date(2024, 11, 29)


@pytest.fixture
def store(tmp_path):
    s = make_school(tmp_path)
    add_pupil(s, 1, surname="Nguyễn", forename="Linh", dob=date(2015, 3, 2))
    add_pupil(s, 2, surname="Okafor", forename="Chidi", dob=date(2015, 7, 9))
    yield s
    s.close()


def codes_of(store, n):
    pupil = store.pupils.by_upn(upn(n))
    return {
        (m.date, m.session): m.code
        for m in store.marks.for_pupil(pupil.id, date(2024, 1, 1), date(2025, 8, 31))
    }


def test_grid_with_dates_over_am_pm_merged_serials_blank_rows_and_totals(tmp_path, store):
    wb = Workbook()
    ws = wb.active
    ws.append(["Register report: Class 4A"])
    ws.append(
        [None, None, None, datetime(2024, 9, 3), None, 45539, None, "Thu 05/09/2024", None, "Total"]
    )
    ws.append(["Surname", "Forename", "DOB", "AM", "PM", "AM", "PM", "AM", "PM", "Present"])
    ws.merge_cells("D2:E2")
    ws.merge_cells("F2:G2")
    ws.append(["Nguyễn", "Linh", date(2015, 3, 2), "/", "\\", "N", "N", "L", "\\", 4])
    ws.append([])
    ws.append(["Okafor", "Chidi", "09/07/2015", "/", "\\", "/", "-", None, "I", 3])
    ws.append(["Total", None, None, 2, 2, 1, 0, 1, 1, 7])
    path = tmp_path / "grid.xlsx"
    wb.save(path)
    report = import_file(store, "marks", path, "office1", TODAY)
    assert report.ok, report.problems
    assert report.added == 10
    assert codes_of(store, 1) == {
        (date(2024, 9, 3), "AM"): "/",
        (date(2024, 9, 3), "PM"): "\\",
        (date(2024, 9, 4), "AM"): "N",
        (date(2024, 9, 4), "PM"): "N",
        (date(2024, 9, 5), "AM"): "L",
        (date(2024, 9, 5), "PM"): "\\",
    }
    assert codes_of(store, 2)[(date(2024, 9, 5), "PM")] == "I" and (
        date(2024, 9, 4),
        "PM",
    ) not in codes_of(store, 2)


def test_grid_csv_with_one_header_row_and_a_bad_cell(tmp_path, store):
    path = tmp_path / "grid.csv"
    path.write_text(
        "UPN,Name,Tue 03/09/2024 AM,Tue 03/09/2024 PM,Wed 04/09/2024 AM,%\n"
        f"{upn(1)},Linh Nguyễn,/,\\,Q,100\n{upn(2)},Chidi Okafor,/,H,N,50\n",
        encoding="utf-8-sig",
    )
    report = import_file(store, "marks", path, "office1", TODAY)
    assert not report.ok
    (problem,) = report.problems
    assert (
        problem.row == 3
        and problem.column == "Tue 03/09/2024 PM"
        and "'H' is not an attendance code" in problem.message
    )
    assert store.marks.count() == 0


def test_grid_pupil_not_found_by_name_and_birth_date(tmp_path, store):
    path = tmp_path / "grid.csv"
    path.write_text(
        "Name,DOB,03/09/2024 AM\nLinh Nguyễn,02/03/2015,/\nAnon Pupil,01/01/2015,/\n",
        encoding="utf-8",
    )
    report = import_file(store, "marks", path, "office1", TODAY)
    assert [(p.row, p.column) for p in report.problems] == [(3, "name")]


def test_export_then_import_register_back_changes_nothing(tmp_path, store):
    one, two = store.pupils.by_upn(upn(1)), store.pupils.by_upn(upn(2))
    put_marks(
        store,
        one,
        {
            (date(2024, 9, 3), "AM"): "/",
            (date(2024, 9, 3), "PM"): "I",
            (date(2024, 9, 4), "AM"): "L",
        },
    )
    put_marks(
        store,
        two,
        {
            (date(2024, 9, 3), "AM"): "N",
            (date(2024, 9, 3), "PM"): "O",
            (date(2024, 9, 2), "AM"): "#",
        },
    )
    path = tmp_path / "workbook.xlsx"
    assert export_xlsx(store, path, date(2024, 9, 1), date(2024, 9, 30)) == 2
    report = import_file(store, "marks", path, "office1", TODAY)
    assert report.ok, report.problems
    assert (report.added, report.changed, report.unchanged) == (0, 0, 6)


def test_workbook_contents_numbers_dates_and_colours(tmp_path, store):
    one = store.pupils.by_upn(upn(1))
    put_marks(
        store,
        one,
        {
            (date(2024, 9, d), s): ("O" if (d, s) == (3, "AM") else "/" if s == "AM" else "\\")
            for d in range(3, 7)
            for s in ("AM", "PM")
        },
    )
    path = tmp_path / "workbook.xlsx"
    export_xlsx(store, path, date(2024, 9, 1), date(2024, 9, 6))
    wb = load_workbook(path)
    assert wb.sheetnames == [
        "Summary",
        "Figures",
        "Persistent absence",
        "Severe absence",
        "Register",
    ]
    figures = wb["Figures"]
    header = [c.value for c in figures[1]]
    row = {h: c.value for h, c in zip(header, figures[2], strict=False)}
    assert row["UPN"] == upn(1) and row["Possible"] == 8 and row["Unauthorised"] == 1
    assert (
        row["Attendance"] == 0.875
        and figures.cell(2, header.index("Attendance") + 1).number_format == "0.0%"
    )
    assert isinstance(row["From"], datetime) and row["Persistent (>=10%)"] == "Yes"
    assert figures.freeze_panes == "D2" and figures.auto_filter.ref
    register = wb["Register"]
    assert (
        register["E1"].value == datetime(2024, 9, 3) and register["E2"].value == "AM"
    )  # 2 Sept: INSET
    o_cell = next(c for c in register[3] if c.value == "O")
    assert o_cell.fill.fgColor.rgb.endswith("F4CCCC")  # unauthorised
    summary = wb["Summary"]
    assert summary["A2"].value == "Whole school" and summary["D2"].value == 0.875
    assert [r[0].value for r in wb["Persistent absence"].iter_rows(min_row=2)] == [upn(1)]


def test_dry_run_lists_old_and_new_codes(tmp_path, store):
    one = store.pupils.by_upn(upn(1))
    put_marks(store, one, {(date(2024, 9, 3), "AM"): "N"})
    path = tmp_path / "m.csv"
    path.write_text(
        f"upn,date,session,code\n{upn(1)},2024-09-03,AM,I\n{upn(1)},2024-09-03,PM,\\\n",
        encoding="utf-8",
    )
    report = import_file(store, "marks", path, "office1", TODAY, dry_run=True)
    assert (report.added, report.changed) == (1, 1)
    assert report.changes == [f"{upn(1)} 03/09/2024 AM: N -> I"]
    assert (
        codes_of(store, 1) == {(date(2024, 9, 3), "AM"): "N"} and store.marks.history(one.id) == []
    )


def test_cancelling_an_import_writes_nothing(tmp_path, store):
    path = tmp_path / "m.csv"
    path.write_text(
        "upn,date,session,code\n"
        + "".join(f"{upn(1)},2024-09-{d:02d},{s},/\n" for d in range(3, 7) for s in ("AM", "PM")),
        encoding="utf-8",
    )
    seen = []

    def progress(done, total):
        seen.append(done)
        raise Cancelled

    with pytest.raises(Cancelled):
        import_file(store, "marks", path, "office1", TODAY, progress=progress)
    assert seen and store.marks.count() == 0


def test_cancelling_an_export_leaves_no_file(tmp_path, store):
    from openpyxl.worksheet._writer import ALL_TEMP_FILES

    for n in range(3, 60):
        add_pupil(store, n)
    path = tmp_path / "w.xlsx"

    def progress(done, total):
        raise Cancelled

    with pytest.raises(Cancelled):
        export_xlsx(store, path, date(2024, 9, 1), date(2024, 9, 30), progress=progress)
    assert not path.exists()
    assert ALL_TEMP_FILES == []  # openpyxl's temporary sheet files were removed too


def test_fifty_thousand_rows_with_three_bad_ones(tmp_path, store):
    for n in range(3, 51):
        add_pupil(store, n)
    days = [d for d in (date(2024, 9, 3) + timedelta(days=i) for i in range(28)) if d.weekday() < 5]
    rows = [
        f"{upn(n)},{d.isoformat()},{s},/" for n in range(1, 51) for d in days for s in ("AM", "PM")
    ]
    extra = [
        f"{upn(n)},2024-11-{d:02d},{s},\\"
        for n in range(1, 51)
        for d in (4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 18, 19, 20, 21, 22, 25, 26, 27, 28)
        for s in ("AM", "PM")
    ]
    rows = (rows + extra * 20)[:50_000]
    rows = list(dict.fromkeys(rows))
    rows[100] = rows[100].replace(",/", ",ZZ")
    rows[2000] = "A801200005001" + rows[2000][13:]
    rows[30000 % len(rows)] = rows[30000 % len(rows)].replace("2024-", "2024-13-", 1)
    path = tmp_path / "big.csv"
    path.write_text("upn,date,session,code\n" + "\n".join(rows) + "\n", encoding="utf-8")
    report = import_file(store, "marks", path, "office1", TODAY)
    assert sorted(p.row for p in report.problems) == sorted([102, 2002, 30000 % len(rows) + 2])
    assert store.marks.count() == 0


def test_bom_and_password_protected(tmp_path, store):
    path = tmp_path / "bom.csv"
    path.write_bytes(
        "\ufeffUPN,Date,Session,Code\n".encode() + f"{upn(1)},2024-09-03,AM,/\n".encode()
    )
    assert import_file(store, "marks", path, "office1", TODAY).added == 1
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(
        bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 512
    )  # an encrypted workbook is an OLE file
    report = import_file(store, "marks", locked, "office1", TODAY)
    assert "password-protected" in str(report.problems[0])


def test_figures_after_grid_import_match_long_form(tmp_path, store):
    path = tmp_path / "grid.csv"
    path.write_text(
        "UPN,03/09/2024 AM,03/09/2024 PM,04/09/2024 AM,04/09/2024 PM\n"
        f"{upn(1)},/,\\,I,I\n{upn(2)},N,N,/,\\\n",
        encoding="utf-8",
    )
    assert import_file(store, "marks", path, "office1", TODAY).ok
    figures = {
        r.pupil.upn: r.figures for r in pupil_figures(store, date(2024, 9, 1), date(2024, 9, 30))
    }
    assert (figures[upn(1)].authorised, figures[upn(2)].unauthorised, figures[upn(2)].possible) == (
        2,
        2,
        4,
    )
