"""Moodle's fixed list of answer grades, and how a multiple-response question shares 100 % among its answers.

Moodle refuses on import any answer grade outside its list (question_bank::fraction_options_full(): every
p/q for q ≤ 6, every tenth, 1/q for q ≤ 10, 1/20, their negatives, 0), matching within 0.00001 of a
fraction; a multiple-answer multichoice must have positive grades summing to 100 % once rounded to two
decimals of a fraction. Grades are written as percentages with Moodle's seven-digit rounding (33.33333).
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

# The positive grades, in percent, as Moodle writes them.
POSITIVE = ("100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40", "33.33333", "30", "25",
            "20", "16.66667", "14.28571", "12.5", "11.11111", "10", "5")
ALLOWED = frozenset(Decimal(p) for p in POSITIVE) | frozenset(-Decimal(p) for p in POSITIVE) | {Decimal(0)}
MATCH = Decimal("0.001")  # Moodle's tolerance of 0.00001 on a fraction, in percent
EXACT = Decimal("0.0001")  # how close to 100 % a share must come


def allowed(percent: Decimal | str | float) -> bool:
    """Whether Moodle's import accepts this grade (in percent)."""
    value = Decimal(str(percent))
    return any(abs(value - option) < MATCH for option in ALLOWED)


def sums_to_full(percents) -> bool:
    """Moodle's test for a multiple-answer question: the positive grades, as a fraction rounded to 2 places, are 1."""
    total = sum((Decimal(str(p)) for p in percents if Decimal(str(p)) > 0), Decimal(0)) / 100
    return round(total, 2) == 1


@lru_cache(maxsize=None)  # a pure function of a small number, asked for every question
def shares(count: int) -> tuple[str, ...]:
    """`count` grades from Moodle's list summing to 100 %, as equal as the list allows.

    Equal shares when 100/count is in the list (every count up to 10; 3 → 33.33333 each). Otherwise two
    neighbouring values, the larger first: 11 answers → 9 × 10 + 2 × 5. More than 20 answers cannot
    share 100 % (5 % is the smallest grade), which raises ValueError.
    """
    if count < 1:
        raise ValueError(f"no answers to share 100 % among, got {count}")
    best = None
    for high in POSITIVE:
        for low in POSITIVE:
            u, v = Decimal(high), Decimal(low)
            if v > u:
                continue
            for k in range(1, count + 1):
                if abs(k * u + (count - k) * v - 100) <= EXACT * count:
                    spread = u - v
                    if best is None or spread < best[0]:
                        best = (spread, (high,) * k + (low,) * (count - k))
    if best is None:
        raise ValueError(f"Moodle's grade list cannot share 100 % among {count} answers")
    return best[1]
