"""One owner per fact (issue 14 item 3): how a date looks is written in presentation.py only, and the
register's present and closure marks come from the code table."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "attendance_desk"


def test_dates_are_formatted_by_presentation_only():
    """dd/mm/yyyy on screen and paper: presentation.dmy, weekday_dmy, dmy_hm (or DATE_FORMAT)."""
    found = [
        f"{path.relative_to(PACKAGE)}:{n}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "presentation.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if "%d/%m/%Y" in line
    ]
    assert found == [], (
        "use attendance_desk.presentation (dmy, weekday_dmy, dmy_hm):\n" + "\n".join(found)
    )


def test_the_register_screens_spell_no_mark():
    """The register grid and its code picker ask the code table for / \\ and # (CodeTable.present_code,
    closure_code, as_entered): no string in them is a mark."""
    found = []
    for name in ("registers.py", "register_dialogs.py"):
        tree = ast.parse((PACKAGE / "gui" / name).read_text(encoding="utf-8"))
        in_text = {id(c) for j in ast.walk(tree) if isinstance(j, ast.JoinedStr) for c in j.values}
        found += [
            f"{name}:{node.lineno}: {node.value!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and node.value in ("/", "\\", "#")
            and id(node) not in in_text  # a slash in "3/4" is not a mark
        ]
    assert found == []
