"""`preview --serve`: serve the site on 127.0.0.1 and rebuild it whenever a source file changes (watchfiles)."""

from __future__ import annotations

import functools
import http.server
import signal
import threading
from pathlib import Path
from typing import Callable

import click
import watchfiles

SOURCE_FOLDERS = ("content", "roles", "competences")
SOURCE_SUFFIXES = (".yaml", ".yml", ".md")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


def is_source(change: watchfiles.Change, path: str) -> bool:
    return path.endswith(SOURCE_SUFFIXES) and not Path(path).name.startswith(".")


def watched(project: Path) -> list[Path]:
    folders = [project / name for name in SOURCE_FOLDERS if (project / name).is_dir()]
    return folders or [project]


def serve(project: Path, site: Path, port: int, rebuild: Callable[[], None], echo: Callable[[str], None],
          stop: threading.Event | None = None) -> None:
    """Serve `site` until interrupted (Ctrl-C, SIGTERM or `stop`), calling `rebuild` after each batch of changes."""
    stop = stop or threading.Event()
    site.mkdir(parents=True, exist_ok=True)
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port),
                                                 functools.partial(QuietHandler, directory=str(site)))
    except OSError as exc:
        raise click.UsageError(f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}; choose another --port") \
            from None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    echo(f"serving http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)")
    try:
        for changes in watchfiles.watch(*watched(project), watch_filter=is_source, stop_event=stop,
                                        debounce=300, step=50):
            names = sorted({Path(path).name for _, path in changes})
            echo(f"changed: {', '.join(names)}")
            rebuild()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        echo("stopped")
