"""ORA2's own rubric parser and validators, run in-process with Django configured on an in-memory database."""

from __future__ import annotations

import warnings
from typing import Callable

APPS = ["django.contrib.auth", "django.contrib.contenttypes", "submissions",
        "openassessment.assessment", "openassessment.workflow"]


def setup_django() -> None:
    """Configure Django once for ORA2 (its rubric validator stores rubrics through the ORM)."""
    import django
    from django.conf import settings
    if settings.configured:
        return
    settings.configure(DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
                       INSTALLED_APPS=APPS, USE_TZ=True, FEATURES={})
    django.setup()
    from django.core.management import call_command
    call_command("migrate", run_syncdb=True, verbosity=0)


def validator() -> Callable | None:
    """A function from an <openassessment> element to ORA2's objections; None when ORA2 is not installed."""
    try:
        import openassessment  # noqa: F401
    except ImportError:
        return None
    setup_django()
    from openassessment.xblock.utils.data_conversion import create_rubric_dict
    from openassessment.xblock.utils.validation import validate_assessments, validate_dates, validate_rubric
    from openassessment.xblock.utils.xml import parse_from_xml

    def same(text):
        return text

    def check(element) -> list[str]:
        try:
            with warnings.catch_warnings():  # ORA2 truth-tests lxml elements, which lxml deprecates
                warnings.simplefilter("ignore", FutureWarning)
                config = parse_from_xml(element)
        except Exception as exc:  # ORA2 raises its own UpdateFromXmlError family
            return [f"{type(exc).__name__}: {exc}"]
        assessments = config["rubric_assessments"]
        dates = [(config["submission_start"], config["submission_due"])]
        dates += [(a.get("start"), a.get("due")) for a in assessments]
        verdicts = [validate_rubric(create_rubric_dict(config["prompts"], config["rubric_criteria"]), None, False, same),
                    validate_assessments(assessments, None, False, same),
                    validate_dates(None, None, dates, same)]
        return [message for ok, message in verdicts if not ok]
    return check
