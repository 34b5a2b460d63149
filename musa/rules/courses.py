"""Rules for courses: a role's weekly plan, face-to-face days and placement; a workshop's days."""

from __future__ import annotations

from ..calendar import as_date, in_break, week_starts
from ..errors import Diagnostics, did_you_mean
from ..sources import Sources
from ..yamlsource import Document
from .activities import check_assessed, check_assignment, check_quiz
from .competences import check_level
from .context import Ctx

WEEK_MIN, WEEK_MAX = 2, 4
SIGN_OFF = "supervisor-sign-off"


def programme_of(ctx: Ctx, sources: Sources):
    """The programme document this course belongs to, or None (reported) when it does not resolve."""
    ident = ctx.data["programme"]
    programmes = sources.docs["programme"]
    if ident in programmes:
        dates = programmes[ident].data["dates"]
        # with reversed programme dates (reported there) no course date can be judged
        return programmes[ident].data if as_date(dates["start"]) < as_date(dates["end"]) else None
    if ident not in sources.broken:
        ctx.error(("programme",), f"expected a programme id ({', '.join(sorted(programmes)) or 'none defined'}), "
                                  f"got '{ident}'{did_you_mean(ident, programmes)}")
    return None


def mode_part(programme, mode_id: str, part_id: str):
    for mode in programme["modes"]:
        if mode["id"] == mode_id:
            for part in mode["parts"]:
                if part["id"] == part_id:
                    return part
    return None


def mode(programme, mode_id: str):
    return next((m for m in programme["modes"] if m["id"] == mode_id), None)


def breaks_of(programme):
    return [(as_date(b["start"]), as_date(b["end"])) for b in programme.get("breaks", [])]


def check_course_competences(ctx: Ctx, sources: Sources) -> dict:
    """Resolve the course's competence list; return id → (competence data, level)."""
    known = sources.docs["competence"]
    resolved = {}
    for i, entry in enumerate(ctx.data["competences"]):
        ident, level = (entry, None) if isinstance(entry, str) else (entry["id"], entry["level"])
        parts = ("competences", i)
        if ident in resolved:
            ctx.error(parts, f"expected each competence once, got '{ident}' again")
            continue
        if ident not in known:
            if ident not in sources.broken:
                ctx.error(parts, f"expected a competence id, got '{ident}', which no file in competences/ "
                                 f"defines{did_you_mean(ident, known)}")
            continue
        competence = known[ident].data
        if level is None:
            level = competence.get("level")
        else:
            check_level(ctx, competence["framework"], level, parts + ("level",), competence.get("level_range"))
        resolved[ident] = (competence, level)
    return resolved


def check_dates(ctx: Ctx, programme, day, parts, what: str) -> bool:
    start, end = as_date(programme["dates"]["start"]), as_date(programme["dates"]["end"])
    day = as_date(day)
    if not start <= day <= end:
        ctx.error(parts, f"expected a {what} date within the programme ({start} … {end}), got {day}")
        return False
    if in_break(day, breaks_of(programme)):
        ctx.error(parts, f"expected a {what} date outside the programme's breaks, got {day}")
        return False
    return True


def check_role(doc: Document, sources: Sources, diags: Diagnostics) -> None:
    ctx = Ctx(doc, diags)
    data = doc.data
    competences = check_course_competences(ctx, sources)
    listed = len(data["competences"])
    if listed != data["competence_count"]:
        ctx.error(("competence_count",), f"expected the number of competences listed ({listed}), "
                                         f"got {data['competence_count']}")
    first_week = _check_plan(ctx, data, competences)
    programme = programme_of(ctx, sources)
    if programme is None:
        return
    blended = mode(programme, "blended")
    weeks = len(data["plan"])
    if blended is None:
        ctx.error(("programme",), f"expected programme '{data['programme']}' to define a 'blended' mode, got none")
        return
    if blended.get("weeks") and weeks != blended["weeks"]:
        ctx.error(("plan",), f"expected {blended['weeks']} weeks (the blended mode's weeks), got {weeks}")
    starts = week_starts(as_date(programme["dates"]["start"]), breaks_of(programme), weeks)
    end = as_date(programme["dates"]["end"])
    for i, start in enumerate(starts):
        if start > end:
            ctx.error(("plan", i, "week"), f"expected a week that starts by the programme's end ({end}), "
                                           f"got week {i + 1} starting {start}")
            break
    _check_hours(ctx, data, programme, weeks)
    for ident, week in sorted(first_week.items()):
        due = competences[ident][0]["assignment"]["due_week"]
        if week + due - 1 > weeks:
            index = next(i for i, e in enumerate(data["competences"]) if (e if isinstance(e, str) else e["id"]) == ident)
            ctx.error(("competences", index), f"expected the assignment of '{ident}' (due in its week {due}, "
                                              f"it starts in week {week}) to fall by week {weeks}, "
                                              f"got week {week + due - 1}")
    _check_face_to_face(ctx, data, programme)
    _check_placement(ctx, data, programme, weeks)


def _check_plan(ctx: Ctx, data, competences: dict) -> dict:
    """2–4 competences a week, weeks numbered in order, every competence planned; return first week per id."""
    first_week = {}
    role_ids = {e if isinstance(e, str) else e["id"] for e in data["competences"]}
    for i, week in enumerate(data["plan"]):
        if week["week"] != i + 1:
            ctx.error(("plan", i, "week"), f"expected week {i + 1} (weeks are numbered in order), got {week['week']}")
        count = len(week["competences"])
        if not WEEK_MIN <= count <= WEEK_MAX:
            ctx.error(("plan", i, "competences"), f"expected {WEEK_MIN}–{WEEK_MAX} competences a week, got {count}")
        seen = set()
        for j, ident in enumerate(week["competences"]):
            if ident in seen:
                ctx.error(("plan", i, "competences", j), f"expected each competence once a week, got '{ident}' again")
            seen.add(ident)
            if ident not in role_ids:
                ctx.error(("plan", i, "competences", j), f"expected a competence of this role, got '{ident}'"
                                                         f"{did_you_mean(ident, role_ids)}")
            first_week.setdefault(ident, week["week"])
    for i, entry in enumerate(data["competences"]):
        ident = entry if isinstance(entry, str) else entry["id"]
        if ident in competences and ident not in first_week:
            ctx.error(("competences", i), f"expected '{ident}' to appear in some week of the plan, got none")
    return {k: v for k, v in first_week.items() if k in competences}


def _check_hours(ctx: Ctx, data, programme, weeks: int) -> None:
    online = mode_part(programme, "blended", "online")
    if online is not None:
        default = online["hours"] / weeks if weeks else 0
        total = sum(week.get("hours", default) for week in data["plan"])
        if abs(total - online["hours"]) > 1e-6:
            ctx.error(("plan",), f"expected the weeks' online hours to add up to {online['hours']}, got {total:g}")
    assessment = mode_part(programme, "blended", "assessment")
    if assessment is not None and data["assessment"]["hours"] != assessment["hours"]:
        ctx.error(("assessment", "hours"), f"expected the programme's assessment hours ({assessment['hours']}), "
                                           f"got {data['assessment']['hours']}")


def _check_face_to_face(ctx: Ctx, data, programme) -> None:
    days = data["face_to_face"]
    ctx.unique(days, ("face_to_face",), "face-to-face day")
    for i, day in enumerate(days):
        check_dates(ctx, programme, day["date"], ("face_to_face", i, "date"), "face-to-face")
    part = mode_part(programme, "blended", "face-to-face")
    if part is None:
        return
    if part.get("days") and len(days) != part["days"]:
        ctx.error(("face_to_face",), f"expected {part['days']} face-to-face days, got {len(days)}")
    hours = sum(day["hours"] for day in days)
    if abs(hours - part["hours"]) > 1e-6:
        ctx.error(("face_to_face",), f"expected face-to-face hours to add up to {part['hours']}, got {hours:g}")


def _check_placement(ctx: Ctx, data, programme, weeks: int) -> None:
    placement, wbl = data.get("work_based_learning"), mode(programme, "work-based-learning")
    if wbl is not None and placement is None:
        ctx.error(("work_based_learning",), "expected the work-based-learning placement the programme defines, "
                                            "got nothing; add 'work_based_learning:'")
    if placement is None:
        return
    parts = ("work_based_learning",)
    if wbl is None:
        ctx.error(parts, f"expected no placement (programme '{data['programme']}' has no 'work-based-learning' "
                         "mode), got one")
        return
    if wbl.get("weeks") and placement["weeks"] != wbl["weeks"]:
        ctx.error(parts + ("weeks",), f"expected {wbl['weeks']} weeks, got {placement['weeks']}")
    for key, part_id in (("practice", "practice"), ("assessment", "assessment")):
        part = mode_part(programme, "work-based-learning", part_id)
        if part is not None and placement["hours"][key] != part["hours"]:
            ctx.error(parts + ("hours", key), f"expected {part['hours']} hours, got {placement['hours'][key]}")
    if placement["start_week"] > weeks:
        ctx.error(parts + ("start_week",), f"expected a week of the course (1 … {weeks}), got {placement['start_week']}")
    logbook = placement["logbook"]
    outcomes = ctx.unique(logbook["outcomes"], parts + ("logbook", "outcomes"), "outcome")
    assessed = check_assignment(ctx, logbook, parts + ("logbook",), outcomes)
    check_assessed(ctx, logbook["outcomes"], parts + ("logbook", "outcomes"), assessed)
    if logbook["due_week"] > placement["weeks"]:
        ctx.error(parts + ("logbook", "due_week"), f"expected a week of the placement (1 … {placement['weeks']}), "
                                                   f"got {logbook['due_week']}")
    if SIGN_OFF not in {c["id"] for c in logbook["rubric"]}:
        ctx.error(parts + ("logbook", "rubric"), f"expected a criterion with id '{SIGN_OFF}' for the host "
                                                 "supervisor's sign-off, got none")


def check_workshop(doc: Document, sources: Sources, diags: Diagnostics) -> None:
    ctx = Ctx(doc, diags)
    data = doc.data
    check_course_competences(ctx, sources)
    outcomes = ctx.unique(data["outcomes"], ("outcomes",), "outcome")
    days = data["days"]
    session_ids = set()
    for i, day in enumerate(days):
        if day["day"] != i + 1:
            ctx.error(("days", i, "day"), f"expected day {i + 1} (days are numbered in order), got {day['day']}")
        if i and as_date(day["date"]) <= as_date(days[i - 1]["date"]):
            ctx.error(("days", i, "date"), f"expected a date after day {i} ({days[i - 1]['date']}), got {day['date']}")
        for j, item in enumerate(day["sessions"] + day.get("exercises", [])):
            kind, k = ("sessions", j) if j < len(day["sessions"]) else ("exercises", j - len(day["sessions"]))
            if item["id"] in session_ids:
                ctx.error(("days", i, kind, k, "id"), f"expected a unique session or exercise id, got '{item['id']}' again")
            session_ids.add(item["id"])
        for j, session in enumerate(day["sessions"]):
            for k, ref in enumerate(session.get("outcomes", [])):
                if ref not in outcomes:
                    ctx.error(("days", i, "sessions", j, "outcomes", k),
                              f"expected an outcome id, got '{ref}'{did_you_mean(ref, outcomes)}")
    assessed = check_quiz(ctx, data["quiz"], ("quiz",), outcomes)
    assessed |= check_assignment(ctx, data["assignment"], ("assignment",), outcomes)
    check_assessed(ctx, data["outcomes"], ("outcomes",), assessed)
    if data["assignment"]["due_day"] > len(days):
        ctx.error(("assignment", "due_day"), f"expected a day of the workshop (1 … {len(days)}), "
                                             f"got {data['assignment']['due_day']}")
    programme = programme_of(ctx, sources)
    if programme is None:
        return
    for i, day in enumerate(days):
        check_dates(ctx, programme, day["date"], ("days", i, "date"), "workshop day")
    part = mode_part(programme, "workshop", "face-to-face")
    if part is not None:
        if part.get("days") and len(days) != part["days"]:
            ctx.error(("days",), f"expected {part['days']} days (the workshop mode's days), got {len(days)}")
        hours = sum(s["hours"] for day in days for s in day["sessions"])
        if abs(hours - part["hours"]) > 1e-6:
            ctx.error(("days",), f"expected session hours to add up to {part['hours']}, got {hours:g}")
