"""The moodle-questions target: each course's questions as Moodle XML and GIFT, read back and compared with the model."""

from __future__ import annotations

import html
import tarfile
import zipfile
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from conftest import ROOT, require_shared
from musa.moodle_fractions import POSITIVE, allowed, shares, sums_to_full
from musa.project import load
from musa.validate import detect, gift, moodle_xml
from musa.validate.questionbank import plain
from musa.validate.report import Report

COURSES = ("dsm", "dcc", "died", "occm", "traces-mmex", "traces-storytelling", "traces-innovation")
KINDS = {"single": "single choice", "multiple": "multiple response", "truefalse": "true/false"}


def build(project: Path, out: Path) -> dict[str, Path]:
    from musa.cli import run
    assert run(["--project", str(project), "build", "--target", "moodle-questions", "--out", str(out)]) == 0
    return {path.name: path for path in (out / "moodle-questions").iterdir()}


@pytest.fixture(scope="module")
def project():
    return load(ROOT).project


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    return build(ROOT, tmp_path_factory.mktemp("first"))


def read_both(files, course_id):
    """The questions of a course as read back from its XML and from its GIFT file (each with no problem)."""
    found = {}
    for name, module in ((f"{course_id}.moodle.xml", moodle_xml), (f"{course_id}.gift.txt", gift)):
        report = Report()
        found[module.__name__] = module.parse(files[name], report)
        assert report.problems == []
    return found["musa.validate.moodle_xml"], found["musa.validate.gift"]


def model_questions(course):
    """(category name, question) for every question of the course, in file order."""
    if course.kind == "workshop":
        return [(str(course.quiz.title), q) for q in course.quiz.questions]
    return [(f"{cc.competence.code} {cc.competence.title}", q) for cc in course.competences
            for q in cc.competence.quiz.questions]


def assert_same_as_model(parsed, course):
    expected = model_questions(course)
    assert len(parsed) == len(expected)
    for read, (category, question) in zip(parsed, expected):
        assert read.category == "$course$/top/" + category.replace("/", "//")
        assert read.kind == KINDS[question.kind]
        assert read.text == f"<p>{html.escape(str(question.prompt), quote=False)}</p>"
        assert read.general_feedback == f"<p>{html.escape(str(question.explanation), quote=False)}</p>"
        grades = [a.fraction for a in read.answers]
        if question.kind == "truefalse":
            by_text = {a.text: a for a in read.answers}
            assert by_text["true"].fraction == (100 if question.answer else 0)
            assert by_text["true"].feedback == html.escape(str(question.choices[0].feedback), quote=False)
            assert by_text["false"].feedback == html.escape(str(question.choices[1].feedback), quote=False)
            continue
        assert [plain(a.text) for a in read.answers] == [" ".join(str(c.text).split()) for c in question.choices]
        assert [a.feedback for a in read.answers] == \
               [html.escape(str(c.feedback), quote=False) for c in question.choices]
        assert [g > 0 for g in grades] == [c.correct for c in question.choices]
        assert all(allowed(g) for g in grades)
        if question.kind == "single":
            assert sorted(grades)[-2:] == [0, 100]
        else:
            assert sums_to_full(grades)
            wrong = [g for g in grades if g < 0]
            assert not wrong or abs(sum(wrong) + 100) < Decimal("0.001")


def test_two_files_per_course(files):
    assert sorted(files) == sorted(f"{c}{suffix}" for c in COURSES for suffix in (".moodle.xml", ".gift.txt"))


def test_two_builds_are_byte_identical(files, tmp_path):
    again = build(ROOT, tmp_path)
    assert {n: p.read_bytes() for n, p in again.items()} == {n: p.read_bytes() for n, p in files.items()}


@pytest.mark.parametrize("course_id", COURSES)
def test_both_formats_carry_the_model_questions(files, project, course_id):
    course = project.course(course_id)
    from_xml, from_gift = read_both(files, course_id)
    assert_same_as_model(from_xml, course)
    assert_same_as_model(from_gift, course)
    assert [(q.name, q.idnumber, q.kind) for q in from_xml] == [(q.name, q.idnumber, q.kind) for q in from_gift]


@pytest.mark.parametrize("course_id", COURSES)
def test_validate_counts_match_the_model(files, project, course_id):
    course = project.course(course_id)
    questions = [q for quiz in course.quizzes() for q in quiz.questions]
    expected = Counter(KINDS[q.kind] for q in questions)
    categories = 1 if course.kind == "workshop" else len(course.competences)
    for suffix, kind in ((".moodle.xml", "moodle-questions-xml"), (".gift.txt", "moodle-questions-gift")):
        path = files[course_id + suffix]
        assert detect(path) == kind
        report = (moodle_xml if kind.endswith("xml") else gift).validate_archive(path)
        assert report.problems == []
        assert {k: report.counts[k] for k in expected} == dict(expected)
        assert report.counts["category"] == categories
        assert report.counts["answer feedback"] == sum(len(q.choices) for q in questions)
        assert report.counts["general feedback"] == len(questions)


def test_xml_is_moodle_xml(files):
    root = etree.parse(str(files["dsm.moodle.xml"])).getroot()
    assert root.tag == "quiz"
    types = Counter(q.get("type") for q in root.iterfind("question"))
    assert types == {"category": 23, "multichoice": 115, "truefalse": 46}
    multiple = root.xpath("question[single='false']")[0]
    assert multiple.findtext("answernumbering") == "abc"
    assert {a.get("format") for a in root.iterfind("question[@type='truefalse']/answer")} == {"moodle_auto_format"}


def test_shares_follow_moodles_list():
    assert shares(3) == ("33.33333",) * 3
    assert shares(4) == ("25",) * 4
    assert shares(11) == ("10",) * 9 + ("5",) * 2
    for count in range(1, 21):
        grades = shares(count)
        assert len(grades) == count and all(g in POSITIVE for g in grades) and sums_to_full(grades)
    with pytest.raises(ValueError):
        shares(21)
    assert not allowed("35") and allowed("-33.33333") and allowed("33.333335")


def test_special_characters_survive_both_formats(minimal, tmp_path):
    competence = minimal / "competences" / "comp-a.yaml"
    text = competence.read_text(encoding="utf-8")
    odd = 'Odd {a} = b ~ c # d: e \\\\ f <g> & h?\\nNext line // not a comment'
    text = text.replace("prompt: What does an object record hold?", f'prompt: "{odd}"')
    text = text.replace("{text: Facts about the object,", '{text: "Facts ~ {x} = #1: \\\\n [html] end",')
    text = text.replace("title: {en: Records,", "title: {en: Records/Files,")
    text = text.replace("{text: The visitor list,", '{text: "[html] The visitor list",')
    competence.write_text(text, encoding="utf-8")
    built = build(minimal, tmp_path / "out")
    course = load(minimal).project.courses()[0]
    prompt = str(course.competences[0].competence.quiz.questions[0].prompt)
    assert "\n" in prompt and "\\" in prompt
    for name, module in (("curator.moodle.xml", moodle_xml), ("curator.gift.txt", gift)):
        matches = [n for n in built if n.endswith(name.split(".", 1)[1])]
        report = module.validate_archive(built[matches[0]])
        assert report.problems == []
        parsed = module.parse(built[matches[0]], Report())
        assert_same_as_model(parsed, course)
        assert "Records//Files" in parsed[0].category
        assert plain(parsed[0].answers[1].text) == "[html] The visitor list"


def test_a_long_competence_title_is_cut_to_the_category_name_moodle_keeps(minimal, tmp_path):
    competence = minimal / "competences" / "comp-a.yaml"
    long = " ".join(["Lengthy"] * 200)  # 1,599 characters; Moodle keeps a category name in 255
    competence.write_text(competence.read_text(encoding="utf-8").replace("title: {en: Records, it: Schede}",
                                                                        f"title: {long}"), encoding="utf-8")
    built = build(minimal, tmp_path / "out")
    for name, module in (("curator.moodle.xml", moodle_xml), ("curator.gift.txt", gift)):
        parsed = module.parse(next(path for n, path in built.items() if n.endswith(name.split(".", 1)[1])), Report())
        names = {question.category.rsplit("/", 1)[-1] for question in parsed}
        assert max(map(len, names)) == 255 and any(n.startswith("T1 Lengthy") and n.endswith("…") for n in names)


def test_gift_escapes_every_special_character():
    from musa.exporters.moodle_questions import gift as escape, gift_html
    text = "a~b=c#d{e}f:g\\h\nnext"
    escaped = escape(text)
    assert escaped == "a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h\\nnext"
    assert gift.restore(gift.protect(escaped)) == text
    assert gift_html("[plain] x") == "&\\#91;plain] x"
    assert gift.with_format(gift.protect(gift_html("[plain] x")), "html") == ("&#91;plain] x", "html")


def spoiled(path: Path, dest: Path, old: str, new: str) -> Path:
    out = dest / path.name
    data = path.read_text(encoding="utf-8")
    assert old in data
    out.write_text(data.replace(old, new, 1), encoding="utf-8")
    return out


def test_check_finds_a_grade_outside_moodles_list(files, tmp_path):
    report = moodle_xml.validate_archive(spoiled(files["dsm.moodle.xml"], tmp_path, 'fraction="0"',
                                                 'fraction="35"'))
    assert any("35%" in p.message and "list" in p.message for p in report.problems)


def test_check_finds_multiple_response_not_summing_to_100(files, tmp_path):
    report = gift.validate_archive(spoiled(files["dsm.gift.txt"], tmp_path, "~%33.33333%", "~%25%"))
    assert any("sum to" in p.message for p in report.problems)


def test_check_finds_a_broken_true_false_and_braces(files, tmp_path):
    report = moodle_xml.validate_archive(spoiled(files["dsm.moodle.xml"], tmp_path,
                                                 '<text>false</text>', '<text>maybe</text>'))
    assert any("true/false" in p.message for p in report.problems)
    broken = gift.validate_archive(spoiled(files["dsm.gift.txt"], tmp_path, "\n}\n", "\n\n"))
    assert broken.problems


def test_detection_claims_no_other_kind(files, tmp_path):
    tar_path = tmp_path / "course.tar.gz"
    with tarfile.open(tar_path, "w:gz") as tar:
        tar.add(files["dsm.moodle.xml"], arcname="course/questions.xml")
    zip_path = tmp_path / "package.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.write(files["dsm.gift.txt"], "questions.gift.txt")
    mbz = tmp_path / "backup.mbz"
    mbz.write_bytes(tar_path.read_bytes())
    other_xml = tmp_path / "course.xml"
    other_xml.write_text("<course/>")
    notes = tmp_path / "notes.txt"
    notes.write_text("Just some notes {with braces}.\n")
    for path in (tar_path, zip_path, mbz, other_xml, notes):
        assert not moodle_xml.detect(path) and not gift.detect(path), path
        assert detect(path) != "moodle-competencies"


def test_reference_exports_are_accepted():
    reference = require_shared() / "reference" / "moodle"
    for name, kind in (("questions-export.moodle.xml", "moodle-questions-xml"),
                       ("questions-export.gift.txt", "moodle-questions-gift")):
        path = reference / name
        assert detect(path) == kind
        report = (moodle_xml if kind.endswith("xml") else gift).validate_archive(path)
        assert report.problems == []
        assert report.counts["single choice"] == 1 and report.counts["true/false"] == 1
        assert report.counts["category"] == 1
    assert detect(reference / "reference-4.5.mbz") not in ("moodle-questions-xml", "moodle-questions-gift",
                                                             "moodle-competencies")
    xml_questions = moodle_xml.parse(reference / "questions-export.moodle.xml", Report())
    gift_questions = gift.parse(reference / "questions-export.gift.txt", Report())
    assert [(q.name, q.idnumber, q.kind, plain(q.text), [(a.text, a.fraction, plain(a.feedback)) for a in q.answers])
            for q in xml_questions] == \
           [(q.name, q.idnumber, q.kind, plain(q.text), [(a.text, a.fraction, plain(a.feedback)) for a in q.answers])
            for q in gift_questions]
