"""Checks of a Moodle XML question file (<quiz> of <question type=…>), as Question bank → Import reads it."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

from lxml import etree

from .questionbank import BankAnswer, ParsedQuestion, check_questions
from .report import Report

PARSER = dict(resolve_entities=False, no_network=True, huge_tree=False)


def detect(path: Path) -> bool:
    """A file ending in .xml whose root element is <quiz>."""
    if not path.name.lower().endswith(".xml") or not path.is_file():
        return False
    # fed the bytes, not given the file: lxml encodes a file's name as UTF-8, and a folder's name may not be
    parser = etree.XMLPullParser(events=("start",), **PARSER)
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 16):
                parser.feed(chunk)
                for _, element in parser.read_events():
                    return element.tag == "quiz"
    except etree.XMLSyntaxError:
        return False
    return False


def text_of(element, path: str) -> str:
    found = element.find(path)
    return (found.findtext("text") or "") if found is not None else ""


def single(value: str | None) -> bool:
    """Moodle's reading of <single>: true unless 'false' or '0'."""
    return (value or "true").strip().lower() not in ("false", "0")


def parse(path: Path, report: Report) -> list[ParsedQuestion]:
    """The questions of the file, each under the category last set before it."""
    try:
        root = etree.fromstring(path.read_bytes(), etree.XMLParser(**PARSER))
    except etree.XMLSyntaxError as exc:
        report.add(path.name, f"not well-formed XML: {exc}")
        return []
    if root.tag != "quiz":
        report.add(path.name, f"expected the root element <quiz>, got <{root.tag}>")
        return []
    questions, category = [], ""
    for number, element in enumerate(root.iterfind("question"), 1):
        qtype = element.get("type", "")
        where = f"question {number}"
        if qtype == "category":
            category = text_of(element, "category").strip()
            report.counts["category"] += 1
            if not category:
                report.add(where, "a category with no path")
            continue
        answers = []
        for answer in element.iterfind("answer"):
            try:
                fraction = Decimal(answer.get("fraction", "0"))
            except InvalidOperation:
                report.add(where, f"answer fraction {answer.get('fraction')!r} is not a number")
                fraction = Decimal(0)
            answers.append(BankAnswer(answer.findtext("text") or "", fraction, text_of(answer, "feedback")))
        question_text = element.find("questiontext")
        name = text_of(element, "name").strip()
        if not name:
            report.add(where, "a question with no name")
        questions.append(ParsedQuestion(
            where, qtype, single(element.findtext("single")) if qtype == "multichoice" else True, name,
            (element.findtext("idnumber") or "").strip(), category,
            text_of(element, "questiontext"), question_text.get("format", "") if question_text is not None else "",
            text_of(element, "generalfeedback"), tuple(answers)))
    return questions


def validate_archive(path: Path) -> Report:
    report = Report()
    check_questions(parse(path, report), report)
    return report
