"""Importing an OLX archive into Studio through olx-utils' helpers: OAuth2 token, upload, then the import status.

The endpoints are Open edX's: `POST {lms}/oauth2/access_token` (client credentials) gives a JWT;
`POST {studio}/api/courses/v0/import/{course_id}/` with the archive as `course_data` gives a task id;
`GET` on the same address with `task_id` gives the task's state until it is Succeeded or Failed.
Every failure becomes one PublishError sentence; nothing here prints or exits.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from olxutils.token import TokenHelper, TokenHelperException
from olxutils.upload import UploadHelper, UploadHelperException

COURSE_ID = re.compile(r"course-v1:[^+/\s]+\+[^+/\s]+\+[^+/\s]+")
DONE, FAILED = {"Succeeded"}, {"Failed", "Canceled"}


class PublishError(Exception):
    """An import that did not happen, said in one sentence."""


@dataclass(frozen=True)
class Studio:
    url: str  # Studio (CMS), which takes the import
    lms_url: str  # the LMS, which issues OAuth2 tokens
    client_id: str | None = None
    client_secret: str | None = None
    token: str | None = None


def reason(exc: requests.RequestException) -> str:
    """The short cause of a failed request: 'Connection refused' rather than urllib3's whole chain."""
    found = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", str(exc))
    return found[1].strip() if found else type(exc).__name__


def answer(response: requests.Response | None) -> str:
    if response is None:
        return "no answer"
    body = " ".join(response.text.split())[:200]
    return f"HTTP {response.status_code} from {response.request.method} {response.url}" + (f": {body}" if body else "")


def within(deadline: float, what: str, call):
    """Run one helper call, but give up at the deadline: the helpers' requests carry no timeout of their own."""
    outcome: dict = {}

    def target():
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed back to the caller below
            outcome["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(max(deadline - time.monotonic(), 0))
    if worker.is_alive():
        raise PublishError(f"timeout: no answer while {what}")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def fetch_token(studio: Studio, deadline: float) -> str:
    if studio.token:
        return studio.token
    where = f"{studio.lms_url}/oauth2/access_token"
    try:
        return within(deadline, f"asking {where} for a token",
                      TokenHelper(studio.lms_url, studio.client_id, studio.client_secret).fetch_token)
    except requests.HTTPError as exc:
        raise PublishError(f"the credentials were refused: {answer(exc.response)}") from None
    except requests.RequestException as exc:
        raise PublishError(f"cannot reach {studio.lms_url}: {reason(exc)}") from None
    except (ValueError, KeyError, TypeError):
        raise PublishError(f"{where} did not answer with a JSON access_token") from None
    except TokenHelperException as exc:
        raise PublishError(str(exc)) from None


def upload(studio: Studio, archive: Path, course_id: str | None, token: str, deadline: float):
    try:
        helper = UploadHelper(studio.url, str(archive), token=token, course_id=course_id)
    except UploadHelperException as exc:
        raise PublishError(str(exc)) from None
    try:
        task = within(deadline, f"uploading to {helper.upload_url}", lambda: helper.upload(wait=False))
    except requests.HTTPError as exc:
        raise PublishError(f"the upload was refused: {answer(exc.response)}") from None
    except requests.RequestException as exc:
        raise PublishError(f"cannot reach {studio.url}: {reason(exc)}") from None
    except (ValueError, KeyError, TypeError):
        raise PublishError(f"{helper.upload_url} did not answer the upload with a JSON task_id") from None
    return helper, task


def state(helper: UploadHelper, task: str, deadline: float) -> str:
    try:
        return within(deadline, f"asking {helper.upload_url} for the state of task {task}",
                      lambda: helper.fetch_upload_task_state(task))
    except requests.HTTPError as exc:
        raise PublishError(f"the import status was refused: {answer(exc.response)}") from None
    except requests.RequestException as exc:
        raise PublishError(f"cannot reach {helper.url}: {reason(exc)}") from None
    except (ValueError, KeyError, TypeError):
        raise PublishError(f"{helper.upload_url} did not answer with a JSON state") from None


def publish(archive: Path, studio: Studio, course_id: str | None, timeout: float, interval: float,
            progress=lambda message: None) -> tuple[str, str]:
    """Import `archive` into `course_id` (default: from its course.xml); return the course id and the task id."""
    deadline = time.monotonic() + timeout
    token = fetch_token(studio, deadline)
    helper, task = upload(studio, archive, course_id, token, deadline)
    progress(f"uploaded {archive.name} to {helper.upload_url}: task {task}")
    last = None
    while True:
        try:
            current = state(helper, task, deadline)
        except PublishError:
            if last is None or time.monotonic() < deadline:
                raise
            current = last  # the deadline came while asking again: the last answer stands
        if current != last:
            progress(f"task {task}: {current}")
            last = current
        if current in DONE:
            return helper.course_id, task
        if current in FAILED:
            raise PublishError(f"Studio's import into {helper.course_id} ended {current} (task {task}); "
                               "Studio's Tools → Import page shows why")
        if time.monotonic() + interval > deadline:
            raise PublishError(f"timeout: the import into {helper.course_id} was still {current} after "
                               f"{timeout:g} s (task {task}); it may yet finish: see Studio's Tools → Import page")
        time.sleep(interval)
