"""Progress reporting for long jobs: a callback `progress(done, total)` (total 0 if not known yet).
The callback may raise Cancelled; the job then writes nothing."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int], None]


class Cancelled(Exception):
    """The user cancelled the job."""
