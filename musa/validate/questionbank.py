"""What Moodle's question import requires of a multichoice or true/false question, whichever file format it came in."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from lxml import html as lxml_html

from ..moodle_fractions import allowed, sums_to_full
from .report import Report

KIND_NAMES = {("multichoice", True): "single choice", ("multichoice", False): "multiple response",
              ("truefalse", True): "true/false"}


@dataclass(frozen=True)
class BankAnswer:
    text: str
    fraction: Decimal  # percent
    feedback: str


@dataclass(frozen=True)
class ParsedQuestion:
    """One question read back from a Moodle XML or GIFT file, in the terms Moodle stores."""

    where: str  # 'question 3' or 'line 12', for messages
    qtype: str
    single: bool
    name: str
    idnumber: str
    category: str
    text: str
    text_format: str
    general_feedback: str
    answers: tuple[BankAnswer, ...]

    @property
    def kind(self) -> str:
        return KIND_NAMES.get((self.qtype, self.single), self.qtype)


def plain(text: str) -> str:
    """The text an HTML fragment shows, whitespace collapsed."""
    if not text.strip():
        return ""
    return " ".join(lxml_html.fragment_fromstring(text, create_parent="div").text_content().split())


def check_questions(questions: list[ParsedQuestion], report: Report) -> None:
    """Every check Moodle's importer and question types make that would drop or change a question."""
    seen: Counter = Counter()
    for q in questions:
        report.counts[q.kind] += 1
        if q.idnumber:
            seen[(q.category, q.idnumber)] += 1
            if seen[(q.category, q.idnumber)] == 2:
                report.add(q.where, f"idnumber {q.idnumber!r} used twice in category {q.category!r} "
                                    "(Moodle drops the second)")
        if not plain(q.text) and not q.text.strip():
            report.add(q.where, "empty question text")
        if q.qtype == "multichoice":
            check_multichoice(q, report)
        elif q.qtype == "truefalse":
            check_truefalse(q, report)
        else:
            report.add(q.where, f"question type {q.qtype!r}: musa-build writes and checks only multichoice "
                                "and truefalse")
        report.counts["answer feedback"] += sum(1 for a in q.answers if plain(a.feedback))
        report.counts["general feedback"] += bool(plain(q.general_feedback))


def check_multichoice(q: ParsedQuestion, report: Report) -> None:
    if len(q.answers) < 2:
        report.add(q.where, f"expected at least 2 answers, got {len(q.answers)}")
    for a in q.answers:
        if not allowed(a.fraction):
            report.add(q.where, f"answer grade {a.fraction}% is not in Moodle's list of grades "
                                "(the import refuses the question)")
        if not a.text.strip():
            report.add(q.where, "an answer has no text")
    grades = [a.fraction for a in q.answers]
    if q.single:
        if grades and max(grades) != 100:
            report.add(q.where, f"single choice: expected one answer graded 100%, the best is {max(grades)}%")
        right = sum(1 for g in grades if g == 100)
        if right > 1:
            report.add(q.where, f"single choice: {right} answers graded 100%")
    elif not sums_to_full(grades):
        total = sum(g for g in grades if g > 0)
        report.add(q.where, f"multiple response: positive grades sum to {total}%, not 100%, so no choice of "
                            "answers earns full marks (Moodle imports it all the same)")


def check_truefalse(q: ParsedQuestion, report: Report) -> None:
    texts = sorted(a.text for a in q.answers)
    if texts != ["false", "true"]:
        report.add(q.where, f"true/false: expected the answers 'true' and 'false', got {texts}")
        return
    if sorted(a.fraction for a in q.answers) != [0, 100]:
        report.add(q.where, "true/false: expected one answer graded 100% and the other 0%")
