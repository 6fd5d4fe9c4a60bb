"""Editable letter wording: Jinja2 templates in `letter_templates/`, rendered in a sandbox where an
unknown placeholder is an error naming the template and line, and Python internals are out of reach.

A letter template may start with a header that is data, not wording: `Name: …` (the letter's name
as people know it) and its conditions, `When: …` (may be overridden with a reason) and `Needs: …`
(may not); see domain/letter_rules.py. The wording then uses a small markup: a first line
`Subject: …`; blocks separated by a blank line; `# ` starts a heading, `- ` a bullet; `**bold**`.
The letterhead, addressee, date, reference and signature are laid out around it by
documents/letters.py."""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from attendance_desk.domain.letter_rules import Condition, ConditionError, parse_condition
from attendance_desk.paths import app_root


class TemplateProblem(Exception):
    """A template that cannot be used; says which template, which line and what is wrong."""


@dataclass(frozen=True)
class Block:
    kind: str  # heading, paragraph, bullets
    lines: tuple[str, ...]  # reportlab markup (escaped, with <b>)


@dataclass(frozen=True)
class Rendered:
    subject: str
    blocks: tuple[Block, ...]
    text: str  # the plain wording, kept in the letter log


def template_folder() -> Path:
    return app_root() / "letter_templates"


def template_names() -> list[str]:
    return sorted(p.name.removesuffix(".txt.j2") for p in template_folder().glob("*.txt.j2"))


@dataclass(frozen=True)
class TemplateInfo:
    key: str  # the file name without .txt.j2
    name: str  # as people know it, from `Name:`
    conditions: tuple[Condition, ...]


_HEADER = re.compile(r"^(Name|When|Needs):(.*)$")


def _split_header(source: str) -> tuple[list[tuple[int, str, str]], str]:
    """The header lines (line number, field, value) and the source with them blanked, so that the
    line numbers Jinja reports are still the file's own."""
    lines = source.split("\n")
    header = []
    for number, line in enumerate(lines, 1):
        m = _HEADER.match(line.strip())
        if not m:
            break
        header.append((number, m.group(1), m.group(2).strip()))
        lines[number - 1] = ""
    return header, "\n".join(lines)


def template_info(key: str, folder: Path | None = None) -> TemplateInfo:
    """The template's name and conditions, read from its header."""
    folder = folder or template_folder()
    path = folder / f"{key}.txt.j2"
    if not path.exists():
        raise TemplateProblem(f"no letter template '{key}' in {folder} (there are: {', '.join(template_names())})")
    header, _ = _split_header(path.read_text(encoding="utf-8"))
    name, conditions = key.replace("_", " ").capitalize(), []
    for number, kind, value in header:
        if kind == "Name":
            name = value or name
            continue
        try:
            conditions.append(parse_condition(value, overridable=kind == "When"))
        except ConditionError as exc:
            raise TemplateProblem(f"{path.name}, line {number}: {exc}") from None
    return TemplateInfo(key, name, tuple(conditions))


@cache
def _environment(folder: Path) -> SandboxedEnvironment:
    """One environment a folder: a template is compiled once and again only when its file changes."""
    from jinja2 import FunctionLoader

    def load(name: str):
        path = folder / name
        if not path.is_file():
            return None
        mtime = path.stat().st_mtime_ns
        return _split_header(path.read_text(encoding="utf-8"))[1], str(path), lambda: path.stat().st_mtime_ns == mtime

    return SandboxedEnvironment(loader=FunctionLoader(load), undefined=StrictUndefined,
                                autoescape=False, keep_trailing_newline=True)


def _line_of(exc: BaseException, filename: str) -> int | None:
    """Jinja2 puts the template's own line into the traceback it rewrites."""
    lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__) if frame.filename.endswith(filename)]
    return lines[-1] if lines else getattr(exc, "lineno", None)


def render_template(name: str, context: dict, folder: Path | None = None) -> Rendered:
    folder = folder or template_folder()
    filename = f"{name}.txt.j2"
    if not (folder / filename).exists():
        raise TemplateProblem(f"no letter template '{name}' in {folder} (there are: {', '.join(template_names())})")
    env = _environment(folder)
    try:
        text = env.get_template(filename).render(**context)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"{filename}, line {exc.lineno}: {exc.message}") from None
    except SecurityError as exc:
        raise TemplateProblem(f"{filename}, line {_line_of(exc, filename)}: refused: {exc}") from None
    except TemplateError as exc:
        raise TemplateProblem(f"{filename}, line {_line_of(exc, filename)}: {exc.message or exc} "
                              "(see letter_templates/README.md for the placeholders)") from None
    return parse_markup(text)


_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _inline(line: str) -> str:
    return _BOLD.sub(r"<b>\1</b>", escape(line.strip()))


def parse_markup(text: str) -> Rendered:
    lines = text.strip().splitlines()
    subject = ""
    if lines and lines[0].lower().startswith("subject:"):
        subject = lines.pop(0).split(":", 1)[1].strip()
    blocks, plain = [], []
    for chunk in re.split(r"\n\s*\n", "\n".join(lines).strip()):
        rows = [r for r in chunk.splitlines() if r.strip()]
        if not rows:
            continue
        plain.append("\n".join(r.strip() for r in rows))
        if rows[0].startswith("# "):
            blocks.append(Block("heading", (_inline(rows[0][2:]),)))
            rows = rows[1:]
        if rows and all(r.lstrip().startswith("- ") for r in rows):
            blocks.append(Block("bullets", tuple(_inline(r.lstrip()[2:]) for r in rows)))
        elif rows:
            blocks.append(Block("paragraph", (" ".join(_inline(r) for r in rows),)))
    return Rendered(subject=escape(subject), blocks=tuple(blocks), text=(f"{subject}\n\n" if subject else "") + "\n\n".join(plain))
