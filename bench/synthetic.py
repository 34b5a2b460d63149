"""Synthetic catalogues for benchmarks, written to a folder: copies of the repository's 42 Mu.SA competences
(with their lessons) under new ids, one programme per copy, and role courses built from the four real roles,
spread over the copies. 42/4, 420/20 and 2,100/100 competences/courses are the sizes `bench/run.py` uses.
Every copy is valid, so the catalogue passes `check` like the real one (unused competences only warn)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROGRAMME = "musa"
PER_COPY = 42
SIZES = ((42, 4), (420, 20), (2100, 100))


def renamer(ids: dict[str, str]):
    """Replace whole ids (not parts of longer ids: tr-1 is not tr-10) by their new names."""
    pattern = re.compile(r"(?<![A-Za-z0-9-])(" + "|".join(map(re.escape, sorted(ids, key=len, reverse=True)))
                         + r")(?![A-Za-z0-9-])")
    return lambda text: pattern.sub(lambda m: ids[m[1]], text)


def write_catalogue(dest: Path, competences: int, courses: int) -> Path:
    """Write `competences` competences (a multiple of 42) in `courses` role courses into `dest`."""
    if competences % PER_COPY or competences <= 0 or courses <= 0:
        raise ValueError(f"competences come in steps of {PER_COPY}, got {competences}")
    copies = competences // PER_COPY
    roles = sorted(p.stem for p in (ROOT / "roles").glob("*.yaml"))
    comps = sorted(p.stem for p in (ROOT / "competences").glob("*.yaml"))
    programme = (ROOT / "content" / "programmes" / f"{PROGRAMME}.yaml").read_text(encoding="utf-8")
    for folder in ("roles", "competences", "content/programmes", "content/lessons"):
        (dest / folder).mkdir(parents=True, exist_ok=True)
    plan = {k: [r for r in range(courses) if r * copies // courses == k - 1] for k in range(1, copies + 1)}
    for k, course_numbers in plan.items():
        names = {c: f"{c}-k{k}" for c in comps} | {PROGRAMME: f"{PROGRAMME}-k{k}"}
        rename = renamer(names)
        for comp in comps:
            text = rename((ROOT / "competences" / f"{comp}.yaml").read_text(encoding="utf-8"))
            (dest / "competences" / f"{names[comp]}.yaml").write_text(text, encoding="utf-8")
            if (ROOT / "content" / "lessons" / comp).is_dir():
                shutil.copytree(ROOT / "content" / "lessons" / comp, dest / "content" / "lessons" / names[comp])
        course_ids = []
        for r in course_numbers:
            role = roles[r % len(roles)]
            ident = f"{role}-r{r + 1}"
            course_ids.append(ident)
            text = renamer(names | {role: ident})((ROOT / "roles" / f"{role}.yaml").read_text(encoding="utf-8"))
            text = re.sub(r"^code: ([A-Z][A-Z0-9]*)$", lambda m: f"code: {m[1][:4]}R{r + 1}", text, flags=re.M)
            (dest / "roles" / f"{ident}.yaml").write_text(text, encoding="utf-8")
        text = re.sub(r"^courses: \[.*\]$", f"courses: [{', '.join(course_ids)}]", rename(programme), flags=re.M)
        (dest / "content" / "programmes" / f"{names[PROGRAMME]}.yaml").write_text(text, encoding="utf-8")
    return dest


if __name__ == "__main__":
    import sys
    print(write_catalogue(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])))
