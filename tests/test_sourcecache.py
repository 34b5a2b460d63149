"""The load stage's cache: a load from it reports and models exactly what a fresh load does, notices every
changed file, and is ignored when damaged or written by other code. Also the digests the build keys on."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from musa import digests, forkmap, memo
from musa.digests import ValueDigests
from musa.model import Competence, Course, Text
from musa.project import load
from musa.sourcecache import SourceCache
from test_broken_projects import CASES, materialise


def formatted(loaded) -> list[str]:
    return [d.format() for d in loaded.diagnostics.sorted()]


def load_twice_with_cache(root: Path, cache_file: Path):
    """A load that fills the cache (saved even when the project has errors), then one that reads it."""
    filling = SourceCache(cache_file)
    load(root, filling)
    filling.save()
    reading = SourceCache(cache_file)
    return load(root, reading), reading


@pytest.fixture(scope="module")
def real_copy(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("real") / "musa"
    for folder in ("competences", "roles", "content"):
        shutil.copytree(ROOT / folder, dest / folder)
    return dest


def test_a_cached_load_of_the_real_content_is_the_fresh_load(real_copy, tmp_path):
    fresh = load(real_copy)
    cached, cache = load_twice_with_cache(real_copy, tmp_path / "sources.cache")
    assert cache.hits == len(cache.new) > 100  # every step came from the cache
    assert formatted(cached) == formatted(fresh)
    assert cached.project == fresh.project
    digests_fresh, digests_cached = ValueDigests(), ValueDigests()  # by content, not by source digest
    for a, b in zip(fresh.project.courses(), cached.project.courses()):
        assert digests_fresh.of(a) == digests_cached.of(b)


def test_a_load_whose_every_file_is_in_the_cache_does_not_import_pyyaml(real_copy, tmp_path):
    """The cache spares a rebuild the import of the YAML parser too; a file not in it (edited) brings it in."""
    cache_file, root = tmp_path / "sources.cache", shutil.copytree(real_copy, tmp_path / "musa")
    load_twice_with_cache(root, cache_file)
    script = ("import sys; from pathlib import Path; from musa.project import load; "
              "from musa.sourcecache import SourceCache; "
              f"loaded = load(Path({str(root)!r}), SourceCache(Path({str(cache_file)!r}))); "
              "print(loaded.diagnostics.error_count, 'yaml' in sys.modules)")

    def imports_pyyaml() -> bool:
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
        errors, imported = done.stdout.split()
        assert errors == "0"
        return imported == "True"
    assert not imports_pyyaml()
    role = sorted((root / "roles").glob("*.yaml"))[0]
    role.write_text(role.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert imports_pyyaml()


@pytest.mark.parametrize("name", CASES)
def test_a_cached_load_of_a_broken_project_reports_the_same(name, tmp_path):
    project = materialise(name, tmp_path)
    fresh = load(project)
    cached, _ = load_twice_with_cache(project, tmp_path / "sources.cache")
    assert formatted(cached) == formatted(fresh)
    assert (cached.project is None) == (fresh.project is None)


# Loads on two cores are compared in a fresh interpreter, as the command runs them: this process may hold threads
# that earlier tests left (a preview server's connections), and a load then never forks (see musa/forkmap.py).
TWO_CORES = """
import json, os, sys
from pathlib import Path
from musa import forkmap
from musa.project import load
forks, real_fork = [], os.fork
def counted():
    child = real_fork()
    if child:
        forks.append(child)
    return child
os.fork = counted
found = {}
for root in sys.argv[2:]:
    forkmap.MIN_WEIGHT, before = int(sys.argv[1]), len(forks)
    parallel = load(Path(root))
    forkmap.MIN_WEIGHT, forked = 1 << 60, len(forks) - before
    serial = load(Path(root))
    messages = [[d.format() for d in loaded.diagnostics.sorted()] for loaded in (parallel, serial)]
    found[root] = {"forks": forked, "messages": messages, "same_model": parallel.project == serial.project,
                   "model": parallel.project is not None}
print(json.dumps(found))
"""


def loaded_on_two_cores(roots: list[Path], min_weight: int) -> dict:
    """For each project: the forks its load made with `forkmap.MIN_WEIGHT` set so, its messages loaded so and
    serially, and whether the two models are equal."""
    done = subprocess.run([sys.executable, "-c", TWO_CORES, str(min_weight), *map(str, roots)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.skipif(sys.platform != "linux", reason="musa-build forks only on Linux")
def test_the_real_content_parsed_on_two_cores_is_the_serial_load(real_copy):
    found = loaded_on_two_cores([real_copy], forkmap.MIN_WEIGHT)[str(real_copy)]  # 600 KB: worth a process
    assert found["forks"] == 1
    assert found["messages"] == [[], []]
    assert found["same_model"] and found["model"]


@pytest.fixture(scope="module")
def broken_on_two_cores(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("broken")
    roots = {name: materialise(name, base) for name in CASES}
    found = loaded_on_two_cores(list(roots.values()), 0)  # even a small project's files split between two processes
    return {name: found[str(root)] for name, root in roots.items()}


@pytest.mark.skipif(sys.platform != "linux", reason="musa-build forks only on Linux")
@pytest.mark.parametrize("name", CASES)
def test_a_broken_project_parsed_on_two_cores_reports_the_same(name, broken_on_two_cores):
    found = broken_on_two_cores[name]
    assert found["forks"] == 1
    parallel, serial = found["messages"]
    assert parallel == serial
    assert found["same_model"]


def test_a_changed_lesson_or_yaml_file_is_read_again(real_copy, tmp_path):
    project = tmp_path / "musa"
    shutil.copytree(real_copy, project)
    cache_file = tmp_path / "sources.cache"
    before = load(project, SourceCache(cache_file)).project
    comp = before.competences[0]
    lesson = sorted((project / "content" / "lessons" / comp.id).glob("*.md"))[0]
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nA sentence added later.\n", encoding="utf-8")
    yaml_file = project / "competences" / f"{comp.id}.yaml"
    yaml_file.write_text(yaml_file.read_text(encoding="utf-8").replace(f"hours: {comp.hours:g}\n", "hours: 99\n", 1),
                         encoding="utf-8")
    cache = SourceCache(cache_file)
    after = load(project, cache).project
    changed = after.competences[0]
    assert changed.hours == 99 != comp.hours
    assert any("A sentence added later." in lesson.body.get() for lesson in changed.lessons)
    assert changed.source != comp.source
    assert after.competences[1:] == before.competences[1:]
    assert 0 < cache.hits < len(cache.new)
    assert after == load(project).project


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x05K\x01.", "code", "libraries"])
def test_a_damaged_or_foreign_cache_is_ignored(real_copy, tmp_path, monkeypatch, damage):
    cache_file = tmp_path / "sources.cache"
    load(real_copy, SourceCache(cache_file))
    if damage == "code":  # written by other code
        monkeypatch.setattr(digests, "code_digest", lambda: "another version of the code")
    elif damage == "libraries":
        monkeypatch.setattr(digests, "libraries_digest", lambda: "pyyaml==99")
    else:
        cache_file.write_bytes(damage)
    cache = SourceCache(cache_file)
    loaded = load(real_copy, cache)
    assert cache.hits == 0
    assert loaded.project == load(real_copy).project


def test_a_failed_load_writes_no_cache(tmp_path):
    project = materialise("dates-reversed", tmp_path)
    cache_file = tmp_path / "out" / "sources.cache"
    assert load(project, SourceCache(cache_file)).project is None
    assert not cache_file.exists()


def test_value_digests_ignore_sharing_and_use_the_source_digest(real_copy):
    project = load(real_copy).project
    course = project.courses()[0]
    text = "an equal text, built twice"
    shared = Text.of(text)
    one = (shared, shared)
    two = (Text.of("".join(reversed(text[::-1]))), Text.of(text[:5] + text[5:]))
    assert one == two and one[0] is one[1] and two[0] is not two[1]
    assert ValueDigests().of(one) == ValueDigests().of(two)  # the pickle memo would tell them apart
    comp = course.competences[0].competence
    assert comp.source  # set by the load stage
    digests = ValueDigests(shared=(Competence, Course), source=lambda value: getattr(value, "source", ""))
    retitled = dataclasses.replace(comp, title=Text.of("Another title"))
    assert retitled.source == ""  # a changed copy is hashed by its content
    assert digests.of(retitled) not in (digests.of(comp), ValueDigests().of(comp))
    moved = dataclasses.replace(course, competences=(dataclasses.replace(course.competences[0], competence=retitled),
                                                     *course.competences[1:]))
    assert digests.of(moved) != digests.of(course)


def test_a_memo_key_holds_each_part_of_the_model_by_its_value(real_copy):
    question = load(real_copy).project.competences[0].quiz.questions[0]
    again = load(real_copy).project.competences[0].quiz.questions[0]  # another load: another object, same source
    assert question.source and again is not question
    equal = dataclasses.replace(question)  # a copy made otherwise: no source, hashed by its content
    changed = dataclasses.replace(question, prompt=Text.of("Another prompt"))
    memo.forget_parts()
    try:
        remembered = memo.Memo(b"settings")
        key = remembered.key("render", {"item": (question, "x")})
        assert remembered.key("render", {"item": (question, "x")}) == key  # its digest taken again
        assert remembered.key("render", {"item": (again, "x")}) == key
        copied = remembered.key("render", {"item": (equal, "x")})
        assert remembered.key("render", {"item": (dataclasses.replace(question), "x")}) == copied
        assert remembered.key("render", {"item": (changed, "x")}) not in (key, copied)
        assert remembered.key("render", {"item": (question, "y")}) != key
        assert remembered.key("other", {"item": (question, "x")}) != key
        assert memo.Memo(b"other settings").key("render", {"item": (question, "x")}) != key
    finally:
        memo.forget_parts()


def test_each_part_of_a_competence_has_the_digest_of_what_it_was_made_from(real_copy, tmp_path):
    project = tmp_path / "musa"
    shutil.copytree(real_copy, project)
    before = load(project).project.competences[0]
    parts = lambda comp: [comp.quiz, *comp.quiz.questions, comp.assignment, *comp.assignment.rubric,  # noqa: E731
                          *comp.assignment.outcomes, *comp.outcomes, *comp.lessons]
    sources = [part.source for part in parts(before)]
    assert all(sources) and len(set(sources)) == len(sources)
    lesson = before.lessons[0]
    markdown = project / "content" / "lessons" / before.id / f"{lesson.id}.md"
    # the lesson's Markdown is a file of its own: editing it changes that lesson's source alone
    markdown.write_text(markdown.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    after = [part.source for part in parts(load(project).project.competences[0])]
    first = len(sources) - len(before.lessons)
    assert after[first] != sources[first]
    assert after[:first] + after[first + 1:] == sources[:first] + sources[first + 1:]
    path = project / before.loc.path  # editing the competence's file changes every part's source
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    edited = [part.source for part in parts(load(project).project.competences[0])]
    assert not set(edited) & set(sources)


def test_a_competence_without_lessons_is_hashed_by_its_file_alone(real_copy, tmp_path):
    project = tmp_path / "musa"
    shutil.copytree(real_copy, project)
    comp = load(project).project.competences[0]
    headline = comp.without_lessons("quiz", "outcomes")
    assert (headline.lessons, headline.quiz, headline.outcomes) == ((), None, ())
    assert headline.title == comp.title and headline.assignment == comp.assignment
    assert comp.file_source and headline.source.startswith(comp.file_source)
    assert headline.source != comp.without_lessons("quiz").source  # what was left out is part of its digest

    def after(edit) -> Competence:
        edit()
        return next(c for c in load(project).project.competences if c.id == comp.id)

    lesson = sorted((project / "content" / "lessons" / comp.id).glob("*.md"))[0]
    relessoned = after(lambda: lesson.write_text(lesson.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8"))
    assert relessoned.source != comp.source  # the competence changed with its lesson
    assert relessoned.without_lessons("quiz", "outcomes").source == headline.source  # its headline did not
    yaml_file = project / "competences" / f"{comp.id}.yaml"
    rehoured = after(lambda: yaml_file.write_text(yaml_file.read_text(encoding="utf-8").replace(
        f"hours: {comp.hours:g}\n", "hours: 99\n", 1), encoding="utf-8"))
    assert rehoured.without_lessons("quiz", "outcomes").source != headline.source
    # a competence not made by the load stage has no file digest: its copies are hashed by their content
    assert dataclasses.replace(comp, hours=1).without_lessons("quiz").source == ""
