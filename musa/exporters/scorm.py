"""SCORM 1.2 and SCORM 2004 4th edition: one package per course, a SCO per competence (or workshop day);
the `*-units` variants write one package per SCO instead.

Both versions share the plan (which SCO holds which pages and quiz, which untracked pages exist) and the page
templates in `templates/scorm/`; each version has its own manifest and run-time adapter in `templates/<target>/`.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, replace
from pathlib import Path

from markupsafe import Markup

from ..archive import archive_bytes
from ..model import Competence, Course, CourseCompetence, Day, Lesson, Programme, Question, Quiz, Text
from . import register
from .base import Exporter, as_read, programme_outline
from .scorm_labels import label, script_labels

UNSAFE = re.compile(r"[^a-z0-9-]+")
LETTERS = "abcdefghijklmnopqrstuvwxyz"
SHARED_FILES = ("shared/lms.js", "shared/sco.js", "shared/style.css")


def ident(*parts: str) -> str:
    """A manifest identifier (an XML NCName, which starts with a letter) from source ids: 'id-' before ids that
    start with a digit."""
    name = UNSAFE.sub("-", "-".join(parts).lower()).strip("-")
    return name if name[:1].isalpha() else f"id-{name}"


@dataclass(frozen=True)
class Page:
    """One page of a SCO: a lesson, a session or an exercise."""

    id: str
    title: str
    body: Markup | Lesson  # a lesson's Markdown is converted as its SCO's page renders (see `sco_page`)


@dataclass(frozen=True)
class Sco:
    """A tracked unit: its pages, then its quiz when it has one."""

    id: str
    title: str
    pages: tuple[Page, ...]
    quiz: Quiz | None
    codes: tuple[str, ...]  # the competence codes it teaches
    description: Text
    kind = "sco"

    @property
    def href(self) -> str:
        return f"sco/{self.id}.html"


@dataclass(frozen=True)
class Sheet:
    """An untracked page (an asset): an assignment with its rubric, or the self-assessment."""

    id: str
    title: str
    template: str
    context: dict
    kind = "asset"

    @property
    def href(self) -> str:
        return f"work/{self.id}.html"


def response_id(question: Question, index: int) -> str:
    """The response identifier of a choice: 'true'/'false' for a true/false question, else a, b, c …
    (SCORM 1.2 allows single characters only; each adapter writes them in its version's vocabulary)."""
    if question.kind == "truefalse":
        return ("true", "false")[index]
    return LETTERS[index]


class ScormPlan:
    """Decides the units of one course: the SCOs in teaching order, each with the untracked pages that go with it."""

    def __init__(self, exporter: "ScormExporter", course: Course, programme: Programme):
        self.x, self.course, self.programme = exporter, course, programme

    def tr(self, text: Text | None) -> str:
        return self.x.tr(text)

    def entries(self) -> tuple[Sco | Sheet, ...]:
        """Every item of the course package, in order."""
        return tuple(entry for unit in self.units() for entry in unit)

    def units(self) -> tuple[tuple[Sco | Sheet, ...], ...]:
        """The items grouped by unit: a competence's SCO with its assignment, a workshop day, a page on its own."""
        return self.role_units() if self.course.kind == "role" else self.workshop_units()

    def role_units(self) -> tuple[tuple[Sco | Sheet, ...], ...]:
        units = [self.competence_unit(cc.competence, due_date(self.course, cc.due_week))
                 for cc in self.course.competences]
        placed = self.course.placement
        if placed:
            units.append((self.assignment("placement-logbook", placed.logbook, "", placed.due_date or self.course.end),))
        return tuple(units)

    def workshop_units(self) -> tuple[tuple[Sco | Sheet, ...], ...]:
        course, units = self.course, []
        check = self.programme.self_assessment
        if check:
            titles = {c.id: self.tr(c.title) for c in self.programme.courses}
            units.append((Sheet(ident(check.id, "self-assessment"), self.tr(check.title), "work/self_assessment.html",
                                {"check": check, "titles": titles}),))
        units += [self.day_unit(day) for day in course.days]
        units.append((self.assignment(ident(course.id, "assignment"), course.assignment, "", course.assignment_due),))
        return tuple(units)

    def competence_unit(self, comp: Competence, due: datetime.date | None) -> tuple[Sco, Sheet]:
        """A competence's SCO (its lessons, then its quiz) and its assignment, due on `due`."""
        pages = tuple(Page(lesson.id, self.tr(lesson.title), lesson) for lesson in comp.lessons)
        return (Sco(ident(comp.id), f"{comp.code} {self.tr(comp.title)}", pages, comp.quiz, (comp.code,),
                    comp.description),
                self.assignment(ident(comp.id, "assignment"), comp.assignment, comp.code, due))

    def day_unit(self, day: Day) -> tuple[Sco]:
        """A workshop day's SCO: its sessions and exercises, then the workshop's quiz on the last day."""
        course = self.course
        pages = tuple(Page(s.id, self.tr(s.title), self.x.page_body("session", session=s)) for s in day.sessions)
        pages += tuple(Page(e.id, self.tr(e.title), self.x.page_body("exercise", exercise=e)) for e in day.exercises)
        title = self.x.label("day", number=day.number, title=self.tr(day.title))
        return (Sco(f"day-{day.number}", title, pages, course.quiz if day.number == course.days[-1].number else None,
                    keywords(course), course.description),)

    def assignment(self, sheet_id: str, work, code: str, due) -> Sheet:
        title = self.x.label("assignment_of" if code else "assignment", code=code, title=self.tr(work.title))
        return Sheet(sheet_id, title, "work/assignment.html", {"work": work, "due": due})


class ScormExporter(Exporter):
    """The shared part of both SCORM targets; subclasses name the version."""

    suffix = ".zip"
    shared_templates = ("scorm",)
    version = ""  # the manifest's schemaversion

    def template_filters(self) -> dict:
        return {**super().template_filters(), "label": self.label}

    def template_globals(self) -> dict:
        return {**super().template_globals(), "response_id": response_id, "version": self.version,
                "script_labels": script_labels(self.lang)}

    def label(self, key: str, **values: object) -> str:
        """One word or sentence of the package's own pages in the build's language."""
        return label(self.lang, key, **values)

    def page_body(self, name: str, **context) -> Markup:
        return Markup(self.render_template(f"parts/{name}.html", **context))

    def render_file(self, template: str, **context) -> bytes:
        return self.render_template(template, **context).encode("utf-8")

    def sco_page(self, sco: Sco, threshold: float) -> dict[str, bytes]:
        """A SCO's page, read from the SCO and the programme's pass threshold alone. Its lessons' Markdown is
        converted here: a page taken from the last build converts none."""
        sco = replace(sco, pages=tuple(replace(page, body=self.markdown(page.body.body))
                                       if isinstance(page.body, Lesson) else page for page in sco.pages))
        return {sco.href: self.render_file("sco/unit.html", sco=sco, threshold=threshold)}

    def sheet_page(self, sheet: Sheet, course: Course) -> dict[str, bytes]:
        """An untracked page, read from its sheet and the course's headline alone."""
        return {sheet.href: self.render_file(sheet.template, sheet=sheet, course=course, **sheet.context)}

    def shared_files(self) -> dict[str, bytes]:
        """The run-time adapter, script and style every package of this target holds (rendered once)."""
        if self._shared is None:
            self._shared = {name: self.render_file(name) for name in SHARED_FILES}
        return self._shared

    _shared: dict[str, bytes] | None = None

    def members(self, course: Course) -> dict[str, bytes]:
        programme = programme_outline(self.project.programme(course.programme))
        return self.package(course, programme, ScormPlan(self, course, programme).entries(), self.tr(course.title),
                            self.tr(course.description), keywords(course), ident(course.id, self.name))

    def package(self, course: Course, programme: Programme, entries, title: str, description: str,
                codes: tuple[str, ...], identifier: str) -> dict[str, bytes]:
        """The files of one package holding `entries`, with its manifest; `programme` is the course's programme
        outline (see programme_outline). A page reads its SCO or sheet and the course's headline alone: pages are
        remembered between builds."""
        files = dict(self.shared_files())
        headline = next(c for c in programme.courses if c.id == course.id)
        for entry in entries:
            if isinstance(entry, Sco):
                files.update(self.remember(self.sco_page, sco=entry, threshold=programme.pass_threshold))
            else:
                files.update(self.remember(self.sheet_page, sheet=entry, course=headline))
        files["imsmanifest.xml"] = self.render_file(
            "imsmanifest.xml", course=course, programme=programme, entries=entries, shared=SHARED_FILES,
            identifier=identifier, title=title, description=description, keywords=codes,
            mastery=mastery_score(programme))
        return files


@dataclass(frozen=True)
class UnitSlice:
    """All that one SCO's package reads, hashed into its unit's cache key: a role course's headline fields and one
    competence with its assignment's due date, or a whole workshop (as it reads it: see as_read) and one of its
    days."""

    part: str  # the competence's id, or day-N
    course: Course  # a role course's headline fields (no competences, weeks or days), or a workshop
    programme: Programme  # its programme's outline (see programme_outline)
    competence: Competence | None = None
    due: datetime.date | None = None


class ScormUnitsExporter(ScormExporter):
    """One package per SCO (with its assignment page), for platforms that launch only a package's first SCO.
    Each package is a unit of its own (`parts`): editing one competence rewrites its packages only."""

    suffix = ".zip"

    def parts(self, course: Course) -> tuple[str, ...]:
        if course.kind == "role":
            return tuple(cc.competence.id for cc in course.competences)
        return tuple(f"day-{day.number}" for day in course.days)

    def inputs(self, course: Course | None, part: str | None = None) -> object:
        if course is None or part is None:
            return super().inputs(course)
        outline = programme_outline(self.project.programme(course.programme))
        if course.kind != "role":
            return UnitSlice(part, as_read(course), outline)
        cc = taught(course, part)
        headline = next(c for c in outline.courses if c.id == course.id)
        return UnitSlice(part, headline, outline, cc.competence, due_date(course, cc.due_week))

    def render_course(self, course: Course) -> dict[Path, bytes]:
        """One package per SCO of the course, in a folder named for the course."""
        rendered = {}
        for part in self.parts(course):
            rendered.update(self.render_part(self.inputs(course, part)))
        return rendered

    def render_part(self, inputs: UnitSlice) -> dict[Path, bytes]:
        course, programme = inputs.course, inputs.programme
        plan = ScormPlan(self, course, programme)
        if inputs.competence is not None:
            unit = plan.competence_unit(inputs.competence, inputs.due)
        else:
            unit = plan.day_unit(next(day for day in course.days if f"day-{day.number}" == inputs.part))
        sco = unit[0]
        name = f"{sco.id}{'' if self.lang == 'en' else f'-{self.lang}'}{self.suffix}"
        files = self.package(course, programme, unit, sco.title, self.tr(sco.description), sco.codes,
                             ident(course.id, sco.id, self.name))
        return {self.out / self.name / course.id / name: archive_bytes(name, files)}

    def contents(self, course: Course | None, part: str | None = None) -> dict[str, int]:
        """What one package holds: its SCO's quiz and the rubric of its assignment (a workshop's on no day)."""
        if course is None or part is None:
            return super().contents(course)
        if course.kind == "role":
            competence = taught(course, part).competence
            quiz, works = competence.quiz, [competence.assignment]
        else:
            quiz, works = (course.quiz if part == f"day-{course.days[-1].number}" else None), []
        return {"quizzes": int(quiz is not None), "questions": len(quiz.questions) if quiz else 0,
                "rubrics": sum(1 for work in works if work is not None and work.rubric)}


def taught(course: Course, competence_id: str) -> CourseCompetence:
    """The role course's entry for the competence a package of `ScormUnitsExporter` is named for (its part)."""
    return next(cc for cc in course.competences if cc.competence.id == competence_id)


def due_date(course: Course, week: int | None) -> datetime.date | None:
    """The last day of a role course's week `week` (None for none)."""
    return course.week_of(week).end if week else None


def keywords(course: Course) -> tuple[str, ...]:
    """The competence codes of a course, in teaching order, each once."""
    return tuple(dict.fromkeys(cc.competence.code for cc in course.competences))


def mastery_score(programme: Programme) -> str:
    """The pass threshold on SCORM's 0–100 scale, without a trailing '.0'."""
    return f"{programme.pass_threshold * 100:g}"


@register
class Scorm12Exporter(ScormExporter):
    name = "scorm12"
    version = "1.2"
    description = "SCORM 1.2 package per course (Moodle: Add an activity → SCORM package)"


@register
class Scorm2004Exporter(ScormExporter):
    name = "scorm2004"
    version = "2004 4th Edition"
    description = "SCORM 2004 4th edition package per course (Moodle: Add an activity → SCORM package)"


@register
class Scorm12UnitsExporter(ScormUnitsExporter):
    name = "scorm12-units"
    version = "1.2"
    shared_templates = ("scorm12", "scorm")
    description = "SCORM 1.2 package per competence or workshop day (Open edX: one SCORM block each)"


@register
class Scorm2004UnitsExporter(ScormUnitsExporter):
    name = "scorm2004-units"
    version = "2004 4th Edition"
    shared_templates = ("scorm2004", "scorm")
    description = "SCORM 2004 4th edition package per competence or workshop day (Open edX: one SCORM block each)"
