"""The shape of every kind of source file, declared once: the loader validates with it, `schema` writes it."""

from __future__ import annotations

from .schema import AnyOf, Bool, Date, Enum, F, Int, List, Number, Obj, Str, Tagged, Text

# At most 40 characters: Moodle keeps an id number in 100, and musa-build writes two ids and a '-' into one.
ID = Str(r"[a-z0-9]+(?:-[a-z0-9]+)*", "an id (lower-case letters, digits and single '-', at most 40 characters)",
         max_length=40)
LOCAL_ID = ID
IDS = List(ID)
HOURS = Number(exclusive_minimum=0, maximum=10_000)  # a bound that keeps sums and dates sane
MARKDOWN = Text()
ECF_LEVEL = Str(r"e-[1-5]", "an e-CF level e-1 … e-5")
LEVEL = AnyOf("an e-CF level e-1 … e-5 or a DigComp level 1 … 8", ECF_LEVEL, Int(1, 8))
FRAMEWORKS = ("e-CF 3.0", "DigComp 2.1", "transferable")
FILE_REF = Text("a path under content/, or a map of language code to path")

OUTCOME = Obj("a learning outcome", {
    "id": F(LOCAL_ID, doc="Stable id, unique within its file (lo1, lo2 …)."),
    "text": F(Text(), doc="What the learner can do, as an observable action."),
})


def body_fields(body_doc: str) -> dict[str, F]:
    """`body` (inline Markdown) or `file` (Markdown under content/): exactly one is checked later."""
    return {
        "body": F(MARKDOWN, required=False, doc=body_doc),
        "file": F(FILE_REF, required=False, doc="Markdown file under content/, instead of body."),
    }


LESSON = Obj("a lesson", {
    "id": F(LOCAL_ID),
    "title": F(Text()),
    **body_fields("Lesson text in Markdown (at least 250 words)."),
    "outcomes": F(List(LOCAL_ID, 1), doc="Outcome ids this lesson teaches."),
})

CHOICE = Obj("an answer choice", {
    "text": F(Text()),
    "correct": F(Bool()),
    "feedback": F(Text(), doc="Shown to a learner who picks this choice."),
})

_QUESTION_COMMON = {
    "id": F(LOCAL_ID),
    "outcome": F(LOCAL_ID, doc="The outcome this question assesses."),
    "prompt": F(Text()),
    "explanation": F(Text(), doc="General feedback: the solution, shown after answering."),
}
QUESTION = Tagged("type", {
    "single": Obj("a single-choice question", {
        "type": F(Enum("single")), **_QUESTION_COMMON,
        "choices": F(List(CHOICE, 2, 8), doc="Exactly one is correct."),
    }),
    "multiple": Obj("a multiple-response question", {
        "type": F(Enum("multiple")), **_QUESTION_COMMON,
        "choices": F(List(CHOICE, 2, 8), doc="One or more are correct."),
    }),
    "truefalse": Obj("a true/false question", {
        "type": F(Enum("truefalse")), **_QUESTION_COMMON,
        "answer": F(Bool(), doc="The correct answer: true or false."),
        "feedback": F(Obj("feedback for a true/false question", {
            "correct": F(Text(), doc="Shown when the learner answers correctly."),
            "wrong": F(Text(), doc="Shown when the learner answers wrongly."),
        })),
    }),
})

QUIZ = Obj("a quiz", {
    "title": F(Text(), required=False),
    "questions": F(List(QUESTION, 1), doc="At least 6: 2 single, 1 multiple, 2 true/false."),
})

LEVEL_ROW = Obj("a rubric level", {
    "points": F(Int(minimum=0, maximum=1000), doc="Whole points: Open edX's ORA2 stores rubric points as integers."),
    "label": F(Text()),
    "descriptor": F(Text(), doc="What work at this level looks like."),
})
CRITERION = Obj("a rubric criterion", {
    "id": F(LOCAL_ID, doc="Stable key: LMSs tie grades to it."),
    "criterion": F(Text()),
    "outcomes": F(List(LOCAL_ID, 1)),
    "levels": F(List(LEVEL_ROW, 3), doc="At least 3, points strictly increasing."),
})


def assignment(due_key: str, due_doc: str, with_outcomes: bool = False) -> Obj:
    fields = {
        "id": F(LOCAL_ID),
        "title": F(Text()),
        "mode": F(Enum("individual", "group")),
        "brief": F(MARKDOWN),
        "deliverable": F(Text()),
        due_key: F(Int(1), doc=due_doc),
        "rubric": F(List(CRITERION, 3), doc="At least 3 criteria."),
    }
    if with_outcomes:
        fields["outcomes"] = F(List(OUTCOME, 1), doc="What the placement develops; rubric criteria refer to these.")
    return Obj("an assignment", fields)


COMPETENCE = Obj("a competence", {
    "id": F(ID, doc="Equals the file name."),
    "framework": F(Enum(*FRAMEWORKS)),
    "code": F(Str(r"[A-E]\.\d{1,2}|\d\.\d|T\d{1,2}", "an official code (A.2, 3.3, T13)")),
    "area": F(Text()),
    "title": F(Text()),
    "level": F(LEVEL, required=False, doc="e-CF: e-1 … e-5; DigComp: 1 … 8; none for transferable."),
    "level_range": F(List(ECF_LEVEL, 2, 2), required=False, doc="e-CF only: [lowest, highest] defined level."),
    "hours": F(HOURS, doc="Study hours."),
    "description": F(MARKDOWN),
    "outcomes": F(List(OUTCOME, 3)),
    "lessons": F(List(LESSON, 2)),
    "quiz": F(QUIZ),
    "assignment": F(assignment("due_week", "Week of study of this competence in which it is due (1 = first).")),
})

ROLE_COMPETENCE = AnyOf("a competence id, or {id, level}", ID, Obj("a competence with a level", {
    "id": F(ID), "level": F(LEVEL),
}))

ROLE = Obj("a role profile", {
    "id": F(ID),
    "code": F(Str(r"[A-Z][A-Z0-9]{1,9}", "a course code (capitals and digits)")),
    "title": F(Text()),
    "aliases": F(List(Text()), required=False),
    "programme": F(ID),
    "description": F(MARKDOWN),
    "responsibilities": F(List(Text(), 1), required=False),
    "competence_count": F(Int(1)),
    "competences": F(List(ROLE_COMPETENCE, 1)),
    "plan": F(List(Obj("a week of the plan", {
        "week": F(Int(1)),
        "title": F(Text(), required=False),
        "competences": F(IDS),
        "hours": F(HOURS, required=False, doc="Online study hours this week (default: online hours / weeks)."),
    }), 1)),
    "face_to_face": F(List(Obj("a face-to-face day", {
        "id": F(LOCAL_ID),
        "date": F(Date()),
        "hours": F(HOURS),
        "title": F(Text()),
        "agenda": F(MARKDOWN),
    }))),
    "assessment": F(Obj("the assessment", {
        "hours": F(HOURS),
        "description": F(MARKDOWN),
    })),
    "work_based_learning": F(Obj("the work-based-learning placement", {
        "start_week": F(Int(1)),
        "weeks": F(Int(1)),
        "hours": F(Obj("placement hours", {"practice": F(HOURS), "assessment": F(HOURS)})),
        "description": F(MARKDOWN),
        "logbook": F(assignment("due_week", "Placement week in which it is due (1 = first).", with_outcomes=True)),
    }), required=False),
})

SESSION = Obj("a session", {
    "id": F(LOCAL_ID),
    "title": F(Text()),
    "hours": F(HOURS),
    **body_fields("What the session teaches, in Markdown."),
    "outcomes": F(List(LOCAL_ID), required=False),
})
EXERCISE = Obj("an exercise", {
    "id": F(LOCAL_ID),
    "title": F(Text()),
    "minutes": F(Int(1)),
    "brief": F(MARKDOWN),
})
WORKSHOP = Obj("a workshop", {
    "id": F(ID),
    "code": F(Str(r"[A-Z][A-Z0-9]{1,9}", "a course code (capitals and digits)")),
    "programme": F(ID),
    "title": F(Text()),
    "host": F(Text()),
    "maturity": F(Enum("basic", "medium", "advanced")),
    "description": F(MARKDOWN),
    "competences": F(List(ROLE_COMPETENCE)),
    "outcomes": F(List(OUTCOME, 1)),
    "days": F(List(Obj("a workshop day", {
        "day": F(Int(1)),
        "date": F(Date()),
        "title": F(Text()),
        "sessions": F(List(SESSION, 1)),
        "exercises": F(List(EXERCISE), required=False),
    }), 1)),
    "quiz": F(QUIZ),
    "assignment": F(assignment("due_day", "Workshop day on which it is due (1 = first).")),
})

PART = Obj("a part of a study mode", {
    "id": F(Enum("face-to-face", "online", "assessment", "practice")),
    "title": F(Text()),
    "hours": F(HOURS),
    "days": F(Int(1), required=False),
})
SELF_ASSESSMENT = Obj("a self-assessment", {
    "id": F(LOCAL_ID),
    "title": F(Text()),
    "intro": F(MARKDOWN),
    "questions": F(List(Obj("a self-assessment question", {
        "id": F(LOCAL_ID),
        "prompt": F(Text()),
        "options": F(List(Obj("an option", {"text": F(Text()), "score": F(Int(0))}), 2)),
    }), 1)),
    "bands": F(List(Obj("a score band", {
        "min": F(Int(0)), "max": F(Int(0)), "course": F(ID), "message": F(Text()),
    }), 1)),
})
PROGRAMME = Obj("a programme", {
    "id": F(ID),
    "title": F(Text()),
    "description": F(MARKDOWN),
    "eqf_level": F(Int(1, 8), required=False),
    "languages": F(List(Str(r"[a-z]{2}", "a two-letter language code"), 1)),
    "partners": F(List(Obj("a partner", {
        "name": F(Text()), "country": F(Str(r"[A-Z]{2}", "a two-letter country code")),
    }), 1)),
    "dates": F(Obj("the programme dates", {"start": F(Date()), "end": F(Date())})),
    "breaks": F(List(Obj("a break", {"start": F(Date()), "end": F(Date()), "title": F(Text())})), required=False),
    "modes": F(List(Obj("a study mode", {
        "id": F(Enum("blended", "work-based-learning", "workshop")),
        "title": F(Text()),
        "weeks": F(Int(1), required=False),
        "total_hours": F(HOURS),
        "parts": F(List(PART, 1)),
    }), 1)),
    "ecvet": F(Obj("ECVET credits", {"points": F(Number(minimum=0)), "note": F(Text())}), required=False),
    "assumptions": F(List(Obj("an assumption", {
        "key": F(Str(expected="a dotted key of this file")), "note": F(Text()),
    })), required=False),
    "grading": F(Obj("the grading rules", {
        "weights": F(Obj("weights per activity kind", {
            "quiz": F(Number(0, 1), required=False),
            "assignment": F(Number(0, 1), required=False),
            "wbl": F(Number(0, 1), required=False),
        })),
        "pass_threshold": F(Number(maximum=1, exclusive_minimum=0)),
    })),
    "certificate": F(Text(), required=False),
    "courses": F(List(ID, 1)),
    "self_assessment": F(SELF_ASSESSMENT, required=False),
})

KINDS = {"programme": PROGRAMME, "workshop": WORKSHOP, "role": ROLE, "competence": COMPETENCE}
