"""The moodle-competencies target: one framework CSV for Moodle's "Import competency framework", read back."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest

from conftest import ROOT
from musa.exporters.moodle_competencies import HEADER, SCALE
from musa.project import load
from musa.validate import detect
from musa.validate.moodle_competencies import COLUMNS, TAXONOMIES, validate_archive


def build(out: Path) -> Path:
    from musa.cli import run
    assert run(["--project", str(ROOT), "build", "--target", "moodle-competencies", "--out", str(out)]) == 0
    written = list((out / "moodle-competencies").iterdir())
    assert [p.name for p in written] == ["musa-competencies.csv"]
    return written[0]


@pytest.fixture(scope="module")
def path(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("first"))


@pytest.fixture(scope="module")
def rows(path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    assert tuple(table[0]) == HEADER
    assert all(len(row) == len(COLUMNS) for row in table)
    return [dict(zip(COLUMNS, row)) for row in table[1:]]


@pytest.fixture(scope="module")
def project():
    return load(ROOT).project


def test_two_builds_are_byte_identical(path, tmp_path):
    assert build(tmp_path).read_bytes() == path.read_bytes()


def test_validator_accepts_it(path):
    assert detect(path) == "moodle-competencies"
    report = validate_archive(path)
    assert report.problems == []
    assert dict(report.counts) == {"framework": 1, "competency": 52, "top-level competency": 10,
                                   "leaf competency": 42}


def test_framework_row_carries_the_scale(rows):
    frameworks = [r for r in rows if r["isframework"] == "1"]
    assert len(frameworks) == 1
    framework = frameworks[0]
    assert framework["idnumber"] == "MUSA" and framework["parentidnumber"] == ""
    assert framework["scalevalues"].split(",") == list(SCALE)
    config = json.loads(framework["scaleconfiguration"])
    assert "scaleid" in config[0]
    assert [e["id"] for e in config[1:]] == list(range(1, len(SCALE) + 1))
    assert [SCALE[e["id"] - 1] for e in config[1:] if e["scaledefault"]] == ["Not yet competent"]
    assert [SCALE[e["id"] - 1] for e in config[1:] if e["proficient"]] == ["Competent", "Accomplished"]
    assert set(framework["taxonomy"].split(",")) <= TAXONOMIES


def test_every_competence_is_a_leaf_under_its_area(rows, project):
    competences = [r for r in rows if r["isframework"] != "1"]
    by_id = {r["idnumber"]: r for r in competences}
    assert len(by_id) == len(competences)
    leaves = [r for r in competences if r["parentidnumber"]]
    assert len(leaves) == 42
    codes = {c.code: c for c in project.competences}
    assert {r["idnumber"] for r in leaves} == set(codes)
    for row in leaves:
        comp = codes[row["idnumber"]]
        parent = by_id[row["parentidnumber"]]
        assert parent["parentidnumber"] == ""
        assert str(comp.area) in parent["shortname"]
        assert row["shortname"] == str(comp.title)
        assert row["descriptionformat"] == "1" and str(comp.description)[:40].replace("'", "&#39;") in \
            row["description"]
    areas = {r["idnumber"] for r in competences if not r["parentidnumber"]}
    assert not areas & set(codes)
    per_area = Counter(r["parentidnumber"] for r in leaves)
    assert per_area["ECF-PLAN"] == 4 and per_area["TRANSFERABLE"] == 15 and len(per_area) == 10


def rewrite(path: Path, dest: Path, change) -> Path:
    table = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    change(table)
    out = dest / path.name
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(table)
    out.write_text(buffer.getvalue(), encoding="utf-8")
    return out


def test_check_finds_an_unresolved_parent_and_a_repeated_idnumber(path, tmp_path):
    def spoil(table):
        table[-1][0] = "NO-SUCH-AREA"
        table[-2][1] = table[-3][1]
    messages = [p.message for p in validate_archive(rewrite(path, tmp_path, spoil)).problems]
    assert any("'NO-SUCH-AREA' is no competency" in m for m in messages)
    assert any("repeats" in m for m in messages)


def test_check_finds_a_scale_without_proficient_value(path, tmp_path):
    def spoil(table):
        config = json.loads(table[1][6])
        for entry in config[1:]:
            entry["proficient"] = 0
        table[1][6] = json.dumps(config)
        table[1][13] = "domain,galaxy"
    messages = [p.message for p in validate_archive(rewrite(path, tmp_path, spoil)).problems]
    assert any("no proficient value" in m for m in messages)
    assert any("galaxy" in m for m in messages)


def test_detection_claims_only_the_tools_csv(tmp_path):
    other = tmp_path / "grades.csv"
    other.write_text("name,grade\nAda,10\n")
    assert detect(other) != "moodle-competencies"


def test_area_idnumbers_never_take_a_code(project, tmp_path):
    """Codes are checked to look official, so no area name can clash with one; the exporter makes sure anyway."""
    from dataclasses import replace

    from musa.exporters.moodle_competencies import MoodleCompetenciesExporter
    clashing = replace(project, competences=tuple(replace(c, code="TRANSFERABLE") if c.code == "T1" else c
                                                  for c in project.competences))
    rows = MoodleCompetenciesExporter(clashing, tmp_path).rows()
    ids = [row[1] for row in rows]
    assert len(ids) == len(set(ids))
    assert next(row[0] for row in rows if row[1] == "TRANSFERABLE") == "TRANSFERABLE-AREA"


def test_a_title_too_long_for_a_short_name_is_cut_and_kept_whole(project, tmp_path):
    """Moodle's tool cuts short names at 100 characters; the exporter cuts them itself and keeps the whole title."""
    from dataclasses import replace

    from musa.exporters.moodle_competencies import MoodleCompetenciesExporter
    from musa.model import Text
    title = ("A very long competence title " * 5).strip()
    long = replace(project, competences=tuple(replace(c, title=Text((("en", title),))) if c.code == "T1" else c
                                              for c in project.competences))
    row = next(row for row in MoodleCompetenciesExporter(long, tmp_path).rows() if row[1] == "T1")
    assert len(row[2]) <= 100 and row[2].endswith("…") and title.startswith(row[2][:-1])
    assert row[3].startswith(f"<p>{title}</p>")
    short = next(row for row in MoodleCompetenciesExporter(project, tmp_path).rows() if row[1] == "T1")
    assert short[3].startswith("<p>") and not short[3].startswith(f"<p>{short[2]}</p>")
