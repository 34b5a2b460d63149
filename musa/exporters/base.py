"""The exporter lifecycle, defined once: render archives in memory from the model; musa/build.py writes them.

The unit of work (for `--jobs` and the incremental cache, see musa/build.py) is one target × one course, or
one target × the whole project for a target that overrides `render()` (one file for the whole project), or one
target × one part of a course for a target that writes a course as separate archives (`parts()`).
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import jinja2
from markupsafe import Markup

from .. import memo
from ..archive import archive_bytes, write_atomic
from ..markdown import to_html
from ..model import Course, Programme, Project, Text

Rendered = TypeVar("Rendered")

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"


@dataclass(frozen=True)
class Written:
    """One archive a build wrote (or found up to date), with what it holds."""

    course: str
    target: str
    path: Path
    size: int
    quizzes: int | None = None
    questions: int | None = None
    rubrics: int | None = None
    cached: bool = False


def course_contents(course: Course) -> dict[str, int]:
    """Quizzes, questions and rubrics one course carries into a course archive."""
    quizzes = [q for q in course.quizzes() if q is not None]
    works = [a for a in course.assignments() if a is not None]
    logbook = [course.placement.logbook] if course.placement is not None else []
    return {"quizzes": len(quizzes), "questions": sum(len(q.questions) for q in quizzes),
            "rubrics": sum(1 for a in (*works, *logbook) if a.rubric)}


def _same_copy(copies: dict[int, tuple], value, make: Callable):
    """`make(value)`, the same object each time for the same `value`: a build's keys then hash it once for all
    the units that read it. An entry lives as long as its value (a weak reference): a long-lived process
    (preview --serve, tests) keeps nothing of the models it built before."""
    known = copies.get(id(value))
    if known is not None and known[0]() is value:
        return known[1]
    made = make(value)
    copies[id(value)] = (weakref.ref(value, lambda _, key=id(value): copies.pop(key, None)), made)
    return made


def programme_outline(programme: Programme) -> Programme:
    """A programme with its courses cut to their headline fields: what one course's archive may read of the others.
    The same object for the same programme."""
    return _same_copy(_OUTLINES, programme, _outline)


def _outline(programme: Programme) -> Programme:
    empty = {"competences": (), "weeks": (), "face_to_face": (), "days": (), "quiz": None, "assignment": None,
             "placement": None, "outcomes": ()}
    return dataclasses.replace(programme, courses=tuple(dataclasses.replace(c, **empty) for c in programme.courses))


_OUTLINES: dict[int, tuple[weakref.ref, Programme]] = {}


def as_read(course: Course) -> Course:
    """A course as its archives read it. A role course teaches its competences and is read whole. A workshop
    names the competences it draws on without teaching them: it reads their headlines (code, title, framework,
    level, outcomes), not their lessons, quizzes or assignments, so that editing those leaves its archives as
    they were. The same object for the same course."""
    return course if course.kind == "role" else _same_copy(_AS_READ, course, _headlines)


def _headlines(course: Course) -> Course:
    return dataclasses.replace(course, competences=tuple(
        dataclasses.replace(cc, competence=cc.competence.without_lessons("quiz", "assignment"))
        for cc in course.competences))


_AS_READ: dict[int, tuple[weakref.ref, Course]] = {}


def _unfolded(function: Callable) -> Callable:
    """A target's filter as Jinja calls it at render time only. Jinja evaluates a filter of constants while it
    compiles (`"next" | label`) unless the filter takes the render's context; a target's filters read the
    target's language and state, so compiled code that held their results would hold one language's words for
    every language, and one course's for the next."""
    @jinja2.pass_context
    def at_render_time(context, *args, **kwargs):
        return function(*args, **kwargs)
    return at_render_time


class SharedBytecode(jinja2.FileSystemBytecodeCache):
    """Jinja's compiled templates, kept on disk between builds (one folder per target) and in this process once
    loaded: targets that load the same template files with the same settings (the four SCORM targets, olx and
    olx-source) read and unmarshal each compiled template once. Keyed, like Jinja's own, by the template's name,
    file and source checksum, and by every setting of the environment that its compiled code depends on."""

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        # not the key of code compiled with its target's filters evaluated (before `_unfolded`)
        return super().get_cache_key(f"{name}\0{COMPILED_FORMAT}", filename)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        key = _code_key(bucket)
        code = _CODE.get(key) if key is not None else None
        if code is not None:
            bucket.code = code
            return
        super().load_bytecode(bucket)
        if key is not None and bucket.code is not None:
            _CODE[key] = bucket.code

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        super().dump_bytecode(bucket)
        key = _code_key(bucket)
        if key is not None:
            _CODE[key] = bucket.code


_CODE: dict[tuple, object] = {}
COMPILED_FORMAT = 2  # of the code in the compiled templates' cache: raised when what it depends on changes


def _code_key(bucket: jinja2.bccache.Bucket) -> tuple | None:
    """What a template's compiled code depends on; None when a setting cannot be compared (an autoescape or
    finalize function: such an environment shares nothing)."""
    env = bucket.environment
    if not isinstance(env.autoescape, bool) or env.finalize is not None:
        return None
    return (bucket.key, bucket.checksum, env.autoescape, env.optimized, env.is_async, env.block_start_string,
            env.block_end_string, env.variable_start_string, env.variable_end_string, env.comment_start_string,
            env.comment_end_string, env.line_statement_prefix, env.line_comment_prefix, env.trim_blocks,
            env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline, tuple(sorted(env.extensions)))


class Exporter:
    """Subclasses set `name`, `suffix` and `description`, and implement `members(course)`.

    Templates load from `templates/<name>/`, then from each folder in `shared_templates` (templates two targets
    share, such as `templates/scorm/` for both SCORM versions). Helpers reach templates as filters (`text | tr`,
    `text | md`, see `template_filters`), each called as a template renders, never while Jinja compiles it
    (see `_unfolded`).

    A target that writes one file for the whole project overrides `render()` instead; it is then built as one
    unit. A course is rendered as it is read (`as_read`: a workshop without its competences' lessons, quizzes
    and assignments). A target whose course archives read more of the model than that course and its
    programme's outline overrides `inputs(course)` so that the incremental cache sees every change; one that
    reads less may override it too, if it renders from what `inputs` gives alone (as the question banks do).
    A target that writes a course as separate archives, each reading a slice of the course, names them in
    `parts(course)` and renders each from its own `inputs(course, part)` alone (`render_part`): each part is
    then a unit of its own, rebuilt only when its slice changes.
    """

    name = ""
    suffix = ".zip"
    description = ""
    shared_templates: tuple[str, ...] = ()

    def __init__(self, project: Project, out: Path, lang: str = "en", compiled: Path | None = None):
        """`compiled`: a folder where Jinja keeps this target's compiled templates between builds (a build passes
        one per target: the compiled code depends on the target's settings, such as escaping)."""
        self.project, self.out, self.lang = project, out, lang
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(TEMPLATES / f) for f in self.template_folders()]),
            undefined=jinja2.StrictUndefined, autoescape=True, keep_trailing_newline=True,
            auto_reload=False,  # an exporter lives for one build, and its templates' digest is in every key
            bytecode_cache=SharedBytecode(str(compiled / self.name)) if compiled else None)
        self.templates.filters.update({name: _unfolded(f) for name, f in self.template_filters().items()})
        self.templates.globals.update(self.template_globals())

    def template_filters(self) -> dict[str, Callable]:
        """The filters this target's templates use; subclasses add their own."""
        return {"tr": self.tr, "md": self.markdown}

    def template_globals(self) -> dict[str, object]:
        """The names every template of this target sees besides what a render passes; subclasses add their own."""
        return {"lang": self.lang}

    def tr(self, text: Text | None) -> str:
        """A text in the build's language (English where it has no translation); '' for a missing text."""
        return text.get(self.lang) if text is not None else ""

    def markdown(self, text: Text | None) -> Markup:
        """A text in the build's language as sanitised HTML (empty for a missing text)."""
        return to_html(text.get(self.lang)) if text is not None else Markup("")

    def render_template(self, template: str, **context) -> str:
        return self.templates.get_template(template).render(**context)

    def remember(self, render: Callable[..., Rendered], **context) -> Rendered:
        """`render(**context)`, taken from the unit's last build when every value of `context` is the same (see
        musa/memo.py). `render` is a method of the target that reads nothing but its arguments and the target's
        templates, filters and globals; the templates it renders are given nothing else (a template cannot read
        a name it is not given: StrictUndefined)."""
        remembering = memo.active()
        if remembering is None:
            return render(**context)
        return remembering.render(render.__qualname__, context, lambda: render(**context))

    @classmethod
    def template_folders(cls) -> tuple[str, ...]:
        """The folders under templates/ this target loads from, in search order (also hashed into the cache key)."""
        return (cls.name, *cls.shared_templates)

    @classmethod
    def family(cls) -> str:
        """What targets that share templates (and the plan behind them) have in common: the last folder they load
        from (`scorm` for the four SCORM targets, `olx` for olx and olx-source, else the target's own)."""
        return cls.template_folders()[-1]

    def members(self, course: Course) -> dict[str, bytes]:
        """The files of one course's archive, by member name."""
        raise NotImplementedError

    def archive_name(self, course: Course) -> str:
        suffix = "" if self.lang == "en" else f"-{self.lang}"
        return f"{course.id}{suffix}{self.suffix}"

    def render(self) -> dict[Path, bytes]:
        """Every archive of this target, in memory: nothing is written until all are rendered."""
        rendered: dict[Path, bytes] = {}
        for course in self.project.courses():
            rendered.update(self.render_course(as_read(course)))
        return rendered

    def render_course(self, course: Course) -> dict[Path, bytes]:
        name = self.archive_name(course)
        return {self.out / self.name / name: archive_bytes(name, self.members(course))}

    # Units of work: what `--jobs` runs in parallel and the incremental cache skips.

    @classmethod
    def project_wide(cls) -> bool:
        """True when the target overrides `render()`: one unit for the whole project."""
        return cls.render is not Exporter.render

    def units(self) -> tuple[Course | None, ...]:
        """The courses to render one by one, or (None,) for the whole project at once."""
        return (None,) if self.project_wide() else self.project.courses()

    def parts(self, course: Course) -> tuple[str | None, ...]:
        """The parts of a course built as units of their own, by name; (None,): the course is one unit."""
        return (None,)

    def render_unit(self, course: Course | None, part: str | None = None) -> dict[Path, bytes]:
        if course is None:
            return self.render()
        return self.render_course(as_read(course)) if part is None else self.render_part(self.inputs(course, part))

    def render_part(self, inputs) -> dict[Path, bytes]:
        """The archives of one part of a course, from what `inputs(course, part)` gave for it and nothing else."""
        raise NotImplementedError

    def inputs(self, course: Course | None, part: str | None = None) -> object:
        """The slice of the model a unit reads; it is hashed into the incremental cache's key."""
        if course is None:
            return self.project
        return as_read(course), programme_outline(self.project.programme(course.programme))

    def contents(self, course: Course | None, part: str | None = None) -> dict[str, int]:
        """Quizzes, questions and rubrics in a unit's archives, for the build's table (empty: not counted)."""
        return {} if course is None else course_contents(course)

    @staticmethod
    def write(rendered: dict[Path, bytes], target: str) -> list[Written]:
        written = []
        for path, data in sorted(rendered.items()):
            write_atomic(path, data)
            written.append(Written(path.name, target, path, len(data)))
        return written
