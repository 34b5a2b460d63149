"""Benchmark of check and build over synthetic catalogues and the real content. Prints figures, asserts nothing.

For each catalogue (the repository's own content, then 42, 420 and 2,100 synthetic competences in 4, 20 and
100 courses) a fresh process measures: `check` time; a full serial build per target and in total; the time the
standard library alone takes to write the same archive bytes (re-packing the built members with tarfile/zipfile);
their ratio; cost per competence; a parallel build with --jobs; an incremental rebuild after editing one
competence; peak memory. Figures go to the terminal and to a JSON file (default: bench/results.json).

Run: `.venv/bin/python bench/run.py [--sizes 42,420,2100] [--jobs N] [--no-real] [--json PATH]`.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from musa.archive import source_epoch  # noqa: E402
from musa.build import build, default_jobs, survey  # noqa: E402
from musa.cli import run as cli  # noqa: E402
from musa.exporters import targets  # noqa: E402
from musa.project import load  # noqa: E402
from musa.sourcecache import FILE as SOURCES_CACHE, SourceCache  # noqa: E402
from synthetic import SIZES, write_catalogue  # noqa: E402


COURSES = dict(SIZES)


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def check_seconds(root: Path, repeat: int) -> float:
    """The median time of `musa-build check` in this process (imports excluded)."""
    def once():
        with contextlib.redirect_stdout(io.StringIO()):
            assert cli(["--project", str(root), "check"]) == 0
    return statistics.median(timed(once) for _ in range(repeat))


def command_env(pycache: Path) -> dict:
    """The environment of a timed command: Python's bytecode kept (in `pycache`), as an installed tool has it,
    even where PYTHONDONTWRITEBYTECODE is set."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": str(pycache)}


def command_seconds(args: list[str], env: dict, repeat: int) -> float:
    """The median wall time of `musa-build ARGS` as its own process (interpreter start and imports included)."""
    def once():
        subprocess.run([sys.executable, "-m", "musa", *args], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return statistics.median(timed(once) for _ in range(repeat))


def calibration() -> float:
    """The time of a fixed pure-Python loop (dict stores), the best of 3: how fast this machine ran Python when
    the figures were taken, to compare runs of one machine at different times (shared machines vary by tens of
    per cent within an hour)."""
    def loop():
        table: dict = {}
        for i in range(2_000_000):
            table[i % 1000] = i
    return min(timed(loop) for _ in range(3))


def packing(path: Path) -> str:
    """How a target wrote `path`: a zip, a gzip tar (.tar.gz, .mbz), a folder of files, or one plain file."""
    if path.is_dir():
        return "folder"
    if path.suffix == ".zip":
        return "zip"
    if path.name.endswith((".tar.gz", ".mbz")):
        return "tar.gz"
    return "file"


def members_of(path: Path) -> dict[str, bytes]:
    kind = packing(path)
    if kind == "zip":
        with zipfile.ZipFile(path) as archive:
            return {i.filename: archive.read(i) for i in archive.infolist()}
    if kind == "tar.gz":
        with tarfile.open(path, "r:gz") as archive:
            return {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}
    if kind == "folder":
        return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}
    return {path.name: path.read_bytes()}


def stdlib_write(path: Path, members: dict[str, bytes], dest: Path) -> None:
    """The same members written with the standard library alone: the floor a build is compared with."""
    kind = packing(path)
    if kind == "zip":
        with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
            for name, data in members.items():
                archive.writestr(name, data)
    elif kind == "tar.gz":
        with tarfile.open(dest, "w:gz", compresslevel=6) as archive:
            for name, data in members.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    else:
        for name, data in members.items():
            target = dest / name if kind == "folder" else dest
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def edit_one_competence(root: Path, competence: str) -> str:
    """Append a sentence to the first lesson of `competence`; return its id."""
    lesson = sorted((root / "content" / "lessons" / competence).glob("*.md"))[0]
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    return lesson.parent.name


def measure(root: Path, jobs: int) -> dict:
    """Every figure for one catalogue, in this process."""
    with tempfile.TemporaryDirectory() as tmp:
        # first, while this process is small: a forked child's peak memory counts what it shares with us
        command = build_command(root, Path(tmp) / "command")
    project = load(root).project
    competences, courses = len(project.competences), len(project.courses())
    taught = project.courses()[0].competences[0].competence.id  # the one to edit: a course holds it
    figures: dict = {"competences": competences, "courses": courses,
                     "check_s": check_seconds(root, 3 if competences <= 420 else 1), "targets": {}, "command": command}
    pycache = tempfile.TemporaryDirectory()
    env = command_env(Path(pycache.name))
    command_seconds(["--project", str(root), "check"], env, 1)  # writes the bytecode
    figures["check_command_s"] = command_seconds(["--project", str(root), "check"], env,
                                                 3 if competences <= 420 else 1)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "serial"
        for name in targets():
            written: list = []
            seconds = timed(lambda: written.extend(build(project, out, [name], jobs=1, use_cache=False).written))
            repack = 0.0
            for w in written:  # one archive's members in memory at a time
                members = members_of(w.path)
                repack += timed(lambda: stdlib_write(w.path, members, Path(tmp) / f"repack-{name}{''.join(w.path.suffixes)}"))
            figures["targets"][name] = {"build_s": seconds, "stdlib_write_s": repack, "archives": len(written),
                                        "bytes": sum(w.size for w in written)}
        build_s = sum(t["build_s"] for t in figures["targets"].values())
        stdlib_s = sum(t["stdlib_write_s"] for t in figures["targets"].values())
        figures.update(build_s=build_s, stdlib_write_s=stdlib_s, ratio_to_stdlib=build_s / stdlib_s if stdlib_s else None,
                       build_ms_per_competence=1000 * build_s / competences,
                       check_ms_per_competence=1000 * figures["check_s"] / competences)
        names = list(targets())
        figures["jobs"] = jobs
        repeat = 3 if competences <= 420 else 1  # each a full build into an empty folder; the median counts
        runs = []
        for attempt in range(repeat):
            out = Path(tmp) / f"parallel-{attempt}"
            runs.append(timed(lambda: build(project, out, names, jobs=jobs)))
        figures["parallel_build_s"] = statistics.median(runs)
        figures["parallel_build_runs_s"] = runs
        figures["parallel_ratio_to_stdlib"] = figures["parallel_build_s"] / stdlib_s if stdlib_s else None
        full = figures["check_s"] + figures["parallel_build_s"]
        project = None  # from here on only the edited copy's model is alive, as in a real rebuild
        copy = Path(tmp) / "edited"
        for folder in ("competences", "roles", "content"):
            if (root / folder).is_dir():
                shutil.copytree(root / folder, copy / folder)
        edited = edit_one_competence(copy, taught)
        sources_cache = out / SOURCES_CACHE  # as `musa-build build` does: per-file load results kept in the output
        build(load(copy, SourceCache(sources_cache)).project, out, names, jobs=jobs)  # keys are content, not folder
        phases: dict = {}

        def rebuild():  # as `musa-build build` does it
            start = time.perf_counter()
            with survey(out) as surveyed:
                edited_project = load(copy, SourceCache(sources_cache)).project
                phases["load_s"] = time.perf_counter() - start
                phases["outcome"] = build(edited_project, out, names, jobs=jobs, surveyed=surveyed)
            phases["build_s"] = time.perf_counter() - start - phases["load_s"]
        rebuilds = []  # each after one more edit of the same lesson; the median counts
        for _ in range(5 if competences <= 420 else 3):
            edit_one_competence(copy, taught)
            gc.unfreeze()  # nothing left over from earlier loads (a build resets its processes' Markdown itself)
            gc.collect()
            seconds = timed(rebuild)
            rebuilds.append({"seconds": seconds, "load_s": phases["load_s"], "build_s": phases["build_s"]})
        outcome = phases.pop("outcome")
        middle = sorted(rebuilds, key=lambda r: r["seconds"])[len(rebuilds) // 2]
        rebuild_command = ["--project", str(copy), "build", "--out", str(out), "--jobs", str(jobs)]
        commands = []  # the same rebuild as a user runs it: `musa-build build` after an edit, its own process
        for _ in range(3 if competences <= 420 else 1):
            edit_one_competence(copy, taught)
            commands.append(command_seconds(rebuild_command, env, 1))
        figures["incremental"] = {"edited": edited, **middle, "runs_s": [r["seconds"] for r in rebuilds],
                                  "built": outcome.built, "skipped": outcome.skipped,
                                  "share_of_full": middle["seconds"] / full,
                                  "build_share_of_full_build": middle["build_s"] / figures["parallel_build_s"],
                                  "command_s": statistics.median(commands)}
    pycache.cleanup()
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    figures["peak_mb"] = self_kb / 1024
    figures["peak_worker_mb"] = children_kb / 1024
    return figures


def build_command(root: Path, out: Path) -> dict:
    """`musa-build build --jobs 1 --force` as its own process: wall time and peak memory of the whole command."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "musa", "--project", str(root), "build", "--out", str(out),
                                "--jobs", "1", "--force"], cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"musa-build build failed on {root}")
    return {"seconds": time.perf_counter() - start, "peak_mb": usage.ru_maxrss / 1024}


def child(kind: str, jobs: int) -> dict:
    """Measure one catalogue in a fresh process, so that its peak memory is its own."""
    done = subprocess.run([sys.executable, __file__, "--one", kind, "--jobs", str(jobs)],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"benchmark of {kind} failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def row(name: str, f: dict) -> str:
    per_target = "  ".join(f"{t} {v['build_s']:.2f}s" for t, v in f["targets"].items())
    inc = f["incremental"]
    return (f"{name:>6} {f['competences']:>5} {f['courses']:>4} {f['check_s'] * 1000:>7.0f} "
            f"{f['build_s']:>8.2f} {f['stdlib_write_s']:>7.2f} {f['ratio_to_stdlib']:>6.1f} "
            f"{f['parallel_build_s']:>8.2f} {f['parallel_ratio_to_stdlib']:>6.1f} {f['build_ms_per_competence']:>7.1f} "
            f"{inc['seconds']:>6.2f} {100 * inc['share_of_full']:>5.1f}% {100 * inc['build_share_of_full_build']:>5.1f}% "
            f"{inc['built']:>3}/{inc['built'] + inc['skipped']:<4} {f['command']['seconds']:>6.2f} "
            f"{f['command']['peak_mb']:>6.0f} {f['check_command_s'] * 1000:>7.0f} {inc['command_s']:>8.2f}  {per_target}")


HEADER = (f"{'':>6} {'comp':>5} {'crs':>4} {'check':>7} {'build':>8} {'stdlib':>7} {'ratio':>6} "
          f"{'build-j':>8} {'ratio-j':>6} {'ms/comp':>7} {'incr':>6} {'incr%':>6} {'bld%':>6} {'units':>8} {'cmd':>6} {'MB':>6} {'chk-cmd':>7} {'incr-cmd':>8}  "
          "per target (serial)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(str(c) for c, _ in SIZES),
                        help=f"competence counts, of {', '.join(f'{c} ({n} courses)' for c, n in SIZES)}")
    parser.add_argument("--jobs", type=int, default=default_jobs())
    parser.add_argument("--no-real", action="store_true", help="skip the repository's own content")
    parser.add_argument("--json", type=Path, default=HERE / "results.json")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        if args.one == "real":
            figures = measure(ROOT, args.jobs)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                figures = measure(write_catalogue(Path(tmp) / "catalogue", int(args.one), COURSES[int(args.one)]),
                                  args.jobs)
        print(json.dumps(figures))
        return
    kinds = ([] if args.no_real else ["real"]) + [s.strip() for s in args.sizes.split(",") if s.strip()]
    results = {"machine": {"python": platform.python_version(), "system": platform.platform(),
                           "cores": os.cpu_count(), "jobs": args.jobs, "source_date_epoch": source_epoch(),
                           "calibration_s": [calibration()]},
               "targets": list(targets()), "runs": {}}
    print("times in seconds unless marked; ratio = serial build / standard-library write of the same bytes; "
          "-j = with --jobs (median of 3 below 2,100 competences); incr = rebuild after editing one competence "
          "(load + build; median of 5, of 3 at 2,100), incr% of a full check + build -j, bld% its build phase against a full build -j; units = rebuilt/all; "
          "cmd = the whole `musa-build build --jobs 1 --force` command, MB its peak resident memory; "
          "chk-cmd (ms) and incr-cmd = `musa-build check` and the rebuild after an edit as commands (interpreter "
          "start and imports included, bytecode kept)")
    print(HEADER)
    for kind in kinds:
        figures = child(kind, args.jobs)
        results["runs"][kind] = figures
        print(row(kind, figures), flush=True)
    results["machine"]["calibration_s"].append(calibration())  # after: the machine may have changed meanwhile
    print(f"calibration loop (before, after): {', '.join(f'{s:.3f} s' for s in results['machine']['calibration_s'])}")
    synthetic = [results["runs"][k] for k in kinds if k != "real"]
    if len(synthetic) >= 2:
        for figure in ("build", "check"):
            growth = synthetic[-1][f"{figure}_ms_per_competence"] / synthetic[0][f"{figure}_ms_per_competence"]
            results[f"{figure}_cost_per_competence_growth"] = growth
            print(f"{figure} cost per competence, largest / smallest catalogue: {growth:.2f}×")
    args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
