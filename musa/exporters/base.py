"""The exporter lifecycle, defined once: render every archive in memory from the model, then write them all."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from ..archive import archive_bytes, write_atomic
from ..model import Course, Project

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"


@dataclass(frozen=True)
class Written:
    """One archive a build wrote."""

    course: str
    target: str
    path: Path
    size: int


class Exporter:
    """Subclasses set `name`, `suffix` and `description`, and implement `members(course)`.

    Templates load from `templates/<name>/`, then from each folder in `shared_templates` (templates two targets
    share, such as `templates/scorm/` for both SCORM versions).
    """

    name = ""
    suffix = ".zip"
    description = ""
    shared_templates: tuple[str, ...] = ()

    def __init__(self, project: Project, out: Path, lang: str = "en"):
        self.project, self.out, self.lang = project, out, lang
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(TEMPLATES / f) for f in (self.name, *self.shared_templates)]),
            undefined=jinja2.StrictUndefined, autoescape=True, keep_trailing_newline=True)

    def members(self, course: Course) -> dict[str, bytes]:
        """The files of one course's archive, by member name."""
        raise NotImplementedError

    def archive_name(self, course: Course) -> str:
        suffix = "" if self.lang == "en" else f"-{self.lang}"
        return f"{course.id}{suffix}{self.suffix}"

    def render(self) -> dict[Path, bytes]:
        """Every archive of this target, in memory: nothing is written until all are rendered."""
        return {self.out / self.name / self.archive_name(course): archive_bytes(self.archive_name(course),
                                                                               self.members(course))
                for course in self.project.courses()}

    @staticmethod
    def write(rendered: dict[Path, bytes], target: str) -> list[Written]:
        written = []
        for path, data in sorted(rendered.items()):
            write_atomic(path, data)
            written.append(Written(path.name, target, path, len(data)))
        return written
