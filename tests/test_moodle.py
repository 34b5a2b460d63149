"""The Moodle target: every course builds a backup that passes our checks, matches the YAML and the reference's shape."""

from __future__ import annotations

import json

import tarfile
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from archives import read_archive as members
from conftest import require_shared
from musa.exporters.moodle_plan import multiple_fractions
from musa.project import load
from musa.validate import detect
from musa.validate.moodle import NULL, validate_archive, validate_members

ROOT = Path(__file__).resolve().parent.parent
COURSES = ("dsm", "dcc", "died", "occm", "traces-mmex", "traces-storytelling", "traces-innovation")
REFERENCE = "reference/moodle/reference-4.5.mbz"


@pytest.fixture(scope="module")
def project():
    return load(ROOT).project


def build(out: Path) -> dict[str, Path]:
    from musa.cli import run
    assert run(["--project", str(ROOT), "build", "--target", "moodle", "--out", str(out)]) == 0
    return {path.name.removesuffix(".mbz"): path for path in (out / "moodle").glob("*.mbz")}


@pytest.fixture(scope="module")
def archives(tmp_path_factory) -> dict[str, Path]:
    return build(tmp_path_factory.mktemp("first"))



def xml(data: bytes):
    return etree.fromstring(data)



def expected_counts(project, course) -> Counter:
    """What the backup must hold, counted from the model without the exporter's plan."""
    programme = project.programme(course.programme)
    counts = Counter()
    quizzes = list(course.quizzes())
    works = list(course.assignments())
    if course.kind == "role":
        counts["sections"] = len(course.weeks) + 1
        counts["pages"] = sum(len(cc.competence.lessons) for cc in course.competences) + len(course.face_to_face)
        if course.placement:
            works.append(course.placement.logbook)
    else:
        counts["sections"] = len(course.days) + 1
        counts["pages"] = sum(len(d.sessions) + len(d.exercises) for d in course.days)
        if programme.self_assessment:
            counts["quizzes"] += 1
            counts["questions single"] += len(programme.self_assessment.questions)
            counts["quiz slots"] += len(programme.self_assessment.questions)
    counts["quizzes"] += len(quizzes)
    for quiz in quizzes:
        for kind in ("single", "multiple", "truefalse"):
            counts[f"questions {kind}"] += quiz.count(kind)
        counts["quiz slots"] += len(quiz.questions)
    counts["assignments"] = counts["rubrics"] = len(works)
    counts["rubric criteria"] = sum(len(w.rubric) for w in works)
    counts["rubric levels"] = sum(len(c.levels) for w in works for c in w.rubric)
    return counts


def test_builds_one_backup_per_course(archives):
    assert sorted(archives) == sorted(COURSES)


def test_two_builds_are_byte_identical(archives, tmp_path):
    again = build(tmp_path)
    assert {n: p.read_bytes() for n, p in again.items()} == {n: p.read_bytes() for n, p in archives.items()}


@pytest.mark.parametrize("course_id", COURSES)
def test_backup_passes_every_check_and_counts_equal_the_yaml(archives, project, course_id):
    assert detect(archives[course_id]) == "moodle"
    report = validate_archive(archives[course_id])
    assert [p.format() for p in report.problems] == []
    expected = expected_counts(project, project.course(course_id))
    assert {k: report.counts[k] for k in expected} == dict(expected)


def test_reference_backup_passes_with_no_problems():
    shared = require_shared()
    report = validate_archive(shared / REFERENCE)
    assert [p.format() for p in report.problems] == []
    assert report.counts["quizzes"] == 1 and report.counts["questions single"] == 1
    assert report.counts["questions truefalse"] == 1 and report.counts["rubric criteria"] == 2
    assert report.counts["rubric levels"] == 6 and report.counts["sections"] == 3


def file_shape(files: dict[str, bytes]) -> set[str]:
    """Member names with each section's and activity's id replaced, e.g. activities/quiz_N/quiz.xml."""
    shape = set()
    for name in files:
        parts = name.split("/")
        if parts[0] in ("sections", "activities") and len(parts) == 3:
            parts[1] = parts[1].rsplit("_", 1)[0] + "_N"
        shape.add("/".join(parts))
    return shape


def test_same_file_set_as_the_reference_backup(archives):
    shared = require_shared()
    reference = file_shape(members(shared / REFERENCE))
    for course_id in ("dsm", "traces-mmex"):
        assert file_shape(members(archives[course_id])) == reference


def test_ids_hashes_and_stamps_are_distinct_across_archives(archives):
    hashes, stamps = [], []
    for path in archives.values():
        files = members(path)
        hashes.append(xml(files["moodle_backup.xml"]).findtext("information/original_site_identifier_hash"))
        stamps += [e.text for e in xml(files["questions.xml"]).iter("stamp")]
    assert len(set(hashes)) == len(COURSES) and all(len(h) == 32 for h in hashes)
    assert len(set(stamps)) == len(stamps) > 900


def test_course_settings_follow_the_programme(archives, project):
    course = project.course("dsm")
    files = members(archives["dsm"])
    root = xml(files["course/course.xml"])
    assert root.findtext("fullname") == "Digital Strategy Manager" and root.findtext("shortname") == "DSM"
    assert root.findtext("format") == "topics" and root.findtext("lang") == "en"
    assert root.findtext("enablecompletion") == "1"
    assert int(root.findtext("startdate")) == 1568592000  # 2019-09-16T00:00:00Z
    summary = root.findtext("summary")
    assert "ECVET" in summary and "EQF level 5" in summary and "<table>" in summary
    assert all(cc.competence.code in summary for cc in course.competences)
    completion = xml(files["completion.xml"])
    assert completion.findtext("course_completion_criteria/criteriatype") == "6"  # course grade
    assert float(completion.findtext("course_completion_criteria/gradepass")) == 80.0
    course_item = xml(files["gradebook.xml"]).find("grade_items/grade_item[itemtype='course']")
    assert float(course_item.findtext("gradepass")) == 80.0


def test_competences_are_named_by_code_in_the_musa_framework(archives, project):
    for course_id in ("dsm", "traces-storytelling"):
        course = project.course(course_id)
        files = members(archives[course_id])
        listed = xml(files["course/competencies.xml"]).findall("competencies/competency")
        assert [c.findtext("idnumber") for c in listed] == [cc.competence.code for cc in course.competences]
        assert {c.findtext("frameworkidnumber") for c in listed} == {"MUSA"}


def test_quiz_questions_feedback_and_pass_grade(archives, project):
    comp = next(c for c in project.competences if c.id == "tr-13")
    course_id = next(c.id for c in project.courses() if any(cc.competence.id == "tr-13" for cc in c.competences))
    files = members(archives[course_id])
    bank = xml(files["questions.xml"])
    entries = {e.findtext("idnumber"): e for e in bank.iter("question_bank_entry")}
    for question in comp.quiz.questions:
        entry = entries[f"tr-13-{question.id}"]
        body = entry.find(".//question")
        answers = body.findall(".//answers/answer")
        assert len(answers) == len(question.choices)
        fractions = [float(a.findtext("fraction")) for a in answers]
        assert [f > 0 for f in fractions] == [c.correct for c in question.choices]
        assert all(a.findtext("feedback") for a in answers)
        assert body.findtext("generalfeedback")
        assert body.findtext("qtype") == ("truefalse" if question.kind == "truefalse" else "multichoice")
    quiz_dir = next(n.rsplit("/", 1)[0] for n, data in files.items()
                    if n.endswith("/module.xml") and xml(data).findtext("idnumber") == "tr-13-quiz")
    grade_item = xml(files[f"{quiz_dir}/grades.xml"]).find("grade_items/grade_item")
    assert float(grade_item.findtext("gradepass")) == pytest.approx(0.8 * float(grade_item.findtext("grademax")))
    module = xml(files[f"{quiz_dir}/module.xml"])
    assert (module.findtext("completion"), module.findtext("completionpassgrade")) == ("2", "1")


def test_rubric_carries_the_yaml_criteria_and_levels(archives, project):
    comp = next(c for c in project.competences if c.id == "tr-13")
    course_id = next(c.id for c in project.courses() if any(cc.competence.id == "tr-13" for cc in c.competences))
    files = members(archives[course_id])
    assign_dir = next(n.rsplit("/", 1)[0] for n, data in files.items()
                      if n.endswith("/module.xml") and xml(data).findtext("idnumber") == f"tr-13-{comp.assignment.id}")
    definition = xml(files[f"{assign_dir}/grading.xml"]).find("area/definitions/definition")
    assert definition.findtext("status") == "20"
    criteria = definition.findall(".//criteria/criterion")
    assert [c.findtext("description") for c in criteria] == [c.title.get() for c in comp.assignment.rubric]
    for element, criterion in zip(criteria, comp.assignment.rubric):
        levels = element.findall("levels/level")
        assert [float(level.findtext("score")) for level in levels] == [lv.points for lv in criterion.levels]
        assert all(lv.descriptor.get() in level.findtext("definition") for level, lv in zip(levels, criterion.levels))
    grade_item = xml(files[f"{assign_dir}/grades.xml"]).find("grade_items/grade_item")
    assert float(grade_item.findtext("gradepass")) == 80.0


def test_self_assessment_feedback_recommends_a_module_per_band(archives, project):
    check = project.programme("traces").self_assessment
    files = members(archives["traces-mmex"])
    quiz_dir = next(n.rsplit("/", 1)[0] for n, data in files.items()
                    if n.endswith("/module.xml") and xml(data).findtext("idnumber") == f"{check.id}-self-assessment")
    quiz = xml(files[f"{quiz_dir}/quiz.xml"]).find("quiz")
    top = sum(max(score for _, score in q.options) for q in check.questions)
    assert float(quiz.findtext("grade")) == float(quiz.findtext("sumgrades")) == top
    feedbacks = quiz.findall("feedbacks/feedback")
    titles = {c.id: c.title.get() for c in project.programme("traces").courses}
    assert len(feedbacks) == len(check.bands)
    for element, band in zip(feedbacks, check.bands):
        assert float(element.findtext("mingrade")) == band.min and float(element.findtext("maxgrade")) == band.max + 1
        assert titles[band.course] in element.findtext("feedbacktext")


def test_face_to_face_days_are_dated(archives, project):
    course = project.course("dsm")
    files = members(archives["dsm"])
    events = xml(files["course/calendar.xml"]).findall("event")
    assert len(events) == len(course.face_to_face) > 0
    starts = sorted(int(e.findtext("timestart")) // 86400 for e in events)
    assert starts == sorted((d.date.toordinal() - 719163) for d in course.face_to_face)


def test_multiple_answer_fractions_sum_to_one():
    for pattern in ([True, False, True], [True, True, True, False, False], [True, False, False, False]):
        fractions = multiple_fractions(pattern)
        assert sum(f for f in fractions if f > 0) == pytest.approx(1, abs=1e-6)
        assert sum(fractions) == pytest.approx(0, abs=1e-6) or all(pattern)


# The checks must fail on broken backups: each case breaks one thing in a built backup.

def quiz_dirs(files):
    return sorted({n.rsplit("/", 1)[0] for n in files if n.startswith("activities/quiz_")})


def break_slot(files):
    name = f"{quiz_dirs(files)[0]}/quiz.xml"
    root = xml(files[name])
    root.find(".//questionbankentryid").text = "999999"
    files[name] = etree.tostring(root)


def break_inforef(files):
    name = f"{quiz_dirs(files)[0]}/inforef.xml"
    root = xml(files[name])
    ref = root.find("question_categoryref")
    ref.remove(ref[-1])
    files[name] = etree.tostring(root)


def break_fractions(files):
    root = xml(files["questions.xml"])
    question = next(q for q in root.iter("question") if q.findtext(".//single") == "0")
    next(a for a in question.iter("fraction") if float(a.text) > 0).text = "0.1000000"
    files["questions.xml"] = etree.tostring(root)


def break_sequence(files):
    name = next(n for n in sorted(files) if n.endswith("section.xml") and xml(files[n]).findtext("sequence"))
    root = xml(files[name])
    root.find("sequence").text = ",".join(root.findtext("sequence").split(",")[1:])
    files[name] = etree.tostring(root)


def break_xml(files):
    files["gradebook.xml"] = files["gradebook.xml"][:-20]


def drop_module_file(files):
    del files[f"{quiz_dirs(files)[0]}/module.xml"]


def break_rubric(files):
    name = next(n for n in sorted(files) if n.endswith("grading.xml"))
    files[name] = files[name].replace(b"<status>20</status>", b"<status>10</status>")


def duplicate_stamp(files):
    root = xml(files["questions.xml"])
    stamps = [q.find("stamp") for q in root.iter("question")]
    stamps[1].text = stamps[0].text
    files["questions.xml"] = etree.tostring(root)


def stray_activity(files):
    folder = quiz_dirs(files)[0]
    for name in [n for n in files if n.startswith(folder + "/")]:
        files[name.replace(folder, "activities/quiz_9999")] = files[name]


def long_section_name(files):
    name = next(n for n in sorted(files) if n.endswith("section.xml") and xml(files[n]).findtext("name") != NULL)
    root = xml(files[name])
    root.find("name").text = "x" * 256
    files[name] = etree.tostring(root)


def unknown_qtype(files):
    files["questions.xml"] = files["questions.xml"].replace(b"<qtype>truefalse</qtype>", b"<qtype>nonesuch</qtype>", 1)


@pytest.mark.parametrize("change, expected", [
    (unknown_qtype, "is not one Moodle 4.5 ships"),
    (stray_activity, "folder not listed in moodle_backup.xml"),
    (break_slot, "which questions.xml does not hold"),
    (break_inforef, "does not list question category"),
    (break_fractions, "sum to"),
    (break_sequence, "sequence does not list module"),
    (break_xml, "not well-formed XML"),
    (drop_module_file, "missing"),
    (break_rubric, "not ready"),
    (duplicate_stamp, "is used 2 times"),
    (long_section_name, "name of 256 characters: Moodle keeps at most 255, and the restore would fail"),
])
def test_checks_fail_on_a_broken_backup(archives, change, expected):
    files = members(archives["traces-mmex"])
    assert validate_members(dict(files)).problems == []
    change(files)
    problems = [p.format() for p in validate_members(files).problems]
    assert any(expected in p for p in problems), problems


def test_unsafe_member_is_refused(tmp_path):
    raw = tmp_path / "unsafe.mbz"
    with tarfile.open(raw, "w:gz") as tar:
        info = tarfile.TarInfo("../escape.xml")
        tar.addfile(info)
        link = tarfile.TarInfo("moodle_backup.xml")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
    problems = [p.format() for p in validate_archive(raw).problems]
    assert any("unsafe path" in p for p in problems) and any("not a regular file" in p for p in problems)


def test_cli_validates_backups(archives, cli):
    result = cli("validate", "--json", archives["dsm"], archives["traces-mmex"])
    assert result.code == 0, result.out
    rows = json.loads(result.out)["archives"]
    assert [(r["kind"], r["result"], r["problems"]) for r in rows] == [("moodle", "ok", [])] * 2


def test_minimal_project_builds_a_valid_backup(minimal, tmp_path, cli):
    assert cli("--project", minimal, "build", "--target", "moodle", "--out", tmp_path).code == 0
    project = load(minimal).project
    for course in project.courses():
        report = validate_archive(tmp_path / "moodle" / f"{course.id}.mbz")
        assert [p.format() for p in report.problems] == []
        expected = expected_counts(project, course)
        assert {k: report.counts[k] for k in expected} == dict(expected)


def test_long_titles_are_cut_to_the_lengths_moodle_keeps(minimal, tmp_path, cli):
    # a restore writes names into columns of fixed length; a longer one fails it (the check above)
    long = " ".join(["Lengthy"] * 200)  # 1,599 characters
    for file, title in (("roles/curator.yaml", "{en: Curator, it: Curatore}"), ("roles/curator.yaml", "Meeting day"),
                        ("competences/comp-a.yaml", "{en: Records, it: Schede}")):
        path = minimal / file
        text = path.read_text(encoding="utf-8")
        assert f"title: {title}\n" in text
        path.write_text(text.replace(f"title: {title}\n", f"title: {long}\n", 1), encoding="utf-8")
    assert cli("--project", minimal, "build", "--target", "moodle", "--out", tmp_path).code == 0
    backup = tmp_path / "moodle" / "curator.mbz"
    assert [p.format() for p in validate_archive(backup).problems] == []
    files = members(backup)
    assert len(xml(files["course/course.xml"]).findtext("fullname")) == 1333
    event = xml(files["course/calendar.xml"]).findtext("event/name")
    category = next(e.text for e in xml(files["questions.xml"]).iter("name") if e.text.startswith("Default for T1"))
    assert len(event) == len(category) == 255 and event.endswith("…") and category.endswith("…")
