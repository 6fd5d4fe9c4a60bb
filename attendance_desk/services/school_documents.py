"""The school's own documents in its database (store/documents.py): letter and form templates, the
support maps, the letterhead logo. Edited in Settings → Letters and documents and by
`attendance-desk documents …`; each save is a new version with who, when and why, and an audit
entry, in one transaction. The install folder is never written: its files are only the defaults.

The head's signature is versioned the same way but is set only by the head (services/users.py)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass

from attendance_desk.documents.templates import TemplateProblem, check_template, template_info
from attendance_desk.domain.roles import Permission
from attendance_desk.domain.support_map import SupportMap, support_map_from_dict
from attendance_desk.services.school import ServiceError
from attendance_desk.store.db import Store, local_text, now_iso
from attendance_desk.store.documents import (
    FORM,
    LETTER,
    LOGO,
    SIGNATURE,
    SUPPORT_MAP,
    DocumentVersion,
    digest,
    shipped_defaults,
)

KIND_NAMES = {
    LETTER: "letter template",
    FORM: "form template",
    SUPPORT_MAP: "support map",
    LOGO: "letterhead logo",
    SIGNATURE: "head's signature",
}
EDITABLE = (LETTER, FORM, SUPPORT_MAP, LOGO)
TEXT_LIMIT = 100_000  # characters: a letter is a page or two
IMAGE_LIMIT = 512 * 1024  # bytes: a logo is a small PNG or JPEG
NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class DocumentSummary:
    kind: str
    name: str
    version: int
    state: str  # "as shipped", "edited", "removed"
    recorded_by: str
    recorded_at: str  # local time, ISO
    reason: str
    title: str = ""  # as people know it: a letter's `Name:`, a form's subject, a map's `name`

    @property
    def label(self) -> str:
        return f"{KIND_NAMES[self.kind]}: {self.name}"


def _summary(d: DocumentVersion) -> DocumentSummary:
    state = "removed" if d.content is None else "as shipped" if d.shipped else "edited"
    return DocumentSummary(
        d.kind,
        d.name,
        d.version,
        state,
        d.recorded_by,
        local_text(d.recorded_at) or "",
        d.reason,
        _title(d.kind, d.name, d.content),
    )


SPELT_OUT = {"sam": "School Attendance Meeting", "la": "local authority", "ews": "EWS"}


def _title(kind: str, name: str, content: bytes | None) -> str:
    """What the document is called where people see it (not its file name): a letter's `Name:`
    header, a form's subject up to its first placeholder, a support map's `name`."""
    words = name.removesuffix(".toml").split("_")
    plain = " ".join(SPELT_OUT.get(w, w) for w in words)
    plain = plain[:1].upper() + plain[1:]
    if content is None or kind == LOGO:
        return plain
    text = content.decode("utf-8", errors="replace")
    if kind == SUPPORT_MAP:
        try:
            return str(tomllib.loads(text).get("name") or plain)
        except tomllib.TOMLDecodeError:
            return plain
    if kind == LETTER:  # its `Name:` header, read as the Letter… dialog reads it
        try:
            return template_info(name, sources={name: text}).name
        except TemplateProblem:
            return plain
    for line in text.splitlines()[:5]:
        if line.startswith("Subject:"):
            return line.removeprefix("Subject:").split("{{")[0].strip(" :-") or plain
    return plain


# --- what the rest of the services read -------------------------------------------------------


def letter_sources(store: Store) -> dict[str, str]:
    return store.documents.texts(LETTER)


def form_sources(store: Store) -> dict[str, str]:
    return store.documents.texts(FORM)


def logo_image(store: Store) -> bytes | None:
    current = store.documents.current(LOGO, "logo")
    return current.content if current and current.content else None


def support_map_names(store: Store | None) -> list[str]:
    if store is None:
        names = sorted(n for k, n, _ in shipped_defaults() if k == SUPPORT_MAP)
    else:
        names = sorted(store.documents.texts(SUPPORT_MAP))
    return sorted(names, key=lambda n: n != "support_map.toml")  # the default first


def support_map_titles(store: Store | None) -> list[tuple[str, str]]:
    """(name, title) of each support map in the school's file, the default first: the title is the
    map's own `name`, what people call it."""
    texts = (
        {n: c for k, n, c in shipped_defaults() if k == SUPPORT_MAP}
        if store is None
        else {n: t.encode("utf-8") for n, t in store.documents.texts(SUPPORT_MAP).items()}
    )
    return [(n, _title(SUPPORT_MAP, n, texts.get(n))) for n in support_map_names(store)]


def parse_support_map(text: str, name: str) -> SupportMap:
    try:
        return support_map_from_dict(tomllib.loads(text))
    except (tomllib.TOMLDecodeError, ValueError, KeyError, TypeError) as exc:
        raise ServiceError(f"the support map {name} is not valid: {exc}") from None


def support_map_named(store: Store, name: str) -> SupportMap:
    text = store.documents.texts(SUPPORT_MAP).get(name)
    if text is None:
        raise ServiceError(
            f"no support map called {name} in the school's file "
            f"(there are: {', '.join(support_map_names(store))})"
        )
    return parse_support_map(text, name)


# --- looking and editing ----------------------------------------------------------------------


def writing_guide() -> str:
    """The guide to writing letters and forms (the header, every placeholder, the limits), as
    Markdown."""
    from attendance_desk.store.resources import letter_writing_guide

    return letter_writing_guide()


def list_documents(store: Store) -> list[DocumentSummary]:
    order = {kind: n for n, kind in enumerate(EDITABLE)}
    found = [d for d in store.documents.latest() if d.kind in order]
    return [_summary(d) for d in sorted(found, key=lambda d: (order[d.kind], d.name))]


def document_history(store: Store, kind: str, name: str) -> list[DocumentSummary]:
    versions = store.documents.history(_kind(kind), name)
    if not versions:
        raise ServiceError(f"no {KIND_NAMES[kind]} called {name}")
    return [_summary(d) for d in versions]


def document_content(store: Store, kind: str, name: str, version: int | None = None) -> bytes:
    kind = _kind(kind)
    found = (
        store.documents.version(kind, name, version)
        if version
        else store.documents.current(kind, name)
    )
    if found is None:
        what = f"version {version} of " if version else ""
        raise ServiceError(f"no {what}{KIND_NAMES[kind]} called {name}")
    if found.content is None:
        raise ServiceError(f"the {KIND_NAMES[kind]} {name} was removed (version {found.version})")
    return found.content


def save_document(
    store: Store, by: str, kind: str, name: str, content: bytes | None, reason: str = ""
) -> int:
    """A new version of one of the school's documents, checked first; returns its number. `None`
    removes a logo (templates and support maps are changed, not removed)."""
    from attendance_desk.services.users import authorize

    kind = _kind(kind)
    if kind == SIGNATURE:
        raise ServiceError(
            "the head's signature is stored by the head, signed in (Settings → School, or "
            "'attendance-desk user signature')"
        )
    authorize(store, by, Permission.SETTINGS)
    reason = reason.strip()
    _check(store, kind, name, content)
    current = store.documents.current(kind, name)
    if content is None and (current is None or current.content is None):
        raise ServiceError(f"there is no {KIND_NAMES[kind]} to remove")
    if current is not None and current.content == content:
        raise ServiceError(f"the {KIND_NAMES[kind]} {name} is already like this: nothing to save")
    shipped = _shipped_digest(kind, name, content)
    with store.write():
        version = store.documents.save(kind, name, content, by, now_iso(), reason, shipped)
        what = "removed" if content is None else "back to the shipped default" if shipped else ""
        store.audit.log(
            by,
            f"school document changed: {KIND_NAMES[kind]}",
            name,
            f"version {version}"
            + (f" ({what})" if what else "")
            + (f": {reason}" if reason else ""),
        )
    return version


def restore_shipped(store: Store, by: str, kind: str, name: str) -> int:
    """Back to the wording shipped with this version of Attendance Desk (a new version)."""
    kind = _kind(kind)
    for k, n, content in shipped_defaults():
        if (k, n) == (kind, name):
            return save_document(store, by, kind, name, content, "back to the shipped default")
    raise ServiceError(f"Attendance Desk ships no {KIND_NAMES[kind]} called {name}")


def set_logo(store: Store, by: str, image: bytes | None) -> int:
    return save_document(store, by, LOGO, "logo", image, "stored" if image else "removed")


# --- checks -----------------------------------------------------------------------------------


def _kind(kind: str) -> str:
    kind = kind.replace("-", "_")
    if kind not in KIND_NAMES:
        raise ServiceError(f"no kind of document called {kind} (there are: {', '.join(EDITABLE)})")
    return kind


def _shipped_digest(kind: str, name: str, content: bytes | None) -> str | None:
    if content is None:
        return None
    for k, n, shipped in shipped_defaults():
        if (k, n) == (kind, name) and shipped == content:
            return digest(content)
    return None


def _text(kind: str, name: str, content: bytes | None) -> str:
    if content is None:
        raise ServiceError(
            f"a {KIND_NAMES[kind]} cannot be removed: change it, or go back to the default"
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError(f"the {KIND_NAMES[kind]} {name} must be text (UTF-8)") from None
    if len(text) > TEXT_LIMIT:
        raise ServiceError(
            f"the {KIND_NAMES[kind]} {name} has {len(text):,} characters; at most "
            f"{TEXT_LIMIT:,} are allowed"
        )
    if not text.strip():
        raise ServiceError(f"the {KIND_NAMES[kind]} {name} is empty")
    return text


def _check(store: Store, kind: str, name: str, content: bytes | None) -> None:
    if kind == LOGO:
        if name != "logo":
            raise ServiceError("the letterhead has one logo, called logo")
        if content is not None:
            _check_image(content)
        return
    text = _text(kind, name, content)
    if kind in (LETTER, FORM):
        sources = store.documents.texts(kind)
        if kind == FORM and name not in sources:
            raise ServiceError(
                f"no form called {name} (there are: {', '.join(sorted(sources))}): forms are "
                "edited, not added"
            )
        if not NAME.match(name):
            raise ServiceError(
                f"'{name}' cannot be a template's name: use lower-case letters, digits and _ "
                "(e.g. stage4_local)"
            )
        try:
            check_template(name, {**sources, name: text})
        except TemplateProblem as exc:
            raise ServiceError(f"not saved: {exc}") from None
        return
    if not name.endswith(".toml") or not NAME.match(name.removesuffix(".toml")):
        raise ServiceError(f"a support map's name ends in .toml, e.g. our_map.toml, not '{name}'")
    new = parse_support_map(text, name)
    if name == store.settings.school().support_map:
        before = support_map_named(store, name)
        gone = sorted({s.key for s in before.stages} - {s.key for s in new.stages})
        if new.name != before.name:
            raise ServiceError(
                f"not saved: {name} is the support map in use and pupils' stages are recorded "
                f"under its name '{before.name}'; keep the name, or save it under a new file "
                "name and switch to it"
            )
        if gone:
            raise ServiceError(
                f"not saved: {name} is the support map in use and pupils' stages refer to "
                f"{', '.join(gone)}; keep those stage keys (change names, thresholds and wording "
                "freely), or save it under a new name and switch to it, which carries every open "
                "stage over"
            )


def _check_image(content: bytes) -> None:
    if not (content.startswith(b"\x89PNG\r\n\x1a\n") or content.startswith(b"\xff\xd8\xff")):
        raise ServiceError("the logo must be a PNG or JPEG image")
    if len(content) > IMAGE_LIMIT:
        raise ServiceError(
            f"the logo image is {len(content) // 1024} KB: keep it under {IMAGE_LIMIT // 1024} KB"
        )
