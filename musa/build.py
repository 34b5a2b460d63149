"""A build: units of target × course (or × project) rendered in parallel processes, skipped when unchanged.

Guarantee: each unit, once rendered, is staged at once — every archive written complete (and flushed) under a
temporary name beside its final name, so only the units in flight are held in memory — and only when every
unit is rendered and staged are the archives renamed into place one by one. A failure while rendering or staging replaces no archive and leaves the cache untouched;
a build that is killed at any moment leaves under every final name either the previous complete archive or
the new complete one, never a partial file. Temporary files (`.NAME.PID.tmp`) of a killed build are removed
by the next build.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import multiprocessing
import os
import pickle
import shutil
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

from . import __version__
from .archive import Staging, source_epoch, write_atomic
from .exporters import targets
from .exporters.base import TEMPLATES, Exporter, Written
from .model import Course, Project

CACHE_FILE = ".musa-cache.json"
CACHE_FORMAT = 1
CODE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Unit:
    """One piece of work: a target and a course id, or None for a target built for the whole project."""

    target: str
    course: str | None
    lang: str = "en"

    @property
    def label(self) -> str:
        where = f"{self.target}/{self.course if self.course is not None else '*'}"
        return where if self.lang == "en" else f"{where}/{self.lang}"


@dataclass
class Outcome:
    """What a build did: every archive (written or up to date), and how many units were built or skipped."""

    written: list[Written] = field(default_factory=list)
    built: int = 0
    skipped: int = 0


def tree_digest(root: Path, pattern: str) -> str:
    """A hash of every file under `root` matching `pattern`, by path relative to `root` (not where it sits)."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob(pattern)):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@lru_cache(maxsize=None)
def code_digest() -> str:
    return tree_digest(CODE, "*.py")


@lru_cache(maxsize=None)
def templates_digest(folders: tuple[str, ...]) -> str:
    """A hash of every template folder a target loads from (its own, then the shared ones it names)."""
    return hashlib.sha256("\0".join(tree_digest(TEMPLATES / f, "*") for f in folders).encode()).hexdigest()


class digest_writer:
    """A file-like sink that feeds what is written into a hash: a model slice is pickled into the key frame by
    frame, never held whole in memory (the whole project, for a project-wide unit, is large)."""

    def __init__(self, digest):
        self.write = digest.update


def unit_key(exporter: Exporter, course: Course | None) -> str:
    """Everything a unit's bytes depend on: tool version and code, the Python that runs it, the target's
    templates, language, archive time, and the model slice the unit reads (pickled: the model is frozen
    dataclasses of strings, numbers, dates and tuples, whose pickle is the same in every run)."""
    digest = hashlib.sha256()
    for part in (str(CACHE_FORMAT), __version__, sys.version, code_digest(), templates_digest(exporter.template_folders()),
                 exporter.name, exporter.lang, str(source_epoch())):
        digest.update(part.encode("utf-8") + b"\0")
    pickle.Pickler(digest_writer(digest), protocol=5).dump(exporter.inputs(course))
    return digest.hexdigest()


def data_digest(data: bytes | dict[str, bytes]) -> str:
    """The digest of a rendered file, or of a rendered folder (a dict of its files by relative name)."""
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest()
    digest = hashlib.sha256()
    for name in sorted(data):
        digest.update(name.encode() + b"\0" + data[name] + b"\0")
    return digest.hexdigest()


def file_digest(path: Path) -> str | None:
    """The digest of what is on disk at `path` (a file, or a folder a target writes whole), None if absent."""
    try:
        if path.is_dir():
            return data_digest({p.relative_to(path).as_posix(): p.read_bytes()
                                for p in path.rglob("*") if p.is_file()})
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def rendered_size(data: bytes | dict[str, bytes]) -> int:
    return len(data) if isinstance(data, bytes) else sum(len(part) for part in data.values())


def disk_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


class Cache:
    """`<out>/.musa-cache.json`: per unit, the key it was built with and the digest of each archive it wrote."""

    def __init__(self, out: Path):
        self.out, self.path = out, out / CACHE_FILE
        self.entries: dict = {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return  # no cache, or a damaged one: build everything
        if isinstance(data, dict) and data.get("format") == CACHE_FORMAT and isinstance(data.get("units"), dict):
            self.entries = data["units"]

    def fresh(self, unit: Unit, key: str) -> list[Path] | None:
        """The unit's archives when it was built with this key and every archive is still as written."""
        entry = self.entries.get(unit.label)
        if not isinstance(entry, dict) or entry.get("key") != key or not isinstance(entry.get("archives"), dict):
            return None
        paths = {self.out / name: digest for name, digest in entry["archives"].items()}
        if not paths or any(file_digest(path) != digest for path, digest in paths.items()):
            return None
        return sorted(paths)

    def record(self, unit: Unit, key: str, digests: dict[Path, str]) -> None:
        self.entries[unit.label] = {"key": key, "archives": {
            path.relative_to(self.out).as_posix(): digest for path, digest in sorted(digests.items())}}

    def save(self) -> None:
        data = {"format": CACHE_FORMAT, "units": dict(sorted(self.entries.items()))}
        write_atomic(self.path, (json.dumps(data, indent=1) + "\n").encode("utf-8"))


def remove_stale_temporaries(folder: Path) -> None:
    """Remove `.NAME.PID.tmp` (and `.old`) files and folders left anywhere under `folder` by a build that was
    killed (their process is gone)."""
    leftovers = [*folder.rglob(".*.tmp"), *folder.rglob(".*.old")] if folder.is_dir() else []
    for path in leftovers:
        pid = path.name.rsplit(".", 2)[-2]
        if pid.isdigit() and not pid_alive(int(pid)):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


# Worker processes hold the exporters, set once when the pool starts.
_EXPORTERS: dict[str, Exporter] = {}


def _start_worker(exporters: dict[str, Exporter]) -> None:
    _EXPORTERS.clear()
    _EXPORTERS.update(exporters)


def _render(unit: Unit) -> dict[Path, bytes]:
    exporter = _EXPORTERS[unit.target, unit.lang]
    return exporter.render_unit(None if unit.course is None else exporter.project.course(unit.course))



def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


Progress = Callable[[int, int, Unit, bool], None]


Rendered = dict[Path, "bytes | dict[str, bytes]"]


def render_units(exporters: dict[tuple[str, str], Exporter], todo: list[Unit], jobs: int,
                 progress: Progress, done: int, total: int, take: Callable[[Unit, Rendered], None]) -> None:
    """Render every unit of `todo` (in `jobs` processes when more than one), handing each to `take` as it is
    done, so that only the units in flight are held in memory; raise the first failure."""
    if jobs <= 1 or len(todo) <= 1:
        _start_worker(exporters)
        for unit in todo:
            take(unit, _render(unit))
            done += 1
            progress(done, total, unit, False)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with concurrent.futures.ProcessPoolExecutor(min(jobs, len(todo)), mp_context=context,
                                                initializer=_start_worker, initargs=(exporters,)) as pool:
        futures = {pool.submit(_render, unit): unit for unit in todo}
        try:
            for future in concurrent.futures.as_completed(futures):
                take(futures[future], future.result())
                done += 1
                progress(done, total, futures[future], False)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def build(project: Project, out: Path, names: list[str], jobs: int | None = None, langs: tuple[str, ...] = ("en",),
          use_cache: bool = True, progress: Progress | None = None) -> Outcome:
    """Build `names` (registered targets) in each of `langs` into `out`; see the module's docstring for what a
    failure leaves."""
    progress = progress or (lambda done, total, unit, cached: None)
    available = targets()
    exporters = {(name, lang): available[name](project, out, lang) for name in names for lang in langs}
    units: list[tuple[Unit, Course | None]] = [
        (Unit(name, None if course is None else course.id, lang), course)
        for (name, lang), exporter in exporters.items() for course in exporter.units()]
    cache = Cache(out)
    keys = {unit: unit_key(exporters[unit.target, unit.lang], course) for unit, course in units}
    fresh = {unit: cache.fresh(unit, keys[unit]) if use_cache else None for unit, _ in units}
    todo = [unit for unit, _ in units if fresh[unit] is None]
    outcome = Outcome(built=len(todo), skipped=len(units) - len(todo))
    done = 0
    for unit, _ in units:
        if fresh[unit] is not None:
            done += 1
            progress(done, len(units), unit, True)
    for name in names:
        remove_stale_temporaries(out / name)
    staging = Staging()
    sizes: dict[Unit, dict[Path, int]] = {}

    def take(unit: Unit, rendered: Rendered) -> None:
        """Stage a rendered unit at once (nothing is renamed yet) and keep only its sizes and digests."""
        for path, data in sorted(rendered.items()):
            staging.add(path, data)
        sizes[unit] = {path: rendered_size(data) for path, data in rendered.items()}
        cache.record(unit, keys[unit], {path: data_digest(data) for path, data in rendered.items()})
    try:
        render_units(exporters, todo, jobs or default_jobs(), progress, done, len(units), take)
        staging.commit()
    finally:
        staging.discard()  # whatever was not renamed into place
    if todo:
        cache.save()
    for unit, course in units:
        exporter = exporters[unit.target, unit.lang]
        counts = exporter.contents(course)
        paths = sizes[unit] if unit in sizes else {path: disk_size(path) for path in fresh[unit]}
        for path, size in sorted(paths.items()):
            outcome.written.append(Written(unit.course or "*", unit.target, path, size, counts.get("quizzes"),
                                           counts.get("questions"), counts.get("rubrics"), unit not in sizes))
    return outcome
