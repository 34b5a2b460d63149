"""Checks of a SCORM 1.2 or 2004 package: zip safety, the manifest against the ADL/IMS schemas, and our own checks.

Our own checks are what LMS parsers rely on but the schemas do not say: the manifest at the root, the
content-packaging namespace as the default one and literal extension prefixes (Moodle's parser is not
namespace-aware), a schema version matching the namespaces, every file listed and every listed file present,
every reference resolved, SCO types, mastery scores, and pages that work offline (a `lang`, no external URL,
labelled controls, local references that resolve).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from lxml import etree, html

from . import scorm_schema
from .report import Report

MANIFEST = "imsmanifest.xml"
CP_12 = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
CP_2004 = "http://www.imsglobal.org/xsd/imscp_v1p1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


class Version:
    """What one SCORM version's manifest must say."""

    def __init__(self, name: str, cp: str, adlcp: str, scorm_type: str, extensions: dict[str, str]):
        self.name, self.cp, self.adlcp, self.scorm_type = name, cp, adlcp, scorm_type
        self.extensions = extensions  # namespace → the literal prefix Moodle looks for

    def q(self, tag: str) -> str:
        return f"{{{self.cp}}}{tag}"


VERSIONS = {
    CP_12: Version("1.2", CP_12, "http://www.adlnet.org/xsd/adlcp_rootv1p2", "scormtype",
                   {"http://www.adlnet.org/xsd/adlcp_rootv1p2": "adlcp"}),
    CP_2004: Version("2004 4th Edition", CP_2004, "http://www.adlnet.org/xsd/adlcp_v1p3", "scormType",
                     {"http://www.adlnet.org/xsd/adlcp_v1p3": "adlcp", "http://www.imsglobal.org/xsd/imsss": "imsss",
                      "http://www.adlnet.org/xsd/adlnav_v1p3": "adlnav",
                      "http://www.adlnet.org/xsd/adlseq_v1p3": "adlseq"}),
}
OTHER_VERSION_NAMESPACES = {CP_12: {CP_2004, *VERSIONS[CP_2004].extensions}, CP_2004: {CP_12, *VERSIONS[CP_12].extensions}}
EXTERNAL = re.compile(r"^([a-z][a-z0-9+.-]*:|//)", re.I)
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)|@import\s+['\"]([^'\"]+)")
URL_ATTRIBUTES = ("src", "href", "action", "data", "poster", "formaction")


def safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not name.startswith("/") and "\\" not in name and ".." not in path.parts


class PackageChecker:
    """Checks one opened package; every problem goes into the report."""

    def __init__(self, archive: zipfile.ZipFile, report: Report):
        self.zip, self.report = archive, report
        self.names = {info.filename for info in archive.infolist() if not info.is_dir()}

    def check(self) -> None:
        unsafe = sorted(name for name in self.names if not safe_name(name))
        for name in unsafe:
            self.report.add(name, "unsafe path in the package")
        if MANIFEST not in self.names:
            nested = sorted(n for n in self.names if n.endswith("/" + MANIFEST))
            self.report.add(MANIFEST, "missing at the root of the zip" + (f" (found {nested[0]})" if nested else ""))
            return
        if unsafe:
            return
        try:
            document = etree.ElementTree(etree.fromstring(self.zip.read(MANIFEST), etree.XMLParser(
                resolve_entities=False, no_network=True, load_dtd=False)))
        except etree.XMLSyntaxError as exc:
            self.report.add(MANIFEST, f"not well-formed XML: {exc}")
            return
        version = self.check_namespaces(document.getroot())
        if version is None:
            return
        self.check_schema(document, version)
        listed = self.check_resources(document.getroot(), version)
        self.check_organizations(document.getroot(), version, listed)
        self.check_pages(listed)

    def check_namespaces(self, root) -> Version | None:
        version = VERSIONS.get(etree.QName(root).namespace)
        if version is None or etree.QName(root).localname != "manifest":
            self.report.add(MANIFEST, f"root element {root.tag} is not an IMS content-packaging <manifest>")
            return None
        if root.prefix is not None:
            self.report.add(MANIFEST, f"the content-packaging namespace must be the default namespace, not "
                                      f"prefixed {root.prefix!r} (Moodle's parser is not namespace-aware)")
        for element in root.iter(etree.Element):
            inherited = element.getparent().nsmap if element.getparent() is not None else {}
            declared = {p: ns for p, ns in element.nsmap.items() if inherited.get(p) != ns}
            for prefix, namespace in declared.items():
                wanted = version.extensions.get(namespace)
                if wanted and prefix != wanted:
                    self.report.add(MANIFEST, f"namespace {namespace} must use the prefix {wanted!r}, not {prefix!r}")
                if namespace in OTHER_VERSION_NAMESPACES[version.cp]:
                    self.report.add(MANIFEST, f"namespace {namespace} belongs to another SCORM version than {version.cp}")
        declared = [e.text for e in root.iterfind(f"{version.q('metadata')}/{version.q('schemaversion')}")]
        schema = [e.text for e in root.iterfind(f"{version.q('metadata')}/{version.q('schema')}")]
        if schema != ["ADL SCORM"] or declared != [version.name]:
            self.report.add(MANIFEST, f"metadata must say schema 'ADL SCORM' and schemaversion {version.name!r} "
                                      f"for namespace {version.cp}, got {schema} and {declared}")
        if not root.get(f"{{{XSI}}}schemaLocation"):
            self.report.add(MANIFEST, "no xsi:schemaLocation referencing the schemas")
        self.report.counts[f"SCORM {version.name}"] += 1
        return version

    def check_schema(self, document, version: Version) -> None:
        try:
            messages = scorm_schema.errors(document, version.name)
        except scorm_schema.SchemaUnavailable as exc:
            self.report.unavailable.append(f"the ADL/IMS schemas ({exc})")
            return
        for message in messages:
            self.report.add(MANIFEST, f"schema: {message}")

    def check_resources(self, root, version: Version) -> dict[str, tuple[str, str | None]]:
        """Every resource: unique id, files present, dependencies resolved; returns id → (scorm type, href)."""
        resources: dict[str, tuple[str, str | None]] = {}
        listed: set[str] = set()
        dependencies = []
        for resource in root.iterfind(f"{version.q('resources')}/{version.q('resource')}"):
            rid, href = resource.get("identifier"), resource.get("href")
            kind = resource.get(f"{{{version.adlcp}}}{version.scorm_type}")
            where = f"{MANIFEST}: resource {rid}"
            if rid in resources:
                self.report.add(where, "identifier used twice")
            if kind not in ("sco", "asset") and (kind is not None or version.cp == CP_2004):
                self.report.add(where, f"adlcp:{version.scorm_type} must be 'sco' or 'asset', got {kind!r}")
            if kind == "sco" and not href:
                self.report.add(where, "a SCO needs an href to launch")
            files = [f.get("href") for f in resource.iterfind(version.q("file"))]
            for name in files:
                if not name or not safe_name(name) or name not in self.names:
                    self.report.add(where, f"file {name!r} is listed but not in the package")
            if href and urlsplit(href).path not in files:
                self.report.add(where, f"href {href!r} is not among the resource's files")
            listed.update(files)
            dependencies += [(where, d.get("identifierref")) for d in resource.iterfind(version.q("dependency"))]
            resources[rid] = (kind or "asset", href)
            self.report.counts[kind or "asset"] += 1
        for where, ref in dependencies:
            if ref not in resources:
                self.report.add(where, f"dependency on unknown resource {ref!r}")
        for name in sorted(self.names - listed - {MANIFEST}):
            self.report.add(name, "in the package but not listed as a <file> of any resource")
        self.report.counts["file"] += len(self.names)
        self.resources = resources
        return {name for name in listed if name in self.names}

    def check_organizations(self, root, version: Version, listed) -> None:
        organizations = root.find(version.q("organizations"))
        ids = [o.get("identifier") for o in organizations.iterfind(version.q("organization"))] \
            if organizations is not None else []
        if not ids:
            self.report.add(MANIFEST, "no <organization>")
            return
        if organizations.get("default") not in ids:
            self.report.add(MANIFEST, f"organizations default {organizations.get('default')!r} names no organization")
        launched = []
        for item in organizations.iter(version.q("item")):
            ref, where = item.get("identifierref"), f"{MANIFEST}: item {item.get('identifier')}"
            if ref is None:
                continue
            if ref not in self.resources:
                self.report.add(where, f"identifierref {ref!r} names no resource")
                continue
            kind, href = self.resources[ref]
            if not href:
                self.report.add(where, f"resource {ref!r} has no href to launch")
            launched.append(kind)
            self.report.counts["item"] += 1
            self.check_mastery(item, kind, version, where)
        if "sco" not in launched:
            self.report.add(MANIFEST, "no item launches a SCO")

    def check_mastery(self, item, kind: str, version: Version, where: str) -> None:
        if version.cp == CP_12:
            for mastery in item.iterfind(f"{{{version.adlcp}}}masteryscore"):
                if kind != "sco":
                    self.report.add(where, "adlcp:masteryscore on an item that is not a SCO")
                if not re.fullmatch(r"\d+(\.\d+)?", mastery.text or "") or not 0 <= float(mastery.text) <= 100:
                    self.report.add(where, f"adlcp:masteryscore must be a number 0–100, got {mastery.text!r}")
        else:
            for measure in item.iter("{http://www.imsglobal.org/xsd/imsss}minNormalizedMeasure"):
                if not re.fullmatch(r"-?\d+(\.\d+)?", (measure.text or "").strip()) or \
                        not -1 <= float(measure.text) <= 1:
                    self.report.add(where, f"minNormalizedMeasure must be a number -1..1, got {measure.text!r}")

    def check_pages(self, listed: set[str]) -> None:
        for name in sorted(n for n in listed if n.endswith((".html", ".htm"))):
            PageChecker(name, self.zip.read(name), self.names, self.report).check()
        for name in sorted(n for n in listed if n.endswith(".css")):
            for match in CSS_URL.finditer(self.zip.read(name).decode("utf-8", "replace")):
                url = match.group(1) or match.group(2)
                if EXTERNAL.match(url) and not url.startswith("data:"):
                    self.report.add(name, f"external URL {url!r}: a package must work offline")


class PageChecker:
    """One HTML page: a language, no external URL, local references present, every control labelled."""

    def __init__(self, name: str, data: bytes, names: set[str], report: Report):
        self.name, self.data, self.names, self.report = name, data, names, report

    def check(self) -> None:
        try:
            page = html.document_fromstring(self.data)
        except (etree.ParserError, ValueError) as exc:
            self.report.add(self.name, f"not a readable HTML page: {exc}")
            return
        if not page.get("lang"):
            self.report.add(self.name, "<html> without a lang attribute")
        base = PurePosixPath(self.name).parent
        for element in page.iter(etree.Element):
            for attribute in URL_ATTRIBUTES:
                if element.get(attribute):
                    self.reference(element.get(attribute), base, f"<{element.tag} {attribute}>")
        labels = {label.get("for") for label in page.iter("label")}
        for control in page.iter("input", "select", "textarea"):
            if control.get("type") in ("hidden", "submit", "button"):
                continue
            inside = any(parent.tag == "label" for parent in control.iterancestors())
            if not inside and control.get("id") not in labels and not control.get("aria-label"):
                self.report.add(self.name, f"<{control.tag} name={control.get('name')!r}> without a label")
        for button in page.iter("button"):
            if not button.text_content().strip() and not button.get("aria-label"):
                self.report.add(self.name, "a <button> without text")
        self.report.counts["question"] += len(page.find_class("question"))

    def reference(self, url: str, base: PurePosixPath, where: str) -> None:
        if url.startswith("#") or url.startswith("data:"):
            return
        if EXTERNAL.match(url):
            self.report.add(self.name, f"{where} external URL {url!r}: a package must work offline")
            return
        target = PurePosixPath(unquote(urlsplit(url).path))
        parts: list[str] = []
        for part in (base / target).parts:
            if part == "..":
                if not parts:
                    self.report.add(self.name, f"{where} {url!r} leaves the package")
                    return
                parts.pop()
            elif part != ".":
                parts.append(part)
        if "/".join(parts) not in self.names:
            self.report.add(self.name, f"{where} {url!r} is not in the package")


def detect(path: Path) -> bool:
    """A SCORM package: a zip with imsmanifest.xml (at its root, or misplaced in a folder, which is reported)."""
    if path.is_dir() or not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(name == MANIFEST or name.endswith("/" + MANIFEST) for name in archive.namelist())


def validate_archive(path: Path) -> Report:
    """Every check of one SCORM package."""
    report = Report()
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        report.add(path.name, f"not a zip archive: {exc}")
        return report
    with archive:
        PackageChecker(archive, report).check()
    return report
