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


OWNERS = (Competence, Course, Programme)  # a text's path starts again at each of these: its source file
_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _fields(cls: type) -> tuple[str, ...] | None:
    """The fields a walk reads of a dataclass of the model (None: not a dataclass), looked up once per type."""
    try:
        return _FIELDS[cls]
    except KeyError:
        names = (tuple(f.name for f in dataclasses.fields(cls) if f.name not in SKIP)
                 if dataclasses.is_dataclass(cls) else None)
        return _FIELDS.setdefault(cls, names)


def _walk(value, owner: str, path: str, found: list):
    if isinstance(value, Text):
        found.append((owner, path, value))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _walk(item, owner, f"{path}[{i}]", found)
    else:
        names = _fields(type(value))
        if names is None:
            return
        if isinstance(value, OWNERS):
            owner, path = value.loc.path, ""
        for name in names:
            _walk(getattr(value, name), owner, f"{path}.{name}" if path else name, found)


def _gather(value, found: list, titles: list) -> None:
    """`_walk` without the paths, for counting: every text into `found`, each owner's title also into `titles`."""
    if isinstance(value, Text):
        found.append(value)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _gather(item, found, titles)
    else:
        names = _fields(type(value))
        if names is None:
            return
        if isinstance(value, OWNERS) and isinstance(value.title, Text):
            titles.append(value.title)
        for name in names:
            _gather(getattr(value, name), found, titles)


def _owners(project: Project) -> list:
    """The programmes, courses and competences, each walked on its own."""
    return [*(owner for programme in project.programmes for owner in (programme, *programme.courses)),
            *project.competences]


def texts(project: Project) -> list[tuple[str, str, Text]]:
    """Every text of the project once: (source file, field path, text)."""
    found: list = []
    for owner in _owners(project):
        _walk(owner, "", "", found)
    return found


def languages(project: Project) -> tuple[str, ...]:
    return tuple(sorted({lang for p in project.programmes for lang in p.languages}))


def missing(project: Project, lang: str) -> list[Missing]:
    return [Missing(f"{owner}: {path}", path == "title") for owner, path, text in texts(project)
            if not text.has(lang)]


def coverage(project: Project) -> dict[str, dict[str, tuple[int, int]]]:
    """lang → {'titles': (have, total), 'texts': (have, total)}."""
    all_texts: list[Text] = []
    titles: list[Text] = []
    for owner in _owners(project):
        _gather(owner, all_texts, titles)
    return {lang: {"titles": (sum(t.has(lang) for t in titles), len(titles)),
                   "texts": (sum(t.has(lang) for t in all_texts), len(all_texts))}
            for lang in languages(project)}
