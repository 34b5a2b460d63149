"""The designers' preview, opened in headless Chromium: pages load cleanly, links resolve, charts show the model's
numbers, quiz answers wait for a click, unassessed outcomes are flagged; `--serve` rebuilds on a change."""

from __future__ import annotations

import io
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from conftest import ROOT
from test_broken_projects import materialise

from musa.project import load
from musa.traceability import traces


@pytest.fixture(scope="module")
def project():
    return load(ROOT).project


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    from musa.cli import run
    out = tmp_path_factory.mktemp("preview") / "site"
    assert run(["--project", str(ROOT), "preview", "--out", str(out)]) == 0
    return out


def html_pages(site: Path) -> list[str]:
    return sorted(str(p.relative_to(site)) for p in site.rglob("*.html"))


def test_site_has_a_page_per_programme_course_and_competence_in_every_language(site, project):
    pages = set(html_pages(site))
    langs = ["en", "el", "it", "pt"]
    expected = {"index.html"} | {f"{lang}/index.html" for lang in langs}
    for lang in langs:
        expected |= {f"{lang}/programme/{p.id}.html" for p in project.programmes}
        expected |= {f"{lang}/course/{c.id}.html" for c in project.courses()}
        expected |= {f"{lang}/competence/{c.id}.html" for c in project.competences}
    assert pages == expected
    assert len(pages) == 1 + 4 * (1 + 2 + 7 + 42)


def test_site_is_offline(site):
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text and "http://" not in text.replace("http://www.w3.org/2000/svg", "")
        assert "https://" not in text, page


LINKS = """return Array.from(document.querySelectorAll('a, link[href]'))
           .map(a => a.getAttribute('href')).filter(h => h !== null);"""


def test_every_page_loads_without_console_errors_and_every_link_resolves(browser, http_server, site):
    base = http_server(site)
    browser.console()
    broken, noisy, checked = [], [], 0
    for page in html_pages(site):
        url = f"{base}/{page}"
        browser.open(url)
        assert browser.run("return document.readyState") == "complete"
        noisy += [(page, e["message"]) for e in browser.console() if e["level"] in ("SEVERE", "WARNING")]
        for href in browser.run(LINKS):
            if href.startswith("data:"):
                continue
            target = urlparse(urljoin(url, href))
            assert target.netloc == urlparse(base).netloc, (page, href)
            if not (site / target.path.lstrip("/")).is_file():
                broken.append((page, href))
            checked += 1
    assert noisy == []
    assert broken == []
    assert checked > 2000


def svg_numbers(browser, selector: str, attributes: list[str]) -> list[dict]:
    return browser.run(f"""return Array.from(document.querySelectorAll({selector!r})).map(e => {{
        const r = {{}}; for (const a of {attributes!r}) r[a] = e.getAttribute(a); return r; }});""")


def test_hours_chart_shows_each_mode_and_part(browser, http_server, site, project):
    base = http_server(site)
    for programme in project.programmes:
        browser.open(f"{base}/en/programme/{programme.id}.html")
        modes = svg_numbers(browser, "svg.hours g.mode", ["data-mode", "data-total"])
        assert [(m["data-mode"], float(m["data-total"])) for m in modes] == [
            (m.id, m.total_hours) for m in programme.modes]
        largest = max(m.total_hours for m in programme.modes)
        for mode in programme.modes:
            rects = svg_numbers(browser, f"svg.hours g[data-mode='{mode.id}'] rect",
                                ["data-part", "data-hours", "width"])
            assert [(r["data-part"], float(r["data-hours"])) for r in rects] == [(p.id, p.hours) for p in mode.parts]
            for r in rects:  # bar lengths are proportional to hours
                assert float(r["width"]) == pytest.approx(520 * float(r["data-hours"]) / largest, abs=0.06)  # 520 px for the largest mode
    musa = project.programme("musa")
    browser.open(f"{base}/en/programme/musa.html")
    text = browser.run("return document.querySelector('svg.hours').textContent")
    assert "360 h" in text and "205 h" in text and "288" in text
    assert {p.hours for m in musa.modes for p in m.parts} == {24, 288, 48, 200, 5}


def test_heatmap_counts_the_weeks_each_role_spends_on_each_competence(browser, http_server, site, project):
    base = http_server(site)
    musa = project.programme("musa")
    browser.open(f"{base}/en/programme/musa.html")
    cells = svg_numbers(browser, "svg.heatmap rect.cell", ["data-course", "data-competence", "data-weeks", "class"])
    used = {cc.competence.id for c in musa.courses for cc in c.competences}
    assert len(cells) == len(musa.courses) * len(used) == 4 * 42
    for cell in cells:
        course = next(c for c in musa.courses if c.id == cell["data-course"])
        weeks = next((len(cc.weeks) for cc in course.competences if cc.competence.id == cell["data-competence"]), 0)
        assert int(cell["data-weeks"]) == weeks
        assert ("heat0" in cell["class"]) == (weeks == 0)
    taught = sum(int(c["data-weeks"]) > 0 for c in cells)
    assert taught == sum(len(c.competences) for c in musa.courses) == 23 + 22 + 27 + 26
    fills = browser.run("""const f = s => getComputedStyle(document.querySelector(s)).fill;
                           return [f('svg.heatmap rect.heat0'), f('svg.heatmap rect.cell:not(.heat0)')];""")
    assert fills[0] != fills[1]


def test_course_timeline_marks_face_to_face_days_assessments_and_placement(browser, http_server, site, project):
    base = http_server(site)
    for course in project.programme("musa").courses:
        browser.open(f"{base}/en/course/{course.id}.html")
        assert browser.run("return document.querySelector('svg.timeline').dataset.unit") == "week"
        units = browser.run("return document.querySelectorAll('svg.timeline text.unit').length")
        assert units == 24
        f2f = svg_numbers(browser, "svg.timeline .mark[data-kind='face-to-face']", ["data-id", "data-week"])
        assert [(m["data-id"], int(m["data-week"])) for m in f2f] == [(d.id, d.week) for d in course.face_to_face]
        assert len(f2f) == 6
        due = svg_numbers(browser, "svg.timeline .mark[data-kind='assessment']", ["data-id", "data-week"])
        p = course.placement
        expected = [(cc.competence.assignment.id, cc.due_week) for cc in course.competences]
        expected.append((p.logbook.id, p.start_week + p.logbook.due - 1))
        assert [(m["data-id"], int(m["data-week"])) for m in due] == expected
        wbl = svg_numbers(browser, "svg.timeline rect.placement", ["data-start", "data-end"])
        assert wbl == [{"data-start": str(p.start_week), "data-end": str(p.start_week + p.weeks - 1)}]
        spans = svg_numbers(browser, "svg.timeline rect.competence", ["data-id", "data-start", "data-end"])
        for cc in course.competences:
            covered = sorted(w for s in spans if s["data-id"] == cc.competence.id
                             for w in range(int(s["data-start"]), int(s["data-end"]) + 1))
            assert covered == sorted(cc.weeks)
    workshop = next(c for c in project.courses() if c.kind == "workshop")
    browser.open(f"{base}/en/course/{workshop.id}.html")
    assert browser.run("return document.querySelector('svg.timeline').dataset.unit") == "day"
    sessions = svg_numbers(browser, "svg.timeline rect.session", ["data-id", "data-start"])
    assert [(s["data-id"], int(s["data-start"])) for s in sessions] == [
        (s.id, d.number) for d in workshop.days for s in d.sessions]


def test_competence_page_shows_outcomes_lessons_quiz_on_demand_and_rubric(browser, http_server, site, project):
    base = http_server(site)
    competence = next(c for c in project.competences if c.id == "tr-13")
    browser.open(f"{base}/en/competence/tr-13.html")
    rows = browser.run("return Array.from(document.querySelectorAll('table.trace tbody tr')).map(r => r.id)")
    assert rows == [f"outcome-{o.id}" for o in competence.outcomes]
    lessons = browser.run("return Array.from(document.querySelectorAll('details.lesson')).map(d => d.id)")
    assert lessons == [f"lesson-{lesson.id}" for lesson in competence.lessons]
    assert browser.run("return document.querySelectorAll('ol.quiz > li').length") == len(competence.quiz.questions)
    shown = "return document.querySelector('ol.quiz > li details.answer li.correct').checkVisibility()"
    assert browser.run(shown) is False
    browser.run("document.querySelector('ol.quiz > li details.answer summary').click()")
    assert browser.run(shown) is True
    criteria = browser.run("return Array.from(document.querySelectorAll('table.rubric tbody tr')).map(r => r.id)")
    assert criteria == [f"criterion-{c.id}" for c in competence.assignment.rubric]
    cells = browser.run("return document.querySelectorAll('table.rubric tbody tr:first-child td').length")
    assert cells == 1 + len(competence.assignment.rubric[0].levels)


def test_language_switch_links_the_same_page_in_each_language(browser, http_server, site, project):
    base = http_server(site)
    browser.open(f"{base}/en/course/dsm.html")
    switch = browser.run("""return Array.from(document.querySelectorAll('nav.languages a'))
                            .map(a => [a.getAttribute('hreflang'), a.href]);""")
    assert switch == [[lang, f"{base}/{lang}/course/dsm.html"] for lang in ("el", "it", "pt")]
    browser.open(switch[0][1])
    assert browser.run("return document.documentElement.lang") == "el"
    dsm = project.course("dsm")
    assert dsm.title.get("el") in browser.run("return document.querySelector('h1').textContent")
    assert browser.run("return document.querySelector('nav.languages strong').textContent") == "Ελληνικά"


def test_screenshots_are_not_blank(browser, http_server, site):
    from PIL import Image
    base = http_server(site)
    for page in ("en/programme/musa.html", "en/course/dsm.html", "el/competence/tr-13.html"):
        browser.open(f"{base}/{page}")
        image = Image.open(io.BytesIO(browser.screenshot())).convert("RGB")
        colours = image.getcolors(maxcolors=1 << 16)
        assert colours is None or len(colours) > 50, page
        background = max(colours or [(0, None)])[0] if colours else 0
        assert background < 0.95 * image.width * image.height, page


def test_outcomes_nothing_assesses_are_flagged(browser, http_server, tmp_path, cli, site):
    project = materialise("outcome-not-assessed", tmp_path)
    out = tmp_path / "site"
    result = cli("--project", project, "preview", "--out", out)
    assert result.code == 0
    assert "outcomes[3]: expected outcome 'lo4' to be assessed" in result.err
    base = http_server(out)
    browser.open(f"{base}/en/competence/comp-a.html")
    flagged = browser.run("""return Array.from(document.querySelectorAll('table.trace tr.gap'))
                             .map(r => [r.dataset.outcome, Array.from(r.querySelectorAll('.flag')).map(f => f.textContent)]);""")
    assert flagged == [["comp-a:lo4", ["Not taught", "Not assessed"]]]
    browser.open(f"{base}/en/programme/mini.html")
    assert "comp-a lo4" in browser.run("return document.getElementById('unassessed').textContent")
    real = (site / "en/programme/musa.html").read_text(encoding="utf-8")
    assert 'id="all-assessed"' in real and 'id="unassessed"' not in real


def test_preview_reads_only_the_model(project, tmp_path):
    from musa import preview
    files = preview.render(project)
    assert len(files) == 1 + 1 + 4 * (1 + 2 + 7 + 42)
    assert preview.render(project) == files  # deterministic
    assert len(traces(project)) == 179


def _lines(stream, found: queue.Queue) -> None:
    for line in stream:
        found.put(line)


def _wait_for(found: queue.Queue, text: str, seen: list, timeout: float = 30) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            line = found.get(timeout=0.2)
        except queue.Empty:
            continue
        seen.append(line)
        if text in line:
            return line
    raise AssertionError(f"no line with {text!r} in {seen!r}")


def _fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


def test_serve_rebuilds_on_a_change_and_stops_cleanly(minimal, tmp_path):
    """The real `musa-build preview --serve` in a subprocess, on a free port of 127.0.0.1."""
    out = tmp_path / "site"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen([sys.executable, "-m", "musa", "--project", str(minimal), "preview", "--serve",
                                "--port", "0", "--out", str(out)], cwd=ROOT, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines: queue.Queue = queue.Queue()
    errors: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(process.stdout, lines), daemon=True).start()
    threading.Thread(target=_lines, args=(process.stderr, errors), daemon=True).start()
    seen: list = []
    try:
        url = _wait_for(lines, "serving http://127.0.0.1:", seen).split()[1]
        page = f"{url}en/competence/comp-a.html"
        assert "<h1>T1 · Records</h1>" in (out / "en" / "competence" / "comp-a.html").read_text(encoding="utf-8")
        source = minimal / "competences" / "comp-a.yaml"
        # saved at once: "serving" means the watcher is watching
        source.write_text(source.read_text(encoding="utf-8").replace("{en: Records,", "{en: Registers,"),
                          encoding="utf-8")
        _wait_for(lines, "rebuilt", seen)
        assert "<h1>T1 · Registers</h1>" in _fetch(page)
        good = source.read_text(encoding="utf-8")
        source.write_text(good.replace("id: comp-a", "id: [comp-a"), encoding="utf-8")
        _wait_for(errors, "not rebuilt", [])
        assert "<h1>T1 · Registers</h1>" in _fetch(page)  # the last good site is still served
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert code == 0
    _wait_for(lines, "stopped", seen, timeout=5)
    with pytest.raises(OSError):
        _fetch(page)


def test_a_source_saved_while_the_first_build_ran_is_rebuilt_when_serving_starts(minimal, tmp_path):
    """The watcher starts after the first build: a file saved meanwhile is found by its time, and rebuilt."""
    from musa.preview.serve import serve
    built_ns = time.time_ns()
    source = minimal / "competences" / "comp-a.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("{en: Records,", "{en: Registers,"),
                      encoding="utf-8")
    stamped = built_ns - 5_000_000  # as the kernel's coarse file clock may stamp it: a tick behind time.time_ns()
    os.utime(source, ns=(stamped, stamped))
    stop, said, rebuilt = threading.Event(), [], threading.Event()
    thread = threading.Thread(target=serve, args=(minimal, tmp_path / "site", 0, rebuilt.set, said.append, stop,
                                                  built_ns))
    thread.start()
    try:
        assert rebuilt.wait(10), said
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert [line.split()[0] for line in said] == ["serving", "changed", "stopped"]
    assert said[1] == "changed while building: comp-a.yaml"


def test_serving_after_an_untouched_build_rebuilds_nothing(minimal, tmp_path):
    from musa.preview.serve import serve
    stop, said, calls = threading.Event(), [], []
    thread = threading.Thread(target=serve, args=(minimal, tmp_path / "site", 0, lambda: calls.append(1),
                                                  said.append, stop, time.time_ns()))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not said and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # several of the watcher's idle waits
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive() and calls == []
    assert [line.split()[0] for line in said] == ["serving", "stopped"]


def test_preview_never_replaces_a_folder_it_did_not_write(minimal, cli, tmp_path):
    other = tmp_path / "documents"
    other.mkdir()
    (other / "thesis.txt").write_text("mine")
    refused = cli("--project", minimal, "preview", "--out", other)
    assert refused.code == 2 and "holds files that are not a preview" in refused.err
    assert [p.name for p in other.iterdir()] == ["thesis.txt"]
    site = tmp_path / "site"
    assert cli("--project", minimal, "preview", "--out", site).code == 0
    (site / "en" / "stale.html").write_text("old")
    assert cli("--project", minimal, "preview", "--out", site).code == 0
    assert not (site / "en" / "stale.html").exists() and (site / "en" / "index.html").is_file()


def test_serve_on_a_busy_port_is_a_usage_error(minimal, cli, tmp_path):
    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = cli("--project", minimal, "preview", "--serve", "--port", port, "--out", tmp_path / "site")
    assert result.code == 2
    assert f"cannot serve on 127.0.0.1:{port}" in result.err and "Traceback" not in result.err


def test_every_language_of_the_content_has_the_whole_interface(project):
    from musa.preview import site_languages
    from musa.preview.labels import LABELS
    assert site_languages(project) == ("en", "el", "it", "pt")
    for lang in site_languages(project):
        assert set(LABELS[lang]) == set(LABELS["en"]), lang


def test_programme_page_shows_the_self_assessment_bands(browser, http_server, site, project):
    base = http_server(site)
    traces_programme = project.programme("traces")
    browser.open(f"{base}/en/programme/traces.html")
    rows = browser.run("""return Array.from(document.querySelectorAll('table.bands tbody tr'))
                          .map(r => [r.cells[0].textContent, r.querySelector('a').getAttribute('href')]);""")
    assert rows == [[f"{b.min}–{b.max}", f"../../en/course/{b.course}.html"]
                    for b in traces_programme.self_assessment.bands]
    assert len(rows) == 3
