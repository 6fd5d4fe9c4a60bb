"""The one place that knows where shipped files live (source tree or PyInstaller bundle)."""

from __future__ import annotations

import sys
from pathlib import Path


def app_root() -> Path:
    """Folder holding `resources/` and `letter_templates/`: the bundle when frozen, else the repo."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle)
    return Path(__file__).resolve().parent.parent


def resource_path(*parts: str) -> Path:
    return app_root().joinpath("resources", *parts)


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("AttendanceDesk", appauthor=False)) / "school.sqlite"
