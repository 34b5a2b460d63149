"""Checks of built archives against what their consumers accept.

Each archive kind is one module here with `detect(path) -> bool` and `validate_archive(path) -> Report`,
listed in KINDS; `musa-build validate` asks each in turn which kind a file is (`sniff`), once a gzip or zip file
has read back whole and within LARGEST. A pipe, socket or device is never read (`special`).
"""

from __future__ import annotations

import gzip
import importlib
import stat
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
    why = special(path) or unreadable(path)
    if why is not None:
        return None, why
    for kind, module in validators().items():
        try:
            if module.detect(path):
                return kind, None
        except DAMAGED as exc:
            return None, f"{DAMAGED_ARCHIVE}: {_reason(exc)}"
    return None, None


def special(path: Path) -> str | None:
    """Why what stands at `path` is not read at all: it is neither a file nor a folder but a pipe, socket or device
    (reading one may wait for a writer, as a pipe does, or never end, as /dev/zero does). None for anything else."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return "a special file (a pipe, socket or device), not an archive; not read"


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


def _refused(path: Path, why: str) -> Report:
    report = Report()
    report.add(path.name, why)
    return report


def examine(path: Path) -> tuple[str | None, Report] | None:
    """The kind of `path` and its report: every check of that kind, or why it was not read (see `sniff`); None
    when no kind recognises it and it is no damaged or oversized archive."""
    kind, why = sniff(path)
    if why is not None:
        return None, _refused(path, why)
    if kind is None:
        return None
    try:
        return kind, validators()[kind].validate_archive(path)
    except DAMAGED as exc:
        return kind, _refused(path, f"{DAMAGED_ARCHIVE}: {_reason(exc)}")


def unknown(path: Path) -> Report:
    """The report on a file named to be checked that no kind recognises."""
    return _refused(path, f"not an archive musa-build knows how to check (known kinds: {', '.join(KINDS)})")


def validate(path: Path) -> tuple[str | None, Report]:
    """Detect the kind of `path` and run every check of that kind."""
    return examine(path) or (None, unknown(path))


__all__ = ["KINDS", "Problem", "Report", "detect", "examine", "sniff", "special", "unknown", "unreadable",
           "validate", "validators"]
