"""Safe YAML reading with locations: refuses duplicate keys, custom tags, merge keys and alias bombs."""

from __future__ import annotations

import datetime
import pickle
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .errors import Diagnostics, Loc

MAX_FILE_BYTES = 1_000_000
MAX_NODES = 100_000
MAX_DEPTH = 64  # levels of nesting; the deepest real file uses 7
MAX_DIGITS = 100  # of an integer: Python reads at most 4,300 decimal digits, and prints no more
_TOO_LONG = 10 ** MAX_DIGITS

SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"
INT_TAG = "tag:yaml.org,2002:int"
STR_TAG = "tag:yaml.org,2002:str"


def key_path(parts) -> str:
    """`quiz.questions[3].answer` from ('quiz', 'questions', 3, 'answer')."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


COLUMNS = 1 << 20  # marks are packed into one int; a column beyond this is clamped


def pack(mark: tuple[int, int]) -> int:
    return mark[0] * COLUMNS + min(mark[1], COLUMNS - 1)


def unpack(packed: int) -> tuple[int, int]:
    return divmod(packed, COLUMNS)


class Marks:
    """The line and column of every value and key of one document, by key path (`parts` → line * COLUMNS +
    column: one int, not a pair).

    Pickled (into the sources cache) as one blob, and unpacked only when first read: a rebuild's load then
    unpacks the marks of no unchanged file unless a message points into it (unpacking all of them took a
    fifth of that load)."""

    __slots__ = ("_values", "_keys", "_packed")

    def __init__(self, packed: bytes | None = None):
        self._values: dict | None = None if packed else {}
        self._keys: dict | None = None if packed else {}
        self._packed = packed

    def _unpack(self) -> None:
        self._values, self._keys = pickle.loads(self._packed)
        self._packed = None

    @property
    def values(self) -> dict:
        if self._packed is not None:
            self._unpack()
        return self._values

    @property
    def keys(self) -> dict:
        if self._packed is not None:
            self._unpack()
        return self._keys

    def __reduce__(self):
        packed = self._packed or pickle.dumps((self._values, self._keys), protocol=pickle.HIGHEST_PROTOCOL)
        return Marks, (packed,)

    def __eq__(self, other) -> bool:
        return isinstance(other, Marks) and (self.values, self.keys) == (other.values, other.keys)


@dataclass
class Document:
    """A YAML file as plain Python data plus the line and column of every value and key."""

    path: str
    data: object
    marks: Marks = field(default_factory=Marks)
    # language code → the key path of its first text, for every language besides English that a text map in this
    # file uses (noted by the shape check, so that a rule can name a language no programme declares)
    languages: dict = field(default_factory=dict)

    def loc(self, parts=(), key: bool = False) -> Loc:
        """The location of the value at `parts` (or of its key), falling back to the nearest parent."""
        parts = tuple(parts)
        values, keys = self.marks.values, self.marks.keys
        marks = keys if key and parts in keys else values
        probe = parts
        while probe not in marks and probe:
            probe = probe[:-1]
            marks = values
        line, col = unpack(marks.get(probe, pack((1, 1))))
        return Loc(self.path, line, col, key_path(parts))

    def key_loc(self, parts=()) -> Loc:
        """The file and key path of the value at `parts`, without looking up its line (see Marks): what the
        model keeps of where each part came from."""
        return Loc(self.path, where=key_path(parts))


class _Budget(Exception):
    pass


class _TooDeep(Exception):
    """Nesting deeper than MAX_DEPTH (runaway brackets, or an alias that contains itself)."""

    def __init__(self, mark):
        super().__init__(mark)
        self.mark = mark


BRACKETS = re.compile(r"[\[\]{}]")


def too_deep(text: str) -> int | None:
    """The offset where flow brackets open deeper than MAX_DEPTH, checked before parsing: the YAML parser takes
    time quadratic in that depth. Brackets inside strings count too; only unclosed ones can add up."""
    depth = 0
    for match in BRACKETS.finditer(text):
        depth += 1 if match[0] in "[{" else -1
        if depth > MAX_DEPTH:
            return match.start()
    return None


# Characters XML 1.0 cannot hold, and C1 controls: YAML escapes ("\\x07", "\\0") can write them into a string.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


@lru_cache(maxsize=None)
def _pyyaml():
    """PyYAML, imported when a file is first parsed: a build whose sources are all in its cache (musa/sourcecache.py)
    parses none, and importing it takes some 20 ms of the command. With it, the composer (libyaml's parser when
    PyYAML has it: the same events and marks, several times faster; else the pure one) and the loader whose scalar
    constructors every file uses (one for all: a loader holds cycles)."""
    import yaml
    return yaml, getattr(yaml, "CSafeLoader", yaml.SafeLoader), yaml.SafeLoader("")


class _Converter:
    """Turns a composed node tree into Python values, recording marks and refusing what we do not accept."""

    def __init__(self, doc: Document, diags: Diagnostics):
        self.doc = doc
        self.values, self.keys = doc.marks.values, doc.marks.keys
        self.diags = diags
        self.nodes = 0
        yaml, _, self.constructor = _pyyaml()
        self.scalar, self.mapping, self.sequence = yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode

    def convert(self, node, parts):
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Budget()
        start = node.start_mark
        if len(parts) > MAX_DEPTH:
            raise _TooDeep((start.line + 1, start.column + 1))
        self.values[parts] = (start.line + 1) * COLUMNS + min(start.column + 1, COLUMNS - 1)  # pack()
        kind, tag = type(node), node.tag
        if kind is self.scalar and tag == STR_TAG:  # most values: the text as written (construct_yaml_str)
            value = node.value
            return self._plain_text(sys.intern(value) if len(value) <= 16 else value, start, parts)
        if kind is self.mapping:
            return self._mapping(node, parts)
        if kind is self.sequence:
            if tag != SEQ_TAG:
                return self._bad_tag(node, parts)
            return [self.convert(item, parts + (i,)) for i, item in enumerate(node.value)]
        if tag not in SCALAR_TAGS:
            return self._bad_tag(node, parts)
        mark = (start.line + 1, start.column + 1)
        try:
            value = self.constructor.yaml_constructors[tag](self.constructor, node)
        except ValueError:  # a timestamp the calendar does not have (2020-02-30), or digits Python will not read
            if tag != INT_TAG:
                self._error(mark, parts, f"expected a date YYYY-MM-DD, got '{node.value}', which is not a day "
                                         "of the calendar")
                return None
            value = _TOO_LONG
        if type(value) is int and abs(value) >= _TOO_LONG:  # no message could print it (0x, 0b: any length)
            self._error(mark, parts, f"expected a number of at most {MAX_DIGITS} digits, got a longer one")
            return None
        if isinstance(value, str):
            return self._plain_text(sys.intern(value) if len(value) <= 16 else value, start, parts)
        if isinstance(value, datetime.datetime):
            return value.date() if value.time() == datetime.time() and value.tzinfo is None else value
        return value

    def _mapping(self, node, parts):
        if node.tag != MAP_TAG:
            return self._bad_tag(node, parts)
        result = {}
        for key_node, value_node in node.value:
            key_mark = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._error(key_mark, parts, "merge keys ('<<') are not supported; write the keys out")
                continue
            if not isinstance(key_node, self.scalar):
                self._error(key_mark, parts, "expected a plain key, got a mapping or list as key")
                continue
            key = sys.intern(key_node.value)  # the same few keys in every file: one string each
            here = parts + (key,)
            if key in result:
                first = unpack(self.keys[here])
                self._error(key_mark, here, f"duplicate key '{key}' (first at line {first[0]}); keep one")
                continue
            self.keys[here] = pack(key_mark)
            result[key] = self.convert(value_node, here)
        return result

    def _plain_text(self, value: str, start, parts):
        """A string holding no control character (an XML file cannot carry one); YAML escapes can write them."""
        bad = CONTROL.search(value)
        if bad is None:
            return value
        self._error((start.line + 1, start.column + 1), parts,
                    f"expected text without control characters, got U+{ord(bad[0]):04X} at character "
                    f"{bad.start() + 1}; remove it")
        return None

    def _bad_tag(self, node, parts):
        mark = (node.start_mark.line + 1, node.start_mark.column + 1)
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        self._error(mark, parts, f"expected plain YAML, got the tag '{tag}'; remove the tag")
        return None

    def _error(self, mark, parts, message):
        self.diags.error(Loc(self.doc.path, mark[0], mark[1], key_path(parts)), message)


def read_limited(path: Path, rel: str, diags: Diagnostics) -> bytes | None:
    """A file's bytes, or None with a diagnostic when it is larger than MAX_FILE_BYTES (checked before reading)."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        diags.error(Loc(rel), f"expected a file of at most {MAX_FILE_BYTES} bytes, got {size} bytes; split it")
        return None
    return path.read_bytes()


def decode(raw: bytes, rel: str, diags: Diagnostics) -> str | None:
    """UTF-8 text, or None with a diagnostic at the first line that is not UTF-8."""
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")  # a byte-order mark, as some editors write, is fine
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        diags.error(Loc(rel, line, 1), "expected UTF-8 text, got bytes that are not UTF-8; save the file as UTF-8")
        return None


def read_text(path: Path, rel: str, diags: Diagnostics) -> str | None:
    """The UTF-8 text of a file, or None with a diagnostic when it is too large or not text."""
    raw = read_limited(path, rel, diags)
    return None if raw is None else decode(raw, rel, diags)


def line_col(text: str, offset: int) -> tuple[int, int]:
    """The line and column, from 1, of the character at `offset` in `text`."""
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def read_plain_text(path: Path, rel: str, diags: Diagnostics) -> str | None:
    """The UTF-8 text of a file that holds no control character (an XML file cannot carry one, and the text goes
    into every target), or None with a diagnostic at the first."""
    text = read_text(path, rel, diags)
    bad = None if text is None else CONTROL.search(text)
    if bad is None:
        return text
    diags.error(Loc(rel, *line_col(text, bad.start())),
                f"expected text without control characters, got U+{ord(bad[0]):04X}; remove it")
    return None


def load_yaml(path: Path, rel: str, diags: Diagnostics) -> Document | None:
    """Read one YAML file; None (with diagnostics) when it cannot be read as one plain document."""
    text = read_text(path, rel, diags)
    return None if text is None else parse_yaml(text, rel, diags)


def parse_yaml(text: str, rel: str, diags: Diagnostics) -> Document | None:
    """One YAML document from its text; None (with diagnostics) when it is not one plain document."""
    deep = too_deep(text)
    if deep is not None:
        diags.error(Loc(rel, *line_col(text, deep)),
                    f"expected at most {MAX_DEPTH} levels of nesting, got more; close the brackets")
        return None
    yaml, composer, _ = _pyyaml()
    try:
        nodes = list(yaml.compose_all(text, Loader=composer))
    except yaml.reader.ReaderError as exc:
        diags.error(Loc(rel, *line_col(text, exc.position)),
                    f"expected printable text, got the control character U+{exc.character:04X}; remove it")
        return None
    except RecursionError:
        diags.error(Loc(rel, 1, 1), f"expected at most {MAX_DEPTH} levels of nesting, got more")
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        diags.error(Loc(rel, line, col), f"expected valid YAML, got a syntax error: {problem}")
        return None
    except yaml.YAMLError as exc:
        diags.error(Loc(rel, 1, 1), f"expected valid YAML, got: {exc}")
        return None
    if len(nodes) > 1:
        mark = nodes[1].start_mark
        diags.error(Loc(rel, mark.line + 1, mark.column + 1), "expected one YAML document, got several; remove '---'")
        return None
    doc = Document(rel, None)
    if not nodes or nodes[0] is None:
        diags.error(Loc(rel, 1, 1), "expected a mapping of keys, got an empty file")
        return None
    converter = _Converter(doc, diags)
    before = diags.error_count
    try:
        doc.data = converter.convert(nodes[0], ())
    except _Budget:
        diags.error(Loc(rel, 1, 1), f"expected at most {MAX_NODES} values, got more (aliases expand too far); "
                                    "write the content out without '*' aliases")
        return None
    except _TooDeep as exc:
        diags.error(Loc(rel, *exc.mark), f"expected at most {MAX_DEPTH} levels of nesting, got more "
                                         "(an alias inside its own anchor, or blocks nested too deep)")
        return None
    return doc if diags.error_count == before else None
