"""Reading the data files shipped with the program: the attendance code table, support maps, the list
of common passwords. The rules in domain/ parse what they are given and read no files; the store
reads every file the program takes data from (the school file, and these)."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from attendance_desk.domain.codes import CodeTable, code_table_from_dict
from attendance_desk.domain.support_map import SupportMap, support_map_from_dict
from attendance_desk.paths import app_root, resource_path


def load_code_table(path: Path) -> CodeTable:
    with path.open("rb") as fh:
        return code_table_from_dict(tomllib.load(fh))


@cache
def default_code_table() -> CodeTable:
    """The DfE codes with their categories by date (resources/codes.toml), read once."""
    return load_code_table(resource_path("codes.toml"))


def load_support_map(path: Path) -> SupportMap:
    with path.open("rb") as fh:
        return support_map_from_dict(tomllib.load(fh))


@cache
def common_passwords() -> frozenset[str]:
    """The commonest passwords, shipped in resources/common_passwords.txt (no download)."""
    lines = resource_path("common_passwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(x.strip().lower() for x in lines if x.strip() and not x.startswith("#"))


def letter_writing_guide() -> str:
    """How to write a letter or form: the header, the placeholders, the limits (Markdown, shipped
    as letter_templates/README.md)."""
    return (app_root() / "letter_templates" / "README.md").read_text(encoding="utf-8")
