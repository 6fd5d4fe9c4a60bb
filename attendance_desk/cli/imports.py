"""`import` and `export`: files in from the MIS, workbooks and CTFs out."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from attendance_desk.cli.common import dmy, iso, real_today
from attendance_desk.domain.calendar import academic_year_bounds, academic_year_of
from attendance_desk.services.school import open_school


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import", help="import a CTF, or pupils, contacts or marks (CSV or XLSX); all or nothing"
    )
    p.add_argument("kind", choices=["ctf", "pupils", "contacts", "marks"])
    p.add_argument("file", type=Path)
    p.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
    p.set_defaults(func=import_command)

    p = sub.add_parser(
        "export", help="the attendance workbook (xlsx) or a Common Transfer File (ctf)"
    )
    p.add_argument("kind", choices=["xlsx", "ctf"])
    p.add_argument("file", type=Path)
    p.add_argument("--from", dest="start", type=iso, help="first date (default: 1 September)")
    p.add_argument("--to", dest="end", type=iso, help="last date (default: today)")
    p.set_defaults(func=export)


def import_command(args: argparse.Namespace) -> int:
    from attendance_desk.services.imports import import_file

    store = open_school(args.db)
    with store:
        report = import_file(
            store, args.kind, args.file, args.user, real_today(args), dry_run=args.dry_run
        )
    if not report.ok:
        for problem in report.problems:
            print(problem, file=sys.stderr)
        print(report.summary(), file=sys.stderr)
        return 1
    print(report.summary() + (" (dry run: nothing written)" if args.dry_run else ""))
    for note in report.notes:
        print(f"  {note}")
    if report.changes:
        first = f" (first {len(report.changes)})" if len(report.changes) < report.changed else ""
        print(f"  changes{first}:")
        for change in report.changes:
            print(f"    {change}")
    return 0


def export(args: argparse.Namespace) -> int:
    from attendance_desk.services.exports import export_ctf, export_xlsx

    start = args.start or academic_year_bounds(academic_year_of(args.today))[0]
    end = args.end or args.today
    store = open_school(args.db)
    with store:
        if args.kind == "xlsx":
            count = export_xlsx(store, args.file, start, end, by=args.user)
            print(f"Wrote {args.file}: {count} pupils, {dmy(start)} to {dmy(end)}.")
        else:
            written = export_ctf(store, args.file, academic_year_of(start), end, args.user)
            print(f"Wrote {args.file}: {written.pupils} pupils, {written.marks} marks.")
            for warning in written.warnings:
                print(f"warning: {warning}", file=sys.stderr)
    return 0
