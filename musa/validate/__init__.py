"""Checks of built archives against what their consumers accept.

Each archive kind is one module here with `detect(path) -> bool` and `validate_archive(path) -> Report`,
listed in KINDS; `musa-build validate` asks each in turn which kind a file is.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from .report import Problem, Report

# kind name → module under musa.validate; the order is the order detection tries them in.
KINDS: dict[str, str] = {
    "olx": "olx",
    "moodle": "moodle",
    "moodle-questions-xml": "moodle_xml",
    "moodle-questions-gift": "gift",
    "moodle-competencies": "moodle_competencies",
    "scorm": "scorm",
}


def validators() -> dict[str, object]:
    return {kind: importlib.import_module(f"{__name__}.{module}") for kind, module in KINDS.items()}


def detect(path: Path) -> str | None:
    """The kind of archive at `path`, or None when no validator recognises it."""
    for kind, module in validators().items():
        if module.detect(path):
            return kind
    return None


def validate(path: Path) -> tuple[str | None, Report]:
    """Detect the kind of `path` and run every check of that kind."""
    kind = detect(path)
    if kind is None:
        report = Report()
        report.add(path.name, f"not an archive musa-build knows how to check (known kinds: {', '.join(KINDS)})")
        return None, report
    return kind, validators()[kind].validate_archive(path)


__all__ = ["KINDS", "Problem", "Report", "detect", "validate", "validators"]
