"""Markdown to HTML for every exporter: CommonMark plus tables, raw HTML shown as text, then an allowlist.

Raw HTML in the sources is escaped (shown as text, so `<title>` round-trips); the rendered HTML then passes
through nh3 with the allowlist below, so no script, style, event attribute or `javascript:` link reaches any
target whatever the Markdown parser lets through. The result is also well-formed XHTML (void elements closed,
no HTML-only entities), so a target may embed it in XML.
"""

from __future__ import annotations

import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_RENDERER = MarkdownIt("commonmark", {"html": False}).enable("table")

# Everything the Markdown renderer emits, and nothing else.
TAGS = frozenset({"a", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "img", "li",
                  "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul"})
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"},
              "td": {"style"}, "th": {"style"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
STYLE_PROPERTIES = frozenset({"text-align"})
VOID = re.compile(r"<(br|hr|img)(\s[^>]*)?>")


# The allowlist made once: a sanitiser built for every text took a third longer.
_CLEANER = nh3.Cleaner(tags=set(TAGS), attributes={k: set(v) for k, v in ATTRIBUTES.items()},
                       url_schemes=set(URL_SCHEMES), link_rel=None, strip_comments=True,
                       filter_style_properties=set(STYLE_PROPERTIES))


def sanitise(html: str) -> str:
    """Keep only the allowlisted tags, attributes, URL schemes and style properties."""
    clean = _CLEANER.clean(html)
    return VOID.sub(lambda m: f"<{m[1]}{m[2] or ''} />", clean).replace("&nbsp;", "&#160;")


# Characters with a meaning in Markdown or HTML somewhere in a line, or that the allowlist would write otherwise.
MARKUP = frozenset("*_`[]!<>&\\|~{}\"")


def is_plain(text: str) -> bool:
    """A one-line sentence Markdown leaves as it is: it starts with a letter, has no surrounding or unusual space
    (every character printable) and none of MARKUP. Most short texts (feedback, prompts, outcomes) are."""
    return (text[:1].isalpha() and text.isprintable() and text == text.strip()
            and MARKUP.isdisjoint(text))


# The parser's HTML by Markdown text: what earlier builds parsed (a build passes it in, see musa/markdowncache.py),
# and what this process has used since a build last took it. Only the parser's work is kept between builds: the
# allowlist runs on every text, so nothing kept reaches a target without passing it.
_parsed: dict[str, str] = {}
_used: dict[str, str] = {}


def use_parsed(parsed: dict[str, str]) -> None:
    """Start from these parser results (an earlier build's, only read: taken as they are, not copied),
    forgetting what this process converted so far."""
    global _parsed
    _parsed = parsed
    _used.clear()
    to_html.cache_clear()


def take_used(new_only: bool = False) -> dict[str, str]:
    """The parser results this process used (parsed or found) since the last call: what a later build reuses;
    `new_only`: only those it parsed (a build that keeps the earlier results anyway needs no more)."""
    used = {text: html for text, html in _used.items() if text not in _parsed} if new_only else dict(_used)
    _used.clear()
    return used


def _parse(text: str) -> str:
    html = _parsed.get(text)
    if html is None:
        html = _RENDERER.render(text)
    _used[text] = html
    return html


@lru_cache(maxsize=8192)
def to_html(text: str) -> Markup:
    """The HTML of one Markdown text; raw HTML in the source is escaped, and the result is allowlisted.
    A plain sentence is one paragraph as it is (the same bytes as rendering it; a test holds the two together).
    Cached: a competence's lessons are rendered once however many courses hold it."""
    if is_plain(text):
        return Markup(f"<p>{text}</p>\n")
    return Markup(sanitise(_parse(text)))
