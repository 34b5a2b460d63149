"""`musa-build new`: skeleton source files that name their schema and pass `check` with one warning per placeholder.

The skeletons are Jinja templates under templates/new/; every text a designer must write is a "TODO: …"
placeholder, which the rules report as a located warning (musa/rules/placeholders.py).
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import click
import jinja2

from .calendar import week_starts
from .errors import ContentError
from .project import load
from .specs import ID

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "new"
ECF_AREAS = {"a": "PLAN", "b": "BUILD", "c": "RUN", "d": "ENABLE", "e": "MANAGE"}
DIGCOMP_AREAS = {"1": "Information and data literacy", "2": "Communication and collaboration",
                 "3": "Digital content creation", "4": "Safety", "5": "Problem solving"}
# q kind, outcome, which choices are correct
QUESTIONS = (("single", "lo1", (True, False, False)), ("single", "lo2", (False, True, False)),
             ("multiple", "lo3", (True, True, False)), ("truefalse", "lo1", ()), ("truefalse", "lo2", ()),
             ("single", "lo3", (False, False, True)))


def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def framework_of(ident: str) -> dict:
    """Framework, code and area from a competence id: ecf-a2 → e-CF A.2 PLAN; dc-3-3 → DigComp 3.3; tr-16 → T16."""
    if m := re.fullmatch(r"ecf-([a-e])(\d{1,2})", ident):
        return {"framework": "e-CF 3.0", "code": f"{m[1].upper()}.{int(m[2])}", "area": ECF_AREAS[m[1]],
                "level_example": "e-3"}
    if m := re.fullmatch(r"dc-([1-5])-([1-6])", ident):
        return {"framework": "DigComp 2.1", "code": f"{m[1]}.{m[2]}", "area": DIGCOMP_AREAS[m[1]],
                "level_example": "4"}
    if m := re.fullmatch(r"tr-(\d{1,2})", ident):
        return {"framework": "transferable", "code": f"T{int(m[1])}", "area": "Transferable", "level_example": ""}
    raise click.BadParameter(f"expected a competence id such as ecf-a2 (e-CF), dc-3-3 (DigComp) or tr-16 "
                             f"(transferable), got '{ident}'", param_hint="ID")


def _target(path: Path) -> Path:
    if path.exists():
        raise click.ClickException(f"{path} already exists; choose another id or edit that file")
    return path


def competence(project: Path, ident: str) -> Path:
    """Write competences/<ident>.yaml; return its path."""
    facts = framework_of(ident)
    path = _target(project / "competences" / f"{ident}.yaml")
    questions = [{"kind": k, "outcome": o, "choices": c} for k, o, c in QUESTIONS]
    text = _env().get_template("competence.yaml").render(id=ident, questions=questions, **facts)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _course_code(ident: str) -> str:
    code = re.sub(r"[^A-Z0-9]", "", ident.upper())[:10]
    return code if re.fullmatch(r"[A-Z][A-Z0-9]{1,9}", code) else "NEW"


def add_course(programme_file: Path, ident: str) -> None:
    """Append `ident` to the programme's `courses:` list, keeping the file's own layout."""
    lines = programme_file.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        if m := re.fullmatch(r"(courses:\s*\[)(.*?)(\]\s*(?:#.*)?\n?)", line):
            items = m[2].strip()
            lines[i] = f"{m[1]}{items + ', ' if items else ''}{ident}{m[3]}"
            break
        if re.fullmatch(r"courses:\s*(#.*)?\n?", line):
            j = i + 1
            while j < len(lines) and re.match(r"\s+-\s", lines[j]):
                j += 1
            indent = re.match(r"(\s+)-", lines[i + 1])[1] if j > i + 1 else "  "
            lines.insert(j, f"{indent}- {ident}\n")
            break
    else:
        raise click.ClickException(f"{programme_file}: found no 'courses:' list to add '{ident}' to; add it by hand")
    programme_file.write_text("".join(lines), encoding="utf-8")


def role(project_root: Path, ident: str, programme_id: str | None) -> list[Path]:
    """Write roles/<ident>.yaml for a programme with a blended mode and list it in the programme; return the paths."""
    if not ID.accepts(ident):  # what the role file's id must be
        raise click.BadParameter(f"expected {ID.expected}, got '{ident}'", param_hint="ID")
    path = _target(project_root / "roles" / f"{ident}.yaml")
    loaded = load(project_root)
    if loaded.diagnostics.errors or loaded.project is None:
        raise ContentError(loaded.diagnostics, False)
    project = loaded.project
    candidates = [p for p in project.programmes if p.mode("blended")]
    if programme_id is not None:
        candidates = [p for p in project.programmes if p.id == programme_id]
        if not candidates:
            raise click.BadParameter(f"expected a programme id ({', '.join(p.id for p in project.programmes)}), "
                                     f"got '{programme_id}'", param_hint="--programme")
        if not candidates[0].mode("blended"):
            raise click.BadParameter(f"programme '{programme_id}' has no blended mode, so it has no role courses",
                                     param_hint="--programme")
    if not candidates:
        raise click.ClickException("no programme has a blended mode; a role's course needs one")
    programme = candidates[0]
    competences = sorted(c.id for c in project.competences)[:2]
    if len(competences) < 2:
        raise click.ClickException("a role's plan needs at least two competences; write them first "
                                   "(musa-build new competence ID)")
    blended = programme.mode("blended")
    weeks = blended.weeks or 24
    starts = week_starts(programme.start, [(b[0], b[1]) for b in programme.breaks], weeks)
    f2f = blended.part("face-to-face")
    days = (f2f.days or 1) if f2f else 0
    face_to_face = []
    for n in range(days):
        week = starts[min(weeks - 1, n * weeks // days)]
        face_to_face.append({"date": min(week + datetime.timedelta(days=4), programme.end).isoformat(),
                             "hours": f"{f2f.hours / days:g}"})
    assessment = blended.part("assessment")
    wbl = programme.mode("work-based-learning")
    placement = None
    if wbl:
        practice, wbl_assessment = wbl.part("practice"), wbl.part("assessment")
        placement = {"start_week": max(1, weeks // 2 + 1), "weeks": wbl.weeks or 1,
                     "practice": f"{practice.hours if practice else wbl.total_hours:g}",
                     "assessment": f"{wbl_assessment.hours if wbl_assessment else 0:g}"}
    text = _env().get_template("role.yaml").render(
        id=ident, code=_course_code(ident), programme=programme.id, competences=competences,
        weeks=range(1, weeks + 1), face_to_face=face_to_face,
        assessment_hours=f"{assessment.hours if assessment else 0:g}", placement=placement)
    programme_file = project_root / programme.loc.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    add_course(programme_file, ident)
    return [path, programme_file]
