"""The OLX target: every course builds, passes olxcleaner, ORA2 and our own checks, and matches the model."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from lxml import etree

from archives import read_archive as members, rewritten
from conftest import require_tool
from musa.markdown import to_html
from musa.project import load
from musa.validate import ora
from musa.validate.olx import validate_archive

ROOT = Path(__file__).resolve().parent.parent
COURSES = ("dsm", "dcc", "died", "occm", "traces-mmex", "traces-storytelling", "traces-innovation")


@pytest.fixture(scope="module")
def project():
    return load(ROOT).project


def build(out: Path) -> dict[str, Path]:
    from musa.cli import run
    assert run(["--project", str(ROOT), "build", "--target", "olx", "--out", str(out)]) == 0
    return {path.name.removesuffix(".tar.gz"): path for path in (out / "olx").glob("*.tar.gz")}


@pytest.fixture(scope="module")
def archives(tmp_path_factory) -> dict[str, Path]:
    return build(tmp_path_factory.mktemp("first"))



def xml(data: bytes):
    return etree.fromstring(data)




def test_builds_one_archive_per_course(archives):
    assert sorted(archives) == sorted(COURSES)


def test_two_builds_are_byte_identical(archives, tmp_path):
    again = build(tmp_path)
    assert {name: path.read_bytes() for name, path in again.items()} == \
           {name: path.read_bytes() for name, path in archives.items()}


@pytest.mark.parametrize("course_id, org, number, run", [
    ("dsm", "MuSA", "DSM", "2019-09"), ("occm", "MuSA", "OCCM", "2019-09"),
    ("traces-mmex", "TRACES", "MMEX", "2019-03"), ("traces-innovation", "TRACES", "INNOV", "2019-10")])
def test_course_pointer_names_org_number_and_run(archives, course_id, org, number, run):
    files = members(archives[course_id])
    pointer = xml(files["course/course.xml"])
    assert dict(pointer.attrib) == {"url_name": run, "org": org, "course": number}
    course = xml(files[f"course/course/{run}.xml"])
    assert course.get("language") == "en" and course.get("start").endswith("T00:00:00Z")
    policy = json.loads(files[f"course/policies/{run}/policy.json"])
    assert policy[f"course/{run}"]["advanced_modules"] == ["openassessment"]


@pytest.mark.parametrize("course_id", COURSES)
def test_archive_passes_every_check(archives, course_id):
    require_tool("olxcleaner")
    require_tool("openassessment")
    report = validate_archive(archives[course_id])
    assert report.unavailable == []
    assert [p.format() for p in report.problems] == []


@pytest.mark.parametrize("course_id", COURSES)
def test_olxcleaner_reports_no_error_and_no_warning(archives, course_id, tmp_path):
    require_tool("olxcleaner")
    import olxcleaner
    with tarfile.open(archives[course_id], "r:gz") as tar:
        tar.extractall(tmp_path, filter="data")
    course, errors, url_names = olxcleaner.validate(str(tmp_path / "course"), steps=8)
    assert course is not None and url_names
    assert [(e.level, e.name, e.filename, e.description) for e in errors.errors if e.level_val >= 2] == []


@pytest.mark.parametrize("course_id", COURSES)
def test_ora2_parses_and_accepts_every_rubric(archives, project, course_id):
    require_tool("openassessment")
    check = ora.validator()
    course = project.course(course_id)
    found = 0
    for name, data in members(archives[course_id]).items():
        if name.startswith("course/vertical/"):
            for element in xml(data).iter("openassessment"):
                assert check(element) == [], name
                found += 1
    assert found == len(course.assignments()) + (1 if course.placement else 0)


def test_ora2_rejects_a_broken_rubric(archives, tmp_path):
    require_tool("openassessment")
    check = ora.validator()
    element = next(xml(data).find("openassessment") for name, data in sorted(members(archives["dsm"]).items())
                   if name.startswith("course/vertical/") and b"<openassessment" in data)
    option = element.find("rubric/criterion/option")
    option.remove(option.find("explanation"))
    assert any("explanation" in message for message in check(element))


@pytest.mark.parametrize("course_id", COURSES)
def test_archive_counts_equal_model_counts(archives, project, course_id):
    course = project.course(course_id)
    report = validate_archive(archives[course_id])
    questions = [q for quiz in course.quizzes() for q in quiz.questions]
    works = list(course.assignments()) + ([course.placement.logbook] if course.placement else [])
    expected = {
        "chapter": len(course.weeks) if course.kind == "role" else len(course.days),
        "graded Quiz": len(course.quizzes()),
        "graded Assignment": len(course.assignments()),
        "graded Work-based learning": 1 if course.placement else 0,
        "problem": len(questions),
        "single choice": sum(q.kind in ("single", "truefalse") for q in questions),
        "multiple response": sum(q.kind == "multiple" for q in questions),
        "rubric": len(works),
        "criterion": sum(len(w.rubric) for w in works),
        "level": sum(len(c.levels) for w in works for c in w.rubric),
    }
    assert {key: report.counts[key] for key in expected} == expected


@pytest.mark.parametrize("course_id", ["dsm", "traces-storytelling"])
def test_grading_policy_follows_programme_weights(archives, project, course_id):
    course = project.course(course_id)
    programme = project.programme(course.programme)
    files = members(archives[course_id])
    run = xml(files["course/course.xml"]).get("url_name")
    policy = json.loads(files[f"course/policies/{run}/grading_policy.json"])
    weights = {g["short_label"]: g["weight"] for g in policy["GRADER"]}
    labels = {"quiz": "Q", "assignment": "A", "wbl": "WBL"}
    assert weights == {labels[kind]: weight for kind, weight in programme.weights}
    assert policy["GRADE_CUTOFFS"] == {"Pass": programme.pass_threshold}
    quiz = next(g for g in policy["GRADER"] if g["type"] == "Quiz")
    assert quiz["min_count"] == len(course.quizzes()) and quiz["drop_count"] == 0


def test_true_false_is_a_two_choice_single_choice_problem(archives, project):
    comp = project.course("dsm").competences[0].competence
    question = next(q for q in comp.quiz.questions if q.kind == "truefalse")
    problem = xml(members(archives["dsm"])[f"course/problem/{comp.id}-{question.id}.xml"])
    choices = problem.findall("multiplechoiceresponse/choicegroup/choice")
    assert [c.text for c in choices] == ["True", "False"]
    assert [c.get("correct") == "true" for c in choices] == [question.answer, not question.answer]
    assert all(c.find("choicehint") is not None for c in choices)
    assert problem.find("multiplechoiceresponse/solution") is not None


def test_multiple_response_uses_checkboxes_with_hints(archives, project):
    comp = project.course("dsm").competences[0].competence
    question = next(q for q in comp.quiz.questions if q.kind == "multiple")
    problem = xml(members(archives["dsm"])[f"course/problem/{comp.id}-{question.id}.xml"])
    choices = problem.findall("choiceresponse/checkboxgroup/choice")
    assert [c.get("correct") == "true" for c in choices] == [c.correct for c in question.choices]
    assert all(c.find("choicehint").get("selected") == "true" for c in choices)


def test_rubric_keeps_criterion_ids_as_names(archives, project):
    course = project.course("dsm")
    files = members(archives["dsm"])
    element = xml(files["course/vertical/placement-wbl-unit.xml"]).find("openassessment")
    assert [c.findtext("name") for c in element.iterfind("rubric/criterion")] == \
           [c.id for c in course.placement.logbook.rubric]
    assert element.get("submission_start") == f"{course.placement.start.isoformat()}T00:00:00Z"
    assert element.get("submission_due") == f"{course.placement.due_date.isoformat()}T23:59:59Z"


def test_traces_courses_carry_the_maturity_self_assessment(archives, project):
    check = project.programme("traces").self_assessment
    page = members(archives["traces-mmex"])[f"course/html/{check.id}-self-assessment-page.html"].decode()
    tree = etree.fromstring(page, etree.HTMLParser())
    assert len(tree.findall(".//ol/li")) == len(check.questions)
    assert len(tree.findall(".//tbody/tr")) == len(check.bands)


def test_markdown_never_passes_raw_html():
    html = to_html("Hello <script>alert(1)</script> **bold**")
    assert "<script>" not in html and "&lt;script&gt;" in html and "<strong>bold</strong>" in html


def test_check_finds_two_correct_choices(archives, tmp_path, project):
    comp = project.course("dsm").competences[0].competence
    question = next(q for q in comp.quiz.questions if q.kind == "single")
    member = f"course/problem/{comp.id}-{question.id}.xml"

    def spoil(files):
        files[member] = files[member].replace(b'correct="false"', b'correct="true"', 1)
    report = validate_archive(rewritten(archives["dsm"], tmp_path, spoil))
    assert any(p.file == member and "2 correct choices" in p.message for p in report.problems)


def test_check_finds_a_grader_count_that_does_not_match(archives, tmp_path):
    member = "course/policies/2019-09/grading_policy.json"

    def spoil(files):
        policy = json.loads(files[member])
        policy["GRADER"][0]["min_count"] += 1
        policy["GRADER"][1]["weight"] += 0.1
        files[member] = json.dumps(policy).encode()
    messages = [p.message for p in validate_archive(rewritten(archives["dsm"], tmp_path, spoil)).problems
                if p.file == member]
    assert any("min_count" in m for m in messages) and any("sum to" in m for m in messages)


def test_check_finds_a_due_date_outside_the_course(archives, tmp_path):
    member = "course/sequential/dc-5-4-quiz.xml"

    def spoil(files):
        files[member] = files[member].replace(b'due="2019-', b'due="2018-')
    report = validate_archive(rewritten(archives["dsm"], tmp_path, spoil))
    assert any(p.file == member and "outside the course" in p.message for p in report.problems)


def test_check_refuses_unsafe_members(tmp_path):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for name in ("course/course.xml", "../evil.xml"):
            info = tarfile.TarInfo(name)
            info.size = 3
            tar.addfile(info, io.BytesIO(b"<a/>"[:3]))
        for name, kind, target in [("course/link", tarfile.SYMTYPE, "/etc/passwd"),
                                   ("course/policies/up", tarfile.SYMTYPE, "../../x"),
                                   ("course/policies/run", tarfile.SYMTYPE, "_base"),  # inside: accepted
                                   ("course/hard", tarfile.LNKTYPE, "course/course.xml"),
                                   ("course/dev", tarfile.CHRTYPE, "")]:
            link = tarfile.TarInfo(name)
            link.type, link.linkname = kind, target
            tar.addfile(link)
        folder = tarfile.TarInfo("course/html")
        folder.type = tarfile.DIRTYPE
        tar.addfile(folder)  # folders are accepted
    path = tmp_path / "unsafe.tar.gz"
    path.write_bytes(raw.getvalue())
    problems = {p.file: p.message for p in validate_archive(path).problems}
    assert problems == {"../evil.xml": "unsafe path", "course/link": "link to '/etc/passwd', outside course/",
                        "course/policies/up": "link to '../../x', outside course/",
                        "course/hard": "not a regular file", "course/dev": "not a regular file"}


def test_validate_command_names_the_file_inside_the_archive(cli, archives, tmp_path):
    member = "course/html/week-01-overview-page.html"

    def spoil(files):
        del files[member]
    broken = rewritten(archives["dsm"], tmp_path, spoil)
    result = cli("validate", broken)
    assert result.code == 1
    assert f"{broken}: course/html/week-01-overview-page.xml: html file html/week-01-overview-page.html" \
           in result.out
    assert cli("validate", archives["traces-mmex"]).code == 0
