"""What `build` tells a person: a progress line on a terminal, a table of the archives, a JSON summary for CI."""

from __future__ import annotations

import os
from typing import TextIO

from .build import Outcome, Unit
from .model import Project
from .summary import counts


class Progress:
    """One line rewritten in place on a terminal (`[3/7] built olx/dsm`); silent when not a terminal."""

    def __init__(self, stream: TextIO):
        self.stream, self.shown = stream, False
        self.active = stream.isatty()

    def update(self, done: int, total: int, unit: Unit, cached: bool) -> None:
        if self.active:
            line = f"[{done}/{total}] {'up to date' if cached else 'built'} {unit.label}"
            self.stream.write(f"\r\x1b[K{line}")
            self.stream.flush()
            self.shown = True

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def size_text(size: int) -> str:
    if size < 1000:
        return f"{size} B"
    return f"{size / 1000:.1f} kB" if size < 1_000_000 else f"{size / 1_000_000:.1f} MB"


def table_lines(outcome: Outcome, out) -> list[str]:
    """The table of archives: course, target, archive (relative to the output folder), size and contents."""
    header = ("course", "target", "archive", "size", "quizzes", "questions", "rubrics")
    rows = [(w.course, w.target, os.path.relpath(w.path, out) + (" (up to date)" if w.cached else ""),
             size_text(w.size), *("–" if n is None else str(n) for n in (w.quizzes, w.questions, w.rubrics)))
            for w in outcome.written]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    right = {3, 4, 5, 6}

    def line(row) -> str:
        return "  ".join(cell.rjust(w) if i in right else cell.ljust(w)
                         for i, (cell, w) in enumerate(zip(row, widths))).rstrip()
    total = sum(w.size for w in outcome.written)
    removed = [f"removed (no longer built): {os.path.relpath(path, out)}" for path in outcome.removed]
    return [line(header), line(["-" * w for w in widths]), *map(line, rows), *removed,
            f"{len(outcome.written)} archives, {size_text(total)}: {outcome.built} built, "
            f"{outcome.skipped} up to date" + (f", {len(removed)} removed" if removed else "")]


def summary(project: Project, outcome: Outcome) -> dict:
    """The `--json` summary."""
    return {"counts": counts(project), "built": outcome.built, "skipped": outcome.skipped,
            "archives": [{"course": w.course, "target": w.target, "path": str(w.path), "size": w.size,
                          "quizzes": w.quizzes, "questions": w.questions, "rubrics": w.rubrics,
                          "cached": w.cached} for w in outcome.written],
            "removed": [str(path) for path in outcome.removed]}
