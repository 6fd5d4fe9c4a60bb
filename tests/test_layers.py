"""Layers are folders and imports point one way (DESIGN.md)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "attendance_desk"
FORBIDDEN = {
    "domain": (
        "PySide6",
        "sqlite3",
        "sqlite_utils",
        "reportlab",
        "attendance_desk.store",
        "attendance_desk.services",
        "attendance_desk.importers",
        "attendance_desk.gui",
    ),
    "importers": (
        "PySide6",
        "sqlite3",
        "sqlite_utils",
        "attendance_desk.store",
        "attendance_desk.services",
    ),
    "store": (
        "PySide6",
        "attendance_desk.services",
        "attendance_desk.gui",
        "attendance_desk.importers",
    ),
    "services": ("PySide6", "sqlite3", "attendance_desk.gui"),
}


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_point_one_way(layer):
    bad = []
    for path in (PACKAGE / layer).rglob("*.py"):
        for name in imports_of(path):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN[layer]):
                bad.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert bad == []


def test_only_the_store_speaks_sql():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "store" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if any(word in text for word in (".execute(", "SELECT ", "INSERT INTO", "UPDATE marks")):
            offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []
