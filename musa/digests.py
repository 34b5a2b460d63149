"""Content digests shared by the caches (of a folder's files, of the tool's own code, of pickled values), and the
file every pickled cache is: a header naming what wrote it, then its value."""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Callable

from . import __version__

CODE = Path(__file__).resolve().parent


def tree_digest(root: Path, pattern: str) -> str:
    """A hash of every file under `root` matching `pattern`, by path relative to `root` (not where it sits)."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob(pattern)):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@lru_cache(maxsize=None)
def code_digest() -> str:
    """The digest of musa-build's own Python files: a cache written by other code is not used."""
    return tree_digest(CODE, "*.py")


# The libraries whose versions decide the bytes of a build: YAML reading, templates, Markdown and its allowlist.
OUTPUT_LIBRARIES = ("jinja2", "markupsafe", "markdown-it-py", "mdurl", "nh3", "pyyaml")


@lru_cache(maxsize=None)
def libraries_digest() -> str:
    """Names and versions of OUTPUT_LIBRARIES: a cache written with other versions is not used."""
    versions = installed_versions(OUTPUT_LIBRARIES)
    return ";".join(f"{name}=={versions[name]}" if versions[name] is not None else f"{name} absent"
                    for name in OUTPUT_LIBRARIES)


def installed_versions(names: tuple[str, ...]) -> dict[str, str | None]:
    """The version of each installed distribution of `names` (None when absent), as `importlib.metadata.version`
    finds it, read here from the first `*.dist-info` folder of that name on `sys.path`: importing
    importlib.metadata takes some 20 ms, a twentieth of a rebuild command. Through importlib.metadata itself
    whenever the two could differ: another finder that knows distributions, a zip on the path, an `.egg-info` or
    `.egg` first, a METADATA without a version."""
    from importlib.machinery import PathFinder
    if any(finder is not PathFinder and hasattr(finder, "find_distributions") for finder in sys.meta_path):
        return {name: _metadata_lookup(name) for name in names}
    wanted = {_normalised(name): name for name in names}
    found: dict[str, str | None] = {}
    for entry in sys.path:
        try:
            children = os.listdir(entry or ".")  # in the order importlib.metadata takes them
        except OSError:
            if os.path.isfile(entry):  # a zip on the path: importlib.metadata looks inside it
                return {name: _metadata_lookup(name) for name in names}
            continue  # absent or unreadable: importlib.metadata finds nothing there either
        for child in children:
            low = child.lower()
            name = wanted.get(_normalised(os.path.splitext(low)[0].partition("-")[0])) if low.endswith(_INFO) else None
            if name is None or name in found:
                continue
            version = _metadata_version(os.path.join(entry or ".", child, "METADATA")) \
                if low.endswith(".dist-info") else None
            found[name] = version if version is not None else _metadata_lookup(name)
    return {name: found[name] if name in found else _metadata_lookup(name) for name in names}


_INFO = (".dist-info", ".egg-info", ".egg")


def _normalised(name: str) -> str:
    """A distribution name as importlib.metadata compares them (PEP 503, with '_' for '-')."""
    return re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")


def _metadata_version(path: str) -> str | None:
    """The `Version:` field of a METADATA file's headers (None if it has none or cannot be read)."""
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    return None
                field, _, value = line.partition(":")
                if field.lower() == "version":
                    return value.strip() or None
    except (OSError, UnicodeDecodeError):
        return None
    return None


def _metadata_lookup(name: str) -> str | None:
    from importlib import metadata
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def cache_header(kind: str, version: int) -> tuple:
    """What a cache file starts with: its kind and format, and musa-build's version and code, the Python and the
    output libraries that wrote it. A cache written by anything else is not used."""
    return kind, version, __version__, sys.version, code_digest(), libraries_digest()


def read_cache(path: Path, kind: str, version: int):
    """The value of a cache file written by this code, or None (absent, damaged or foreign: a cache only saves
    time)."""
    try:
        header, value = pickle.loads(path.read_bytes())
    except Exception:
        return None
    return value if header == cache_header(kind, version) else None


def write_cache(path: Path, kind: str, version: int, value) -> None:
    """Write a cache file whole (renamed into place, not flushed to disk: its reader checks it)."""
    from .archive import write_atomic  # imported when a cache is written: `check` never writes one
    write_atomic(path, pickle.dumps((cache_header(kind, version), value), protocol=pickle.HIGHEST_PROTOCOL),
                 durable=False)


class _Sink:
    """Where a pickler writes: into the hash of the value it pickles now (a pickler serves one value after
    another), frame by frame, so a value is never held whole in memory as bytes."""

    __slots__ = ("digest",)

    def write(self, data) -> None:
        self.digest.update(data)


def _digest_of(digest: bytes):  # what a shared object stands for in its owner's pickle; never called
    raise AssertionError("a digest pickle is hashed, never loaded")


class _Pickler(pickle.Pickler):
    """Pickles one value after another into their hashes, each `shared` object in them standing as its digest
    (`digests` and `root` are set for each value, then cleared: an idle pickler holds nothing of the model)."""

    def __init__(self, shared: frozenset[type]):
        self.sink = _Sink()
        super().__init__(self.sink, protocol=5)
        self.fast = True  # no memo: the bytes do not depend on which equal objects happen to be one object
        self.digests: ValueDigests | None = None
        self.root = None
        # only the shared types have a reducer of their own, so the pickler calls no Python for any other object
        self.dispatch_table = dict.fromkeys(shared, self._shared)

    def _shared(self, obj):
        if obj is self.root:
            return obj.__reduce_ex__(5)
        return _digest_of, (self.digests.of(obj),)


class ValueDigests:
    """Digests of values (pickled into the hash: the model is frozen dataclasses of strings, numbers, dates and
    tuples). Equal values give equal digests however their objects are shared, and an object of a `shared` type
    is hashed once, standing in the pickle of whatever holds it as its digest."""

    def __init__(self, shared: tuple[type, ...] = (), source: Callable[[object], str] = lambda value: ""):
        self.shared = frozenset(shared)
        self.source = source  # a shared object's own digest of what it was made from, if it has one
        self.known: dict[int, tuple[object, bytes]] = {}  # id → (the object, kept alive; its digest)
        self.idle: list[_Pickler] = []  # picklers made once, kept for the next value (a shared object inside a
        # value is hashed while its holder is being pickled: each level takes a pickler of its own)

    def of(self, value) -> bytes:
        known = self.known.get(id(value))
        if known is not None:
            return known[1]
        source = self.source(value) if type(value) in self.shared else ""
        if source:  # made from these bytes by this code: no need to look inside
            result = hashlib.sha256(b"source\0" + source.encode()).digest()
        else:
            digest = hashlib.sha256()
            self._dump(digest, value, value)
            result = digest.digest()
        if type(value) in self.shared:
            self.known[id(value)] = (value, result)
        return result

    def stand(self, value, digest: bytes) -> None:
        """Let `value` (of a `shared` type) stand as `digest` wherever it is hashed from now on: the digest of what
        it was made from (a digest of another length than those `of` takes, so the two never meet)."""
        assert len(digest) != hashlib.sha256().digest_size
        self.known[id(value)] = (value, digest)

    def update(self, digest, value) -> None:
        """Feed `value`, pickled, into `digest`, each object of a `shared` type in it standing as its digest."""
        self._dump(digest, value, None)

    def _dump(self, digest, value, root) -> None:
        pickler = self.idle.pop() if self.idle else _Pickler(self.shared)
        pickler.sink.digest, pickler.digests, pickler.root = digest, self, root
        try:
            pickler.dump(value)
        finally:
            pickler.sink.digest = pickler.digests = pickler.root = None
            self.idle.append(pickler)
