"""Open edX OLX: one course archive per course, planned as chapters → sequentials → verticals → leaves."""

from __future__ import annotations

import datetime
import json
import re
import struct
import zlib
from dataclasses import dataclass

from markupsafe import Markup

from ..model import Assignment, Course, Lesson, Programme, Question, Text
from . import register
from .base import Exporter

ORGS = {"musa": "MuSA", "traces": "TRACES"}
GRADERS = {"quiz": ("Quiz", "Q"), "assignment": ("Assignment", "A"), "wbl": ("Work-based learning", "WBL")}
COURSE_IMAGE = "course_image.png"
UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def url_name(*parts: str) -> str:
    """A stable url_name from source ids: joined with '-', anything outside [A-Za-z0-9_-] replaced."""
    return UNSAFE.sub("-", "-".join(parts)).strip("-")


def run_name(course: Course) -> str:
    """The course run, from the month the course starts: 2019-09."""
    return course.start.strftime("%Y-%m")


def grader(kind: str) -> tuple[str, str]:
    """The grader type and short label of an activity kind."""
    return GRADERS.get(kind, (kind.replace("-", " ").capitalize(), kind[:3].upper()))


def stamp(day: datetime.date, end_of_day: bool = False) -> str:
    """An ISO-8601 UTC time at the start (or the last second) of a day."""
    return f"{day.isoformat()}T{'23:59:59' if end_of_day else '00:00:00'}Z"


class Moments:
    """The run-dependent values of one course as a direct build writes them: its run name and its dates."""

    def __init__(self, course: Course):
        self.course = course

    def run(self) -> str:
        return run_name(self.course)

    def stamp(self, day: datetime.date, end_of_day: bool = False) -> str:
        return stamp(day, end_of_day)

    def last_second(self, day: datetime.date) -> str:
        """The end of `day`, never after the end of the course."""
        return stamp(min(day, self.course.end), end_of_day=True)

    def day(self, day: datetime.date) -> str:
        """A date as a page shows it."""
        return day.isoformat()


@dataclass(frozen=True)
class Leaf:
    """A block inside a vertical: html (a Markup body, or a Lesson whose body the chapter's render converts),
    problem (a Question) or openassessment (an Ora)."""

    kind: str
    url_name: str
    title: str
    content: object


@dataclass(frozen=True)
class Ora:
    assignment: Assignment  # its prompt is rendered with the chapter (the `prompt` filter)
    start: str
    due: str


@dataclass(frozen=True)
class Vertical:
    url_name: str
    title: str
    leaves: tuple[Leaf, ...]


@dataclass(frozen=True)
class Sequential:
    url_name: str
    title: str
    verticals: tuple[Vertical, ...]
    format: str | None = None  # the grader type when graded
    due: str | None = None


@dataclass(frozen=True)
class Chapter:
    url_name: str
    title: str
    sequentials: tuple[Sequential, ...]


def page(name: str, title: str, body: Markup | Lesson) -> Vertical:
    """A unit holding one html page."""
    return Vertical(f"{name}-unit", title, (Leaf("html", f"{name}-page", title, body),))


def single_page(name: str, title: str, body: Markup) -> Sequential:
    return Sequential(name, title, (page(name, title, body),))


class OlxPlan:
    """Decides the course tree of one course: which chapter holds what, with which dates and url_names.

    The plan itself is not remembered (musa/memo.py), only the chapters' files: a date is a placeholder of the
    olx-source target, numbered in the order the plan asks for it, so the plan asks for every date on every build,
    in the same order, and a remembered file holds the numbers it would get again. What needs no date, a lesson's
    body and an assignment's prompt (Markdown), is left to the chapter's render: an unchanged chapter's texts are
    then not converted at all."""

    def __init__(self, exporter: "OlxExporter", course: Course):
        self.x, self.course = exporter, course
        self.programme = exporter.project.programme(course.programme)

    def tr(self, text: Text | None) -> str:
        return self.x.tr(text)

    def html(self, name: str, **context) -> Markup:
        return Markup(self.x.render_template(f"html/{name}.html", **context))

    def last_second(self, day: datetime.date) -> str:
        return self.x.when.last_second(day)

    def stamp(self, day: datetime.date) -> str:
        return self.x.when.stamp(day)

    def chapters(self) -> tuple[Chapter, ...]:
        return self.role_chapters() if self.course.kind == "role" else self.workshop_chapters()

    # Role courses: a chapter per week.

    def lesson_weeks(self, cc) -> dict[int, list]:
        """The week of each lesson: lessons spread in order over the weeks the plan gives the competence."""
        lessons, weeks = cc.competence.lessons, cc.weeks
        spread: dict[int, list] = {}
        for i, lesson in enumerate(lessons):
            spread.setdefault(weeks[i * len(weeks) // len(lessons)], []).append(lesson)
        return spread

    def role_chapters(self) -> tuple[Chapter, ...]:
        course = self.course
        lessons = {cc.competence.id: self.lesson_weeks(cc) for cc in course.competences}
        return tuple(Chapter(url_name("week", f"{week.number:02d}"),
                             self.week_title(week), self.week_sequentials(week, lessons))
                     for week in course.weeks)

    def week_title(self, week) -> str:
        title = self.tr(week.title) if week.title else ""
        return f"Week {week.number}" + (f": {title}" if title else "")

    def week_sequentials(self, week, lessons) -> tuple[Sequential, ...]:
        course, n = self.course, week.number
        by_id = {cc.competence.id: cc for cc in course.competences}
        overview = single_page(url_name("week", f"{n:02d}", "overview"), "Week overview",
                               self.html("week", week=week, competences=[by_id[c] for c in week.competences],
                                         lessons=lessons))
        days = [self.face_to_face(day) for day in course.face_to_face if self.day_week(day) == n]
        taught = [self.lesson_sequential(by_id[c], n, lessons[c][n]) for c in week.competences
                  if n in lessons[c]]
        quizzes = [self.competence_quiz(cc, week) for cc in course.competences
                   if max(lessons[cc.competence.id]) == n]
        works = [self.competence_assignment(cc, week) for cc in course.competences if cc.due_week == n]
        placement = [self.placement()] if course.placement and course.placement.start_week == n else []
        return (overview, *days, *taught, *quizzes, *works, *placement)

    def day_week(self, day) -> int:
        if day.week is not None:
            return day.week
        return next((w.number for w in self.course.weeks if day.date <= w.end), len(self.course.weeks))

    def face_to_face(self, day) -> Sequential:
        title = f"Face-to-face day {self.x.when.day(day.date)}: {self.tr(day.title)}"
        return single_page(url_name(day.id), title, self.html("face_to_face", day=day))

    def lesson_sequential(self, cc, week: int, lessons) -> Sequential:
        comp = cc.competence
        return Sequential(url_name(comp.id, "week", f"{week:02d}"), f"{self.tr(comp.title)} ({comp.code})",
                          tuple(page(url_name(comp.id, lesson.id), self.tr(lesson.title), lesson)
                                for lesson in lessons))

    def competence_quiz(self, cc, week) -> Sequential:
        comp = cc.competence
        return self.quiz(url_name(comp.id), comp.quiz, self.last_second(week.end))

    def quiz(self, prefix: str, quiz, due: str) -> Sequential:
        problems = tuple(Leaf("problem", url_name(prefix, q.id), f"Question {i}", q)
                         for i, q in enumerate(quiz.questions, 1))
        title = self.tr(quiz.title)
        return Sequential(url_name(prefix, "quiz"), title, (Vertical(url_name(prefix, "quiz", "unit"), title, problems),),
                          grader("quiz")[0], due)

    def competence_assignment(self, cc, week) -> Sequential:
        comp = cc.competence
        opens = self.course.week_of(cc.weeks[0]).start
        return self.assessed(url_name(comp.id), comp.assignment, "assignment", self.stamp(opens),
                             self.last_second(week.end))

    def assessed(self, prefix: str, work: Assignment, kind: str, start: str, due: str,
                 intro: tuple[Vertical, ...] = ()) -> Sequential:
        title = self.tr(work.title)
        ora = Leaf("openassessment", url_name(prefix, "ora"), title, Ora(work, start, due))
        return Sequential(url_name(prefix, kind), title,
                          (*intro, Vertical(url_name(prefix, kind, "unit"), title, (ora,))), grader(kind)[0], due)

    def placement(self) -> Sequential:
        placed = self.course.placement
        start = placed.start or self.course.start
        due = placed.due_date or self.course.end
        brief = page("placement-brief", "Your placement", self.html("placement", placement=placed))
        return self.assessed("placement", placed.logbook, "wbl", self.stamp(start), self.last_second(due), (brief,))

    # Workshops: a chapter per day.

    def workshop_chapters(self) -> tuple[Chapter, ...]:
        course = self.course
        due_day = next(d.number for d in course.days if d.date == course.assignment_due)
        return tuple(Chapter(url_name("day", str(day.number)), f"Day {day.number}: {self.tr(day.title)}",
                             self.day_sequentials(day, due_day)) for day in course.days)

    def day_sequentials(self, day, due_day: int) -> tuple[Sequential, ...]:
        course, last = self.course, self.course.days[-1].number
        found = [self.self_assessment()] if day.number == 1 and self.programme.self_assessment else []
        sessions = Sequential(url_name("day", str(day.number), "sessions"), "Sessions",
                              tuple(page(url_name(s.id), self.tr(s.title), self.html("session", session=s))
                                    for s in day.sessions))
        exercises = Sequential(url_name("day", str(day.number), "exercises"), "Exercises",
                               tuple(page(url_name(e.id), self.tr(e.title), self.html("exercise", exercise=e))
                                     for e in day.exercises)) if day.exercises else None
        quiz = [self.quiz(url_name(course.id), course.quiz, self.last_second(course.end))] if day.number == last else []
        work = [self.assessed(url_name(course.id), course.assignment, "assignment", self.stamp(course.start),
                              self.last_second(course.assignment_due))] if day.number == due_day else []
        return tuple([*found, sessions, *([exercises] if exercises else []), *quiz, *work])

    def self_assessment(self) -> Sequential:
        check = self.programme.self_assessment
        titles = {c.id: self.tr(c.title) for c in self.programme.courses}
        return single_page(url_name(check.id, "self-assessment"), self.tr(check.title),
                           self.html("self_assessment", check=check, titles=titles))


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain one-colour PNG, built byte for byte so that it never changes between builds."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b""))


@register
class OlxExporter(Exporter):
    name = "olx"
    suffix = ".tar.gz"
    description = "Open edX OLX course archive (import in Studio: Tools → Import)"

    when: Moments  # the run-dependent values of the course being rendered

    def moments(self, course: Course) -> Moments:
        return Moments(course)

    def template_filters(self) -> dict:
        return {**super().template_filters(), "shown_date": lambda day: self.when.day(day), "prompt": self.prompt}

    def prompt(self, work: Assignment) -> str:
        """An assignment's prompt as HTML, a plain string: written into <description>, it is escaped."""
        return self.render_template("html/prompt.html", work=work)

    def render_file(self, template: str, **context) -> bytes:
        return self.render_template(template, **context).encode("utf-8")

    def members(self, course: Course) -> dict[str, bytes]:
        programme = self.project.programme(course.programme)
        self.when = self.moments(course)
        run = self.when.run()
        chapters = OlxPlan(self, course).chapters()
        files = self.course_files(course, programme, run, chapters)
        for chapter in chapters:
            files.update(self.chapter_members(chapter))
        return {f"course/{name}": data for name, data in files.items()}

    def chapter_members(self, chapter: Chapter) -> dict[str, bytes]:
        """A chapter's files: they read the chapter alone, so they are remembered between builds."""
        return self.remember(self.chapter_files, chapter=chapter)

    def course_files(self, course: Course, programme: Programme, run: str, chapters) -> dict[str, bytes]:
        org = ORGS.get(programme.id, UNSAFE.sub("", programme.id.upper()))
        about = {"course": course, "programme": programme}
        dates = {"start": self.when.stamp(course.start), "end": self.when.stamp(course.end, True)}
        return {
            "course.xml": self.render_file("course.xml", run=run, org=org, number=course.code, course=course,
                                           chapters=chapters, **dates),
            f"course/{run}.xml": self.render_file("course/run.xml", course=course, chapters=chapters, **dates),
            "about/overview.html": self.render_file("about/overview.html", **about),
            "about/short_description.html": self.render_file("about/short_description.html", **about),
            "about/effort.html": self.render_file("about/effort.html", effort=effort(programme)),
            f"policies/{run}/policy.json": dumps({f"course/{run}": {
                "advanced_modules": ["openassessment"], "course_image": COURSE_IMAGE}}),
            f"policies/{run}/grading_policy.json": dumps(grading_policy(programme, chapters)),
            "policies/assets.json": dumps({}),
            f"static/{COURSE_IMAGE}": png(64, 36, (0x1f, 0x4e, 0x79)),
        }

    def chapter_files(self, chapter: Chapter) -> dict[str, bytes]:
        files = {f"chapter/{chapter.url_name}.xml": self.render_file("chapter/chapter.xml", chapter=chapter)}
        for seq in chapter.sequentials:
            files[f"sequential/{seq.url_name}.xml"] = self.render_file("sequential/sequential.xml", sequential=seq)
            for vertical in seq.verticals:
                files[f"vertical/{vertical.url_name}.xml"] = self.render_file("vertical/vertical.xml",
                                                                              vertical=vertical)
                files.update(self.leaf_files(vertical))
        return files

    def leaf_files(self, vertical: Vertical) -> dict[str, bytes]:
        files = {}
        for leaf in vertical.leaves:
            if leaf.kind == "html":
                files[f"html/{leaf.url_name}.xml"] = self.render_file("html/html.xml", leaf=leaf)
                body = leaf.content
                html = self.markdown(body.body) if isinstance(body, Lesson) else body
                files[f"html/{leaf.url_name}.html"] = str(html).encode("utf-8")
            elif leaf.kind == "problem":
                files[f"problem/{leaf.url_name}.xml"] = self.render_problem(leaf)
        return files

    def render_problem(self, leaf: Leaf) -> bytes:
        question: Question = leaf.content
        return self.render_file("problem/problem.xml", leaf=leaf, question=question,
                                response="choiceresponse" if question.kind == "multiple" else "multiplechoiceresponse")


def grading_policy(programme: Programme, chapters) -> dict:
    """Graders from the programme's weights, each counting the graded subsections the course really has."""
    formats = [s.format for c in chapters for s in c.sequentials if s.format]
    graders = [{"type": grader(kind)[0], "short_label": grader(kind)[1],
                "min_count": formats.count(grader(kind)[0]), "drop_count": 0, "weight": weight}
               for kind, weight in programme.weights if weight > 0]
    return {"GRADER": graders, "GRADE_CUTOFFS": {"Pass": programme.pass_threshold}}


def effort(programme: Programme) -> str:
    """Hours of effort per week (H:MM) for modes with weeks; total hours for a workshop."""
    mode = programme.modes[0]
    hours = mode.total_hours / mode.weeks if mode.weeks else mode.total_hours
    minutes = round(hours * 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def dumps(data) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
