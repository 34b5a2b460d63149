"""Dates of teaching weeks: consecutive weeks from the programme start, skipping breaks."""

from __future__ import annotations

import datetime

DAY = datetime.timedelta(days=1)
WEEK = datetime.timedelta(days=7)


def as_date(value) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def in_break(day: datetime.date, breaks) -> bool:
    return any(start <= day <= end for start, end in breaks)


def week_starts(start: datetime.date, breaks, count: int) -> list[datetime.date]:
    """The first day of each of `count` teaching weeks; a week that would start in a break starts after it."""
    starts, day = [], start
    for _ in range(count):
        moved = True
        while moved:
            moved = False
            for b_start, b_end in breaks:
                if b_start <= day <= b_end:
                    day, moved = b_end + DAY, True
        starts.append(day)
        day += WEEK
    return starts


def week_of(day: datetime.date, starts) -> int | None:
    """The 1-based teaching week holding `day`, or None."""
    for number, first in enumerate(starts, 1):
        if first <= day < first + WEEK:
            return number
    return None
