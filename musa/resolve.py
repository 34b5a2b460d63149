"""Turn checked sources into the frozen model: texts, dates, weeks and references resolved."""

from __future__ import annotations

import hashlib

from .calendar import DAY, WEEK, as_date, week_of, week_starts
from .model import (Assignment, Assumption, Band, Choice, Competence, Course, CourseCompetence, Criterion, Day,
                    Exercise, FaceToFaceDay, Lesson, Outcome, Partner, Placement, Programme, Project, Question, Quiz,
                    RubricLevel, SelfAssessment, SelfAssessmentQuestion, Session, StudyMode, StudyPart, Text, Week)
from .sources import Sources
from .yamlsource import Document

TRUE_FALSE = (Text.of({"en": "True", "el": "Σωστό", "it": "Vero", "pt": "Verdadeiro"}),
              Text.of({"en": "False", "el": "Λάθος", "it": "Falso", "pt": "Falso"}))


def T(value) -> Text:
    return Text.of(value)


def opt(value) -> Text | None:
    return None if value is None else Text.of(value)


def outcomes(doc: Document, items, parts) -> tuple[Outcome, ...]:
    return tuple(Outcome(o["id"], T(o["text"]), doc.key_loc(parts + (i,))) for i, o in enumerate(items))


def question(doc: Document, data, parts) -> Question:
    if data["type"] == "truefalse":
        answer, feedback = data["answer"], data["feedback"]
        choices = tuple(Choice(label, value is answer, T(feedback["correct" if value is answer else "wrong"]))
                        for label, value in zip(TRUE_FALSE, (True, False)))
    else:
        choices = tuple(Choice(T(c["text"]), c["correct"], T(c["feedback"])) for c in data["choices"])
    return Question(data["id"], data["type"], data["outcome"], T(data["prompt"]), choices,
                    T(data["explanation"]), doc.key_loc(parts))


def quiz(doc: Document, data, parts, default_title: Text) -> Quiz:
    questions = tuple(question(doc, q, parts + ("questions", i)) for i, q in enumerate(data["questions"]))
    return Quiz(opt(data.get("title")) or default_title, questions, doc.key_loc(parts))


def assignment(doc: Document, data, parts, due_key: str) -> Assignment:
    rubric = tuple(
        Criterion(c["id"], T(c["criterion"]), tuple(c["outcomes"]),
                  tuple(RubricLevel(lv["points"], T(lv["label"]), T(lv["descriptor"])) for lv in c["levels"]),
                  doc.key_loc(parts + ("rubric", i)))
        for i, c in enumerate(data["rubric"]))
    return Assignment(data["id"], T(data["title"]), data["mode"], T(data["brief"]), T(data["deliverable"]),
                      data[due_key], rubric, outcomes(doc, data.get("outcomes", []), parts + ("outcomes",)),
                      doc.key_loc(parts))


def competence(doc: Document, sources: Sources) -> Competence:
    data = doc.data
    title = T(data["title"])
    lessons = tuple(Lesson(le["id"], T(le["title"]), T(sources.body(doc, ("lessons", i), le)), tuple(le["outcomes"]),
                           doc.key_loc(("lessons", i)))
                    for i, le in enumerate(data["lessons"]))
    level_range = tuple(data["level_range"]) if "level_range" in data else None
    made = Competence(data["id"], data["framework"], data["code"], T(data["area"]), title, data.get("level"),
                      level_range, data["hours"], T(data["description"]),
                      outcomes(doc, data["outcomes"], ("outcomes",)), lessons,
                      quiz(doc, data["quiz"], ("quiz",), title), assignment(doc, data["assignment"], ("assignment",),
                                                                            "due_week"),
                      doc.key_loc(()))
    object.__setattr__(made, "source", sources.fingerprints.get(doc.path, ""))  # frozen, and not an init field
    object.__setattr__(made, "file_source", sources.file_digests.get(doc.path, ""))
    if made.file_source:
        sourced(made)
    return made


def sourced(made: Competence) -> None:
    """Give each part of a competence the digest of what it was made from (see `model._source`): the digest of
    the competence's file, the part's kind and key path, and for a lesson the digest of its text (its Markdown
    may come from a file of its own)."""
    file = made.file_source
    quiz, work = made.quiz, made.assignment
    parts = (*made.outcomes, quiz, *quiz.questions, work, *work.rubric, *work.outcomes)
    for part in parts:
        object.__setattr__(part, "source", f"{file} {type(part).__name__} {part.loc.where}")
    for lesson in made.lessons:
        body = hashlib.sha256(repr(lesson.body.items).encode()).hexdigest()
        object.__setattr__(lesson, "source", f"{file} Lesson {lesson.loc.where} {body}")


def _course_competences(data, competences: dict, plan=None) -> tuple[CourseCompetence, ...]:
    result = []
    for entry in data["competences"]:
        ident, level = (entry, None) if isinstance(entry, str) else (entry["id"], entry["level"])
        comp = competences[ident]
        weeks = tuple(w["week"] for w in plan or () if ident in w["competences"])
        due = weeks[0] + comp.assignment.due - 1 if weeks else None
        result.append(CourseCompetence(comp, level if level is not None else comp.level, weeks, due))
    if plan:
        result.sort(key=lambda cc: (cc.weeks[0], [c for w in plan for c in w["competences"]].index(cc.competence.id)))
    return tuple(result)


def role_course(doc: Document, programme, competences: dict) -> Course:
    data, pdata = doc.data, programme.data
    breaks = [(as_date(b["start"]), as_date(b["end"])) for b in pdata.get("breaks", [])]
    starts = week_starts(as_date(pdata["dates"]["start"]), breaks, len(data["plan"]))
    online = next((p["hours"] for m in pdata["modes"] if m["id"] == "blended" for p in m["parts"]
                   if p["id"] == "online"), 0)
    weeks = tuple(Week(w["week"], opt(w.get("title")), starts[i], starts[i] + 6 * DAY,
                       tuple(w["competences"]), w.get("hours", online / len(starts)))
                  for i, w in enumerate(data["plan"]))
    f2f = tuple(FaceToFaceDay(d["id"], as_date(d["date"]), d["hours"], T(d["title"]), T(d["agenda"]),
                              week_of(as_date(d["date"]), starts))
                for d in data["face_to_face"])
    placement = None
    if "work_based_learning" in data:
        p = data["work_based_learning"]
        logbook = assignment(doc, p["logbook"], ("work_based_learning", "logbook"), "due_week")
        start = starts[p["start_week"] - 1] if p["start_week"] <= len(starts) else None
        due = start + WEEK * (logbook.due - 1) + 4 * DAY if start else None  # Friday
        placement = Placement(p["start_week"], p["weeks"], p["hours"]["practice"], p["hours"]["assessment"],
                              T(p["description"]), logbook, start, due)
    return Course(
        id=data["id"], kind="role", code=data["code"], programme=pdata["id"], title=T(data["title"]),
        description=T(data["description"]),
        competences=_course_competences(data, competences, data["plan"]),
        start=as_date(pdata["dates"]["start"]), end=as_date(pdata["dates"]["end"]),
        aliases=tuple(T(a) for a in data.get("aliases", [])),
        responsibilities=tuple(T(r) for r in data.get("responsibilities", [])),
        weeks=weeks, face_to_face=f2f, assessment_hours=data["assessment"]["hours"],
        assessment=T(data["assessment"]["description"]), placement=placement, loc=doc.key_loc(()))


def workshop_course(doc: Document, programme, competences: dict, sources: Sources) -> Course:
    data = doc.data
    days = tuple(
        Day(d["day"], as_date(d["date"]), T(d["title"]),
            tuple(Session(s["id"], T(s["title"]), s["hours"], T(sources.body(doc, ("days", i, "sessions", j), s)),
                          tuple(s.get("outcomes", ()))) for j, s in enumerate(d["sessions"])),
            tuple(Exercise(e["id"], T(e["title"]), e["minutes"], T(e["brief"])) for e in d.get("exercises", [])))
        for i, d in enumerate(data["days"]))
    title = T(data["title"])
    work = assignment(doc, data["assignment"], ("assignment",), "due_day")
    return Course(
        id=data["id"], kind="workshop", code=data["code"], programme=programme.data["id"], title=title,
        description=T(data["description"]), competences=_course_competences(data, competences),
        start=days[0].date, end=days[-1].date, host=T(data["host"]), maturity=data["maturity"],
        outcomes=outcomes(doc, data["outcomes"], ("outcomes",)), days=days,
        quiz=quiz(doc, data["quiz"], ("quiz",), title), assignment=work,
        assignment_due=days[min(work.due, len(days)) - 1].date, loc=doc.key_loc(()))


def self_assessment(data) -> SelfAssessment:
    return SelfAssessment(
        data["id"], T(data["title"]), T(data["intro"]),
        tuple(SelfAssessmentQuestion(q["id"], T(q["prompt"]), tuple((T(o["text"]), o["score"]) for o in q["options"]))
              for q in data["questions"]),
        tuple(Band(b["min"], b["max"], b["course"], T(b["message"])) for b in data["bands"]))


def programme(doc: Document, sources: Sources, competences: dict) -> Programme:
    data = doc.data
    courses = []
    for ident in data["courses"]:
        if ident in sources.docs["role"]:
            courses.append(role_course(sources.docs["role"][ident], doc, competences))
        else:
            courses.append(workshop_course(sources.docs["workshop"][ident], doc, competences, sources))
    ecvet = data.get("ecvet")
    return Programme(
        id=data["id"], title=T(data["title"]), description=T(data["description"]), eqf_level=data.get("eqf_level"),
        languages=tuple(data["languages"]),
        partners=tuple(Partner(T(p["name"]), p["country"]) for p in data["partners"]),
        start=as_date(data["dates"]["start"]), end=as_date(data["dates"]["end"]),
        breaks=tuple((as_date(b["start"]), as_date(b["end"]), T(b["title"])) for b in data.get("breaks", [])),
        modes=tuple(StudyMode(m["id"], T(m["title"]), m.get("weeks"), m["total_hours"],
                              tuple(StudyPart(p["id"], T(p["title"]), p["hours"], p.get("days")) for p in m["parts"]))
                    for m in data["modes"]),
        ecvet_points=ecvet["points"] if ecvet else None, ecvet_note=opt(ecvet["note"]) if ecvet else None,
        assumptions=tuple(Assumption(a["key"], T(a["note"])) for a in data.get("assumptions", [])),
        weights=tuple(sorted(data["grading"]["weights"].items())),
        pass_threshold=data["grading"]["pass_threshold"], certificate=opt(data.get("certificate")),
        courses=tuple(courses),
        self_assessment=self_assessment(data["self_assessment"]) if "self_assessment" in data else None,
        loc=doc.key_loc(()))


def build_project(sources: Sources) -> Project:
    """The model of a project whose sources passed every check."""
    competences = {ident: competence(doc, sources) for ident, doc in sorted(sources.docs["competence"].items())}
    programmes = tuple(programme(doc, sources, competences) for _, doc in sorted(sources.docs["programme"].items()))
    return Project(programmes, tuple(competences.values()))
