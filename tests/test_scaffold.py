"""`musa-build new`: skeletons that name their schema, pass `check`, and fail `check --strict` at each placeholder."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml

from conftest import ROOT

from musa.scaffold import add_course
from test_schema import PlainLoader, validator

WARNING = re.compile(r"(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): warning: (?P<where>[^:]+): (?P<message>.*)")


def placeholder_lines(path) -> set[int]:
    return {n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if re.search(r"""(:|-)\s+["{]?.*"TODO""", line)}


def warnings_of(err: str, path: str) -> list[re.Match]:
    return [m for m in map(WARNING.fullmatch, err.splitlines()) if m and m["path"] == path]


def schema_errors(path, kind: str) -> list[str]:
    """The file names its committed schema on its first line and that schema accepts it."""
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == f"# yaml-language-server: $schema=../schemas/{kind}.schema.json"
    return [error.message for error in validator(kind).iter_errors(yaml.load(text, Loader=PlainLoader))]


@pytest.mark.parametrize("ident, framework, code", [("ecf-b2", "e-CF 3.0", "B.2"), ("dc-1-1", "DigComp 2.1", "1.1"),
                                                    ("tr-16", "transferable", "T16")])
def test_new_competence_passes_check_and_strict_points_at_each_placeholder(minimal, cli, ident, framework, code):
    result = cli("--project", minimal, "new", "competence", ident)
    assert result.code == 0, result.err
    path = minimal / "competences" / f"{ident}.yaml"
    assert schema_errors(path, "competence") == []
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert (data["framework"], data["code"]) == (framework, code)
    relaxed = cli("--project", minimal, "check")
    assert relaxed.code == 0, relaxed.err
    strict = cli("--project", minimal, "check", "--strict")
    assert strict.code == 1
    assert " error" not in strict.err.splitlines()[-1].replace("0 errors", "")
    warned = warnings_of(strict.err, f"competences/{ident}.yaml")
    placeholders = [m for m in warned if "got the placeholder 'TODO" in m["message"]]
    assert {int(m["line"]) for m in placeholders} == placeholder_lines(path)
    assert len(placeholders) >= 50
    others = {m["message"] for m in warned if m not in placeholders}
    expected = {f"expected competence '{ident}' to be used by some role or workshop, got none",
                "expected a lesson of at least 250 words, got 15 words"}
    if framework != "transferable":
        expected.add(f"expected a level for a {framework} competence, got nothing")
    if framework == "e-CF 3.0":
        expected.add("expected the e-CF level range [lowest, highest], got nothing")
    assert others == expected


def test_new_role_joins_its_programme_and_passes_check(tmp_path, cli):
    project = tmp_path / "project"
    for folder in ("content", "roles", "competences", "schemas"):
        shutil.copytree(ROOT / folder, project / folder)
    result = cli("--project", project, "new", "role", "digital-archivist")
    assert result.code == 0, result.err
    path = project / "roles" / "digital-archivist.yaml"
    assert schema_errors(path, "role") == []
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert len(data["plan"]) == 24 and len(data["face_to_face"]) == 6
    programme = yaml.safe_load((project / "content/programmes/musa.yaml").read_text(encoding="utf-8"))
    assert programme["courses"] == ["dsm", "dcc", "died", "occm", "digital-archivist"]
    relaxed = cli("--project", project, "check")
    assert relaxed.code == 0, relaxed.err
    assert "musa: DSM 23 competences, DCC 22 competences, DIED 27 competences, OCCM 26 competences, " \
           "DIGITALARC 2 competences" in relaxed.out
    strict = cli("--project", project, "check", "--strict")
    assert strict.code == 1
    warned = warnings_of(strict.err, "roles/digital-archivist.yaml")
    assert all("got the placeholder 'TODO" in m["message"] for m in warned)
    assert {int(m["line"]) for m in warned} == placeholder_lines(path)
    assert cli("--project", project, "preview", "--out", tmp_path / "site").code == 0
    assert (tmp_path / "site/en/course/digital-archivist.html").is_file()


def test_new_refuses_bad_ids_existing_files_and_programmes_without_roles(minimal, cli, tmp_path):
    bad = cli("--project", minimal, "new", "competence", "records")
    assert bad.code == 2 and "expected a competence id such as ecf-a2" in bad.err
    assert cli("--project", minimal, "new", "role", "Bad_Id").code == 2
    before = (minimal / "competences/comp-a.yaml").read_bytes()
    assert cli("--project", minimal, "new", "competence", "tr-1").code == 0
    again = cli("--project", minimal, "new", "competence", "tr-1")
    assert again.code == 1 and "already exists" in again.err
    existing = cli("--project", minimal, "new", "role", "curator")
    assert existing.code == 1 and "already exists" in existing.err
    assert (minimal / "competences/comp-a.yaml").read_bytes() == before
    unknown = cli("--project", minimal, "new", "role", "keeper", "--programme", "nope")
    assert unknown.code == 2 and "expected a programme id (mini), got 'nope'" in unknown.err
    assert not (minimal / "roles/keeper.yaml").exists()


def test_new_role_takes_the_ids_a_role_file_may_have(minimal, cli):
    """The same ids as the role file's schema: one that starts with a digit, but none over 40 characters (a role
    written with one would fail its own check)."""
    long = cli("--project", minimal, "new", "role", "r" * 41)
    assert long.code == 2 and "expected an id (lower-case letters, digits and single '-', at most 40 characters)" \
        in long.err
    assert not (minimal / "roles" / f"{'r' * 41}.yaml").exists()
    assert cli("--project", minimal, "new", "role", "9-keeper").code == 0
    assert cli("--project", minimal, "check").code == 0


def test_add_course_keeps_the_list_style(tmp_path):
    flow = tmp_path / "flow.yaml"
    flow.write_text("id: p\ncourses: [a, b]  # the courses\nx: 1\n", encoding="utf-8")
    add_course(flow, "c")
    assert flow.read_text(encoding="utf-8") == "id: p\ncourses: [a, b, c]  # the courses\nx: 1\n"
    block = tmp_path / "block.yaml"
    block.write_text("courses:\n    - a\n    - b\nx: 1\n", encoding="utf-8")
    add_course(block, "c")
    assert yaml.safe_load(block.read_text(encoding="utf-8")) == {"courses": ["a", "b", "c"], "x": 1}
