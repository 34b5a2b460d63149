"""A build: units of target × course (or × project, or × part of a course) rendered in parallel processes,
skipped when unchanged.

Guarantee: each unit, once rendered, is staged at once by the process that rendered it — every archive written
complete under a temporary name beside its final name, so only the units in flight are held in memory and only
names, digests and sizes travel back — and only when every unit is rendered and staged are the archives flushed to
disk (all at once, see `archive.flush`) and renamed into place one by one. A failure while rendering or staging
replaces no archive and leaves the cache untouched; a build that is killed at any moment leaves under every final
name either the previous complete archive or the new complete one, never a partial file. Temporary files
(`.NAME.PID.tmp`) of a killed build are removed by the next build.

A build holds `<out>/.musa-lock` from start to end: a second build into the same folder (another terminal, a
pipeline step started twice) waits for the first to finish instead of mixing its archives and cache with it.

Once the new archives are in place, the archives an earlier build wrote for the same targets and languages that
this build no longer writes (a course, competence or workshop day removed or renamed) are removed: the output
folder then holds what a build into an empty folder would, whatever came before. Only archives the cache
records are removed; a file put there by hand stays.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator

from . import __version__
from . import archive, markdown, markdowncache, memo, packs, workers
from .archive import Staged, Staging, source_epoch, write_atomic
from .digests import ValueDigests, code_digest, libraries_digest, tree_digest
from .exporters import targets
from .exporters.base import TEMPLATES, Exporter, Written
from .model import Competence, Course, Programme, Project
from .signatures import stat_signature
from .survey import Survey

CACHE_FILE = ".musa-cache.json"
LOCK_FILE = ".musa-lock"  # held by the build writing into the folder; it holds that build's process id
COMPILED_TEMPLATES = ".musa-templates"  # Jinja's own cache of compiled templates, keyed by their source
CACHE_FORMAT = 3


@dataclass(frozen=True)
class Unit:
    """One piece of work: a target and a course id (None for a target built for the whole project), and the part
    of the course for a target that builds a course in parts (see `Exporter.parts`)."""

    target: str
    course: str | None
    lang: str = "en"
    part: str | None = None

    @property
    def label(self) -> str:
        """`target/course`, `target/course:part` or `target/*`, then `/lang` when not English."""
        where = f"{self.target}/{self.course if self.course is not None else '*'}"
        where += f":{self.part}" if self.part is not None else ""
        return where if self.lang == "en" else f"{where}/{self.lang}"

    @classmethod
    def from_label(cls, label: str) -> "Unit | None":
        """The unit a cache label names (None for a label no build writes)."""
        parts = label.split("/")
        if len(parts) not in (2, 3) or not all(parts):
            return None
        course, _, part = parts[1].partition(":")
        if not course or (_ and not part):
            return None
        return cls(parts[0], None if course == "*" else course, parts[2] if len(parts) == 3 else "en", part or None)


@dataclass
class Outcome:
    """What a build did: every archive (written or up to date), and how many units were built or skipped."""

    written: list[Written] = field(default_factory=list)
    built: int = 0
    skipped: int = 0
    removed: list[Path] = field(default_factory=list)  # archives of earlier builds that this one no longer writes


@lru_cache(maxsize=None)
def templates_digest(folders: tuple[str, ...]) -> str:
    """A hash of every template folder a target loads from (its own, then the shared ones it names)."""
    return hashlib.sha256("\0".join(tree_digest(TEMPLATES / f, "*") for f in folders).encode()).hexdigest()


def settings_digest(exporter: Exporter) -> bytes:
    """What a target's output depends on besides the model: tool version and code, the Python and libraries that
    run it, the target's templates, language and archive time."""
    digest = hashlib.sha256()
    for setting in (str(CACHE_FORMAT), __version__, sys.version, code_digest(), libraries_digest(),
                    templates_digest(exporter.template_folders()),
                    exporter.name, exporter.lang, str(source_epoch())):
        digest.update(setting.encode("utf-8") + b"\0")
    return digest.digest()


def unit_key(exporter: Exporter, course: Course | None, part: str | None, slices: ValueDigests,
             settings: bytes | None = None) -> str:
    """Everything a unit's bytes depend on: the target's settings (`settings_digest`, taken once per target by a
    caller that keys many units) and the digest of the model slice the unit reads (`slices` hashes each course
    and competence once, however many units read it)."""
    settings = settings_digest(exporter) if settings is None else settings
    return hashlib.sha256(settings + slices.of(exporter.inputs(course, part))).hexdigest()


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


@dataclass(frozen=True)
class StagedArchive:
    """One archive (or folder) of a rendered unit: staged under its temporary name, with its digest, size and stat
    signature (which renaming it into place keeps: the same inode, size and times, of each file of a folder too)."""

    staged: Staged
    digest: str
    size: int
    signature: str | None  # None: it could not be stat-ed; the next build then compares digests

    @property
    def path(self) -> Path:
        return self.staged.path


class Cache:
    """`<out>/.musa-cache.json`: per unit, the key it was built with and the digest of each archive it wrote."""

    def __init__(self, out: Path):
        self.out, self.path = out, out / CACHE_FILE
        self.entries: dict = {}
        self.restamped = self.forgotten = False
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return  # no cache, or a damaged one: build everything
        if isinstance(data, dict) and data.get("format") == CACHE_FORMAT and isinstance(data.get("units"), dict):
            self.entries = data["units"]

    def fresh(self, unit: Unit, key: str, seen: dict[str, str | None]) -> dict[Path, int] | None:
        """The unit's archives and their sizes when it was built with this key and every archive is still as
        written: as `git status` does, an archive whose size and times are those recorded is not read again.
        `seen`: signatures already taken (by a survey), by archive name."""
        entry = self.entries.get(unit.label)
        if not isinstance(entry, dict) or entry.get("key") != key or not isinstance(entry.get("archives"), dict):
            return None
        sizes = {}
        for name, recorded in entry["archives"].items():
            path = self.out / name
            if not isinstance(recorded, dict):
                return None
            signature = seen[name] if name in seen else stat_signature(path)
            if signature is None or recorded.get("stat") != signature:
                if file_digest(path) != recorded.get("digest"):
                    return None
                recorded["stat"] = signature
                self.restamped = True
            sizes[path] = recorded.get("size", 0)
        return sizes or None

    def record(self, unit: Unit, key: str, archives: list[StagedArchive], seconds: float) -> None:
        self.entries[unit.label] = {"key": key, "seconds": round(seconds, 4), "archives": {
            a.path.relative_to(self.out).as_posix(): {"digest": a.digest, "size": a.size, "stat": a.signature}
            for a in sorted(archives, key=lambda a: a.path)}}

    def cost(self) -> Callable[[Unit], float]:
        """How long a unit is expected to take: its time in the build that last rendered it, else the mean of its
        target's recorded times, else 0 (every unit alike: the order of the todo list stands)."""
        seconds = {label: entry["seconds"] for label, entry in self.entries.items()
                   if isinstance(entry, dict) and isinstance(entry.get("seconds"), (int, float))}
        by_target: dict[str, list[float]] = {}
        for label, value in seconds.items():
            by_target.setdefault(label.split("/", 1)[0], []).append(value)
        means = {target: sum(values) / len(values) for target, values in by_target.items()}
        return lambda unit: seconds.get(unit.label, means.get(unit.target, 0.0))

    def outputs(self, within: Callable[[Unit], bool]) -> dict[Unit, set[str]]:
        """The archives (relative names) each recorded unit `within` the build wrote last time."""
        found = {}
        for label, entry in self.entries.items():
            unit = Unit.from_label(label)
            archives = entry.get("archives") if isinstance(entry, dict) else None
            if unit is not None and within(unit) and isinstance(archives, dict):
                found[unit] = set(archives)
        return found

    def forget(self, unit: Unit) -> None:
        del self.entries[unit.label]
        self.forgotten = True

    def save(self) -> None:
        data = {"format": CACHE_FORMAT, "units": dict(sorted(self.entries.items()))}
        write_atomic(self.path, (json.dumps(data, separators=(",", ":")) + "\n").encode("utf-8"), durable=False)


def survey(out: Path) -> Survey:
    """Start taking the signatures of the archives the last build into `out` recorded, in a second process (see
    musa/survey.py); hand it to `build` once the sources are loaded."""
    return Survey(out / CACHE_FILE if (out / CACHE_FILE).is_file() else None)


def remove_unproduced(out: Path, names: set[str], target: str) -> list[Path]:
    """Remove the archives at `names` (relative to `out`, recorded by an earlier build of `target`), and the
    folders they leave empty; return those that were there. A name outside the target's folder is left alone."""
    removed = []
    root = out / target
    for name in sorted(names):
        parts = Path(name).parts  # an absolute name starts with "/", never with the target
        if len(parts) < 2 or parts[0] != target or ".." in parts:
            continue
        path = out / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.is_file() or path.is_symlink():
            path.unlink()
        else:
            continue
        removed.append(path)
        parent = path.parent
        while parent != root and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return removed


def remove_stale_temporaries(folder: Path) -> None:
    """Remove `.NAME.PID.tmp` (and `.old`) files and folders left by a build that was killed (their process is
    gone). They sit beside archives: in a target's folder or one folder down (a course's units)."""
    places = [folder, *(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))] \
        if folder.is_dir() else []
    for place in places:
        for path in place.iterdir():
            if not (path.name.startswith(".") and path.suffix in (".tmp", ".old")):
                continue
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


# The exporters of the build under way, set before its units render (forked workers inherit them).
_EXPORTERS: dict[str, Exporter] = {}


_REUSE = [True]  # whether units take compressed pieces from the archives they wrote last time (not with --force)
_ALL_USED = [True]  # whether the build keeps only the Markdown its units use (it renders them all), see markdowncache


def _set_up_rendering(exporters: dict[str, Exporter], parsed: dict[str, str], reuse: bool = True,
                      all_used: bool = True) -> None:
    """Set what rendering a unit reads besides the unit, in this process (forked workers inherit it)."""
    _EXPORTERS.clear()
    _EXPORTERS.update(exporters)
    _REUSE[0], _ALL_USED[0] = reuse, all_used
    markdown.use_parsed(parsed)
    memo.forget_parts()


def _render(unit: Unit) -> list[StagedArchive]:
    """Render one unit and stage its archives at once, in the process that rendered them."""
    exporter = _EXPORTERS[unit.target, unit.lang]
    index = packs.index_path(exporter.out, unit)
    noting = unit.part is None  # a part is one small archive: rendering it again costs less than noting it
    pieces, renders = packs.previous(exporter.out, index) if _REUSE[0] and noting else ({}, {})
    remembered = memo.Memo(settings_digest(exporter), renders) if noting else None
    with archive.reusing(pieces) as reusing, \
            memo.remembering(remembered) if remembered is not None else contextlib.nullcontext():
        rendered = exporter.render_unit(None if unit.course is None else exporter.project.course(unit.course),
                                        unit.part)
    done: list[StagedArchive] = []
    try:
        for path, data in sorted(rendered.items()):
            staged = archive.stage_any(path, data, reusing)
            signature = staged.signature if staged.tree else stat_signature(staged.temporary)
            done.append(StagedArchive(staged, data_digest(data), rendered_size(data), signature))
    except BaseException:
        _discard(done)
        raise
    if noting:
        packs.note(exporter.out, index, reusing, {staged.path: staged.digest for staged in done}, remembered.kept)
    return done


def _discard(archives: list[StagedArchive]) -> None:
    for staged in archives:
        archive.discard(staged.staged)


Done = tuple[Unit, list[StagedArchive], float]  # a unit, its staged archives, the seconds it took


def _timed_render(unit: Unit) -> Done:
    start = time.perf_counter()
    archives = _render(unit)
    return unit, archives, time.perf_counter() - start


def _render_batch(units: tuple[Unit, ...]) -> tuple[list[Done], dict[str, str]]:
    """Render and stage several units in turn (one course's targets: its Markdown is converted once); with them,
    the Markdown parser's results this process used since its last batch (for the build's Markdown cache)."""
    done: list[Done] = []
    try:
        for unit in units:
            done.append(_timed_render(unit))
    except BaseException:
        for _, archives, _ in done:
            _discard(archives)
        raise
    return done, markdown.take_used(new_only=not _ALL_USED[0])


def batches(todo: list[Unit], jobs: int, cost: Callable[[Unit], float] = lambda unit: 0.0,
            group: Callable[[Unit], object] = lambda unit: unit.course) -> list[tuple[Unit, ...]]:
    """The units of `todo` as they go to worker processes, one batch per `group` (by default a course, so that a
    process converts a course's Markdown once and reuses it for the next target), the longest batches first by
    their units' `cost` (ties keep the order of `todo`), so that the last to finish is a short one.

    With fewer groups than processes, one unit at a time. A batch that would leave the processes unevenly loaded
    (three like courses on two processes: one process would do two) goes unit by unit after the whole batches, so
    that each process takes its share of it."""
    groups: dict[object, list[Unit]] = {}
    for unit in todo:
        groups.setdefault(group(unit), []).append(unit)
    if len(groups) < jobs:
        return sorted([(unit,) for unit in todo], key=lambda batch: -cost(batch[0]))
    whole = sorted([tuple(units) for units in groups.values()], key=lambda batch: -sum(cost(unit) for unit in batch))
    fair = sum(cost(unit) for unit in todo) / jobs
    loads, kept, split = [0.0] * jobs, [], []
    for batch in whole:  # as the processes will take them: each the next batch when it is free
        seconds = sum(cost(unit) for unit in batch)
        least = loads.index(min(loads))
        if loads[least] and loads[least] + seconds > fair * UNEVEN and len(batch) > 1:
            split += [(unit,) for unit in batch]
        else:
            loads[least] += seconds
            kept.append(batch)
    return kept + sorted(split, key=lambda batch: -cost(batch[0]))


UNEVEN = 1.1  # a course whose whole batch would load a process beyond this share of the fair load is split


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


Progress = Callable[[int, int, Unit, bool], None]


def render_units(exporters: dict[tuple[str, str], Exporter], todo: list[Unit], jobs: int,
                 progress: Progress, done: int, total: int,
                 take: Callable[[Unit, list[StagedArchive], float], None], parsed: dict[str, str],
                 cost: Callable[[Unit], float] = lambda unit: 0.0, reuse: bool = True,
                 all_used: bool = True) -> dict[str, str]:
    """Render and stage every unit of `todo`, handing each to `take` as it is done: in `jobs` forked processes
    when more than one and the system forks (see musa/workers.py), the longest by `cost` first; starting from the
    Markdown `parsed` by earlier builds; taking compressed pieces from the archives they wrote last time when
    `reuse`. Return the Markdown parser's results the units used (unless `all_used`, only those not in
    `parsed`: the build keeps those anyway). Raise the first failure, once every unit still in flight is done
    and handed over (so that whatever it staged can be discarded)."""
    if jobs <= 1 or len(todo) <= 1 or not workers.can_fork():
        _set_up_rendering(exporters, parsed, reuse, all_used)
        try:
            for unit in todo:
                take(*_timed_render(unit))
                done += 1
                progress(done, total, unit, False)
        finally:  # a long-lived process (preview --serve) keeps nothing of this build: exporters hold the model
            _EXPORTERS.clear()
            memo.forget_parts()
        return markdown.take_used(new_only=not all_used)
    # A first build goes course by course. A rebuild, whose Markdown earlier builds converted, goes by families of
    # targets that share templates (see Exporter.family): a process then loads fewer templates, and renders the
    # texts a family shares once.
    group = (lambda unit: (exporters[unit.target, unit.lang].family(), unit.lang)) if parsed else \
        (lambda unit: unit.course)
    work = batches(todo, jobs, cost, group)
    used: dict[str, str] = {}

    def taken(index: int, answer: tuple[list[Done], dict[str, str]]) -> None:
        nonlocal done
        rendered, parser_results = answer
        used.update(parser_results)
        for unit, archives, seconds in rendered:
            take(unit, archives, seconds)
            done += 1
            progress(done, total, unit, False)
    _set_up_rendering(exporters, parsed, reuse, all_used)  # once, here: the workers inherit it
    try:
        workers.run_forked(lambda index: _render_batch(work[index]), len(work), jobs, taken)
    finally:
        _EXPORTERS.clear()
        memo.forget_parts()
    return used


def relative_name(out: Path, path: Path) -> str:
    """`path`'s name relative to `out`, as the cache records it (`relative_to(out).as_posix()`, without building
    a path for each of a build's many archives)."""
    text, root = os.fspath(path), os.path.join(os.fspath(out), "")
    return text[len(root):].replace(os.sep, "/") if text.startswith(root) else path.relative_to(out).as_posix()


def remove_earlier_outputs(out: Path, cache: Cache, earlier: dict[Unit, set[str]],
                           now: dict[Unit, dict[Path, int]]) -> list[Path]:
    """Remove what the `earlier` units wrote that no unit wrote `now` (and forget the units that are gone)."""
    written = {relative_name(out, path) for paths in now.values() for path in paths}
    removed = []
    for unit, names in sorted(earlier.items(), key=lambda item: item[0].label):
        removed += remove_unproduced(out, names - written, unit.target)
        if unit not in now:
            cache.forget(unit)
            packs.index_path(out, unit).unlink(missing_ok=True)
    return removed


@contextlib.contextmanager
def exclusive(out: Path, waiting: Callable[[str], None]) -> Iterator[None]:
    """Hold `out`'s lock file, waiting (after telling `waiting` why) while another build holds it. The system
    releases the lock when its holder ends, however it ends. Without POSIX file locks, nothing is held."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    out.mkdir(parents=True, exist_ok=True)
    with open(out / LOCK_FILE, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            waiting(f"waiting for another build into {out}{f' (process {holder})' if holder.isdigit() else ''} "
                    "to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield


def build(project: Project, out: Path, names: list[str], jobs: int | None = None, langs: tuple[str, ...] = ("en",),
          use_cache: bool = True, progress: Progress | None = None, surveyed: Survey | None = None,
          waiting: Callable[[str], None] = lambda message: print(message, file=sys.stderr, flush=True)) -> Outcome:
    """Build `names` (registered targets) in each of `langs` into `out`; see the module's docstring for what a
    failure leaves. `surveyed`: the archives in place, looked at while the sources loaded (see `survey`);
    `waiting`: told when another build holds the folder."""
    with exclusive(out, waiting):
        return _build(project, out, names, jobs, langs, use_cache, progress, surveyed)


def _build(project: Project, out: Path, names: list[str], jobs: int | None, langs: tuple[str, ...],
           use_cache: bool, progress: Progress | None, surveyed: Survey | None) -> Outcome:
    progress = progress or (lambda done, total, unit, cached: None)
    available = targets()
    compiled = out / COMPILED_TEMPLATES
    for name in names:
        (compiled / name).mkdir(parents=True, exist_ok=True)
    exporters = {(name, lang): available[name](project, out, lang, compiled) for name in names for lang in langs}
    units: list[tuple[Unit, Course | None]] = [
        (Unit(name, None if course is None else course.id, lang, part), course)
        for (name, lang), exporter in exporters.items() for course in exporter.units()
        for part in (exporter.parts(course) if course is not None else (None,))]
    cache = Cache(out)
    earlier = cache.outputs(lambda unit: unit.target in names and unit.lang in langs)
    # a competence stands for the digest of its sources (the code is in every key); a course, and a programme's
    # outline, is hashed once
    slices = ValueDigests(shared=(Competence, Course, Programme), source=lambda value: getattr(value, "source", ""))
    settings = {which: settings_digest(exporter) for which, exporter in exporters.items()}
    keys = {unit: unit_key(exporters[unit.target, unit.lang], course, unit.part, slices,
                           settings[unit.target, unit.lang]) for unit, course in units}
    seen = surveyed.signatures() if surveyed is not None and use_cache else {}
    fresh = {unit: cache.fresh(unit, keys[unit], seen) if use_cache else None for unit, _ in units}
    # course by course (each course's targets in turn, the largest courses first), so that a process converts a
    # course's Markdown once and reuses it for the next target, instead of once per target
    order = {course.id: (-len(course.competences), i) for i, course in enumerate(project.courses())}
    todo = sorted((unit for unit, _ in units if fresh[unit] is None),  # project-wide units first
                  key=lambda unit: (0,) if unit.course is None else (1, *order[unit.course]))
    outcome = Outcome(built=len(todo), skipped=len(units) - len(todo))
    done = 0
    for unit, _ in units:
        if fresh[unit] is not None:
            done += 1
            progress(done, len(units), unit, True)
    for name in names:
        remove_stale_temporaries(out / name)
        remove_stale_temporaries(out / packs.FOLDER / name)
    staging = Staging()
    sizes: dict[Unit, dict[Path, int]] = {}

    def take(unit: Unit, archives: list[StagedArchive], seconds: float) -> None:
        """Note a staged unit (nothing is renamed yet), its sizes, digests and time."""
        for a in archives:
            staging.adopt(a.staged)
        sizes[unit] = {a.path: a.size for a in archives}
        cache.record(unit, keys[unit], archives, seconds)
    earlier_parsed = markdowncache.read(out) if use_cache else markdowncache.Cached()
    try:  # until the folders that rebuilt ones replaced are removed (see Staging.commit)
        try:
            used = render_units(exporters, todo, jobs or default_jobs(), progress, done, len(units), take,
                                earlier_parsed.parsed, cache.cost(), reuse=use_cache, all_used=not outcome.skipped)
            staging.commit()
        finally:
            staging.discard()  # whatever was not renamed into place
        now = {unit: sizes[unit] if unit in sizes else fresh[unit] or {} for unit, _ in units}
        outcome.removed = remove_earlier_outputs(out, cache, earlier, now)
        if todo or cache.restamped or cache.forgotten:
            cache.save()
        markdowncache.save(out, earlier_parsed, used, complete=not outcome.skipped)
        for unit, course in units:
            exporter = exporters[unit.target, unit.lang]
            counts = exporter.contents(course, unit.part)
            paths = sizes[unit] if unit in sizes else fresh[unit]
            for path, size in sorted(paths.items()):
                outcome.written.append(Written(unit.course or "*", unit.target, path, size, counts.get("quizzes"),
                                               counts.get("questions"), counts.get("rubrics"), unit not in sizes))
    finally:
        staging.settle()
    return outcome
