"""Markdown to HTML for every exporter: CommonMark plus tables, raw HTML disabled (it is shown as text)."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

_RENDERER = MarkdownIt("commonmark", {"html": False}).enable("table")


def to_html(text: str) -> Markup:
    """The HTML of one Markdown text; any raw HTML in the source is escaped, never passed through."""
    return Markup(_RENDERER.render(text))
