"""Rules for one competence file: code and level by framework, lessons, quiz, assignment, coverage."""

from __future__ import annotations

import re

from ..errors import Diagnostics
from ..sources import Sources
from ..yamlsource import Document
from .activities import check_assessed, check_assignment, check_lessons, check_quiz
from .context import Ctx

CODES = {
    "e-CF 3.0": (re.compile(r"[A-E]\.\d{1,2}"), "an e-CF code such as A.2"),
    "DigComp 2.1": (re.compile(r"[1-5]\.[1-6]"), "a DigComp code such as 3.3"),
    "transferable": (re.compile(r"T\d{1,2}"), "a transferable code such as T13"),
}


def ecf_number(level) -> int:
    return int(str(level)[2:])


def check_level(ctx: Ctx, framework: str, level, parts, level_range=None) -> None:
    """A level must suit its framework; an e-CF level outside the defined range is a warning."""
    if level is None:
        if framework != "transferable":
            ctx.warning(parts, f"expected a level for a {framework} competence, got nothing")
        return
    if framework == "transferable":
        ctx.error(parts, f"expected no level for a transferable competence, got {level!r}; remove it")
    elif framework == "e-CF 3.0" and not isinstance(level, str):
        ctx.error(parts, f"expected an e-CF level e-1 … e-5, got {level!r}")
    elif framework == "DigComp 2.1" and not isinstance(level, int):
        ctx.error(parts, f"expected a DigComp level 1 … 8, got {level!r}")
    elif framework == "e-CF 3.0" and level_range:
        low, high = (ecf_number(x) for x in level_range)
        if not low <= ecf_number(level) <= high:
            ctx.warning(parts, f"expected a level within this competence's e-CF range "
                               f"{level_range[0]} … {level_range[1]}, got {level}")


def check_competence(doc: Document, sources: Sources, diags: Diagnostics) -> None:
    ctx = Ctx(doc, diags)
    data = doc.data
    framework = data["framework"]
    pattern, expected = CODES[framework]
    if not pattern.fullmatch(data["code"]):
        ctx.error(("code",), f"expected {expected} for framework {framework}, got {data['code']!r}")
    level_range = data.get("level_range")
    if level_range is not None:
        if framework != "e-CF 3.0":
            ctx.error(("level_range",), f"expected no level_range for a {framework} competence, got one")
            level_range = None
        elif ecf_number(level_range[0]) > ecf_number(level_range[1]):
            ctx.error(("level_range",), f"expected [lowest, highest], got {level_range[0]} before {level_range[1]}")
            level_range = None
    elif framework == "e-CF 3.0":
        ctx.warning(("level_range",), "expected the e-CF level range [lowest, highest], got nothing")
    check_level(ctx, framework, data.get("level"), ("level",), level_range)

    outcomes = ctx.unique(data["outcomes"], ("outcomes",), "outcome")
    check_lessons(ctx, data["lessons"], outcomes, lambda parts, value: sources.body(doc, parts, value))
    assessed = check_quiz(ctx, data["quiz"], ("quiz",), outcomes)
    assessed |= check_assignment(ctx, data["assignment"], ("assignment",), outcomes)
    check_assessed(ctx, data["outcomes"], ("outcomes",), assessed)
