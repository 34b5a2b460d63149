"""The load stage as one call: read sources, validate, check, and build the frozen model."""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path

from .errors import Diagnostics
from .model import Project
from .resolve import build_project
from .rules import check_sources
from .sourcecache import SourceCache
from .sources import Sources, read_sources


@dataclass
class Loaded:
    """The outcome of loading a project: the model (None when there are errors), every diagnostic, the sources."""

    project: Project | None
    diagnostics: Diagnostics
    sources: Sources


def load(root: Path, cache: SourceCache | None = None) -> Loaded:
    """Load the project at `root`; `cache` (see `musa/sourcecache.py`) keeps per-file results between runs.

    The cyclic garbage collector is paused meanwhile, and what was loaded is then moved out of its sight
    (`gc.freeze`): loading allocates millions of small acyclic objects (it leaves no cycles), and the
    collector's passes over them made loading, and the build after it, grow faster than the catalogue."""
    paused = gc.isenabled()
    if gc.get_freeze_count():  # an earlier load in this process (preview --serve, tests): free what it left first
        gc.unfreeze()
        gc.collect()
    gc.disable()
    try:
        diags = Diagnostics()
        sources = read_sources(root, diags, cache)
        check_sources(sources, diags, cache)
        project = None if diags.error_count or sources.broken else build_project(sources)
    finally:
        gc.freeze()
        if paused:
            gc.enable()
    if cache is not None and project is not None:
        cache.save()  # a failed load writes nothing
    return Loaded(project, diags, sources)
