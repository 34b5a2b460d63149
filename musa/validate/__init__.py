"""Checks of built archives against what their consumers accept.

Each archive kind is one module here with `detect(path) -> bool` and `validate_archive(path) -> Report`,
listed in KINDS; `musa-build validate` asks each in turn which kind a file is.
"""

from __future__ import annotations

import gzip
import importlib
import tarfile
import zipfile
import zlib
from pathlib import Path

from .report import Problem, Report

# What reading a damaged or truncated archive raises, in whichever check reads it first.
DAMAGED = (EOFError, zlib.error, gzip.BadGzipFile, tarfile.TarError, zipfile.BadZipFile)
GZIP_START, ZIP_START = b"\x1f\x8b", b"PK\x03\x04"

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
    return sniff(path)[0]


def sniff(path: Path) -> tuple[str | None, str | None]:
    """The kind of archive at `path` (None when no validator recognises it); and, when none does, why it could
    not be read, if it is a damaged archive (a gzip or zip file that ends too soon, say)."""
    damage = None
    for kind, module in validators().items():
        try:
            if module.detect(path):
                return kind, None
        except DAMAGED as exc:
            damage = damage or _reason(exc)
    return None, damage or unreadable(path)


def unreadable(path: Path) -> str | None:
    """Why a file that starts as a gzip or zip archive cannot be read whole; None for any other file."""
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        start = handle.read(len(ZIP_START))
    try:
        if start.startswith(GZIP_START):
            with gzip.open(path) as stream:
                while stream.read(1 << 20):
                    pass
        elif start == ZIP_START:
            with zipfile.ZipFile(path) as archive:
                failing = archive.testzip()
            if failing is not None:
                return f"member {failing} does not match its CRC-32"
    except DAMAGED as exc:
        return _reason(exc)
    return None


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def damaged(path: Path, reason: str) -> Report:
    report = Report()
    report.add(path.name, f"a damaged or truncated archive: {reason}")
    return report


def check(kind: str, path: Path) -> Report:
    """Every check of `kind` on `path`, once the whole archive reads back intact (each zip member against its
    CRC-32, a gzip stream to its end and its CRC-32: a tar reader stops quietly at a damaged header, and a check
    reads only the members it needs); a damaged archive is reported as such."""
    damage = unreadable(path)
    if damage is not None:
        return damaged(path, damage)
    try:
        return validators()[kind].validate_archive(path)
    except DAMAGED as exc:
        return damaged(path, _reason(exc))


def validate(path: Path) -> tuple[str | None, Report]:
    """Detect the kind of `path` and run every check of that kind."""
    kind, damage = sniff(path)
    if kind is None:
        if damage is not None:
            return None, damaged(path, damage)
        report = Report()
        report.add(path.name, f"not an archive musa-build knows how to check (known kinds: {', '.join(KINDS)})")
        return None, report
    return kind, check(kind, path)


__all__ = ["KINDS", "Problem", "Report", "check", "damaged", "detect", "sniff", "unreadable", "validate",
           "validators"]
