"""Renders remembered between builds: a rebuild renders again only the files whose inputs changed.

An exporter renders a group of files through `Exporter.remember(method, **context)` when `method` reads nothing but
its arguments and the target's templates, filters and globals, and gives its templates nothing else (a template
cannot read a name it is not given: Jinja's StrictUndefined). Such a render is keyed by the method's name, the
digest of `context` pickled and the target's settings (its templates, name, language and archive time). The model
and what exporters make of it are trees of frozen dataclasses, strings, numbers and dates; in that pickle a part of
the model that many renders read, such as a question or a lesson, stands as its own digest, taken once per process
and build (the digest of what it was made from when the load stage gave it one, else of its content), and a value
a render returned stands as that render's key (see `share`). A unit keeps the renders it made in its note
(musa/packs.py, whose header names the code, Python and libraries that wrote it); the next build of that unit takes
a render whose key is the same instead of rendering it again. The bytes are those of a fresh render either way: a
test builds every target after edits and compares it with a build into an empty folder.
"""

from __future__ import annotations

import contextlib
import hashlib
from typing import Callable, Iterator

from .digests import ValueDigests
from .model import Assignment, Competence, Criterion, Lesson, Outcome, Question, Quiz

# The parts of the model that the renders of every target read (each in several targets' renders): hashed once,
# however many keys they are in.
SHARED_PARTS = (Competence, Lesson, Quiz, Question, Assignment, Criterion, Outcome)
# ... and the types an exporter remembers and then passes on to other renders (see `share`).
_SHARED: list[type] = list(SHARED_PARTS)


def share(*types: type) -> None:
    """Hash the values of `types` once in keys, like the parts of the model. A value of one of them that a render
    returns stands in later keys for that render's own key: it was made from nothing else (an exporter that
    remembers a page's plan, then the page's files, hashes the plan's inputs once, not the plan)."""
    _SHARED.extend(t for t in types if t not in _SHARED)
    forget_parts()


class Memo:
    """The renders of one unit: those its last build made (`previous`, by key), and those it makes now (`kept`)."""

    def __init__(self, settings: bytes, previous: dict[bytes, object] | None = None):
        self.settings, self.previous = settings, previous or {}
        self.kept: dict[bytes, object] = {}
        self.taken = 0

    def key(self, what: str, context: dict[str, object]) -> bytes:
        digest = hashlib.sha256(self.settings)
        _PARTS[0].update(digest, (what, *sorted(context.items())))
        return digest.digest()[:20]

    def render(self, what: str, context: dict[str, object], make: Callable[[], object]) -> object:
        """What `make` renders (`what`: the name of the method it calls with `context`), or what the same method
        rendered from an equal context in the last build."""
        key = self.key(what, context)
        found = self.previous.get(key)
        if found is None:
            found = make()
        else:
            self.taken += 1
        self.kept[key] = found
        parts = _PARTS[0]
        if type(found) in parts.shared:
            parts.stand(found, key)
        return found


_ACTIVE: list[Memo] = []


def _parts() -> ValueDigests:
    return ValueDigests(tuple(_SHARED), source=lambda value: getattr(value, "source", ""))


_PARTS: list[ValueDigests] = []


def forget_parts() -> None:
    """Let go of the digests of the parts of the model hashed so far (they keep it alive): at the start and end
    of a build's renders in each process."""
    _PARTS[:] = [_parts()]


forget_parts()


@contextlib.contextmanager
def remembering(memo: Memo) -> Iterator[Memo]:
    """Within this block, `Exporter.remember` takes and keeps its renders in `memo`."""
    _ACTIVE.append(memo)
    try:
        yield memo
    finally:
        _ACTIVE.pop()


def active() -> Memo | None:
    return _ACTIVE[-1] if _ACTIVE else None
