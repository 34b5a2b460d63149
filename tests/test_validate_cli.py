"""`musa-build validate`: named archives or whole folders, every kind in KINDS detected, one table, --json."""

from __future__ import annotations

import json
import sys
import tarfile
import types
from pathlib import Path

import pytest

import musa.validate
from musa.validate import KINDS


@pytest.fixture
def built(minimal, cli):
    """The minimal project built for every registered target, plus the preview, under build/."""
    assert cli("--project", minimal, "build").code == 0
    assert cli("--project", minimal, "preview").code == 0
    return minimal / "build"


def parse_table(out: str) -> list[dict]:
    lines = out.splitlines()
    header = lines[0].split()
    assert header == ["file", "kind", "result", "problems", "counts"]
    rows = []
    for line in lines[1:]:
        if not line or line.startswith(" ") or ": " in line.split("  ")[0]:
            break  # the problem lines after the table
        cells = [c for c in line.split("  ") if c.strip()]
        rows.append(dict(zip(header, (c.strip() for c in cells))))
    return rows


def test_folder_is_searched_for_every_archive_and_other_files_are_skipped(built, cli):
    result = cli("validate", built)
    assert result.code == 0, result.out + result.err
    rows = parse_table(result.out)
    # every file a target writes is an archive a kind recognises, except the preview and olx-utils source trees
    archives = sorted(str(p) for p in built.rglob("*")
                      if p.is_file() and not any(part.startswith(".") for part in p.relative_to(built).parts)
                      and not {"preview", "olx-source"} & set(p.relative_to(built).parts))
    assert sorted(r["file"] for r in rows if r["result"] != "skipped") == archives
    assert all(r["result"] == "ok" and r["problems"] == "0" and r["kind"] in KINDS
               for r in rows if r["result"] != "skipped")
    olx = next(r for r in rows if r["file"].endswith("curator.tar.gz"))
    assert olx["kind"] == "olx" and "problem" in olx["counts"]
    skipped = [r for r in rows if r["result"] == "skipped"]
    assert [r["file"] for r in skipped] == [f"{built / 'olx-source'}/", f"{built / 'preview'}/"]
    for row in skipped:
        files = sum(1 for p in Path(row["file"]).rglob("*") if p.is_file() and not p.name.startswith("."))
        assert row == {"file": row["file"], "kind": "—", "result": "skipped", "problems": "—",
                       "counts": f"{files} files no kind recognises"}


def test_default_is_the_project_build_folder(built, cli):
    result = cli("--project", built.parent, "validate")
    assert result.code == 0
    assert any(r["file"].endswith("curator.tar.gz") for r in parse_table(result.out))


def test_json_for_ci_and_failures_exit_1(built, cli):
    spoiled = built / "olx" / "spoiled.tar.gz"
    with tarfile.open(built / "olx" / "curator.tar.gz") as source, tarfile.open(spoiled, "w:gz") as target:
        for member in source.getmembers():
            if member.name != "course/course.xml":
                target.addfile(member, source.extractfile(member) if member.isfile() else None)
    result = cli("validate", "--json", built)
    assert result.code == 1
    report = json.loads(result.out)
    checked = report["checked"]
    assert f"1 of {checked} archives failed validation" in result.err
    assert (report["failed"], report["skipped"]) == (1, 2)
    assert checked == 1 + sum(1 for r in report["archives"] if r["result"] == "ok")
    by_name = {entry["path"].rsplit("/", 1)[-1]: entry for entry in report["archives"]}
    assert by_name["curator.tar.gz"]["result"] == "ok" and by_name["curator.tar.gz"]["problems"] == []
    assert by_name["curator.tar.gz"]["counts"]["problem"] == 12
    bad = by_name["spoiled.tar.gz"]
    assert bad["kind"] == "olx" and bad["result"] == "FAILED" and bad["problems"]
    assert all(set(p) == {"file", "message"} for p in bad["problems"])
    table = cli("validate", built)
    assert table.code == 1
    assert next(r for r in parse_table(table.out) if r["file"].endswith("spoiled.tar.gz"))["result"] == "FAILED"
    assert f"{spoiled}: {bad['problems'][0]['file']}: {bad['problems'][0]['message']}" in table.out


def test_a_named_file_no_kind_recognises_fails(cli, tmp_path, built):
    stray = tmp_path / "notes.txt"
    stray.write_text("not an archive")
    result = cli("validate", stray, built / "olx" / "curator.tar.gz")
    assert result.code == 1
    rows = parse_table(result.out)
    assert [(r["file"], r["kind"], r["result"]) for r in rows] == [
        (str(stray), "—", "FAILED"), (str(built / "olx" / "curator.tar.gz"), "olx", "ok")]
    assert f"{stray}: notes.txt: not an archive musa-build knows how to check (known kinds: " in result.out


def test_a_folder_without_archives_fails(cli, tmp_path):
    (tmp_path / "empty").mkdir()
    result = cli("validate", tmp_path / "empty")
    assert result.code == 1 and "no archive found to validate" in result.err
    assert cli("--project", tmp_path, "validate").code == 2


def test_every_kind_in_the_registry_takes_part(cli, tmp_path, monkeypatch):
    """A stand-in kind registered for this test only: the folder walk asks every kind in KINDS."""
    stand_in = types.ModuleType("musa.validate.standin")
    stand_in.detect = lambda path: path.suffix == ".standin"

    def validate_archive(path):
        report = musa.validate.Report()
        report.counts["widget"] = 3
        if b"bad" in path.read_bytes():
            report.add("inside.xml", "a stand-in problem")
        return report
    stand_in.validate_archive = validate_archive
    monkeypatch.setitem(sys.modules, "musa.validate.standin", stand_in)
    monkeypatch.setitem(KINDS, "standin", "standin")
    (tmp_path / "site" / "deep").mkdir(parents=True)
    (tmp_path / "site" / "deep" / "good.standin").write_bytes(b"fine")
    (tmp_path / "site" / "bad.standin").write_bytes(b"bad")
    (tmp_path / "site" / "readme.txt").write_text("x")
    result = cli("validate", "--json", tmp_path / "site")
    assert result.code == 1
    report = json.loads(result.out)
    assert [(e["path"].rsplit("/", 1)[-1], e["kind"], e["result"], e["counts"]) for e in report["archives"]] == [
        ("bad.standin", "standin", "FAILED", {"widget": 3}), ("good.standin", "standin", "ok", {"widget": 3}),
        ("readme.txt", None, "skipped", {})]


def test_damaged_and_truncated_archives_fail_and_say_so(cli, tmp_path, built):
    """What an interrupted copy or a bad disk leaves: each kind's archive cut in half, and with 64 bytes spoiled
    in its middle (the tar reader alone would stop quietly at the spoiled header; the SCORM checks alone read
    only the members they need)."""
    spoiled = tmp_path / "spoiled"
    spoiled.mkdir()
    names = []
    for archive in (built / "moodle" / "curator.mbz", built / "olx" / "curator.tar.gz",
                    built / "scorm12" / "curator.zip"):
        data = archive.read_bytes()
        middle = len(data) // 2
        (spoiled / f"half-{archive.name}").write_bytes(data[:middle])
        (spoiled / f"flipped-{archive.name}").write_bytes(
            data[:middle] + bytes(b ^ 0xFF for b in data[middle:middle + 64]) + data[middle + 64:])
        names += [f"half-{archive.name}", f"flipped-{archive.name}"]
    for where in ([spoiled], sorted(spoiled.iterdir())):  # a folder, and the files named
        result = cli("validate", "--json", *where)
        assert result.code == 1 and "Traceback" not in result.err
        report = json.loads(result.out)
        assert sorted(e["path"].rsplit("/", 1)[-1] for e in report["archives"]) == sorted(names)
        for entry in report["archives"]:
            assert entry["result"] == "FAILED", entry
            [problem] = entry["problems"]
            assert problem["message"].startswith("a damaged or truncated archive: "), problem
    # the same archives whole are fine
    assert cli("validate", built / "moodle" / "curator.mbz", built / "scorm12" / "curator.zip").code == 0


def test_an_archive_that_would_expand_beyond_the_limit_is_not_read(cli, tmp_path, monkeypatch):
    """A decompression bomb is refused once its reading passes LARGEST (a zip by its declared sizes, which reading
    stops at; a gzip stream as it is read), before any kind's checks read it."""
    import io
    import zipfile
    monkeypatch.setattr(musa.validate, "LARGEST", 2**20)
    zeros = bytes(2**20 + 1)
    with zipfile.ZipFile(tmp_path / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", zeros)
    with tarfile.open(tmp_path / "bomb.tar.gz", "w:gz") as tar:
        member = tarfile.TarInfo("course/course.xml")
        member.size = len(zeros)
        tar.addfile(member, io.BytesIO(zeros))
    result = cli("validate", "--json", tmp_path)
    assert result.code == 1
    entries = json.loads(result.out)["archives"]
    assert [(e["path"].rsplit("/", 1)[-1], e["result"], [p["message"] for p in e["problems"]]) for e in entries] == [
        (name, "FAILED", ["an archive that expands to more than 1 MiB; not checked"])
        for name in ("bomb.tar.gz", "bomb.zip")]


def test_a_folder_whose_name_is_not_utf_8(cli, tmp_path, built):
    """A folder name in another encoding (Latin-1 bytes): every archive under it is found and checked."""
    import os
    import shutil
    folder = tmp_path / os.fsdecode(b"caf\xe9")
    shutil.copytree(built, folder)
    result = cli("validate", "--json", folder)
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["failed"] == 0 and report["checked"] == json.loads(cli("validate", "--json", built).out)["checked"]


def test_a_pipe_or_device_is_never_read(tmp_path, built):
    """A pipe would wait for a writer and /dev/zero never ends: named, each fails at once; in a folder, a pipe is
    skipped. (A process of its own, so that a hang is a failed test, not a stuck run.)"""
    import os
    import subprocess
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    folder = tmp_path / "with-a-pipe"
    folder.mkdir()
    os.mkfifo(folder / "queue")
    (folder / "curator.zip").write_bytes((built / "scorm12" / "curator.zip").read_bytes())

    def validate(*paths) -> tuple[int, dict]:
        done = subprocess.run([sys.executable, "-m", "musa", "validate", "--json", *map(str, paths)],
                              capture_output=True, text=True, timeout=60)
        assert "Traceback" not in done.stderr
        return done.returncode, json.loads(done.stdout)

    code, report = validate(pipe, "/dev/zero")
    assert code == 1
    assert [(e["result"], [p["message"] for p in e["problems"]]) for e in report["archives"]] == [
        ("FAILED", ["a special file (a pipe, socket or device), not an archive; not read"])] * 2
    code, report = validate(folder)
    assert code == 0
    assert [(e["path"].rsplit("/", 1)[-1], e["result"]) for e in report["archives"]] == [
        ("curator.zip", "ok"), ("queue", "skipped")]
