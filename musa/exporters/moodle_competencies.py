"""Moodle competency framework: every competence of the project as one CSV for "Import competency framework".

The CSV is the one Moodle's admin/tool/lpimportcsv reads (and its export writes): a header row, then one row
for the framework (idnumber MUSA, with its scale), one per area (the parent competences: e-CF areas, DigComp
areas, transferable) and one per competence, whose idnumber is its code (A.2, 2.6, T1), so that course
backups linking competences by idnumber find them. One file for the whole project, not one per course.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..model import Competence
from . import register
from .base import Exporter

FRAMEWORK_IDNUMBER = "MUSA"
FRAMEWORK_NAME = "Mu.SA competences"
# The tool's columns, in its order and with its English headings (tool_lpimportcsv language strings).
HEADER = ("Parent ID number", "ID number", "Short name", "Description", "Description format", "Scale values",
          "Scale configuration", "Rule type (optional)", "Rule outcome (optional)", "Rule config (optional)",
          "Cross-referenced competency ID numbers", "Exported ID (optional)", "Is framework", "Taxonomy")
# The proficiency scale: everyone starts at the first value; the last two count as proficient.
SCALE = ("Not yet competent", "Developing", "Competent", "Accomplished")
DEFAULT, PROFICIENT = 1, (3, 4)
TAXONOMIES = ("domain", "competency")  # level 1: areas, level 2: competences
FORMAT_HTML = 1
NON_WORD = re.compile(r"[^A-Za-z0-9]+")


def scale_configuration() -> str:
    """Moodle's JSON: the scale (its id is replaced by the importer), then each value's default/proficient flags."""
    items = [{"scaleid": "0"}] + [{"id": i, "scaledefault": int(i == DEFAULT), "proficient": int(i in PROFICIENT)}
                                  for i in range(1, len(SCALE) + 1)]
    return json.dumps(items, separators=(",", ":"))


def slug(text: str) -> str:
    return NON_WORD.sub("-", text).strip("-").upper()


def number(value: float) -> str:
    """12.0 → '12', 12.5 → '12.5'."""
    return f"{value:g}"


@dataclass(frozen=True)
class Area:
    idnumber: str
    name: str
    framework: str
    title: str
    competences: tuple[Competence, ...]


MAX_NAME = 100  # the tool cuts id numbers and short names longer than this


def shortened(name: str) -> str:
    """A short name within the tool's limit, cut with an ellipsis (the description keeps the whole text)."""
    return name if len(name) <= MAX_NAME else name[:MAX_NAME - 1].rstrip() + "…"


@register
class MoodleCompetenciesExporter(Exporter):
    name = "moodle-competencies"
    suffix = ".csv"
    description = "Moodle competency framework CSV (Site administration → Competencies → Import competency framework)"

    @cached_property
    def competences(self) -> tuple[Competence, ...]:
        """The competences as the framework shows them: without lessons, quiz and assignment, which it does not
        read (so that editing a lesson leaves the framework as it was)."""
        return tuple(c.without_lessons("quiz", "assignment") for c in self.project.competences)

    def areas(self) -> tuple[Area, ...]:
        """The areas in the order their first competence comes, each idnumber distinct from every code."""
        codes = {c.code for c in self.competences}
        grouped: dict[tuple[str, str], list[Competence]] = {}
        for comp in self.competences:
            grouped.setdefault((comp.framework, self.tr(comp.area)), []).append(comp)
        found, taken = [], set(codes)
        for (framework, area), comps in grouped.items():
            family = NON_WORD.sub("", framework.split()[0]).upper()
            idnumber = (family if slug(area) == family else f"{family}-{slug(area)}")[:MAX_NAME - 10]
            while idnumber in taken:
                idnumber += "-AREA"
            taken.add(idnumber)
            title = area if area.lower() == framework.lower() else f"{framework}: {area}"
            found.append(Area(idnumber, area, framework, title, tuple(comps)))
        return tuple(found)

    def template_filters(self) -> dict:
        return {**super().template_filters(), "number": number}

    def html(self, template: str, **context) -> str:
        rendered = self.render_template(template, **context)
        return " ".join(rendered.split())

    def rows(self) -> list[tuple]:
        areas = self.areas()
        frameworks = {}
        for comp in self.competences:
            frameworks[comp.framework] = frameworks.get(comp.framework, 0) + 1
        rows = [("", FRAMEWORK_IDNUMBER, FRAMEWORK_NAME,
                 self.html("framework.html", frameworks=frameworks, scale=SCALE,
                           proficient=[SCALE[i - 1] for i in PROFICIENT]),
                 FORMAT_HTML, ",".join(SCALE), scale_configuration(), "", "", "", "", "", 1, ",".join(TAXONOMIES))]
        for area in areas:
            rows.append(("", area.idnumber, shortened(area.title), self.html("area.html", area=area), FORMAT_HTML,
                         "", "", "", "", "", "", "", "", ""))
        for area in areas:
            for comp in area.competences:
                title = self.tr(comp.title)
                short = shortened(title)
                # a title cut to fit the short name is given whole at the head of the description
                whole = title if short != title else None
                rows.append((area.idnumber, comp.code, short, self.html("competence.html", comp=comp, whole_title=whole),
                             FORMAT_HTML, "", "", "", "", "", "", "", "", ""))
        return rows

    def inputs(self, course=None, part=None) -> object:
        """The framework is written from the competences' headlines alone."""
        return self.competences

    def archive_name(self, course=None) -> str:
        return f"musa-competencies{'' if self.lang == 'en' else '-' + self.lang}{self.suffix}"

    def render(self) -> dict[Path, bytes]:
        """One CSV for the whole project."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(self.rows())
        return {self.out / self.name / self.archive_name(): out.getvalue().encode("utf-8")}
