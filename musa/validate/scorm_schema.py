"""The ADL/IMS manifest schemas, loaded offline from ../shared with the three in-memory fixes libxml2 needs.

The schema files are reference data beside the checkout (`../shared/reference/scorm-xsd/`), never copied into the
project. libxml2 cannot compile them as published; in memory only, this loader
1. resolves SCORM 1.2's `ims_xml.xsd` (which declares the XML namespace as its default namespace) to `xml.xsd`;
2. reads `xsd:any namespace="##any"` in the 1.2 metadata schema as `##other` (its content model is otherwise
   non-deterministic);
3. resolves the W3C `xml.xsd` URL to the local copy; the network stays off.
libxml2 merely warns when an import cannot be loaded and then compiles an incomplete schema: any warning while
compiling is a failure here.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from lxml import etree

XSD_ROOT = Path(__file__).resolve().parent.parent.parent.parent / "shared" / "reference" / "scorm-xsd"
XML_XSD_URL = "http://www.w3.org/2001/xml.xsd"

# version → (folder, {namespace: schema file}); the namespaces a manifest of that version may use.
SETS: dict[str, tuple[str, dict[str, str]]] = {
    "1.2": ("scorm12", {
        "http://www.imsproject.org/xsd/imscp_rootv1p1p2": "imscp_rootv1p1p2.xsd",
        "http://www.adlnet.org/xsd/adlcp_rootv1p2": "adlcp_rootv1p2.xsd",
        "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1": "imsmd_rootv1p2p1.xsd",
    }),
    "2004 4th Edition": ("scorm2004", {
        "http://www.imsglobal.org/xsd/imscp_v1p1": "imscp_v1p1.xsd",
        "http://www.adlnet.org/xsd/adlcp_v1p3": "adlcp_v1p3.xsd",
        "http://www.adlnet.org/xsd/adlseq_v1p3": "adlseq_v1p3.xsd",
        "http://www.adlnet.org/xsd/adlnav_v1p3": "adlnav_v1p3.xsd",
        "http://www.imsglobal.org/xsd/imsss": "imsss_v1p0.xsd",
        "http://ltsc.ieee.org/xsd/LOM": "lom.xsd",
    }),
}


class SchemaUnavailable(Exception):
    """The schema files are not beside the checkout, or libxml2 could not compile them completely."""


def schema_root() -> Path:
    """Where the schema sets live: `MUSA_SCORM_XSD` when set, else ../shared/reference/scorm-xsd."""
    return Path(os.environ.get("MUSA_SCORM_XSD") or XSD_ROOT)


class FixingResolver(etree.Resolver):
    """Serves the schema files from disk, applying the three fixes; refuses anything else."""

    def __init__(self, root: Path):
        super().__init__()
        self.root = root.resolve()
        self.xml_xsd = self.root / "scorm2004" / "xml.xsd"

    def resolve(self, url, public_id, context):
        if url == XML_XSD_URL or url.endswith("/scorm12/ims_xml.xsd"):
            return self.resolve_filename(self.xml_xsd.as_uri(), context)
        if url.endswith("/scorm12/imsmd_rootv1p2p1.xsd"):
            text = Path(url.removeprefix("file://")).read_text(encoding="utf-8")
            return self.resolve_string(text.replace('namespace="##any"', 'namespace="##other"'), context,
                                       base_url=url)
        if url.startswith("file://") and Path(url.removeprefix("file://")).resolve().is_relative_to(self.root):
            return None  # an ordinary local schema file: libxml2 reads it itself
        raise SchemaUnavailable(f"schema import outside the local set refused: {url}")


def driver(folder: Path, files: dict[str, str]) -> bytes:
    """A schema document that imports every namespace of one version from absolute file URIs."""
    imports = "".join(f'<xs:import namespace="{ns}" schemaLocation="{(folder / name).resolve().as_uri()}"/>'
                      for ns, name in files.items())
    return f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{imports}</xs:schema>'.encode()


def load(version: str) -> etree.XMLSchema:
    """The compiled schema set of a SCORM version ('1.2' or '2004 4th Edition'); raises SchemaUnavailable."""
    return compiled(version, schema_root().resolve())


@functools.cache
def compiled(version: str, root: Path) -> etree.XMLSchema:
    folder_name, files = SETS[version]
    folder = root / folder_name
    absent = [name for name in files.values() if not (folder / name).is_file()]
    if absent:
        raise SchemaUnavailable(f"SCORM {version} schemas not found in {folder} ({', '.join(absent)})")
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(FixingResolver(root))
    try:
        document = etree.fromstring(driver(folder, files), parser, base_url=(folder / "driver.xsd").as_uri())
        schema = etree.XMLSchema(document)
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
        raise SchemaUnavailable(f"SCORM {version} schemas do not compile: {exc}") from exc
    warnings = [entry for entry in schema.error_log if entry.level >= etree.ErrorLevels.WARNING]
    if warnings:
        raise SchemaUnavailable(f"SCORM {version} schemas compiled with warnings: {warnings[0].message}")
    return schema


def errors(document: etree._ElementTree, version: str) -> list[str]:
    """Schema violations of a parsed manifest, as 'line N: message'."""
    schema = load(version)
    if schema.validate(document):
        return []
    return [f"line {entry.line}: {entry.message}" for entry in schema.error_log]
