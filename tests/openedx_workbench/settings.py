"""Django settings: the workbench's own, with a database and media folder per test run (from the environment)."""

import os

from workbench.settings import *  # noqa: F401,F403 - the workbench's settings are the base
from workbench.settings import INSTALLED_APPS

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["MUSA_WORKBENCH_DB"]}}
MEDIA_ROOT = os.environ["MUSA_WORKBENCH_MEDIA"]
MEDIA_URL = "/media/"
SECRET_KEY = "a key for a test server on 127.0.0.1 only"
# The workbench lists django-pyfs for its file-system service, which the SCORM block does not use (nor declares).
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "djpyfs"] + ["openedx_workbench.apps.Host"]
# Open edX's default: the block serves the package's files through its own `assets_proxy` handler.
XBLOCK_SETTINGS = {"ScormXBlock": {"PROXY_ASSETS_LMS": True}}
# The runtime logs each event a block publishes into the server's log, read when the server fails to start; the test
# reads the events from the file the host app keeps them in (apps.py), where each is one whole line.
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "handlers": {"log": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"}},
           "loggers": {"workbench.runtime": {"handlers": ["log"], "level": "INFO"}}}
