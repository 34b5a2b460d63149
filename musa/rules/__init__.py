"""Semantic rules over validated sources: references, counts, hours, dates. Each rule reports located problems."""

from __future__ import annotations

from ..errors import Diagnostics
from ..sourcecache import SourceCache, key_of
from ..sources import Sources
from .competences import check_competence
from .courses import check_role, check_workshop
from .placeholders import check_placeholders
from .programmes import check_languages, check_programme, check_usage


def check_sources(sources: Sources, diags: Diagnostics, cache: SourceCache | None = None) -> None:
    """Run every rule on every valid document. The rules of one competence file, and the placeholder rule, read
    nothing but the file and its bodies: `cache` keeps their diagnostics by the digest of those."""
    cache = cache or SourceCache()
    for doc in sources.docs["competence"].values():
        cache.memo(key_of("competence rules", sources.fingerprints[doc.path]),
                   lambda found: check_competence(doc, sources, found), diags)
    for doc in sources.docs["programme"].values():
        check_programme(doc, sources, diags)
    for doc in sources.docs["role"].values():
        check_role(doc, sources, diags)
    for doc in sources.docs["workshop"].values():
        check_workshop(doc, sources, diags)
    check_usage(sources, diags)
    check_languages(sources, diags)
    for docs in sources.docs.values():
        for doc in docs.values():
            cache.memo(key_of("placeholders", sources.fingerprints[doc.path]),
                       lambda found: check_placeholders(doc, found), diags)
