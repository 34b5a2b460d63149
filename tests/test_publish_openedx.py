"""`musa-build publish openedx`: importing an archive through olx-utils' token, upload and status helpers.

THE SERVER HERE IS A STAND-IN, NOT OPEN EDX. It is a small `http.server` on 127.0.0.1, started by the test, that
answers the three documented endpoints the way Studio and the LMS do: `POST /oauth2/access_token` (OAuth2 client
credentials → JSON `access_token`), `POST /api/courses/v0/import/{course_id}/` (multipart `course_data`, header
`Authorization: JWT …` → JSON `task_id`) and `GET` on the same address with `task_id` (→ JSON `state`). It records
what it received so the tests can check what was sent; each test sets how it answers.
"""

from __future__ import annotations

import email.parser
import email.policy
import io
import json
import re
import socket
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from conftest import PROJECTS
from musa.cli import run

TOKEN = "stand-in-token"
IMPORT = re.compile(r"^/api/courses/v0/import/(?P<course>[^/]+)/$")
ENVIRONMENT = ("OLX_CMS_URL", "OLX_LMS_URL", "OLX_LMS_CLIENT_ID", "OLX_LMS_CLIENT_SECRET", "OLX_CMS_TOKEN")


class StandIn(BaseHTTPRequestHandler):
    """Answers like Studio's import API; `self.server.plan` says how, `self.server.log` keeps what came in."""

    def log_message(self, *args):
        pass

    def reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    def authorised(self) -> bool:
        if self.headers.get("Authorization") != f"JWT {TOKEN}":
            self.reply(401, {"detail": "Authentication credentials were not provided."})
            return False
        return True

    def do_POST(self):
        plan, path = self.server.plan, urlsplit(self.path).path
        if plan.get("hang"):
            plan["release"].wait(10)
            return
        if path == "/oauth2/access_token":
            form = {k: v[0] for k, v in parse_qs(self.body().decode()).items()}
            self.server.log.append(("token", form))
            if form.get("grant_type") == "client_credentials" and \
                    (form.get("client_id"), form.get("client_secret")) == ("musa", plan["secret"]):
                self.reply(200, {"access_token": TOKEN, "token_type": "JWT", "expires_in": 3600})
            else:
                self.reply(401, {"error": "invalid_client"})
            return
        match = IMPORT.match(path)
        if not match:
            self.reply(404, {"detail": "Not found."})
            return
        body = self.body()
        if not self.authorised():
            return
        if plan.get("refuse_upload"):
            self.reply(403, {"detail": "You do not have permission to perform this action."})
            return
        message = email.parser.BytesParser(policy=email.policy.default).parsebytes(
            f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + body)
        parts = {part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
                 for part in message.iter_parts()}
        with tarfile.open(fileobj=io.BytesIO(parts["course_data"]), mode="r:gz") as tar:
            names = tar.getnames()
        self.server.log.append(("upload", unquote(match["course"]), names))
        self.reply(200, {"task_id": "task-42"})

    def do_GET(self):
        split = urlsplit(self.path)
        if not IMPORT.match(split.path) or not self.authorised():
            return
        query = parse_qs(split.query)
        if self.server.plan.get("answers") == 0:  # it stops answering
            self.server.plan["release"].wait(10)
            return
        if self.server.plan.get("answers"):
            self.server.plan["answers"] -= 1
        states = self.server.plan["states"]
        state = states.pop(0) if len(states) > 1 else states[0]
        self.server.log.append(("status", query.get("task_id", [""])[0], state))
        self.reply(200, {"state": state})


@pytest.fixture
def studio(monkeypatch):
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    server.daemon_threads = True
    server.plan = {"secret": "s3cret", "states": ["Pending", "In Progress", "Succeeded"],
                   "release": threading.Event()}
    server.log = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.plan["release"].set()
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("built")
    assert run(["--project", str(PROJECTS / "minimal"), "build", "--target", "olx", "--out", str(out)]) == 0
    return next((out / "olx").glob("*.tar.gz"))


COURSE = "course-v1:MINI+CUR+2024-09"


def publish(cli, studio, archive, *extra):
    return cli("publish", "openedx", archive, "--url", studio.url, "--poll-interval", "0.05", *extra)


def course_id_of(archive: Path) -> str:
    from lxml import etree
    with tarfile.open(archive, "r:gz") as tar:
        pointer = etree.fromstring(tar.extractfile("course/course.xml").read())
    return f"course-v1:{pointer.get('org')}+{pointer.get('course')}+{pointer.get('url_name')}"


def test_import_succeeds(cli, studio, archive):
    result = publish(cli, studio, archive, "--course-id", COURSE, "--client-id", "musa", "--client-secret", "s3cret")
    assert result.code == 0, result.err
    assert result.out.strip() == f"{archive}: imported into {COURSE} at {studio.url} (task task-42)"
    kinds = [entry[0] for entry in studio.log]
    assert kinds == ["token", "upload", "status", "status", "status"]
    assert studio.log[0][1]["grant_type"] == "client_credentials"
    assert studio.log[1][1] == COURSE and "course/course.xml" in studio.log[1][2]
    assert [entry[2] for entry in studio.log[2:]] == ["Pending", "In Progress", "Succeeded"]
    assert all(entry[1] == "task-42" for entry in studio.log[2:])
    assert "task task-42: In Progress" in result.err


def test_credentials_and_address_from_the_environment(cli, studio, archive, monkeypatch):
    monkeypatch.setenv("OLX_CMS_URL", studio.url)
    monkeypatch.setenv("OLX_LMS_CLIENT_ID", "musa")
    monkeypatch.setenv("OLX_LMS_CLIENT_SECRET", "s3cret")
    result = cli("publish", "openedx", archive, "--poll-interval", "0.05")
    assert result.code == 0, result.err
    assert studio.log[1][1] == course_id_of(archive)  # the course id read from the archive


def test_a_token_skips_the_credentials(cli, studio, archive):
    result = publish(cli, studio, archive, "--token", TOKEN)
    assert result.code == 0, result.err
    assert [entry[0] for entry in studio.log][:1] == ["upload"]


def test_refused_credentials(cli, studio, archive):
    result = publish(cli, studio, archive, "--client-id", "musa", "--client-secret", "wrong")
    assert result.code == 1
    assert "not imported: the credentials were refused: HTTP 401 from POST" in result.err
    assert "invalid_client" in result.err and "Traceback" not in result.err
    assert [entry[0] for entry in studio.log] == ["token"]


def test_refused_upload(cli, studio, archive):
    studio.plan["refuse_upload"] = True
    result = publish(cli, studio, archive, "--course-id", COURSE, "--client-id", "musa", "--client-secret", "s3cret")
    assert result.code == 1
    assert "not imported: the upload was refused: HTTP 403 from POST" in result.err
    assert "Traceback" not in result.err


def test_failed_import_task(cli, studio, archive):
    studio.plan["states"] = ["In Progress", "Failed"]
    result = publish(cli, studio, archive, "--client-id", "musa", "--client-secret", "s3cret")
    assert result.code == 1
    assert f"Studio's import into {course_id_of(archive)} ended Failed (task task-42)" in result.err
    assert "Traceback" not in result.err


def test_unreachable_server(cli, studio, archive):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = cli("publish", "openedx", archive, "--url", f"http://127.0.0.1:{port}",
                 "--client-id", "musa", "--client-secret", "s3cret")
    assert result.code == 1
    assert f"not imported: cannot reach http://127.0.0.1:{port}: Connection refused" in result.err
    assert "Traceback" not in result.err


def test_import_that_does_not_finish_in_time(cli, studio, archive):
    studio.plan["states"] = ["In Progress"]  # two seconds: the token and the upload fit in them on a loaded machine
    result = publish(cli, studio, archive, "--client-id", "musa", "--client-secret", "s3cret", "--timeout", "2")
    assert result.code == 1
    assert "timeout: the import into" in result.err and "was still In Progress after 2 s" in result.err
    assert len(studio.log) > 3


def test_a_deadline_that_comes_while_asking_again_reports_the_last_state(cli, studio, archive):
    studio.plan.update(states=["In Progress"], answers=1)
    result = publish(cli, studio, archive, "--client-id", "musa", "--client-secret", "s3cret", "--timeout", "2")
    assert result.code == 1
    assert "was still In Progress after 2 s" in result.err and "Traceback" not in result.err
    assert [entry[0] for entry in studio.log] == ["token", "upload", "status"]


def test_server_that_never_answers(cli, studio, archive):
    studio.plan["hang"] = True
    result = publish(cli, studio, archive, "--client-id", "musa", "--client-secret", "s3cret", "--timeout", "0.5")
    assert result.code == 1
    assert "not imported: timeout: no answer while asking" in result.err and "Traceback" not in result.err


@pytest.mark.parametrize("args, message", [
    ((), "give --client-id and --client-secret"),
    (("--token", TOKEN, "--course-id", "MuSA/DSM/2019"), "expected course-v1:ORG+NUMBER+RUN"),
])
def test_usage_errors(cli, studio, archive, args, message):
    result = publish(cli, studio, archive, *args)
    assert result.code == 2 and message in result.err
    assert studio.log == []


def test_refuses_a_file_that_is_no_olx_archive(cli, studio, tmp_path):
    other = tmp_path / "notes.tar.gz"
    other.write_bytes(b"not a tar")
    result = publish(cli, studio, other, "--token", TOKEN)
    assert result.code == 2 and "is not an OLX course archive" in result.err


@pytest.mark.parametrize("spoil", ["cut in half", "64 bytes flipped in the middle"])
def test_refuses_a_damaged_archive_before_sending_anything(cli, studio, archive, tmp_path, spoil):
    data = archive.read_bytes()
    middle = len(data) // 2
    damaged = tmp_path / archive.name
    damaged.write_bytes(data[:middle] if spoil == "cut in half" else
                        data[:middle] + bytes(b ^ 0xFF for b in data[middle:middle + 64]) + data[middle + 64:])
    result = publish(cli, studio, damaged, "--token", TOKEN)
    assert result.code == 2 and f"'{damaged}': a damaged or truncated archive: " in result.err
    assert "Traceback" not in result.err and studio.log == []
