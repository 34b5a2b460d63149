"""Traceability: for every learning outcome, the lessons that teach it and the questions and criteria that assess it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from .model import Assignment, Outcome, Project, Quiz, Text


@dataclass(frozen=True)
class Trace:
    """One outcome of one owner (a competence, a workshop or a placement logbook) and what covers it."""

    owner: str  # competence id, workshop id, or "<role>/wbl-logbook"
    owner_kind: str  # competence | workshop | placement
    source: str  # the file that declares the outcome
    outcome: Outcome
    lessons: tuple[str, ...]  # lesson or session ids that teach it
    questions: tuple[str, ...]  # question ids that assess it
    criteria: tuple[str, ...]  # rubric criterion ids that assess it

    @property
    def assessed(self) -> bool:
        return bool(self.questions or self.criteria)

    @property
    def taught(self) -> bool:
        return bool(self.lessons)

    @property
    def gaps(self) -> tuple[str, ...]:
        """What is missing, in words: 'not assessed', 'not taught', 'no quiz question', 'no rubric criterion'."""
        found = []
        if not self.assessed:
            found.append("not assessed")
        if self.owner_kind != "placement" and not self.taught:
            found.append("not taught")
        if self.owner_kind != "placement" and self.assessed and not self.questions:
            found.append("no quiz question")
        if self.assessed and not self.criteria:
            found.append("no rubric criterion")
        return tuple(found)


def _refs(outcome_id: str, items) -> tuple[str, ...]:
    return tuple(ident for ident, outcomes in items if outcome_id in outcomes)


def _traces(owner: str, kind: str, source: str, outcomes: tuple[Outcome, ...], teaching, quiz: Quiz | None,
            assignment: Assignment) -> list[Trace]:
    questions = [(q.id, (q.outcome,)) for q in quiz.questions] if quiz else []
    criteria = [(c.id, c.outcomes) for c in assignment.rubric]
    return [Trace(owner, kind, source, o, _refs(o.id, teaching), _refs(o.id, questions), _refs(o.id, criteria))
            for o in outcomes]


def traces(project: Project) -> list[Trace]:
    """Every outcome of the project once, in a stable order: competences, then workshops, then placements."""
    found: list[Trace] = []
    for c in sorted(project.competences, key=lambda c: c.id):
        found += _traces(c.id, "competence", c.loc.path, c.outcomes, [(l.id, l.outcomes) for l in c.lessons],
                         c.quiz, c.assignment)
    courses = sorted(project.courses(), key=lambda c: c.id)
    for course in courses:
        if course.kind == "workshop":
            sessions = [(s.id, s.outcomes) for day in course.days for s in day.sessions]
            found += _traces(course.id, "workshop", course.loc.path, course.outcomes, sessions, course.quiz,
                             course.assignment)
    for course in courses:
        if course.placement:
            logbook = course.placement.logbook
            found += _traces(f"{course.id}/{logbook.id}", "placement", course.loc.path, logbook.outcomes, [],
                             None, logbook)
    return found


def by_owner(found: list[Trace]) -> dict[str, list[Trace]]:
    grouped: dict[str, list[Trace]] = {}
    for trace in found:
        grouped.setdefault(trace.owner, []).append(trace)
    return grouped


def totals(found: list[Trace]) -> dict[str, int]:
    return {
        "outcomes": len(found),
        "assessed": sum(t.assessed for t in found),
        "not assessed": sum(not t.assessed for t in found),
        "not taught": sum("not taught" in t.gaps for t in found),
        "no quiz question": sum("no quiz question" in t.gaps for t in found),
        "no rubric criterion": sum("no rubric criterion" in t.gaps for t in found),
    }


CSV_HEADER = ("owner", "kind", "source", "outcome", "text", "lessons", "questions", "criteria", "assessed", "gaps")


def to_csv(found: list[Trace]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for t in found:
        writer.writerow((t.owner, t.owner_kind, t.source, t.outcome.id, t.outcome.text.get("en"),
                         " ".join(t.lessons), " ".join(t.questions), " ".join(t.criteria),
                         "yes" if t.assessed else "no", "; ".join(t.gaps)))
    return out.getvalue()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(found: list[Trace]) -> str:
    n = totals(found)
    lines = ["# Traceability report", "",
             f"{n['outcomes']} learning outcomes: {n['assessed']} assessed, {n['not assessed']} not assessed; "
             f"{n['not taught']} taught by no lesson or session, {n['no quiz question']} assessed by no quiz "
             f"question, {n['no rubric criterion']} assessed by no rubric criterion.", ""]
    unassessed = [t for t in found if not t.assessed]
    lines += ["## Outcomes nothing assesses", ""]
    if unassessed:
        lines += [f"- `{t.source}` {t.owner} {t.outcome.id}: {_cell(t.outcome.text.get('en'))}" for t in unassessed]
    else:
        lines.append("None: every outcome is assessed by a quiz question or a rubric criterion.")
    lines.append("")
    other = [t for t in found if t.assessed and t.gaps]
    lines += ["## Other gaps", ""]
    if other:
        lines += [f"- `{t.source}` {t.owner} {t.outcome.id}: {', '.join(t.gaps)}" for t in other]
    else:
        lines.append("None.")
    lines.append("")
    for owner, items in by_owner(found).items():
        lines += [f"## {owner} ({items[0].owner_kind}, `{items[0].source}`)", "",
                  "| outcome | text | lessons | questions | criteria | gaps |", "|---|---|---|---|---|---|"]
        for t in items:
            lines.append(f"| {t.outcome.id} | {_cell(t.outcome.text.get('en'))} | {', '.join(t.lessons) or '—'} | "
                         f"{', '.join(t.questions) or '—'} | {', '.join(t.criteria) or '—'} | "
                         f"{'; '.join(t.gaps) or 'ok'} |")
        lines.append("")
    return "\n".join(lines)


def outcome_text(trace: Trace, lang: str) -> str:
    text: Text = trace.outcome.text
    return text.get(lang)
