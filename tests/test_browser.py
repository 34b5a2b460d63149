"""The browser harness itself: a page served on 127.0.0.1 loads in headless Chromium and its console is read."""

from __future__ import annotations


def test_page_loads_and_console_is_captured(browser, http_server, tmp_path):
    (tmp_path / "index.html").write_text(
        "<!doctype html><html lang='en'><title>t</title><p id='p'>hello</p>"
        "<script>console.warn('careful'); document.getElementById('p').dataset.ok = 'yes';</script></html>")
    base = http_server(tmp_path)
    browser.console()
    browser.open(f"{base}/index.html")
    assert browser.wait_for("return document.getElementById('p').dataset.ok") == "yes"
    logged = browser.console()
    assert any(entry["level"] == "WARNING" and "careful" in entry["message"] for entry in logged)
    assert browser.screenshot()[:8] == b"\x89PNG\r\n\x1a\n"
