"""`stats`: attendance figures per pupil or per group (school, year, class)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from attendance_desk.cli.common import dmy, iso, pct, print_json
from attendance_desk.domain.calendar import academic_year_bounds, academic_year_of
from attendance_desk.services.school import ServiceError, open_school

if TYPE_CHECKING:
    from attendance_desk.domain.people import Pupil
    from attendance_desk.services.figures import PupilFigures


def add_parsers(sub: argparse._SubParsersAction) -> None:
    from attendance_desk.services.figures import FLAG_FILTERS

    p = sub.add_parser("stats", help="per-pupil attendance figures")
    p.add_argument("--from", dest="start", type=iso, help="first date (default: 1 September)")
    p.add_argument("--to", dest="end", type=iso, help="last date (default: today)")
    p.add_argument("--upn", help="one pupil")
    p.add_argument("--year-group", help="one year group")
    p.add_argument("--reg-group", help="one registration group (class)")
    p.add_argument("--flag", choices=sorted(FLAG_FILTERS), help="a group: fsm, sen, cp, ...")
    p.add_argument(
        "--summary", choices=["school", "year", "class"], help="group totals instead of pupils"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=stats)


def _stats_rows(args: argparse.Namespace) -> tuple[date, date, list[PupilFigures]]:
    from attendance_desk.services import figures as figure_service
    from attendance_desk.services.marks import find_pupil

    start = args.start or academic_year_bounds(academic_year_of(args.today))[0]
    end = args.end or args.today
    if end < start:
        raise ServiceError("--to is before --from")
    tests: list[Callable[[Pupil], bool]] = []
    if args.year_group:
        tests.append(lambda p: p.year_group == args.year_group)
    if args.reg_group:
        tests.append(lambda p: p.reg_group == args.reg_group)
    if args.flag:
        tests.append(figure_service.FLAG_FILTERS[args.flag])
    with open_school(args.db) as store:
        if args.upn:
            upn = find_pupil(store, args.upn).upn
            tests.append(lambda p: p.upn == upn)
        keep = (lambda p: all(t(p) for t in tests)) if tests else None
        return start, end, figure_service.pupil_figures(store, start, end, keep=keep)


def stats(args: argparse.Namespace) -> int:
    from attendance_desk.services import figures as figure_service

    start, end, rows = _stats_rows(args)
    if args.json:
        print_json([r.as_json() for r in rows])
        return 0
    print(f"Attendance {dmy(start)} to {dmy(end)}")
    if args.summary:
        by = {
            "school": lambda p: "Whole school",
            "year": lambda p: f"Year {p.year_group}",
            "class": lambda p: p.reg_group,
        }[args.summary]
        groups = figure_service.group_summaries(rows, by)
        if args.summary != "school":
            groups.append(figure_service.summarise("Whole school", rows))
        print(
            f"{'Group':<14}{'Pupils':>7}{'Possible':>10}{'Attend.':>9}{'Auth.':>8}{'Unauth.':>9}"
            f"{'L':>6}{'U':>6}{'PA':>6}{'PA %':>7}{'SA':>5}{'PN':>5}{'Missing':>9}"
        )
        for g in groups:
            f = g.figures
            print(
                f"{g.label:<14}{g.pupils:>7}{f.possible:>10}{pct(f.attendance_pct):>9}"
                f"{pct(f.authorised_pct):>8}{pct(f.unauthorised_pct):>9}"
                f"{f.late_before_close:>6}{f.late_after_close:>6}"
                f"{g.persistent:>6}{pct(g.persistent_pct):>7}{g.severe:>5}{g.penalty_threshold:>5}"
                f"{f.missing:>9}"
            )
        print(
            "Pupils: those with possible sessions (the DfE leaves out enrolments with none). "
            "L/U: late before/after the register closed. PA: persistent absence (>= 10%); "
            "SA: severe (>= 50%); PN: at the penalty-notice threshold (10+ unauthorised sessions in "
            "10 school weeks, looking back before the period)"
        )
        if any(g.figures.missing for g in groups):
            print(
                "INCOMPLETE: some registers have missing marks (run `check` to list them); "
                "these figures will change when they are completed."
            )
        return 0
    print(
        f"{'UPN':<14}{'Name':<26}{'Class':<7}{'Poss.':>6}{'Pres.':>6}{'AEA':>4}{'Auth':>5}"
        f"{'Unau':>5}{'L':>4}{'U':>4}{'Attend.':>9}  Flags"
    )
    for r in rows:
        f = r.figures
        flags = " ".join(
            x
            for x, on in (
                ("PA", f.persistent),
                ("SA", f.severe),
                ("PN", r.penalty_threshold),
                (f"INCOMPLETE({f.missing} missing)", f.incomplete),
            )
            if on
        )
        print(
            f"{r.pupil.upn:<14}{r.pupil.name[:25]:<26}{r.pupil.reg_group:<7}{f.possible:>6}"
            f"{f.present:>6}{f.aea:>4}{f.authorised:>5}{f.unauthorised:>5}"
            f"{f.late_before_close:>4}{f.late_after_close:>4}{pct(f.attendance_pct):>9}  {flags}"
        )
    return 0
