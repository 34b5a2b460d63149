"""Shared fixtures: the repository root, named fixture projects, and running the CLI in-process."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from musa.cli import run

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = Path(__file__).resolve().parent / "projects"
SHARED = ROOT.parent / "shared"


def pytest_addoption(parser):
    parser.addoption("--update-expected", action="store_true",
                     help="Rewrite the expected.txt of every broken fixture project from the current output.")


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys):
    """Run `musa-build ARGS…` in-process; return exit code, stdout and stderr."""
    def invoke(*args: str) -> Result:
        capsys.readouterr()
        code = run(list(map(str, args)))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)
    return invoke


def build_json(cli, project: Path, out: Path, *args: str) -> dict:
    """`musa-build build --json` into `out` through the `cli` fixture; its summary, after asserting success."""
    result = cli("--project", project, "build", "--out", out, "--json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def copy_project(name: str, dest: Path) -> Path:
    """A writable copy of tests/projects/NAME."""
    target = dest / name
    shutil.copytree(PROJECTS / name, target, symlinks=True)
    return target


@pytest.fixture
def minimal(tmp_path) -> Path:
    return copy_project("minimal", tmp_path)


def missing(what: str) -> None:
    """A prerequisite is absent: skip outside CI; under CI=true that is a failure, never a silent skip."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} under CI=true")
    pytest.skip(what)


def require_shared() -> Path:
    """../shared, the reference data beside the checkout."""
    if not SHARED.is_dir():
        missing("../shared is not beside the project")
    return SHARED


def require_tool(module: str) -> None:
    """A third-party checker importable as `module`."""
    try:
        __import__(module)
    except ImportError:
        missing(f"{module} is not installed (pip install -e '.[test]')")


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Selenium (tests/browser.py); skipped outside CI when absent."""
    from browser import Browser, unavailable
    reason = unavailable()
    if reason:
        missing(reason)
    chromium = Browser()
    yield chromium
    chromium.close()


@pytest.fixture
def http_server():
    """`http_server(folder)` serves folder on 127.0.0.1 for the test; returns the base URL."""
    from browser import serve
    with contextlib.ExitStack() as stack:
        yield lambda folder: stack.enter_context(serve(folder))
