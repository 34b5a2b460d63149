"""Moodle question bank files: each course's quiz questions as Moodle XML and as GIFT, one category per competence.

Two plain files per course, the ones Moodle's Question bank → Import page takes as they are:
`<course>.moodle.xml` (format "Moodle XML") and `<course>.gift.txt` (format "GIFT"; the import page only
accepts a GIFT file whose type is text/plain, which Moodle decides from the `.txt` ending).
"""

from __future__ import annotations

import dataclasses
import html as htmllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import jinja2

from ..model import Course, Question, Quiz
from ..moodle_fractions import shares
from . import register
from .base import Exporter
from .moodle_plan import clip

NAME_LENGTH = 80  # characters of the prompt kept in a question's name
PENALTY = {"multichoice": "0.3333333", "truefalse": "1.0000000"}  # Moodle's defaults per question type


@dataclass(frozen=True)
class Answer:
    text: str  # HTML
    fraction: str  # percent, from Moodle's list
    feedback: str  # HTML


@dataclass(frozen=True)
class BankQuestion:
    """One question as Moodle stores it: multichoice (single or multiple answers) or truefalse."""

    qtype: str
    single: bool
    name: str
    idnumber: str
    text: str  # HTML
    general_feedback: str  # HTML
    answers: tuple[Answer, ...]
    penalty: str

    @property
    def correct(self) -> bool | None:
        """The right answer of a true/false question."""
        if self.qtype != "truefalse":
            return None
        return next(a.text == "true" for a in self.answers if a.fraction == "100")


@dataclass(frozen=True)
class Category:
    name: str
    path: str  # Moodle's category path: $course$/top/<name>, '/' inside a name doubled
    info: str  # HTML
    questions: tuple[BankQuestion, ...]


def category_path(*names: str) -> str:
    """A path of category names, each '/' inside a name doubled as Moodle's importer expects."""
    return "/".join(["$course$", "top", *(name.replace("/", "//") for name in names)])


def html(text: str) -> str:
    """Plain text as HTML (&, < and > escaped), a str that the XML template escapes once more as XML."""
    return htmllib.escape(text, quote=False)


def paragraph(text: str) -> str:
    return f"<p>{html(text)}</p>"


def fractions(question: Question) -> tuple[str, ...]:
    """The grade of each choice in percent. Multiple response: the right choices share +100 %, the wrong
    ones share −100 %, so that ticking every box scores 0; single choice and true/false: 100 or 0."""
    if question.kind != "multiple":
        return tuple("100" if c.correct else "0" for c in question.choices)
    right = iter(shares(sum(c.correct for c in question.choices)))
    wrong_count = sum(not c.correct for c in question.choices)
    wrong = iter(shares(wrong_count) if wrong_count else ())
    return tuple(next(right) if c.correct else str(-Decimal(next(wrong))) for c in question.choices)


def shortened(text: str, length: int = NAME_LENGTH) -> str:
    """The text cut at a word boundary to at most `length` characters, marked with '…' when cut."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    cut = text[:length - 1].rsplit(" ", 1)[0].rstrip(",;:.")
    return f"{cut}…"


def gift(text: str) -> str:
    """Text escaped for GIFT: a backslash before each of \\ ~ = # { } : and newlines written as \\n."""
    for char in "\\~=#{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\r\n", "\n").replace("\n", "\\n")


def gift_html(text: str) -> str:
    """An HTML answer or feedback for GIFT: escaped, and a leading '[' written as &#91; so that Moodle does not
    read '[html]', '[plain]'… at its start as a text format."""
    return gift("&#91;" + text[1:] if text.startswith("[") else text)


@register
class MoodleQuestionsExporter(Exporter):
    name = "moodle-questions"
    suffix = ".moodle.xml"
    description = "Moodle question bank files, Moodle XML and GIFT (Question bank → Import)"
    gift_suffix = ".gift.txt"

    def __init__(self, project, out: Path, lang: str = "en", compiled: Path | None = None):
        super().__init__(project, out, lang, compiled)
        # XML templates are escaped as XML; the GIFT template escapes with its own filter.
        self.templates.autoescape = jinja2.select_autoescape(enabled_extensions=("xml",), default=False)

    def template_filters(self) -> dict:
        return {**super().template_filters(), "gift": gift, "gift_html": gift_html}

    def file_name(self, course: Course, suffix: str) -> str:
        return f"{course.id}{'' if self.lang == 'en' else '-' + self.lang}{suffix}"

    def categories(self, course: Course) -> tuple[Category, ...]:
        """One category per competence of a role course; a workshop's single quiz is one category."""
        if course.kind == "workshop":
            title = clip(self.tr(course.quiz.title))
            return (Category(title, category_path(title), paragraph(f"{self.tr(course.title)}: {title}"),
                             self.questions(course.quiz, course.code)),)
        found = []
        for cc in course.competences:
            comp = cc.competence
            name = clip(f"{comp.code} {self.tr(comp.title)}")
            found.append(Category(name, category_path(name), paragraph(self.tr(comp.description)),
                                  self.questions(comp.quiz, comp.code)))
        return tuple(found)

    def questions(self, quiz: Quiz, prefix: str) -> tuple[BankQuestion, ...]:
        return tuple(self.question(q, prefix) for q in quiz.questions)

    def question(self, question: Question, prefix: str) -> BankQuestion:
        prompt = self.tr(question.prompt)
        name = f"{prefix} {question.id}: {shortened(prompt)}"
        grades = fractions(question)
        if question.kind == "truefalse":
            answers = tuple(Answer("true" if i == 0 else "false", grade, html(self.tr(choice.feedback)))
                            for i, (choice, grade) in enumerate(zip(question.choices, grades)))
            qtype = "truefalse"
        else:
            answers = tuple(Answer(html(self.tr(choice.text)), grade, html(self.tr(choice.feedback)))
                            for choice, grade in zip(question.choices, grades))
            qtype = "multichoice"
        return BankQuestion(qtype, question.kind == "single", name, f"{prefix}-{question.id}", paragraph(prompt),
                            paragraph(self.tr(question.explanation)), answers, PENALTY[qtype])

    def inputs(self, course: Course | None, part: str | None = None) -> object:
        """What a course's question bank reads: the course's id, kind, code, title and workshop quiz, and each
        competence's code, title, description and quiz; not lessons, weeks, dates or assignments, so that
        editing them leaves the banks as they were."""
        return dataclasses.replace(
            course, description=None, weeks=(), face_to_face=(), days=(), placement=None, assignment=None,
            assignment_due=None, outcomes=(), aliases=(), responsibilities=(), assessment=None, host=None,
            competences=tuple(dataclasses.replace(cc, weeks=(), competence=cc.competence.without_lessons(
                "assignment", "outcomes")) for cc in course.competences))

    def render_file(self, template: str, bank: Course) -> bytes:
        return self.render_template(template, categories=self.categories(bank),
                                    title=self.tr(bank.title)).encode("utf-8")

    def render_course(self, course: Course) -> dict[Path, bytes]:
        """Two files per course, Moodle XML and GIFT, read from the course's `inputs` alone."""
        bank, folder = self.inputs(course), self.out / self.name
        return {folder / self.file_name(bank, self.suffix): self.render_file("questions.moodle.xml", bank),
                folder / self.file_name(bank, self.gift_suffix): self.render_file("questions.gift.txt", bank)}
