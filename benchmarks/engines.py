"""SQLite and PostgreSQL side by side on the same school (issue 16, docs/server.md step 8): the
2,000-pupil, five-year school of `benchmarks/figures.py`, as a school file and copied onto a
throwaway local PostgreSQL server, measured in one run, interleaved (SQLite, PostgreSQL, then
PostgreSQL, SQLite, …), each through the services the window and the command line call:

- whole-school figures: `dashboard.period_board` for the year to date (the dashboard's first numbers);
- Today: `calls.call_list` for the morning (the first-day-call list);
- a register save: `registers.save_register`, one class's afternoon register of the last day (each
  run another class, the same class on both engines, so each run does the same work on both);
- 200 letters: `letters.make_letters`, a stage-1 letter to each contact of 100 pupils (the rows
  and the letter log on the engine, the PDF in a local folder);
- the CTF import: `imports.import_file(kind="ctf")` of the school's own year (2,000 pupils,
  ~760,000 marks, exported once from the file) into an empty school, a new one each run.

    .venv/bin/python benchmarks/figures.py --keep /tmp/bench2000 --reuse   # the school, once
    .venv/bin/python benchmarks/engines.py [--school /tmp/bench2000/school.sqlite] [--runs 5]

The school file is copied to a working folder (never changed). The server is a throwaway cluster
(initdb and pg_ctl in a temporary folder, a Unix socket only, fsync on, PostgreSQL's default
settings): the school is copied onto it by `store.copy.copy_school` (ids kept, chains verified),
then `VACUUM ANALYZE` (what autovacuum does within a minute of such a load). The program's store
on the server is opened as a login in the application's role (`attendance_app`), as a PC would.
With `--server DIR` the cluster and the copied school are kept in DIR and reused by the next run
(each run works on a fresh copy of the copied school, so it starts from the file's state).

Each figure: wall time (what the user waits for), this process's CPU time, and on PostgreSQL the
server's CPU as well: the connection's own backend (/proc/<pid>/schedstat) and every other process
of the cluster (WAL writer, checkpointer, autovacuum: /proc/<pid>/stat, 10 ms ticks). Median and
range of the runs. The results of the figures and of Today are checked equal on both engines.
The machine's load average is printed before and after: the times mean little without it.

The cluster code is a small copy of tests/engines.py's `pg_cluster` (a pytest fixture there)."""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from attendance_desk.domain.calendar import academic_year_of  # noqa: E402
from attendance_desk.services.calls import call_list  # noqa: E402
from attendance_desk.services.dashboard import period_board  # noqa: E402
from attendance_desk.services.exports import export_ctf  # noqa: E402
from attendance_desk.services.imports import import_file  # noqa: E402
from attendance_desk.services.letters import make_letters  # noqa: E402
from attendance_desk.services.registers import save_register  # noqa: E402
from attendance_desk.services.school import create_school  # noqa: E402
from attendance_desk.services.server import connect_to_server  # noqa: E402
from attendance_desk.store.db import Store, open_store  # noqa: E402
from attendance_desk.store.schema import SCHEMA_VERSION  # noqa: E402

TODAY = date(2026, 7, 17)  # benchmarks/figures.py's school: the last day of a full school year
BASE = "school_base"  # the school as copied from the file (never opened by the measured runs)
EMPTY = "empty_base"  # an empty school, migrated: each CTF import's target is a copy
LOGIN = "bench_pc"  # one PC's login in the application's role
SUPER = "postgres"
CTF_URN = "444444"
LETTER_PUPILS = 110  # most have two contacts with an address: about 200 letters
ROUND_TRIPS = 1000


# ---------------------------------------------------------------- the throwaway cluster


def _bindir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not versions:
        sys.exit("PostgreSQL (initdb, pg_ctl) is not installed: apt-get install postgresql")
    return Path(versions[-1]).parent


def _as_owner(args: list[str]) -> list[str]:
    """initdb refuses root: as root the cluster belongs to `postgres`."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@dataclass
class Cluster:
    root: Path
    superuser: str
    bindir: Path = field(default_factory=_bindir)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def host(self) -> str:
        return str(self.root / "run")

    def pg_ctl(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            _as_owner([str(self.bindir / "pg_ctl"), "-D", str(self.data), *args]),
            capture_output=True,
            text=True,
            timeout=600,
        )

    def start(self) -> None:
        """initdb if the folder is new (fsync on: a benchmark, not a test), then start on a Unix
        socket only (no TCP)."""
        fresh = not (self.data / "PG_VERSION").exists()
        if fresh:
            (self.root / "run").mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(self.root, "postgres")
                shutil.chown(self.root / "run", "postgres")
            subprocess.run(
                _as_owner(
                    [str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust"]
                    + ["-U", self.superuser]
                ),
                check=True,
                capture_output=True,
                text=True,
                timeout=300,
            )
        if self.pg_ctl("status").returncode == 0:
            return
        started = self.pg_ctl(
            "-o",
            f"-k {self.host} -c listen_addresses=''",
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )
        if started.returncode != 0:
            sys.exit(f"pg_ctl start failed: {started.stdout}{started.stderr}")

    def stop(self) -> None:
        self.pg_ctl("-m", "fast", "stop")

    def admin(self, dbname: str = "postgres"):
        import psycopg

        return psycopg.connect(host=self.host, dbname=dbname, user=self.superuser, autocommit=True)

    def version(self) -> str:
        with self.admin() as conn:
            return conn.execute("SHOW server_version").fetchone()[0]

    def postmaster(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def exists(self, dbname: str) -> bool:
        with self.admin() as conn:
            return bool(
                conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
            )

    def copy_database(self, name: str, template: str) -> None:
        """A new database as a copy of `template` (FILE_COPY: the files copied, not written again
        through the WAL), with the database-level rights of store/postgres.py's roles_sql."""
        from attendance_desk.store.postgres import APP, OWNER

        with self.admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY")
            conn.execute(f"REVOKE ALL ON DATABASE {name} FROM PUBLIC")
            conn.execute(f"GRANT CONNECT ON DATABASE {name} TO {APP}, {OWNER}")
            conn.execute(f"GRANT TEMPORARY ON DATABASE {name} TO {APP}")

    def drop(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def store(self, dbname: str, user: str = LOGIN) -> Store:
        """The PC's login opens the school as the program does (`connect_to_server`: the version
        check, the shipped defaults); IT's login (the superuser here) by the engine itself."""
        from attendance_desk.store.postgres_engine import PostgresEngine

        if user == LOGIN:
            return connect_to_server(f"host={self.host} dbname={dbname} user={user}")
        engine = PostgresEngine.connect(host=self.host, dbname=dbname, user=user)
        return Store(Path(f"postgresql://{user}@localhost/{dbname}"), engine)


def migrated_database(cluster: Cluster, name: str) -> Store:
    """A new database with the two roles' rights and every migration (apply_pg, as IT would run
    `migrate`), opened by the superuser (who may act as the schema's owner, as IT's login)."""
    from attendance_desk.store.postgres import APP, OWNER, roles_sql
    from attendance_desk.store.schema_pg import apply_pg

    with cluster.admin() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
        have = {r[0] for r in conn.execute("SELECT rolname FROM pg_roles")}
    sql = roles_sql(name)
    if OWNER in have:  # the roles belong to the cluster: made once
        sql = "\n".join(line for line in sql.splitlines() if not line.startswith("CREATE ROLE"))
    with cluster.admin(name) as conn:
        conn.execute(sql)
        if LOGIN not in have:
            conn.execute(f"CREATE ROLE {LOGIN} LOGIN IN ROLE {APP}")
    store = cluster.store(name, cluster.superuser)
    apply_pg(store.engine)
    return store


def prepare_server(cluster: Cluster, school: Path) -> None:
    """The school copied onto the server (once; kept with --server) and an empty migrated school."""
    from attendance_desk.store.copy import copy_school

    if not cluster.exists(BASE):
        target = migrated_database(cluster, BASE)
        source = open_store(school)
        t0 = time.perf_counter()
        result = copy_school(source, target)
        print(
            f"copied the school onto the server: {result.rows:,} rows in {len(result.tables)} "
            f"tables, verified, in {time.perf_counter() - t0:.0f} s (not measured)",
            flush=True,
        )
        source.close()
        target.close()
        t0 = time.perf_counter()
        with cluster.admin(BASE) as conn:
            conn.execute("VACUUM (ANALYZE)")
        print(f"VACUUM ANALYZE {time.perf_counter() - t0:.0f} s (not measured)", flush=True)
    if not cluster.exists(EMPTY):
        store = migrated_database(cluster, EMPTY)
        store.close()
        with cluster.admin(EMPTY) as conn:
            conn.execute("VACUUM (ANALYZE)")
        # the school's name and URN as create_school gives a new file (below, as the PC's login)
        cluster.copy_database("empty_tmp", EMPTY)
        made = cluster.store("empty_tmp")
        _name_school(made)
        made.close()
        cluster.drop(EMPTY)
        with cluster.admin() as conn:
            conn.execute(f"ALTER DATABASE empty_tmp RENAME TO {EMPTY}")


def _name_school(store: Store) -> None:
    from dataclasses import replace

    from attendance_desk.domain.records import SchoolSettings

    store.settings.save_school(replace(SchoolSettings(), name="CTF Test Academy", urn=CTF_URN))


# ---------------------------------------------------------------- CPU of this process and the server


def _ticks(pid: int) -> tuple[int, int, int]:
    """(ppid, own utime+stime, reaped children's cutime+cstime) in clock ticks, from /proc."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


def cluster_cpu(postmaster: int) -> float:
    """Seconds of CPU used so far by the whole cluster: the postmaster, its children alive now,
    and those that ended (reaped: counted in the postmaster's children's times)."""
    _, own, reaped = _ticks(postmaster)
    total = own + reaped
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            ppid, ticks, _ = _ticks(int(entry))
        except (OSError, ValueError, IndexError):
            continue
        if ppid == postmaster:
            total += ticks
    return total / os.sysconf("SC_CLK_TCK")


def backend_cpu(pid: int) -> float:
    """Seconds of CPU of one server process (the scheduler's own count, in nanoseconds)."""
    with open(f"/proc/{pid}/schedstat") as fh:
        return int(fh.read().split()[0]) / 1e9


@dataclass
class Took:
    wall: float
    cpu: float  # this process
    backend: float = 0.0  # the connection's server process
    other: float = 0.0  # every other process of the cluster

    @property
    def total(self) -> float:
        return self.cpu + self.backend + self.other


class Meter:
    """Times one call on one engine: wall, this process's CPU, the server's."""

    def __init__(self, postmaster: int | None = None):
        self.postmaster = postmaster

    def backends(self, store: Store) -> list[int]:
        if self.postmaster is None:
            return []
        return [store.query("SELECT pg_backend_pid()")[0][0]]

    @contextlib.contextmanager
    def measure(self, pids: list[int], into: list[Took]) -> Iterator[None]:
        server = self.postmaster is not None
        c0 = cluster_cpu(self.postmaster) if server else 0.0
        b0 = sum(backend_cpu(p) for p in pids)
        t0, p0 = time.perf_counter(), time.process_time()
        yield
        wall, cpu = time.perf_counter() - t0, time.process_time() - p0
        backend = sum(backend_cpu(p) for p in pids) - b0
        whole = cluster_cpu(self.postmaster) - c0 if server else 0.0
        into.append(Took(wall, cpu, backend, max(0.0, whole - backend)))


# ---------------------------------------------------------------- the work


@dataclass
class Engine:
    """One engine's side: its open school, how to make an empty school for a CTF, its meter."""

    name: str
    store: Store
    empty_school: Callable[[int], Store]
    drop_school: Callable[[Store], None]
    meter: Meter
    folder: Path
    sent: list[int] = field(default_factory=lambda: [0])  # statements sent to a server
    times: dict[str, list[Took]] = field(default_factory=dict)
    results: dict[str, list[Any]] = field(default_factory=dict)
    statements: dict[str, list[int]] = field(default_factory=dict)

    def run(self, what: str, fn: Callable[[Store], Any], store: Store | None = None) -> Any:
        store = store or self.store
        pids = self.meter.backends(store)
        before = self.sent[0]
        with self.meter.measure(pids, self.times.setdefault(what, [])):
            result = fn(store)
        self.statements.setdefault(what, []).append(self.sent[0] - before)
        self.results.setdefault(what, []).append(result)
        return result


def counted(store: Store, sent: list[int]) -> Store:
    """Count the statements a server's store sends (each its own round trip, but executemany's
    rows, which psycopg pipelines, and a COPY, which sends its rows as one stream)."""
    engine: Any = store.engine
    execute, executemany, copy_in = engine.conn.execute, engine.executemany, engine.copy_in

    def one(*args, **kwargs):
        sent[0] += 1
        return execute(*args, **kwargs)

    def many(sql, rows):
        rows = list(rows)
        sent[0] += len(rows)
        return executemany(sql, rows)

    def copied(table, columns, rows):
        sent[0] += 1
        return copy_in(table, columns, rows)

    engine.conn.execute, engine.executemany, engine.copy_in = one, many, copied
    return store


def comparable_board(board) -> tuple:
    """What the dashboard shows: the whole-school and year summaries, every pupil's figures (in
    no order: pupil_figures gives them in the order the engine reads them), and its lists."""
    return (
        board.school,
        tuple(board.by_year),
        sorted((r.pupil.upn, r.figures, r.penalty_threshold) for r in board.rows),  # any order
        tuple(r.pupil.upn for r in board.persistent),
        tuple(r.pupil.upn for r in board.penalty),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--school", type=Path, default=Path("/tmp/bench2000/school.sqlite"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ctf-runs", type=int, help="runs of the CTF import (default: --runs)")
    parser.add_argument("--server", type=Path, help="keep the cluster and the copied school here")
    parser.add_argument("--only", nargs="*", help="measure only these (figures today register …)")
    args = parser.parse_args()
    if not args.school.exists():
        sys.exit(
            f"{args.school} not found: build it with "
            f"`.venv/bin/python benchmarks/figures.py --keep {args.school.parent}`"
        )
    version = sqlite3.connect(args.school).execute("PRAGMA user_version").fetchone()[0]
    if version != SCHEMA_VERSION:
        sys.exit(
            f"{args.school} is at schema {version}, this program at {SCHEMA_VERSION}: bring it up "
            f"to date with `.venv/bin/python benchmarks/figures.py --keep {args.school.parent} --reuse`"
        )
    work = Path(tempfile.mkdtemp(prefix="ad-engines-"))
    cluster = Cluster(
        args.server or work / "pg", SUPER if os.geteuid() == 0 else os.environ["USER"]
    )
    try:
        measure(args, work, cluster)
    finally:
        if args.server is None:
            cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


def measure(args, work: Path, cluster: Cluster) -> None:
    t0 = time.perf_counter()
    path = work / "school.sqlite"
    shutil.copyfile(args.school, path)
    cluster.start()
    prepare_server(cluster, path)
    cluster.copy_database("school", BASE)
    lite = open_store(path)
    server = cluster.store("school")
    print(f"set up in {time.perf_counter() - t0:.0f} s (not measured)", flush=True)

    ctf = work / "school.xml"
    written = export_ctf(lite, ctf, academic_year_of(TODAY), TODAY)
    ctf_mb = ctf.stat().st_size / 1e6

    def sqlite_empty(n: int) -> Store:
        return create_school(work / f"ctf-{n}.sqlite", "CTF Test Academy", CTF_URN)

    def sqlite_drop(store: Store) -> None:
        store.close()
        for p in work.glob(f"{store.path.name}*"):
            p.unlink()

    sent = [0]

    def pg_empty(n: int) -> Store:
        cluster.copy_database(f"ctf_{n}", EMPTY)
        return counted(cluster.store(f"ctf_{n}"), sent)

    def pg_drop(store: Store) -> None:
        name = store.query("SELECT current_database()")[0][0]
        store.close()
        cluster.drop(name)

    engines = [
        Engine("SQLite", lite, sqlite_empty, sqlite_drop, Meter(), work / "sqlite"),
        Engine(
            "PostgreSQL",
            counted(server, sent),
            pg_empty,
            pg_drop,
            Meter(cluster.postmaster()),
            work / "postgres",
            sent,
        ),
    ]
    for e in engines:
        e.folder.mkdir()

    roll = lite.pupils.classes_on_roll(TODAY)
    taken = set(lite.marks.registers_taken(TODAY, "PM"))
    classes = sorted(set(roll.values()) - taken)
    assert set(server.marks.registers_taken(TODAY, "PM")) == taken
    if len(classes) < args.runs:
        sys.exit(f"only {len(classes)} classes' afternoon registers left to take on {TODAY}")
    pupils = sorted(lite.pupils.on_roll_between(TODAY, TODAY), key=lambda p: p.upn)[:LETTER_PUPILS]
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores shared with other work, "
        f"CPython {platform.python_version()}, SQLite {sqlite3.sqlite_version}, PostgreSQL "
        f"{cluster.version()} (local, Unix socket, fsync on, default settings), "
        f"{platform.system()} {platform.release()}"
    )
    print(
        f"School: {len(roll):,} pupils on roll on {TODAY:%d/%m/%Y}, "
        f"{lite.query('SELECT COUNT(*) FROM marks')[0][0]:,} marks, the same on both engines; "
        f"CTF: {written.pupils:,} pupils, {written.marks:,} marks, {ctf_mb:.0f} MB"
    )
    print("load average {:.2f} {:.2f} {:.2f} (before)".format(*os.getloadavg()), flush=True)

    def register(n: int) -> Callable[[Store], Any]:
        group = classes[n]
        ids = sorted(pid for pid, g in roll.items() if g == group)
        new = {(pid, TODAY, "PM"): ("N" if i % 9 == 4 else "\\") for i, pid in enumerate(ids)}
        return lambda store: save_register(store, group, new, {}, "", "", TODAY)

    def letters(e: Engine, n: int) -> Callable[[Store], Any]:
        return lambda store: (
            make_letters(
                store,
                "stage1",
                pupils,
                TODAY,
                "",
                e.folder / f"letters-{n}.pdf",
                override_reason=f"benchmark: the first {LETTER_PUPILS} pupils by UPN, not by stage",
            ).letters
        )

    wanted = set(args.only or LABELS)
    ctf_runs = args.ctf_runs if args.ctf_runs is not None else args.runs
    for n in range(max(args.runs, ctf_runs)):
        order = engines if n % 2 == 0 else engines[::-1]  # A B, B A, …: neither always first
        if n < args.runs:
            for what, make in (
                (
                    "statement",
                    lambda e, n: (
                        lambda s: sum(s.query("SELECT 1")[0][0] for _ in range(ROUND_TRIPS))
                    ),
                ),
                ("figures", lambda e, n: lambda s: comparable_board(period_board(s, TODAY))),
                ("today", lambda e, n: lambda s: call_list(s, TODAY, "AM")),
                ("register", lambda e, n: register(n)),
                ("letters", letters),
            ):
                if what in wanted:
                    for e in order:
                        e.run(what, make(e, n))
        if "ctf" in wanted and n < ctf_runs:
            for e in order:
                target = e.empty_school(n)
                done = e.run("ctf", lambda s: import_file(s, "ctf", ctf, "", TODAY), target)
                assert done.ok, done.summary()
                e.results["ctf"][-1] = (done.added, done.changed, done.rows)
                e.drop_school(target)
        walls = "; ".join(
            f"{what} " + " / ".join(f"{e.times[what][-1].wall:.2f}" for e in engines)
            for what in engines[0].times
            if len(engines[0].times[what]) == n + 1
        )
        print(
            f"  round {n + 1} (wall s, SQLite / PostgreSQL): {walls}; "
            f"load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
    print("load average {:.2f} {:.2f} {:.2f} (after)".format(*os.getloadavg()))

    a, b = engines
    for what in a.results:
        same = a.results[what] == b.results[what]
        assert same, f"{what}: the engines' results differ"
    report(engines, args, written)
    for e in engines:
        e.store.close()


LABELS = {
    "statement": "One statement (SELECT 1; of {n:,} in a row)",
    "figures": "Whole-school figures, year to date (dashboard)",
    "today": "Today: the morning's first-day-call list",
    "register": "A register save: one class, {n} marks",
    "letters": "{n} stage-1 letters, one batch ({p} pupils)",
    "ctf": "CTF import, {n:,} marks, into an empty school",
}


def _spread(values: list[float], scale: float = 1.0, unit: str = "s") -> str:
    values = [v * scale for v in values]
    med, d = statistics.median(values), 0 if unit == "µs" else 2
    if len(values) == 1:
        return f"{med:6.{d}f} {unit}"
    return f"{med:6.{d}f} {unit} ({min(values):.{d}f}–{max(values):.{d}f})"


def report(engines: list[Engine], args, written) -> None:
    lite, pg = engines
    med = statistics.median
    sizes = {
        "statement": ROUND_TRIPS,
        "register": med(r[0] for r in lite.results.get("register", [(0, 0)])),
        "letters": lite.results.get("letters", [0])[0],
        "ctf": written.marks,
    }
    print()
    print(
        f"{'':<52}{'SQLite':<36}{'PostgreSQL':<78}PostgreSQL / SQLite\n"
        f"{'':<52}{'wall':<24}{'CPU':<12}{'wall':<24}{'CPU: app + server = total':<40}"
        f"{'statements':<14}{'wall':<7}CPU"
    )
    for what, label in LABELS.items():
        if what not in lite.times:
            continue
        a, b = lite.times[what], pg.times[what]
        wall_a, wall_b = med(t.wall for t in a), med(t.wall for t in b)
        cpu_a, cpu_b = med(t.total for t in a), med(t.total for t in b)
        # the round trip's row: microseconds a statement (the time of 1,000 x 1,000)
        scale, unit = (1e6 / ROUND_TRIPS, "µs") if what == "statement" else (1.0, "s")
        d = 0 if unit == "µs" else 2
        cpu = (
            f"{med(t.cpu for t in b) * scale:.{d}f} + {med(t.backend for t in b) * scale:.{d}f} + "
            f"{med(t.other for t in b) * scale:.{d}f} = {cpu_b * scale:.{d}f} {unit}"
        )
        print(
            f"{label.format(n=int(sizes.get(what, 0)), p=LETTER_PUPILS):<52}"
            f"{_spread([t.wall for t in a], scale, unit):<24}{cpu_a * scale:6.{d}f} {unit}    "
            f"{_spread([t.wall for t in b], scale, unit):<24}{cpu:<40}"
            f"{int(med(pg.statements[what]) / (ROUND_TRIPS if what == 'statement' else 1)):>10,}"
            f"    {wall_b / wall_a:5.1f}x {cpu_b / cpu_a:5.1f}x"
        )
    ctf_runs = args.ctf_runs if args.ctf_runs is not None else args.runs
    print(
        f"median (range) of {args.runs} runs each"
        + (f", the CTF import {ctf_runs}" if ctf_runs != args.runs else "")
        + ". CPU on PostgreSQL: this process + the connection's server process + the cluster's "
        "other processes (parallel workers, WAL writer, checkpointer, autovacuum); CPU on SQLite is "
        "this process alone (SQLite runs in it). statements: sent to the server, each a round trip "
        "(executemany's rows pipelined, a COPY one)"
    )


if __name__ == "__main__":
    main()
