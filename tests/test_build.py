"""Builds: byte-identical whatever the path, clock, hash seed, file order or --jobs; incremental builds skip
exactly the unchanged units; a failed or killed build never leaves a partial archive under a final name."""

from __future__ import annotations

import gc
import hashlib
import io
import json
import os
import pathlib
import pickle
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path

import pytest

from archives import archive_members
from conftest import ROOT, build_json
from musa import archive, build as building, markdown, markdowncache, memo, packs
from musa.exporters import REGISTRY, targets
from musa.buildreport import Progress, table_lines
from musa.digests import write_cache
from musa.exporters.base import Exporter
from musa.project import load

SOURCES = ("competences", "roles", "content")


def copy_sources(dest: Path) -> Path:
    """The repository's own content, copied without build/ or anything else."""
    for folder in SOURCES:
        shutil.copytree(ROOT / folder, dest / folder)
    return dest


@pytest.fixture(scope="module")
def real_copy(tmp_path_factory) -> Path:
    return copy_sources(tmp_path_factory.mktemp("checkout-a") / "musa")


def tree(out: Path) -> dict[str, bytes]:
    """Every archive under `out` (not the cache, not temporaries), by path relative to `out`. Hidden folders are
    not entered: a folder replaced by a build is being removed meanwhile, even after the build was killed."""
    found = {}
    for folder, folders, files in os.walk(out):
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in files:
            if not name.startswith("."):
                path = Path(folder, name)
                found[path.relative_to(out).as_posix()] = path.read_bytes()
    return dict(sorted(found.items()))


def leftovers(out: Path, files_only: bool = False) -> list[str]:
    """Staged files and folders (hidden `.NAME.PID.tmp` names) left in `out`."""
    return sorted(p.name for p in out.rglob(".*.tmp") if p.is_file() or not files_only)


@pytest.fixture(scope="module")
def reference(real_copy, tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("reference")
    subprocess.run([sys.executable, "-m", "musa", "--project", str(real_copy), "build", "--out", str(out),
                    "--jobs", "1"], check=True, env={**os.environ, "PYTHONHASHSEED": "1"})
    return tree(out)


@pytest.fixture(scope="module")
def units(real_copy) -> int:
    """How many units a full build of the real content has: one per course (or per part of a course, for a target
    that builds courses in parts), or one for a project-wide target."""
    project = load(real_copy).project
    exporters = [cls(project, real_copy / "unused") for cls in targets().values()]
    return sum(1 if x.project_wide() else sum(len(x.parts(c)) for c in project.courses()) for x in exporters)


def test_reference_build_has_every_target(reference):
    assert {name.split("/")[0] for name in reference} == set(targets())


# Same bytes, whatever the circumstances.

def test_independent_of_checkout_path_clock_hash_seed_and_timezone(reference, tmp_path):
    elsewhere = copy_sources(tmp_path / "a" / "much" / "longer" / "checkout path")
    out = tmp_path / "out"
    time.sleep(1.1)  # a different second on the clock
    subprocess.run([sys.executable, "-m", "musa", "--project", str(elsewhere), "build", "--out", str(out)],
                   check=True, cwd=tmp_path, env={**os.environ, "PYTHONHASHSEED": "4242", "TZ": "Pacific/Kiritimati"})
    assert tree(out) == reference


def test_independent_of_the_order_files_are_listed_in(reference, real_copy, tmp_path, monkeypatch, cli):
    original_iterdir, original_glob = pathlib.Path.iterdir, pathlib.Path.glob
    monkeypatch.setattr(pathlib.Path, "iterdir", lambda self: iter(sorted(original_iterdir(self), reverse=True)))
    monkeypatch.setattr(pathlib.Path, "glob",
                        lambda self, pattern, **kw: iter(sorted(original_glob(self, pattern, **kw), reverse=True)))
    build_json(cli, real_copy, tmp_path, "--jobs", "1")
    assert tree(tmp_path) == reference


def test_parallel_build_gives_the_serial_bytes(reference, units, real_copy, tmp_path, cli):
    summary = build_json(cli, real_copy, tmp_path, "--jobs", "3")
    assert summary["built"] == units and summary["skipped"] == 0
    assert tree(tmp_path) == reference


# Incremental builds.

def test_workers_get_whole_courses_when_there_are_enough_of_them():
    todo = [building.Unit("moodle", None), building.Unit("olx", "a"), building.Unit("scorm12", "a"),
            building.Unit("olx", "b"), building.Unit("olx", "c")]
    assert building.batches(todo, 2) == [(todo[0],), (todo[1], todo[2]), (todo[3],), (todo[4],)]
    assert building.batches(todo[1:4], 2) == [(todo[1], todo[2]), (todo[3],)]
    # fewer courses than processes: one unit at a time, so that every process has work
    assert building.batches(todo[1:3], 2) == [(todo[1],), (todo[2],)]


def test_the_longest_work_goes_first_by_the_last_build_s_times(tmp_path):
    todo = [building.Unit("olx", "a"), building.Unit("moodle", "a"), building.Unit("olx", "b"),
            building.Unit("moodle", "b"), building.Unit("olx", "c")]
    cache = building.Cache(tmp_path)
    cache.entries = {"olx/a": {"seconds": 0.5}, "moodle/a": {"seconds": 0.25}, "olx/b": {"seconds": 0.25},
                     "moodle/b": {"seconds": 2.0}, "moodle/c": "damaged"}
    cost = cache.cost()
    assert [cost(unit) for unit in todo] == [0.5, 0.25, 0.25, 2.0, 0.375]  # olx/c: the mean of olx's times
    # whole courses, by their summed times: b (2.25), a (0.75), c (0.375)
    assert building.batches(todo, 2, cost) == [(todo[2], todo[3]), (todo[0], todo[1]), (todo[4],)]
    # one unit at a time: the longest unit first; equal times keep the todo's order
    assert building.batches(todo[:2], 2, cost) == [(todo[0],), (todo[1],)]
    assert building.batches(todo[:4], 3, cost) == [(todo[3],), (todo[0],), (todo[1],), (todo[2],)]
    # nothing recorded: the todo's order
    assert building.batches(todo, 2, building.Cache(tmp_path / "none").cost()) == \
        [(todo[0], todo[1]), (todo[2], todo[3]), (todo[4],)]


def test_a_course_that_would_load_the_processes_unevenly_goes_unit_by_unit():
    todo = [building.Unit(target, course) for course in "abc" for target in ("moodle", "olx", "scorm12")]
    seconds = {"moodle": 0.6, "olx": 0.3, "scorm12": 0.1}
    cost = lambda unit: seconds[unit.target] * (1.5 if unit.course == "b" else 1)  # noqa: E731
    # b (1.5), a (1.0) and c (1.0) on two processes: whole, c would make one process do 2.0 of 3.5 (fair: 1.75)
    assert building.batches(todo, 2, cost) == [tuple(todo[3:6]), tuple(todo[0:3]), *((u,) for u in todo[6:9])]
    # on three processes each course has one to itself
    assert building.batches(todo, 3, cost) == [tuple(todo[3:6]), tuple(todo[0:3]), tuple(todo[6:9])]
    # a course of one unit is not split
    assert building.batches(todo[:1] + todo[3:4] + todo[6:7], 2, cost) == [(todo[3],), (todo[0],), (todo[6],)]


def test_units_can_go_by_other_groups_than_courses():
    todo = [building.Unit(target, course, lang) for course in "ab" for target in ("moodle", "olx")
            for lang in ("en", "fr")]
    seconds = {"moodle": 0.6, "olx": 0.3}
    cost = lambda unit: seconds[unit.target]  # noqa: E731
    by_target = lambda unit: (unit.target, unit.lang)  # noqa: E731
    # by target and language, the longest first: moodle/en (a, b), moodle/fr (a, b), then olx likewise
    assert building.batches(todo, 2, cost, by_target) == [
        (todo[0], todo[4]), (todo[1], todo[5]), (todo[2], todo[6]), (todo[3], todo[7])]
    assert building.batches(todo, 2, cost) == [tuple(todo[0:4]), tuple(todo[4:8])]  # by course
    # three like groups on two processes: the third goes unit by unit, so that both processes take half of it
    alike = [building.Unit(target, course) for course in "ab" for target in ("moodle", "olx", "scorm12")]
    assert building.batches(alike, 2, lambda unit: 0.5, by_target) == [
        (alike[0], alike[3]), (alike[1], alike[4]), (alike[2],), (alike[5],)]


def test_a_rebuild_renders_targets_that_share_templates_together(tmp_path, monkeypatch):
    """After an edit (the Markdown converted before), units go to processes by families of targets (olx and
    olx-source; the four SCORM targets) and language, not course by course as in a first build."""
    assert {name: cls.family() for name, cls in targets().items()} == {
        "moodle": "moodle", "moodle-competencies": "moodle-competencies", "moodle-questions": "moodle-questions",
        "olx": "olx", "olx-source": "olx", "scorm12": "scorm", "scorm12-units": "scorm", "scorm2004": "scorm",
        "scorm2004-units": "scorm"}
    project = copy_sources(tmp_path / "musa")
    groups: list[dict[building.Unit, object]] = []
    real = building.batches

    def batches(todo, jobs, cost, group):
        groups.append({unit: group(unit) for unit in todo})
        return real(todo, jobs, cost, group)
    monkeypatch.setattr(building, "batches", batches)
    names = ["moodle", "olx", "olx-source", "scorm12"]
    building.build(load(project).project, tmp_path / "out", names, jobs=2)
    assert all(group == unit.course for unit, group in groups[-1].items())
    lesson = next((project / "content" / "lessons" / "dc-5-4").glob("*.md"))
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    building.build(load(project).project, tmp_path / "out", names, jobs=2)
    assert len(groups[-1]) == 8  # the two courses that hold dc-5-4, four targets each
    assert all(group == (targets()[unit.target].family(), "en") for unit, group in groups[-1].items())


def test_targets_that_share_templates_load_each_compiled_one_once(minimal, tmp_path, monkeypatch):
    """The four SCORM targets read templates/scorm/: a process reads each compiled template from the disk cache
    once and gives the others its code; a target whose templates compile otherwise (moodle-questions: escaping
    by file type) shares nothing, not even with itself."""
    import jinja2
    from musa.exporters import base
    monkeypatch.setattr(base, "_CODE", {})
    read: list[str] = []
    real = jinja2.FileSystemBytecodeCache.load_bytecode
    monkeypatch.setattr(jinja2.FileSystemBytecodeCache, "load_bytecode",
                        lambda self, bucket: (read.append(bucket.key), real(self, bucket))[1])
    project, compiled = load(minimal).project, tmp_path / "compiled"

    def loaded(name: str, template: str) -> jinja2.Template:
        (compiled / name).mkdir(parents=True, exist_ok=True)
        return targets()[name](project, tmp_path / "out", "en", compiled).templates.get_template(template)
    layouts = [loaded(name, "layout.html") for name in ("scorm12", "scorm2004", "scorm12-units")]
    assert len(read) == 1 and len({t.filename for t in layouts}) == 1
    assert len({id(t.environment) for t in layouts}) == 3 and layouts[0].globals is not layouts[1].globals
    banks = [loaded("moodle-questions", "questions.moodle.xml") for _ in range(2)]
    assert len(read) == 3
    assert base._code_key(jinja2.bccache.Bucket(banks[0].environment, "key", "checksum")) is None


def test_second_build_skips_everything_and_keeps_the_bytes(reference, units, real_copy, tmp_path, cli):
    build_json(cli, real_copy, tmp_path, "--jobs", "1")
    again = build_json(cli, real_copy, tmp_path, "--jobs", "1")
    assert (again["built"], again["skipped"]) == (0, units)
    assert all(a["cached"] for a in again["archives"])
    assert tree(tmp_path) == reference


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_build_keeps_nothing_of_its_model_alive(real_copy, tmp_path, jobs):
    """A long-lived process (preview --serve rebuilds on every edit) must not hold every model it built: the
    exporters of a serial build and the copies the keys hash (a workshop as read, a programme's outline) go with
    the build."""
    project = load(real_copy).project
    assert any(course.kind == "workshop" for course in project.courses())
    gone = [weakref.ref(project), *(weakref.ref(course) for course in project.courses())]
    building.build(project, tmp_path, list(targets()), jobs=jobs)
    del project
    gc.unfreeze()  # loading froze the model out of the collector's sight
    gc.collect()
    assert [ref() for ref in gone] == [None] * len(gone)


def test_editing_one_competence_rebuilds_only_the_courses_that_hold_it(tmp_path, cli):
    project = copy_sources(tmp_path / "musa")
    model = load(project).project
    holders = {comp.id: [c.id for c in model.courses() if any(cc.competence.id == comp.id for cc in c.competences)]
               for comp in model.competences}
    competence = next(cid for cid, courses in sorted(holders.items()) if len(courses) == 1)
    out = tmp_path / "out"
    first = build_json(cli, project, out)
    per_course = sorted((t, c) for t in targets() for c in holders[competence] if not REGISTRY[t].project_wide())

    def rebuilt(summary):
        done = sorted({(a["target"], a["course"]) for a in summary["archives"] if not a["cached"]})
        assert summary["built"] == len(done) and summary["skipped"] == first["built"] - len(done)
        return done

    # a lesson: neither the competency framework nor the question banks show lessons, so they stay as they were
    lesson = next((project / "content" / "lessons" / competence).glob("*.md"))
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nOne more sentence for this lesson.\n", encoding="utf-8")
    assert rebuilt(build_json(cli, project, out)) == [unit for unit in per_course if unit[0] != "moodle-questions"]
    # an outcome: the framework lists outcomes, so it is written again too
    source = project / "competences" / f"{competence}.yaml"
    outcome = next(c for c in model.competences if c.id == competence).outcomes[0].text.get()
    source.write_text(source.read_text(encoding="utf-8").replace(outcome, outcome + " Again.", 1), encoding="utf-8")
    assert rebuilt(build_json(cli, project, out)) == sorted(
        per_course + [(t, "*") for t in targets() if REGISTRY[t].project_wide()])


def test_a_workshop_reads_the_headlines_of_its_competences_not_their_lessons(tmp_path, cli):
    project = copy_sources(tmp_path / "musa")
    model = load(project).project
    workshop = next(c for c in model.courses() if c.kind == "workshop" and c.competences)
    competence = workshop.competences[0].competence
    out = tmp_path / "out"
    build_json(cli, project, out)

    def rebuilt_courses() -> set[str]:
        return {a["course"] for a in build_json(cli, project, out)["archives"] if not a["cached"]}

    lesson = next((project / "content" / "lessons" / competence.id).glob("*.md"))
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nOne more sentence for this lesson.\n", encoding="utf-8")
    after_lesson = rebuilt_courses()
    assert workshop.id not in after_lesson
    assert after_lesson == {c.id for c in model.courses() if c.kind == "role"
                            and any(cc.competence.id == competence.id for cc in c.competences)}
    source = project / "competences" / f"{competence.id}.yaml"
    title = competence.title.get()
    source.write_text(source.read_text(encoding="utf-8").replace(title, title + " again", 1), encoding="utf-8")
    assert workshop.id in rebuilt_courses()  # the workshop shows the title


def test_a_unit_package_is_rebuilt_only_when_what_it_reads_changes(minimal, tmp_path, cli):
    out = tmp_path / "out"
    build_json(cli, minimal, out)

    def packages(summary) -> dict[str, dict]:
        return {Path(a["path"]).relative_to(out).as_posix(): a for a in summary["archives"]
                if a["target"] in ("scorm12-units", "scorm2004-units")}

    def files() -> dict[str, tuple[int, int]]:  # which file each package is, and when it was written
        return {p.relative_to(out).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
                for p in sorted(out.glob("scorm*-units/curator/*.zip"))}
    before = files()
    # a lesson title of one competence: that competence's packages only; the others stay the very same files
    source = minimal / "competences" / "comp-b.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("title: The stores", "title: The back stores"),
                      encoding="utf-8")
    summary = build_json(cli, minimal, out)
    rebuilt = sorted(name for name, a in packages(summary).items() if not a["cached"])
    assert rebuilt == ["scorm12-units/curator/comp-b.zip", "scorm2004-units/curator/comp-b.zip"]
    after = files()
    assert [name for name in before if after[name] == before[name]] == [
        "scorm12-units/curator/comp-a.zip", "scorm2004-units/curator/comp-a.zip"]
    assert tree(out) == fresh_tree(minimal, tmp_path, cli)
    # the course's title, which every package's assignment page shows: every package
    role = minimal / "roles" / "curator.yaml"
    role.write_text(role.read_text(encoding="utf-8").replace("title: {en: Curator,", "title: {en: Keeper,"),
                    encoding="utf-8")
    summary = build_json(cli, minimal, out)
    assert not any(a["cached"] for a in packages(summary).values()) and len(packages(summary)) == 4
    assert b"Keeper" in archive_members("x.zip", (out / "scorm12-units" / "curator" / "comp-a.zip").read_bytes())[
        "work/comp-a-assignment.html"]
    assert tree(out) == fresh_tree(minimal, tmp_path, cli)
    # each package counts what it holds: its competence's quiz and its assignment's rubric
    competences = {c.id: c for c in load(minimal).project.competences}
    for name, a in packages(summary).items():
        quiz = competences[Path(name).stem].quiz
        assert (a["quizzes"], a["questions"], a["rubrics"]) == (1, len(quiz.questions), 1)


EDITS = {  # one edit of each kind a designer makes: (file, text before, text after)
    "lesson text": ("content/lessons/comp-a/records.md", "", "\nOne more sentence for this lesson.\n"),
    "question prompt": ("competences/comp-b.yaml", "What does an object record hold?", "What does a record hold?"),
    "rubric level": ("competences/comp-a.yaml", "descriptor: Some facts.", "descriptor: A few facts."),
    "course title": ("roles/curator.yaml", "title: {en: Curator,", "title: {en: Keeper,"),
    "face-to-face date": ("roles/curator.yaml", "date: 2020-01-10", "date: 2020-01-09"),
    "pass threshold": ("content/programmes/mini.yaml", "pass_threshold: 0.8", "pass_threshold: 0.75"),
    "week plan": ("roles/curator.yaml", "  - week: 2\n    competences: [comp-a, comp-b]",
                  "  - week: 2\n    competences: [comp-b, comp-a]"),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_a_rebuild_after_any_edit_is_byte_for_byte_a_build_into_an_empty_folder(minimal, tmp_path, cli, edit):
    """What a rebuild takes from the last build (skipped units, compressed pieces, remembered renders) never
    stands in for what the edit changed."""
    languages = ("--lang", "en", "--lang", "it")
    out = tmp_path / "out"
    build_json(cli, minimal, out, *languages)
    path, before, after = EDITS[edit]
    source = minimal / path
    text = source.read_text(encoding="utf-8")
    assert before in text
    source.write_text(text.replace(before, after, 1) if before else text + after, encoding="utf-8")
    rebuilt = build_json(cli, minimal, out, *languages)
    assert rebuilt["built"] > 0
    assert tree(out) == fresh_tree(minimal, tmp_path, cli, *languages)


def test_value_digests_are_those_of_the_value_however_often_its_picklers_are_reused(minimal):
    """One pickler serves value after value, and a shared object inside a value takes another (re-entrant): the
    digests are those a fresh digester gives, equal for equal values, and an idle pickler keeps nothing alive."""
    from musa.digests import ValueDigests
    from musa.model import Competence, Lesson, Question

    def digester():  # `source` empty: a competence is pickled, with its lessons and questions inside it
        return ValueDigests((Competence, Lesson, Question), source=lambda value: "")

    first, second = load(minimal).project, load(minimal).project
    values = lambda project: [("one", c) for c in project.competences] + [("all", project.competences)]
    reused, fresh = digester(), [digester().of(value) for value in values(first)]
    assert [reused.of(value) for value in values(first)] == fresh
    assert [digester().of(value) for value in values(second)] == fresh  # equal values, other objects
    assert len(set(fresh)) == len(fresh)
    assert len(reused.idle) >= 3  # the value, a competence inside it, a lesson or question inside that
    assert all(p.digests is None and p.root is None and p.sink.digest is None for p in reused.idle)
    gone = weakref.ref(first)
    first = None
    reused.known.clear()
    gc.collect()
    assert gone() is None


def built_then_edited(tmp_path: Path, cli) -> tuple[Path, Path, object, str]:
    """A copy of the real content built serially, then a sentence added to a lesson of the first course's first
    competence: the project, the output folder, the model before the edit and that competence's id."""
    project = copy_sources(tmp_path / "musa")
    out = tmp_path / "out"
    build_json(cli, project, out, "--jobs", "1")
    model = load(project).project
    competence = model.courses()[0].competences[0].competence.id
    lesson = next((project / "content" / "lessons" / competence).glob("*.md"))
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    return project, out, model, competence


def test_a_rebuild_renders_again_only_the_files_an_edit_touches(tmp_path, cli, monkeypatch):
    project, out, _, _ = built_then_edited(tmp_path, cli)
    counts: dict[str, list[int]] = {}
    render = memo.Memo.render

    def counted(self, what, context, make):
        taken = self.taken
        found = render(self, what, context, make)
        counts.setdefault(what, [0, 0])[self.taken > taken] += 1  # [rendered, taken]
        return found
    monkeypatch.setattr(memo.Memo, "render", counted)
    build_json(cli, project, out, "--jobs", "1")
    assert {"MoodleExporter.activity_files", "MoodleExporter.question_categories", "OlxExporter.chapter_files",
            "OlxSourceExporter.chapter_source",
            "ScormExporter.sco_page", "ScormExporter.sheet_page", "MoodlePlanner.lesson_page",
            "MoodlePlanner.question", "MoodlePlanner.assignment_activity", "MoodleExporter.html",
            "MoodleExporter.course_files"} <= set(counts)
    untouched = {"ScormExporter.sheet_page", "MoodleExporter.question_categories",  # the lesson is in none
                 "MoodlePlanner.question", "MoodlePlanner.assignment_activity",
                 "MoodleExporter.course_files"}  # a course's outline: a lesson's title, not its body
    for what, (rendered, taken) in counts.items():  # the lesson's Moodle page, OLX chapter and SCO page
        assert taken > 8 * rendered and (rendered > 0) == (what not in untouched), (what, counts)
    counts.clear()
    build_json(cli, project, tmp_path / "fresh", "--jobs", "1")
    assert all(taken == 0 for _, taken in counts.values()), "a build into an empty folder takes nothing"


def test_a_rebuild_converts_the_markdown_of_the_renders_it_makes_again_only(tmp_path, cli, monkeypatch):
    project, out, model, competence = built_then_edited(tmp_path, cli)
    holding = [course for course in model.courses() if competence in {cc.competence.id for cc in course.competences}]
    bodies = {lesson.body.get("en") for course in holding for cc in course.competences
              for lesson in cc.competence.lessons}
    parsed: list[str] = []
    parse = markdown._parse
    monkeypatch.setattr(markdown, "_parse", lambda text: parsed.append(text) or parse(text))
    assert build_json(cli, project, out, "--jobs", "1")["built"] > 0
    converted = bodies & set(parsed)
    edited = {text for text in parsed if text.endswith("\nOne more sentence.\n")}
    # the edited lesson, and the lessons of the OLX chapter (a week) that holds it; none of the other weeks'
    assert len(edited) == 1 and 0 < len(converted) < len(bodies) / 4, (len(converted), len(bodies))
    assert tree(out) == fresh_tree(project, tmp_path, cli)


def test_a_rebuilt_folder_reads_none_of_the_files_its_unit_wrote_last_time(tmp_path, cli, monkeypatch):
    project = copy_sources(tmp_path / "musa")
    out = tmp_path / "out"
    build_json(cli, project, out, "--jobs", "1", "--target", "olx-source")
    competence = load(project).project.courses()[0].competences[0].competence.id
    lesson = next((project / "content" / "lessons" / competence).glob("*.md"))
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    folders = [str(p) + os.sep for p in (out / "olx-source").iterdir() if p.is_dir()]
    opened = []
    open_file = os.open
    monkeypatch.setattr(os, "open", lambda path, *args, **kw: opened.append(str(path)) or open_file(path, *args, **kw))
    rebuilt = build_json(cli, project, out, "--jobs", "1", "--target", "olx-source")
    monkeypatch.undo()
    assert rebuilt["built"] > 0 and folders
    files = sum(1 for folder in folders for p in Path(folder).rglob("*") if p.is_file())
    read = [path for path in opened if path.startswith(tuple(folders))]
    assert files > 1000 and len(read) < 10, read  # at most an edited file of the same size, read to compare
    assert tree(out) == fresh_tree(project, tmp_path, cli, "--target", "olx-source")


@pytest.mark.parametrize("noted", [None, ("only one",), ({}, 3), ({"olx.tar.gz": 1}, {}), "text"])
def test_a_note_of_another_shape_means_rendering_and_compressing_again(minimal, tmp_path, cli, noted):
    out = tmp_path / "out"
    build_json(cli, minimal, out)
    for index in (out / packs.FOLDER).rglob("curator.en"):
        write_cache(index, packs.KIND, packs.FORMAT, noted)
    (minimal / "competences" / "comp-a.yaml").write_text(
        (minimal / "competences" / "comp-a.yaml").read_text(encoding="utf-8").replace("Some facts.", "A few facts."),
        encoding="utf-8")
    assert build_json(cli, minimal, out)["built"] > 0
    assert tree(out) == fresh_tree(minimal, tmp_path, cli)


def test_a_unit_label_names_its_part_and_reads_back():
    for unit in (building.Unit("olx", "dsm"), building.Unit("moodle-competencies", None, "it"),
                 building.Unit("scorm12-units", "dsm", "en", "dc-5-4"),
                 building.Unit("scorm12-units", "dsm", "el", "tr-2")):
        assert building.Unit.from_label(unit.label) == unit
    assert building.Unit("scorm12-units", "dsm", "el", "tr-2").label == "scorm12-units/dsm:tr-2/el"
    assert [building.Unit.from_label(label) for label in ("olx/dsm:", "olx/:x", "olx", "a/b/c/d")] == [None] * 4


def test_a_rebuild_takes_the_compressed_pieces_that_did_not_change_and_writes_fresh_bytes(tmp_path, cli,
                                                                                          monkeypatch):
    project = copy_sources(tmp_path / "musa")
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    build_json(cli, project, out, "--jobs", "1")
    assert sorted(p.parent.name for p in (out / packs.FOLDER).glob("*/*")) != []
    competence = load(project).project.courses()[0].competences[0].competence.id
    lesson = next((project / "content" / "lessons" / competence).glob("*.md"))
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    counts = {"taken": 0, "compressed": 0}
    take = archive.Reuse.take

    def counted(self, key):  # in the archives whose pieces a unit noted (not the small packages of a part)
        found = take(self, key)
        if self.old is not None:
            counts["taken" if found is not None else "compressed"] += 1
        return found
    monkeypatch.setattr(archive.Reuse, "take", counted)
    build_json(cli, project, out, "--jobs", "1")
    assert counts["taken"] > 20 * counts["compressed"] > 0
    taken = dict(counts)
    build_json(cli, project, fresh, "--jobs", "1", "--force")
    assert counts["taken"] == taken["taken"], "a build into an empty folder, or with --force, takes nothing"
    assert tree(out) == tree(fresh)


def test_deleted_changed_or_foreign_files_are_rebuilt(reference, real_copy, tmp_path, cli):
    build_json(cli, real_copy, tmp_path)
    names = sorted(n for n in reference if n.startswith("olx/"))  # one archive per unit: the unit is the file
    (tmp_path / names[0]).unlink()
    (tmp_path / names[1]).write_bytes(b"edited by hand")
    again = build_json(cli, real_copy, tmp_path)
    assert sorted(a["path"] for a in again["archives"] if not a["cached"]) == \
        sorted(str(tmp_path / n) for n in names[:2])
    assert tree(tmp_path) == reference


def test_archives_are_trusted_by_size_and_times_and_read_again_when_those_change(reference, real_copy, tmp_path,
                                                                                 cli):
    build_json(cli, real_copy, tmp_path)
    names = sorted(n for n in reference if n.startswith("scorm12/"))
    touched, rewritten = tmp_path / names[0], tmp_path / names[1]
    os.utime(touched, ns=(time.time_ns(), time.time_ns() + 10**9))  # new times, same bytes
    data = bytearray(rewritten.read_bytes())
    data[-30] ^= 0xFF  # same size, other bytes
    rewritten.write_bytes(bytes(data))
    again = build_json(cli, real_copy, tmp_path)
    assert [a["path"] for a in again["archives"] if not a["cached"]] == [str(rewritten)]
    assert tree(tmp_path) == reference
    entry = json.loads((tmp_path / building.CACHE_FILE).read_text())["units"]
    recorded = next(iter(entry[f"scorm12/{Path(names[0]).name.split('.')[0]}"]["archives"].values()))
    assert recorded["stat"] == building.stat_signature(touched)  # noted again: not read on the next build


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"format": 1, "units": []}', b'{"format": 1, "units": {"olx/dsm": 3}}'])
def test_a_damaged_cache_means_a_full_build(reference, units, real_copy, tmp_path, cli, damage):
    build_json(cli, real_copy, tmp_path)
    (tmp_path / building.CACHE_FILE).write_bytes(damage)
    assert build_json(cli, real_copy, tmp_path)["built"] == units
    assert tree(tmp_path) == reference


def test_a_rebuild_parses_only_the_markdown_that_changed(tmp_path, cli, monkeypatch):
    project = copy_sources(tmp_path / "musa")
    out = tmp_path / "out"
    build_json(cli, project, out, "--jobs", "2")  # the workers hand back what they parsed
    lesson = sorted((project / "content" / "lessons").glob("*/*.md"))[0]
    before = lesson.read_text(encoding="utf-8")
    assert before in markdowncache.read(out).parsed
    lesson.write_text(before + "\nOne more sentence for this lesson.\n", encoding="utf-8")
    parsed = []
    parse = markdown._RENDERER.render
    monkeypatch.setattr(markdown._RENDERER, "render", lambda text: parsed.append(text) or parse(text))
    assert build_json(cli, project, out, "--jobs", "1")["built"] > 0
    assert parsed == [lesson.read_text(encoding="utf-8")]
    kept = markdowncache.read(out).parsed
    assert lesson.read_text(encoding="utf-8") in kept and before in kept  # a rebuild keeps what it did not use
    monkeypatch.setattr(markdown._RENDERER, "render", parse)
    build_json(cli, project, tmp_path / "fresh", "--force")
    assert tree(out) == tree(tmp_path / "fresh")


def test_the_markdown_cache_drops_the_oldest_texts_beyond_twice_the_live_set(minimal, tmp_path, cli, monkeypatch):
    monkeypatch.setattr(markdowncache, "FLOOR", 0)
    build_json(cli, minimal, tmp_path / "out")
    live = markdowncache.read(tmp_path / "out").live
    assert live == markdowncache.size(markdowncache.read(tmp_path / "out").parsed) > 0
    lesson = sorted((minimal / "content" / "lessons").glob("*/*.md"))[0]
    original = lesson.read_text(encoding="utf-8")
    versions = []
    for edit in range(12):  # each edit leaves a longer earlier version behind
        versions.append(original + f"\nEdit {edit}: " + "words " * (live // 40) + "\n")
        lesson.write_text(versions[-1], encoding="utf-8")
        assert build_json(cli, minimal, tmp_path / "out")["skipped"] > 0
        cached = markdowncache.read(tmp_path / "out")
        assert cached.live == live and markdowncache.size(cached.parsed) <= 2 * live
        assert versions[-1] in cached.parsed  # the text just parsed stays
    assert versions[0] not in cached.parsed and original not in cached.parsed
    build_json(cli, minimal, tmp_path / "fresh", "--force")
    assert tree(tmp_path / "out") == tree(tmp_path / "fresh")


@pytest.mark.parametrize("damage", ["bytes", "foreign"])
def test_a_damaged_or_foreign_markdown_cache_is_not_used(reference, real_copy, tmp_path, cli, damage):
    build_json(cli, real_copy, tmp_path)
    cached = tmp_path / markdowncache.FILE
    texts = markdowncache.read(tmp_path).parsed
    assert texts
    cached.write_bytes(b"\x80garbage" if damage == "bytes" else
                       pickle.dumps((("written by other code",), ({text: "<p>not this</p>" for text in texts}, 1))))
    (tmp_path / building.CACHE_FILE).unlink()  # every unit and every render again, with that cache at hand
    shutil.rmtree(tmp_path / packs.FOLDER)
    build_json(cli, real_copy, tmp_path)
    assert tree(tmp_path) == reference
    assert markdowncache.read(tmp_path).parsed == texts


def test_key_covers_archive_time_code_libraries_and_templates(reference, units, real_copy, tmp_path, cli, monkeypatch):
    build_json(cli, real_copy, tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")
    assert build_json(cli, real_copy, tmp_path)["built"] == units
    monkeypatch.setattr(building, "templates_digest", lambda folders: "another template tree")
    assert build_json(cli, real_copy, tmp_path)["built"] == units
    monkeypatch.setattr(building, "code_digest", lambda: "another version of the code")
    assert build_json(cli, real_copy, tmp_path)["built"] == units
    monkeypatch.setattr(building, "libraries_digest", lambda: "markdown-it-py==99")
    assert build_json(cli, real_copy, tmp_path)["built"] == units
    assert build_json(cli, real_copy, tmp_path, "--force")["built"] == units


def test_a_project_wide_target_is_one_unit(minimal, tmp_path, cli, monkeypatch):
    class Whole(Exporter):
        """Stands in for a target that writes one file for the whole project."""
        name, suffix = "whole-project-test", ".zip"

        def render(self):
            members = {f"{c.id}.txt": str(c.title).encode() for c in self.project.courses()}
            return {self.out / self.name / "project.zip": archive.archive_bytes("project.zip", members)}
    monkeypatch.setitem(REGISTRY, Whole.name, Whole)
    first = build_json(cli, minimal, tmp_path, "--target", Whole.name, "--jobs", "2")
    assert [(a["course"], Path(a["path"]).name, a["cached"]) for a in first["archives"]] == [("*", "project.zip", False)]
    assert build_json(cli, minimal, tmp_path, "--target", Whole.name)["skipped"] == 1



# Archives no longer built.

def rename_course(project: Path, old: str, new: str) -> None:
    """Give the minimal project's role course another id (its file, its id, the programme's list)."""
    role = project / "roles" / f"{old}.yaml"
    text = role.read_text(encoding="utf-8").replace(f"id: {old}\n", f"id: {new}\n")
    (project / "roles" / f"{new}.yaml").write_text(text, encoding="utf-8")
    role.unlink()
    programme = project / "content" / "programmes" / "mini.yaml"
    programme.write_text(programme.read_text(encoding="utf-8").replace(f"courses: [{old}]", f"courses: [{new}]"),
                         encoding="utf-8")


def swap_competence(project: Path, old: str, new: str) -> None:
    """Teach the minimal project's course a copy of competence `old` under the id `new` in its place."""
    source = (project / "competences" / f"{old}.yaml").read_text(encoding="utf-8")
    (project / "competences" / f"{new}.yaml").write_text(source.replace(f"id: {old}\n", f"id: {new}\n"),
                                                          encoding="utf-8")
    role = project / "roles" / "curator.yaml"
    role.write_text(role.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def fresh_tree(project: Path, tmp_path: Path, cli, *args: str) -> dict[str, bytes]:
    out = tmp_path / "fresh"
    shutil.rmtree(out, ignore_errors=True)
    build_json(cli, project, out, *args)
    return tree(out)


def test_archives_no_longer_built_are_removed_and_the_folder_is_a_fresh_build_s(minimal, tmp_path, cli):
    out = tmp_path / "out"
    first = build_json(cli, minimal, out)
    assert first["removed"] == []
    (out / "moodle" / "notes.txt").write_text("put here by hand")
    rename_course(minimal, "curator", "keeper")
    second = build_json(cli, minimal, out)
    gone = {str(path.relative_to(out)) for path in map(Path, second["removed"])}
    assert gone == {str(Path(a["path"]).relative_to(out)) for a in first["archives"] if a["course"] == "curator"}
    assert not any("curator" in name for name in tree(out)) and (out / "scorm12-units").is_dir()
    assert not (out / "scorm12-units" / "curator").exists()  # the course's folder of unit packages too
    assert tree(out) == {**fresh_tree(minimal, tmp_path, cli), "moodle/notes.txt": b"put here by hand"}
    assert not [p for p in (out / packs.FOLDER).rglob("curator.*")]  # the notes of the units that are gone
    cache = json.loads((out / building.CACHE_FILE).read_text())["units"]
    assert not [label for label in cache if "/curator" in label]
    third = build_json(cli, minimal, out)
    assert third["removed"] == [] and third["built"] == 0
    rename_course(minimal, "keeper", "curator")
    lines = table_lines(building.build(load(minimal).project, out, list(targets())), out)  # the table on a terminal
    assert f"removed (no longer built): {Path('moodle', 'keeper.mbz')}" in lines
    assert lines[-1].endswith(f", {len(gone)} removed")


def test_a_competence_replaced_in_a_course_takes_its_unit_packages_with_it(minimal, tmp_path, cli):
    out = tmp_path / "out"
    build_json(cli, minimal, out)
    units = sorted(p.name for p in (out / "scorm2004-units" / "curator").iterdir())
    assert units == ["comp-a.zip", "comp-b.zip"]
    swap_competence(minimal, "comp-b", "comp-c")
    summary = build_json(cli, minimal, out)
    assert sorted(Path(p).relative_to(out).as_posix() for p in summary["removed"]) == [
        "scorm12-units/curator/comp-b.zip", "scorm2004-units/curator/comp-b.zip"]
    assert sorted(p.name for p in (out / "scorm2004-units" / "curator").iterdir()) == ["comp-a.zip", "comp-c.zip"]
    assert tree(out) == fresh_tree(minimal, tmp_path, cli)


def test_only_the_targets_and_languages_built_lose_their_old_archives(minimal, tmp_path, cli):
    out = tmp_path / "out"
    build_json(cli, minimal, out, "--lang", "en", "--lang", "it")
    before = tree(out)
    rename_course(minimal, "curator", "keeper")
    summary = build_json(cli, minimal, out, "--target", "moodle", "--lang", "en")
    assert [Path(p).relative_to(out).as_posix() for p in summary["removed"]] == ["moodle/curator.mbz"]
    after = tree(out)
    assert {name for name in before if name not in after} == {"moodle/curator.mbz"}
    assert "moodle/curator-it.mbz" in after and "olx/curator.tar.gz" in after
    # building every target and language later removes the rest
    rest = build_json(cli, minimal, out, "--lang", "en", "--lang", "it")
    removed = {Path(p).relative_to(out).as_posix() for p in rest["removed"]}
    assert {"moodle/curator-it.mbz", "olx/curator.tar.gz"} <= removed and "moodle/curator.mbz" not in removed
    assert tree(out) == fresh_tree(minimal, tmp_path, cli, "--lang", "en", "--lang", "it")


def test_an_archive_s_name_in_the_cache_is_its_path_relative_to_the_output_folder(tmp_path):
    out = tmp_path / "build"
    for path in (out / "moodle" / "curator.mbz", out / "scorm12-units" / "curator" / "dc-1-1.zip",
                 out / "olx-source" / "curator"):
        assert building.relative_name(out, path) == path.relative_to(out).as_posix()
    with pytest.raises(ValueError):  # a folder whose name starts with the output folder's is not inside it
        building.relative_name(out, tmp_path / "buildings" / "x.zip")


def test_a_failed_build_removes_nothing(minimal, tmp_path, cli, monkeypatch):
    out = tmp_path / "out"
    build_json(cli, minimal, out)
    before, cache = tree(out), (out / building.CACHE_FILE).read_bytes()
    rename_course(minimal, "curator", "keeper")
    original = Exporter.render_unit

    def failing(self, course, part=None):
        if self.name == "olx":
            raise RuntimeError("injected failure")
        return original(self, course, part)
    monkeypatch.setattr(Exporter, "render_unit", failing)
    result = cli("--project", minimal, "build", "--out", out, "--jobs", "1")
    assert result.code == 3 and "injected failure" in result.err
    assert tree(out) == before and (out / building.CACHE_FILE).read_bytes() == cache


def test_a_damaged_cache_names_nothing_outside_the_target_s_folder(minimal, tmp_path, cli):
    out = tmp_path / "out"
    build_json(cli, minimal, out)
    precious = tmp_path / "precious.txt"
    precious.write_text("keep")
    (out / "olx" / "keep.txt").write_text("keep")
    data = json.loads((out / building.CACHE_FILE).read_text())
    data["units"]["olx/gone"] = {"key": "x", "archives": {name: {"digest": "x", "size": 1} for name in (
        "../precious.txt", str(precious), "moodle/curator.mbz", "olx", "olx/../olx/keep.txt")}}
    (out / building.CACHE_FILE).write_text(json.dumps(data))
    summary = build_json(cli, minimal, out)
    assert summary["removed"] == [] and precious.exists() and (out / "olx" / "keep.txt").exists()
    assert (out / "moodle" / "curator.mbz").exists()



def test_a_second_build_into_the_same_folder_waits_for_the_first(minimal, tmp_path):
    fcntl = pytest.importorskip("fcntl")
    out = tmp_path / "out"
    out.mkdir()
    lines: queue.Queue[str] = queue.Queue()
    with open(out / building.LOCK_FILE, "a+") as held:  # this test process stands in for the first build
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("4242")
        held.flush()
        second = subprocess.Popen([sys.executable, "-m", "musa", "--project", str(minimal), "build", "--out", str(out),
                                   "--target", "moodle"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        threading.Thread(target=lambda: [*map(lines.put, second.stderr), lines.put("(ended)")], daemon=True).start()
        try:
            told = lines.get(timeout=60)
        except queue.Empty:
            second.kill()
            raise
        assert told == f"waiting for another build into {out} (process 4242) to finish\n"
        time.sleep(0.5)
        assert second.poll() is None and not (out / "moodle").exists()
    assert second.wait(timeout=120) == 0 and (out / "moodle" / "curator.mbz").is_file()
    assert (out / building.LOCK_FILE).read_text() == str(second.pid)


# Failures and interruptions.

@pytest.fixture
def previous(real_copy, tmp_path, cli, monkeypatch) -> tuple[Path, dict[str, bytes]]:
    """A folder holding an earlier build made with another archive time, so every archive would change."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1500000000")
    build_json(cli, real_copy, tmp_path)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    return tmp_path, tree(tmp_path)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_unit_failing_mid_build_writes_nothing(previous, real_copy, cli, monkeypatch, jobs):
    out, before = previous
    cache = (out / building.CACHE_FILE).read_bytes()
    courses = load(real_copy).project.courses()
    original = Exporter.render_unit

    def failing(self, course, part=None):
        if course is not None and course.id == courses[len(courses) // 2].id:
            raise RuntimeError("injected failure")
        return original(self, course, part)
    monkeypatch.setattr(Exporter, "render_unit", failing)
    result = cli("--project", real_copy, "build", "--out", out, "--jobs", jobs)
    assert result.code == 3 and "injected failure" in result.err
    assert tree(out) == before and leftovers(out) == []
    assert (out / building.CACHE_FILE).read_bytes() == cache


def test_a_failure_while_staging_replaces_nothing(previous, real_copy, cli, monkeypatch):
    out, before = previous
    original, calls = archive.stage, []

    def disk_full(path, data, *rest, **options):
        if packs.FOLDER in path.parts:  # a cache, not an archive
            return original(path, data, *rest, **options)
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device (injected)")
        return original(path, data, *rest, **options)
    monkeypatch.setattr(archive, "stage", disk_full)
    result = cli("--project", real_copy, "build", "--out", out, "--jobs", "1")
    assert result.code == 4 and result.err == f"Error: cannot write into {out}: No space left on device (injected)\n"
    assert tree(out) == before and leftovers(out) == []


PAUSED_BUILD = """
import os, sys, time
from musa import archive, packs
where, count = sys.argv[1], int(sys.argv[2])
seen = []
if where == "staging":
    def stage(path, data, *rest, **options):
        if packs.FOLDER in path.parts:  # a cache, not an archive
            return original(path, data, *rest, **options)
        seen.append(path)
        if len(seen) == count:  # half an archive on disk, then wait to be killed
            with open(archive.temporary_name(path), "wb") as handle:
                handle.write(data[: len(data) // 2]); handle.flush()
            open(sys.argv[3], "w").close(); time.sleep(60)
        return original(path, data, *rest, **options)
    original = archive.stage; archive.stage = stage
else:
    def replace(src, dst):
        if packs.FOLDER in os.fspath(dst):  # a cache, not an archive
            return original(src, dst)
        seen.append(dst)
        if len(seen) == count:
            open(sys.argv[3], "w").close(); time.sleep(60)
        return original(src, dst)
    original = os.replace; archive.os = type(os)("os"); archive.os.__dict__.update(os.__dict__); archive.os.replace = replace
from musa.cli import run
sys.exit(run(sys.argv[4:]))
"""


@pytest.mark.parametrize("where", ["staging", "renaming"])
def test_sigkill_mid_write_leaves_no_partial_archive(previous, real_copy, reference, tmp_path_factory, where):
    out, before = previous
    ready = tmp_path_factory.mktemp("signal") / "ready"
    process = subprocess.Popen([sys.executable, "-c", PAUSED_BUILD, where, "3", str(ready),
                                "--project", str(real_copy), "build", "--out", str(out), "--jobs", "1"],
                               cwd=ROOT, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    after = tree(out)
    assert set(after) == set(before)
    for name, data in after.items():
        assert data in (before[name], reference[name]), f"{name}: neither the earlier nor the new archive"
        assert archive_members(name, data)
    changed = sorted(n for n in after if after[n] != before[n])
    assert changed == ([] if where == "staging" else sorted(sorted(before, key=lambda n: Path(n).parts)[:2]))
    if where == "staging":
        # two staged archives and a half-written one, under hidden names only (and folders staged whole)
        assert len(leftovers(out, files_only=True)) == 3
    again = subprocess.run([sys.executable, "-m", "musa", "--project", str(real_copy), "build", "--out", str(out)],
                           capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert tree(out) == reference and leftovers(out) == []


def processes_building_into(out: Path) -> list[int]:
    """Processes (a build and its workers) whose command line names `out`."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and str(out).encode() in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def test_killed_at_random_moments_every_archive_is_whole(previous, real_copy, reference):
    out, before = previous
    for delay in (0.3, 0.6, 0.9, 1.2):
        process = subprocess.Popen([sys.executable, "-m", "musa", "--project", str(real_copy), "build",
                                    "--out", str(out), "--force", "--jobs", "2"], stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        for name, data in tree(out).items():
            assert data in (before[name], reference[name]), f"{name} after a kill at {delay} s"
        # its worker processes end too, instead of waiting forever to hand their results to nobody
        deadline = time.monotonic() + 10
        while processes_building_into(out) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert processes_building_into(out) == []
    assert hashlib.sha256(b"".join(tree(out).values())).digest()  # every archive read back whole


# What a person sees.

class Terminal(io.StringIO):
    """Stands in for a terminal: a text stream that says it is one."""

    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_and_silence_elsewhere(minimal, tmp_path):
    model = load(minimal).project
    for stream, shown in ((Terminal(), True), (io.StringIO(), False)):
        progress = Progress(stream)
        building.build(model, tmp_path / str(shown), list(targets()), jobs=1, progress=progress.update)
        progress.finish()
        text = stream.getvalue()
        assert ("[1/" in text and "built olx/curator" in text and text.endswith("\r\x1b[K")) == shown
        assert text == "" or shown


def test_table_lists_every_archive_with_its_contents(minimal, tmp_path, cli):
    outcome = building.build(load(minimal).project, tmp_path, ["olx"], jobs=1)
    header, rule, *rows, total = table_lines(outcome, tmp_path)
    assert header.split() == ["course", "target", "archive", "size", "quizzes", "questions", "rubrics"]
    assert set(rule) <= {"-", " "}
    assert [row.split()[:3] for row in rows] == [["curator", "olx", "olx/curator.tar.gz"]]
    assert rows[0].split()[-3:] == ["2", "12", "3"]  # 2 competence quizzes of 6 questions; 2 rubrics + logbook
    assert total.startswith("1 archives, ") and total.endswith("1 built, 0 up to date")
    again = cli("--project", minimal, "build", "--out", tmp_path)
    assert (again.code, again.out, again.err) == (0, "", "")  # not a terminal: quiet
    summary = json.loads(cli("--project", minimal, "build", "--out", tmp_path, "--json").out)
    olx = next(a for a in summary["archives"] if a["target"] == "olx")
    assert olx | {"path": ""} == {"course": "curator", "target": "olx", "path": "",
                                  "size": olx["size"], "quizzes": 2, "questions": 12, "rubrics": 3, "cached": True}
