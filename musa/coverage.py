"""Language coverage: which texts of the model each declared language still lacks."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .model import Competence, Course, Programme, Project, Text

SKIP = {"loc", "courses", "competences"}  # courses and competences are walked on their own


@dataclass(frozen=True)
class Missing:
    where: str  # "competences/tr-13.yaml: lessons[0].body"
    is_title: bool


def _walk(value, owner: str, path: str, found: list):
    if isinstance(value, Text):
        found.append((owner, path, value))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _walk(item, owner, f"{path}[{i}]", found)
    elif dataclasses.is_dataclass(value):
        if isinstance(value, (Competence, Course, Programme)):
            owner, path = value.loc.path, ""
        for f in dataclasses.fields(value):
            if f.name in SKIP:
                continue
            _walk(getattr(value, f.name), owner, f"{path}.{f.name}" if path else f.name, found)


def texts(project: Project) -> list[tuple[str, str, Text]]:
    """Every text of the project once: (source file, field path, text)."""
    found: list = []
    for programme in project.programmes:
        _walk(programme, "", "", found)
        for course in programme.courses:
            _walk(course, "", "", found)
    for competence in project.competences:
        _walk(competence, "", "", found)
    return found


def languages(project: Project) -> tuple[str, ...]:
    return tuple(sorted({lang for p in project.programmes for lang in p.languages}))


def missing(project: Project, lang: str) -> list[Missing]:
    return [Missing(f"{owner}: {path}", path == "title") for owner, path, text in texts(project)
            if not text.has(lang)]


def coverage(project: Project) -> dict[str, dict[str, tuple[int, int]]]:
    """lang → {'titles': (have, total), 'texts': (have, total)}."""
    all_texts = texts(project)
    titles = [t for _, path, t in all_texts if path == "title"]
    result = {}
    for lang in languages(project):
        result[lang] = {
            "titles": (sum(t.has(lang) for t in titles), len(titles)),
            "texts": (sum(t.has(lang) for _, _, t in all_texts), len(all_texts)),
        }
    return result
