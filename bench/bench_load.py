"""Benchmark: how long loading, checking and modelling the whole catalogue takes. Prints figures; asserts nothing.

Run: `.venv/bin/python bench/bench_load.py [--repeat N]`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from musa.archive import archive_bytes  # noqa: E402
from musa.project import load  # noqa: E402
from musa.summary import counts  # noqa: E402


def timed(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    result = load(ROOT)
    n = counts(result.project)
    print(f"catalogue: {result.sources.files_read} files, {n['competences']} competences, {n['questions']} questions")
    load_times = timed(lambda: load(ROOT), args.repeat)
    print(f"load + check + model: median {statistics.median(load_times) * 1000:.0f} ms, "
          f"min {min(load_times) * 1000:.0f} ms over {args.repeat} runs")
    members = {f"file{i:04d}.xml": b"<x>" + b"museum " * 200 + b"</x>" for i in range(2000)}
    size = sum(map(len, members.values()))
    for name in ("bench.tar.gz", "bench.zip"):
        write_times = timed(lambda: archive_bytes(name, members), args.repeat)
        print(f"archive {name}: 2000 members, {size / 1e6:.1f} MB in, median "
              f"{statistics.median(write_times) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
