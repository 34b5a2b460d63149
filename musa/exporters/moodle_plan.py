"""Moodle course plan: which section holds which page, quiz or assignment, with their questions, rubrics and dates."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from .. import memo
from ..markdown import to_html
from ..model import Assignment, Course, Programme, Question, Quiz, SelfAssessment, Text

FRAMEWORK_IDNUMBER = "MUSA"
NAME_LIMIT = 255  # Moodle's section, activity, event and question category names are at most 255 characters
FULLNAME_LIMIT = 1333  # a course's full name


def clip(name: str, limit: int = NAME_LIMIT) -> str:
    return name if len(name) <= limit else name[:limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Answer:
    text: str  # HTML
    fraction: float
    feedback: str  # HTML


@dataclass(frozen=True)
class QuestionSpec:
    idnumber: str
    name: str
    text: str  # HTML
    general_feedback: str  # HTML
    qtype: str  # multichoice | truefalse
    single: bool
    mark: float
    answers: tuple[Answer, ...]

    @property
    def kind(self) -> str:
        """single | multiple | truefalse, the words the YAML uses."""
        if self.qtype == "truefalse":
            return "truefalse"
        return "single" if self.single else "multiple"


@dataclass(frozen=True)
class Band:
    """Overall feedback for quiz grades in [min, max)."""

    min: float
    max: float
    text: str  # HTML


@dataclass(frozen=True)
class Level:
    score: float
    definition: str


@dataclass(frozen=True)
class RubricCriterion:
    description: str
    levels: tuple[Level, ...]


@dataclass(frozen=True)
class Activity:
    """One course module: a page, a quiz or an assignment."""

    modname: str  # page | quiz | assign
    key: str  # a stable source key, unique in the course
    name: str
    intro: str  # HTML
    kind: str = "page"  # grading kind: page | quiz | assignment | wbl | self
    content: str = ""  # page body (HTML)
    questions: tuple[QuestionSpec, ...] = ()
    bands: tuple[Band, ...] = ()
    grade: float = 0  # quiz grade or assignment maximum
    gradepass: float = 0
    rubric: tuple[RubricCriterion, ...] = ()
    rubric_name: str = ""
    opens: datetime.date | None = None
    due: datetime.date | None = None
    expected: datetime.date | None = None  # a dated item: completion expected on this day
    competences: tuple[str, ...] = ()  # competence codes this activity assesses

    @property
    def bank_name(self) -> str:
        """The name of a quiz's own question category."""
        return clip(f"Default for {self.name}")


@dataclass(frozen=True)
class Event:
    name: str
    description: str  # HTML
    start: datetime.datetime
    hours: float


@dataclass(frozen=True)
class Section:
    number: int
    name: str | None
    summary: str  # HTML
    activities: tuple[Activity, ...]


@dataclass(frozen=True)
class Plan:
    course: Course
    programme: Programme
    fullname: str
    shortname: str
    summary: str  # HTML
    sections: tuple[Section, ...]
    events: tuple[Event, ...]
    competences: tuple[str, ...]  # competence codes of the course

    def activities(self) -> tuple[Activity, ...]:
        return tuple(a for s in self.sections for a in s.activities)


memo.share(Activity, QuestionSpec)  # each activity's files, and each quiz's questions, are keyed by these


def fmt(value: float) -> str:
    return f"{value:g}"


def multiple_fractions(correct: list[bool]) -> list[float]:
    """Each correct choice 1/k, each wrong one -1/(n-k): the correct ones sum to 1, ticking everything gives 0."""
    right = sum(correct)
    wrong = len(correct) - right
    return [round(1 / right, 7) if ok else (round(-1 / wrong, 7) if wrong else 0.0) for ok in correct]


def lesson_weeks(cc) -> dict[int, list]:
    """The week of each lesson: lessons spread in order over the weeks the plan gives the competence."""
    lessons, weeks = cc.competence.lessons, cc.weeks
    spread: dict[int, list] = {}
    for i, lesson in enumerate(lessons):
        spread.setdefault(weeks[i * len(weeks) // len(lessons)], []).append(lesson)
    return spread


class MoodlePlanner:
    """Decides the sections and activities of one course from the model; templates render them.

    A page, question, assignment or HTML fragment is planned from what its method is given alone, through the
    target's `remember` (musa/memo.py): a rebuild takes those whose inputs are unchanged from the last build, and
    the activities' files are keyed by them as planned, not by their HTML."""

    def __init__(self, project, course: Course, lang: str, html, remember):
        self.project, self.course, self.lang, self._html, self.remember = project, course, lang, html, remember
        self.programme = project.programme(course.programme)
        self.threshold = self.programme.pass_threshold

    def tr(self, text: Text | None) -> str:
        return text.get(self.lang) if text is not None else ""

    def md(self, text: Text | None) -> str:
        return str(to_html(self.tr(text))) if text is not None else ""

    def html(self, name: str, **context) -> str:
        """An HTML fragment (see MoodleExporter.html), remembered by what it is given."""
        return self.remember(self._html, name=name, **context)

    def plan(self) -> Plan:
        course = self.course
        summary = self._html("summary", course=course, programme=self.programme)  # one a course: not remembered
        sections = self.role_sections() if course.kind == "role" else self.workshop_sections()
        overview = Section(0, None, summary, self.front_activities())
        events = tuple(Event(clip(f"Face-to-face day: {self.tr(d.title)}"), self.md(d.agenda),
                             datetime.datetime.combine(d.date, datetime.time(9)), d.hours)
                       for d in course.face_to_face)
        return Plan(course, self.programme, clip(self.tr(course.title), FULLNAME_LIMIT), course.code, summary,
                    (overview, *sections), events, tuple(cc.competence.code for cc in course.competences))

    def front_activities(self) -> tuple[Activity, ...]:
        check = self.programme.self_assessment
        return (self.self_assessment(check),) if check and self.course.kind == "workshop" else ()

    # Role courses: a section per week.

    def role_sections(self) -> tuple[Section, ...]:
        course = self.course
        by_id = {cc.competence.id: cc for cc in course.competences}
        lessons = {cc.competence.id: lesson_weeks(cc) for cc in course.competences}
        sections = []
        for week in course.weeks:
            n = week.number
            days = [self.face_to_face(d) for d in course.face_to_face if self.day_week(d) == n]
            taught = [self.lesson(by_id[c], lesson) for c in week.competences for lesson in lessons[c].get(n, [])]
            quizzes = [self.competence_quiz(cc) for cc in course.competences if max(lessons[cc.competence.id]) == n]
            works = [self.competence_assignment(cc, week) for cc in course.competences if cc.due_week == n]
            placement = [self.logbook()] if course.placement and course.placement.start_week == n else []
            names = "; ".join(f"{by_id[c].competence.code} {self.tr(by_id[c].competence.title)}"
                              for c in week.competences)
            summary = self.html("week", week=week, competences=[by_id[c] for c in week.competences])
            sections.append(Section(n, clip(f"Week {n}: {names}"), summary,
                                    (*days, *taught, *quizzes, *works, *placement)))
        return tuple(sections)

    def day_week(self, day) -> int:
        if day.week is not None:
            return day.week
        return next((w.number for w in self.course.weeks if day.date <= w.end), len(self.course.weeks))

    def face_to_face(self, day) -> Activity:
        name = clip(f"Face-to-face day {day.date.isoformat()}: {self.tr(day.title)}")
        return Activity("page", day.id, name, "", content=self.html("face_to_face", day=day), expected=day.date)

    def lesson(self, cc, lesson) -> Activity:
        comp = cc.competence
        return self.remember(self.lesson_page, key=f"{comp.id}-{lesson.id}", code=comp.code, lesson=lesson)

    def lesson_page(self, key: str, code: str, lesson) -> Activity:
        return Activity("page", key, clip(f"{code} {self.tr(lesson.title)}"), "", content=self.md(lesson.body))

    def competence_quiz(self, cc) -> Activity:
        comp = cc.competence
        return self.quiz(comp.id, comp.quiz, f"{comp.code} {self.tr(comp.quiz.title)}", (comp.code,))

    def competence_assignment(self, cc, week) -> Activity:
        comp = cc.competence
        opens = self.course.week_of(cc.weeks[0]).start
        return self.assignment(comp.id, comp.assignment, "assignment", opens, week.end, (comp.code,))

    def logbook(self) -> Activity:
        placed = self.course.placement
        start = placed.start or self.course.start
        due = min(placed.due_date or self.course.end, self.course.end)
        intro = self.html("placement", placement=placed) + self.html("prompt", work=placed.logbook)
        return self.assignment("placement", placed.logbook, "wbl", start, due, (), intro)

    # Workshops: a section per day.

    def workshop_sections(self) -> tuple[Section, ...]:
        course = self.course
        codes = tuple(cc.competence.code for cc in course.competences)
        last = course.days[-1].number
        sections = []
        for day in course.days:
            sessions = [Activity("page", s.id, self.tr(s.title), "", content=self.html("session", session=s))
                        for s in day.sessions]
            exercises = [Activity("page", e.id, self.tr(e.title), "", content=self.html("exercise", exercise=e))
                         for e in day.exercises]
            quiz = [self.quiz(course.id, course.quiz, self.tr(course.quiz.title), codes)] if day.number == last else []
            work = ([self.assignment(course.id, course.assignment, "assignment", course.start, course.assignment_due,
                                     codes)] if day.date == course.assignment_due else [])
            summary = self.html("day", day=day)
            sections.append(Section(day.number, clip(f"Day {day.number}: {self.tr(day.title)}"), summary,
                                    (*sessions, *exercises, *quiz, *work)))
        return tuple(sections)

    # Activities.

    def quiz(self, key: str, quiz: Quiz, name: str, codes: tuple[str, ...]) -> Activity:
        questions = tuple(self.remember(self.question, key=key, q=q) for q in quiz.questions)
        grade = 10.0
        intro = self.html("quiz", quiz=quiz, threshold=self.threshold)
        return Activity("quiz", f"{key}-quiz", clip(name), intro, "quiz", questions=questions, grade=grade,
                        gradepass=round(grade * self.threshold, 5), competences=codes)

    def question(self, key: str, q: Question) -> QuestionSpec:
        text, explanation = self.md(q.prompt), self.md(q.explanation)
        name = clip(f"{key} {q.id}: {self.tr(q.prompt)}")
        if q.kind == "truefalse":
            answers = tuple(Answer(label, 1.0 if c.correct else 0.0, self.md(c.feedback))
                            for label, c in zip(("True", "False"), q.choices))
            return QuestionSpec(f"{key}-{q.id}", name, text, explanation, "truefalse", True, 1.0, answers)
        if q.kind == "single":
            fractions = [1.0 if c.correct else 0.0 for c in q.choices]
        else:
            fractions = multiple_fractions([c.correct for c in q.choices])
        answers = tuple(Answer(self.md(c.text), f, self.md(c.feedback)) for c, f in zip(q.choices, fractions))
        return QuestionSpec(f"{key}-{q.id}", name, text, explanation, "multichoice", q.kind == "single", 1.0,
                            answers)

    def assignment(self, key: str, work: Assignment, kind: str, opens, due, codes, intro: str | None = None
                   ) -> Activity:
        return self.remember(self.assignment_activity, key=key, work=work, kind=kind, opens=opens, due=due,
                             codes=codes, intro=intro, threshold=self.threshold)

    def assignment_activity(self, key: str, work: Assignment, kind: str, opens, due, codes, intro: str | None,
                            threshold: float) -> Activity:
        rubric = tuple(RubricCriterion(self.tr(c.title), tuple(
            Level(level.points, f"{self.tr(level.label)}: {self.tr(level.descriptor)}") for level in c.levels))
            for c in work.rubric)
        return Activity("assign", f"{key}-{work.id}", clip(self.tr(work.title)),
                        intro if intro is not None else self._html("prompt", work=work), kind,
                        grade=100.0, gradepass=round(100 * threshold, 5), rubric=rubric,
                        rubric_name=clip(f"Rubric: {self.tr(work.title)}"), opens=opens, due=due, competences=codes)

    def self_assessment(self, check: SelfAssessment) -> Activity:
        """The maturity self-assessment: one single-choice question per item, marks = points, bands as feedback."""
        questions = []
        for q in check.questions:
            top = max(score for _, score in q.options)
            answers = tuple(Answer(self.md(text), round(score / top, 7) if top else 0.0, "")
                            for text, score in q.options)
            questions.append(QuestionSpec(f"{check.id}-{q.id}", clip(f"{check.id} {q.id}: {self.tr(q.prompt)}"),
                                          self.md(q.prompt), "", "multichoice", True, float(top), answers))
        grade = float(sum(q.mark for q in questions))
        titles = {c.id: self.tr(c.title) for c in self.programme.courses}
        bands = tuple(Band(float(b.min), float(b.max + 1),
                           self.html("band", band=b, title=titles.get(b.course, b.course)))
                      for b in check.bands)
        return Activity("quiz", f"{check.id}-self-assessment", clip(self.tr(check.title)), self.md(check.intro),
                        "self", questions=tuple(questions), bands=bands, grade=grade, gradepass=0.0)
