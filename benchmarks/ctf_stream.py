"""A CTF dry run of a ~100 MB file: peak memory of the importing process, and how long another
process waits to save meanwhile (issue 13 item 6). Not a timed test.

`python benchmarks/ctf_stream.py [--mb 100] [--keep DIR]`

The synthetic file: 2,000 pupils of this school, each with five years of session marks (3.8 million
marks in all, read, checked and compared with the file's marks), two contacts with addresses and
phones, and a block of assessment results (which real CTFs carry and the importer does not read)
sized so the file reaches the size asked for. The importer runs as the command line does
(`import ctf FILE --dry-run`) in its own process (benchmarks/measure.py reports its VmHWM); a second
process saves to the school file (BEGIN IMMEDIATE, one row, commit) every 50 ms throughout and
records how long each save waited for the write lock."""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from attendance_desk.domain.upn import make_upn  # noqa: E402
from attendance_desk.services.school import create_school  # noqa: E402

LA, ESTAB = "881", "4001"
PUPILS = 2_000
YEARS = (2020, 2021, 2022, 2023, 2024)


def _marks(rng: random.Random, start: date, count: int) -> tuple[str, dict[str, int]]:
    chars, possible, attended, authorised, unauthorised = [], 0, 0, 0, 0
    day = start
    while len(chars) < count:
        if day.weekday() < 5:
            for _ in ("AM", "PM"):
                roll = rng.random()
                code = "/" if roll < 0.9 else "I" if roll < 0.96 else "O"
                chars.append(code)
                possible += 1
                attended += code == "/"
                authorised += code == "I"
                unauthorised += code == "O"
        day += timedelta(days=1)
    return "".join(chars[:count]), {
        "SessionsPossible": possible,
        "SessionsAttended": attended,
        "SessionsAuthorised": authorised,
        "SessionsUnauthorised": unauthorised,
    }


def write_ctf(path: Path, megabytes: int, seed: int = 1) -> int:
    rng = random.Random(seed)
    target = megabytes * 1_000_000
    filler_each = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<CTfile><Header><DocumentName>Common Transfer File'
            f"</DocumentName><CTFversion>25.0</CTFversion><SourceSchool><LEA>{LA}</LEA><Estab>{ESTAB}</Estab>"
            f"<SchoolName>Benchmark School</SchoolName></SourceSchool><DestSchool><LEA>{LA}</LEA>"
            f"<Estab>{ESTAB}</Estab></DestSchool></Header>\n<CTFpupilData>\n"
        )
        for n in range(1, PUPILS + 1):
            parts = [
                f"<Pupil><UPN>{make_upn(881, 4001, 10 + n // 1000, n % 1000)}</UPN><Surname>Surname{n}</Surname>"
                f"<Forename>Pupil{n}</Forename><DOB>2010-05-01</DOB><Sex>{'MF'[n % 2]}</Sex>"
                f"<Address><BS7666Address><PAON>{n}</PAON><Street>Mill Lane</Street><Town>Northbridge</Town>"
                f"</BS7666Address><Postcode>NB1 2AB</Postcode></Address><Contacts>"
            ]
            for c, (first, rel) in enumerate((("Anna", "Mother"), ("Tom", "Father")), start=1):
                parts.append(
                    f"<Contact><Order>{c}</Order><Forename>{first}</Forename><Surname>Surname{n}</Surname>"
                    f"<Relationship>{rel}</Relationship><Responsibility>true</Responsibility><Address>"
                    f"<AddressAsPupil>true</AddressAsPupil></Address><Phones><Phone><TelephoneType>M"
                    f"</TelephoneType><PhoneNo>07700 9{n:05d}</PhoneNo></Phone></Phones></Contact>"
                )
            parts.append("</Contacts><Attendance>")
            for year in YEARS:
                marks, totals = _marks(
                    rng,
                    date(year, 9, 1) + timedelta(days=(7 - date(year, 9, 1).weekday()) % 7),
                    380,
                )
                parts.append(
                    f"<YearData><Year>{year}</Year><LEA>{LA}</LEA><Estab>{ESTAB}</Estab>"
                    + "".join(f"<{k}>{v}</{k}>" for k, v in totals.items())
                    + f"<AttendSessions><AttendanceStartDate>{date(year, 9, 1) + timedelta(days=(7 - date(year, 9, 1).weekday()) % 7)}"
                    f"</AttendanceStartDate><AttendanceMarks>{marks}</AttendanceMarks></AttendSessions></YearData>"
                )
            parts.append("</Attendance>")
            body = "".join(parts)
            if n == 1:
                filler_each = max(0, target // PUPILS - len(body) - 20)
            result = "<Result><Subject>MAT</Subject><Method>TA</Method><Value>EXS</Value></Result>"
            parts.append(
                "<Assessments>" + result * (filler_each // len(result)) + "</Assessments></Pupil>\n"
            )
            out.write(body + parts[-1])
        out.write("</CTFpupilData></CTfile>\n")
    return path.stat().st_size


def saver(db: Path, stop: threading.Event, waits: list[float]) -> None:
    conn = sqlite3.connect(str(db), timeout=60, isolation_level=None)
    while not stop.is_set():
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "UPDATE settings SET value = value WHERE key = (SELECT key FROM settings LIMIT 1)"
        )
        conn.execute("COMMIT")
        waits.append(time.perf_counter() - started)
        time.sleep(0.05)
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="ctf-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    ctf = folder / "big.xml"
    size = write_ctf(ctf, args.mb)
    db = folder / "school.sqlite"
    db.unlink(missing_ok=True)
    store = create_school(db, "Benchmark School", "100001")
    store.settings.save_school(replace(store.settings.school(), la_number=LA, estab_number=ESTAB))
    store.close()
    waits: list[float] = []
    stop = threading.Event()
    thread = threading.Thread(target=saver, args=(db, stop, waits))
    thread.start()
    started = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "measure.py"),
            "--db",
            str(db),
            "import",
            "ctf",
            str(ctf),
            "--dry-run",
        ],
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    stop.set()
    thread.join()
    measure = dict(kv.split("=") for kv in proc.stderr.strip().splitlines()[-1].split()[1:])
    report = {
        "file_mb": round(size / 1e6, 1),
        "pupils": PUPILS,
        "exit": proc.returncode,
        "summary": proc.stdout.strip().splitlines()[0]
        if proc.stdout.strip()
        else proc.stderr[-300:],
        "seconds": round(elapsed, 1),
        "peak_mb": int(measure["peak_mb"]),
        "saves_meanwhile": len(waits),
        "longest_save_wait_s": round(max(waits), 3) if waits else None,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
