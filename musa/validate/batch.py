"""Validating many archives at once: named files, or whole folders searched for every kind in KINDS.

A file named on the command line that no kind recognises is a failure; inside a folder it is skipped (and
the table says so), since build/ also holds the preview site and other files that are not archives. A pipe or
device is never read: named, it fails; inside a folder, it is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import examine, special, unknown
from .report import Problem, Report

OK, FAILED, SKIPPED = "ok", "FAILED", "skipped"


@dataclass
class Row:
    path: str
    kind: str | None
    result: str  # ok | FAILED | skipped
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    unavailable: list[str] = field(default_factory=list)
    note: str = ""

    def as_json(self) -> dict:
        return {"path": self.path, "kind": self.kind, "result": self.result,
                "problems": [{"file": p.file, "message": p.message} for p in self.problems],
                "counts": dict(sorted(self.counts.items())), "unavailable": self.unavailable, "note": self.note}


def _checked(path: Path, kind: str | None, report: Report) -> Row:
    return Row(str(path), kind, FAILED if report.problems else OK, list(report.problems), dict(report.counts),
               list(report.unavailable))


def _walk(folder: Path) -> tuple[list[Row], dict[Path, int]]:
    """Rows for every archive under `folder`; counts of unrecognised files by the top entry they sit under."""
    rows: list[Row] = []
    skipped: dict[Path, int] = {}

    def visit(path: Path, top: Path) -> None:
        if special(path) is not None:  # a pipe or device left in the folder: never read, like any other stranger
            skipped[top] = skipped.get(top, 0) + 1
            return
        examined = examine(path)
        if examined is not None:
            rows.append(_checked(path, *examined))
        elif path.is_dir():
            for child in sorted(path.iterdir()):
                if not child.name.startswith("."):
                    visit(child, top)
        elif path.is_file():
            skipped[top] = skipped.get(top, 0) + 1

    for child in sorted(folder.iterdir()):
        if not child.name.startswith("."):
            visit(child, child)
    return rows, skipped


def collect(paths: list[Path]) -> list[Row]:
    """One row per archive found (and one per group of skipped files), in the order given."""
    rows: list[Row] = []
    for path in paths:
        examined = examine(path)
        if examined is not None:
            rows.append(_checked(path, *examined))
        elif path.is_dir():
            found, skipped = _walk(path)
            rows += found
            for top, n in sorted(skipped.items()):
                shown = f"{top}/" if top.is_dir() else str(top)
                rows.append(Row(shown, None, SKIPPED, note=f"{n} file{'s' if n != 1 else ''} no kind recognises"))
            if not found and not skipped:
                rows.append(Row(f"{path}/", None, SKIPPED, note="empty folder"))
        else:
            rows.append(_checked(path, None, unknown(path)))
    return rows


def table(rows: list[Row]) -> list[str]:
    """The rows as an aligned text table: file, kind, result, problems, key counts."""
    header = ("file", "kind", "result", "problems", "counts")
    body = [(r.path, r.kind or "—", r.result, str(len(r.problems)) if r.result != SKIPPED else "—",
             r.note or ", ".join(f"{n} {name}" for name, n in sorted(r.counts.items()))) for r in rows]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(4)]
    lines = []
    for line in [header, *body]:
        lines.append("  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(line)).rstrip())
    return lines
