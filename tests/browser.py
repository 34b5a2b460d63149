"""Headless Debian Chromium for tests: a static HTTP server on 127.0.0.1 and a Selenium driver with console logs.

Chromium runs as Debian installs it (`/usr/bin/chromium`, `/usr/bin/chromedriver`); nothing is downloaded. The
flags keep it off the network: this machine has none beyond the package registries.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import tempfile
import threading
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,900")


def unavailable() -> str | None:
    """Why the browser cannot run here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not shutil.which(path):
            return f"{path} is not installed (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def serve(directory: Path):
    """Serve `directory` over HTTP on 127.0.0.1 (a free port) for the duration; yields the base URL."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class Browser:
    """One headless Chromium; `console()` returns (and clears) what pages logged since the last call."""

    def __init__(self):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        self.profile = tempfile.mkdtemp(prefix="musa-chromium-")
        for flag in FLAGS + (f"--user-data-dir={self.profile}",):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
        self.driver.set_page_load_timeout(30)

    def open(self, url: str) -> None:
        self.driver.get(url)

    def run(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def wait_for(self, script: str, timeout: float = 10.0):
        """Wait until the JavaScript expression `script` (a `return …` body) is truthy; return its value."""
        from selenium.webdriver.support.ui import WebDriverWait
        return WebDriverWait(self.driver, timeout).until(lambda d: d.execute_script(script))

    @contextlib.contextmanager
    def inside_frame(self, css: str):
        """Work inside the iframe matched by `css` (find, press, run), then return to the top page."""
        from selenium.webdriver.common.by import By
        self.driver.switch_to.frame(self.driver.find_element(By.CSS_SELECTOR, css))
        try:
            yield
        finally:
            self.driver.switch_to.default_content()

    def press(self, css: str, *keys: str) -> None:
        """Type keys into the element matched by `css`, as a keyboard user would: names from Selenium's Keys
        ('ENTER', 'SPACE', 'TAB') or plain text."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
        element = self.driver.find_element(By.CSS_SELECTOR, css)
        element.send_keys(*(getattr(Keys, key) if hasattr(Keys, key) else key for key in keys))

    def console(self) -> list[dict]:
        """Console entries since the last call: dicts with `level` (INFO, WARNING, SEVERE) and `message`."""
        return self.driver.get_log("browser")

    def screenshot(self) -> bytes:
        return self.driver.get_screenshot_as_png()

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)
