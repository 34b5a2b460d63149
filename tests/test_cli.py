"""The command line: summary, exit codes (0 ok, 1 content, 2 usage, 3 internal, 4 cannot write), never a traceback."""

from __future__ import annotations

import errno
import subprocess
import sys

import pytest

from conftest import ROOT
from test_broken_projects import materialise


def test_check_on_the_repository_prints_the_summary(cli):
    result = cli("--project", ROOT, "check", "--strict")
    assert result.code == 0, result.err
    assert result.err == ""
    lines = result.out.splitlines()
    assert lines[0] == "2 programmes, 7 courses, 42 competences, 96 lessons"
    assert "musa: DSM 23 competences, DCC 22 competences, DIED 27 competences, OCCM 26 competences" in lines
    assert ("  Blended course: Face to face 24 h + Online and self-study 288 h + Assessment 48 h = 360 h "
            "over 24 weeks") in lines
    assert ("  Work-based learning: Practical learning at a host organisation 200 h + Assessment 5 h = 205 h "
            "over 10 weeks") in lines
    coverage = [line for line in lines if line.startswith("language ")]
    assert [line.split(":")[0] for line in coverage] == ["language el", "language en", "language it", "language pt"]
    assert all("titles 51/51" in line for line in coverage)
    assert lines[-1].startswith("ok: ") and lines[-1].endswith("0 warnings")


def test_missing_lists_untranslated_texts(cli):
    result = cli("--project", ROOT, "check", "--missing", "el")
    assert result.code == 0
    assert "competences/tr-13.yaml: lessons[0].body: no el text" in result.out
    assert "competences/tr-13.yaml: title: no el text" not in result.out


@pytest.mark.parametrize("lang", ["", "xx", "EN"])
def test_missing_in_an_undeclared_language_is_a_usage_error(cli, lang):
    """No list of every text (none declared 'xx') and no silent summary (for ''): the languages one may ask for."""
    result = cli("--project", ROOT, "check", "--missing", lang)
    assert result.code == 2 and "no " not in result.out
    assert f"Invalid value for --missing: unknown language '{lang}'; the programmes declare: el, en, it, pt" in result.err


def test_coverage_counts_what_missing_lists(cli):
    """The summary's counts and `--missing`'s list come from two walks of the model: they must agree."""
    result = cli("--project", ROOT, "check")
    for lang in ("el", "it", "pt"):
        listed = cli("--project", ROOT, "check", "--missing", lang).out.splitlines()
        total = int(next(line for line in result.out.splitlines() if line.startswith(f"language {lang}:"))
                    .split("/")[-1].split(" ")[0])
        line = f"language {lang}: titles 51/51, all texts {total - (len(listed) - 1)}/{total}"
        assert line in result.out
        assert listed[-1] == f"{len(listed) - 1} texts lack {lang}" and len(listed) > 1


def test_warnings_pass_unless_strict(tmp_path, cli):
    project = materialise("level-out-of-range", tmp_path)
    relaxed = cli("--project", project, "check")
    assert relaxed.code == 0
    assert "warning: level: expected a level within this competence's e-CF range e-2 … e-4, got e-5" in relaxed.err
    assert cli("--project", project, "check", "--strict").code == 1


def test_usage_errors_exit_2(cli, tmp_path):
    assert cli("check", "--no-such-option").code == 2
    missing = cli("--project", tmp_path / "nowhere", "check")
    assert missing.code == 2 and "is not a folder" in missing.err
    too_long = cli("--project", tmp_path / ("y" * 300), "check")  # a name no file system holds: not a traceback
    assert too_long.code == 2 and "cannot be read: File name too long" in too_long.err
    unknown = cli("--project", ROOT, "build", "--target", "nope")
    assert unknown.code == 2 and "unknown target 'nope'" in unknown.err


def test_empty_folder_is_a_content_error(cli, tmp_path):
    result = cli("--project", tmp_path, "check")
    assert result.code == 1
    assert "content/programmes: expected at least one programme file, got none" in result.err


def test_internal_fault_is_one_line_unless_debug(cli, monkeypatch):
    import musa.cli

    def explode(root, cache=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(musa.cli, "load", explode)
    quiet = cli("--project", ROOT, "check")
    assert quiet.code == 3
    assert quiet.err == ("musa-build: internal error: RuntimeError: boom "
                         "(run again with --debug for details)\n")
    loud = cli("--debug", "--project", ROOT, "check")
    assert loud.code == 3 and "Traceback" in loud.err


@pytest.mark.parametrize("command", [["build", "--jobs", "1"], ["preview"], ["report"], ["schema"]])
def test_an_output_folder_that_cannot_be_made_exits_4_and_says_why(cli, minimal, tmp_path, command):
    (tmp_path / "a-file").write_text("not a folder")
    out = tmp_path / "a-file" / "out"
    result = cli("--project", minimal, *command, "--out", out)
    # one line: the folder, the system's reason, and the file when it is not the folder itself (the preview's
    # first page)
    assert result.code == 4 and result.err.count("\n") == 1
    assert result.err.startswith(f"Error: cannot write into {out}: Not a directory")


def test_a_folder_where_an_archive_goes_exits_4_and_names_it(cli, minimal, tmp_path):
    out = tmp_path / "out"
    assert cli("--project", minimal, "build", "--out", out, "--jobs", "1").code == 0
    archive = out / "moodle" / "curator.mbz"
    archive.unlink()
    (archive / "inside").mkdir(parents=True)  # put there by hand: the build cannot rename its archive onto it
    result = cli("--project", minimal, "build", "--out", out, "--jobs", "1")
    assert result.code == 4 and result.err.count("\n") == 1
    assert result.err.startswith(f"Error: cannot write into {out}: Is a directory (renaming ")
    assert result.err.endswith(f" to {archive})\n")
    assert (archive / "inside").is_dir() and not list(archive.parent.glob(".*.tmp"))


def test_a_full_disk_during_a_build_exits_4_and_names_the_file(cli, minimal, tmp_path, monkeypatch):
    from musa import archive
    original = archive.stage

    def full(path, data, *rest, **options):
        if path.suffix == ".mbz":
            raise OSError(errno.ENOSPC, "No space left on device", str(archive.temporary_name(path)))
        return original(path, data, *rest, **options)
    monkeypatch.setattr(archive, "stage", full)
    out = tmp_path / "out"
    result = cli("--project", minimal, "build", "--out", out, "--jobs", "1")
    where = archive.temporary_name(out / "moodle" / "curator.mbz")
    assert (result.code, result.err) == (4, f"Error: cannot write into {out}: No space left on device ({where})\n")
    assert not (out / "moodle" / "curator.mbz").exists()


def test_an_os_error_elsewhere_is_still_an_internal_fault(cli, minimal, tmp_path, monkeypatch):
    import musa.cli

    def unreadable(root, cache=None):
        raise PermissionError(errno.EACCES, "Permission denied", "/somewhere/else")
    monkeypatch.setattr(musa.cli, "load", unreadable)
    result = cli("--project", minimal, "build", "--out", tmp_path / "out")
    assert result.code == 3 and result.err.startswith("musa-build: internal error: PermissionError")


def test_schema_writes_every_kind(cli, tmp_path):
    result = cli("--project", ROOT, "schema", "--out", tmp_path)
    assert result.code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "competence.schema.json", "programme.schema.json", "role.schema.json", "workshop.schema.json"]


def test_build_of_a_broken_project_writes_nothing(cli, tmp_path):
    project = materialise("dates-reversed", tmp_path)
    result = cli("--project", project, "build")
    assert result.code == 1
    assert not (project / "build").exists()


def test_entry_script_runs_without_installing(minimal):
    done = subprocess.run([sys.executable, str(ROOT / "musa_build.py"), "--project", str(minimal), "check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1 programmes, 1 courses, 2 competences")
