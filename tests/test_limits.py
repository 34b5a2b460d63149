"""Every broken fixture project, run as a real process under limits: at most 2 s and 200 MB of address space.

A limit, not a benchmark: each fixture runs `musa-build` in a subprocess with RLIMIT_AS set, its own peak
resident memory read from wait4(), its wall time measured; its exit code and messages must still be the exact
expected ones. Files too big to commit (50 MB) are generated into a temporary folder here.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import copy_project
from test_broken_projects import CASES, BROKEN, HEADER, materialise

SECONDS = 2.0
MEGABYTES = 200
MUSA_BUILD = [sys.executable, "-m", "musa"]


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEGABYTES * 2**20, MEGABYTES * 2**20))


def run_limited(project: Path, args: list[str], tmp_path: Path) -> tuple[int, str, float, float]:
    """Exit code, standard error, seconds and peak resident megabytes of one `musa-build` process."""
    err_file = tmp_path / "stderr.txt"
    with open(err_file, "wb") as err, open(os.devnull, "wb") as out:
        start = time.monotonic()
        process = subprocess.Popen([*MUSA_BUILD, "--project", str(project), *args], stdout=out, stderr=err,
                                   preexec_fn=limit_memory, cwd=tmp_path)
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            elapsed = time.monotonic() - start
            if pid:
                break
            if elapsed > 10 * SECONDS:
                process.kill()
                process.wait()
                pytest.fail(f"still running after {elapsed:.1f} s")
            time.sleep(0.005)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, err_file.read_text(encoding="utf-8"), elapsed, usage.ru_maxrss / 1024


def within_limits(seconds: float, megabytes: float) -> None:
    assert seconds <= SECONDS, f"took {seconds:.2f} s (limit {SECONDS} s)"
    assert megabytes <= MEGABYTES, f"peaked at {megabytes:.0f} MB (limit {MEGABYTES} MB)"


@pytest.mark.parametrize("name", CASES)
def test_fixture_within_limits(name, tmp_path):
    header, *expected = (BROKEN / name / "expected.txt").read_text(encoding="utf-8").splitlines()
    match = HEADER.fullmatch(header)
    project = materialise(name, tmp_path)
    code, err, seconds, megabytes = run_limited(project, match["args"].split(), tmp_path)
    assert "Traceback" not in err
    assert (code, err.splitlines()) == (int(match["code"]), expected)
    within_limits(seconds, megabytes)


@pytest.mark.parametrize("where", ["competences/comp-c.yaml", "content/lessons/comp-a/records.md"])
def test_fifty_megabyte_file(where, tmp_path):
    project = copy_project("minimal", tmp_path)
    path = project / where
    with open(path, "wb") as handle:
        line = b"- " + b"x" * 98 + b"\n"
        for _ in range(50 * 2**20 // len(line) + 1):
            handle.write(line)
    size = path.stat().st_size
    code, err, seconds, megabytes = run_limited(project, ["check", "--strict"], tmp_path)
    assert f"{where}: expected a file of at most 1000000 bytes, got {size} bytes; split it" in err.splitlines()
    assert code == 1 and "Traceback" not in err
    within_limits(seconds, megabytes)


def test_valid_unicode_and_right_to_left_titles_build(tmp_path):
    project = materialise("rtl-title-valid", tmp_path)
    code, err, seconds, _ = run_limited(project, ["build", "--jobs", "1"], tmp_path)
    assert (code, err) == (0, "")
    built = sorted(p.name for p in (project / "build").rglob("*") if p.is_file() and not p.name.startswith("."))
    assert built and all(name.startswith("curator") for name in built)
