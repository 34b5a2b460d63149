"""The library versions every cache header names: read from dist-info folders as importlib.metadata finds them."""

from __future__ import annotations

import sys
from importlib import metadata

import pytest

from musa import digests


def test_libraries_digest_names_the_versions_importlib_metadata_finds():
    expected = ";".join(f"{name}=={metadata.version(name)}" for name in digests.OUTPUT_LIBRARIES)
    assert digests.installed_versions(digests.OUTPUT_LIBRARIES) == {
        name: metadata.version(name) for name in digests.OUTPUT_LIBRARIES}
    assert digests.libraries_digest() == expected


def dist_info(folder, name: str, headers: str):
    info = folder / name
    info.mkdir(parents=True)
    (info / "METADATA").write_text(headers, encoding="utf-8")
    return info


@pytest.fixture
def asked(monkeypatch):
    """The names looked up through importlib.metadata itself, each answered 'from-metadata'."""
    names: list[str] = []

    def lookup(name):
        names.append(name)
        return "from-metadata"
    monkeypatch.setattr(digests, "_metadata_lookup", lookup)
    return names


def test_the_first_folder_on_the_path_wins_and_names_compare_normalised(tmp_path, monkeypatch, asked):
    first, second = tmp_path / "first", tmp_path / "second"
    dist_info(first, "Markdown_It_Py-3.0.0.dist-info", "Metadata-Version: 2.1\nName: markdown-it-py\nVersion: 3.0.0\n")
    dist_info(second, "markdown_it_py-9.9.9.dist-info", "Metadata-Version: 2.1\nVersion: 9.9.9\n")
    dist_info(second, "nh3-0.2.1.dist-info", "Name: nh3\nVersion: 0.2.1\n\nVersion: not a header\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "absent"), str(first), str(second)])
    assert digests.installed_versions(("markdown-it-py", "nh3")) == {"markdown-it-py": "3.0.0", "nh3": "0.2.1"}
    assert asked == []


@pytest.mark.parametrize("case", ["egg-info first", "egg first", "no version", "absent", "zip on the path"])
def test_importlib_metadata_decides_whenever_a_folder_could_say_otherwise(tmp_path, monkeypatch, asked, case):
    folder, later = tmp_path / "site", tmp_path / "later"
    dist_info(later, "nh3-0.2.1.dist-info", "Version: 0.2.1\n")
    path = [str(folder), str(later)]
    folder.mkdir()
    if case == "egg-info first":
        dist_info(folder, "nh3-0.1.egg-info", "Version: 0.1\n")
    elif case == "egg first":
        (folder / "nh3-0.1-py3.11.egg").mkdir()
    elif case == "no version":
        dist_info(folder, "nh3-0.1.dist-info", "Name: nh3\n\nVersion: 0.1\n")
    elif case == "zip on the path":
        (tmp_path / "libs.zip").write_bytes(b"PK\x05\x06" + bytes(18))
        path.insert(0, str(tmp_path / "libs.zip"))
    monkeypatch.setattr(sys, "path", path)
    expected = "0.2.1" if case == "absent" else "from-metadata"
    assert digests.installed_versions(("nh3", "mdurl")) == {"nh3": expected, "mdurl": "from-metadata"}
    assert asked == (["mdurl"] if case == "absent" else ["nh3", "mdurl"])


def test_another_finder_that_knows_distributions_leaves_it_to_importlib_metadata(tmp_path, monkeypatch, asked):
    class Finder:
        @staticmethod
        def find_distributions(context=None):
            return iter(())

        @staticmethod
        def find_spec(name, path=None, target=None):
            return None
    dist_info(tmp_path, "nh3-0.2.1.dist-info", "Version: 0.2.1\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    monkeypatch.setattr(sys, "meta_path", [Finder, *sys.meta_path])
    assert digests.installed_versions(("nh3",)) == {"nh3": "from-metadata"}
    assert asked == ["nh3"]
