"""The archive writer: deterministic bytes, SOURCE_DATE_EPOCH, fixed modes, safe names, atomic replacement."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import sys
import tarfile
import zipfile
from pathlib import PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musa import archive
from musa.archive import DEFAULT_EPOCH, UnsafeMember, archive_bytes, write_archive
from musa.signatures import stat_signature

MEMBERS = {"b/second.txt": b"two", "a.txt": b"one", "course/course.xml": b"<course/>"}


@pytest.mark.parametrize("name", ["x.zip", "x.tar.gz", "x.mbz"])
def test_same_members_give_the_same_bytes_in_any_order(name):
    reordered = dict(reversed(list(MEMBERS.items())))
    assert archive_bytes(name, MEMBERS) == archive_bytes(name, reordered)


def test_tar_members_sorted_with_fixed_metadata(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    with tarfile.open(fileobj=io.BytesIO(archive_bytes("x.tar.gz", MEMBERS)), mode="r:gz") as tar:
        infos = tar.getmembers()
    assert [i.name for i in infos] == sorted(MEMBERS)
    assert {(i.mtime, i.mode, i.uid, i.gid, i.uname) for i in infos} == {(DEFAULT_EPOCH, 0o644, 0, 0, "")}
    assert all(i.isfile() for i in infos)


def test_source_date_epoch_is_honoured(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1568592000")  # 2019-09-16
    with zipfile.ZipFile(io.BytesIO(archive_bytes("x.zip", MEMBERS))) as packed:
        assert {i.date_time for i in packed.infolist()} == {(2019, 9, 16, 0, 0, 0)}
        assert {i.external_attr >> 16 for i in packed.infolist()} == {0o100644}
    with tarfile.open(fileobj=io.BytesIO(archive_bytes("x.tar.gz", MEMBERS)), mode="r:gz") as tar:
        assert {i.mtime for i in tar.getmembers()} == {1568592000}
    assert archive_bytes("x.zip", MEMBERS) != archive_bytes("x.zip", MEMBERS, epoch=DEFAULT_EPOCH)


@pytest.mark.parametrize("bad", ["/etc/passwd", "../up.txt", "a/../../b", "a\\b", "", "./a"])
def test_unsafe_member_names_are_refused(bad):
    with pytest.raises(UnsafeMember):
        archive_bytes("x.zip", {bad: b""})


def test_failed_write_leaves_the_earlier_archive_untouched(tmp_path, monkeypatch):
    target = tmp_path / "course.zip"
    write_archive(target, MEMBERS)
    before = target.read_bytes()
    with pytest.raises(UnsafeMember):
        write_archive(target, {"../evil": b""})
    monkeypatch.setattr(archive.os, "replace", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        write_archive(target, {"new.txt": b"new"})
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course.zip"], "no temporary file is left behind"


NAMES = st.text(st.sampled_from("abcxyz019-_./é"), min_size=1, max_size=120).filter(
    lambda n: not n.startswith("/") and ".." not in n.split("/") and "//" not in n and not n.endswith("/")
    and "." not in n.split("/") and n == str(PurePosixPath(n)))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(NAMES, st.binary(max_size=1100) | st.sampled_from([b"", b"x" * 511, b"x" * 512, b"x" * 513]),
                       max_size=8),
       st.sampled_from([DEFAULT_EPOCH, 1600000000, 8 ** 11 + 5]))
def test_tar_written_directly_is_what_tarfile_writes(members, epoch):
    assert archive.tar_bytes(members, epoch) == archive._tarfile_bytes(members, epoch)
    with tarfile.open(fileobj=io.BytesIO(archive.tar_bytes(members, epoch))) as tar:
        assert {m.name: tar.extractfile(m).read() for m in tar.getmembers()} == members


def staged_folder(tmp_path, files):
    """Stage `files` as the folder `out/course` and swap it into place; the folder."""
    folder = tmp_path / "out" / "course"
    archive.Removal([old for old in [archive.swap_tree(archive.stage_tree(folder, files)[0], folder)] if old]).wait()
    return folder


@pytest.fixture(params=[True, False], ids=["by descriptor", "by path"])
def names_by(request, monkeypatch):
    """Stage folders naming files relative to a descriptor of their folder, and as where the system has none."""
    monkeypatch.setattr(archive, "_BY_DESCRIPTOR", request.param and archive._BY_DESCRIPTOR)


def test_a_restaged_folder_links_only_the_files_whose_bytes_are_unchanged(tmp_path, names_by):
    folder = staged_folder(tmp_path, {"a/same.xml": b"<same/>", "a/edited.xml": b"<old/>", "gone.txt": b"x"})
    before = {name: (folder / name).stat().st_ino for name in ("a/same.xml", "a/edited.xml")}
    temporary, _ = archive.stage_tree(folder, {"a/same.xml": b"<same/>", "a/edited.xml": b"<new/>", "new.txt": b"y"})
    assert (temporary / "a/same.xml").stat().st_ino == before["a/same.xml"]  # linked, not written again
    assert (temporary / "a/edited.xml").stat().st_ino != before["a/edited.xml"]
    assert (folder / "a/edited.xml").read_bytes() == b"<old/>"  # the folder in place is not written to
    old = archive.swap_tree(temporary, folder)
    assert (old / "gone.txt").read_bytes() == b"x"  # the folder it replaced, moved aside for the caller to remove
    removal = archive.Removal([old])
    assert removal.process is not None  # by `rm`, on another core
    removal.wait()
    assert not old.exists()
    found = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert found == {"a/same.xml": b"<same/>", "a/edited.xml": b"<new/>", "new.txt": b"y"}
    assert {(folder / name).stat().st_nlink for name in found} == {1}  # the folder it replaced is gone
    assert {(folder / name).stat().st_mode & 0o777 for name in found} == {0o644}


def test_a_folder_that_cannot_take_its_place_leaves_the_one_in_place(tmp_path):
    folder = staged_folder(tmp_path, {"kept.xml": b"<kept/>"})
    with pytest.raises(OSError):
        archive.swap_tree(tmp_path / "never-staged", folder)
    assert [p.name for p in folder.parent.iterdir()] == ["course"]
    assert (folder / "kept.xml").read_bytes() == b"<kept/>"


def test_a_file_that_is_not_exactly_what_was_written_is_never_linked(tmp_path, names_by):
    folder = staged_folder(tmp_path, {n: b"data" for n in ("mode", "link", "shared", "bytes")})
    (folder / "mode").chmod(0o600)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(b"data")
    (folder / "link").unlink()
    (folder / "link").symlink_to(elsewhere)
    (tmp_path / "second-name").hardlink_to(folder / "shared")
    (folder / "bytes").write_bytes(b"DATA")
    in_place = {p.name: (p.read_bytes(), os.lstat(p).st_nlink) for p in folder.iterdir()}
    temporary, _ = archive.stage_tree(folder, {n: b"data" for n in ("mode", "link", "shared", "bytes")})
    for name in ("mode", "link", "shared", "bytes"):
        staged = temporary / name
        assert not staged.is_symlink() and staged.stat().st_nlink == 1, name
        assert staged.read_bytes() == b"data" and staged.stat().st_mode & 0o777 == 0o644, name
    assert {p.name: (p.read_bytes(), os.lstat(p).st_nlink) for p in folder.iterdir()} == in_place  # untouched


def test_a_staged_folder_comes_with_the_signature_a_walk_of_it_takes(tmp_path):
    files = {"a-c.xml": b"1", "a/b.xml": b"22", "a.x": b"333", "a/b/c.xml": b"4", "b": b"", "a/a.xml": b"5"}
    folder = staged_folder(tmp_path, {**files, "a-c.xml": b"one"})
    temporary, signature = archive.stage_tree(folder, files)  # some files linked, some written
    assert signature == stat_signature(temporary)
    archive.Removal([archive.swap_tree(temporary, folder)]).wait()
    assert signature == stat_signature(folder)  # renaming keeps each file's size, time and inode


def test_a_noted_file_is_linked_unread_and_any_other_only_when_its_bytes_match(tmp_path, monkeypatch, names_by):
    folder = tmp_path / "out" / "course"
    files = {"same.xml": b"<same/>", "rewritten.xml": b"<same/>", "edited.xml": b"<old/>"}
    first = archive.Reuse()
    temporary, _ = archive.stage_tree(folder, files, first)
    archive.swap_tree(temporary, folder)
    noted = first.written
    assert len(noted) == 3 and all(len(value) == 3 for value in noted.values())  # size, time, inode of each file
    inodes = {name: (folder / name).stat().st_ino for name in files}
    (folder / "rewritten.xml").unlink()
    (folder / "rewritten.xml").write_bytes(b"<same/>")  # the same bytes, another inode: read, then linked
    (folder / "rewritten.xml").chmod(0o644)
    edited = folder / "edited.xml"
    mtime = edited.stat().st_mtime_ns
    edited.write_bytes(b"<OLD/>")  # other bytes of the same size in the same inode, its time put back
    os.utime(edited, ns=(mtime, mtime))
    opened = []
    open_file = os.open
    monkeypatch.setattr(os, "open", lambda path, *args, **kw: opened.append(os.path.basename(path))
                        or open_file(path, *args, **kw))
    temporary, signature = archive.stage_tree(folder, {**files, "edited.xml": b"<new/>"},
                                              archive.Reuse(folder, "", noted))
    monkeypatch.undo()
    assert sorted(name for name in opened if name in files) == ["edited.xml", "rewritten.xml"]  # noted: unread
    assert (temporary / "same.xml").stat().st_ino == inodes["same.xml"]
    assert (temporary / "rewritten.xml").stat().st_ino == (folder / "rewritten.xml").stat().st_ino
    assert (temporary / "edited.xml").read_bytes() == b"<new/>"  # its bytes are not those noted: written
    assert signature == stat_signature(temporary)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(NAMES, st.binary(max_size=1100) | st.sampled_from([b"", b"x" * 70000]), max_size=8),
       st.sampled_from([DEFAULT_EPOCH, 1600000000]))
def test_zip_written_directly_is_what_zipfile_writes(members, epoch):
    assert archive.zip_bytes(members, epoch) == archive._zipfile_bytes(members, epoch)


def test_a_tar_gz_is_one_gzip_stream_of_pieces_cut_at_members_chosen_by_name():
    members = {f"activities/quiz_{i}/quiz.xml": b"<quiz>%d</quiz>\n" % i * 50 for i in range(300)}
    raw, cuts = archive._tar_with_cuts(members, DEFAULT_EPOCH)
    assert 4 < len(cuts) < 30 and cuts[0] == 0
    assert cuts[-1] == len(raw) == len(archive.tar_bytes(members, DEFAULT_EPOCH))
    packed = archive.tar_gz_bytes(members, DEFAULT_EPOCH)
    assert gzip.decompress(packed) == raw
    with gzip.GzipFile(fileobj=io.BytesIO(packed)) as stream:  # what GzipFile wrote around it
        stream.read()
        assert stream.mtime == DEFAULT_EPOCH
    whole = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=whole, mtime=DEFAULT_EPOCH, compresslevel=6) as stream:
        stream.write(raw)
    assert packed[:10] == whole.getvalue()[:10] and packed[-8:] == whole.getvalue()[-8:]
    # each piece sees the 32 KiB before it: it costs a block header and a sync marker, not a fresh dictionary
    assert len(packed) <= len(whole.getvalue()) + 32 * len(cuts)


def writer(name):
    """The function that writes an archive named `name`, by its suffix."""
    return archive.FORMATS[name[name.index("."):]]


def packed_with_reuse(tmp_path, name, first, second, digest=None):
    """`second` packed taking pieces from `first` packed and written to disk; the bytes, and how many pieces of
    each kind (taken, compressed)."""
    noted = archive.Reuse()
    old = tmp_path / name
    old.write_bytes(writer(name)(first, DEFAULT_EPOCH, noted))
    reuse = archive.Reuse(old, digest or hashlib.sha256(old.read_bytes()).hexdigest(), noted.written)
    counts = {"taken": 0, "asked": 0}
    take = reuse.take

    def counted(key):
        found = take(key)
        counts["asked"] += 1
        counts["taken"] += found is not None
        return found
    reuse.take = counted
    return writer(name)(second, DEFAULT_EPOCH, reuse), counts


@pytest.mark.parametrize("name", ["x.zip", "x.tar.gz"])
@settings(max_examples=40, deadline=None)
@given(first=st.dictionaries(NAMES, st.binary(max_size=3000), min_size=1, max_size=40),
       edit=st.dictionaries(NAMES, st.binary(max_size=3000), max_size=3), removed=st.integers(0, 3))
def test_pieces_taken_from_the_last_archive_give_the_bytes_of_a_fresh_one(tmp_path_factory, name, first, edit,
                                                                         removed):
    second = {**{n: d for n, d in sorted(first.items())[removed:]}, **edit}
    packed, counts = packed_with_reuse(tmp_path_factory.mktemp("reuse"), name, first, second)
    assert packed == writer(name)(second, DEFAULT_EPOCH)
    if first == second:
        assert counts["taken"] == counts["asked"] > 0, "nothing compressed again"


@pytest.mark.parametrize("name", ["x.zip", "x.tar.gz"])
def test_one_changed_member_compresses_only_its_own_piece_again(tmp_path, name):
    first = {f"activities/quiz_{i}/quiz.xml": b"<quiz>%d</quiz>\n" % i * 50 for i in range(300)}
    second = {**first, "activities/quiz_7/quiz.xml": b"<quiz>changed</quiz>\n"}
    packed, counts = packed_with_reuse(tmp_path, name, first, second)
    assert packed == writer(name)(second, DEFAULT_EPOCH)
    assert counts["asked"] - counts["taken"] <= (1 if name == "x.zip" else 3)


@pytest.mark.parametrize("name", ["x.zip", "x.tar.gz"])
def test_no_piece_is_taken_from_an_archive_that_is_not_the_one_noted(tmp_path, name):
    first = {f"m{i}.xml": b"<m>%d</m>" % i * 30 for i in range(100)}
    packed, counts = packed_with_reuse(tmp_path, name, first, first, digest="0" * 64)
    assert packed == writer(name)(first, DEFAULT_EPOCH)
    assert counts["taken"] == 0 and counts["asked"] > 0


def staged_pieces(tmp_path) -> archive.Staging:
    staging = archive.Staging()
    staging.adopt(archive.stage_any(tmp_path / "a.zip", b"first"))
    staging.adopt(archive.stage_any(tmp_path / "b.zip", b"second"))
    staging.adopt(archive.stage_any(tmp_path / "folder", {"x.xml": b"<x/>", "sub/y.xml": b"<y/>"}))
    return staging


def test_a_commit_flushes_everything_staged_with_one_syncfs_before_any_rename(tmp_path, monkeypatch):
    if archive._SYNCFS is None:
        assert not sys.platform.startswith("linux"), "Linux's C library has syncfs(2)"
        pytest.skip("no syncfs(2) on this system (the next test covers the file-by-file flush)")
    calls = []

    def syncfs(descriptor):
        calls.append(sorted(p.name for p in tmp_path.iterdir()))  # what is in place when the flush happens
        return real(descriptor)
    real = archive._SYNCFS
    monkeypatch.setattr(archive, "_SYNCFS", syncfs)
    monkeypatch.setattr(archive.os, "fsync", lambda descriptor: pytest.fail("one fsync per file"))
    staging = staged_pieces(tmp_path)
    staging.commit()
    assert len(calls) == 1 and not any(name in calls[0] for name in ("a.zip", "b.zip", "folder"))
    assert (tmp_path / "a.zip").read_bytes() == b"first" and (tmp_path / "folder" / "sub" / "y.xml").is_file()


def test_without_syncfs_each_staged_file_is_flushed_before_any_rename(tmp_path, monkeypatch):
    flushed = []
    real = archive.os.fsync

    def fsync(descriptor):
        flushed.append(sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")))  # in place
        return real(descriptor)
    monkeypatch.setattr(archive, "_SYNCFS", None)
    monkeypatch.setattr(archive.os, "fsync", fsync)
    staged_pieces(tmp_path).commit()
    assert flushed == [[]] * 4  # the two files and the folder's two, none renamed yet
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.zip", "b.zip", "folder"]


@pytest.mark.parametrize("durable", [True, False])
def test_a_file_written_again_takes_its_new_bytes_under_a_new_inode_and_leaves_nothing_beside_it(tmp_path, durable):
    path, other = tmp_path / "cache.bin", tmp_path / "elsewhere.bin"
    archive.write_atomic(path, b"first" * 1000, durable=durable)
    os.link(path, other)  # a second name for the file in place: it keeps what it held
    archive.write_atomic(path, b"second", durable=durable)
    assert path.read_bytes() == b"second" and other.read_bytes() == b"first" * 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache.bin", "elsewhere.bin"]
    assert os.stat(path).st_ino != os.stat(other).st_ino


def test_starting_to_write_a_file_is_only_a_hint(tmp_path):
    """`start_writing` asks the system to start writing a staged file to disk; it never fails a build: on a
    pipe, or where the system has no such call, it does nothing."""
    staged = archive.stage(tmp_path / "a.zip", b"data" * 10_000, durable=False)
    assert staged.read_bytes() == b"data" * 10_000
    read, write = os.pipe()
    try:
        archive.start_writing(write)
    finally:
        os.close(read)
        os.close(write)
    assert (archive._SYNC_FILE_RANGE is not None) == sys.platform.startswith("linux")
