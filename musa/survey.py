"""The archives a build finds in place: their stat signatures, taken while the sources load.

An incremental build skips a unit only when every file it wrote last time is still as written, which it tells by
size, modification time and inode (as `git status` does). For a catalogue of hundreds of courses that is tens of
thousands of `stat` calls. Loading the sources keeps one core busy and leaves the others idle, so `Survey`
starts a second process that takes the signatures meanwhile and hands them over when the build asks. When
anything goes wrong there, the build stats the files itself: the survey only saves time.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
from pathlib import Path


def recorded(units: dict) -> list[str]:
    """The archive names a build cache's units record (see `Cache` in musa/build.py), relative to its folder."""
    return [name for entry in units.values() if isinstance(entry, dict) and isinstance(entry.get("archives"), dict)
            for name in entry["archives"]]


class Survey:
    """The signatures of the archives recorded in the build cache `cache` (a JSON file), by name, taken by a
    second process from the moment this is made (none without a cache). Use it as a context manager: leaving it
    ends that process, whether or not `signatures()` was called.

    The process is a new interpreter, not a fork: a forked child shares this process's memory, and every page
    the load then writes would be copied (measured: that costs the load more than the survey saves)."""

    WAIT = 30.0  # seconds to wait for the answer before going without it

    def __init__(self, cache: Path | None):
        self.process: subprocess.Popen | None = None
        self.taken: dict[str, str | None] | None = None
        if cache is None:
            return
        try:
            units = json.loads(cache.read_text(encoding="utf-8")).get("units", {})
            names = "".join(f"{name}\0" for name in recorded(units) if "\0" not in name).encode("utf-8",
                                                                                          "surrogateescape")
        except (OSError, ValueError, AttributeError):
            return  # no cache to survey: the build reads none either
        package_parent = Path(__file__).resolve().parent.parent
        try:  # without site-packages (-S): it needs none, and its start is most of what it costs
            self.process = subprocess.Popen(
                [sys.executable, "-S", "-c", "from musa.signatures import main; main()", str(cache.parent)],
                cwd=package_parent, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError:
            self.process = None
            return
        # the names go in from a thread: more than a pipe holds would block this process until the other reads
        threading.Thread(target=_send, args=(self.process.stdin, names), daemon=True,
                         name="musa-survey-names").start()

    def signatures(self) -> dict[str, str | None]:
        """What the second process found (waiting for it); empty when there is none or it failed."""
        if self.taken is None:
            self.taken = {}
            if self.process is not None:
                try:
                    payload = self._read()
                    self.taken = _answer(payload) if payload is not None and self.process.wait() == 0 else {}
                except Exception:
                    self.taken = {}
                self.close()
        return self.taken

    def _read(self) -> bytes | None:
        """The whole answer, or None when it does not come within WAIT seconds."""
        source, chunks = self.process.stdout.fileno(), []
        while True:
            ready, _, _ = select.select([source], [], [], self.WAIT)
            if not ready:
                return None
            chunk = os.read(source, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)

    def close(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()
            self.process.stdout.close()
            self.process = None

    def __enter__(self) -> Survey:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _send(pipe, names: bytes) -> None:
    try:
        pipe.write(names)
        pipe.close()
    except (OSError, ValueError):
        pass  # the process ended early, or was ended: its answer (or none) says so


def _answer(payload: bytes) -> dict[str, str | None]:
    """The signatures in the second process's answer (see musa/signatures.py), by archive name."""
    parts = payload.decode("utf-8", "surrogateescape").split("\0")
    if len(parts) % 2 != 1 or parts[-1]:
        return {}  # not what it writes: an incomplete answer
    return {name: signature or None for name, signature in zip(parts[0:-1:2], parts[1:-1:2])}
