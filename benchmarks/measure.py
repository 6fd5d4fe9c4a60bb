"""Run the command line in this process and report its own peak memory:
`python benchmarks/measure.py ARGS...`. Peak RSS is read from /proc (VmHWM belongs to the address
space, which exec replaces); getrusage's ru_maxrss would still count the pages of the benchmark
process this one was forked from."""

import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from attendance_desk.cli import main  # noqa: E402

start = time.perf_counter()
status = main(sys.argv[1:])
proc_status = Path("/proc/self/status")
if proc_status.exists():
    peak = (
        next(
            int(line.split()[1])
            for line in proc_status.read_text().splitlines()
            if line.startswith("VmHWM")
        )
        / 1024
    )
else:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"MEASURE seconds={time.perf_counter() - start:.2f} peak_mb={peak:.0f}", file=sys.stderr)
sys.exit(status)
