"""What `check` prints when the sources are sound: counts, hours per mode and language coverage."""

from __future__ import annotations

from .coverage import coverage
from .model import Project
from .traceability import totals, traces


def counts(project: Project) -> dict[str, int]:
    courses = project.courses()
    quizzes = [c.quiz for c in project.competences] + [c.quiz for c in courses if c.quiz]
    questions = [q for quiz in quizzes for q in quiz.questions]
    assignments = ([c.assignment for c in project.competences] + [c.assignment for c in courses if c.assignment]
                   + [c.placement.logbook for c in courses if c.placement])
    return {
        "programmes": len(project.programmes),
        "courses": len(courses),
        "competences": len(project.competences),
        "lessons": sum(len(c.lessons) for c in project.competences),
        "quizzes": len(quizzes),
        "questions": len(questions),
        "single": sum(q.kind == "single" for q in questions),
        "multiple": sum(q.kind == "multiple" for q in questions),
        "truefalse": sum(q.kind == "truefalse" for q in questions),
        "rubrics": len(assignments),
        "criteria": sum(len(a.rubric) for a in assignments),
    }


def summary_lines(project: Project) -> list[str]:
    n = counts(project)
    lines = [
        f"{n['programmes']} programmes, {n['courses']} courses, {n['competences']} competences, "
        f"{n['lessons']} lessons",
        f"{n['quizzes']} quizzes with {n['questions']} questions ({n['single']} single choice, "
        f"{n['multiple']} multiple response, {n['truefalse']} true/false)",
        f"{n['rubrics']} rubrics with {n['criteria']} criteria",
    ]
    for programme in project.programmes:
        lines.append(f"{programme.id}: " + ", ".join(
            f"{course.code} {len(course.competences)} competences" for course in programme.courses))
        for mode in programme.modes:
            parts = " + ".join(f"{p.title} {p.hours:g} h" for p in mode.parts)
            span = f" over {mode.weeks} weeks" if mode.weeks else ""
            lines.append(f"  {mode.title}: {parts} = {mode.total_hours:g} h{span}")
    trace = totals(traces(project))
    lines.append(f"outcomes: {trace['outcomes']}, {trace['assessed']} assessed, {trace['not assessed']} not assessed, "
                 f"{trace['not taught']} not taught (musa-build report lists them)")
    for lang, cover in coverage(project).items():
        have_t, all_t = cover["titles"]
        have, total = cover["texts"]
        lines.append(f"language {lang}: titles {have_t}/{all_t}, all texts {have}/{total} "
                     f"({100 * have / total:.0f} %)")
    return lines
