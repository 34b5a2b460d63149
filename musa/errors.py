"""Located diagnostics: every problem is a value with a place, collected and reported together."""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass, field

import click

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Loc:
    """A place in a source file: path relative to the project, 1-based line and column, and a key path."""

    path: str
    line: int = 0
    col: int = 0
    where: str = ""

    def at(self, where: str) -> "Loc":
        return Loc(self.path, self.line, self.col, where)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}" if self.line else self.path


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem: where it is, what was expected and what was found."""

    loc: Loc
    message: str
    severity: str = field(default=ERROR)

    def format(self) -> str:
        prefix = f"{self.loc}: "
        if self.severity == WARNING:
            prefix += "warning: "
        if self.loc.where:
            prefix += f"{self.loc.where}: "
        return visible(prefix + self.message)


class Diagnostics:
    """A collector of diagnostics for one run; sorted on output, duplicates dropped."""

    def __init__(self) -> None:
        self._items: set[Diagnostic] = set()
        self.error_count = 0  # without sorting: rules compare it before and after a check

    def error(self, loc: Loc, message: str) -> None:
        diag = Diagnostic(loc, message, ERROR)
        if diag not in self._items:
            self._items.add(diag)
            self.error_count += 1

    def warning(self, loc: Loc, message: str) -> None:
        self._items.add(Diagnostic(loc, message, WARNING))

    def add_all(self, items) -> None:
        """Add diagnostics recorded earlier (as `items` gives them)."""
        for diag in items:
            (self.error if diag.severity == ERROR else self.warning)(diag.loc, diag.message)

    @property
    def items(self) -> tuple[Diagnostic, ...]:
        return tuple(self.sorted())

    @property
    def errors(self) -> list[Diagnostic]:
        return sorted(d for d in self._items if d.severity == ERROR)

    @property
    def warnings(self) -> list[Diagnostic]:
        return sorted(d for d in self._items if d.severity == WARNING)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self._items, key=lambda d: (d.loc, d.severity, d.message))

    def __bool__(self) -> bool:
        return bool(self._items)


class ContentError(click.ClickException):
    """The sources have problems; the CLI prints them and exits with 1."""

    exit_code = 1

    def __init__(self, diagnostics: Diagnostics, strict: bool = False) -> None:
        self.diagnostics = diagnostics
        count = len(diagnostics.errors)
        message = f"{count} error{'s' if count != 1 else ''}"
        if strict and diagnostics.warnings:
            warned = len(diagnostics.warnings)
            message += f" and {warned} warning{'s' if warned != 1 else ''} (--strict)"
        super().__init__(message + " in the sources")

    def show(self, file=None) -> None:
        for diag in self.diagnostics.sorted():
            click.echo(diag.format(), err=True)
        click.echo(f"musa-build: {self.message}", err=True)


def did_you_mean(word: str, candidates) -> str:
    """A ' (did you mean X?)' suffix when a candidate is close enough, else ''."""
    close = difflib.get_close_matches(str(word), sorted(map(str, candidates)), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def visible(text: str) -> str:
    """Control and invisible formatting characters (bidi overrides, zero-width spaces) written as \\uXXXX, so that
    a message shows what the file holds and cannot reorder the terminal's line."""
    return "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cc", "Cf", "Cs") else c for c in text)


def describe(value) -> str:
    """How a received value reads in a message: `got 'yes'`, `got a list`, `got nothing`."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return repr(text)
    return repr(value) if not hasattr(value, "isoformat") else value.isoformat()
