"""Checks of a Moodle course backup (.mbz): safe members, the file set, well-formed XML, ids that resolve, answers,
rubrics, grades, and counts of what Moodle will restore."""

from __future__ import annotations

import fnmatch
import re
import tarfile
import zipfile
from collections import Counter
from pathlib import Path, PurePosixPath

from lxml import etree

from .report import Report

NULL = "$@NULL@$"
BACKUP_VERSION = "2024100700"
BACKUP_RELEASE = "4.5"
TOP_FILES = ("moodle_backup.xml", "files.xml", "questions.xml", "roles.xml", "groups.xml", "outcomes.xml",
             "scales.xml", "users.xml", "badges.xml", "completion.xml", "gradebook.xml", "grade_history.xml")
COURSE_FILES = ("course.xml", "roles.xml", "filters.xml", "calendar.xml", "comments.xml", "competencies.xml",
                "completiondefaults.xml", "contentbank.xml", "enrolments.xml", "inforef.xml")
ACTIVITY_FILES = ("module.xml", "grades.xml", "roles.xml", "inforef.xml", "filters.xml", "calendar.xml",
                  "comments.xml", "competencies.xml", "completion.xml", "grade_history.xml", "xapistate.xml")
# The question types a standard Moodle 4.5 ships; a question of any other type restores without a word and breaks.
CORE_QTYPES = frozenset({"calculated", "calculatedmulti", "calculatedsimple", "ddimageortext", "ddmarker", "ddwtos",
                         "description", "essay", "gapselect", "match", "multianswer", "multichoice", "numerical",
                         "ordering", "random", "randomsamatch", "shortanswer", "truefalse"})
HEX32 = re.compile(r"^[0-9a-f]{32}$")
RUBRIC_READY = "20"
# What a restore writes into columns of a fixed length (Moodle's install.xml): a longer value fails the restore
# with a database error. By file (a glob), the path of the value in its XML, and the column's length.
LENGTHS = (
    ("course/course.xml", "fullname", 1333), ("course/course.xml", "shortname", 255),
    ("course/course.xml", "idnumber", 100), ("course/calendar.xml", "event/name", 255),
    ("sections/*/section.xml", "name", 255), ("activities/*/module.xml", "idnumber", 100),
    ("activities/assign_*/assign.xml", "assign/name", 255), ("activities/*/grades.xml", ".//grade_item/itemname", 255),
    ("activities/*/grading.xml", ".//definition/name", 255), ("questions.xml", ".//question_category/name", 255),
    ("questions.xml", ".//question/name", 255), ("questions.xml", ".//question_bank_entry/idnumber", 100),
)
TOLERANCE = 1e-5


def read_members(path: Path, report: Report) -> dict[str, bytes] | None:
    """Every regular member of a gzip tar (or zip) backup, refusing links, devices and paths that leave it."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                entries = [(i.filename, i.is_dir(), False, archive.read(i) if not i.is_dir() else b"")
                           for i in archive.infolist()]
        else:
            with tarfile.open(path, "r:gz") as tar:
                entries = [(m.name, m.isdir(), not (m.isreg() or m.isdir()),
                            tar.extractfile(m).read() if m.isreg() else b"") for m in tar.getmembers()]
    except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError) as exc:
        report.add(path.name, f"not a gzip tar or zip archive: {exc}")
        return None
    members, safe = {}, True
    for name, is_dir, odd, data in entries:
        pure = PurePosixPath(name)
        if odd:
            report.add(name, "not a regular file or folder")
            safe = False
        if pure.is_absolute() or ".." in pure.parts or "\\" in name:
            report.add(name, "unsafe path")
            safe = False
        if not is_dir and not odd:
            members[name.removeprefix("./")] = data
    return members if safe else None


def text(element, path: str, default: str = "") -> str:
    found = element.find(path) if element is not None else None
    return (found.text or "") if found is not None else default


def number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


class BackupChecker:
    """Walks one backup from moodle_backup.xml through sections, activities and the question bank."""

    def __init__(self, members: dict[str, bytes], report: Report):
        self.members, self.report = members, report
        self.xml: dict[str, etree._Element] = {}
        self.entries: dict[str, tuple[str, etree._Element]] = {}  # question bank entry id → (category id, entry)
        self.categories: dict[str, str] = {}  # question category id → context id

    def add(self, file: str, message: str) -> None:
        self.report.add(file, message)

    def load(self, name: str) -> etree._Element | None:
        if name in self.xml:
            return self.xml[name]
        if name not in self.members:
            self.add(name, "missing")
            return None
        try:
            root = etree.fromstring(self.members[name], etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError as exc:
            self.add(name, f"not well-formed XML: {exc}")
            return None
        self.xml[name] = root
        return root

    def check(self) -> None:
        for name in sorted(self.members):
            if name.endswith(".xml"):
                self.load(name)
        for name in (*TOP_FILES, *(f"course/{n}" for n in COURSE_FILES)):
            if name not in self.members:
                self.add(name, "missing")
        backup = self.xml.get("moodle_backup.xml")
        if backup is None:
            return
        self.information(backup)
        self.question_bank()
        sections = self.sections(backup)
        self.activities(backup, sections)
        self.unlisted(backup)
        self.course_grades()
        self.lengths()

    def lengths(self) -> None:
        """Values longer than the columns a restore writes them into (LENGTHS)."""
        for name, root in sorted(self.xml.items()):
            for pattern, path, limit in LENGTHS:
                if fnmatch.fnmatchcase(name, pattern):
                    for element in root.iterfind(path):
                        if len(element.text or "") > limit:
                            self.add(name, f"{path.removeprefix('.//')} of {len(element.text)} characters: Moodle "
                                           f"keeps at most {limit}, and the restore would fail")

    def unlisted(self, backup) -> None:
        """Section and activity folders that moodle_backup.xml does not list: Moodle would never restore them."""
        listed = {text(e, "directory") for e in backup.iterfind("information/contents/*/*")}
        folders = {"/".join(name.split("/")[:2]) for name in self.members
                   if name.split("/")[0] in ("sections", "activities") and name.count("/") >= 2}
        for folder in sorted(folders - listed):
            self.add(folder, "folder not listed in moodle_backup.xml")

    def information(self, backup) -> None:
        info = backup.find("information")
        where = "moodle_backup.xml"
        if info is None:
            self.add(where, "no <information>")
            return
        for tag, expected in (("backup_version", BACKUP_VERSION), ("backup_release", BACKUP_RELEASE)):
            if text(info, tag) != expected:
                self.add(where, f"{tag}: expected {expected}, got {text(info, tag)!r}")
        if not HEX32.match(text(info, "original_site_identifier_hash")):
            self.add(where, "original_site_identifier_hash: expected 32 hexadecimal digits")
        if text(info, "details/detail/type") != "course":
            self.add(where, "not a course backup")
        course = self.xml.get("course/course.xml")
        if course is not None:
            if text(info, "contents/course/directory") != "course":
                self.add(where, "contents/course/directory: expected 'course'")
            if text(info, "original_course_contextid") != course.get("contextid"):
                self.add("course/course.xml", "contextid differs from original_course_contextid")
            if text(course, "format") != text(info, "original_course_format"):
                self.add("course/course.xml", "format differs from original_course_format")

    def sections(self, backup) -> dict[str, list[str]]:
        """Each section id with the module ids its sequence lists."""
        found: dict[str, list[str]] = {}
        numbers = set()
        for section in backup.iterfind("information/contents/sections/section"):
            sid, directory = text(section, "sectionid"), text(section, "directory")
            if directory != f"sections/section_{sid}":
                self.add("moodle_backup.xml", f"section {sid}: directory {directory!r}")
            root = self.load(f"{directory}/section.xml")
            self.load(f"{directory}/inforef.xml")
            if root is None:
                continue
            if root.get("id") != sid:
                self.add(f"{directory}/section.xml", f"id {root.get('id')!r} differs from moodle_backup.xml ({sid})")
            numbers.add(text(root, "number"))
            sequence = text(root, "sequence")
            found[sid] = [s for s in sequence.split(",") if s]
            self.report.counts["sections"] += 1
        if found and "0" not in numbers:
            self.add("moodle_backup.xml", "no section 0")
        return found

    def activities(self, backup, sections: dict[str, list[str]]) -> None:
        listed = Counter(cm for seq in sections.values() for cm in seq)
        for cm, n in listed.items():
            if n > 1:
                self.add("moodle_backup.xml", f"module {cm} is in {n} section sequences")
        contexts = Counter()
        for activity in backup.iterfind("information/contents/activities/activity"):
            cmid, mod = text(activity, "moduleid"), text(activity, "modulename")
            sid, directory = text(activity, "sectionid"), text(activity, "directory")
            if directory != f"activities/{mod}_{cmid}":
                self.add("moodle_backup.xml", f"activity {cmid}: directory {directory!r}")
            if sid not in sections:
                self.add("moodle_backup.xml", f"activity {cmid} is in section {sid}, which the backup does not list")
            elif cmid not in sections[sid]:
                self.add(f"sections/section_{sid}/section.xml", f"sequence does not list module {cmid}")
            listed.pop(cmid, None)
            for name in (*ACTIVITY_FILES, f"{mod}.xml"):
                if f"{directory}/{name}" not in self.members:
                    self.add(f"{directory}/{name}", "missing")
            module = self.load(f"{directory}/module.xml")
            if module is not None and (module.get("id") != cmid or text(module, "modulename") != mod
                                       or text(module, "sectionid") != sid):
                self.add(f"{directory}/module.xml", "id, modulename or sectionid differ from moodle_backup.xml")
            body = self.load(f"{directory}/{mod}.xml")
            if body is None:
                continue
            if body.get("moduleid") != cmid or body.get("modulename") != mod:
                self.add(f"{directory}/{mod}.xml", "moduleid or modulename differ from moodle_backup.xml")
            contexts[body.get("contextid")] += 1
            self.report.counts[{"page": "pages", "quiz": "quizzes", "assign": "assignments"}.get(mod, mod)] += 1
            self.grades(directory, module)
            if mod == "quiz":
                self.quiz(directory, body)
            elif mod == "assign":
                self.assign(directory)
        for cm in listed:
            self.add("moodle_backup.xml", f"a section sequence lists module {cm}, which the backup does not list")
        for context, n in contexts.items():
            if n > 1:
                self.add("moodle_backup.xml", f"context id {context} is used by {n} activities")

    def inforef_ids(self, directory: str, kind: str) -> set[str]:
        root = self.xml.get(f"{directory}/inforef.xml")
        return {e.text or "" for e in root.iterfind(f"{kind}ref/{kind}/id")} if root is not None else set()

    def grades(self, directory: str, module) -> None:
        root = self.xml.get(f"{directory}/grades.xml")
        if root is None:
            return
        referenced = self.inforef_ids(directory, "grade_item")
        for item in root.iterfind("grade_items/grade_item"):
            where = f"{directory}/grades.xml"
            if item.get("id") not in referenced:
                self.add(where, f"grade item {item.get('id')} is not listed in inforef.xml")
            top, passing = number(text(item, "grademax")), number(text(item, "gradepass"))
            if top is None or passing is None or not 0 <= passing <= top:
                self.add(where, f"gradepass {text(item, 'gradepass')!r} outside 0..grademax {text(item, 'grademax')!r}")
            elif passing > 0:
                self.report.counts["grades to pass"] += 1
        if module is not None and text(module, "completionpassgrade") == "1":
            items = root.findall("grade_items/grade_item")
            if not items or not any((number(text(i, "gradepass")) or 0) > 0 for i in items):
                self.add(f"{directory}/module.xml", "completion on a passing grade, but no grade to pass is set")

    def question_bank(self) -> None:
        root = self.xml.get("questions.xml")
        if root is None:
            return
        stamps = Counter()
        for category in root.iterfind("question_category"):
            self.categories[category.get("id")] = text(category, "contextid")
            stamps[text(category, "stamp")] += 1
            for entry in category.iterfind("question_bank_entries/question_bank_entry"):
                self.entries[entry.get("id")] = (category.get("id"), entry)
                if text(entry, "questioncategoryid") != category.get("id"):
                    self.add("questions.xml", f"question bank entry {entry.get('id')} names another category")
                for question in entry.iterfind("question_version/question_versions/questions/question"):
                    stamps[text(question, "stamp")] += 1
                    self.question(question)
        for value, n in stamps.items():
            if not value:
                self.add("questions.xml", "a question or category without a stamp")
            elif n > 1:
                self.add("questions.xml", f"stamp {value!r} is used {n} times")

    def question(self, question) -> None:
        where = f"questions.xml: question {question.get('id')}"
        qtype = text(question, "qtype")
        answers = question.findall(f"plugin_qtype_{qtype}_question/answers/answer")
        fractions = [number(text(a, "fraction")) for a in answers]
        if any(f is None for f in fractions):
            self.add(where, "an answer fraction is not a number")
            return
        if qtype == "multichoice":
            single = text(question, "plugin_qtype_multichoice_question/multichoice/single")
            if single == "1":
                self.report.counts["questions single"] += 1
                if abs(max(fractions, default=0) - 1) > TOLERANCE:
                    self.add(where, f"single-answer multichoice without an answer worth 100 % ({fractions})")
            else:
                self.report.counts["questions multiple"] += 1
                positive = sum(f for f in fractions if f > 0)
                if abs(positive - 1) > TOLERANCE:
                    self.add(where, f"multiple-answer fractions of the correct answers sum to {positive:g}, not 1")
            if len(answers) < 2:
                self.add(where, "multichoice with fewer than two answers")
        elif qtype == "truefalse":
            self.report.counts["questions truefalse"] += 1
            ids = {a.get("id"): f for a, f in zip(answers, fractions)}
            plugin = question.find("plugin_qtype_truefalse_question/truefalse")
            pair = (text(plugin, "trueanswer"), text(plugin, "falseanswer"))
            if len(answers) != 2 or set(pair) != set(ids):
                self.add(where, "truefalse answers do not match trueanswer/falseanswer")
            elif sorted(ids.values()) != [0.0, 1.0]:
                self.add(where, "truefalse needs one answer worth 100 % and one worth 0")
        else:
            self.report.counts[f"questions {qtype}"] += 1
            if qtype not in CORE_QTYPES:
                self.add(where, f"question type {qtype!r} is not one Moodle 4.5 ships")

    def quiz(self, directory: str, body) -> None:
        where = f"{directory}/quiz.xml"
        context = body.get("contextid")
        categories = self.inforef_ids(directory, "question_category")
        for category in categories:
            if category not in self.categories:
                self.add(f"{directory}/inforef.xml", f"question category {category} is not in questions.xml")
        marks = 0.0
        for slot in body.iterfind("quiz/question_instances/question_instance"):
            entry = text(slot, "question_reference/questionbankentryid")
            self.report.counts["quiz slots"] += 1
            marks += number(text(slot, "maxmark")) or 0
            if entry not in self.entries:
                self.add(where, f"slot {text(slot, 'slot')} points at question bank entry {entry!r}, "
                                "which questions.xml does not hold (Moodle would drop the question silently)")
                continue
            category = self.entries[entry][0]
            if category not in categories:
                self.add(f"{directory}/inforef.xml", f"does not list question category {category} of entry {entry}")
            if text(slot, "question_reference/usingcontextid") != context:
                self.add(where, f"slot {text(slot, 'slot')}: usingcontextid differs from the quiz's context")
        sumgrades = number(text(body, "quiz/sumgrades"))
        if sumgrades is None or abs(sumgrades - marks) > TOLERANCE:
            self.add(where, f"sumgrades {text(body, 'quiz/sumgrades')} differs from the slots' marks ({marks:g})")
        if body.find("quiz/feedbacks/feedback") is not None:
            self.report.counts["quizzes with overall feedback"] += 1

    def assign(self, directory: str) -> None:
        name = f"{directory}/grading.xml"
        if name not in self.members:
            return
        root = self.load(name)
        if root is None:
            return
        for area in root.iterfind("area"):
            if text(area, "activemethod") != "rubric":
                continue
            definitions = area.findall("definitions/definition[method='rubric']")
            if not definitions:
                self.add(name, "rubric is the active method but there is no rubric definition")
            for definition in definitions:
                if text(definition, "status") != RUBRIC_READY:
                    self.add(name, f"rubric status {text(definition, 'status')!r}, not ready ({RUBRIC_READY})")
                self.report.counts["rubrics"] += 1
                criteria = definition.findall("plugin_gradingform_rubric_definition/criteria/criterion")
                if not criteria:
                    self.add(name, "rubric without criteria")
                for criterion in criteria:
                    self.report.counts["rubric criteria"] += 1
                    levels = criterion.findall("levels/level")
                    self.report.counts["rubric levels"] += len(levels)
                    scores = [number(text(level, "score")) for level in levels]
                    if len(levels) < 2 or None in scores or len(set(scores)) != len(scores):
                        self.add(name, f"criterion {text(criterion, 'description')!r}: needs two or more levels "
                                       "with distinct numeric scores")

    def course_grades(self) -> None:
        root = self.xml.get("gradebook.xml")
        if root is None:
            return
        for item in root.iterfind("grade_items/grade_item[itemtype='course']"):
            top, passing = number(text(item, "grademax")), number(text(item, "gradepass"))
            if top is None or passing is None or not 0 <= passing <= top:
                self.add("gradebook.xml", "course gradepass outside 0..grademax")


def detect(path: Path) -> bool:
    """A Moodle backup: a gzip tar or zip holding moodle_backup.xml at its root."""
    if path.is_dir():
        return False
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                return "moodle_backup.xml" in archive.namelist()
        with tarfile.open(path, "r:gz") as tar:
            return any(m.name.removeprefix("./") == "moodle_backup.xml" for m in tar.getmembers())
    except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError):
        return False


def validate_archive(path: Path) -> Report:
    """Every check of one Moodle course backup."""
    report = Report()
    members = read_members(path, report)
    if members is not None:
        BackupChecker(members, report).check()
    return report


def validate_members(members: dict[str, bytes]) -> Report:
    """The same checks on members already in memory."""
    report = Report()
    BackupChecker(members, report).check()
    return report

