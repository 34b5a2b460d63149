"""Find a project's source files, read them safely, validate their shape and resolve `file:` references."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import specs
from .errors import Diagnostics, Loc, did_you_mean
from .sourcecache import SourceCache, key_of
from .yamlsource import Document, decode, parse_yaml, read_limited, read_plain_text

SCHEMA_LINE = "# yaml-language-server: $schema="

# kind → folder holding one file per item
FOLDERS = {
    "programme": "content/programmes",
    "workshop": "content/workshops",
    "role": "roles",
    "competence": "competences",
}
CONTENT = "content"


@dataclass
class Sources:
    """The project's documents by kind and id, with Markdown bodies read from `file:` references."""

    root: Path
    docs: dict[str, dict[str, Document]] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)  # ids of files whose shape is wrong
    bodies: dict[tuple[str, tuple], dict[str, str]] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)  # path → digest of its bytes and its bodies
    file_digests: dict[str, str] = field(default_factory=dict)  # path → digest of its bytes alone
    files_read: int = 0
    content: "ContentFiles" = field(init=False)

    def __post_init__(self) -> None:
        self.content = ContentFiles(self.root)

    def all_ids(self) -> set[str]:
        return {i for kind in self.docs.values() for i in kind} | self.broken

    def has_id(self, ident: str) -> bool:
        return ident in self.broken or any(ident in kind for kind in self.docs.values())

    def body(self, doc: Document, parts: tuple, value: dict):
        """A lesson/session body: inline `body`, or the Markdown read from its `file`."""
        if "body" in value:
            return value["body"]
        return self.bodies.get((doc.path, tuple(parts)))


def schema_comment(kind: str, rel: str) -> str:
    depth = rel.count("/")
    return f"{SCHEMA_LINE}{'../' * depth}schemas/{kind}.schema.json"


def utf8(name: str) -> bool:
    """Whether a file name read from the system is UTF-8 (Python keeps other bytes as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def kind_of(mode: int) -> str:
    """What a file that is not a regular one is, for a message."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISREG(mode):
        return "a file"
    return "a special file (a pipe, socket or device)"


def not_a_file(path: Path) -> str:
    try:
        return kind_of(os.lstat(path).st_mode)
    except OSError:  # gone meanwhile
        return "nothing"


def read_sources(root: Path, diags: Diagnostics, cache: SourceCache | None = None) -> Sources:
    """Read every source file under `root`, collecting problems in `diags` (reusing `cache`'s results)."""
    sources = Sources(root)
    cache = cache or SourceCache()
    found: list[tuple[str, Path, str, bytes, str]] = []  # kind, path, name in the project, bytes, cache key
    for kind, folder in FOLDERS.items():
        sources.docs[kind] = {}
        base = root / folder
        if base.is_symlink():
            diags.error(Loc(folder), "expected a folder inside the project, got a symbolic link; copy the files in")
            continue
        if not base.is_dir():
            if base.exists():
                diags.error(Loc(folder), f"expected a folder of {kind} files, got {not_a_file(base)}")
            continue
        for path in sorted(base.iterdir()):
            rel = f"{folder}/{path.name}"
            if path.suffix in (".yaml", ".yml") and not utf8(path.name):
                shown = os.fsencode(rel).decode("utf-8", "backslashreplace")  # the name's own bytes, escaped
                diags.error(Loc(shown), "expected a file name in UTF-8; rename the file")
                continue
            if path.suffix == ".yml":
                diags.error(Loc(rel), f"expected a '.yaml' file name, got '{path.name}'; rename it")
                continue
            if path.suffix != ".yaml":
                continue
            if path.is_symlink() or not path.is_file():
                fix = "copy the file into the project" if path.is_symlink() else "rename it, or write a YAML file"
                diags.error(Loc(rel), f"expected a regular file, got {not_a_file(path)}; {fix}")
                continue
            raw = read_limited(path, rel, diags)
            sources.files_read += 1
            if raw is None:
                sources.broken.add(path.stem)
                continue
            found.append((kind, path, rel, raw, key_of("source", kind, rel, raw)))
    # parsing is most of a first load: on two cores when there is much of it
    cache.prepare({key: (_parse_step(kind, path, rel, raw), len(raw)) for kind, path, rel, raw, key in found})
    for kind, path, rel, raw, key in found:
        _read_one(sources, kind, path, rel, raw, key, diags, cache)
    return sources


@dataclass
class Parsed:
    """What one source file's bytes alone give: its document when its shape is right, else the ids to set aside."""

    doc: Document | None
    broken: tuple[str, ...] = ()


def parse_source(kind: str, stem: str, rel: str, raw: bytes, diags: Diagnostics) -> Parsed:
    """Decode, parse and shape-check one source file: a pure function of its kind, path and bytes."""
    text = decode(raw, rel, diags)
    doc = None if text is None else parse_yaml(text, rel, diags)
    if doc is None:
        return Parsed(None, (stem,))  # its id is unknown: do not report references to it as unknown
    first = text.split("\n", 1)[0].strip()
    expected = schema_comment(kind, rel)
    if first != expected:
        diags.warning(Loc(rel, 1, 1), f"expected the first line '{expected}', got {first[:60]!r}")
    data = doc.data
    ident = data.get("id") if isinstance(data, dict) else None
    if isinstance(ident, str) and ident != stem:
        diags.error(doc.loc(("id",)), f"expected the file name's id '{stem}', got '{ident}'; "
                                      f"rename the file or the id")
        return Parsed(None, (ident, stem))
    before = diags.error_count
    specs.KINDS[kind].check(data, (), doc, diags)
    if diags.error_count != before:
        return Parsed(None, (ident,) if isinstance(ident, str) else ())
    return Parsed(doc)


def _parse_step(kind: str, path: Path, rel: str, raw: bytes) -> Callable[[Diagnostics], Parsed]:
    return lambda found: parse_source(kind, path.stem, rel, raw, found)


def _read_one(sources: Sources, kind: str, path: Path, rel: str, raw: bytes, key: str, diags: Diagnostics,
              cache: SourceCache) -> None:
    parsed = cache.memo(key, _parse_step(kind, path, rel, raw), diags)
    sources.broken.update(parsed.broken)
    doc = parsed.doc
    if doc is None:
        return
    ident = doc.data["id"]
    if sources.has_id(ident):
        diags.error(doc.loc(("id",)), f"expected a unique id, got '{ident}', which another file already uses")
        return
    bodies = _read_bodies(sources, kind, doc, diags)
    if bodies is None:
        sources.broken.add(ident)
        return
    sources.docs[kind][ident] = doc
    sources.fingerprints[rel] = key_of(key, *bodies)
    sources.file_digests[rel] = key


def _body_places(kind: str, data: dict):
    """The mappings of a document that carry Markdown as `body` or `file`, with their key paths."""
    if kind == "competence":
        for i, lesson in enumerate(data["lessons"]):
            yield ("lessons", i), lesson
    elif kind == "workshop":
        for d, day in enumerate(data["days"]):
            for s, session in enumerate(day["sessions"]):
                yield ("days", d, "sessions", s), session


def _read_bodies(sources: Sources, kind: str, doc: Document, diags: Diagnostics) -> list[str] | None:
    """Every lesson or session has exactly one of `body` and `file`; files are read here. Their texts in order,
    or None when one is missing or wrong."""
    ok, texts_read = True, []
    for parts, value in _body_places(kind, doc.data):
        has_body, has_file = "body" in value, "file" in value
        if has_body == has_file:
            got = "both" if has_body else "neither"
            diags.error(doc.loc(parts), f"expected exactly one of 'body' or 'file', got {got}")
            ok = False
            continue
        if not has_file:
            continue
        refs = value["file"] if isinstance(value["file"], dict) else {"en": value["file"]}
        texts = {}
        for lang, ref in refs.items():
            where = parts + ("file",) + ((lang,) if isinstance(value["file"], dict) else ())
            text = sources.content.read(ref, lambda: doc.loc(where), diags)  # located only for a message
            if text is not None:
                texts[lang] = text
                texts_read += [repr(parts), lang, text]
                sources.files_read += 1
        if len(texts) == len(refs):
            sources.bodies[(doc.path, parts)] = texts
        else:
            ok = False
    return texts_read if ok else None


class ContentFiles:
    """Reads the Markdown files YAML refers to, refusing anything that leaves `content/`: absolute paths, '..',
    a symbolic link anywhere on the way, and a folder that resolves outside `content/`. Each folder on the way
    is looked at once per load."""

    def __init__(self, root: Path):
        self.root = root
        self.content = os.path.realpath(root / CONTENT)
        self.links: dict[str, bool] = {}  # folder relative to the project → is a symbolic link
        self.inside: dict[str, bool] = {}  # folder → resolves inside content/

    def _is_link(self, rel: str) -> bool:
        known = self.links.get(rel)
        if known is None:
            known = self.links[rel] = os.path.islink(os.path.join(self.root, rel))
        return known

    def _resolves_inside(self, folder: str) -> bool:
        known = self.inside.get(folder)
        if known is None:
            real = os.path.realpath(folder)
            known = self.inside[folder] = real == self.content or real.startswith(self.content + os.sep)
        return known

    def read(self, ref: str, loc: Callable[[], Loc], diags: Diagnostics) -> str | None:
        """The text of `ref`, or None with a message at `loc()`."""
        if ref.startswith("/") or "\\" in ref or ".." in Path(ref).parts:
            diags.error(loc(), f"expected a relative path inside content/, got '{ref}'; "
                               "references may not use '..' or start with '/'")
            return None
        parts = (CONTENT, *Path(ref).parts)
        path = self.root / CONTENT / ref
        try:
            mode = os.lstat(path).st_mode  # one look at the file itself: link, folder, file or nothing
        except OSError as error:
            if error.errno == errno.ENAMETOOLONG:
                diags.error(loc(), f"expected a path the file system can hold, got one of {len(ref)} characters "
                                   f"('{ref[:40]}…'), too long for it; shorten its folder or file names")
                return None
            mode = 0
        if any(self._is_link("/".join(parts[:i])) for i in range(1, len(parts))) or stat.S_ISLNK(mode):
            diags.error(loc(), f"expected a regular file inside content/, got a symbolic link at '{ref}'; "
                               "copy the file instead")
            return None
        if stat.S_ISDIR(mode):
            diags.error(loc(), f"expected a Markdown file under content/, got '{ref}', which is a folder")
            return None
        if mode and not stat.S_ISREG(mode):
            diags.error(loc(), f"expected a Markdown file under content/, got '{ref}', which is {kind_of(mode)}; "
                               "write its text into a regular file")
            return None
        if not stat.S_ISREG(mode):
            content = self.root / CONTENT
            near = sorted(str(p.relative_to(content)) for p in path.parent.glob("*.md") if utf8(p.name)) \
                if path.parent.is_dir() else []
            diags.error(loc(), f"expected an existing file under content/, got '{ref}', which does not exist"
                               f"{did_you_mean(ref, near)}")
            return None
        if not self._resolves_inside(os.path.dirname(path)):
            diags.error(loc(), f"expected a file inside content/, got '{ref}', which resolves outside it")
            return None
        return read_plain_text(path, f"{CONTENT}/{ref}", diags)
