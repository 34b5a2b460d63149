"""`build --lang`: one OLX archive per language asked for, translated where a translation exists, valid throughout."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from archives import read_archive as members
from conftest import require_tool
from musa.cli import run
from musa.project import load
from musa.validate.olx import validate_archive

ROOT = Path(__file__).resolve().parent.parent
COURSES = ("dsm", "dcc", "died", "occm", "traces-mmex", "traces-storytelling", "traces-innovation")


@pytest.fixture(scope="module")
def project():
    return load(ROOT).project


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lang")
    assert run(["--project", str(ROOT), "build", "--target", "olx", "--lang", "en", "--lang", "el",
                "--out", str(out)]) == 0
    return out / "olx"



def test_one_archive_per_course_and_language(built):
    assert sorted(p.name for p in built.iterdir()) == sorted(
        [f"{c}.tar.gz" for c in COURSES] + [f"{c}-el.tar.gz" for c in COURSES])


@pytest.mark.parametrize("course_id", COURSES)
def test_greek_archive_passes_every_check(built, course_id):
    require_tool("olxcleaner")
    require_tool("openassessment")
    report = validate_archive(built / f"{course_id}-el.tar.gz")
    assert report.unavailable == []
    assert [p.format() for p in report.problems] == []
    assert report.counts == validate_archive(built / f"{course_id}.tar.gz").counts


@pytest.mark.parametrize("course_id", COURSES)
def test_greek_archive_is_in_greek_where_translated(built, project, course_id):
    course = project.course(course_id)
    greek, english = members(built / f"{course_id}-el.tar.gz"), members(built / f"{course_id}.tar.gz")
    assert sorted(greek) == sorted(english)  # same files, same url_names
    run_name = etree.fromstring(greek["course/course.xml"]).get("url_name")
    root = etree.fromstring(greek[f"course/course/{run_name}.xml"])
    assert root.get("language") == "el"
    assert root.get("display_name") == course.title.get("el")
    assert course.title.has("el") and course.title.get("el") != course.title.get("en")


def test_untranslated_texts_fall_back_to_english(built, project):
    course = project.course("dsm")
    comp = next(cc.competence for cc in course.competences
                if any(not lesson.title.has("el") for lesson in cc.competence.lessons))
    lesson = next(lesson for lesson in comp.lessons if not lesson.title.has("el"))
    page = etree.fromstring(members(built / "dsm-el.tar.gz")[f"course/html/{comp.id}-{lesson.id}-page.xml"])
    assert page.get("display_name") == lesson.title.get("en")


def test_unknown_language_is_a_usage_error(cli, tmp_path):
    result = cli("--project", ROOT, "build", "--target", "olx", "--lang", "xx", "--out", tmp_path)
    assert result.code == 2 and "unknown language 'xx'" in result.err
    assert not (tmp_path / "olx").exists()
