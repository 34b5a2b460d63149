"""Checks of built archives against what their consumers accept.

Each archive kind is one module here with `detect(path) -> bool` and `validate_archive(path) -> Report`,
listed in KINDS; `musa-build validate` asks each in turn which kind a file is (`sniff`), once a gzip or zip file
has read back whole and within LARGEST.
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
DAMAGED_ARCHIVE = "a damaged or truncated archive"
GZIP_START, ZIP_START = b"\x1f\x8b", b"PK\x03\x04"
LARGEST = 2**30  # what an archive may expand to (musa-build writes a few tens of MB at most); beyond, it is not read

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
    """The kind of archive at `path` (None when no validator recognises it); or why it is not checked at all: a
    gzip or zip file that does not read back whole (a tar reader stops quietly at a damaged header, and a kind's
    checks read only the members they need) or that would expand beyond LARGEST."""
    why = unreadable(path)
    if why is not None:
        return None, why
    for kind, module in validators().items():
        try:
            if module.detect(path):
                return kind, None
        except DAMAGED as exc:
            return None, f"{DAMAGED_ARCHIVE}: {_reason(exc)}"
    return None, None


def _too_large() -> str:
    return f"an archive that expands to more than {LARGEST >> 20} MiB; not checked"


def unreadable(path: Path) -> str | None:
    """Why a file that starts as a gzip or zip archive is not read further: it does not read back whole (each zip
    member against its CRC-32, a gzip stream to its end and its CRC-32), or it expands beyond LARGEST. None for a
    whole archive and for any other file."""
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        start = handle.read(len(ZIP_START))
    try:
        if start.startswith(GZIP_START):
            expanded = 0
            with gzip.open(path) as stream:
                while chunk := stream.read(1 << 20):
                    expanded += len(chunk)
                    if expanded > LARGEST:
                        return _too_large()
        elif start == ZIP_START:
            with zipfile.ZipFile(path) as archive:
                if sum(member.file_size for member in archive.infolist()) > LARGEST:  # what reading stops at
                    return _too_large()
                failing = archive.testzip()
            if failing is not None:
                return f"{DAMAGED_ARCHIVE}: member {failing} does not match its CRC-32"
    except DAMAGED as exc:
        return f"{DAMAGED_ARCHIVE}: {_reason(exc)}"
    return None


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def refused(path: Path, why: str) -> Report:
    """The report on an archive `sniff` refused to check."""
    report = Report()
    report.add(path.name, why)
    return report


def check(kind: str, path: Path) -> Report:
    """Every check of `kind` on `path` (which `sniff` recognised)."""
    try:
        return validators()[kind].validate_archive(path)
    except DAMAGED as exc:
        return refused(path, f"{DAMAGED_ARCHIVE}: {_reason(exc)}")


def validate(path: Path) -> tuple[str | None, Report]:
    """Detect the kind of `path` and run every check of that kind."""
    kind, why = sniff(path)
    if kind is None:
        if why is not None:
            return None, refused(path, why)
        report = Report()
        report.add(path.name, f"not an archive musa-build knows how to check (known kinds: {', '.join(KINDS)})")
        return None, report
    return kind, check(kind, path)


__all__ = ["KINDS", "Problem", "Report", "check", "detect", "refused", "sniff", "unreadable", "validate",
           "validators"]
