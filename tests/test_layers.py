"""Layers are folders and imports point one way (DESIGN.md, "Layers"):

    domain  <-  store  <-  services  <-  gui, cli
       ^                      |
       +------ importers, exporters, documents (use domain types; services orchestrate them)

Every module of the package is parsed (its AST: every import, including those inside functions and
under TYPE_CHECKING) and each import between packages is checked against ALLOWED. The import graph
between packages (package -> package, with the number of imports) is printed when a check fails and
under `pytest -v`, so anyone can see the arrows."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "attendance_desk"

# Which packages of attendance_desk each may import (besides itself). The small shared modules at the
# top: errors (the one kind of error a person is shown), presentation (how dates, figures and colours
# look; it imports nothing of ours, so the rules' own messages use it too), paths (where shipped files
# live) and files (writing a file whole or not at all).
SHARED = {"errors", "paths", "files", "presentation"}
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "paths": set(),
    "files": {"errors"},
    "presentation": set(),
    # pure rules and record types: no Qt, SQL or files
    "domain": {"errors", "presentation"},
    # all SQL, and reading the data files shipped with the program
    "store": {"domain", "errors", "paths", "files", "presentation"},
    # beside the services, called by them; they use domain types and never the store. Importers and
    # exporters share one row of DESIGN's table (a CTF is written as it is read back).
    "importers": {"domain", "exporters"} | SHARED,
    "exporters": {"domain", "importers"} | SHARED,
    "documents": {"domain"} | SHARED,
    # the use cases
    "services": {"domain", "store", "importers", "exporters", "documents"} | SHARED,
    # thin shells: services and domain only (the command line starts the window when given no command)
    "gui": {"services", "domain"} | SHARED,
    "cli": {"services", "domain", "gui"} | SHARED,
    "__main__": {"cli", "gui"},  # the program: the command line, or the window it opened
    "__init__": set(),  # the version: anyone may read it
}
# Libraries that only some layers may use.
LIBRARIES = {
    "PySide6": {"gui"},
    "shiboken6": {"gui"},
    "sqlite3": {
        "store",
        "files",
    },  # files: a backup copy is checked as a database before it is named
    "sqlite_utils": {"store"},
    "psycopg": {"store"},
    "reportlab": {"documents"},
    "pypdf": {"documents"},
    "jinja2": {"documents"},
    "openpyxl": {"importers", "exporters"},
    "defusedxml": {"importers"},
    "tomllib": {"store", "services"},
}
# Known breaches still being removed; each names who is removing it. The goal is none.
PENDING: dict[tuple[str, str], str] = {}


def package_of(module: str) -> str | None:
    """`attendance_desk.services.calls` -> `services`; None for a module outside the package."""
    parts = module.split(".")
    if parts[0] != "attendance_desk":
        return None
    if len(parts) == 1:
        return "__init__"
    return parts[1]


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[str]:
    """Every module `path` imports, relative imports resolved; `from X import name` also yields
    `X.name` (it may be a module)."""
    here = module_name(path)
    is_package = path.name == "__init__.py"
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join(anchor + ([base] if base else []))
            names.append(base)
            if (
                base == "attendance_desk"
            ):  # from attendance_desk import store (a module, not a name)
                names += [
                    f"{base}.{a.name}"
                    for a in node.names
                    if (PACKAGE / a.name).is_dir() or (PACKAGE / f"{a.name}.py").exists()
                ]
    return names


def source_package(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def import_graph() -> Counter:
    """(package, package it imports) -> number of imports, over every module."""
    graph: Counter = Counter()
    for path in modules():
        source = source_package(path)
        for name in imports_of(path):
            target = package_of(name)
            if target and target != source:
                graph[(source, target)] += 1
    return graph


def graph_text(graph: Counter) -> str:
    lines = ["import graph between packages (package -> package: imports)"]
    for (source, target), count in sorted(graph.items()):
        allowed = target == "__init__" or target in ALLOWED.get(source, set())
        mark = "" if allowed else "   <-- against the layers"
        if (source, target) in PENDING and mark:
            mark = f"   <-- pending: {PENDING[(source, target)]}"
        lines.append(f"  {source:>12} -> {target:<12} {count:4d}{mark}")
    return "\n".join(lines)


def breaches() -> list[str]:
    found = []
    for path in modules():
        source = source_package(path)
        rel = path.relative_to(PACKAGE)
        for name in imports_of(path):
            target = package_of(name)
            if target is None:
                library = name.split(".")[0]
                if library in LIBRARIES and source not in LIBRARIES[library]:
                    found.append(f"{rel} imports {name} (only {sorted(LIBRARIES[library])} may)")
                continue
            if target in (source, "__init__") or target in ALLOWED.get(source, set()):
                continue
            if (source, target) in PENDING:
                continue
            found.append(f"{rel} imports {name} ({source} may not import {target})")
    return sorted(set(found))


@pytest.fixture
def show_graph(request, capsys):
    """Print the graph under -v (pytest keeps a passing test's output otherwise)."""

    quiet_by_default = request.config.getini("addopts").count("-q")  # pyproject's addopts: -q

    def show() -> None:
        if request.config.getoption("verbose") > -quiet_by_default:
            with capsys.disabled():
                print("\n" + graph_text(import_graph()))

    return show


def test_every_package_has_a_place_in_the_layers():
    packages = {source_package(p) for p in modules()}
    assert packages <= set(ALLOWED), f"packages with no rule: {sorted(packages - set(ALLOWED))}"


def test_imports_point_one_way(show_graph):
    show_graph()
    found = breaches()
    assert found == [], "\n".join(found) + "\n\n" + graph_text(import_graph())


def test_the_shells_reach_no_repository():
    """gui and cli hold the open school file only to pass it to services: no `store.pupils...`."""
    from attendance_desk.store.repositories import Repositories

    repos = set(getattr(Repositories, "__annotations__", {})) or {
        "settings",
        "pupils",
        "contacts",
        "marks",
        "calendar",
        "casework",
        "stages",
        "letters",
        "meetings",
        "audit",
        "users",
    }
    repos |= {"query", "conn", "write", "db", "engine", "execute", "executemany", "insert_id"}
    found = []
    for path in modules():
        if source_package(path) not in ("gui", "cli"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in repos
                and isinstance(node.value, ast.Attribute | ast.Name)
                and (getattr(node.value, "attr", None) or getattr(node.value, "id", None))
                == "store"
            ):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} store.{node.attr}")
    assert found == [], "call a service instead:\n" + "\n".join(found)


def test_domain_opens_no_file():
    """domain/ is pure: it parses what it is given (store/resources.py reads the shipped files)."""
    found = []
    for path in (PACKAGE / "domain").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = getattr(func, "id", None) or getattr(func, "attr", None)
                if name in ("open", "read_text", "read_bytes", "write_text", "write_bytes"):
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {name}()")
    assert found == [], "\n".join(found)


def test_only_the_store_speaks_sql():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "store" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if any(word in text for word in (".execute(", "SELECT ", "INSERT INTO", "UPDATE marks")):
            offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []


def test_the_rule_catches_a_breach(tmp_path, monkeypatch):
    """The checker itself: a gui module importing the store is found."""
    fake = PACKAGE / "gui" / "_layer_probe.py"
    monkeypatch.setattr(
        "tests.test_layers.modules", lambda: [*[p for p in modules_real() if p != fake], fake]
    )
    original = Path.read_text

    def read_text(self, *args, **kwargs):
        if self == fake:
            return "from attendance_desk.store.db import Store\nimport PySide6\n"
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", read_text)
    found = breaches()
    assert (
        "gui/_layer_probe.py imports attendance_desk.store.db (gui may not import store)" in found
    )


modules_real = modules
