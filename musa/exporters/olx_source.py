"""olx-utils course source trees: the OLX of each course with its run and dates left as Mako variables.

A course team turns a tree into a dated run with olx-utils (`olx new-run NAME START END`, then `olx archive`).
Every file olx-utils renders is written as a Mako template: course text sits inside `<%text>` blocks, so `${`,
`%` and `##` lines, `<%` tags and trailing backslashes in it stay text; only the run name and the dates are
Mako expressions over `run_name`, `start_date` and `end_date`, each date an offset from `start_date`.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Sequence

from ..model import Course
from . import register
from .olx import Moments, OlxExporter

TOKEN = re.compile("\ue000musa:(\\d+)\ue001")
TEXT_END = "</%text>"
IMPORTS = "<%! from datetime import timedelta %>"
BASE_POLICIES = "policies/_base/"  # `olx new-run` links policies/NAME to it
# What `olx new-run` renders as Mako besides course.xml: under each folder, the files with that suffix. These are
# olx-utils' own `OLXTemplates.OLX_DIRS` (a test holds the two together), written here so that a build does not
# import olx-utils, Mako and Pygments for it (38 ms, some 7 % of a rebuild command).
RENDERED_BY_OLX_UTILS = (("static/markdown", "md"), ("static/presentation", "html"), ("about", "html"),
                         ("chapter", "xml"), ("course", "xml"), ("discussion", "xml"), ("html", "html"),
                         ("html", "xml"), ("info", "html"), ("policies", "json"), ("problem", "xml"),
                         ("sequential", "xml"), ("tabs", "xml"), ("vertical", "xml"), ("video", "xml"))


class MakoMoments(Moments):
    """Run-dependent values as placeholders, each standing for a Mako expression."""

    def __init__(self, course: Course):
        super().__init__(course)
        self.expressions: list[str] = []

    def token(self, expression: str) -> str:
        if expression not in self.expressions:
            self.expressions.append(expression)
        return f"\ue000musa:{self.expressions.index(expression)}\ue001"

    def offset(self, day: datetime.date, end_of_day: bool = False) -> str:
        """`day` as a datetime counted from the run's start date."""
        days = (day - self.course.start).days
        last = ", hours=23, minutes=59, seconds=59" if end_of_day else ""
        return f"start_date + timedelta(days={days}{last})" if days or last else "start_date"

    def run(self) -> str:
        return self.token("run_name")

    def stamp(self, day: datetime.date, end_of_day: bool = False) -> str:
        if end_of_day and day >= self.course.end:
            return self.token("olx_helpers.date(end_date)")
        return self.token(f"olx_helpers.date({self.offset(day, end_of_day)})")

    def last_second(self, day: datetime.date) -> str:
        if day >= self.course.end:
            return self.stamp(day, end_of_day=True)
        return self.token(f"olx_helpers.date(min({self.offset(day, True)}, end_date))")

    def day(self, day: datetime.date) -> str:
        return self.token(f"({self.offset(day)}).strftime('%Y-%m-%d')")


def mako_text(text: str) -> str:
    """Plain text as a Mako template that renders to exactly that text (an empty <%text> block trips Mako)."""
    return f"${{'{TEXT_END}'}}".join(f"<%text>{part}{TEXT_END}" if part else "" for part in text.split(TEXT_END))


def mako_source(text: str, expressions: Sequence[str]) -> str:
    """A rendered file whose placeholders become Mako expressions and whose every other character is text."""
    parts, position = [], 0
    for match in TOKEN.finditer(text):
        parts.append(mako_text(text[position:match.start()]))
        parts.append(f"${{{expressions[int(match[1])]}}}")
        position = match.end()
    parts.append(mako_text(text[position:]))
    source = "".join(parts)
    return (IMPORTS + source) if "timedelta(" in source else source


_SUFFIXES = {folder: tuple(f".{suffix}" for other, suffix in RENDERED_BY_OLX_UTILS if other == folder)
             for folder, _ in RENDERED_BY_OLX_UTILS}  # RENDERED_BY_OLX_UTILS by folder


def rendered_by_olx_utils(name: str) -> bool:
    """Whether `olx new-run` renders the file at `name` (relative to the tree) as a Mako template: course.xml, and
    a file with one of the suffixes olx-utils names for a folder it is in."""
    if name == "course.xml":
        return True
    position = name.find("/")
    while position > 0:
        if name.endswith(_SUFFIXES.get(name[:position], ())):
            return True
        position = name.find("/", position + 1)
    return False


def source_tree(files: dict[str, bytes], expressions: Sequence[str]) -> dict[str, bytes]:
    """Rendered files (relative to the tree) as olx-utils reads them: a file it renders as a Mako template (see
    `mako_source`), any other as it is; an error for such a file that depends on the run."""
    tree = {}
    for name, data in files.items():
        if rendered_by_olx_utils(name):
            tree[name] = mako_source(data.decode("utf-8"), expressions).encode("utf-8")
        elif TOKEN.search(data.decode("utf-8", "replace")):
            raise ValueError(f"{name}: olx-utils does not render this file, yet it depends on the run")
        else:
            tree[name] = data
    return tree


@register
class OlxSourceExporter(OlxExporter):
    name = "olx-source"
    suffix = ""
    description = "olx-utils course source tree (olx new-run NAME START END, then olx archive)"

    shared_templates = ("olx",)  # its own templates first, then the OLX target's

    def moments(self, course: Course) -> Moments:
        return MakoMoments(course)

    def course_files(self, course, programme, run, chapters) -> dict[str, bytes]:
        """The course inline in course.xml (no file name can carry the run) and the policies under _base."""
        files = super().course_files(course, programme, run, chapters)
        del files[f"course/{run}.xml"]
        policies = f"policies/{run}/"
        return source_tree({BASE_POLICIES + name.removeprefix(policies) if name.startswith(policies) else name: data
                            for name, data in files.items()}, self.when.expressions)

    def chapter_members(self, chapter) -> dict[str, bytes]:
        """A chapter's files as olx-utils reads them, remembered with the run's expressions they may name (the
        plan asked for every date before a chapter is rendered: the list is complete)."""
        return self.remember(self.chapter_source, chapter=chapter, expressions=tuple(self.when.expressions))

    def chapter_source(self, chapter, expressions: tuple[str, ...]) -> dict[str, bytes]:
        files = self.chapter_files(chapter)
        if len(self.when.expressions) != len(expressions):
            raise ValueError(f"chapter {chapter.url_name}: its files depend on a date the course plan did not name")
        return source_tree(files, expressions)

    def members(self, course: Course) -> dict[str, bytes]:
        return {name.removeprefix("course/"): data for name, data in super().members(course).items()}

    def render_course(self, course: Course) -> dict[Path, dict[str, bytes]]:
        """One folder per course (a dict of its files), written whole and swapped in by the build."""
        return {self.out / self.name / self.archive_name(course): self.members(course)}
