"""The school's own documents, kept in its file and versioned: `documents list`, `show`, `history`,
`set` (from a file), `default` (back to the shipped wording), `export`; the logo with `set logo logo
FILE` (or `--remove`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from attendance_desk.presentation import when_text
from attendance_desk.services.school import ServiceError, open_school

KIND_CHOICES = ["letter", "form", "support-map", "logo"]


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "documents",
        help="the school's letter and form templates, support maps and logo, kept in the school "
        "file with every version: list, show, history, set, default, export",
    )
    p.add_argument("action", choices=["list", "show", "history", "set", "default", "export"])
    p.add_argument("kind", nargs="?", choices=KIND_CHOICES)
    p.add_argument(
        "name", nargs="?", help="e.g. stage1, parenting_contract, support_map.toml, logo"
    )
    p.add_argument(
        "file", nargs="?", type=Path, help="with set: the new text or image; export: where"
    )
    p.add_argument("--version", type=int, help="with show or export: an earlier version")
    p.add_argument("--reason", default="", help="with set: why it changed (kept with the version)")
    p.add_argument("--remove", action="store_true", help="with set logo: take the logo off")
    p.set_defaults(func=documents)


def _needs(args: argparse.Namespace, *what: str) -> None:
    missing = [w for w in what if not getattr(args, w)]
    if missing:
        raise ServiceError(f"documents {args.action} needs the {' and the '.join(missing)}")


def documents(args: argparse.Namespace) -> int:
    from attendance_desk.services import school_documents as docs

    with open_school(args.db) as store:
        kind = (args.kind or "").replace("-", "_")
        if args.action == "list":
            for d in docs.list_documents(store):
                print(
                    f"{d.kind.replace('_', '-'):<12} {d.name:<28} v{d.version:<3} {d.state:<10} "
                    f"{d.recorded_by} {when_text(d.recorded_at)}"
                )
            return 0
        _needs(args, "kind", "name")
        if args.action == "history":
            for d in docs.document_history(store, kind, args.name):
                reason = f": {d.reason}" if d.reason else ""
                print(
                    f"v{d.version:<3} {d.state:<10} {d.recorded_by} {when_text(d.recorded_at)}{reason}"
                )
            return 0
        if args.action in ("show", "export"):
            content = docs.document_content(store, kind, args.name, args.version)
            if args.action == "export":
                _needs(args, "file")
                if args.file.exists():
                    raise ServiceError(f"{args.file} already exists: choose another name")
                args.file.write_bytes(content)
                print(f"Written to {args.file} ({len(content)} bytes).")
            elif kind == "logo":
                raise ServiceError("the logo is an image: use 'documents export logo logo FILE'")
            else:
                sys.stdout.write(content.decode("utf-8"))
            return 0
        if args.action == "default":
            version = docs.restore_shipped(store, args.user, kind, args.name)
            print(f"{args.name} is back to the shipped wording (version {version}).")
            return 0
        if args.remove:
            if kind != "logo":
                raise ServiceError("only the logo can be removed; change the others instead")
            version = docs.set_logo(store, args.user, None)
            print(f"The logo is removed from the letterhead (version {version}).")
            return 0
        _needs(args, "file")
        try:
            content = args.file.read_bytes()
        except OSError as exc:
            raise ServiceError(f"could not read {args.file}: {exc.strerror}") from None
        version = docs.save_document(store, args.user, kind, args.name, content, args.reason)
        print(f"{args.name}: version {version} saved in the school file.")
        return 0
