"""The corpus of broken fixture projects: each gives its exact located messages and exit code, no traceback.

Each folder under tests/projects/broken/ holds the files that differ from tests/projects/minimal/ and an
`expected.txt`: a first line `# musa-build ARGS → exit N`, then the exact standard-error lines.
Regenerate after a deliberate message change with `pytest tests/test_broken_projects.py --update-expected`
and review the diff.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import PROJECTS

BROKEN = PROJECTS / "broken"
CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())
HEADER = re.compile(r"# musa-build (?P<args>.*) → exit (?P<code>\d+)")


def materialise(name: str, tmp_path: Path) -> Path:
    project = tmp_path / name
    shutil.copytree(PROJECTS / "minimal", project, symlinks=True)
    shutil.copytree(BROKEN / name, project, symlinks=True, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("expected.txt"))
    return project


def test_corpus_is_large_enough():
    assert len(CASES) >= 30


@pytest.mark.parametrize("name", CASES)
def test_broken_project(name, tmp_path, cli, request):
    expected_file = BROKEN / name / "expected.txt"
    header, *expected = expected_file.read_text(encoding="utf-8").splitlines()
    match = HEADER.fullmatch(header)
    assert match, f"{expected_file}: bad header {header!r}"
    project = materialise(name, tmp_path)
    result = cli("--project", project, *match["args"].split())
    if request.config.getoption("--update-expected"):
        expected_file.write_text(f"# musa-build {match['args']} → exit {result.code}\n{result.err}", encoding="utf-8")
        return
    assert "Traceback" not in result.err
    assert result.err.splitlines() == expected
    assert result.code == int(match["code"])


def test_special_files_where_sources_should_be(tmp_path, cli):
    """What git cannot hold, made here: a pipe and a folder named as source files, a pipe named as a lesson's
    Markdown (reading either would wait forever), and a file where a source folder should be."""
    project = tmp_path / "project"
    shutil.copytree(PROJECTS / "minimal", project)
    os.mkfifo(project / "competences" / "comp-z.yaml")
    (project / "roles" / "nobody.yaml").mkdir()
    os.mkfifo(project / "content" / "lessons" / "comp-a" / "pipe.md")
    lesson = project / "competences" / "comp-a.yaml"
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("lessons/comp-a/records.md",
                                                                 "lessons/comp-a/pipe.md", 1), encoding="utf-8")
    (project / "content" / "workshops").write_text("not a folder")
    result = cli("--project", project, "check")
    assert result.code == 1 and "Traceback" not in result.err
    assert result.err.splitlines() == [
        "competences/comp-a.yaml:16:11: lessons[0].file: expected a Markdown file under content/, got "
        "'lessons/comp-a/pipe.md', which is a special file (a pipe, socket or device); write its text into a "
        "regular file",
        "competences/comp-z.yaml: expected a regular file, got a special file (a pipe, socket or device); rename "
        "it, or write a YAML file",
        "content/workshops: expected a folder of workshop files, got a file",
        "roles/nobody.yaml: expected a regular file, got a folder; rename it, or write a YAML file",
        "musa-build: 4 errors in the sources",
    ]


def test_file_names_that_are_not_utf_8(tmp_path, cli):
    """Names a zip made on another system can leave (Latin-1 bytes): a source file is refused with its bytes
    escaped; a Markdown file is no suggestion for a missing one (its name could not be printed)."""
    project = tmp_path / "project"
    shutil.copytree(PROJECTS / "minimal", project)
    (project / "competences" / os.fsdecode(b"caf\xe9.yaml")).write_text("id: cafe\n", encoding="utf-8")
    (project / "content" / "lessons" / "comp-a" / os.fsdecode(b"recor\xe9s.md")).write_text("text\n")
    lesson = project / "competences" / "comp-a.yaml"
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("lessons/comp-a/records.md",
                                                                 "lessons/comp-a/recordz.md", 1), encoding="utf-8")
    result = cli("--project", project, "check")
    assert result.code == 1 and "Traceback" not in result.err
    assert result.err.splitlines() == [
        "competences/caf\\xe9.yaml: expected a file name in UTF-8; rename the file",
        "competences/comp-a.yaml:16:11: lessons[0].file: expected an existing file under content/, got "
        "'lessons/comp-a/recordz.md', which does not exist (did you mean 'lessons/comp-a/records.md'?)",
        "musa-build: 2 errors in the sources",
    ]
