"""A small helper that reports problems at key paths of one document."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Diagnostics
from ..yamlsource import Document


@dataclass
class Ctx:
    doc: Document
    diags: Diagnostics

    @property
    def data(self):
        return self.doc.data

    def error(self, parts, message: str) -> None:
        self.diags.error(self.doc.loc(tuple(parts)), message)

    def warning(self, parts, message: str) -> None:
        self.diags.warning(self.doc.loc(tuple(parts)), message)

    def unique(self, items, parts, what: str, key: str = "id") -> set:
        """Report repeated `key` values in a list of mappings; return the set of values."""
        seen = set()
        for i, item in enumerate(items):
            value = item[key]
            if value in seen:
                self.error(tuple(parts) + (i, key), f"expected a unique {what} id, got '{value}' again")
            seen.add(value)
        return seen
