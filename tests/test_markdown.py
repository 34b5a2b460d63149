"""Markdown to HTML: the plain-sentence shortcut gives exactly the bytes of the full renderer and allowlist."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from musa.coverage import texts
from musa.markdown import _RENDERER, is_plain, sanitise, take_used, to_html, use_parsed
from musa.project import load


def rendered(text: str) -> str:
    return sanitise(_RENDERER.render(text))


# Sentences in the scripts the programmes use, with the ASCII punctuation Markdown gives meaning to at a line's
# start or anywhere, and the spaces and invisible characters it treats apart.
ALPHABET = st.sampled_from(list("aZ09 .,;:?'()/%+=-@#$^é ΣωστόàçõÀ«»–—’“”\u00a0\u200b\t\n*_`[]!<>&\\|~{}\"1)."))
SENTENCES = st.text(ALPHABET, max_size=40) | st.from_regex(r"[A-Za-zΑ-Ωα-ω][\w ,.;:?'()/%+=@#$^-]{0,60}",
                                                           fullmatch=True)


@settings(max_examples=3000, deadline=None)
@given(SENTENCES)
@example("Explain why records matter.")
@example("Σωστό; “quoted” – dash")
@example("A 1. B")
@example("Word  with  double spaces")
@example("A # not a heading")
@example("http://example.org/a_b")
def test_a_plain_sentence_renders_as_the_full_renderer_does(text):
    if is_plain(text):
        assert str(to_html(text)) == rendered(text)


def test_every_text_of_the_real_content_renders_as_the_full_renderer_does():
    project = load(ROOT).project
    plain = 0
    for _, _, text in texts(project):
        for _, value in text.items:
            assert str(to_html(value)) == rendered(value), value
            plain += is_plain(value)
    assert plain > 1000  # the shortcut is taken, and holds, for most short texts


def test_markup_is_never_taken_for_plain():
    for text in ("*emphasis*", "1. one", "- item", "# Title", "a <b>", "a & b", "a\nb", " a", "a ", "[x](y)",
                 "a `code`", "a\\b", "a | b", 'say "x"', "a\u00a0b", "a\u200bb"):
        assert not is_plain(text), text


def test_parser_results_kept_between_builds_still_pass_the_allowlist():
    text = "A *kept* text."
    try:
        use_parsed({text: '<p onclick="steal()">kept <script>alert(1)</script><a href="javascript:x()">a</a></p>'})
        html = str(to_html(text))
        assert "kept" in html and "script" not in html and "onclick" not in html and "javascript" not in html
        assert take_used() == {text: '<p onclick="steal()">kept <script>alert(1)</script><a href="javascript:x()">a</a></p>'}
    finally:
        use_parsed({})
    assert str(to_html(text)) == rendered(text)
