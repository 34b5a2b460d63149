"""Packages in Open edX's SCORM block (openedx-scorm-xblock), run in headless Chromium.

The block is the one an Open edX operator installs. Its Studio handler takes the zip, finds the manifest, the SCORM
version and the page to launch, and extracts the files. Its JavaScript gives the SCO the SCORM 1.2 or 2004 API. Its
handlers keep the learner's values and publish the grade. It runs in the XBlock SDK's workbench, the XBlock runtime
Open edX ships for developing blocks, as a Django server in a process of its own on 127.0.0.1
(tests/openedx_workbench says where the workbench is adapted to behave as the LMS does). The package is uploaded as
Studio's editor sends it; the learner works in the block's page with the keyboard; the test then reads what the block
kept through its own handler, the page it renders, and the grade events it published.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import requests
from lxml import etree, html

from conftest import ROOT, require_tool
from sco_learner import QUESTIONS, answer

HOST = Path(__file__).resolve().parent  # holds the openedx_workbench package
VERSIONS = {"scorm12": "SCORM_12", "scorm2004": "SCORM_2004"}  # the block's name for each target's version
BLOCKS = 24  # SCORM blocks the workbench makes; each test that runs a learner takes a fresh one


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> Path:
    """The real content's packages: one per unit for both versions, and the course packages."""
    from musa.cli import run
    out = tmp_path_factory.mktemp("build")
    targets = [arg for target in VERSIONS for arg in ("--target", target, "--target", f"{target}-units")]
    assert run(["--project", str(ROOT), "build", "--out", str(out), *targets]) == 0
    return out


class Workbench:
    """The workbench server: fills a block with a package as Studio does, and reads what a block kept."""

    def __init__(self, base: str, events: Path):
        self.base, self.events, self.blocks = base, events, itertools.count()
        self.session = requests.Session()
        self.session.get(f"{base}/scenario/scorm-0/").raise_for_status()  # Django's CSRF cookie

    def fresh_block(self) -> int:
        block = next(self.blocks)
        if block >= BLOCKS:
            raise AssertionError(f"the workbench has {BLOCKS} SCORM blocks; raise BLOCKS")
        return block

    def url(self, block: int, handler: str) -> str:
        return f"{self.base}/handler/scorm-{block}.scorm.d0.u0/{handler}/"

    def post(self, block: int, handler: str, **kwargs):
        token = {"X-CSRFToken": self.session.cookies["csrftoken"]}
        response = self.session.post(self.url(block, handler), headers=token, **kwargs)
        response.raise_for_status()
        return response

    def upload(self, block: int, package: Path, scored: bool = True) -> dict:
        """What the block's editor in Studio sends (studio.js): its settings and the zip, to `studio_submit`."""
        fields = {"display_name": package.stem, "width": "", "height": "", "has_score": "1" if scored else "0",
                  "enable_navigation_menu": "0", "enable_fullscreen_button": "0", "navigation_menu_width": "",
                  "weight": "1", "popup_on_launch": "0"}
        with package.open("rb") as zipped:
            return self.post(block, "studio_submit", data=fields,
                             files={"file": (package.name, zipped, "application/zip")}).json()

    def page(self, block: int, view: str = "student_view") -> html.HtmlElement:
        response = self.session.get(f"{self.base}/scenario/scorm-{block}/{view}/")
        response.raise_for_status()
        return html.fromstring(response.text)

    def value(self, block: int, name: str):
        """A value as the block gives it to its own page (its `scorm_get_value` handler)."""
        return self.post(block, "scorm_get_value", data=json.dumps({"name": name, "url": self.base})).json()["value"]

    def grades(self, block: int) -> list[dict]:
        """The grade events the block published, in order (the host app keeps each event as one JSON line)."""
        usage = f"scorm-{block}.scorm.d0.u0"
        kept = self.events.read_text(encoding="utf-8") if self.events.exists() else ""
        events = [json.loads(line) for line in kept.split("\n")[:-1]]  # whole lines: one being written has no end
        return [event["data"] for event in events
                if event["type"] == "grade" and event["block_type"] == "scorm" and event["usage_id"] == usage]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def workbench(tmp_path_factory):
    require_tool("openedxscorm")
    require_tool("workbench")
    folder = tmp_path_factory.mktemp("workbench")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "openedx_workbench.settings", "PYTHONPATH": str(HOST),
           "MUSA_WORKBENCH_DB": str(folder / "db.sqlite3"), "MUSA_WORKBENCH_MEDIA": str(folder / "media"),
           "MUSA_WORKBENCH_BLOCKS": str(BLOCKS), "MUSA_WORKBENCH_EVENTS": str(folder / "events.jsonl")}
    django = [sys.executable, "-m", "django"]
    made = subprocess.run([*django, "migrate", "--run-syncdb", "--verbosity", "0"], env=env, capture_output=True,
                          text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    port, log = free_port(), folder / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen([*django, "runserver", f"127.0.0.1:{port}", "--noreload"], env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the workbench did not start:\n{log.read_text()}")
                time.sleep(0.2)
        yield Workbench(base, folder / "events.jsonl")
    finally:
        server.terminate()
        server.wait(timeout=30)


def manifest(package: Path) -> etree._Element:
    with zipfile.ZipFile(package) as archive:
        return etree.fromstring(archive.read("imsmanifest.xml"))


def launched(package: Path) -> str:
    """The page an LMS launches first: the first resource the manifest gives an href."""
    return next(r.get("href") for r in manifest(package).iter("{*}resource") if r.get("href"))


def block_settings(page: html.HtmlElement) -> dict:
    return json.loads(page.xpath("//script[@class='xblock_json_init_args']")[0].text)


def iframe_src(page: html.HtmlElement) -> str:
    return page.xpath("//iframe[@class='scorm-embedded']/@src")[0]


@pytest.mark.parametrize("target", sorted(VERSIONS))
def test_the_block_takes_each_unit_package_and_serves_every_file_it_lists(workbench, packages, target):
    block = workbench.fresh_block()
    # Every unit of a role course (a competence each) and of a workshop (a day each); a workbench request takes
    # some 50 ms, so not all seven courses.
    units = [unit for course in ("dsm", "traces-mmex")
             for unit in sorted((packages / f"{target}-units" / course).glob("*.zip"))]
    assert len(units) == 23 + 3
    proxy = workbench.url(block, "assets_proxy")
    for package in units:  # one block, each package replacing the last, as an author re-uploads
        assert workbench.upload(block, package) == {"result": "success", "errors": []}, package
        page = workbench.page(block)
        assert block_settings(page)["scorm_version"] == VERSIONS[target], package
        assert iframe_src(page) == proxy.removeprefix(workbench.base) + launched(package), package
        with zipfile.ZipFile(package) as archive:
            for name in sorted({f.get("href") for f in manifest(package).iter("{*}file")}):
                served = workbench.session.get(proxy + name)
                assert served.status_code == 200 and served.content == archive.read(name), (package, name)
        # The warnings Studio shows an author (a package that never reports completion, for one).
        assert workbench.page(block, "author_view").xpath("//*[contains(@class, 'scorm-package-warning')]") == []


@pytest.mark.parametrize("target", sorted(VERSIONS))
def test_a_course_package_launches_its_first_sco_as_the_readme_says(workbench, packages, target):
    block = workbench.fresh_block()
    package = packages / target / "dsm.zip"
    assert workbench.upload(block, package) == {"result": "success", "errors": []}
    page = workbench.page(block)
    assert iframe_src(page).endswith("/sco/dc-5-4.html") and launched(package) == "sco/dc-5-4.html"
    assert block_settings(page)["scorm_version"] == VERSIONS[target]


class Learner:
    """A learner on the block's page in Chromium, working in the SCO inside the block's iframe."""

    FRAME = "iframe.scorm-embedded"

    def __init__(self, browser, workbench: Workbench, block: int):
        self.browser, self.workbench, self.block = browser, workbench, block

    def open(self) -> None:
        self.browser.open(f"{self.workbench.base}/scenario/scorm-{self.block}/")
        self.browser.wait_for(f"""var f = document.querySelector('{self.FRAME}'); var d = f && f.contentDocument;
            return !!d && d.readyState === 'complete' && !!d.querySelector('nav.pager') &&
            !d.querySelector('nav.pager').hidden""")

    def sco(self, script: str, *args):
        with self.browser.inside_frame(self.FRAME):
            return self.browser.run(script, *args)

    def visible(self, css: str) -> bool:
        return self.sco(f"var e = document.querySelector('{css}'); return !!e && !e.hidden")

    def to_quiz(self) -> None:
        with self.browser.inside_frame(self.FRAME):
            while self.browser.run("var e = document.querySelector('#page-quiz'); return !!e && !e.hidden") is False:
                self.browser.press("#next", "ENTER")

    def questions(self) -> list[dict]:
        return self.sco(QUESTIONS)

    def answer(self, question: dict, right: bool) -> list[str]:
        return answer(self.browser, self.FRAME, question, right)

    def checked(self) -> list[tuple[str, str]]:
        return sorted(map(tuple, self.sco("""return [].map.call(document.querySelectorAll('#quiz input:checked'),
            function (i) { return [i.name, i.value]; });""")))

    def submit(self) -> str:
        with self.browser.inside_frame(self.FRAME):
            self.browser.press("#quiz button[type=submit]", "ENTER")
            return self.browser.wait_for("var t = document.getElementById('result').textContent; "
                                         "return t.indexOf('%') > 0 && t")

    def settled(self, name: str, expected, timeout: float = 10.0):
        """The block's value for `name` once it is `expected` (or satisfies it, when a function), or after
        `timeout`: the block's page sends the SCO's values in the background."""
        test = expected if callable(expected) else (lambda value: value == expected)
        deadline = time.monotonic() + timeout
        while not test(value := self.workbench.value(self.block, name)) and time.monotonic() < deadline:
            time.sleep(0.1)
        return value

    def problems(self) -> list[str]:
        """Console warnings and errors, but the workbench's own missing favicon."""
        return [f"{e['level']}: {e['message']}" for e in self.browser.console()
                if e["level"] in ("WARNING", "SEVERE") and "favicon.ico" not in e["message"]]


@pytest.fixture
def learner(browser, workbench, packages):
    """`learner(target, course, unit)`: a fresh block holding that unit's package, its page open in Chromium."""
    def fill(target: str, course: str, unit: str, scored: bool = True) -> Learner:
        block = workbench.fresh_block()
        assert workbench.upload(block, packages / f"{target}-units" / course / f"{unit}.zip", scored) == \
            {"result": "success", "errors": []}
        someone = Learner(browser, workbench, block)
        someone.open()
        browser.console()
        return someone
    return fill


def interactions(learner: Learner, version: str, count: int) -> list[tuple[str, str]]:
    response = "student_response" if version == "SCORM_12" else "learner_response"
    return [(learner.workbench.value(learner.block, f"cmi.interactions.{n}.id"),
             learner.workbench.value(learner.block, f"cmi.interactions.{n}.{response}")) for n in range(count)]


@pytest.mark.parametrize("target", sorted(VERSIONS))
@pytest.mark.parametrize("mistakes", [0, 2])
def test_a_learner_takes_a_quiz_and_open_edx_records_the_grade(learner, target, mistakes):
    version = VERSIONS[target]
    someone = learner(target, "dsm", "dc-5-4")
    someone.to_quiz()
    questions = someone.questions()
    for i, question in enumerate(questions):
        someone.answer(question, right=i >= mistakes)
    result = someone.submit()
    raw = round(100 * (len(questions) - mistakes) / len(questions), 2)
    passed = mistakes == 0
    assert f"({raw:g}\N{NO-BREAK SPACE}%)" in result
    # The block keeps the score and the verdict; a failed attempt counts 0 in its grade.
    assert someone.settled("cmi.success_status", "passed" if passed else "failed") == ("passed" if passed else "failed")
    assert someone.workbench.value(someone.block, "cmi.core.score.raw") == pytest.approx(raw)
    grade = 1.0 if passed else 0.0
    assert someone.workbench.grades(someone.block)[-1] == {"value": grade, "max_value": 1.0}
    # Each answer as its own interaction, numbered from 0 (the block gives no cmi.interactions._count).
    recorded = interactions(someone, version, len(questions))
    assert [qid for qid, _ in recorded] == [q["id"] for q in questions]
    assert all(answer for _, answer in recorded)
    assert someone.workbench.value(someone.block, "cmi.interactions..id") == ""
    assert someone.problems() == []
    # What the learner sees on the unit's page in Open edX, rendered by the block after the attempt.
    page = someone.workbench.page(someone.block)
    shown = page.xpath("//span[@class='grade']")[0].text, page.xpath("//span[@class='completion-status']")[0].text
    status = "completed" if passed or version == "SCORM_2004" else "incomplete"
    assert shown == (f"{grade:g}", status)


@pytest.mark.parametrize("target", sorted(VERSIONS))
def test_a_learner_who_leaves_mid_quiz_finds_their_answers_in_open_edx(learner, target):
    someone = learner(target, "traces-mmex", "day-3")
    someone.to_quiz()
    questions = someone.questions()
    first = {q["id"]: someone.answer(q, right=True) for q in questions[:3]}
    expected = sorted((qid, value) for qid, values in first.items() for value in values)
    assert someone.checked() == expected
    saved = someone.settled("cmi.suspend_data", lambda data: all(f"|{qid}:" in data for qid in first))
    assert all(f"|{qid}:" in saved for qid in first), saved
    someone.open()  # the learner comes back to the unit later
    assert someone.visible("#page-quiz")
    assert someone.checked() == expected
    for question in questions[3:]:
        someone.answer(question, right=True)
    assert "(100\N{NO-BREAK SPACE}%)" in someone.submit()
    assert someone.settled("cmi.success_status", "passed") == "passed"
    assert someone.problems() == []
    # Back once more after passing: the quiz shows the submitted answers, and the unit stays completed.
    someone.open()
    assert someone.visible("#page-quiz") and someone.sco("return document.getElementById('result').textContent")
    assert someone.workbench.page(someone.block).xpath("//span[@class='completion-status']")[0].text == "completed"


@pytest.mark.parametrize("target", sorted(VERSIONS))
@pytest.mark.parametrize("scored", [False, True])
def test_a_unit_without_a_quiz_completes_in_open_edx_on_its_last_page(learner, target, scored):
    someone = learner(target, "traces-mmex", "day-1", scored=scored)
    with someone.browser.inside_frame(someone.FRAME):
        pages = someone.browser.run("return document.querySelectorAll('section.page').length")
        for _ in range(pages - 1):
            someone.browser.press("#next", "ENTER")
    assert someone.settled("cmi.completion_status", "completed") == "completed"
    assert someone.problems() == []
    # Unscored, the block gives no grade; scored, it counts 0 (no quiz, no score): the README says to untick it.
    assert someone.workbench.grades(someone.block) == ([{"value": 0.0, "max_value": 1.0}] if scored else [])
    assert len(someone.workbench.page(someone.block).xpath("//span[@class='grade']")) == int(scored)
