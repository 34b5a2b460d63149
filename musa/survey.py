"""The archives a build finds in place: their stat signatures, taken while the sources load.

An incremental build skips a unit only when every file it wrote last time is still as written, which it tells by
size, modification time and inode (as `git status` does). For a catalogue of hundreds of courses that is tens of
thousands of `stat` calls. Loading the sources keeps one core busy and leaves the others idle, so `Survey`
starts a second process that takes the signatures meanwhile and hands them over when the build asks. When
anything goes wrong there, the build stats the files itself: the survey only saves time.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import select
import subprocess
import sys
from pathlib import Path


def stat_signature(path: Path) -> str | None:
    """Size, modification time and inode of a file, or of every file of a folder: what changes when the
    archive is edited, replaced or deleted. None when it is absent."""
    try:
        if not path.is_dir():
            st = path.stat()
            return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"
        digest = hashlib.sha256()
        _stat_tree(str(path), "", digest)
        return digest.hexdigest()
    except OSError:
        return None


def _stat_tree(folder: str, prefix: str, digest) -> None:
    with os.scandir(folder) as found:
        entries = sorted(found, key=lambda e: e.name)
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            _stat_tree(entry.path, f"{prefix}{entry.name}/", digest)
        else:
            st = entry.stat(follow_symlinks=False)
            digest.update(f"{prefix}{entry.name}\0{st.st_size}:{st.st_mtime_ns}:{st.st_ino}\0".encode())


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
        package_parent = Path(__file__).resolve().parent.parent
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from musa.survey import main; main()", str(cache)], cwd=package_parent,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError:
            self.process = None

    def signatures(self) -> dict[str, str | None]:
        """What the second process found (waiting for it); empty when there is none or it failed."""
        if self.taken is None:
            self.taken = {}
            if self.process is not None:
                try:
                    payload = self._read()
                    found = pickle.loads(payload) if payload and self.process.wait() == 0 else {}
                    self.taken = found if isinstance(found, dict) else {}
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


def main() -> None:
    """The second process: the signatures of the archives the cache file named on the command line records, as a
    pickle on standard output."""
    cache = Path(sys.argv[1])
    units = json.loads(cache.read_text(encoding="utf-8")).get("units", {})
    signatures = {name: stat_signature(cache.parent / name) for name in recorded(units)}
    sys.stdout.buffer.write(pickle.dumps(signatures, protocol=pickle.HIGHEST_PROTOCOL))
