"""Write the JSON Schemas of the source files from the same definitions the loader validates with."""

from __future__ import annotations

import json
from pathlib import Path

from .archive import write_atomic
from .schema import json_schema
from .specs import KINDS


def schema_texts() -> dict[str, str]:
    """file name → JSON text, one per kind of source file."""
    return {f"{kind}.schema.json": json.dumps(json_schema(spec, kind), indent=2, ensure_ascii=False) + "\n"
            for kind, spec in KINDS.items()}


def write_schemas(folder: Path) -> list[Path]:
    written = []
    for name, text in schema_texts().items():
        write_atomic(folder / name, text.encode("utf-8"))
        written.append(folder / name)
    return written
