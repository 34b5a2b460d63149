"""The frozen model every exporter reads: programmes, courses, competences, activities. No YAML here."""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass, field

from .errors import Loc

NOWHERE = Loc("")


def _loc():
    return field(default=NOWHERE, compare=False, repr=False)


def _source():
    """The digest of what a part of a competence was made from: its file, where in it, and any Markdown it reads.
    Set by the load stage only (`resolve.sourced`), so that the renders that read the part hash this instead of the
    part (musa/memo.py); a copy made otherwise (`dataclasses.replace`) has none and is hashed by its content."""
    return field(default="", init=False, compare=False, repr=False)


@dataclass(frozen=True)
class Text:
    """A text in one or more languages; English is always present."""

    items: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, value) -> "Text":
        if isinstance(value, str):
            return cls((("en", value),))
        return cls(tuple(sorted(value.items())))

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang, _ in self.items)

    def get(self, lang: str = "en") -> str:
        """The text in `lang`, falling back to English."""
        found = dict(self.items)
        return found.get(lang, found["en"])

    def has(self, lang: str) -> bool:
        for written, _ in self.items:
            if written == lang:
                return True
        return False

    def __str__(self) -> str:
        return self.get("en")


@dataclass(frozen=True)
class Outcome:
    id: str
    text: Text
    loc: Loc = _loc()
    source: str = _source()


@dataclass(frozen=True)
class Lesson:
    id: str
    title: Text
    body: Text
    outcomes: tuple[str, ...]
    loc: Loc = _loc()
    source: str = _source()


@dataclass(frozen=True)
class Choice:
    text: Text
    correct: bool
    feedback: Text


@dataclass(frozen=True)
class Question:
    """A quiz question. True/false questions carry two choices, True and False, like the others."""

    id: str
    kind: str  # single | multiple | truefalse
    outcome: str
    prompt: Text
    choices: tuple[Choice, ...]
    explanation: Text
    loc: Loc = _loc()
    source: str = _source()

    @property
    def answer(self) -> bool | None:
        """The correct answer of a true/false question."""
        return self.choices[0].correct if self.kind == "truefalse" else None


@dataclass(frozen=True)
class Quiz:
    title: Text
    questions: tuple[Question, ...]
    loc: Loc = _loc()
    source: str = _source()

    def count(self, kind: str) -> int:
        return sum(1 for q in self.questions if q.kind == kind)


@dataclass(frozen=True)
class RubricLevel:
    points: int
    label: Text
    descriptor: Text


@dataclass(frozen=True)
class Criterion:
    id: str
    title: Text
    outcomes: tuple[str, ...]
    levels: tuple[RubricLevel, ...]
    loc: Loc = _loc()
    source: str = _source()

    @property
    def max_points(self) -> float:
        return max(level.points for level in self.levels)


@dataclass(frozen=True)
class Assignment:
    id: str
    title: Text
    mode: str
    brief: Text
    deliverable: Text
    due: int  # week (competence, logbook) or day (workshop), counted from 1
    rubric: tuple[Criterion, ...]
    outcomes: tuple[Outcome, ...] = ()
    loc: Loc = _loc()
    source: str = _source()

    @property
    def max_points(self) -> float:
        return sum(c.max_points for c in self.rubric)


@dataclass(frozen=True)
class Competence:
    id: str
    framework: str
    code: str
    area: Text
    title: Text
    level: str | int | None
    level_range: tuple[str, str] | None
    hours: float
    description: Text
    outcomes: tuple[Outcome, ...]
    lessons: tuple[Lesson, ...]
    quiz: Quiz
    assignment: Assignment
    loc: Loc = _loc()
    # The digest of the bytes it was made from (its file and Markdown bodies): equal sources, equal competence.
    # Set by the load stage only; `dataclasses.replace` gives a copy without it, hashed by its content instead.
    source: str = field(default="", init=False, compare=False, repr=False)
    # The digest of its file alone, without its lessons' Markdown (set with `source`): see `without_lessons`.
    file_source: str = field(default="", init=False, compare=False, repr=False)

    def without_lessons(self, *left_out: str) -> Competence:
        """A copy with no lessons, and each field named in `left_out` emptied (a tuple to (), anything else to
        None): what a target that reads neither sees. Everything else in it comes from the competence's file, so
        its `source` is that file's digest, and editing a lesson leaves it as it was."""
        empty = {name: () if isinstance(getattr(self, name), tuple) else None for name in left_out}
        copy = dataclasses.replace(self, lessons=(), **empty)
        if self.file_source:
            object.__setattr__(copy, "source", f"{self.file_source} without lessons {' '.join(sorted(empty))}")
        return copy


@dataclass(frozen=True)
class CourseCompetence:
    """A competence as one course teaches it: at a level, in some weeks, with its assignment due in one."""

    competence: Competence
    level: str | int | None
    weeks: tuple[int, ...] = ()
    due_week: int | None = None


@dataclass(frozen=True)
class Week:
    number: int
    title: Text | None
    start: datetime.date
    end: datetime.date
    competences: tuple[str, ...]
    hours: float


@dataclass(frozen=True)
class FaceToFaceDay:
    id: str
    date: datetime.date
    hours: float
    title: Text
    agenda: Text
    week: int | None


@dataclass(frozen=True)
class Placement:
    """Work-based learning at a host organisation."""

    start_week: int
    weeks: int
    practice_hours: float
    assessment_hours: float
    description: Text
    logbook: Assignment
    start: datetime.date | None
    due_date: datetime.date | None


@dataclass(frozen=True)
class Session:
    id: str
    title: Text
    hours: float
    body: Text
    outcomes: tuple[str, ...]


@dataclass(frozen=True)
class Exercise:
    id: str
    title: Text
    minutes: int
    brief: Text


@dataclass(frozen=True)
class Day:
    number: int
    date: datetime.date
    title: Text
    sessions: tuple[Session, ...]
    exercises: tuple[Exercise, ...]


@dataclass(frozen=True)
class Course:
    """One LMS course: a role's blended course (weeks) or a workshop (days)."""

    id: str
    kind: str  # role | workshop
    code: str
    programme: str
    title: Text
    description: Text
    competences: tuple[CourseCompetence, ...]
    start: datetime.date
    end: datetime.date
    aliases: tuple[Text, ...] = ()
    responsibilities: tuple[Text, ...] = ()
    weeks: tuple[Week, ...] = ()
    face_to_face: tuple[FaceToFaceDay, ...] = ()
    assessment_hours: float = 0
    assessment: Text | None = None
    placement: Placement | None = None
    host: Text | None = None
    maturity: str | None = None
    outcomes: tuple[Outcome, ...] = ()
    days: tuple[Day, ...] = ()
    quiz: Quiz | None = None
    assignment: Assignment | None = None
    assignment_due: datetime.date | None = None
    loc: Loc = _loc()

    def quizzes(self) -> tuple[Quiz, ...]:
        """Every graded quiz of the course, in teaching order."""
        if self.kind == "workshop":
            return (self.quiz,)
        return tuple(cc.competence.quiz for cc in self.competences)

    def assignments(self) -> tuple[Assignment, ...]:
        """Every tutor-graded assignment (not the placement logbook), in teaching order."""
        if self.kind == "workshop":
            return (self.assignment,)
        return tuple(cc.competence.assignment for cc in self.competences)

    def week_of(self, number: int) -> Week:
        return self.weeks[number - 1]


@dataclass(frozen=True)
class StudyPart:
    id: str
    title: Text
    hours: float
    days: int | None


@dataclass(frozen=True)
class StudyMode:
    id: str
    title: Text
    weeks: int | None
    total_hours: float
    parts: tuple[StudyPart, ...]

    def part(self, part_id: str) -> StudyPart | None:
        return next((p for p in self.parts if p.id == part_id), None)


@dataclass(frozen=True)
class Band:
    min: int
    max: int
    course: str
    message: Text


@dataclass(frozen=True)
class SelfAssessmentQuestion:
    id: str
    prompt: Text
    options: tuple[tuple[Text, int], ...]


@dataclass(frozen=True)
class SelfAssessment:
    id: str
    title: Text
    intro: Text
    questions: tuple[SelfAssessmentQuestion, ...]
    bands: tuple[Band, ...]

    def recommend(self, score: int) -> Band | None:
        return next((b for b in self.bands if b.min <= score <= b.max), None)


@dataclass(frozen=True)
class Partner:
    name: Text
    country: str


@dataclass(frozen=True)
class Assumption:
    key: str
    note: Text


@dataclass(frozen=True)
class Programme:
    id: str
    title: Text
    description: Text
    eqf_level: int | None
    languages: tuple[str, ...]
    partners: tuple[Partner, ...]
    start: datetime.date
    end: datetime.date
    breaks: tuple[tuple[datetime.date, datetime.date, Text], ...]
    modes: tuple[StudyMode, ...]
    ecvet_points: float | None
    ecvet_note: Text | None
    assumptions: tuple[Assumption, ...]
    weights: tuple[tuple[str, float], ...]
    pass_threshold: float
    certificate: Text | None
    courses: tuple[Course, ...]
    self_assessment: SelfAssessment | None = None
    loc: Loc = _loc()

    def mode(self, mode_id: str) -> StudyMode | None:
        return next((m for m in self.modes if m.id == mode_id), None)

    def weight(self, kind: str) -> float:
        return dict(self.weights).get(kind, 0.0)


@dataclass(frozen=True)
class Project:
    """Everything a build needs, resolved and checked."""

    programmes: tuple[Programme, ...]
    competences: tuple[Competence, ...]

    def courses(self) -> tuple[Course, ...]:
        return tuple(c for p in self.programmes for c in p.courses)

    def programme(self, programme_id: str) -> Programme:
        return next(p for p in self.programmes if p.id == programme_id)

    def course(self, course_id: str) -> Course:
        return next(c for c in self.courses() if c.id == course_id)
