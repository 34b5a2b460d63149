"""Any value a person could write in any place gives located errors, never an internal fault."""

from __future__ import annotations

import shutil

import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import PROJECTS
from musa.cli import INTERNAL_ERROR

FILES = ["content/programmes/mini.yaml", "roles/curator.yaml", "competences/comp-a.yaml",
         "competences/comp-b.yaml"]
VALUES = st.sampled_from([None, "", " ", 0, -1, 2.5, 10 ** 30, float("inf"), True, "x", "e-9", "2019-13-45",
                          [], [None], {}, {"en": ""}, {"xx": 1}, {1: "a"}, ["lo1", "lo1"], "lo1", "comp-a"])


def scalar_paths(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield path + (key,)
            yield from scalar_paths(item, path + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield path + (i,)
            yield from scalar_paths(item, path + (i,))


def replace(value, path, new):
    if len(path) == 1:
        value[path[0]] = new
    else:
        replace(value[path[0]], path[1:], new)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(file=st.sampled_from(FILES), pick=st.integers(min_value=0), new=VALUES)
def test_any_mutation_is_reported_not_crashed(tmp_path_factory, cli, file, pick, new):
    project = tmp_path_factory.mktemp("mutant") / "p"
    shutil.copytree(PROJECTS / "minimal", project)
    path = project / file
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    paths = list(scalar_paths(data))
    replace(data, paths[pick % len(paths)], new)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = cli("--project", project, "check")
    assert result.code != INTERNAL_ERROR, result.err
    assert result.code in (0, 1) and "Traceback" not in result.err
