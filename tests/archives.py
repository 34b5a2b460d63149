"""Reading built archives of any target in tests: members, every text they carry, and script-like places."""

from __future__ import annotations

import io
import json
import re
import tarfile
import zipfile
from pathlib import Path

import lxml.etree
import lxml.html

MARKUP = re.compile(r"\s*<[A-Za-z!/]")
EXECUTABLE_URL = ("javascript:", "vbscript:", "data:text/html")


def is_archive(data: bytes | dict) -> bool:
    """A zip or a gzip file (tar.gz, Moodle .mbz), by its first bytes; a folder a target writes is not."""
    return isinstance(data, bytes) and (data[:4] == b"PK\x03\x04" or data[:2] == b"\x1f\x8b")


def archive_members(name: str, data: bytes) -> dict[str, bytes]:
    """The files of a zip or tar.gz archive (Moodle .mbz is a tar.gz), by member name; a file that is not an
    archive (a page of a site) is its own single member; a folder (a dict of its files) is its files."""
    if isinstance(data, dict):
        return data
    if not is_archive(data):
        return {name: data}
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}


def read_archive(path: Path) -> dict[str, bytes]:
    """The regular files of a built archive on disk, by member name (a leading './' dropped, as in some .mbz)."""
    return {name.removeprefix("./"): data for name, data in archive_members(path.name, path.read_bytes()).items()}


def rewritten(path: Path, dest: Path, change) -> Path:
    """A copy of an archive in `dest` with its members changed in place by `change(members)`."""
    from musa.archive import archive_bytes
    files = read_archive(path)
    change(files)
    out = dest / path.name
    out.write_bytes(archive_bytes(out.name, files))
    return out


def html_tree(text: str):
    return lxml.html.fragment_fromstring(text, create_parent="div")


def xml_tree(data: bytes):
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return lxml.etree.fromstring(data, parser)


def trees(name: str, data: bytes):
    """Every parsed tree in one member: the member itself, and HTML held as text in it (escaped HTML in XML
    element text, as LMSs keep question and page bodies, or in JSON strings): a text that starts with a tag.
    Text of an HTML document is shown as text, so it is not parsed again; attribute values are plain text."""
    lower = name.lower()
    if lower.endswith((".xml", ".imsmanifest", ".xsd")):
        root = xml_tree(data)
        yield root
        yield from (html_tree(t) for t in html_texts(root))
    elif lower.endswith((".html", ".htm")):
        if data.strip():
            yield lxml.html.document_fromstring(data)
    elif lower.endswith(".json"):
        yield from (html_tree(s) for s in json_strings(json.loads(data)) if is_html(s))


def is_html(text: str) -> bool:
    return MARKUP.match(text) is not None


def html_texts(root) -> list[str]:
    """Texts of an XML tree that hold HTML: those that start with a tag, and Moodle's `<text>` under an element
    marked `format="html"` (escaped HTML that need not start with a tag)."""
    found = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        parent = element.getparent()
        marked = element.tag == "text" and parent is not None and parent.get("format") == "html"
        found.extend(t for t in (element.text,) if t and (marked or is_html(t)))
        found.extend(t for t in (element.tail,) if t and is_html(t))
    return found


def node_texts(root) -> list[str]:
    texts = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        texts.extend(t for t in (element.text, element.tail) if t)
        texts.extend(element.attrib.values())
    return texts


def json_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)


def decoded_texts(members: dict[str, bytes]) -> list[str]:
    """Every text and attribute value of every XML, HTML and JSON member, decoded; a text holding HTML is
    replaced by the texts of that HTML."""
    texts = []
    for name, data in members.items():
        for root in trees(name, data):
            html = set(html_texts(root)) if name.lower().endswith(".xml") and root is not None else set()
            if name.lower().endswith(".xml") and root.tag == "quiz":  # a Moodle XML question file
                # a category path keeps a '/' inside a name as '//' (Moodle's own escape): undo it
                categories = [e for e in root.iterfind("question/category/text") if e.text]
                texts.extend(e.text.replace("//", "/") for e in categories)
                html |= {e.text for e in categories}
            texts.extend(t for t in node_texts(root) if not is_html(t) and t not in html)
        if name.lower().endswith(".json"):
            texts.extend(s for s in json_strings(json.loads(data)) if not is_html(s))
    return texts


def script_places(members: dict[str, bytes]) -> list[str]:
    """Where author text could run: text of <script> elements, event attributes, executable URLs."""
    found = []
    for name, data in members.items():
        for root in trees(name, data):
            for element in root.iter():
                if not isinstance(element.tag, str):
                    continue
                tag = lxml.etree.QName(element).localname.lower()
                if tag == "script":
                    found.append(f"{name}: <script>{element.text or ''}")
                for key, value in element.attrib.items():
                    local = lxml.etree.QName(key).localname.lower()
                    if local.startswith("on"):
                        found.append(f"{name}: {local}={value}")
                    if value.strip().lower().replace("\t", "").replace("\n", "").startswith(EXECUTABLE_URL):
                        found.append(f"{name}: {local}={value}")
    return found


def write(path: Path, data: bytes | dict[str, bytes]) -> Path:
    """Write a file, or a folder given as a dict of its files."""
    if isinstance(data, dict):
        for name, content in data.items():
            write(path / name, content)
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
