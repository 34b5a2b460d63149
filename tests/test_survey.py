"""The survey: the archives in place, looked at by a second process while the sources load (musa/survey.py)."""

import json
from pathlib import Path

from conftest import build_json
import musa.build as building
from musa import archive
from musa import survey as survey_module
from musa.signatures import stat_signature
from musa.survey import Survey


def recorded_names(out: Path) -> list[str]:
    units = json.loads((out / building.CACHE_FILE).read_text(encoding="utf-8"))["units"]
    return sorted(name for entry in units.values() for name in entry["archives"])


def test_the_survey_gives_each_recorded_archive_s_signature(minimal, tmp_path, cli):
    out = tmp_path / "out"
    build_json(cli, minimal, out)
    names = recorded_names(out)
    assert any((out / name).is_dir() for name in names) and any((out / name).is_file() for name in names)
    (out / names[0]).rename(out / (names[0] + ".moved"))  # gone: None, as the build itself would find it
    with Survey(out / building.CACHE_FILE) as survey:
        found = survey.signatures()
    assert sorted(found) == names
    assert found == {name: stat_signature(out / name) for name in names}
    assert found[names[0]] is None and all(found[name] for name in names[1:])


def test_a_build_uses_the_survey_instead_of_looking_again(minimal, tmp_path, cli, monkeypatch):
    out = tmp_path / "out"
    first = build_json(cli, minimal, out)
    units = json.loads((out / building.CACHE_FILE).read_text(encoding="utf-8"))["units"]
    noted = {name: recorded["stat"] for entry in units.values() for name, recorded in entry["archives"].items()}
    assert any((out / name).is_dir() for name in noted)
    assert noted == {name: stat_signature(out / name) for name in noted}  # taken as staged: the rename kept it
    looked = []
    original = building.stat_signature
    monkeypatch.setattr(building, "stat_signature", lambda path: looked.append(path) or original(path))
    again = build_json(cli, minimal, out)
    assert again["skipped"] == first["built"] and again["built"] == 0
    assert looked == []  # every archive was checked on the survey's signatures
    # an archive edited before the build is rebuilt, the survey having seen it changed
    name = next(n for n in recorded_names(out) if (out / n).is_file())
    (out / name).write_bytes(b"edited by hand")
    third = build_json(cli, minimal, out)
    assert [a["path"] for a in third["archives"] if not a["cached"]] == [str(out / name)]
    assert looked == [archive.temporary_name(out / name)]  # only to note the rebuilt archive's signature, staged


def test_without_a_usable_cache_there_is_no_survey_and_no_error(tmp_path):
    assert building.survey(tmp_path).signatures() == {}  # no cache: no second process at all
    assert building.survey(tmp_path).process is None
    for damage in (b"", b"{not json", b'{"units": []}', b'{"units": {"olx/a": {"archives": ["x"]}}}'):
        (tmp_path / building.CACHE_FILE).write_bytes(damage)
        with building.survey(tmp_path) as survey:
            assert survey.signatures() == {}
            assert survey.process is None  # ended and waited for


def test_leaving_the_survey_unasked_ends_its_process(minimal, tmp_path, cli):
    out = tmp_path / "out"
    build_json(cli, minimal, out)
    with building.survey(out) as survey:
        process = survey.process
        assert process is not None
    assert process.returncode is not None and survey.process is None


def test_more_names_than_a_pipe_holds_all_come_back(tmp_path):
    names = [f"olx/course-{i:05d}-{'x' * 40}.tar.gz" for i in range(4000)]
    units = {f"olx/course-{i:05d}": {"key": "k", "archives": {name: {"digest": "d"}}} for i, name in enumerate(names)}
    (tmp_path / building.CACHE_FILE).write_text(json.dumps({"units": units}), encoding="utf-8")
    (tmp_path / "olx").mkdir()
    present = names[0]
    (tmp_path / present).write_bytes(b"an archive")
    with building.survey(tmp_path) as survey:
        found = survey.signatures()
    assert sorted(found) == names  # some 250 KB of names: more than a pipe holds, sent from a thread
    assert found[present] == stat_signature(tmp_path / present)
    assert sum(signature is None for signature in found.values()) == len(names) - 1


def test_an_answer_cut_short_is_not_taken():
    assert survey_module._answer(b"a\x00sig\x00b\x00\x00") == {"a": "sig", "b": None}
    for cut in (b"a\x00sig\x00b\x00", b"a\x00sig", b"a"):
        assert survey_module._answer(cut) == {}
