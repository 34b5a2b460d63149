"""The benchmark runs (smoke run at the smallest size) and its JSON holds every figure; no time is asserted."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT
from musa.exporters import REGISTRY, targets

FIGURES = {"competences", "courses", "check_s", "targets", "build_s", "stdlib_write_s", "ratio_to_stdlib",
           "check_ms_per_competence",
           "build_ms_per_competence", "command", "jobs", "parallel_build_s", "parallel_ratio_to_stdlib", "incremental",
           "peak_mb", "peak_worker_mb", "check_command_s"}


def test_bench_smallest_size_writes_its_figures(tmp_path):
    out = tmp_path / "results.json"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--sizes", "42", "--no-real",
                           "--jobs", "2", "--json", str(out)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["targets"] == list(targets())
    assert len(results["machine"]["calibration_s"]) == 2 and min(results["machine"]["calibration_s"]) > 0
    run = results["runs"]["42"]
    assert FIGURES <= set(run)
    assert (run["competences"], run["courses"], run["jobs"]) == (42, 4, 2)
    assert set(run["targets"]) == set(targets())
    for name, figures in run["targets"].items():
        # at least one archive per course (two question files, one package per unit…), or one for the project
        assert figures["archives"] >= (1 if REGISTRY[name].project_wide() else 4), name
        assert figures["build_s"] > 0 and figures["stdlib_write_s"] > 0 and figures["bytes"] > 0
    assert run["incremental"]["built"] >= 1 and run["incremental"]["skipped"] >= 1
    assert run["check_command_s"] > 0 and run["incremental"]["command_s"] > 0  # commands that ran (and passed)
    assert 0 < run["peak_mb"]
    assert "42" in done.stdout.split("\n", 2)[2]
