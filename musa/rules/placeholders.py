"""Placeholders left in the sources: any text that starts with "TODO" is a warning at its place.

`musa-build new` writes skeletons full of such texts, so a skeleton passes `check` while `check --strict`
lists every one that still waits for its content.
"""

from __future__ import annotations

import re

from ..errors import Diagnostics
from ..yamlsource import Document

PLACEHOLDER = re.compile(r"\s*TODO\b")


def _walk(value, parts: tuple, found: list) -> None:
    if isinstance(value, str):
        if PLACEHOLDER.match(value):
            found.append((parts, value))
    elif isinstance(value, dict):
        for key, item in value.items():
            _walk(item, parts + (key,), found)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk(item, parts + (i,), found)


def check_placeholders(doc: Document, diags: Diagnostics) -> None:
    found: list = []
    _walk(doc.data, (), found)
    for parts, value in found:
        shown = value.strip().splitlines()[0]
        if len(shown) > 60:
            shown = shown[:59] + "…"
        diags.warning(doc.loc(parts), f"expected the real text, got the placeholder '{shown}'")
