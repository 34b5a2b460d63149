"""The olx-source target: olx-utils' own CLI turns each source tree into the same course as the direct OLX build.

For every course: `olx new-run RUN START END` and `olx archive` (olx-utils' real command line, run as a
subprocess in a copy of the tree), then both archives are parsed block by block and compared, and the olx-utils
archive goes through every check of `musa-build validate`.
"""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
import sys
import tarfile
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from conftest import PROJECTS, copy_project, require_tool
from musa.cli import run
from musa.exporters import targets
from musa.exporters.olx import run_name
from musa.exporters.olx_source import RENDERED_BY_OLX_UTILS, mako_source, rendered_by_olx_utils
from musa.project import load
from musa.validate.olx import validate_archive

ROOT = Path(__file__).resolve().parent.parent
COURSES = ("dsm", "dcc", "died", "occm", "traces-mmex", "traces-storytelling", "traces-innovation")
PROJECTS_MINIMAL = PROJECTS / "minimal"
POINTING = {"course": "chapter", "chapter": "sequential", "sequential": "vertical", "vertical": None}


def build_both(project: Path, out: Path) -> Path:
    assert run(["--project", str(project), "build", "--target", "olx", "--target", "olx-source",
                "--out", str(out)]) == 0
    return out


def olx(*args: str, cwd: Path) -> None:
    """olx-utils' own command line (`olx …`), in `cwd`."""
    done = subprocess.run([sys.executable, "-m", "olxutils", *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def olx_utils_archive(tree: Path, work: Path, run_id: str, start: datetime.date, end: datetime.date) -> Path:
    """A copy of `tree` made into a run and archived by olx-utils."""
    checkout = work / "checkout"
    shutil.copytree(tree, checkout)
    olx("new-run", run_id, start.isoformat(), end.isoformat(), cwd=checkout)
    olx("archive", "--base-name", str(work / "olx-utils"), cwd=checkout)
    return work / "olx-utils.tar.gz"


def unpack(archive: Path, dest: Path) -> Path:
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(dest, filter="data")
    return dest / "course"


def blocks(root: Path) -> dict[str, tuple]:
    """Every block of an extracted course by url_name: (type, attributes, children, content).

    A course written inline in course.xml and one behind a pointer give the same course block.
    """
    found: dict[str, tuple] = {}
    pointer = etree.parse(str(root / "course.xml")).getroot()
    course = pointer if len(pointer) else etree.parse(str(root / "course" / f"{pointer.get('url_name')}.xml")).getroot()
    attributes = {**dict(course.attrib), **dict(pointer.attrib)}

    def visit(tag: str, name: str, element, attrs: dict) -> None:
        assert name not in found, name
        children, content = [], None
        if tag in POINTING:
            for child in element:
                if child.tag == "openassessment":  # written inline in its vertical
                    found[child.get("url_name")] = ("openassessment", {}, (), etree.tostring(child, method="c14n"))
                    children.append(("openassessment", child.get("url_name")))
                    continue
                child_name = child.get("url_name")
                children.append((child.tag, child_name))
                definition = etree.parse(str(root / child.tag / f"{child_name}.xml")).getroot()
                visit(child.tag, child_name, definition, dict(definition.attrib))
        elif tag == "html":
            content = (root / "html" / f"{element.get('filename')}.html").read_text(encoding="utf-8")
        else:
            content = etree.tostring(element, method="c14n")
        found[name] = (tag, {k: v for k, v in attrs.items() if k != "url_name"}, tuple(children), content)

    visit("course", attributes["url_name"], course, attributes)
    run_id = attributes["url_name"]
    found["policies"] = ("policies", {}, (), tuple(
        json.loads((root / "policies" / run_id / name).read_text()) for name in ("policy.json", "grading_policy.json")))
    found["files"] = ("files", {}, (), tuple(sorted(
        (path.relative_to(root).as_posix(), path.read_bytes()) for folder in ("about", "static")
        for path in (root / folder).rglob("*") if path.is_file())))
    return found


@pytest.fixture(scope="module")
def project():
    return load(ROOT).project


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_both(ROOT, tmp_path_factory.mktemp("both"))



@pytest.mark.parametrize("course_id", COURSES)
def test_olx_utils_run_equals_the_direct_build(built, project, course_id, tmp_path):
    course = project.course(course_id)
    archive = olx_utils_archive(built / "olx-source" / course_id, tmp_path, run_name(course), course.start, course.end)
    direct = blocks(unpack(built / "olx" / f"{course_id}.tar.gz", tmp_path / "direct"))
    made = blocks(unpack(archive, tmp_path / "made"))
    assert sorted(made) == sorted(direct)  # the same url_names
    for name, block in direct.items():
        assert made[name] == block, name  # the same type, attributes, children and content
    counts = Counter(block[0] for block in made.values())
    assert counts["chapter"] == (len(course.weeks) if course.kind == "role" else len(course.days))
    assert counts["openassessment"] == len(course.assignments()) + (1 if course.placement else 0)
    print(f"{course_id}: {len(made) - 2} blocks match: {dict(sorted(counts.items()))}")


@pytest.mark.parametrize("course_id", COURSES)
def test_olx_utils_archive_passes_every_check(built, project, course_id, tmp_path):
    require_tool("olxcleaner")
    require_tool("openassessment")
    course = project.course(course_id)
    archive = olx_utils_archive(built / "olx-source" / course_id, tmp_path, run_name(course), course.start, course.end)
    report = validate_archive(archive)
    assert report.unavailable == []
    assert [p.format() for p in report.problems] == []
    assert report.counts == validate_archive(built / "olx" / f"{course_id}.tar.gz").counts


def test_a_new_run_moves_every_date_by_the_same_offset(built, project, tmp_path):
    require_tool("olxcleaner")
    course = project.course("dsm")
    shift = datetime.timedelta(days=7 * 313)  # whole weeks: the run starts on the same weekday
    archive = olx_utils_archive(built / "olx-source" / "dsm", tmp_path, "2025-autumn",
                                course.start + shift, course.end + shift)
    assert [p.format() for p in validate_archive(archive).problems] == []
    direct = blocks(unpack(built / "olx" / "dsm.tar.gz", tmp_path / "direct"))
    moved = blocks(unpack(archive, tmp_path / "made"))
    assert moved["2025-autumn"][1]["start"] == f"{(course.start + shift).isoformat()}T00:00:00Z"
    compared = 0
    for name, (tag, attrs, _, content) in direct.items():
        for key in ("due", "start", "end"):
            if key in attrs and name != run_name(course):
                old = datetime.datetime.fromisoformat(attrs[key].replace("Z", "+00:00"))
                assert moved[name][1][key] == (old + shift).strftime("%Y-%m-%dT%H:%M:%SZ"), name
                compared += 1
        if tag == "openassessment":
            old, new = etree.fromstring(content), etree.fromstring(moved[name][3])
            for key in ("submission_start", "submission_due"):
                before = datetime.datetime.fromisoformat(old.get(key).replace("Z", "+00:00"))
                assert new.get(key) == (before + shift).strftime("%Y-%m-%dT%H:%M:%SZ"), name
                compared += 1
    first_week = "week-01-overview-page"
    assert (course.start + shift).isoformat() in moved[first_week][3]
    assert moved["policies"][3][0] == {"course/2025-autumn": direct["policies"][3][0][f"course/{run_name(course)}"]}
    assert compared > 50


HAZARDS = """

Text that looks like a template must stay text: ${run_name} and ${1/0} and <%text> and <%include file="x"/>.
% if this line were Mako, it would vanish
## nor would this line survive as a Mako comment
a line ending in a backslash \\
%% and two per cent signs

```
${start_date}
% endif
## comment
</%text> closes nothing
<%! import os %>
line with a backslash at its end \\
```
"""


def test_the_files_olx_utils_renders_are_those_of_the_installed_olx_utils():
    from olxutils.templates import OLXTemplates
    assert list(RENDERED_BY_OLX_UTILS) == [tuple(entry) for entry in OLXTemplates.OLX_DIRS]


def test_the_files_taken_as_mako_templates_are_those_olx_utils_renders(tmp_path, monkeypatch):
    from olxutils.templates import OLXTemplates
    names = ["course.xml", "course.xml.bak", "about/overview.html", "about/overview.htm", "about/x/deep.html",
             "html/a.html", "html/a.xml", "html/a.md", "problem/p.xml", "problem/p.html", "static/markdown/n.md",
             "static/markdown/sub/n.md", "static/markdown/n.html", "static/presentation/s.html", "static/logo.png",
             "static/about/x.html", "policies/_base/policy.json", "policies/_base/x.xml", "tabs/t.xml",
             "video/v.xml", "vertical/v.xml", "sequential/s.xml", "chapter/c.xml", "discussion/d.xml",
             "info/i.html", "course/run.xml", "chapterx/c.xml", "chapter.xml", "html.html", "about/.html"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    monkeypatch.chdir(tmp_path)
    finder = OLXTemplates.__new__(OLXTemplates)
    rendered = {"course.xml"} | {Path(found).as_posix() for folder, suffix in OLXTemplates.OLX_DIRS
                                 for found in finder._find_templates(folder, suffix)}
    assert {name for name in names if rendered_by_olx_utils(name)} == rendered


def test_a_chapter_whose_files_name_a_date_the_plan_did_not_stops_the_build(tmp_path, monkeypatch):
    """A chapter's converted files are remembered with the run's date expressions: a chapter file that asked for
    a new date would hold a number the key does not cover, so the build stops, naming the chapter."""
    from musa.exporters.olx import OlxExporter
    project = load(copy_project("minimal", tmp_path)).project
    exporter = targets()["olx-source"](project, tmp_path / "out", "en", None)
    course = project.courses()[0]
    exporter.members(course)  # as planned: every date named before any chapter is rendered
    chapter_files = OlxExporter.chapter_files
    monkeypatch.setattr(OlxExporter, "chapter_files", lambda self, chapter: {
        **chapter_files(self, chapter), "html/late.html": self.when.day(course.end).encode()})
    with pytest.raises(ValueError, match=r"^chapter week-01: its files depend on a date the course plan did not"):
        exporter.members(course)


def test_a_build_does_not_import_mako():
    """The build command's imports (olx-utils, Mako and Pygments took 38 ms, some 7 % of a rebuild command)."""
    code = "import sys, musa.cli, musa.build; from musa.exporters import targets; targets(); " \
           "print(sorted(m for m in sys.modules if m.split('.')[0] in ('mako', 'pygments', 'olxutils')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_course_text_that_looks_like_mako_stays_text(tmp_path):
    project = copy_project("minimal", tmp_path)
    lesson = project / "content" / "lessons" / "comp-a" / "records.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + HAZARDS, encoding="utf-8")
    title = project / "competences" / "comp-a.yaml"
    title.write_text(title.read_text(encoding="utf-8").replace(
        "title: Object records", "title: 'Records in ${run_name} and % and ## here'"), encoding="utf-8")
    out = build_both(project, tmp_path / "out")
    course = load(project).project.courses()[0]
    archive = olx_utils_archive(out / "olx-source" / course.id, tmp_path, run_name(course), course.start, course.end)
    direct = blocks(unpack(out / "olx" / f"{course.id}.tar.gz", tmp_path / "direct"))
    made = blocks(unpack(archive, tmp_path / "made"))
    page = next(name for name in direct if name.endswith("-records-page"))
    html = direct[page][3]
    lines = html.splitlines()
    assert "${run_name}" in html and any(line.startswith("% ") for line in lines)
    assert any(line.startswith("## ") for line in lines) and any(line.endswith("\\") for line in lines)
    assert made[page] == direct[page]
    assert direct[page][1]["display_name"] == "Records in ${run_name} and % and ## here"
    assert made == direct


@pytest.mark.parametrize("text", ["", "plain", "</%text>", "a</%text>b</%text>", "${x}\n% y\n## z\\\n<%doc>",
                                  "<%text>inner</%text>"])
def test_mako_source_renders_back_to_the_text(text):
    from mako.template import Template
    assert Template(mako_source(text, [])).render_unicode() == text


def test_a_pointer_with_extra_attributes_is_still_refused(built, tmp_path):
    from musa.archive import archive_bytes
    with tarfile.open(built / "olx" / "dsm.tar.gz", "r:gz") as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    files["course/course.xml"] = b'<course url_name="2019-09" org="MuSA" course="DSM" display_name="x"/>'
    broken = tmp_path / "dsm.tar.gz"
    broken.write_bytes(archive_bytes(broken.name, files))
    assert any(p.file == "course/course.xml" and "exactly those attributes" in p.message
               for p in validate_archive(broken).problems)


def test_source_tree_holds_only_what_olx_archive_copies(built):
    """`olx archive` copies course.xml and a fixed list of folders (olxutils/archive.py); nothing else may matter."""
    copied = {"about", "chapter", "html", "info", "policies", "sequential", "static", "assets", "conditional",
              "course", "drafts", "library_content", "markdown", "problem", "split_test", "tabs", "vertical", "video"}
    for tree in (built / "olx-source").iterdir():
        assert {path.name for path in tree.iterdir()} - {"course.xml"} <= copied, tree
        assert sorted(path.name for path in (tree / "policies").iterdir()) == ["_base", "assets.json"]


def test_a_second_build_replaces_each_tree_whole(tmp_path):
    out = build_both(PROJECTS_MINIMAL, tmp_path)
    tree = next((out / "olx-source").iterdir())
    stray = tree / "html" / "stray.html"
    stray.write_text("left over")
    before = sorted(p.relative_to(tree) for p in tree.rglob("*"))
    build_both(PROJECTS_MINIMAL, tmp_path)
    assert not stray.exists()
    assert sorted(p.relative_to(tree) for p in tree.rglob("*")) == [p for p in before if p.name != "stray.html"]
    assert [p.name for p in (out / "olx-source").iterdir() if p.name.startswith(".")] == []
