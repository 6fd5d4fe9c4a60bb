"""Which backups to keep: the newest of each of the last 7 days, 4 weeks and 12 months that have one."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

DAILY, WEEKLY, MONTHLY = 7, 4, 12


def backups_to_keep(
    stamps: Iterable[datetime], daily: int = DAILY, weekly: int = WEEKLY, monthly: int = MONTHLY
) -> set[datetime]:
    """Grandfather-father-son rotation: newest first, keep the newest backup of each of the `daily` most
    recent days, `weekly` most recent ISO weeks and `monthly` most recent months."""
    newest_first = sorted(set(stamps), reverse=True)
    keep: set[datetime] = set()
    for count, key in (
        (daily, lambda s: s.date()),
        (weekly, lambda s: s.isocalendar()[:2]),
        (monthly, lambda s: (s.year, s.month)),
    ):
        seen: list = []
        for stamp in newest_first:
            period = key(stamp)
            if period not in seen:
                seen.append(period)
                if len(seen) > count:
                    break
                keep.add(stamp)
    return keep
