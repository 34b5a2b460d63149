"""The build's Markdown cache: what the Markdown parser made of each text, kept between builds.

A build keeps it in `<out>/.musa-markdown.cache`, so that a rebuild parses only the texts that changed (parsing
is most of a course's Markdown work; the allowlist still runs on every text, see musa/markdown.py). It is ignored
when musa-build's code, the Python running it or its libraries differ from those that wrote it, and when it cannot
be read.

A build that renders every unit keeps only the texts it used: the live set, whose size it notes. One that skips
units keeps the earlier entries too (the skipped units' texts), new texts last. Each edit of a text leaves its
earlier version behind, so once the entries hold more than twice the live set (and more than FLOOR characters),
the oldest go first: a long editing session does not make every build read a larger file. A text dropped that
was still current is parsed again when its unit is rebuilt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .digests import read_cache, write_cache

FILE = ".musa-markdown.cache"
FORMAT = 2
FLOOR = 1_000_000  # characters of texts and HTML kept whatever the live set


@dataclass
class Cached:
    """The parser's HTML by text, the oldest first, and the characters of the live set."""

    parsed: dict[str, str] = field(default_factory=dict)
    live: int = 0


def size(parsed: dict[str, str]) -> int:
    return sum(len(text) + len(html) for text, html in parsed.items())


def read(out: Path) -> Cached:
    """What the last build in `out` left; empty when there is none to trust."""
    value = read_cache(out / FILE, "markdown", FORMAT)
    try:
        parsed, live = value
    except (TypeError, ValueError):
        return Cached()
    return Cached(parsed, live) if isinstance(parsed, dict) and isinstance(live, int) else Cached()


def save(out: Path, earlier: Cached, used: dict[str, str], complete: bool) -> None:
    """Keep `used` (and, unless the build rendered every unit, the entries of `earlier` within the bound) for
    the next build, if anything changed."""
    if complete:
        kept, live = dict(sorted(used.items())), size(used)
    else:
        kept, live = {**earlier.parsed, **used}, earlier.live
        over = size(kept) - max(2 * live, FLOOR) if len(kept) > len(earlier.parsed) else 0
        for text in list(kept) if over > 0 else ():  # the oldest first, until within the bound
            over -= len(text) + len(kept.pop(text))
            if over <= 0:
                break
    if kept != earlier.parsed or live != earlier.live:
        write_cache(out / FILE, "markdown", FORMAT, (kept, live))
