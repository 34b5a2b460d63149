"""The designers' preview: a static site of the whole project as learners and tutors see it, one copy per language.

It reads only the model, renders every page in memory, then replaces `<out>` in one go. Charts are inline SVG
drawn by templates under `templates/preview/` from geometry computed in `charts.py`; nothing loads from elsewhere.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import jinja2

from ..archive import write_atomic
from ..coverage import languages as project_languages
from ..markdown import to_html
from ..model import Course, Project, Text
from ..traceability import by_owner, traces
from . import charts
from .labels import labels, language_name

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates" / "preview"


@dataclass(frozen=True)
class Page:
    path: str  # relative to the language folder: index.html, course/dsm.html …
    template: str
    context: dict


def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), undefined=jinja2.StrictUndefined,
                             autoescape=True, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["markdown"] = to_html
    env.filters["num"] = lambda value: f"{value:g}"
    return env


def site_languages(project: Project) -> tuple[str, ...]:
    """English first, then every other language a programme declares."""
    found = project_languages(project)
    return ("en",) + tuple(lang for lang in found if lang != "en")


def pages(project: Project) -> list[Page]:
    found = traces(project)
    owners = by_owner(found)
    used_by: dict[str, list[Course]] = {}
    for course in project.courses():
        for cc in course.competences:
            used_by.setdefault(cc.competence.id, []).append(course)
    result = [Page("index.html", "index.html", {"traces": found})]
    for programme in project.programmes:
        courses = {c.id for c in programme.courses}
        comps = {cc.competence.id for c in programme.courses for cc in c.competences}
        mine = [t for t in found if t.owner in comps or t.owner in courses or t.owner.split("/")[0] in courses]
        result.append(Page(f"programme/{programme.id}.html", "programme.html",
                           {"programme": programme, "traces": mine}))
        for course in programme.courses:
            extra = [t for t in found if t.owner.split("/")[0] == course.id]
            result.append(Page(f"course/{course.id}.html", "course.html",
                               {"course": course, "programme": programme, "traces": extra}))
    for competence in sorted(project.competences, key=lambda c: c.id):
        result.append(Page(f"competence/{competence.id}.html", "competence.html",
                           {"competence": competence, "traces": owners.get(competence.id, []),
                            "used_by": used_by.get(competence.id, [])}))
    return result


def render(project: Project) -> dict[str, bytes]:
    """Every file of the site by path relative to its root, in memory."""
    env = environment()
    langs = site_languages(project)
    files: dict[str, bytes] = {"style.css": (TEMPLATES / "style.css").read_bytes()}
    files["index.html"] = env.get_template("languages.html").render(
        languages=[(lang, language_name(lang)) for lang in langs], project=project).encode()
    for lang in langs:
        for page in pages(project):
            depth = page.path.count("/") + 1
            root = "../" * depth

            def tr(text: Text | None, lang=lang) -> str:
                return text.get(lang) if text is not None else ""

            context = dict(
                page.context, project=project, lang=lang, languages=langs, language_name=language_name,
                L=labels(lang), tr=tr, root=root, here=page.path, home=f"{root}{lang}/index.html",
                link=lambda kind, ident, root=root, lang=lang: f"{root}{lang}/{kind}/{ident}.html",
                hours_chart=charts.hours_chart, heatmap=charts.heatmap, timeline=charts.timeline,
            )
            files[f"{lang}/{page.path}"] = env.get_template(page.template).render(context).encode()
    return files


MARKER = ".musa-preview"


class NotAPreview(Exception):
    """The output folder holds other files: the preview will not replace them."""


def write(files: dict[str, bytes], out: Path) -> None:
    """Replace the site at `out` with `files`. `out` must be new, empty, or an earlier preview (it has MARKER)."""
    if out.exists() and not out.is_dir():
        raise NotAPreview(f"{out} is a file, not a folder")
    if out.exists() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise NotAPreview(f"{out} holds files that are not a preview; choose an empty or new folder")
    if out.exists():
        for child in out.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
    for name, data in sorted(files.items()):
        write_atomic(out / name, data)
    write_atomic(out / MARKER, b"written by musa-build preview; the next preview replaces this folder\n")


def build(project: Project, out: Path) -> int:
    files = render(project)
    write(files, out)
    return len(files)


__all__ = ["MARKER", "NotAPreview", "build", "pages", "render", "site_languages", "write"]
