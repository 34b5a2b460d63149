"""SCOs from built packages run in headless Chromium against scorm-again, a real SCORM 1.2 / 2004 run-time.

The harness page (tests/scorm_runtime/harness.html) plays the LMS: it loads scorm-again from node_modules
(pinned in package.json; `npm ci`), starts it with the learner data an LMS would give (the pass threshold read
from the package's manifest), records every API call with the error code after it and every value scorm-again
accepted, and opens the SCO in an iframe. Everything is served over HTTP on 127.0.0.1 so the frames can reach
each other. The learner works with the keyboard only.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import missing
from musa.exporters.scorm_labels import LABELS
from sco_learner import QUESTIONS, answer

ROOT = Path(__file__).resolve().parent.parent
SCORM_AGAIN = ROOT / "node_modules" / "scorm-again" / "dist" / "scorm-again.js"
HARNESS = Path(__file__).resolve().parent / "scorm_runtime" / "harness.html"
VERSIONS = {"scorm12": "1.2", "scorm2004": "2004"}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A folder holding the harness, scorm-again and the extracted packages of two courses in both versions."""
    if not SCORM_AGAIN.is_file():
        missing("scorm-again is not installed (npm ci)")
    from musa.cli import run
    out = tmp_path_factory.mktemp("build")
    assert run(["--project", str(ROOT), "build", "--target", "scorm12", "--target", "scorm2004", "--out", str(out)]) == 0
    assert run(["--project", str(ROOT), "build", "--target", "scorm12", "--target", "scorm2004", "--out", str(out),
                "--lang", "el"]) == 0
    root = tmp_path_factory.mktemp("site")
    shutil.copy(HARNESS, root / "harness.html")
    shutil.copy(SCORM_AGAIN, root / "scorm-again.js")
    for target in VERSIONS:
        for course in ("traces-mmex", "dsm", "traces-mmex-el"):
            with zipfile.ZipFile(out / target / f"{course}.zip") as archive:
                archive.extractall(root / target / course)
    return root


@pytest.fixture
def lms(browser, http_server, site):
    base = http_server(site)
    browser.open(f"{base}/harness.html")
    browser.wait_for("return !!window.harness && typeof window.Scorm12API === 'function' && typeof window.Scorm2004API === 'function'")
    browser.console()
    return Lms(browser, site)


def threshold(site: Path, target: str, course: str) -> str:
    """The pass mark the package's manifest gives the LMS (1.2 masteryscore, 2004 minNormalizedMeasure)."""
    root = etree.parse(str(site / target / course / "imsmanifest.xml")).getroot()
    tag = "{http://www.adlnet.org/xsd/adlcp_rootv1p2}masteryscore" if target == "scorm12" \
        else "{http://www.imsglobal.org/xsd/imsss}minNormalizedMeasure"
    return next(root.iter(tag)).text


def learner(site: Path, target: str, course: str, suspend_data: str | None = None) -> dict:
    """The CMI data an LMS loads before launching a SCO: a first attempt, or a resumed one."""
    entry = "resume" if suspend_data is not None else "ab-initio"
    if target == "scorm12":
        data = {"core": {"student_id": "learner-1", "student_name": "Learner, Test", "lesson_mode": "normal",
                         "credit": "credit", "entry": entry},
                "student_data": {"mastery_score": threshold(site, target, course)}}
        if suspend_data is not None:
            data["suspend_data"] = suspend_data
            data["core"]["lesson_status"] = "incomplete"
        return data
    data = {"learner_id": "learner-1", "learner_name": "Learner, Test", "mode": "normal", "credit": "credit",
            "entry": entry, "scaled_passing_score": threshold(site, target, course)}
    if suspend_data is not None:
        data["suspend_data"] = suspend_data
        data["completion_status"] = "incomplete"
    return data


class Lms:
    """Drives the harness and the SCO inside it."""

    def __init__(self, browser, site: Path):
        self.browser, self.site = browser, site

    def launch(self, target: str, course: str, sco: str, suspend_data: str | None = None) -> None:
        self.version = VERSIONS[target]
        data = learner(self.site, target, course, suspend_data)
        self.browser.run("harness.start(arguments[0], arguments[1])", self.version, data)
        self.browser.run("harness.open(arguments[0])", f"{target}/{course}/sco/{sco}.html")
        self.browser.wait_for("return harness.calls.length > 0 && harness.sco().readyState === 'complete'")
        self.browser.wait_for("return !harness.sco().querySelector('nav.pager').hidden")

    def sco(self, script: str, *args):
        return self.browser.run(f"return (function (document) {{ {script} }})(harness.sco())", *args)

    def next_page_until_quiz(self) -> None:
        with self.browser.inside_frame("#sco"):
            while self.sco_visible("#page-quiz") is False:
                self.browser.press("#next", "ENTER")

    def sco_visible(self, css: str) -> bool:
        return self.browser.run(f"var e = document.querySelector('{css}'); return !!e && !e.hidden")

    def questions(self) -> list[dict]:
        return self.sco(QUESTIONS)

    def answer(self, question: dict, right: bool) -> list[str]:
        return answer(self.browser, "#sco", question, right)

    def submit(self) -> None:
        with self.browser.inside_frame("#sco"):
            self.browser.press("#quiz button[type=submit]", "ENTER")
        self.browser.wait_for("return harness.sco().getElementById('result').textContent.indexOf('questions right') > 0")

    def leave(self) -> None:
        self.browser.run("harness.leave()")
        finish = "LMSFinish" if self.version == "1.2" else "Terminate"
        self.browser.wait_for(f"return harness.calls.some(function (c) {{ return c.name === '{finish}'; }})")

    def calls(self) -> list[dict]:
        return self.browser.run("return harness.calls")

    def accepted(self) -> dict[str, str]:
        return dict(self.browser.run("return harness.accepted"))

    def cmi(self) -> dict:
        return json.loads(self.browser.run("return harness.cmi()"))

    def problems(self) -> list[str]:
        """API calls that left an error code, and console warnings or errors (scorm-again's among them)."""
        calls = self.calls()
        errors = [f"{c['name']}({', '.join(c['args'])}) → error {c['error']}" for c in calls if c["error"] != "0"]
        errors += [f"{c['name']}({c['args'][0]}): not an element of the SCORM {self.version} data model"
                   for c in calls if c["name"].endswith(("GetValue", "SetValue"))
                   and not STANDARD[self.version].match(c["args"][0])]
        logged = [f"{e['level']}: {e['message']}" for e in self.browser.console() if e["level"] in ("WARNING", "SEVERE")]
        return errors + logged


NAMES = {"1.2": ("LMSInitialize", "LMSCommit", "LMSFinish"), "2004": ("Initialize", "Commit", "Terminate")}
# The data-model elements each version defines (SCORM 1.2 RTE 3.4, SCORM 2004 4th ed. RTE 4.2). scorm-again also
# accepts some names no other LMS knows (such as cmi.core.suspend_data in 1.2), so the names are checked here.
N = r"\d+"
STANDARD = {
    "1.2": re.compile(r"^cmi\.(core\.(student_id|student_name|lesson_location|credit|lesson_status|entry|"
                      r"score\.(raw|min|max)|total_time|lesson_mode|exit|session_time)|suspend_data|launch_data|"
                      r"comments|student_data\.(mastery_score|max_time_allowed|time_limit_action)|"
                      rf"interactions\.(_count|{N}\.(id|objectives\.{N}\.id|time|type|correct_responses\.{N}\.pattern|"
                      r"weighting|student_response|result|latency)))$"),
    "2004": re.compile(r"^cmi\.(completion_status|success_status|exit|session_time|suspend_data|location|entry|mode|"
                       r"credit|learner_id|learner_name|scaled_passing_score|progress_measure|score\.(scaled|raw|min|max)|"
                       rf"interactions\.(_count|{N}\.(id|type|objectives\.{N}\.id|timestamp|correct_responses\.{N}\.pattern|"
                       r"weighting|learner_response|result|latency|description)))$"),
}


def interaction_values(values: dict[str, str]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for element, value in values.items():
        if element.startswith("cmi.interactions.") and element.count(".") >= 3:
            index, field = element.split(".")[2], ".".join(element.split(".")[3:])
            found.setdefault(index, {})[field] = value
    return found


def take_quiz(lms: Lms, target: str, course: str, sco: str, mistakes: int) -> tuple[list[dict], dict]:
    lms.launch(target, course, sco)
    lms.next_page_until_quiz()
    questions = lms.questions()
    chosen = {q["id"]: lms.answer(q, right=i >= mistakes) for i, q in enumerate(questions)}
    lms.submit()
    lms.leave()
    return questions, chosen


@pytest.mark.parametrize("target", sorted(VERSIONS))
@pytest.mark.parametrize("course, sco", [("traces-mmex", "day-3"), ("dsm", "dc-5-4")])
@pytest.mark.parametrize("mistakes", [0, 2])
def test_quiz_reports_interactions_score_and_status(lms, target, course, sco, mistakes):
    questions, chosen = take_quiz(lms, target, course, sco, mistakes)
    version = VERSIONS[target]
    initialize, commit, finish = NAMES[version]
    calls = lms.calls()
    assert lms.problems() == []
    assert calls[0]["name"] == initialize and calls[0]["result"] == "true"
    assert calls[-1]["name"] == finish and calls[-1]["result"] == "true"
    assert any(c["name"] == commit and c["result"] == "true" for c in calls)
    values = lms.accepted()
    right = len(questions) - mistakes
    raw = round(100 * right / len(questions), 2)
    passed = raw >= 80
    interactions = interaction_values(values)
    assert len(interactions) == len(questions)
    for index, question in enumerate(questions):
        recorded = interactions[str(index)]
        is_right = index >= mistakes
        assert recorded["id"] == question["id"]
        if version == "1.2":
            assert recorded["type"] == ("true-false" if question["kind"] == "truefalse" else "choice")
            assert recorded["result"] == ("correct" if is_right else "wrong")
            expected = ",".join(v[0] for v in chosen[question["id"]])  # true → t, false → f
            assert recorded["student_response"] == (expected if question["kind"] == "truefalse"
                                                    else ",".join(chosen[question["id"]]))
        else:
            assert recorded["type"] == ("true-false" if question["kind"] == "truefalse" else "choice")
            assert recorded["result"] == ("correct" if is_right else "incorrect")
            assert recorded["learner_response"] == "[,]".join(chosen[question["id"]])
        assert "correct_responses.0.pattern" in recorded and "objectives.0.id" in recorded
    cmi = lms.cmi()
    if version == "1.2":
        assert values["cmi.core.score.raw"] == f"{raw:g}"
        assert (values["cmi.core.score.min"], values["cmi.core.score.max"]) == ("0", "100")
        assert values["cmi.core.lesson_status"] == ("passed" if passed else "failed")
        assert values["cmi.core.exit"] == ""
        assert cmi["core"]["lesson_status"] == ("passed" if passed else "failed")
        assert float(cmi["core"]["score"]["raw"]) == raw
    else:
        assert values["cmi.score.raw"] == f"{raw:g}"
        assert float(values["cmi.score.scaled"]) == pytest.approx(raw / 100)
        assert (values["cmi.score.min"], values["cmi.score.max"]) == ("0", "100")
        assert values["cmi.success_status"] == ("passed" if passed else "failed")
        assert values["cmi.completion_status"] == "completed"
        assert values["cmi.exit"] == "normal"
        assert cmi["success_status"] == ("passed" if passed else "failed")
    assert passed is (mistakes == 0)


@pytest.mark.parametrize("target", sorted(VERSIONS))
def test_learner_who_leaves_mid_quiz_resumes_where_they_were(lms, target):
    version = VERSIONS[target]
    lms.launch(target, "traces-mmex", "day-3")
    lms.next_page_until_quiz()
    questions = lms.questions()
    first = {q["id"]: lms.answer(q, right=True) for q in questions[:3]}
    lms.leave()
    assert lms.problems() == []
    values = lms.accepted()
    exit_element, suspend_element = ("cmi.core.exit", "cmi.suspend_data") if version == "1.2" \
        else ("cmi.exit", "cmi.suspend_data")
    assert values[exit_element] == "suspend"
    assert not interaction_values(values)  # nothing graded yet
    saved = values[suspend_element]
    assert saved.startswith("p") and len(saved) <= 4096
    assert (lms.cmi()["suspend_data"] if version == "2004" else lms.cmi()["suspend_data"]) == saved

    lms.launch(target, "traces-mmex", "day-3", suspend_data=saved)
    with lms.browser.inside_frame("#sco"):
        assert lms.sco_visible("#page-quiz")
    restored = lms.sco("""return [].map.call(document.querySelectorAll('#quiz input:checked'),
                          function (i) { return [i.name, i.value]; });""")
    assert sorted(map(tuple, restored)) == sorted((qid, v) for qid, vs in first.items() for v in vs)
    for question in questions[3:]:
        lms.answer(question, right=True)
    lms.submit()
    lms.leave()
    assert lms.problems() == []
    values = lms.accepted()
    status = values["cmi.core.lesson_status"] if version == "1.2" else values["cmi.success_status"]
    assert status == "passed"
    assert len(interaction_values(values)) == len(questions)


@pytest.mark.parametrize("target", sorted(VERSIONS))
def test_unit_without_quiz_completes_on_its_last_page(lms, target):
    version = VERSIONS[target]
    lms.launch(target, "traces-mmex", "day-1")
    with lms.browser.inside_frame("#sco"):
        pages = lms.browser.run("return document.querySelectorAll('section.page').length")
        for _ in range(pages - 1):
            lms.browser.press("#next", "ENTER")
        assert lms.browser.run("return document.activeElement.tagName") == "H2"
        assert lms.browser.run("return document.getElementById('next').disabled") is True
    lms.leave()
    assert lms.problems() == []
    values = lms.accepted()
    if version == "1.2":
        assert values["cmi.core.lesson_status"] == "completed" and values["cmi.core.exit"] == ""
    else:
        assert values["cmi.completion_status"] == "completed" and values["cmi.exit"] == "normal"


@pytest.mark.parametrize("target", sorted(VERSIONS))
def test_a_package_built_in_another_language_speaks_it_while_it_runs(lms, target):
    greek = LABELS["el"]
    lms.launch(target, "traces-mmex-el", "day-3")
    pages = lms.sco("return document.querySelectorAll('section.page').length")
    assert lms.sco("return document.getElementById('position').textContent") == \
        greek["js_position"].format(page=1, pages=pages)
    lms.next_page_until_quiz()
    questions = lms.questions()
    with lms.browser.inside_frame("#sco"):
        lms.browser.press("#quiz button[type=submit]", "ENTER")  # nothing answered yet
    assert lms.sco("return document.getElementById('result').textContent") == \
        greek["js_open"].format(open=len(questions))
    for question in questions:
        lms.answer(question, right=True)
    with lms.browser.inside_frame("#sco"):
        lms.browser.press("#quiz button[type=submit]", "ENTER")
    lms.browser.wait_for("return harness.sco().getElementById('result').textContent.indexOf('%') > 0")
    assert lms.sco("return document.getElementById('result').textContent") == greek["js_result"].format(
        right=len(questions), total=len(questions), score=100, verdict=greek["js_passed"])
    lms.leave()
    assert lms.problems() == []
