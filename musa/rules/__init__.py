"""Semantic rules over validated sources: references, counts, hours, dates. Each rule reports located problems."""

from __future__ import annotations

from ..errors import Diagnostics
from ..sources import Sources
from .competences import check_competence
from .courses import check_role, check_workshop
from .placeholders import check_placeholders
from .programmes import check_programme, check_usage


def check_sources(sources: Sources, diags: Diagnostics) -> None:
    """Run every rule on every valid document."""
    for doc in sources.docs["competence"].values():
        check_competence(doc, sources, diags)
    for doc in sources.docs["programme"].values():
        check_programme(doc, sources, diags)
    for doc in sources.docs["role"].values():
        check_role(doc, sources, diags)
    for doc in sources.docs["workshop"].values():
        check_workshop(doc, sources, diags)
    check_usage(sources, diags)
    for docs in sources.docs.values():
        for doc in docs.values():
            check_placeholders(doc, diags)
