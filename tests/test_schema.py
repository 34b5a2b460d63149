"""The JSON Schemas: written from the loader's own definitions, committed, and valid for every YAML file."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import PROJECTS, ROOT
from musa.schemafiles import schema_texts
from musa.sources import FOLDERS, schema_comment


class PlainLoader(yaml.SafeLoader):
    """Dates stay strings, as an editor's YAML language server sees them."""


PlainLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def source_files(root: Path):
    for kind, folder in FOLDERS.items():
        for path in sorted((root / folder).glob("*.yaml")):
            yield kind, path


REPOSITORY_FILES = list(source_files(ROOT)) + list(source_files(PROJECTS / "minimal"))


def validator(kind: str):
    schema = json.loads(schema_texts()[f"{kind}.schema.json"])
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_committed_schemas_match_the_definitions():
    for name, text in schema_texts().items():
        assert (ROOT / "schemas" / name).read_text(encoding="utf-8") == text, \
            f"schemas/{name} is stale: run `musa-build schema`"


def test_the_repository_has_every_kind_of_file():
    kinds = {kind for kind, _ in REPOSITORY_FILES}
    assert kinds == set(FOLDERS)
    assert len(REPOSITORY_FILES) >= 42 + 4 + 2 + 3


@pytest.mark.parametrize("kind,path", REPOSITORY_FILES, ids=lambda v: getattr(v, "name", v))
def test_every_yaml_file_validates_against_its_schema(kind, path):
    text = path.read_text(encoding="utf-8")
    rel = path.relative_to(path.parents[2] if kind in ("programme", "workshop") else path.parents[1]).as_posix()
    assert text.split("\n", 1)[0] == schema_comment(kind, rel)
    data = yaml.load(text, Loader=PlainLoader)
    errors = sorted(validator(kind).iter_errors(data), key=str)
    assert errors == [], errors[0].message if errors else ""


def test_schema_rejects_what_the_loader_rejects():
    data = yaml.load((PROJECTS / "minimal/competences/comp-a.yaml").read_text(), Loader=PlainLoader)
    check = validator("competence")
    assert check.is_valid(data)
    assert not check.is_valid({**data, "hourz": 3})
    question = data["quiz"]["questions"][3]
    assert question["type"] == "truefalse"
    broken = json.loads(json.dumps(data))
    broken["quiz"]["questions"][3]["answer"] = "true"
    assert not check.is_valid(broken)
    broken["quiz"]["questions"][3] = {**question, "type": "single"}
    assert not check.is_valid(broken), "a single-choice question needs choices"
    assert datetime.date.fromisoformat(yaml.load("d: 2020-01-01", Loader=PlainLoader)["d"])
