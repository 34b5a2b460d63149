"""The load stage as one call: read sources, validate, check, and build the frozen model."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import Diagnostics
from .model import Project
from .resolve import build_project
from .rules import check_sources
from .sources import Sources, read_sources


@dataclass
class Loaded:
    """The outcome of loading a project: the model (None when there are errors), every diagnostic, the sources."""

    project: Project | None
    diagnostics: Diagnostics
    sources: Sources


def load(root: Path) -> Loaded:
    diags = Diagnostics()
    sources = read_sources(root, diags)
    check_sources(sources, diags)
    project = None if diags.errors or sources.broken else build_project(sources)
    return Loaded(project, diags, sources)
