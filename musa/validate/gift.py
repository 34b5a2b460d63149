"""A reader of GIFT question files following the rules of Moodle's GIFT import, and checks of what it reads.

Questions are blocks of lines separated by blank lines; lines starting with // are comments (holding
`[id:…]`); a backslash escapes \\ ~ = # { } : and writes a newline as \\n. `$CATEGORY: path` switches the
category; `::name::text{answers}` is a question, whose type Moodle decides from the answers: any `~` makes a
multichoice (multiple answers when no `=` marks a right one), `T`/`TRUE`/`F`/`FALSE` a true/false.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .questionbank import BankAnswer, ParsedQuestion, check_questions
from .report import Report

ESCAPES = {"\\": "\\", ":": "\ue000", "#": "\ue001", "=": "\ue002", "{": "\ue003", "}": "\ue004", "~": "\ue005",
           "n": "\ue006"}
RESTORE = {"\ue000": ":", "\ue001": "#", "\ue002": "=", "\ue003": "{", "\ue004": "}", "\ue005": "~", "\ue006": "\n"}
WEIGHT = re.compile(r"^%(-*[0-9]{1,2}\.?[0-9]*)%")
IDNUMBER = re.compile(r"\[id:((?:\\]|[^]\[\x00-\x1f\x7f])+)]")
FORMATS = {"html", "moodle", "plain", "markdown"}
MAX_BYTES = 20_000_000


@dataclass(frozen=True)
class Block:
    line: int  # where the block starts, from 1
    comments: str
    text: str  # escapes replaced by placeholders


def protect(text: str) -> str:
    """Each escape sequence replaced by a placeholder character (a backslash before anything else stays)."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in ESCAPES:
            out.append(ESCAPES[text[i + 1]])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def restore(text: str) -> str:
    return "".join(RESTORE.get(char, char) for char in text)


def blocks(source: str) -> list[Block]:
    """The blocks of the file: runs of non-blank lines, comments set apart."""
    found, lines, start = [], [], 0
    for number, raw in enumerate(source.splitlines() + [""], 1):
        line = raw.strip()
        if line:
            if not lines:
                start = number
            lines.append(line)
            continue
        if lines:
            comments = "\n".join(x for x in lines if x.startswith("//"))
            body = "\n".join(x for x in lines if not x.startswith("//")).strip()
            found.append(Block(start, comments, protect(body)))
            lines = []
    return found


def with_format(text: str, default: str) -> tuple[str, str]:
    """A text and its format, from a leading [html]/[moodle]/[plain]/[markdown] marker."""
    if text.startswith("["):
        end = text.find("]")
        if end > 0 and text[1:end] in FORMATS:
            return restore(text[end + 1:]).strip(), text[1:end]
    return restore(text).strip(), default


def answer_and_feedback(text: str, fmt: str) -> tuple[str, str]:
    answer, _, feedback = text.partition("#")
    return with_format(answer.strip(), fmt)[0], with_format(feedback.strip(), fmt)[0]


def question_of(block: Block, category: str, report: Report) -> ParsedQuestion | None:
    where, text = f"line {block.line}", block.text
    name = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end >= 0:
            name, text = restore(text[2:end]).strip(), text[end + 2:].strip()
    start, finish = text.find("{"), text.find("}")
    if start < 0 and finish < 0:
        return ParsedQuestion(where, "description", True, name, "", category, text, "", "", ())
    if start < 0 or finish < 0 or finish < start:
        report.add(where, "unbalanced { } around the answers")
        return None
    answers_text = text[start + 1:finish].strip()
    question_text, fmt = with_format((text[:start] + text[finish + 1:]).strip(), "moodle")
    general = ""
    if "####" in answers_text:
        cut = answers_text.rindex("####")
        general, answers_text = with_format(answers_text[cut + 4:].strip(), fmt)[0], answers_text[:cut].strip()
    found = IDNUMBER.search(block.comments)
    idnumber = found.group(1).replace("\\]", "]").strip() if found else ""
    qtype, single, answers = answer_kind(answers_text, fmt)
    return ParsedQuestion(where, qtype, single, name, idnumber, category, question_text, fmt, general, answers)


def answer_kind(text: str, fmt: str) -> tuple[str, bool, tuple[BankAnswer, ...]]:
    """The question type Moodle would choose for this answer section, and its answers."""
    if not text:
        return "essay", True, ()
    if text.startswith("#"):
        return "numerical", True, ()
    if "~" in text:
        single = "=" in text
        parts = text.replace("=", "~=").split("~")
        if not parts[0].strip():
            parts = parts[1:]
        answers = []
        for part in parts:
            part = part.strip()
            if part.startswith("="):
                weight, part = Decimal(100), part[1:]
            elif matched := WEIGHT.match(part):
                number = matched.group(1)
                weight = -Decimal(number.lstrip("-")) if number.startswith("-") else Decimal(number)
                part = part[matched.end():]
            else:
                weight = Decimal(0)
            answer, feedback = answer_and_feedback(part, fmt)
            answers.append(BankAnswer(answer, weight, feedback))
        return "multichoice", single, tuple(answers)
    if "=" in text and "->" in text:
        return "match", True, ()
    head, _, rest = text.partition("#")
    if head.strip() in ("T", "TRUE", "F", "FALSE"):
        wrong, _, right = rest.partition("#")
        wrong, right = with_format(wrong.strip(), fmt)[0], with_format(right.strip(), fmt)[0]
        is_true = head.strip() in ("T", "TRUE")
        return "truefalse", True, (BankAnswer("true", Decimal(100 if is_true else 0), right if is_true else wrong),
                                   BankAnswer("false", Decimal(0 if is_true else 100), wrong if is_true else right))
    return "shortanswer", True, ()


def read(path: Path, report: Report) -> str | None:
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        report.add(path.name, f"larger than {MAX_BYTES} bytes")
        return None
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        report.add(path.name, f"not UTF-8 (Moodle's GIFT import refuses it): {exc}")
        return None


def parse(path: Path, report: Report) -> list[ParsedQuestion]:
    source = read(path, report)
    if source is None:
        return []
    questions, category = [], ""
    for block in blocks(source):
        if not block.text:
            continue
        if block.text.startswith("$CATEGORY:"):
            category = block.text[len("$CATEGORY:"):].strip()
            report.counts["category"] += 1
            continue
        question = question_of(block, category, report)
        if question is not None:
            questions.append(question)
    return questions


def detect(path: Path) -> bool:
    """A .gift or .txt file in UTF-8 holding at least one GIFT question with answers or a $CATEGORY line."""
    name = path.name.lower()
    if not (name.endswith(".gift") or name.endswith(".txt")) or not path.is_file():
        return False
    if path.stat().st_size > MAX_BYTES:
        return False
    try:
        source = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return False
    return any(b.text.startswith("$CATEGORY:") or (b.text.startswith("::") and "{" in b.text and "}" in b.text)
               for b in blocks(source))


def validate_archive(path: Path) -> Report:
    report = Report()
    check_questions(parse(path, report), report)
    return report
