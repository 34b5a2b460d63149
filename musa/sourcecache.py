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
        self.hits = 0
        if path is not None and read:
            entries = read_cache(path, "sources", FORMAT)
            self.old = entries if isinstance(entries, dict) else {}

    def memo(self, key: str, step: Callable[[Diagnostics], T], diags: Diagnostics) -> T:
        """`step(diagnostics)`'s value, computed or taken from the cache; its diagnostics are added to `diags`."""
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
