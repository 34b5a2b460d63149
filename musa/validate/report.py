"""What every archive validator returns: problems located at a member inside the archive, counts, missing tools."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an archive, at a member inside it."""

    file: str
    message: str

    def format(self) -> str:
        return f"{self.file}: {self.message}"


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    unavailable: list[str] = field(default_factory=list)  # consumers that are not installed here

    def add(self, file: str, message: str) -> None:
        self.problems.append(Problem(file, message))
