"""Moodle backup ids: numbered in plan order per table, and hashes (site, backup, stamps) derived from source ids."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

STAMP_HOST = "musa-build.invalid"


def digest(*parts: str) -> str:
    return hashlib.md5("\x1f".join(("musa-build", *parts)).encode("utf-8")).hexdigest()


def stamp(when: str, *parts: str) -> str:
    """A Moodle-style stamp (host+yymmddHHMMSS+twelve hexadecimal digits), unique per source key, the same on every build."""
    return f"{STAMP_HOST}+{when}+{digest(*parts)[:12]}"


@dataclass
class Ids:
    """Hands out ids per table in the order asked, starting from 1 (contexts from 2: 1 is the system context)."""

    counters: dict[str, int] = field(default_factory=lambda: defaultdict(int, {"context": 1}))

    def next(self, table: str) -> int:
        self.counters[table] += 1
        return self.counters[table]

    def many(self, table: str, count: int) -> list[int]:
        return [self.next(table) for _ in range(count)]
