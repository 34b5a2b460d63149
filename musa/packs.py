"""Where the compressed pieces of each unit's archives lie, and the renders it remembered (musa/memo.py), kept for
the next build (`build/.musa-packs/`).

Compressing is most of what writing an archive costs, and a rebuild after an edit changes few members of an
archive. So when a unit renders again, `archive_bytes` takes each compressed piece whose input bytes are the
same (by digest) from the archive the unit wrote last time, instead of compressing it again (see `Reuse` in
musa/archive.py). The bytes written are the same either way. A piece is taken only from an archive whose digest
is the one noted here; anything else (absent, damaged, from other code or another zlib) means compressing. A
folder's files are noted likewise, by their size, time and inode: one still so in the folder in place is linked
without being read (see `stage_tree`).

A worker notes a unit's pieces as soon as it has staged the unit's archives. If the build then fails, the notes
describe archives that never took their place: their digest is not that of the archive in place, so the next
build takes nothing from them (it compresses, as a first build does); a folder's noted files were never put in
place, so no file there has their inode.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from .archive import Reuse, Reusing
from .digests import read_cache, write_cache

FOLDER = ".musa-packs"
KIND, FORMAT = f"packs zlib {zlib.ZLIB_RUNTIME_VERSION}", 2


def index_path(out: Path, unit) -> Path:
    """Where the pieces of a unit's archives (a `Unit` of musa/build.py) are noted."""
    name = unit.course if unit.course is not None else "_project"
    return out / FOLDER / unit.target / f"{name}{'' if unit.part is None else '~' + unit.part}.{unit.lang}"


def previous(out: Path, index: Path) -> tuple[dict[str, Reuse], dict[bytes, object]]:
    """The archives the unit noted in `index` last time, by file name, to take pieces from; and its renders by key
    (see musa/memo.py). Nothing from a note that is not what this code writes."""
    noted = read_cache(index, KIND, FORMAT)
    try:
        archives, renders = noted
        return ({name: Reuse(out / where, digest, pieces) for name, (where, digest, pieces) in archives.items()},
                dict(renders))
    except (TypeError, ValueError, AttributeError):
        return {}, {}


def note(out: Path, index: Path, reusing: Reusing, archives: dict[Path, str], renders: dict[bytes, object]) -> None:
    """Note where the pieces of the archives just written (`archives`: their digests, by path) lie, and the
    renders the unit made."""
    noted = {path.name: (path.relative_to(out).as_posix(), digest, reusing.used[path.name].written)
             for path, digest in sorted(archives.items()) if path.name in reusing.used}
    if noted or renders or index.exists():
        index.parent.mkdir(parents=True, exist_ok=True)
        write_cache(index, KIND, FORMAT, (noted, renders))
