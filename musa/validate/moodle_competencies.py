"""Checks of a competency framework CSV as Moodle's "Import competency framework" (tool_lpimportcsv) reads it.

The tool reads columns by position, keeps the last row marked as framework, indexes the other rows by
idnumber (a repeated idnumber silently replaces the earlier row) and attaches each to the row named by its
parent idnumber, starting from an empty parent; a row whose parent never resolves is silently left out.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

from .report import Report

COLUMNS = ("parentidnumber", "idnumber", "shortname", "description", "descriptionformat", "scalevalues",
           "scaleconfiguration", "ruletype", "ruleoutcome", "ruleconfig", "relatedidnumbers", "exportid",
           "isframework", "taxonomy")
HEADINGS = ("parent id number", "id number", "short name", "description", "description format", "scale values",
            "scale configuration", "rule type (optional)", "rule outcome (optional)", "rule config (optional)",
            "cross-referenced competency id numbers", "exported id (optional)", "is framework", "taxonomy")
TAXONOMIES = {"behaviour", "competency", "concept", "domain", "indicator", "level", "outcome", "practice",
              "proficiency", "skill", "value"}
FORMATS = {"0", "1", "2", "4"}  # FORMAT_MOODLE, FORMAT_HTML, FORMAT_PLAIN, FORMAT_MARKDOWN
MAX_TEXT = 100  # the tool shortens idnumber and shortname to 100 characters
MAX_BYTES = 20_000_000


def header_of(path: Path) -> list[str] | None:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(handle), None)
    except (UnicodeDecodeError, csv.Error, OSError):
        return None


def detect(path: Path) -> bool:
    """A .csv whose header row is the tool's fourteen columns."""
    if not path.name.lower().endswith(".csv") or not path.is_file() or path.stat().st_size > MAX_BYTES:
        return False
    header = header_of(path)
    return header is not None and tuple(h.strip().lower() for h in header) == HEADINGS


def truthy(value: str) -> bool:
    """PHP's truth of a CSV cell: anything but '' and '0'."""
    return value not in ("", "0")


def check_scale(report: Report, where: str, values: str, configuration: str) -> None:
    items = [v.strip() for v in values.split(",")]
    if len(items) < 2 or not all(items):
        report.add(where, f"scale values: expected a comma-separated list of at least two values, got {values!r}")
    try:
        config = json.loads(configuration)
    except ValueError:
        report.add(where, "scale configuration is not JSON")
        return
    if not (isinstance(config, list) and config and isinstance(config[0], dict) and "scaleid" in config[0]):
        report.add(where, "scale configuration: expected a JSON list starting with {\"scaleid\": …}")
        return
    entries = [e for e in config[1:] if isinstance(e, dict)]
    ids = [e.get("id") for e in entries]
    if any(not isinstance(i, int) or not 1 <= i <= len(items) for i in ids):
        report.add(where, f"scale configuration: value ids {ids} outside 1…{len(items)}")
    if not any(e.get("scaledefault") for e in entries):
        report.add(where, "scale configuration: no default value (Moodle refuses the framework)")
    if not any(e.get("proficient") for e in entries):
        report.add(where, "scale configuration: no proficient value (Moodle refuses the framework)")


def validate_archive(path: Path) -> Report:
    report = Report()
    try:
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except (UnicodeDecodeError, csv.Error) as exc:
        report.add(path.name, f"not a UTF-8 CSV file: {exc}")
        return report
    if not rows or tuple(h.strip().lower() for h in rows[0]) != HEADINGS:
        report.add("line 1", "expected the tool's 14 column headings")
        return report
    frameworks, competences, lines = [], {}, {}
    for number, row in enumerate(rows[1:], 2):
        where = f"line {number}"
        if len(row) != len(COLUMNS):
            report.add(where, f"expected {len(COLUMNS)} columns, got {len(row)}")
            row = (row + [""] * len(COLUMNS))[:len(COLUMNS)]
        record = dict(zip(COLUMNS, row))
        if record["descriptionformat"] not in FORMATS:
            report.add(where, f"description format {record['descriptionformat']!r} is not a Moodle text format")
        for field in ("idnumber", "shortname"):
            if not record[field].strip():
                report.add(where, f"empty {field} (the tool skips the row and everything under it)")
            elif len(record[field]) > MAX_TEXT:
                report.add(where, f"{field} longer than {MAX_TEXT} characters (the tool shortens it)")
        if truthy(record["isframework"]):
            frameworks.append((where, record))
            continue
        if record["idnumber"] in competences:
            report.add(where, f"idnumber {record['idnumber']!r} repeats {lines[record['idnumber']]} "
                              "(the tool keeps only the last)")
        competences[record["idnumber"]] = record
        lines[record["idnumber"]] = where
        if record["scalevalues"]:
            check_scale(report, where, record["scalevalues"], record["scaleconfiguration"])
    if len(frameworks) != 1:
        report.add(path.name, f"expected one framework row, got {len(frameworks)}")
    for where, framework in frameworks:
        check_scale(report, where, framework["scalevalues"], framework["scaleconfiguration"])
        unknown = [t for t in framework["taxonomy"].split(",") if t and t not in TAXONOMIES]
        if unknown:
            report.add(where, f"unknown taxonomies {unknown} (known: {', '.join(sorted(TAXONOMIES))})")
    check_tree(report, competences, lines)
    report.counts["framework"] = len(frameworks)
    return report


def check_tree(report: Report, competences: dict[str, dict], lines: dict[str, str]) -> None:
    """Every parent resolves and every competency is reached from the top, as the tool builds the tree."""
    children: dict[str, list[str]] = {}
    for idnumber, record in competences.items():
        parent = record["parentidnumber"]
        if parent and parent not in competences:
            report.add(lines[idnumber], f"parent {parent!r} is no competency of the file (the row is left out)")
        children.setdefault(parent, []).append(idnumber)
    reached, depth, todo = set(), Counter(), [("", 0)]
    while todo:
        parent, level = todo.pop()
        for child in children.get(parent, ()):
            if child not in reached:
                reached.add(child)
                depth[level + 1] += 1
                todo.append((child, level + 1))
    for idnumber in competences:
        if idnumber not in reached and competences[idnumber]["parentidnumber"] in competences:
            report.add(lines[idnumber], f"{idnumber!r} is not reached from the top (a cycle of parents)")
    has_children = {competences[i]["parentidnumber"] for i in reached}
    report.counts["competency"] = len(reached)
    report.counts["top-level competency"] = depth[1]
    report.counts["leaf competency"] = sum(1 for i in reached if i not in has_children)
