"""The build's Markdown cache: what the Markdown parser made of each text, kept between builds.

A build keeps it in `<out>/.musa-markdown.cache`, so that a rebuild parses only the texts that changed (parsing
is most of a course's Markdown work; the allowlist still runs on every text, see musa/markdown.py). It is ignored
when musa-build's code, the Python running it or its libraries differ from those that wrote it, and when it cannot
be read. A build that renders every unit keeps only the texts it used; one that skips units keeps the earlier
entries too (the skipped units' texts), unless that would make more than LIMIT entries.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

from . import __version__
from .archive import write_atomic
from .digests import code_digest, libraries_digest

FILE = ".musa-markdown.cache"
FORMAT = 1
LIMIT = 100_000


def _header() -> tuple:
    return FORMAT, __version__, sys.version, code_digest(), libraries_digest()


def read(out: Path) -> dict[str, str]:
    """The parser's HTML by text, as the last build in `out` left it; empty when there is none to trust."""
    try:
        header, parsed = pickle.loads((out / FILE).read_bytes())
    except Exception:  # absent, damaged or foreign: a cache only saves time
        return {}
    if header != _header() or not isinstance(parsed, dict):
        return {}
    return parsed


def save(out: Path, earlier: dict[str, str], used: dict[str, str], complete: bool) -> None:
    """Keep `used` (and, unless the build rendered every unit, `earlier`) for the next build, if it changed."""
    kept = {**earlier, **used}
    if complete or len(kept) > LIMIT:
        kept = dict(used)
    if kept == earlier:
        return
    write_atomic(out / FILE, pickle.dumps((_header(), dict(sorted(kept.items()))), protocol=pickle.HIGHEST_PROTOCOL),
                 durable=False)
