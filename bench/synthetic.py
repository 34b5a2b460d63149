"""Synthetic catalogues for benchmarks: k copies of the repository's Mu.SA programme (42 competences and 4 role
courses each) under new ids, written to a folder: k = 1, 10, 50 gives 42, 420 and 2,100 competences in 4, 20
and 100 courses. Every copy is valid, so the catalogue passes `check` like the real one."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROGRAMME = "musa"
COMPETENCES_PER_COPY = 42


def copies_for(competences: int) -> int:
    if competences % COMPETENCES_PER_COPY:
        raise ValueError(f"sizes come in steps of {COMPETENCES_PER_COPY} competences, got {competences}")
    return competences // COMPETENCES_PER_COPY


def ids_of(folder: Path) -> list[str]:
    return sorted(p.stem for p in folder.glob("*.yaml"))


def renamer(ids: list[str], suffix: str):
    """Replace whole ids (not parts of longer ids: tr-1 is not tr-10) by id + suffix."""
    pattern = re.compile(r"(?<![A-Za-z0-9-])(" + "|".join(map(re.escape, sorted(ids, key=len, reverse=True)))
                         + r")(?![A-Za-z0-9-])")
    return lambda text: pattern.sub(lambda m: m[1] + suffix, text)


def write_catalogue(dest: Path, competences: int) -> Path:
    """Write a catalogue of `competences` competences (a multiple of 42) into `dest`; return `dest`."""
    copies = copies_for(competences)
    roles = [p.stem for p in (ROOT / "roles").glob("*.yaml")]
    comps = ids_of(ROOT / "competences")
    programme = (ROOT / "content" / "programmes" / f"{PROGRAMME}.yaml").read_text(encoding="utf-8")
    for folder in ("roles", "competences", "content/programmes", "content/lessons"):
        (dest / folder).mkdir(parents=True, exist_ok=True)
    for k in range(1, copies + 1):
        suffix = f"-k{k}"
        rename = renamer([*roles, *comps, PROGRAMME], suffix)
        (dest / "content/programmes" / f"{PROGRAMME}{suffix}.yaml").write_text(rename(programme), encoding="utf-8")
        for role in roles:
            text = rename((ROOT / "roles" / f"{role}.yaml").read_text(encoding="utf-8"))
            text = re.sub(r"^code: ([A-Z][A-Z0-9]*)$", lambda m: f"code: {m[1][:5]}K{k}", text, flags=re.M)
            (dest / "roles" / f"{role}{suffix}.yaml").write_text(text, encoding="utf-8")
        for comp in comps:
            text = rename((ROOT / "competences" / f"{comp}.yaml").read_text(encoding="utf-8"))
            (dest / "competences" / f"{comp}{suffix}.yaml").write_text(text, encoding="utf-8")
            lessons = ROOT / "content" / "lessons" / comp
            if lessons.is_dir():
                shutil.copytree(lessons, dest / "content" / "lessons" / f"{comp}{suffix}")
    return dest


if __name__ == "__main__":
    import sys
    print(write_catalogue(Path(sys.argv[1]), int(sys.argv[2])))
