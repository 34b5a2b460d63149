"""Rules for a programme: dates, hours per mode, weights, courses, self-assessment; and project-wide use."""

from __future__ import annotations

from ..calendar import as_date
from ..errors import Diagnostics, Loc, did_you_mean
from ..sources import Sources
from ..specs import PROGRAMME
from ..yamlsource import Document
from .context import Ctx

TOLERANCE = 1e-6


def check_programme(doc: Document, sources: Sources, diags: Diagnostics) -> None:
    ctx = Ctx(doc, diags)
    data = doc.data
    start, end = as_date(data["dates"]["start"]), as_date(data["dates"]["end"])
    if end <= start:
        ctx.error(("dates", "end"), f"expected a date after dates.start ({start}), got {end}")
    for i, item in enumerate(data.get("breaks", []) if start < end else []):
        b_start, b_end = as_date(item["start"]), as_date(item["end"])
        if b_end < b_start:
            ctx.error(("breaks", i, "end"), f"expected a date on or after the break's start ({b_start}), got {b_end}")
        elif not start <= b_start <= end:
            ctx.error(("breaks", i, "start"), f"expected a date within the programme ({start} … {end}), got {b_start}")
    languages = data["languages"]
    if "en" not in languages:
        ctx.error(("languages",), f"expected 'en' among the languages (English is always complete), got {languages}")
    if len(set(languages)) != len(languages):
        ctx.error(("languages",), f"expected each language once, got {languages}")
    _check_modes(ctx, data)
    weights = data["grading"]["weights"]
    total = sum(weights.values())
    if abs(total - 1) > TOLERANCE:
        shown = " + ".join(f"{v:g}" for v in weights.values()) or "nothing"
        ctx.error(("grading", "weights"), f"expected weights that sum to 1, got {shown} = {total:g}")
    _check_assumptions(ctx, data)
    _check_courses(ctx, data, sources)
    if "self_assessment" in data:
        _check_self_assessment(ctx, data)


def _check_modes(ctx: Ctx, data) -> None:
    ctx.unique(data["modes"], ("modes",), "mode")
    for i, mode in enumerate(data["modes"]):
        ctx.unique(mode["parts"], ("modes", i, "parts"), "part")
        hours = [part["hours"] for part in mode["parts"]]
        if abs(sum(hours) - mode["total_hours"]) > TOLERANCE:
            shown = " + ".join(f"{h:g}" for h in hours)
            ctx.error(("modes", i, "total_hours"), f"expected the sum of the parts ({shown} = {sum(hours):g}), "
                                                   f"got {mode['total_hours']:g}")


def _check_assumptions(ctx: Ctx, data) -> None:
    for i, item in enumerate(data.get("assumptions", [])):
        key = item["key"]
        head, *rest = key.split(".")
        if head not in PROGRAMME.fields:
            ctx.error(("assumptions", i, "key"), f"expected a key of this programme file, got '{key}'"
                                                 f"{did_you_mean(head, PROGRAMME.fields)}")
            continue
        value = data.get(head)
        for part in rest:
            if isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            elif isinstance(value, dict) and part in value:
                value = value[part]
            else:
                ctx.error(("assumptions", i, "key"), f"expected a key of this programme file, got '{key}'")
                break


def _check_courses(ctx: Ctx, data, sources: Sources) -> None:
    courses = {**sources.docs["role"], **sources.docs["workshop"]}
    seen = set()
    for i, ident in enumerate(data["courses"]):
        if ident in seen:
            ctx.error(("courses", i), f"expected each course once, got '{ident}' again")
        seen.add(ident)
        if ident in courses:
            owner = courses[ident].data["programme"]
            if owner != data["id"]:
                ctx.error(("courses", i), f"expected a course of programme '{data['id']}', got '{ident}', "
                                          f"which names programme '{owner}'")
        elif ident not in sources.broken:
            ctx.error(("courses", i), f"expected a role or workshop id, got '{ident}', which no file in roles/ or "
                                      f"content/workshops/ defines{did_you_mean(ident, courses)}")
    for ident, doc in sorted(courses.items()):
        if doc.data["programme"] == data["id"] and ident not in seen:
            Ctx(doc, ctx.diags).error(("programme",), f"expected programme '{data['id']}' to list '{ident}' "
                                                      "in its courses, got a list without it")


def _check_self_assessment(ctx: Ctx, data) -> None:
    assessment = data["self_assessment"]
    parts = ("self_assessment",)
    ctx.unique(assessment["questions"], parts + ("questions",), "question")
    lowest = sum(min(o["score"] for o in q["options"]) for q in assessment["questions"])
    highest = sum(max(o["score"] for o in q["options"]) for q in assessment["questions"])
    expected_min = lowest
    for i, band in enumerate(assessment["bands"]):
        where = parts + ("bands", i)
        if band["min"] != expected_min:
            what = "the lowest possible score" if i == 0 else "one more than the band before"
            ctx.error(where + ("min",), f"expected {expected_min} ({what}), got {band['min']}")
        if band["max"] < band["min"]:
            ctx.error(where + ("max",), f"expected at least the band's min ({band['min']}), got {band['max']}")
        expected_min = band["max"] + 1
        if band["course"] not in data["courses"]:
            ctx.error(where + ("course",), f"expected a course of this programme, got '{band['course']}'"
                                           f"{did_you_mean(band['course'], data['courses'])}")
    last = assessment["bands"][-1]["max"]
    if last != highest:
        ctx.error(parts + ("bands", len(assessment["bands"]) - 1, "max"),
                  f"expected {highest} (the highest possible score), got {last}")


def check_usage(sources: Sources, diags: Diagnostics) -> None:
    """Every competence is taught by some course; every course is in a programme (checked there)."""
    if sources.broken:
        return  # a broken course file may be the one that uses a competence
    used = set()
    for kind in ("role", "workshop"):
        for doc in sources.docs[kind].values():
            used |= {e if isinstance(e, str) else e["id"] for e in doc.data["competences"]}
    for ident, doc in sorted(sources.docs["competence"].items()):
        if ident not in used:
            diags.warning(doc.loc(("id",)), f"expected competence '{ident}' to be used by some role or workshop, "
                                            "got none")
    if not sources.docs["programme"] and not sources.broken:
        diags.error(Loc("content/programmes"), "expected at least one programme file, got none")


def check_languages(sources: Sources, diags: Diagnostics) -> None:
    """A text in a language no programme declares is never built: most likely a mistyped code (gr for el)."""
    declared = {lang for doc in sources.docs["programme"].values() for lang in doc.data["languages"]}
    if not declared or sources.broken:
        return  # a broken programme file may be the one that declares it
    for docs in sources.docs.values():
        for doc in docs.values():
            for lang, parts in doc.languages.items():
                if lang not in declared:
                    diags.warning(doc.loc(parts, key=True),
                                  f"expected a language the programmes declare ({', '.join(sorted(declared))}), "
                                  f"got '{lang}', whose texts no build uses{did_you_mean(lang, declared)}")
