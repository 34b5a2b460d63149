"""Chart geometry for the preview: Python decides every number and coordinate, the SVG templates draw them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Course, Programme, Project

BAR_WIDTH = 520  # pixels for the largest total
ROW = 34
CELL = 22
WEEK_WIDTH = 30


@dataclass(frozen=True)
class Segment:
    part: str
    label: str
    hours: float
    x: float
    width: float
    shade: int  # 0, 1, 2 … : which colour class


@dataclass(frozen=True)
class Bar:
    mode: str
    label: str
    total: float
    y: float
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class HoursChart:
    bars: tuple[Bar, ...]
    width: float
    height: float
    label_width: float


def hours_chart(programme: Programme, lang: str) -> HoursChart:
    """One stacked bar per study mode, one segment per part, lengths proportional to hours."""
    largest = max((m.total_hours for m in programme.modes), default=1) or 1
    label_width = 10  # left margin: each mode's title is written above its bar
    bars = []
    for i, mode in enumerate(programme.modes):
        x, segments = label_width, []
        for j, part in enumerate(mode.parts):
            width = BAR_WIDTH * part.hours / largest
            segments.append(Segment(part.id, part.title.get(lang), part.hours, x, width, j % 4))
            x += width
        bars.append(Bar(mode.id, mode.title.get(lang), mode.total_hours, 24 + i * (ROW + 48), tuple(segments)))
    return HoursChart(tuple(bars), label_width + BAR_WIDTH + 90, 24 + len(bars) * (ROW + 48), label_width)


@dataclass(frozen=True)
class Cell:
    course: str
    competence: str
    weeks: int  # weeks the course spends on the competence; 0 when it does not teach it
    x: float
    y: float
    heat: int  # 0 … 4


@dataclass(frozen=True)
class Heatmap:
    rows: tuple[tuple[str, str, float], ...]  # course id, label, y
    columns: tuple[tuple[str, str, float], ...]  # competence id, code label, x
    cells: tuple[Cell, ...]
    width: float
    height: float
    left: float
    top: float


def natural(code: str) -> tuple:
    """A sort key that puts T2 before T10 and D.2 before D.10."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", code))


def weeks_taught(course: Course, competence_id: str) -> int:
    for cc in course.competences:
        if cc.competence.id == competence_id:
            return len(cc.weeks) if course.kind == "role" else 1
    return 0


def heatmap(programme: Programme, project: Project) -> Heatmap:
    """Courses × competences of a programme; a cell's value is the weeks the course spends on the competence."""
    used = {cc.competence.id for course in programme.courses for cc in course.competences}
    columns_c = [c for c in sorted(project.competences, key=lambda c: (c.framework, natural(c.code))) if c.id in used]
    left, top = 90, 70
    values = [weeks_taught(course, c.id) for course in programme.courses for c in columns_c]
    highest = max(values, default=1) or 1
    columns = tuple((c.id, c.code, left + i * CELL) for i, c in enumerate(columns_c))
    rows = tuple((course.id, course.code, top + i * CELL) for i, course in enumerate(programme.courses))
    cells = []
    for course_id, _, y in rows:
        course = next(c for c in programme.courses if c.id == course_id)
        for comp_id, _, x in columns:
            n = weeks_taught(course, comp_id)
            heat = 0 if n == 0 else 1 + min(3, (3 * (n - 1)) // highest)
            cells.append(Cell(course_id, comp_id, n, x, y, heat))
    return Heatmap(rows, columns, tuple(cells), left + len(columns) * CELL + 10, top + len(rows) * CELL + 10,
                   left, top)


@dataclass(frozen=True)
class Span:
    row: int
    label: str
    ident: str
    start: int  # first week (or day), 1-based
    end: int  # last week (or day), inclusive
    kind: str  # competence | placement | session
    y: float
    x: float
    width: float


@dataclass(frozen=True)
class Mark:
    kind: str  # face-to-face | assessment | placement-due
    ident: str
    label: str
    week: int
    x: float
    y: float


@dataclass(frozen=True)
class Timeline:
    units: tuple[tuple[int, float], ...]  # week (or day) number, x
    spans: tuple[Span, ...]
    marks: tuple[Mark, ...]
    width: float
    height: float
    left: float
    top: float
    unit: str  # week | day


def runs(numbers) -> list[tuple[int, int]]:
    """Consecutive runs of sorted numbers: (1, 2, 3, 7, 8) → [(1, 3), (7, 8)]."""
    found: list[list[int]] = []
    for n in sorted(numbers):
        if found and n == found[-1][1] + 1:
            found[-1][1] = n
        else:
            found.append([n, n])
    return [(a, b) for a, b in found]


def timeline(course: Course, lang: str) -> Timeline:
    """A role's weeks (competences as bars, face-to-face days, assignment due weeks, the placement) or a
    workshop's days (sessions per day, the assignment's due day)."""
    left, top = 260, 40
    if course.kind == "role":
        last = max([len(course.weeks)] + ([course.placement.start_week + course.placement.weeks - 1]
                                          if course.placement else []))
        unit = "week"
    else:
        last = len(course.days)
        unit = "day"
    width = WEEK_WIDTH if unit == "week" else 120
    x_of = {n: left + (n - 1) * width for n in range(1, last + 1)}
    spans, marks = [], []
    row = 0

    def y_of(r: int) -> float:
        return top + 30 + r * 20

    if unit == "week":
        for cc in course.competences:
            if not cc.weeks:
                continue
            for first, end in runs(cc.weeks):
                spans.append(Span(row, f"{cc.competence.code} {cc.competence.title.get(lang)}", cc.competence.id,
                                  first, end, "competence", y_of(row), x_of[first], (end - first + 1) * width))
            if cc.due_week and cc.due_week in x_of:
                marks.append(Mark("assessment", cc.competence.assignment.id, cc.competence.assignment.title.get(lang),
                                  cc.due_week, x_of[cc.due_week] + width / 2, y_of(row) + 7))
            row += 1
        if course.placement:
            p = course.placement
            end = p.start_week + p.weeks - 1
            spans.append(Span(row, p.logbook.title.get(lang), "placement", p.start_week, end, "placement", y_of(row),
                              x_of[p.start_week], p.weeks * width))
            due = p.start_week + p.logbook.due - 1
            if due in x_of:
                marks.append(Mark("assessment", p.logbook.id, p.logbook.title.get(lang), due,
                                  x_of[due] + width / 2, y_of(row) + 7))
            row += 1
        for day in course.face_to_face:
            if day.week in x_of:
                marks.append(Mark("face-to-face", day.id, f"{day.date.isoformat()} {day.title.get(lang)}", day.week,
                                  x_of[day.week] + width / 2, top + 14))
    else:
        for day in course.days:
            for session in day.sessions:
                spans.append(Span(row, session.title.get(lang), session.id, day.number, day.number, "session",
                                  y_of(row), x_of[day.number], width))
                row += 1
        if course.assignment:
            due = min(course.assignment.due, last)
            marks.append(Mark("assessment", course.assignment.id, course.assignment.title.get(lang), due,
                              x_of[due] + width / 2, top + 14))
    return Timeline(tuple(sorted(x_of.items())), tuple(spans), tuple(marks), left + last * width + 10,
                    y_of(row) + 10, left, top, unit)
