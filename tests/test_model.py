"""Stage 3, the frozen model of the repository's own content: the published facts hold."""

from __future__ import annotations

import csv
import dataclasses
import datetime
from collections import Counter

import pytest

from conftest import ROOT, require_shared
from musa.exporters import targets
from musa.exporters.base import Exporter
from musa.project import load

D = datetime.date


@pytest.fixture(scope="module")
def project():
    result = load(ROOT)
    assert result.diagnostics.errors == []
    assert result.diagnostics.warnings == []
    return result.project



def test_42_competences_by_framework(project):
    frameworks = Counter(c.framework for c in project.competences)
    assert frameworks == {"e-CF 3.0": 21, "DigComp 2.1": 6, "transferable": 15}
    codes = {c.code for c in project.competences}
    assert {"A.2", "D.10", "E.7", "2.6", "3.3", "3.4", "4.2", "5.1", "5.4", "T1", "T15"} <= codes
    assert len(codes) == 42


@pytest.mark.parametrize("ident,count", [("dsm", 23), ("dcc", 22), ("died", 27), ("occm", 26)])
def test_role_competence_counts(project, ident, count):
    assert len(project.course(ident).competences) == count


def test_roles_follow_the_role_matrix(project):
    shared = require_shared()
    with open(shared / "reference/musa-role-matrix.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_code = {c.code: c for c in project.competences}
    for role in ("DSM", "DCC", "DIED", "OCCM"):
        expected = {row["code"]: row[role] for row in rows if row[role]}
        taught = {cc.competence.code: cc.level for cc in project.course(role.lower()).competences}
        assert set(taught) == set(expected)
        for code, mark in expected.items():
            if mark != "x":
                assert taught[code] == int(mark), (role, code)
            elif by_code[code].framework == "e-CF 3.0":
                assert taught[code] == next(r["proposed_level"] for r in rows if r["code"] == code)


def test_musa_hours_and_calendar(project):
    musa = project.programme("musa")
    blended, wbl = musa.mode("blended"), musa.mode("work-based-learning")
    assert blended.total_hours == 360 and blended.weeks == 24
    assert {p.id: p.hours for p in blended.parts} == {"face-to-face": 24, "online": 288, "assessment": 48}
    assert blended.part("face-to-face").days == 6
    assert wbl.total_hours == 205 and wbl.weeks == 10
    assert {p.id: p.hours for p in wbl.parts} == {"practice": 200, "assessment": 5}
    assert (musa.start, musa.end) == (D(2019, 9, 16), D(2020, 3, 13))
    assert musa.eqf_level == 5 and musa.pass_threshold == 0.8
    assert abs(sum(w for _, w in musa.weights) - 1) < 1e-9
    assert any(a.key == "ecvet.points" for a in musa.assumptions)


@pytest.mark.parametrize("ident", ["dsm", "dcc", "died", "occm"])
def test_role_course_plan(project, ident):
    role = project.course(ident)
    assert [w.number for w in role.weeks] == list(range(1, 25))
    assert all(2 <= len(w.competences) <= 4 for w in role.weeks)
    assert role.weeks[0].start == D(2019, 9, 16)
    assert role.weeks[14].start == D(2020, 1, 6), "week 15 starts after the winter break"
    assert role.weeks[23].start == D(2020, 3, 9)
    assert {c for w in role.weeks for c in w.competences} == {cc.competence.id for cc in role.competences}
    assert len(role.face_to_face) == 6 and sum(d.hours for d in role.face_to_face) == 24
    assert all(d.week is not None for d in role.face_to_face)
    assert sum(w.hours for w in role.weeks) == 288 and role.assessment_hours == 48
    placement = role.placement
    assert (placement.weeks, placement.practice_hours, placement.assessment_hours) == (10, 200, 5)
    assert "supervisor-sign-off" in {c.id for c in placement.logbook.rubric}
    assert all(cc.due_week <= 24 for cc in role.competences)


def test_every_competence_has_substance(project):
    for comp in project.competences:
        assert len(comp.outcomes) >= 3, comp.id
        assert len(comp.lessons) >= 2, comp.id
        assert all(len(lesson.body.get().split()) >= 250 for lesson in comp.lessons), comp.id
        quiz = comp.quiz
        assert len(quiz.questions) >= 6 and quiz.count("single") >= 2, comp.id
        assert quiz.count("multiple") >= 1 and quiz.count("truefalse") >= 2, comp.id
        outcome_ids = {o.id for o in comp.outcomes}
        for question in quiz.questions:
            assert question.outcome in outcome_ids
            correct = sum(c.correct for c in question.choices)
            assert correct == 1 if question.kind in ("single", "truefalse") else correct >= 1
            assert all(str(c.feedback) for c in question.choices)
        rubric = comp.assignment.rubric
        assert len(rubric) >= 3 and all(len(c.levels) >= 3 for c in rubric), comp.id
        for criterion in rubric:
            points = [lv.points for lv in criterion.levels]
            assert points == sorted(set(points)) and set(criterion.outcomes) <= outcome_ids
        for lang in ("el", "it", "pt"):
            assert comp.title.has(lang), (comp.id, lang)


def test_traces_workshops_and_self_assessment(project):
    traces = project.programme("traces")
    assert [c.id for c in traces.courses] == ["traces-mmex", "traces-storytelling", "traces-innovation"]
    assert [c.maturity for c in traces.courses] == ["basic", "medium", "advanced"]
    reused = {cc.competence.id for c in traces.courses for cc in c.competences}
    assert {"tr-13", "ecf-d12"} <= reused
    for workshop in traces.courses:
        assert len(workshop.days) == 3 and all(day.sessions for day in workshop.days)
        assert all(day.exercises for day in workshop.days)
        assert len(workshop.quiz.questions) >= 6 and len(workshop.assignment.rubric) >= 3
        assert workshop.start <= workshop.assignment_due <= workshop.end
    check = traces.self_assessment
    lowest = sum(min(s for _, s in q.options) for q in check.questions)
    highest = sum(max(s for _, s in q.options) for q in check.questions)
    recommended = [check.recommend(score).course for score in range(lowest, highest + 1)]
    assert recommended[0] == "traces-mmex" and recommended[-1] == "traces-innovation"
    assert recommended == sorted(recommended, key=[c.id for c in traces.courses].index)


def test_programme_and_role_titles_in_four_languages(project):
    for item in list(project.programmes) + list(project.courses()):
        assert all(item.title.has(lang) for lang in ("en", "el", "it", "pt")), item.id


def test_model_is_frozen(project):
    with pytest.raises(dataclasses.FrozenInstanceError):
        project.competences[0].hours = 1
    assert isinstance(project.competences, tuple)


def test_registry_holds_exporter_classes():
    for name, exporter in targets().items():
        assert issubclass(exporter, Exporter) and exporter.name == name


def test_each_part_knows_its_file_and_key_path(project):
    competence = project.competences[0]
    path = f"competences/{competence.id}.yaml"
    assert (competence.loc.path, competence.loc.where) == (path, "")
    assert competence.quiz.questions[2].loc.path == path
    assert competence.quiz.questions[2].loc.where == "quiz.questions[2]"
    assert competence.assignment.rubric[1].loc.where == "assignment.rubric[1]"
    assert competence.lessons[0].loc.where == "lessons[0]"
    course = project.programmes[0].courses[0]
    assert course.loc.path.startswith(("roles/", "workshops/")) and course.loc.path.endswith(".yaml")
