"""Stat signatures of archives: what tells an archive in place from the one a build wrote (see musa/survey.py).

Also the survey's second process (`main`): it imports nothing beyond this module and what it needs (a new
interpreter's imports are most of what it costs), reads archive names on its standard input and answers with
their signatures on its standard output, each name and signature ended by a NUL ('' for an absent archive).
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys


def stat_signature(path) -> str | None:
    """Size, modification time and inode of a file, or of every file of a folder: what changes when the
    archive is edited, replaced or deleted. None when it is absent."""
    try:
        st = os.stat(path)
        if not stat.S_ISDIR(st.st_mode):
            return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"
        digest = hashlib.sha256()
        _stat_tree(os.fspath(path), "", digest)
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


def main() -> None:
    """The survey's process: the folder the names are relative to is its argument; names come on its input."""
    folder = sys.argv[1]
    names = [name for name in sys.stdin.buffer.read().decode("utf-8", "surrogateescape").split("\0") if name]
    out = []
    for name in names:
        out += (name, stat_signature(os.path.join(folder, name)) or "")
    sys.stdout.buffer.write("".join(f"{part}\0" for part in out).encode("utf-8", "surrogateescape"))
