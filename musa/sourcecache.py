"""The load stage's cache: what reading and checking one source file gave, kept between builds.

A build keeps it in `<out>/.musa-sources.cache`. Each entry is keyed by the digest of everything its result
depends on (the file's kind, path and bytes, and for rules the Markdown bodies too) and holds the value and the
diagnostics the work produced; a hit replays the diagnostics, so a cached load reports exactly what a fresh one
does. The whole file is ignored when musa-build's code, the Python running it or the libraries it reads YAML
with differ from those that wrote it,
and when it cannot be read; it is only a cache, and holds only the entries the last load used.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import Callable, TypeVar

from .digests import read_cache, write_cache
from .errors import Diagnostics
from .forkmap import fork_map

FILE = ".musa-sources.cache"
FORMAT = 2
T = TypeVar("T")


def key_of(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


class SourceCache:
    """Results of pure steps of the load stage by key. Without a path it stores nothing and every step runs."""

    def __init__(self, path: Path | None = None, read: bool = True):
        self.path = path
        self.old: dict[str, bytes] = {}
        self.new: dict[str, bytes] = {}
        self.ready: dict[str, tuple] = {}  # values and diagnostics computed ahead by `prepare`, not yet asked for
        self.hits = 0
        if path is not None and read:
            entries = read_cache(path, "sources", FORMAT)
            self.old = entries if isinstance(entries, dict) else {}

    def prepare(self, steps: dict[str, tuple[Callable[[Diagnostics], object], int]]) -> None:
        """Compute ahead the steps (by key: the step and the size of its input) that the cache does not hold, on two
        cores when they are many enough to pay for a process (see musa/forkmap.py); `memo` then takes their
        results."""
        todo = [(key, step) for key, (step, _) in steps.items() if key not in self.old and key not in self.ready]
        computed = fork_map(lambda job: _run(job[1]), todo, [steps[key][1] for key, _ in todo])
        self.ready.update(zip((key for key, _ in todo), computed))

    def memo(self, key: str, step: Callable[[Diagnostics], T], diags: Diagnostics) -> T:
        """`step(diagnostics)`'s value, computed or taken from the cache; its diagnostics are added to `diags`."""
        ready = self.ready.pop(key, None)
        if ready is not None:
            value, items = ready
            if self.path is not None:
                self.new[key] = pickle.dumps(ready, protocol=pickle.HIGHEST_PROTOCOL)
            diags.add_all(items)
            return value
        if self.path is None:
            return step(diags)
        blob = self.old.get(key)
        if blob is not None:
            try:
                value, items = pickle.loads(blob)
            except Exception:
                blob = None
            else:
                self.hits += 1
        if blob is None:
            local = Diagnostics()
            value = step(local)
            items = local.items
            blob = pickle.dumps((value, items), protocol=pickle.HIGHEST_PROTOCOL)
        self.new[key] = blob
        diags.add_all(items)
        return value

    def save(self) -> None:
        """Write the entries this load used, unless they are exactly those already on disk."""
        if self.path is None or self.new.keys() == self.old.keys():
            return
        write_cache(self.path, "sources", FORMAT, self.new)


def _run(step: Callable[[Diagnostics], object]) -> tuple:
    """A step's value and diagnostics."""
    local = Diagnostics()
    value = step(local)
    return value, local.items
