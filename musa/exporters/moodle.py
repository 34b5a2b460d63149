"""Moodle 4.5 course backup (.mbz): the plan of moodle_plan.py numbered into backup ids and rendered file by file."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field, replace

from markupsafe import Markup

from ..archive import source_epoch
from ..model import Course, Text
from . import register
from .base import Exporter
from .moodle_ids import Ids, digest, stamp
from .moodle_plan import FRAMEWORK_IDNUMBER, Activity, Event, MoodlePlanner, Plan, QuestionSpec, Section

BACKUP_VERSION = "2024100700"
BACKUP_RELEASE = "4.5"
STUDENT_ROLE = 5
TOP_FILES = ("files.xml", "roles.xml", "groups.xml", "outcomes.xml", "scales.xml", "users.xml",
             "badges.xml", "completion.xml", "gradebook.xml", "grade_history.xml", "moodle_backup.xml")
COURSE_FILES = ("course.xml", "roles.xml", "filters.xml", "calendar.xml", "comments.xml", "competencies.xml",
                "completiondefaults.xml", "contentbank.xml", "enrolments.xml", "inforef.xml")
ACTIVITY_FILES = ("module.xml", "grades.xml", "roles.xml", "inforef.xml", "filters.xml", "calendar.xml",
                  "comments.xml", "competencies.xml", "completion.xml", "grade_history.xml", "xapistate.xml")
ASSIGN_PLUGINS = (("onlinetext", "assignsubmission", "enabled", "1"),
                  ("onlinetext", "assignsubmission", "wordlimit", "0"),
                  ("onlinetext", "assignsubmission", "wordlimitenabled", "0"),
                  ("file", "assignsubmission", "enabled", "1"),
                  ("file", "assignsubmission", "maxfilesubmissions", "5"),
                  ("file", "assignsubmission", "maxsubmissionsizebytes", "0"),
                  ("file", "assignsubmission", "filetypeslist", ""),
                  ("comments", "assignsubmission", "enabled", "1"),
                  ("comments", "assignfeedback", "enabled", "1"),
                  ("comments", "assignfeedback", "commentinline", "0"),
                  ("editpdf", "assignfeedback", "enabled", "0"),
                  ("offline", "assignfeedback", "enabled", "0"),
                  ("file", "assignfeedback", "enabled", "0"))


def unix(day: datetime.date | datetime.datetime | None, end_of_day: bool = False) -> int:
    """Seconds since the epoch (UTC) at the start, or the last second, of a day; 0 for no date."""
    if day is None:
        return 0
    if isinstance(day, datetime.datetime):
        return calendar.timegm(day.timetuple())
    return calendar.timegm(day.timetuple()) + (86399 if end_of_day else 0)


@dataclass
class NumberedQuestion:
    spec: QuestionSpec
    entry: int
    version: int
    question: int
    plugin: int
    answers: list[int]
    stamp: str
    version_stamp: str


@dataclass
class Numbered:
    """An activity with every id its files use."""

    activity: Activity
    section_id: int
    section_number: int
    cmid: int
    instance: int
    context: int
    grade_item: int | None = None
    weight: float = 0.0
    categories: tuple[int, int] = (0, 0)
    category_stamps: tuple[str, str] = ("", "")
    questions: list[NumberedQuestion] = field(default_factory=list)
    slots: list[int] = field(default_factory=list)
    quiz_section: int = 0
    feedbacks: list[int] = field(default_factory=list)
    plugins: list[tuple[int, tuple[str, str, str, str]]] = field(default_factory=list)
    area: int = 0
    definition: int = 0
    criteria: list[tuple[int, list[int]]] = field(default_factory=list)

    @property
    def listed(self) -> "Listed":
        return Listed(self.cmid, self.section_id, self.activity.modname, self.activity.name)

    @property
    def directory(self) -> str:
        return self.listed.directory


@dataclass(frozen=True)
class Listed:
    """An activity as the course's own files list it (moodle_backup.xml, its section's sequence)."""

    cmid: int
    section_id: int
    modname: str
    name: str

    @property
    def directory(self) -> str:
        return f"activities/{self.modname}_{self.cmid}"


@dataclass(frozen=True)
class Outline:
    """What the course's own files (moodle_backup.xml, course/, sections/) read of the numbered plan: names, ids,
    summaries and dates, no page body, question or rubric; so editing those leaves these files as they were."""

    course_id: str
    programme_id: str
    programme_title: Text
    fullname: str
    shortname: str
    summary: str  # HTML
    events: tuple[Event, ...]
    competences: tuple[str, ...]
    sections: tuple[tuple[int, Section], ...]  # a section without its activities
    activities: tuple[Listed, ...]

    def members(self, section_id: int) -> tuple[Listed, ...]:
        return tuple(item for item in self.activities if item.section_id == section_id)


def outline(plan: Plan, sections: list[tuple[int, Section]], numbered: list[Numbered]) -> Outline:
    return Outline(plan.course.id, plan.programme.id, plan.programme.title, plan.fullname, plan.shortname,
                   plan.summary, plan.events, plan.competences,
                   tuple((section_id, replace(section, activities=())) for section_id, section in sections),
                   tuple(n.listed for n in numbered))


def number(plan: Plan, when: str) -> tuple[list[tuple[int, object]], list[Numbered]]:
    """Give every section, activity, question, answer, rubric row and grade item its id, in plan order."""
    ids, key = Ids(), f"{plan.programme.id}/{plan.course.id}"
    ids.next("context")  # the course context
    sections, numbered = [], []
    graded = [a for a in plan.activities() if a.modname != "page"]
    for section in plan.sections:
        section_id = ids.next("section")
        sections.append((section_id, section))
        for activity in section.activities:
            item = Numbered(activity, section_id, section.number, ids.next("cm"), ids.next(activity.modname),
                            ids.next("context"))
            numbered.append(item)
    for item in numbered:
        activity = item.activity
        if activity.modname == "page":
            continue
        item.grade_item = ids.next("grade_item") + 1  # grade item 1 is the course total
        same = [a for a in graded if a.kind == activity.kind]
        item.weight = plan.programme.weight(activity.kind) / len(same) if activity.kind != "self" else 0.0
        if activity.modname == "quiz":
            item.categories = (ids.next("question_category"), ids.next("question_category"))
            item.category_stamps = tuple(stamp(when, key, activity.key, part) for part in ("top", "default"))
            for spec in activity.questions:
                qid = ids.next("question")
                item.questions.append(NumberedQuestion(
                    spec, ids.next("question_bank_entry"), ids.next("question_version"), qid,
                    ids.next(f"qtype_{spec.qtype}"), ids.many("question_answer", len(spec.answers)),
                    stamp(when, key, activity.key, spec.idnumber), stamp(when, key, activity.key, spec.idnumber, "v1")))
            item.slots = ids.many("quiz_slot", len(activity.questions))
            item.quiz_section = ids.next("quiz_section")
            item.feedbacks = ids.many("quiz_feedback", len(activity.bands))
        else:
            item.plugins = [(ids.next("assign_plugin_config"), p) for p in ASSIGN_PLUGINS]
            item.area, item.definition = ids.next("grading_area"), ids.next("grading_definition")
            item.criteria = [(ids.next("rubric_criterion"), ids.many("rubric_level", len(c.levels)))
                             for c in activity.rubric]
    return sections, numbered


@register
class MoodleExporter(Exporter):
    name = "moodle"
    suffix = ".mbz"
    description = "Moodle 4.5 course backup (restore: Course → Restore, or admin/cli/restore_backup.php)"

    def template_filters(self) -> dict:
        return {**super().template_filters(), "num": lambda v, places=5: f"{v:.{places}f}", "unix": unix}

    def template_globals(self) -> dict:
        return {**super().template_globals(), "null": Markup("$@NULL@$")}

    def render_file(self, template: str, **context) -> bytes:
        return self.render_template(template, **context).encode("utf-8")

    def html(self, name: str, **context) -> str:
        """An HTML fragment as a plain string: written into XML it is escaped, as Moodle writes it."""
        return self.render_template(f"html/{name}.html", **context).strip()

    def activity_files(self, names: tuple[str, ...], item: Numbered, time: int) -> dict[str, bytes]:
        """The files of one activity's folder, read from the activity and its ids alone."""
        return {f"{item.directory}/{name}": self.render_file(
            f"activities/activity/{name}", item=item, activity=item.activity, time=time,
            framework=FRAMEWORK_IDNUMBER, backup_version=BACKUP_VERSION) for name in names}

    def question_categories(self, item: Numbered, time: int) -> str:
        """One quiz's part of the question bank (questions.xml joins them), read from the quiz and its ids alone."""
        return self.render_template("questions/category.xml", item=item, time=time)

    def plan(self, course: Course) -> Plan:
        return MoodlePlanner(self.project, course, self.lang, self.html, self.remember).plan()

    def course_files(self, outline: Outline, common: dict[str, object]) -> dict[str, bytes]:
        """The course's own files (all but the question bank, the activities and the archive's index), read from its
        outline alone."""
        files = {name: self.render_file(name, outline=outline, **common) for name in TOP_FILES}
        files["moodle_backup.log"] = b""
        files.update({f"course/{name}": self.render_file(f"course/{name}", outline=outline, **common)
                      for name in COURSE_FILES})
        for section_id, section in outline.sections:
            where = f"sections/section_{section_id}"
            for name in ("section.xml", "inforef.xml"):
                files[f"{where}/{name}"] = self.render_file(f"sections/section/{name}", section_id=section_id,
                                                            section=section, members=outline.members(section_id),
                                                            **common)
        return files

    def members(self, course: Course) -> dict[str, bytes]:
        plan = self.plan(course)
        epoch = source_epoch()
        when = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%y%m%d%H%M%S")
        sections, numbered = number(plan, when)
        key = f"{plan.programme.id}/{course.id}"
        grade_max = 100.0
        common = {
            "time": epoch, "start": unix(course.start), "end": unix(course.end, end_of_day=True),
            "site_hash": digest("site", key), "backup_id": digest("backup", key),
            "filename": self.archive_name(course), "backup_version": BACKUP_VERSION,
            "backup_release": BACKUP_RELEASE, "role": STUDENT_ROLE, "framework": FRAMEWORK_IDNUMBER,
            "course_grade_max": grade_max, "course_gradepass": round(grade_max * plan.programme.pass_threshold, 5),
        }
        # names, ids and dates only: a rebuild after editing a lesson, question or rubric takes them as they were
        files = dict(self.remember(self.course_files, outline=outline(plan, sections, numbered), common=common))
        # the question bank: each quiz's categories read the quiz and its ids alone, so they are remembered
        categories = [Markup(self.remember(self.question_categories, item=item, time=epoch))
                      for item in numbered if item.activity.modname == "quiz"]
        files["questions.xml"] = self.render_file("questions.xml", categories=categories)
        for item in numbered:  # an activity's files read the activity and its ids alone: remembered between builds
            own = (*ACTIVITY_FILES, f"{item.activity.modname}.xml",
                   *(("grading.xml",) if item.activity.modname == "assign" else ()))
            files.update(self.remember(self.activity_files, names=own, item=item, time=epoch))
        files[".ARCHIVE_INDEX"] = self.render_file(".ARCHIVE_INDEX", entries=sorted(files.items()), time=epoch)
        return files
