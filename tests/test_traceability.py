"""Traceability: every outcome with the lessons, questions and rubric criteria that cover it; `report` and `check`."""

from __future__ import annotations

import csv
import io

from conftest import ROOT, PROJECTS
from test_broken_projects import materialise

from musa.project import load
from musa.traceability import CSV_HEADER, totals, traces


def test_minimal_project_traces_each_outcome():
    found = {(t.owner, t.outcome.id): t for t in traces(load(PROJECTS / "minimal").project)}
    lo1 = found[("comp-a", "lo1")]
    assert (lo1.lessons, lo1.questions, lo1.criteria) == (("records",), ("q1", "q4"), ("facts",))
    assert found[("comp-a", "lo2")].lessons == ("stores",)
    assert all(t.assessed for t in found.values())
    logbook = [t for t in found.values() if t.owner_kind == "placement"]
    assert logbook and all(t.owner == "curator/wbl-logbook" and t.criteria for t in logbook)


def test_unassessed_outcome_is_flagged_by_check_and_report(tmp_path, cli):
    project = materialise("outcome-not-assessed", tmp_path)
    checked = cli("--project", project, "check")
    assert checked.code == 0
    assert ("competences/comp-a.yaml:13:5: warning: outcomes[3]: expected outcome 'lo4' to be assessed by a "
            "question or a rubric criterion, got none") in checked.err
    assert "outcomes: " in checked.out and "1 not assessed" in checked.out
    assert cli("--project", project, "check", "--strict").code == 1
    markdown = cli("--project", project, "report")
    assert markdown.code == 0
    section = markdown.out.split("## Outcomes nothing assesses")[1].split("##")[0]
    assert section.strip().splitlines() == ["- `competences/comp-a.yaml` comp-a lo4: Never assessed."]
    rows = list(csv.DictReader(io.StringIO(cli("--project", project, "report", "--csv").out)))
    lo4 = [r for r in rows if (r["owner"], r["outcome"]) == ("comp-a", "lo4")]
    assert len(lo4) == 1 and lo4[0]["assessed"] == "no" and lo4[0]["questions"] == lo4[0]["criteria"] == ""
    assert "not assessed" in lo4[0]["gaps"]
    assert [r for r in rows if r["assessed"] == "no"] == lo4


def test_report_on_the_repository(cli, tmp_path):
    project = load(ROOT).project
    found = traces(project)
    n = totals(found)
    assert n["outcomes"] == 179 == sum(len(c.outcomes) for c in project.competences) + sum(
        len(c.outcomes) for c in project.courses() if c.kind == "workshop") + sum(
        len(c.placement.logbook.outcomes) for c in project.courses() if c.placement)
    assert n["not assessed"] == 0 and n["not taught"] == 0
    result = cli("--project", ROOT, "report", "--out", tmp_path)
    assert result.code == 0
    rows = list(csv.reader(io.StringIO((tmp_path / "traceability.csv").read_text(encoding="utf-8"))))
    assert tuple(rows[0]) == CSV_HEADER and len(rows) == 1 + 179
    by_id = {c.id: c for c in project.competences}
    for owner, kind, _, outcome, _, lessons, questions, criteria, assessed, gaps in rows[1:]:
        if kind != "competence":
            continue
        competence = by_id[owner]
        for q in questions.split():
            assert next(x for x in competence.quiz.questions if x.id == q).outcome == outcome
        for c in criteria.split():
            assert outcome in next(x for x in competence.assignment.rubric if x.id == c).outcomes
        for lesson in lessons.split():
            assert outcome in next(x for x in competence.lessons if x.id == lesson).outcomes
        assert assessed == "yes" and gaps == ""
    markdown = (tmp_path / "traceability.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Traceability report\n\n179 learning outcomes: 179 assessed, 0 not assessed")
    assert "None: every outcome is assessed" in markdown
    assert markdown.count("\n## ") == 2 + 42 + 3 + 4  # two summaries, competences, workshops, placements
