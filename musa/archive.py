"""The one archive writer: sorted members, fixed times and modes, written whole and renamed into place."""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import io
import os
import shutil
import stat
import struct
import subprocess
import sys
import tarfile
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_EPOCH = 315532800  # 1980-01-01T00:00:00Z, the earliest time a zip can hold
FILE_MODE = 0o644


class UnsafeMember(ValueError):
    """A member name that would leave the archive's folder."""


def source_epoch() -> int:
    """`SOURCE_DATE_EPOCH` when set (reproducible-builds.org), else a fixed date."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "")
    return max(int(value), DEFAULT_EPOCH) if value.isdigit() else DEFAULT_EPOCH


def check_member(name: str) -> str:
    """`name`, if it is a plain relative path: no leading '/', no backslash, no empty, '.' or '..' part."""
    framed = f"/{name}/"  # each part between slashes: an empty one shows as '//', the others as '/./', '/../'
    if not name or "\\" in name or "//" in framed or "/./" in framed or "/../" in framed:
        raise UnsafeMember(f"unsafe archive member name: {name!r}")
    return name


def tar_gz_bytes(members: dict[str, bytes], epoch: int, reuse: "Reuse | None" = None) -> bytes:
    """A gzip tar compressed piece by piece, as pigz does: the tar is cut at member boundaries, each piece is
    compressed with the 32 KiB before it as its dictionary and ended with a sync flush, and the pieces joined make
    one ordinary deflate stream (any gzip reader reads it; it is as small as one compressed whole). A piece's
    bytes depend only on its own bytes and the 32 KiB before it, so a piece of the last build whose inputs are
    the same (`reuse`) is taken instead of compressed again. What GzipFile writes around it: header with `epoch`,
    CRC-32 and size."""
    raw, cuts = _tar_with_cuts(members, epoch)
    view = memoryview(raw)
    parts = [b"\x1f\x8b\x08\x00" + struct.pack("<L", epoch) + b"\x00\xff"]
    offset = len(parts[0])
    for start, end in zip(cuts, cuts[1:]):
        before, piece = view[max(0, start - WINDOW):start], view[start:end]
        key = piece_key(before, piece)
        packed = reuse.take(key) if reuse is not None else None
        if packed is None:
            compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15, **({"zdict": before} if start else {}))
            packed = compressor.compress(piece) + compressor.flush(zlib.Z_SYNC_FLUSH)
        if reuse is not None:
            reuse.note(key, offset, len(packed))
        parts.append(packed)
        offset += len(packed)
    parts.append(END_OF_DEFLATE + struct.pack("<LL", zlib.crc32(raw), len(raw) & 0xFFFFFFFF))
    return b"".join(parts)


LEVEL = 6  # zlib's default trade of time for size
WINDOW = 32768  # deflate's window: how far back a piece of a stream can refer
END_OF_DEFLATE = b"\x03\x00"  # an empty final block (fixed codes): what closes a stream of sync-flushed pieces
CUT_EVERY = 32  # a tar.gz is cut after each member whose name's CRC-32 is a multiple of this (about 32 members)


def piece_key(*parts) -> bytes:
    """What a compressed piece is reused by: the digest of the bytes it depends on."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.digest()[:16]


def _tar_with_cuts(members: dict[str, bytes], epoch: int) -> tuple[bytes, list[int]]:
    """The tar of `members` (see `tar_bytes`) and where its compressed pieces start and end: cuts after members
    chosen by name, so that a member that changes size moves no other cut."""
    if not _plain_headers(members, epoch):
        raw = _tarfile_bytes(members, epoch)
        return raw, [0, len(raw)]
    blocks, cuts, size = [], [0], 0
    mtime = _octal(epoch, 12)
    for name in sorted(members):
        data = members[name]
        encoded = check_member(name).encode("ascii")
        padding = -len(data) % BLOCK
        blocks += (_ustar_header(encoded, len(data), mtime), data, NUL * padding)
        size += BLOCK + len(data) + padding
        if zlib.crc32(encoded) % CUT_EVERY == 0:
            cuts.append(size)
    end = NUL * (2 * BLOCK)  # two empty blocks end the archive
    raw = b"".join((*blocks, end, NUL * (-(size + len(end)) % RECORD)))  # one copy of the whole, not three
    return raw, [*cuts, len(raw)]


def tar_bytes(members: dict[str, bytes], epoch: int) -> bytes:
    """An uncompressed tar of regular files: what tarfile writes in PAX format (a test holds the two together),
    written directly when every name fits a plain header (ASCII, at most 100 bytes), through tarfile otherwise."""
    return _tar_with_cuts(members, epoch)[0]


def _plain_headers(members: dict[str, bytes], epoch: int) -> bool:
    return (all(name.isascii() and len(name) <= 100 for name in members) and epoch < 8 ** 11
            and all(len(data) < 8 ** 11 for data in members.values()))


BLOCK, RECORD, NUL = 512, 20 * 512, b"\0"


def _octal(number: int, width: int) -> bytes:
    return b"%0*o" % (width - 1, number) + NUL


def _ustar_header(name: bytes, size: int, mtime: bytes) -> bytes:
    """A POSIX ustar header of a regular file owned by nobody, as tarfile writes it: name (ASCII), mode and
    owners, size and time (`mtime`: its field, as `_octal` writes it), checksum (the sum of the header's bytes,
    its own field counted as spaces), then fixed fields."""
    times = _octal(size, 12) + mtime
    checksum = _FIXED_SUM + sum(name) + sum(times)
    return b"".join((name.ljust(100, NUL), _MODE_OWNERS, times, b"%06o\0 " % checksum, _AFTER_CHECKSUM))


_MODE_OWNERS = _octal(FILE_MODE, 8) + _octal(0, 8) + _octal(0, 8)
# type flag (a regular file), link name, magic and version, owner names, device numbers, prefix, padding
_AFTER_CHECKSUM = (b"0" + NUL * 100 + b"ustar\x0000" + NUL * (32 + 32 + 8 + 8 + 155)).ljust(BLOCK - 156, NUL)
_FIXED_SUM = sum(_MODE_OWNERS) + sum(b" " * 8) + sum(_AFTER_CHECKSUM)


def _tarfile_bytes(members: dict[str, bytes], epoch: int) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(members):
            info = tarfile.TarInfo(check_member(name))
            info.size, info.mtime, info.mode = len(members[name]), epoch, FILE_MODE
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(members[name]))
    return raw.getvalue()


def zip_bytes(members: dict[str, bytes], epoch: int, reuse: "Reuse | None" = None) -> bytes:
    """A zip of deflated members: what zipfile writes (a test holds the two together), written directly so that
    a member's compressed bytes from the last build (`reuse`, by the digest of its bytes) are taken instead of
    compressed again. Through zipfile when an archive needs Zip64."""
    if len(members) > 0xFFFF or any(len(data) * 1.05 > ZIP64_LIMIT for data in members.values()):
        return _zipfile_bytes(members, epoch)
    year, month, day, hour, minute, second = time.gmtime(epoch)[:6]
    date, clock = (year - 1980) << 9 | month << 5 | day, hour << 11 | minute << 5 | second // 2
    parts, directory, offset = [], [], 0
    for name in sorted(members):
        data = members[name]
        check_member(name)
        encoded, flags = (name.encode("ascii"), 0) if name.isascii() else (name.encode("utf-8"), UTF8_NAME)
        key = piece_key(data)
        packed = reuse.take(key) if reuse is not None else None
        if packed is None:
            compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
            packed = compressor.compress(data) + compressor.flush()
        crc = zlib.crc32(data)
        header = struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, flags, zipfile.ZIP_DEFLATED, clock, date, crc,
                             len(packed), len(data), len(encoded), 0) + encoded
        if reuse is not None:
            reuse.note(key, offset + len(header), len(packed))
        directory.append(struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 3, 20, 0, flags, zipfile.ZIP_DEFLATED,
                                     clock, date, crc, len(packed), len(data), len(encoded), 0, 0, 0, 0,
                                     ZIP_ATTRIBUTES, offset) + encoded)
        parts += (header, packed)
        offset += len(header) + len(packed)
    listing = b"".join(directory)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(listing), offset, 0)
    return b"".join((*parts, listing, end))


ZIP64_LIMIT, UTF8_NAME = (1 << 31) - 1, 0x800
ZIP_ATTRIBUTES = (0o100000 | FILE_MODE) << 16  # a regular file with FILE_MODE, as Unix zip tools note it


def _zipfile_bytes(members: dict[str, bytes], epoch: int) -> bytes:
    stamp = time.gmtime(epoch)[:6]
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(check_member(name), date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = ZIP_ATTRIBUTES
            archive.writestr(info, members[name], compresslevel=LEVEL)
    return packed.getvalue()


FORMATS = {".tar.gz": tar_gz_bytes, ".mbz": tar_gz_bytes, ".zip": zip_bytes}


class Reuse:
    """For one archive: the compressed pieces of its last version (`old`, whose digest must be `digest`) to take
    again, by the key of what they compress, and the pieces of the version written now (`written`, for the next
    build). The old archive is read, and its digest checked, only when a piece is first asked for. For a folder
    (see `stage_tree`) a piece is one of its files, noted by the key of its name and bytes as its size, time and
    inode."""

    def __init__(self, old: Path | None = None, digest: str = "", pieces: dict[bytes, tuple[int, ...]] | None = None):
        self.old, self.digest, self.pieces = old, digest, pieces or {}
        self.data: bytes | None = None
        self.written: dict[bytes, tuple[int, ...]] = {}

    def take(self, key: bytes) -> bytes | None:
        where = self.pieces.get(key)
        if where is None:
            return None
        if self.data is None:
            try:
                data = self.old.read_bytes() if self.old is not None else b""
            except OSError:
                data = b""
            if hashlib.sha256(data).hexdigest() != self.digest:
                self.pieces = {}  # not the archive the pieces were noted in
                return None
            self.data = data
        offset, length = where
        return self.data[offset:offset + length]

    def note(self, key: bytes, offset: int, length: int) -> None:
        self.written.setdefault(key, (offset, length))


class Reusing:
    """The archives a unit wrote last time, by file name, while it renders again (see `reusing`)."""

    def __init__(self, previous: dict[str, Reuse]):
        self.previous = previous
        self.used: dict[str, Reuse] = {}

    def reuse(self, name: str) -> Reuse:
        found = self.used[name] = self.previous.get(name) or Reuse()
        found.written = {}
        return found


_REUSING: list[Reusing] = []


@contextlib.contextmanager
def reusing(previous: dict[str, Reuse]):
    """Within this block, `archive_bytes` takes compressed pieces from `previous` (by archive file name) and notes
    the pieces of what it writes (in the `Reusing` this yields)."""
    _REUSING.append(Reusing(previous))
    try:
        yield _REUSING[-1]
    finally:
        _REUSING.pop()


def archive_bytes(name: str, members: dict[str, bytes], epoch: int | None = None) -> bytes:
    """The bytes of an archive whose format follows from `name`'s suffix."""
    for suffix, writer in FORMATS.items():
        if name.endswith(suffix):
            reuse = _REUSING[-1].reuse(name) if _REUSING else None
            return writer(members, source_epoch() if epoch is None else epoch, reuse)
    raise ValueError(f"no archive format for {name!r}")


def temporary_name(path: Path) -> Path:
    """Where `path` is staged: a hidden name in the same folder, so the rename never crosses file systems."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def stage(path: Path, data: bytes, durable: bool = True) -> Path:
    """Write `data` completely (flushed to disk, when `durable`) under the temporary name of `path`; return that
    name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_name(path)
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
            else:
                start_writing(handle.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def write_atomic(path: Path, data: bytes, durable: bool = True) -> None:
    """Write under a temporary name in the same folder, then rename into place. A cache, which its reader checks
    and which only saves time, is written with `durable=False`: not flushed to disk first."""
    write_all({path: data}, durable)


def write_all(files: dict[Path, bytes], durable: bool = True) -> None:
    """Stage every file first, then rename each into place: a failure while staging replaces nothing, and a
    final name only ever holds a complete file."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in sorted(files.items()):
            staged.append((stage(path, data, durable), path))
        for temporary, path in staged:
            os.replace(temporary, path)
    finally:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)


def write_archive(path: Path, members: dict[str, bytes], epoch: int | None = None) -> int:
    """Write one deterministic archive; return its size in bytes."""
    data = archive_bytes(path.name, members, epoch)
    write_atomic(path, data)
    return len(data)


def stage_tree(folder: Path, files: dict[str, bytes], noted: Reuse | None = None) -> tuple[Path, str]:
    """Write a whole folder of files under a hidden name beside `folder`; return that name and the folder's stat
    signature (what `signatures.stat_signature` takes of it, here without a second walk).

    A file whose bytes are those of the same file in the folder already in place is hard-linked from it, not
    written again: creating a file costs far more than linking one, and a rebuild changes few files of a folder.
    Only a plain file with FILE_MODE, linked nowhere else, holding the very bytes is linked; the folder in place is
    never written to. `noted` (the folder's `Reuse` from its unit's note) holds the size, time and inode of each
    file the unit wrote last time, by the key of its name and bytes: such a file is known by them without being
    read; any other is read and compared. The files written now are noted in it for the next build. Files are
    named relative to descriptors of the two folders where the system allows it (a lookup from the folder, not
    from the root: half the cost of a link or a stat)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    temporary = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    previous = str(folder) if folder.is_dir() and not folder.is_symlink() else None
    noted = noted or Reuse()
    signature = hashlib.sha256()
    made: set[str] = {""}
    descriptors: list[int] = []
    try:
        shutil.rmtree(temporary, ignore_errors=True)  # left by this process's last build, had it been stopped
        os.mkdir(temporary)
        old, new = _Names(previous, descriptors), _Names(str(temporary), descriptors)
        for name in sorted(files, key=lambda n: n.split("/")):  # the order a walk of the folder takes them in
            data = files[check_member(name)]
            parent = name.rpartition("/")[0]
            if parent not in made:
                os.makedirs(os.path.join(temporary, parent), exist_ok=True)
                made.add(parent)
            key = piece_key(name.encode(), data)
            found = None if previous is None else _link_if_same(old, new, name, data, noted.pieces.get(key))
            if found is None:
                with open(os.path.join(temporary, name), "wb") as handle:
                    os.fchmod(handle.fileno(), FILE_MODE)  # whatever the umask
                    handle.write(data)
                    handle.flush()
                    start_writing(handle.fileno())
                    st = os.fstat(handle.fileno())
                found = (st.st_size, st.st_mtime_ns, st.st_ino)
            noted.written.setdefault(key, found)  # for a folder, a piece is a file: its signature
            signature.update(f"{name}\0{found[0]}:{found[1]}:{found[2]}\0".encode())
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    finally:
        for descriptor in descriptors:
            os.close(descriptor)
    return temporary, signature.hexdigest()


_BY_DESCRIPTOR = {os.open, os.stat, os.link, os.unlink} <= os.supports_dir_fd


class _Names:
    """The files of one folder, named for os calls: relative to a descriptor of the folder (`fd`) where the system
    allows it, else by their whole path."""

    def __init__(self, folder: str | None, descriptors: list[int]):
        self.folder, self.fd = folder, None
        if folder is not None and _BY_DESCRIPTOR:
            self.fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            descriptors.append(self.fd)

    def __call__(self, name: str) -> str:
        return name if self.fd is not None else os.path.join(self.folder, name)


def _link_if_same(old: _Names, new: _Names, name: str, data: bytes, written: tuple | None = None) -> tuple | None:
    """Hard-link the file `name` of the folder in place (`old`) into the staged one (`new`) when it is a plain file
    (not a link, linked nowhere else) with FILE_MODE holding exactly `data`: known without reading it when its
    size, time and inode are those `written` noted as the build wrote it, else read and compared. The link is
    made first and what it names is checked, so the file checked is the file linked. Return its size, time and
    inode; None, leaving no link, otherwise (absent, different, or on a file system without hard links)."""
    target = new(name)
    try:
        os.link(old(name), target, src_dir_fd=old.fd, dst_dir_fd=new.fd, follow_symlinks=False)
    except OSError:
        return None
    try:
        st = os.stat(target, dir_fd=new.fd, follow_symlinks=False)
        found = (st.st_size, st.st_mtime_ns, st.st_ino)
        if (stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == FILE_MODE and st.st_nlink == 2
                and st.st_size == len(data) and (found == written or _holds(new, target, data))):
            return found
    except OSError:
        pass
    os.unlink(target, dir_fd=new.fd)
    return None


def _holds(folder: _Names, name: str, data: bytes) -> bool:
    with open(os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=folder.fd), "rb") as handle:
        return handle.read(len(data) + 1) == data


def swap_tree(temporary: Path, folder: Path) -> Path | None:
    """Put a staged folder in place of `folder`; return where the earlier one was moved aside, for the caller to
    remove (it is put back if the staged one cannot take its place)."""
    old = folder.with_name(f".{folder.name}.{os.getpid()}.old")
    moved = folder.exists()
    if moved:
        os.replace(folder, old)
    try:
        os.replace(temporary, folder)
    except BaseException:
        if moved:
            os.replace(old, folder)
        raise
    return old if moved else None


class Removal:
    """Folders being removed by a process of their own (`rm -rf`: on another core, while this process goes on;
    a thread would wait for this process's lock between its calls). `wait()` waits for it and removes whatever
    it left; without `rm`, the folders are removed at once."""

    def __init__(self, folders: list[Path]):
        self.folders, self.process = folders, None
        if not folders:
            return
        try:
            self.process = subprocess.Popen(["rm", "-rf", "--", *map(str, folders)], stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            self.wait()

    def wait(self) -> None:
        if self.process is not None:
            self.process.wait()
            self.process = None
        for folder in self.folders:
            shutil.rmtree(folder, ignore_errors=True)
        self.folders = []


@dataclass(frozen=True)
class Staged:
    """A file or folder written complete under its temporary name, not yet renamed to `path`."""

    temporary: Path
    path: Path
    tree: bool
    signature: str | None = None  # of a folder, taken while staging it (see `stage_tree`)


def stage_any(path: Path, data: bytes | dict[str, bytes], reusing: Reusing | None = None) -> Staged:
    """Stage a file (bytes) or a whole folder (a dict of its files by relative name) beside `path`, not yet
    flushed to disk: `Staging.commit` makes every staged piece durable at once before renaming any. A folder
    links the files it wrote last time from `reusing`, and notes those it writes now there (see `stage_tree`)."""
    if isinstance(data, bytes):
        return Staged(stage(path, data, durable=False), path, False)
    temporary, signature = stage_tree(path, data, reusing.reuse(path.name) if reusing is not None else None)
    return Staged(temporary, path, True, signature)


def _find_syncfs():
    """Linux's syncfs(2), through the C library: flush one whole file system to disk."""
    try:
        function = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    function.argtypes, function.restype = [ctypes.c_int], ctypes.c_int
    return function


_SYNCFS = _find_syncfs() if os.name == "posix" else None


def _find_sync_file_range():
    """Linux's sync_file_range(2), through the C library."""
    try:
        function = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_SYNC_FILE_RANGE = _find_sync_file_range() if sys.platform == "linux" else None
_START_WRITING = 2  # SYNC_FILE_RANGE_WRITE: start writing the file's dirty pages, without waiting for them


def start_writing(descriptor: int) -> None:
    """Have the system start writing a file just written to disk, without waiting: the flush before the
    archives are renamed into place (`flush`) then waits for less. Only a hint: nothing depends on it."""
    if _SYNC_FILE_RANGE is not None:
        _SYNC_FILE_RANGE(descriptor, 0, 0, _START_WRITING)


def flush(staged: list[Staged]) -> None:
    """Put the bytes of every staged file and folder on disk, so that once renamed a crash of the machine cannot
    leave an empty or partial file under a final name. Where there is syncfs(2), one call per file system does
    it for them all (a build stages hundreds of files: one fsync each costs far more); elsewhere, each file is
    flushed in turn."""
    if not staged:
        return
    if _SYNCFS is not None:
        for folder in {os.stat(s.temporary.parent).st_dev: s.temporary.parent for s in staged}.values():
            descriptor = os.open(folder, os.O_RDONLY)
            try:
                if _SYNCFS(descriptor) != 0:
                    error = ctypes.get_errno()
                    raise OSError(error, os.strerror(error), str(folder))
            finally:
                os.close(descriptor)
        return
    for piece in staged:
        files = [piece.temporary] if not piece.tree else [p for p in piece.temporary.rglob("*") if p.is_file()]
        for path in files:
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())


def discard(staged: Staged) -> None:
    if staged.tree:
        shutil.rmtree(staged.temporary, ignore_errors=True)
    else:
        staged.temporary.unlink(missing_ok=True)


class Staging:
    """Files and folders staged complete under hidden names (by this process or by a build's workers), renamed
    into place only by `commit()`: until then no final name changes, and `discard()` removes every staged piece."""

    def __init__(self):
        self.staged: list[Staged] = []
        self.removal = Removal([])

    def adopt(self, staged: Staged) -> None:
        self.staged.append(staged)

    def commit(self) -> None:
        """Flush every staged piece to disk, then rename every staged file into place (in path order), then swap
        in every staged folder; the folders they replace are removed meanwhile (see `settle`)."""
        flush(self.staged)
        replaced = []
        try:
            for staged in sorted(self.staged, key=lambda s: (s.tree, s.path)):
                if staged.tree:
                    replaced.append(swap_tree(staged.temporary, staged.path))
                else:
                    os.replace(staged.temporary, staged.path)
        finally:
            self.removal = Removal([old for old in replaced if old is not None])

    def settle(self) -> None:
        """Wait until the folders that committed ones replaced are gone."""
        self.removal.wait()

    def discard(self) -> None:
        for staged in self.staged:
            discard(staged)
