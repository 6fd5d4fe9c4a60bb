"""Reading CSV and XLSX tables with case-insensitive headers, and the problem report."""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class ImportRefused(Exception):
    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} problem(s); nothing was imported")


@dataclass
class Table:
    """A table being read: headers now, rows streamed (a year of marks is 760,000 rows)."""

    file: str
    headers: list[str]  # normalised (lower case, underscores)
    header_row: int
    _rows: Iterator[tuple[int, list[object]]]

    def __post_init__(self) -> None:
        self.position = {h: i for i, h in enumerate(self.headers) if h}

    def has(self, column: str) -> bool:
        return column in self.position

    def rows(self) -> Iterator[tuple[int, list[object]]]:
        """(row number as the user sees it, cells padded to the header's width), skipping blank rows."""
        width = len(self.headers)
        try:
            for number, row in self._rows:
                if not (row and row[0]) and all(_blank(v) for v in row):
                    continue
                if len(row) < width:
                    row = list(row) + [None] * (width - len(row))
                yield number, row
        except ImportRefused:
            raise
        except Exception as exc:  # a file that breaks part-way (truncated zip, bad CSV quoting)
            raise ImportRefused(
                [Problem(self.file, None, None, f"cannot be read: {exc}")]
            ) from None

    def get(self, row: list[object], column: str) -> object:
        i = self.position.get(column)
        return row[i] if i is not None and i < len(row) else None


def normalise_header(text: object) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text or "").strip().lower()).strip("_")


def _encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes as such, else Windows-1252 (a CSV
    saved by Excel on Windows). Checked in chunks so a large file is never held twice."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        try:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _csv_rows(path: Path) -> Iterator[tuple[int, list[object]]]:
    encoding = _encoding(path)
    with path.open(encoding=encoding, errors="replace", newline="") as fh:
        sample = fh.read(4096)
        fh.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        yield from enumerate(csv.reader(fh, dialect), start=1)


def _xlsx_rows(path: Path, sheet_name: str | None = None) -> Iterator[tuple[int, list[object]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        names = {name.lower(): name for name in workbook.sheetnames}
        if sheet_name and sheet_name.lower() in names:
            sheet = workbook[names[sheet_name.lower()]]
        else:
            sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(row)
    finally:
        workbook.close()


# A workbook is a zip archive: its members are checked before anything is unpacked, so a "zip bomb"
# (a small file that unpacks to gigabytes) is refused at once instead of filling the memory.
MAX_UNPACKED = 1 << 30  # 1 GiB in all: a whole school's five years of marks is far less
MAX_RATIO = 200  # unpacked / packed for one member; spreadsheet XML rarely passes 30
MAX_MEMBERS = 10_000


def _check_archive(path: Path) -> None:
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportRefused(
            [Problem(name, None, None, f"is not a readable Excel workbook ({exc})")]
        ) from None
    if len(members) > MAX_MEMBERS:
        raise ImportRefused(
            [
                Problem(
                    name,
                    None,
                    None,
                    f"refused: the workbook holds {len(members):,} parts "
                    f"(at most {MAX_MEMBERS:,}); it is not an ordinary spreadsheet",
                )
            ]
        )
    total = sum(m.file_size for m in members)
    if total > MAX_UNPACKED:
        raise ImportRefused(
            [
                Problem(
                    name,
                    None,
                    None,
                    f"refused: the workbook would unpack to {total / 2**20:,.0f} MB "
                    f"(at most {MAX_UNPACKED / 2**20:,.0f} MB); export a smaller range or use CSV",
                )
            ]
        )
    for m in members:
        if m.file_size > 1 << 20 and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise ImportRefused(
                [
                    Problem(
                        name,
                        None,
                        None,
                        f"refused: the part {m.filename} is compressed "
                        f"{m.file_size / max(m.compress_size, 1):,.0f} to 1 (at most {MAX_RATIO} "
                        "to 1): the file looks built to exhaust memory (a zip bomb)",
                    )
                ]
            )


def source_rows(path: Path, sheet_name: str | None = None) -> Iterator[tuple[int, list[object]]]:
    """(row number, cells) of a CSV or of an XLSX sheet (`sheet_name` if present, else the first).
    Raises ImportRefused naming the file if it is missing, empty or not a readable table."""
    name = path.name
    suffix = path.suffix.lower()
    if not path.exists():
        raise ImportRefused([Problem(name, None, None, "file not found")])
    if path.stat().st_size == 0:
        raise ImportRefused([Problem(name, None, None, "the file is empty")])
    if suffix in (".xlsx", ".xlsm"):
        if not zipfile.is_zipfile(path):
            raise ImportRefused(
                [
                    Problem(
                        name,
                        None,
                        None,
                        "is not a readable Excel workbook (password-protected, or a CSV renamed .xlsx?)",
                    )
                ]
            )
        _check_archive(path)
        return _xlsx_rows(path, sheet_name)
    if suffix in (".csv", ".txt"):
        return _csv_rows(path)
    raise ImportRefused([Problem(name, None, None, "use a .csv or .xlsx file")])


def read_table(path: Path, required: Sequence[str]) -> Table:
    """Open the first sheet (or the CSV): the first non-empty row is the header. Raises
    ImportRefused naming the file if it cannot be read or lacks required columns."""
    name = path.name
    source = source_rows(path)
    try:
        for number, row in source:  # noqa: B007 (the header row is used below)
            if not all(_blank(v) for v in row):
                break
        else:
            raise ImportRefused([Problem(name, None, None, "the file has no rows")])
    except ImportRefused:
        raise
    except Exception as exc:  # openpyxl, zip and csv raise many kinds; name the file and the reason
        raise ImportRefused([Problem(name, None, None, f"cannot be read: {exc}")]) from None
    headers = [normalise_header(h) for h in row]
    missing = [c for c in required if c not in headers]
    if missing:
        raise ImportRefused(
            [
                Problem(
                    name,
                    number,
                    None,
                    f"missing column(s): {', '.join(missing)} (found: {', '.join(h for h in headers if h)})",
                )
            ]
        )
    return Table(file=name, headers=headers, header_row=number, _rows=source)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


CONTROL = re.compile(r"[\x00-\x1f\x7f]")
CONTROL_MESSAGE = (
    "contains a control character (a line break, tab or similar): a name is one line of text; "
    "fix it in the source and import again"
)


def has_control_characters(value: str) -> bool:
    """A name with a line break would print as two lines (and forge a line in a log): refused."""
    return bool(CONTROL.search(value))


def text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T][\d:.]*)?$")


def parse_date(value: object) -> date:
    """ISO (YYYY-MM-DD), dd/mm/yyyy, or a spreadsheet date cell."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = text(value)
    if not raw:
        raise ValueError("date is missing")
    match = _DMY.match(raw)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        if _ISO.match(raw):
            return date.fromisoformat(raw[:10])
    except ValueError:
        pass
    raise ValueError(f"'{raw}' is not a real date (use YYYY-MM-DD or dd/mm/yyyy)")


def parse_optional_date(value: object) -> date | None:
    return None if _blank(value) else parse_date(value)


_YES = {"yes", "y", "true", "1", "x"}
_NO = {"no", "n", "false", "0", ""}


def parse_bool(value: object) -> bool:
    raw = text(value).lower()
    if raw in _YES:
        return True
    if raw in _NO:
        return False
    raise ValueError(f"'{text(value)}' is not yes or no")


class Problems:
    """Collects every problem in a file (never stops at the first) and converts cells safely."""

    LIMIT = 1000  # beyond this the file is clearly the wrong one; the count is still reported

    def __init__(self, file: str):
        self.file = file
        self.items: list[Problem] = []
        self.total = 0

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self.total += 1
        if len(self.items) < self.LIMIT:
            self.items.append(Problem(self.file, row, column, message))

    def convert(self, row: int, column: str, parse: Callable[[Any], T], value: object) -> T | None:
        """parse(value), or None with a problem recorded naming the row and column."""
        try:
            return parse(value)
        except ValueError as exc:
            self.add(row, column, str(exc))
            return None

    def raise_if_any(self) -> None:
        if self.total:
            items = list(self.items)
            if self.total > len(items):
                items.append(
                    Problem(
                        self.file, None, None, f"... and {self.total - len(items)} more problems"
                    )
                )
            raise ImportRefused(items)
