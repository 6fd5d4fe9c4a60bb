"""Run the command line in this process and report its own peak memory (a fork's inherited pages
would inflate RUSAGE_CHILDREN in the caller): `python benchmarks/measure.py ARGS...`."""

import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from attendance_desk.cli import main  # noqa: E402

start = time.perf_counter()
status = main(sys.argv[1:])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"MEASURE seconds={time.perf_counter() - start:.2f} peak_mb={peak:.0f}", file=sys.stderr)
sys.exit(status)
