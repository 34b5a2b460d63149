"""Rules shared by competences and workshops: outcomes, lessons, quizzes and rubric-graded assignments."""

from __future__ import annotations

from ..errors import did_you_mean
from .context import Ctx

MIN_WORDS = 250
QUIZ_MINIMUM = {"questions": 6, "single": 2, "multiple": 1, "truefalse": 2}


def check_outcome_refs(ctx: Ctx, refs, parts, outcomes: set) -> None:
    for i, ref in enumerate(refs):
        if ref not in outcomes:
            ctx.error(tuple(parts) + (i,), f"expected an outcome id ({', '.join(sorted(outcomes))}), "
                                           f"got '{ref}'{did_you_mean(ref, outcomes)}")


def check_lessons(ctx: Ctx, lessons, outcomes: set, bodies) -> None:
    ctx.unique(lessons, ("lessons",), "lesson")
    for i, lesson in enumerate(lessons):
        check_outcome_refs(ctx, lesson["outcomes"], ("lessons", i, "outcomes"), outcomes)
        body = bodies(("lessons", i), lesson)
        text = body if isinstance(body, str) else (body or {}).get("en", "")
        words = len(text.split())
        if words < MIN_WORDS:
            ctx.warning(("lessons", i), f"expected a lesson of at least {MIN_WORDS} words, got {words} words")


def check_quiz(ctx: Ctx, quiz, parts, outcomes: set) -> set:
    """Check a quiz; return the outcome ids its questions assess."""
    questions = quiz["questions"]
    ctx.unique(questions, tuple(parts) + ("questions",), "question")
    counts = {"questions": len(questions)}
    for kind in ("single", "multiple", "truefalse"):
        counts[kind] = sum(1 for q in questions if q["type"] == kind)
    for kind, minimum in QUIZ_MINIMUM.items():
        if counts[kind] < minimum:
            noun = "questions" if kind == "questions" else f"{kind} questions"
            ctx.error(tuple(parts) + ("questions",), f"expected at least {minimum} {noun}, got {counts[kind]}")
    for i, question in enumerate(questions):
        where = tuple(parts) + ("questions", i)
        if question["outcome"] not in outcomes:
            ctx.error(where + ("outcome",), f"expected an outcome id ({', '.join(sorted(outcomes))}), got "
                                            f"'{question['outcome']}'{did_you_mean(question['outcome'], outcomes)}")
        correct = sum(1 for c in question.get("choices", []) if c["correct"])
        if question["type"] == "single" and correct != 1:
            ctx.error(where + ("choices",), f"expected exactly one correct choice in a single-choice question, "
                                            f"got {correct}")
        if question["type"] == "multiple" and correct < 1:
            ctx.error(where + ("choices",), "expected at least one correct choice in a multiple-response "
                                            "question, got 0")
    return {q["outcome"] for q in questions}


def check_assignment(ctx: Ctx, assignment, parts, outcomes: set) -> set:
    """Check an assignment's rubric; return the outcome ids its criteria assess."""
    rubric = assignment["rubric"]
    ctx.unique(rubric, tuple(parts) + ("rubric",), "criterion")
    assessed = set()
    for i, criterion in enumerate(rubric):
        where = tuple(parts) + ("rubric", i)
        check_outcome_refs(ctx, criterion["outcomes"], where + ("outcomes",), outcomes)
        assessed |= set(criterion["outcomes"])
        check_label_length(ctx, criterion["criterion"], where + ("criterion",))
        for j, level in enumerate(criterion["levels"]):
            check_label_length(ctx, level["label"], where + ("levels", j, "label"))
        points = [level["points"] for level in criterion["levels"]]
        for j in range(1, len(points)):
            if points[j] <= points[j - 1]:
                ctx.error(where + ("levels", j, "points"),
                          f"expected more points than the level before ({points[j - 1]}), got {points[j]}; "
                          "order levels from lowest to highest")
    return assessed


LABEL_LIMIT = 100  # Open edX ORA2 stores rubric criterion and option labels in 100-character columns


def check_label_length(ctx: Ctx, text, where) -> None:
    """A rubric label must fit the platforms' label columns, in every language."""
    items = text.items() if isinstance(text, dict) else [(None, text)]
    for lang, value in items:
        if isinstance(value, str) and len(value) > LABEL_LIMIT:
            ctx.error(where + ((lang,) if lang else ()),
                      f"expected a label of at most {LABEL_LIMIT} characters, got {len(value)}; "
                      "move the detail into the descriptor")


def check_assessed(ctx: Ctx, outcome_list, parts, assessed: set) -> None:
    """Warn about outcomes that no question and no rubric criterion assesses."""
    for i, outcome in enumerate(outcome_list):
        if outcome["id"] not in assessed:
            ctx.warning(tuple(parts) + (i,), f"expected outcome '{outcome['id']}' to be assessed by a question "
                                             "or a rubric criterion, got none")
