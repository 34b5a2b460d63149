"""`preview --serve`: serve the site on 127.0.0.1 and rebuild it whenever a source file changes (watchfiles)."""

from __future__ import annotations

import functools
import http.server
import itertools
import os
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


# A file's time comes from the kernel's coarse clock, which can lag time.time_ns() by one clock tick (1-10 ms): a
# file saved just after `since_ns` may be stamped just before it. One saved that long before counts too (an extra
# rebuild, never a missed one).
FILE_CLOCK_LAG_NS = 20_000_000


def changed_since(project: Path, since_ns: int) -> list[str]:
    """The names of the source files under the watched folders modified at or after `since_ns` (a time.time_ns(),
    less FILE_CLOCK_LAG_NS)."""
    since_ns -= FILE_CLOCK_LAG_NS
    found = set()
    for folder in watched(project):
        for root, _, names in os.walk(folder):
            for name in names:
                path = os.path.join(root, name)
                try:
                    if is_source(None, path) and os.stat(path).st_mtime_ns >= since_ns:
                        found.add(name)
                except OSError:
                    continue
    return sorted(found)


# How long the watcher waits for changes before it hands control back, idle (milliseconds): the first wait tells that
# it watches, so "serving" is printed that long after the watcher starts, never before.
IDLE_WAIT_MS = 100


def serve(project: Path, site: Path, port: int, rebuild: Callable[[], None], echo: Callable[[str], None],
          stop: threading.Event | None = None, built_ns: int | None = None) -> None:
    """Serve `site` until interrupted (Ctrl-C, SIGTERM or `stop`), calling `rebuild` after each batch of changes.

    The watcher is watching before "serving" is printed: a change saved at once is never missed. A source changed
    since `built_ns` (when the first build began to read the sources) is rebuilt at once."""
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
    try:
        batches = watchfiles.watch(*watched(project), watch_filter=is_source, stop_event=stop, debounce=300,
                                   step=50, rust_timeout=IDLE_WAIT_MS, yield_on_timeout=True)
        first = next(batches, None)  # the generator has started: its watcher is watching
        echo(f"serving http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)")
        missed = changed_since(project, built_ns) if built_ns is not None and not first else []
        if missed:
            echo(f"changed while building: {', '.join(missed)}")
            rebuild()
        for changes in itertools.chain([first] if first else [], batches):
            if not changes:  # the watcher's idle wait ended
                continue
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
