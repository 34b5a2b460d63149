"""The build's Markdown cache: what the Markdown parser made of each text, kept between builds.

A build keeps it in `<out>/.musa-markdown.cache`, so that a rebuild parses only the texts that changed (parsing
is most of a course's Markdown work; the allowlist still runs on every text, see musa/markdown.py). It is ignored
when musa-build's code, the Python running it or its libraries differ from those that wrote it, and when it cannot
be read. A build that renders every unit keeps only the texts it used; one that skips units keeps the earlier
entries too (the skipped units' texts), unless that would make more than LIMIT entries.
"""

from __future__ import annotations

from pathlib import Path

from .digests import read_cache, write_cache

FILE = ".musa-markdown.cache"
FORMAT = 1
LIMIT = 100_000


def read(out: Path) -> dict[str, str]:
    """The parser's HTML by text, as the last build in `out` left it; empty when there is none to trust."""
    parsed = read_cache(out / FILE, "markdown", FORMAT)
    return parsed if isinstance(parsed, dict) else {}


def save(out: Path, earlier: dict[str, str], used: dict[str, str], complete: bool) -> None:
    """Keep `used` (and, unless the build rendered every unit, `earlier`) for the next build, if it changed."""
    kept = {**earlier, **used}
    if complete or len(kept) > LIMIT:
        kept = dict(used)
    if kept != earlier:
        write_cache(out / FILE, "markdown", FORMAT, dict(sorted(kept.items())))
