"""Checks of an OLX course archive: tar safety, structure, answers, grading, dates, then olxcleaner and ORA2."""

from __future__ import annotations

import datetime
import json
import math
import posixpath
import re
import tarfile
import tempfile
from collections import Counter
from pathlib import Path, PurePosixPath

from lxml import etree

from .report import Problem, Report

URL_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
CONTAINERS = {"course": "chapter", "chapter": "sequential", "sequential": "vertical"}
LEAVES = {"html", "problem"}
ABOUT = ("about/overview.html", "about/short_description.html", "about/effort.html")


def parse_time(value: str | None) -> datetime.datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)


def link_inside(member: tarfile.TarInfo) -> bool:
    """A relative symbolic link whose target, read from the link's folder, stays inside course/."""
    target = posixpath.normpath(posixpath.join(posixpath.dirname(member.name), member.linkname))
    return not member.linkname.startswith("/") and target.split("/")[0] == "course" and target != "course"


def unsafe_members(tar: tarfile.TarFile) -> list[Problem]:
    """Members the importer refuses (devices, links leading out, absolute paths, '..') or outside course/.

    Studio extracts regular files, folders and links that stay inside the archive (edx-platform,
    openedx/core/lib/extract_archive.py); olx-utils' archives hold folders and a link policies/RUN → _base.
    Hard links are refused as well: neither musa-build nor olx-utils writes them.
    """
    problems = []
    for member in tar.getmembers():
        path = PurePosixPath(member.name)
        if member.issym() and not link_inside(member):
            problems.append(Problem(member.name, f"link to {member.linkname!r}, outside course/"))
        elif not (member.isreg() or member.isdir() or member.issym()):
            problems.append(Problem(member.name, "not a regular file"))
        if path.is_absolute() or ".." in path.parts or "\\" in member.name:
            problems.append(Problem(member.name, "unsafe path"))
        elif not path.parts or path.parts[0] != "course" or (len(path.parts) < 2 and not member.isdir()):
            problems.append(Problem(member.name, "outside the single top folder course/"))
    return problems


def extract(tar: tarfile.TarFile, dest: Path) -> None:
    """Write every (already checked) member under dest, without trusting tarfile's own extraction."""
    members = tar.getmembers()
    for member in members:
        target = dest / member.name
        if member.isdir():
            target.mkdir(parents=True, exist_ok=True)
        elif member.isreg():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(tar.extractfile(member).read())
    for member in members:  # links last, once what they point at exists; each was checked to stay inside
        if member.issym():
            (dest / member.name).parent.mkdir(parents=True, exist_ok=True)
            (dest / member.name).symlink_to(member.linkname)


class CourseChecker:
    """Walks one extracted course/ folder from course.xml down, checking each file as it goes."""

    def __init__(self, root: Path, report: Report):
        self.root, self.report = root, report
        self.url_names: dict[str, str] = {}
        self.formats: Counter = Counter()
        self.oras: list[tuple[str, etree._Element]] = []
        self.start = self.end = None

    def rel(self, path: Path) -> str:
        return f"course/{path.relative_to(self.root).as_posix()}"

    def load(self, path: Path) -> etree._Element | None:
        if not path.is_file():
            self.report.add(self.rel(path), "referenced but missing")
            return None
        try:
            return etree.parse(str(path), etree.XMLParser(resolve_entities=False)).getroot()
        except etree.XMLSyntaxError as exc:
            self.report.add(self.rel(path), f"not well-formed XML: {exc}")
            return None

    def claim(self, name: str | None, where: str) -> None:
        """Record a url_name, which must be well formed and unique across the course."""
        if not name or not URL_NAME.match(name):
            self.report.add(where, f"bad url_name {name!r}")
        elif name in self.url_names:
            self.report.add(where, f"url_name {name!r} also used in {self.url_names[name]}")
        else:
            self.url_names[name] = where

    def check(self) -> str | None:
        """Check the whole course; return its run name."""
        pointer = self.load(self.root / "course.xml")
        if pointer is None:
            return None
        inline = pointer.tag == "course" and {"url_name", "org", "course"} < set(pointer.attrib) and len(pointer)
        if pointer.tag != "course" or (set(pointer.attrib) != {"url_name", "org", "course"} and not inline):
            self.report.add("course/course.xml", "must be <course url_name org course/> with exactly those attributes, "
                                                 "or the whole course with its chapters")
            return None
        run = pointer.get("url_name")
        self.claim(run, "course/course.xml")
        if inline:  # the course written in course.xml itself, as olx-utils' trees have it
            course, where = pointer, "course/course.xml"
        else:
            course, where = self.load(self.root / "course" / f"{run}.xml"), f"course/course/{run}.xml"
        if course is None:
            return run
        for attr in ("display_name", "start", "end", "language"):
            if not course.get(attr):
                self.report.add(where, f"missing {attr}")
        self.start, self.end = parse_time(course.get("start")), parse_time(course.get("end"))
        if not self.start or not self.end or self.start >= self.end:
            self.report.add(where, "start and end must be ISO-8601 times with start before end")
        self.children(course, "chapter", where)
        return run

    def children(self, element, tag: str, where: str) -> None:
        for child in element:
            if child.tag is etree.Comment:
                continue
            if child.tag != tag and not (tag == "leaf" and child.tag in LEAVES | {"openassessment"}):
                self.report.add(where, f"unexpected <{child.tag}> (expected <{tag}>)")
            elif child.tag == "openassessment":
                self.claim(child.get("url_name"), where)
                self.oras.append((where, child))
                self.within_course(child, ("submission_start", "submission_due"), where)
            else:
                self.block(child, where)

    def block(self, pointer, where: str) -> None:
        tag, name = pointer.tag, pointer.get("url_name")
        if set(pointer.attrib) != {"url_name"}:
            self.report.add(where, f"<{tag}> pointer must carry only url_name")
        self.claim(name, where)
        path = self.root / tag / f"{name}.xml"
        element = self.load(path) if name else None
        if element is None:
            return
        here = self.rel(path)
        if element.tag != tag:
            self.report.add(here, f"root is <{element.tag}>, expected <{tag}>")
        if not element.get("display_name"):
            self.report.add(here, "missing display_name")
        self.report.counts[tag] += 1
        getattr(self, f"check_{tag}", lambda e, w: None)(element, here)
        if tag in CONTAINERS:
            self.children(element, CONTAINERS[tag], here)
        elif tag == "vertical":
            self.children(element, "leaf", here)

    def check_sequential(self, element, where: str) -> None:
        fmt, graded = element.get("format"), element.get("graded") == "true"
        if graded and not fmt:
            self.report.add(where, "graded without a format")
        if fmt:
            self.formats[fmt] += 1
        self.within_course(element, ("start", "due"), where)

    def check_html(self, element, where: str) -> None:
        name = element.get("filename")
        if not name or not (self.root / "html" / f"{name}.html").is_file():
            self.report.add(where, f"html file html/{name}.html is missing")

    def check_problem(self, element, where: str) -> None:
        for response in element.iter("multiplechoiceresponse"):
            self.report.counts["single choice"] += 1
            correct = [c for c in response.iter("choice") if c.get("correct") == "true"]
            if len(correct) != 1:
                self.report.add(where, f"single choice problem with {len(correct)} correct choices (must be 1)")
        for response in element.iter("choiceresponse"):
            self.report.counts["multiple response"] += 1
            if not any(c.get("correct") == "true" for c in response.iter("choice")):
                self.report.add(where, "multiple response problem without a correct choice")
        for choice in element.iter("choice"):
            if choice.get("correct") not in ("true", "false"):
                self.report.add(where, f"choice with correct={choice.get('correct')!r}")
        if element.find(".//solution") is None:
            self.report.add(where, "problem without a <solution>")

    def within_course(self, element, attrs, where: str) -> None:
        times = []
        for attr in attrs:
            value = element.get(attr)
            if value is None:
                continue
            moment = parse_time(value)
            times.append(moment)
            if moment is None:
                self.report.add(where, f"{attr}={value!r} is not an ISO-8601 time")
            elif self.start and self.end and not self.start <= moment <= self.end:
                self.report.add(where, f"{attr} {value} is outside the course ({self.start:%Y-%m-%d}..{self.end:%Y-%m-%d})")
        if len(times) == 2 and all(times) and times[0] >= times[1]:
            self.report.add(where, f"{attrs[0]} is not before {attrs[1]}")


def check_rubrics(checker: CourseChecker) -> None:
    counts = checker.report.counts
    for where, ora in checker.oras:
        counts["rubric"] += 1
        if ora.find("title") is None or ora.get("display_name") is not None:
            checker.report.add(where, "an ORA needs <title> and no display_name")
        if [a.get("name") for a in ora.iterfind("assessments/assessment")] != ["staff-assessment"]:
            checker.report.add(where, "the ORA must be graded by staff only")
        for criterion in ora.iterfind("rubric/criterion"):
            counts["criterion"] += 1
            counts["level"] += len(criterion.findall("option"))
            if criterion.findtext("name", "").strip() == "":
                checker.report.add(where, "criterion without a <name>")


def check_policies(root: Path, run: str, formats: Counter, report: Report) -> None:
    for name in (*ABOUT, "policies/assets.json"):
        if not (root / name).is_file():
            report.add(f"course/{name}", "missing")
    policy = read_json(root / "policies" / run / "policy.json", report)
    settings = policy.get(f"course/{run}") if isinstance(policy, dict) else None
    if not isinstance(settings, dict) or "openassessment" not in settings.get("advanced_modules", []):
        report.add(f"course/policies/{run}/policy.json", f'needs "course/{run}" with advanced_modules openassessment')
    elif settings.get("course_image") and not (root / "static" / settings["course_image"]).is_file():
        report.add(f"course/policies/{run}/policy.json", f"course_image static/{settings['course_image']} is missing")
    check_grading(read_json(root / "policies" / run / "grading_policy.json", report), formats,
                  f"course/policies/{run}/grading_policy.json", report)


def check_grading(policy, formats: Counter, where: str, report: Report) -> None:
    graders = policy.get("GRADER", []) if isinstance(policy, dict) else []
    if not graders or not isinstance(policy.get("GRADE_CUTOFFS"), dict):
        report.add(where, "needs GRADER and GRADE_CUTOFFS")
        return
    types = [g.get("type") for g in graders]
    if not math.isclose(sum(g.get("weight", 0) for g in graders), 1.0, abs_tol=1e-9):
        report.add(where, f"grader weights sum to {sum(g.get('weight', 0) for g in graders):g}, not 1")
    for grader in graders:
        if grader.get("min_count") != formats[grader.get("type")]:
            report.add(where, f"grader {grader.get('type')!r}: min_count {grader.get('min_count')} but the course "
                              f"has {formats[grader.get('type')]} graded subsections of that type")
    for fmt in sorted(set(formats) - set(types)):
        report.add(where, f"subsections of format {fmt!r} but no grader of that type")


def read_json(path: Path, report: Report):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        report.add(f"course/{path.name}", f"unreadable JSON: {exc}")
        return None


def run_olxcleaner(root: Path, report: Report) -> None:
    """olxcleaner with every step; anything at warning level or above is a problem."""
    try:
        import olxcleaner
    except ImportError:
        report.unavailable.append("olxcleaner")
        return
    _, errors, _ = olxcleaner.validate(str(root), steps=8)
    for error in errors.errors:
        if error.level_val >= 2:  # WARNING or ERROR
            report.add(f"course/{error.filename}", f"olxcleaner {error.level} {error.name}: {error.description}")


def run_ora2(checker: CourseChecker) -> None:
    """ORA2's own XML parser and validators over every rubric."""
    from . import ora
    validate = ora.validator()
    if validate is None:
        checker.report.unavailable.append("ora2")
        return
    for where, element in checker.oras:
        for message in validate(element):
            checker.report.add(where, f"ora2: {message}")


def check_course_folder(root: Path, report: Report) -> None:
    checker = CourseChecker(root, report)
    run = checker.check()
    if run is None:
        return
    check_rubrics(checker)
    check_policies(root, run, checker.formats, report)
    for fmt, count in checker.formats.items():
        report.counts[f"graded {fmt}"] = count
    run_olxcleaner(root, report)
    run_ora2(checker)


def detect(path: Path) -> bool:
    """An OLX course archive: a gzip tar whose top folder is course/."""
    if path.is_dir() or not path.name.endswith((".tar.gz", ".tgz")):
        return False
    try:
        with tarfile.open(path, "r:gz") as tar:
            return any(m.name.split("/")[0] == "course" for m in tar.getmembers()[:50])
    except (OSError, tarfile.TarError):
        return False


def validate_archive(path: Path) -> Report:
    """Every check of one .tar.gz course archive."""
    report = Report()
    try:
        tar = tarfile.open(path, "r:gz")
    except (OSError, tarfile.TarError) as exc:
        report.add(path.name, f"not a gzip tar archive: {exc}")
        return report
    with tar, tempfile.TemporaryDirectory() as temporary:
        unsafe = unsafe_members(tar)
        if unsafe:
            report.problems.extend(unsafe)
            return report
        extract(tar, Path(temporary))
        check_course_folder(Path(temporary) / "course", report)
    return report
