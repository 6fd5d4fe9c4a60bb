"""Editable letter wording: Jinja2 templates, rendered in a sandbox where an unknown placeholder is
an error naming the template and line, and Python internals are out of reach. The school's own
templates live in its database (`sources`: name -> text, see store/documents.py); those shipped in
`letter_templates/` are the defaults copied in, and a folder can still be given (tests, checks).

A letter template may start with a header that is data, not wording: `Name: …` (the letter's name
as people know it) and its conditions, `When: …` (may be overridden with a reason) and `Needs: …`
(may not); see domain/letter_rules.py. The wording then uses a small markup: a first line
`Subject: …`; blocks separated by a blank line; `# ` starts a heading, `- ` a bullet; `**bold**`.
The letterhead, addressee, date, reference and signature are laid out around it by
documents/letters.py."""

from __future__ import annotations

import ctypes
import re
import threading
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from hashlib import sha256
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import StrictUndefined, TemplateError, TemplateNotFound, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from attendance_desk.domain.letter_rules import Condition, ConditionError, parse_condition
from attendance_desk.paths import app_root

if TYPE_CHECKING:
    from jinja2 import Template
    from jinja2.runtime import Context


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


SUFFIX = ".txt.j2"
Sources = Mapping[str, str]  # template name (no suffix) -> its text


def _texts(folder: Path | None, sources: Sources | None) -> tuple[dict[str, str], str]:
    """The templates by file name, and where they are (for messages)."""
    if sources is not None:
        return {f"{k}{SUFFIX}": v for k, v in sources.items()}, "the school's templates"
    folder = folder or template_folder()
    texts = {
        p.name: p.read_text(encoding="utf-8") for p in folder.glob(f"*{SUFFIX}") if p.is_file()
    }
    return texts, str(folder)


def template_names(sources: Sources | None = None, folder: Path | None = None) -> list[str]:
    return sorted(name.removesuffix(SUFFIX) for name in _texts(folder, sources)[0])


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


def template_info(
    key: str, folder: Path | None = None, sources: Sources | None = None
) -> TemplateInfo:
    """The template's name and conditions, read from its header."""
    texts, where = _texts(folder, sources)
    filename = f"{key}{SUFFIX}"
    if filename not in texts:
        there = ", ".join(sorted(n.removesuffix(SUFFIX) for n in texts))
        raise TemplateProblem(f"no letter template '{key}' in {where} (there are: {there})")
    header, _ = _split_header(texts[filename])
    name, conditions = key.replace("_", " ").capitalize(), []
    for number, kind, value in header:
        if kind == "Name":
            name = value or name
            continue
        try:
            conditions.append(parse_condition(value, overridable=kind == "When"))
        except ConditionError as exc:
            raise TemplateProblem(f"{filename}, line {number}: {exc}") from None
    return TemplateInfo(key, name, tuple(conditions))


# Limits: a letter is a page or two. A template that would loop, include itself, build a huge text
# or run for long is refused with its name and line, never a hang, a traceback or a gigabyte.
MAX_RANGE = 10_000  # items in one range()
MAX_ITERATIONS = 200_000  # range() items in one rendering, all loops together
MAX_OUTPUT = 200_000  # characters of wording
MAX_VALUE = 100_000  # characters (or items) one expression may build with * or **
TIME_LIMIT = 2.0  # seconds for one rendering


class _Limit(Exception):
    """A limit was reached while rendering (message says which)."""


class _TimeUp(BaseException):
    """Raised into the rendering thread when the time limit passes (BaseException: not swallowed)."""


_budget = threading.local()


class _CountedRange:
    def __init__(self, rng: range):
        self.rng = rng

    def __len__(self) -> int:
        return len(self.rng)

    def __iter__(self):
        for item in self.rng:
            left = getattr(_budget, "left", MAX_ITERATIONS) - 1
            if left < 0:
                raise _Limit(f"the loops run more than {MAX_ITERATIONS:,} times in all")
            _budget.left = left
            yield item


def _range(*args):
    try:
        rng = range(*args)
    except (TypeError, ValueError) as exc:
        raise _Limit(f"range{args}: {exc}") from None
    if len(rng) > MAX_RANGE:
        raise _Limit(f"range{args} has {len(rng):,} items; at most {MAX_RANGE:,} are allowed")
    return _CountedRange(rng)


def _size(value: object) -> int | None:
    return len(value) if isinstance(value, str | bytes | list | tuple) else None


class LimitedEnvironment(SandboxedEnvironment):
    intercepted_binops = frozenset(["*", "**", "+"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.globals["range"] = _range

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if (
                isinstance(right, int | float)
                and abs(right) > 64
                or (
                    isinstance(left, int | float)
                    and abs(left) > 10**6
                    and isinstance(right, int | float)
                    and right > 4
                )
            ):
                raise _Limit(f"{left!r} ** {right!r} is too large a number")
        elif operator == "*":
            for seq, times in ((left, right), (right, left)):
                n = _size(seq)
                if n is not None and isinstance(times, int | float) and n * times > MAX_VALUE:
                    raise _Limit(
                        f"repeating text or a list {times!r} times would make {n * times:,.0f} "
                        f"characters or items; at most {MAX_VALUE:,} are allowed"
                    )
        elif operator == "+":
            a, b = _size(left), _size(right)
            if a is not None and b is not None and a + b > MAX_OUTPUT:
                raise _Limit(
                    f"joining two texts of {a + b:,} characters; at most {MAX_OUTPUT:,} are allowed"
                )
        return super().call_binop(context, operator, left, right)


_ENVIRONMENTS: dict[str, LimitedEnvironment] = {}


def _digest(texts: dict[str, str]) -> str:
    return sha256(repr(sorted(texts.items())).encode("utf-8")).hexdigest()


def _environment(texts: dict[str, str], key: str) -> LimitedEnvironment:
    """One environment a set of templates: each is compiled once, and again only when the set
    changes (an edited template makes a new set)."""
    from jinja2 import FunctionLoader

    env = _ENVIRONMENTS.get(key)
    if env is not None:
        return env
    texts = dict(texts)

    def load(name: str):
        if name not in texts:
            return None
        return _split_header(texts[name])[1], name, lambda: True

    env = LimitedEnvironment(
        loader=FunctionLoader(load),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )
    if len(_ENVIRONMENTS) >= 16:
        _ENVIRONMENTS.pop(next(iter(_ENVIRONMENTS)))
    _ENVIRONMENTS[key] = env
    return env


def _line_of(exc: BaseException, filename: str) -> int | None:
    """Jinja2 puts the template's own line into the traceback it rewrites."""
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(exc.__traceback__)
        if frame.filename.endswith(filename)
    ]
    return lines[-1] if lines else getattr(exc, "lineno", None)


def _where(filename: str, exc: BaseException) -> str:
    line = _line_of(exc, filename)
    return f"{filename}, line {line}" if line else filename


def _source(env: LimitedEnvironment, name: str) -> str:
    """A template's text, as the environment's loader finds it."""
    if env.loader is None:
        raise TemplateNotFound(name)
    return env.loader.get_source(env, name)[0]


def _check_includes(env: LimitedEnvironment, name: str, chain: tuple[str, ...] = ()) -> None:
    """Refuse a template that includes, extends or imports itself, directly or through others."""
    from jinja2 import nodes

    source = _source(env, name)
    for node in env.parse(source, name).find_all(
        (nodes.Include, nodes.Extends, nodes.Import, nodes.FromImport)
    ):
        template = getattr(node, "template", None)  # each of the four kinds names one
        target = template.value if isinstance(template, nodes.Const) else None
        if not isinstance(target, str):
            raise TemplateProblem(
                f"{name}, line {node.lineno}: refused: only a fixed template name may be "
                "included, extended or imported"
            )
        if target == name or target in chain:
            path = " -> ".join((*chain, name, target))
            raise TemplateProblem(
                f"{name}, line {node.lineno}: refused: the template includes itself ({path})"
            )
        if len(chain) > 8:
            raise TemplateProblem(
                f"{name}, line {node.lineno}: refused: templates included more than 8 deep"
            )
        try:
            _check_includes(env, target, (*chain, name))
        except TemplateNotFound:
            raise TemplateProblem(
                f"{name}, line {node.lineno}: there is no template '{target}' to include"
            ) from None


_CHECKED: set[tuple] = set()


def _render_limited(template: Template, context: dict, filename: str) -> str:
    """Render with the limits above; the time limit is enforced from a watchdog thread that raises
    `_TimeUp` into this one (pure Python loops, which Jinja templates compile to, are interrupted)."""
    target = threading.get_ident()
    lock, finished = threading.Lock(), threading.Event()
    state = {"done": False, "fired": False}

    def watchdog() -> None:
        if not finished.wait(TIME_LIMIT):
            with lock:
                if not state["done"]:
                    state["fired"] = True
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(
                        ctypes.c_ulong(target), ctypes.py_object(_TimeUp)
                    )

    _budget.left = MAX_ITERATIONS
    timer = threading.Thread(target=watchdog, daemon=True, name="template-time-limit")
    timer.start()
    parts, size = [], 0
    try:
        try:
            for chunk in template.generate(**context):
                size += len(chunk)
                if size > MAX_OUTPUT:
                    raise _Limit(f"the wording would be longer than {MAX_OUTPUT:,} characters")
                parts.append(chunk)
        finally:
            with lock:
                state["done"] = True
            finished.set()
        if state["fired"]:  # raised into us but not yet delivered: let it land here
            for _ in range(10**7):
                pass
            raise _TimeUp
    except _TimeUp:
        raise TemplateProblem(
            f"{filename}: refused: the template ran for more than {TIME_LIMIT:g} s "
            "(a loop without end, or loops inside loops?)"
        ) from None
    finally:
        timer.join(0.1)
    return "".join(parts)


def render_template(
    name: str, context: dict, folder: Path | None = None, sources: Sources | None = None
) -> Rendered:
    texts, where = _texts(folder, sources)
    filename = f"{name}{SUFFIX}"
    if filename not in texts:
        there = ", ".join(sorted(n.removesuffix(SUFFIX) for n in texts))
        raise TemplateProblem(f"no letter template '{name}' in {where} (there are: {there})")
    digest = _digest(texts)
    env = _environment(texts, digest)
    try:
        key = (digest, filename)
        if key not in _CHECKED:
            _check_includes(env, filename)
            _CHECKED.add(key)
        text = _render_limited(env.get_template(filename), context, filename)
    except TemplateProblem:
        raise
    except TemplateSyntaxError as exc:
        where = exc.name or exc.filename or filename
        raise TemplateProblem(f"{Path(where).name}, line {exc.lineno}: {exc.message}") from None
    except SecurityError as exc:
        raise TemplateProblem(f"{_where(filename, exc)}: refused: {exc}") from None
    except _Limit as exc:
        raise TemplateProblem(f"{_where(filename, exc)}: refused: {exc}") from None
    except RecursionError as exc:
        raise TemplateProblem(
            f"{_where(filename, exc)}: refused: the template calls itself "
            "without end (a macro that calls itself?)"
        ) from None
    except TemplateError as exc:
        raise TemplateProblem(
            f"{_where(filename, exc)}: {exc.message or exc} "
            "(see letter_templates/README.md for the placeholders)"
        ) from None
    except MemoryError:
        raise TemplateProblem(f"{filename}: refused: the template needs too much memory") from None
    except (
        Exception
    ) as exc:  # anything else a template can provoke (a division by zero, a bad filter argument)
        raise TemplateProblem(f"{_where(filename, exc)}: {type(exc).__name__}: {exc}") from None
    return parse_markup(text)


def check_template(name: str, sources: Sources) -> TemplateInfo:
    """Before a template is saved: its header's conditions, its Jinja syntax and what it includes
    (an unknown placeholder shows only when a letter is made; the preview shows it first)."""
    info = template_info(name, sources=sources)
    texts, _ = _texts(None, sources)
    filename = f"{name}{SUFFIX}"
    env = _environment(texts, _digest(texts))
    try:
        env.parse(_source(env, filename), filename)
        _check_includes(env, filename)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"{filename}, line {exc.lineno}: {exc.message}") from None
    return info


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
    return Rendered(
        subject=escape(subject),
        blocks=tuple(blocks),
        text=(f"{subject}\n\n" if subject else "") + "\n\n".join(plain),
    )
