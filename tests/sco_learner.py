"""What a learner does on a SCO's quiz, shared by the run-time tests (scorm-again's harness, Open edX's block)."""

from __future__ import annotations

# Run in the SCO's document: each question with its id, kind and inputs ([value, correct, element id]).
QUESTIONS = """return [].map.call(document.querySelectorAll('fieldset.question'), function (q) {
    return {id: q.dataset.id, kind: q.dataset.kind, values: [].map.call(q.querySelectorAll('input'),
    function (i) { return [i.value, i.dataset.correct === 'true', i.id]; })}; });"""


def answer(browser, frame: str, question: dict, right: bool) -> list[str]:
    """Answer `question` (from QUESTIONS) in the SCO in the iframe `frame` with the keyboard: Space on each chosen
    radio or checkbox. A wrong answer is a wrong value, or for a multiple choice one right value swapped for a wrong
    one. Returns the chosen values."""
    correct = [v for v, ok, _ in question["values"] if ok]
    wrong = [v for v, ok, _ in question["values"] if not ok]
    chosen = correct if right else ([wrong[0]] if question["kind"] != "multiple" else correct[:-1] + wrong[:1])
    with browser.inside_frame(frame):
        for value, _, element_id in question["values"]:
            if value in chosen:
                browser.press(f"#{element_id}", "SPACE")
    return chosen
