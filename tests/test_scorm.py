"""The SCORM targets: every course builds in both versions, validates against the ADL/IMS schemas and our own
checks, matches the model, and builds byte for byte the same twice; the validator catches what LMSs refuse."""

from __future__ import annotations

import json

import zipfile
from pathlib import Path

import pytest
from lxml import etree, html

from archives import read_archive as members, rewritten
from conftest import require_shared
from musa.exporters.scorm_labels import LABELS
from musa.project import load
from musa.validate import detect
from musa.validate.scorm import validate_archive

ROOT = Path(__file__).resolve().parent.parent
COURSES = ("dsm", "dcc", "died", "occm", "traces-mmex", "traces-storytelling", "traces-innovation")
TARGETS = ("scorm12", "scorm2004")
CP = {"scorm12": "http://www.imsproject.org/xsd/imscp_rootv1p1p2", "scorm2004": "http://www.imsglobal.org/xsd/imscp_v1p1"}
ADLCP = {"scorm12": "http://www.adlnet.org/xsd/adlcp_rootv1p2", "scorm2004": "http://www.adlnet.org/xsd/adlcp_v1p3"}
SCORM_TYPE = {"scorm12": "scormtype", "scorm2004": "scormType"}
LOM = {"scorm12": "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1", "scorm2004": "http://ltsc.ieee.org/xsd/LOM"}


@pytest.fixture(scope="module")
def project():
    return load(ROOT).project


def build(out: Path) -> dict[tuple[str, str], Path]:
    from musa.cli import run
    assert run(["--project", str(ROOT), "build", "--target", "scorm12", "--target", "scorm2004", "--out", str(out)]) == 0
    return {(target, path.name.removesuffix(".zip")): path for target in TARGETS for path in (out / target).glob("*.zip")}


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> dict[tuple[str, str], Path]:
    return build(tmp_path_factory.mktemp("scorm"))



def manifest(path: Path):
    return etree.fromstring(members(path)["imsmanifest.xml"])




def problems(path: Path) -> list[str]:
    return [p.format() for p in validate_archive(path).problems]


def test_builds_one_package_per_course_and_version(packages):
    assert sorted(packages) == sorted((t, c) for t in TARGETS for c in COURSES)


def test_two_builds_are_byte_identical(packages, tmp_path):
    again = build(tmp_path)
    assert {k: p.read_bytes() for k, p in again.items()} == {k: p.read_bytes() for k, p in packages.items()}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("course_id", COURSES)
def test_package_passes_schema_and_own_checks(packages, target, course_id):
    require_shared()
    report = validate_archive(packages[target, course_id])
    assert report.unavailable == []
    assert [p.format() for p in report.problems] == []


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("course_id", COURSES)
def test_package_holds_a_sco_per_unit_and_every_question(packages, project, target, course_id):
    course = project.course(course_id)
    root, files = manifest(packages[target, course_id]), members(packages[target, course_id])
    ns = {"cp": CP[target]}
    kind = f"{{{ADLCP[target]}}}{SCORM_TYPE[target]}"
    scos = [r for r in root.iterfind("cp:resources/cp:resource", ns) if r.get(kind) == "sco"]
    units = course.competences if course.kind == "role" else course.days
    assert len(scos) == len(units)
    questions = sum(len(html.document_fromstring(files[r.get("href")]).find_class("question")) for r in scos)
    assert questions == sum(len(q.questions) for q in course.quizzes())
    sheets = [i for i in root.iterfind("cp:organizations/cp:organization/cp:item", ns)
              if i.get("identifierref") not in {r.get("identifier") for r in scos}]
    expected = len(course.assignments()) + bool(course.placement) + (course.kind == "workshop")  # + self-assessment
    assert len(sheets) == expected


@pytest.mark.parametrize("target", TARGETS)
def test_manifest_shape_moodle_and_open_edx_need(packages, project, target):
    path = packages[target, "dsm"]
    text = members(path)["imsmanifest.xml"].decode()
    root = etree.fromstring(text.encode())
    assert root.prefix is None and etree.QName(root).namespace == CP[target]
    assert f'xmlns:adlcp="{ADLCP[target]}"' in text
    if target == "scorm2004":
        assert 'xmlns:imsss="http://www.imsglobal.org/xsd/imsss"' in text
        assert 'xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"' in text
    ns = {"cp": CP[target], "lom": LOM[target]}
    assert root.findtext("cp:metadata/cp:schemaversion", namespaces=ns) == \
        {"scorm12": "1.2", "scorm2004": "2004 4th Edition"}[target]
    # Open edX launches the first resource with an href: the first competence's SCO.
    course = project.course("dsm")
    first = root.find("cp:resources/cp:resource", ns)
    assert first.get("href") == f"sco/{course.competences[0].competence.id}.html"
    assert first.get(f"{{{ADLCP[target]}}}{SCORM_TYPE[target]}") == "sco"
    keywords = [k.xpath("string()") for k in root.iterfind(".//lom:general/lom:keyword", ns)]
    assert keywords == list(dict.fromkeys(cc.competence.code for cc in course.competences))
    assert root.find(".//lom:general/lom:language", ns).text == "en"
    assert root.find(".//lom:general/lom:title", ns).xpath("string()") == course.title.get("en")
    assert "schemaLocation" in text and not any(name.endswith(".xsd") for name in members(path))


def test_pass_threshold_is_the_mastery_score(packages, project):
    threshold = project.programme("musa").pass_threshold
    root12 = manifest(packages["scorm12", "dcc"])
    scores = {m.text for m in root12.iter(f"{{{ADLCP['scorm12']}}}masteryscore")}
    assert scores == {f"{threshold * 100:g}"}
    root2004 = manifest(packages["scorm2004", "dcc"])
    measures = {m.text for m in root2004.iter("{http://www.imsglobal.org/xsd/imsss}minNormalizedMeasure")}
    assert measures == {str(threshold)}


@pytest.mark.parametrize("target", TARGETS)
def test_suspend_data_fits_scorm_12_limit_at_worst(packages, target):
    """The longest suspend_data sco.js can write (last page, every choice ticked, submitted) stays ≤ 4096."""
    for course_id in COURSES:
        files = members(packages[target, course_id])
        for name in (n for n in files if n.startswith("sco/")):
            page = html.document_fromstring(files[name])
            parts = [f"p{len(page.find_class('page')) - 1}"]
            for question in page.find_class("question"):
                parts.append(question.get("data-id") + ":" + ".".join(i.get("value") for i in question.iter("input")))
            worst = "|".join(parts + ["done"])
            assert len(worst) <= 4096, (course_id, name, len(worst))


@pytest.mark.parametrize("target", TARGETS)
def test_pages_are_offline_and_labelled(packages, target):
    files = members(packages[target, "traces-storytelling"])
    for name, data in files.items():
        if name.endswith((".html", ".js", ".css")):
            assert b"http://" not in data and b"https://" not in data, name
        if name.endswith(".html"):
            page = html.document_fromstring(data)
            assert page.get("lang") == "en"
            for control in page.iter("input"):
                assert page.xpath(f"//label[@for='{control.get('id')}']"), (name, control.get("id"))
    assert "work/traces-storytelling-assignment.html" in files
    sheet = html.document_fromstring(files["work/traces-storytelling-assignment.html"])
    assert sheet.xpath("//h2[.='Where to submit']") and sheet.xpath("//table//th[@scope='row']")


# The validator catches what an LMS refuses.

def replace_in(name: str, old: str, new: str):
    def change(files):
        assert old.encode() in files[name], old
        files[name] = files[name].replace(old.encode(), new.encode(), 1)
    return change


def moved_manifest(files):
    files["course/imsmanifest.xml"] = files.pop("imsmanifest.xml")


def prefixed_manifest(files):
    """The same manifest with the content-packaging namespace under a prefix: valid XML, but not for Moodle."""
    root = etree.fromstring(files["imsmanifest.xml"])
    prefixed = etree.Element(root.tag, attrib=dict(root.attrib),
                             nsmap={("cp" if k is None else k): v for k, v in root.nsmap.items()})
    prefixed.extend(list(root))
    files["imsmanifest.xml"] = etree.tostring(prefixed, xml_declaration=True, encoding="UTF-8")
    assert b"<cp:organizations" in files["imsmanifest.xml"]


def added_file(files):
    files["notes.txt"] = b"not listed"


def removed_page(files):
    del files["sco/day-1.html"]


BROKEN = {
    "manifest in a folder": (moved_manifest, "imsmanifest.xml: missing at the root of the zip"),
    "unlisted file": (added_file, "notes.txt: in the package but not listed"),
    "missing file": (removed_page, "file 'sco/day-1.html' is listed but not in the package"),
    "prefixed default namespace": (prefixed_manifest, "must be the default namespace, not prefixed 'cp'"),
    "renamed adlcp prefix": (
        replace_in("imsmanifest.xml", 'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"',
                   'xmlns:adl="http://www.adlnet.org/xsd/adlcp_rootv1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"'),
        "must use the prefix 'adlcp', not 'adl'"),
    "schema version of the other edition": (
        replace_in("imsmanifest.xml", "<schemaversion>1.2<", "<schemaversion>2004 4th Edition<"),
        "schemaversion '1.2'"),
    "schema violation": (replace_in("imsmanifest.xml", 'isvisible="true"', 'isvisible="maybe"'), "schema: line"),
    "unknown scormtype": (replace_in("imsmanifest.xml", 'adlcp:scormtype="sco"', 'adlcp:scormtype="page"'),
                          "adlcp:scormtype must be 'sco' or 'asset'"),
    "external script": (replace_in("sco/day-1.html", 'src="../shared/lms.js"', 'src="https://cdn.example/lms.js"'),
                        "external URL 'https://cdn.example/lms.js'"),
    "page without lang": (replace_in("sco/day-1.html", '<html lang="en"', '<html'), "without a lang attribute"),
    "dangling dependency": (replace_in("imsmanifest.xml", 'identifierref="resource-shared"', 'identifierref="nope"'),
                            "dependency on unknown resource 'nope'"),
    "mastery out of range": (replace_in("imsmanifest.xml", "<adlcp:masteryscore>80<", "<adlcp:masteryscore>180<"),
                             "masteryscore must be a number 0–100"),
    "control without a label": (replace_in("sco/day-3.html", '<label for=', '<span data-for='), "without a label"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_validator_catches(packages, tmp_path, case):
    change, expected = BROKEN[case]
    broken = rewritten(packages["scorm12", "traces-mmex"], tmp_path, change)
    found = problems(broken)
    assert any(expected in p for p in found), found


def test_schemas_absent_are_reported_unavailable_not_failed(packages, tmp_path, monkeypatch, cli):
    monkeypatch.setenv("MUSA_SCORM_XSD", str(tmp_path))
    report = validate_archive(packages["scorm2004", "traces-mmex"])
    assert report.problems == [] and len(report.unavailable) == 1 and "schemas" in report.unavailable[0]
    result = cli("validate", packages["scorm2004", "traces-mmex"])
    assert result.code == 0 and "schemas" in result.err
    row = next(line.split() for line in result.out.splitlines() if line.endswith("3 sco"))
    assert row[1:4] == ["scorm", "ok", "0"]


def test_cli_detects_and_validates_scorm(packages, tmp_path, cli):
    require_shared()
    path = packages["scorm2004", "dcc"]
    assert detect(path) == "scorm"
    result = cli("validate", "--json", path)
    assert result.code == 0, result.out
    [row] = json.loads(result.out)["archives"]
    assert (row["kind"], row["result"], row["problems"], row["counts"]["sco"]) == ("scorm", "ok", [], 22)
    broken = rewritten(packages["scorm2004", "dcc"], tmp_path, added_file)
    assert cli("validate", broken).code == 1


ODD_PACKAGES = {
    "empty manifest": ({"imsmanifest.xml": b""}, "not well-formed XML"),
    "not a content package": ({"imsmanifest.xml": b"<a/>"}, "not an IMS content-packaging <manifest>"),
    "path leaving the package": ({"imsmanifest.xml": b"<a/>", "../x": b""}, "unsafe path"),
    "no metadata, no organization": (
        {"imsmanifest.xml": b'<manifest xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" identifier="x">'
                            b'<organizations/><resources/></manifest>'}, "no <organization>"),
}


@pytest.mark.parametrize("case", sorted(ODD_PACKAGES))
def test_validator_reports_odd_packages_without_crashing(tmp_path, case):
    files, expected = ODD_PACKAGES[case]
    path = tmp_path / "odd.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    assert detect(path) == "scorm"
    assert any(expected in p for p in problems(path)), problems(path)


# Packages per unit (for Open edX, whose SCORM block launches only a package's first SCO).

UNIT_TARGETS = {"scorm12-units": "scorm12", "scorm2004-units": "scorm2004"}


def build_units(out: Path) -> dict[tuple[str, str, str], Path]:
    from musa.cli import run
    assert run(["--project", str(ROOT), "build", "--target", "scorm12-units", "--target", "scorm2004-units",
                "--out", str(out)]) == 0
    return {(target, path.parent.name, path.stem): path
            for target in UNIT_TARGETS for path in sorted((out / target).glob("*/*.zip"))}


@pytest.fixture(scope="module")
def unit_packages(tmp_path_factory):
    return build_units(tmp_path_factory.mktemp("units"))


def test_one_unit_package_per_sco_builds_identically(unit_packages, packages, tmp_path):
    for target, course_target in UNIT_TARGETS.items():
        for course_id in COURSES:
            root = manifest(packages[course_target, course_id])
            kind = f"{{{ADLCP[course_target]}}}{SCORM_TYPE[course_target]}"
            scos = sorted(r.get("href").removeprefix("sco/").removesuffix(".html")
                          for r in root.iter(f"{{{CP[course_target]}}}resource") if r.get(kind) == "sco")
            assert sorted(sco for t, c, sco in unit_packages if (t, c) == (target, course_id)) == scos
    again = build_units(tmp_path)
    assert {k: p.read_bytes() for k, p in again.items()} == {k: p.read_bytes() for k, p in unit_packages.items()}


def test_every_unit_package_validates_and_launches_its_sco_first(unit_packages, packages, project):
    require_shared()
    failures = {}
    for (target, course_id, sco), path in unit_packages.items():
        report = validate_archive(path)
        if report.problems or report.unavailable or report.counts["sco"] != 1:
            failures[path.name] = [p.format() for p in report.problems] + report.unavailable
        course_target = UNIT_TARGETS[target]
        first = manifest(path).find(f"{{{CP[course_target]}}}resources/{{{CP[course_target]}}}resource")
        assert first.get("href") == f"sco/{sco}.html"
        # the SCO is the very page of the course package, so the runtime tests cover it
        assert members(path)[f"sco/{sco}.html"] == members(packages[course_target, course_id])[f"sco/{sco}.html"]
    assert failures == {}
    units = sum(len(c.competences) if c.kind == "role" else len(c.days) for c in project.courses())
    assert len(unit_packages) == 2 * units == 2 * 107


def test_every_language_has_every_label_with_the_same_values_to_fill_in():
    import string
    fields = {key: {f for _, f, _, _ in string.Formatter().parse(text) if f} for key, text in LABELS["en"].items()}
    for lang, labels in LABELS.items():
        assert labels.keys() == LABELS["en"].keys(), lang
        for key, text in labels.items():
            assert {f for _, f, _, _ in string.Formatter().parse(text) if f} == fields[key], (lang, key)


@pytest.mark.parametrize("target", TARGETS)
def test_a_package_in_another_language_has_no_english_interface_left(tmp_path, target):
    from musa.cli import run
    assert run(["--project", str(ROOT), "build", "--target", target, "--out", str(tmp_path), "--lang", "el"]) == 0
    english = [text.split("{")[0].strip() for text in LABELS["en"].values()]
    english = [text for text in english if len(text) > 3 and text not in ("Page", "Level", "Rubric")]
    for package in sorted((tmp_path / target).glob("*-el.zip")):
        assert problems(package) == [], package.name
        for name, data in members(package).items():
            if not name.endswith(".html"):
                continue
            page = html.fromstring(data.decode("utf-8"))
            assert all(legend.text_content().startswith("Ερώτηση ") for legend in page.xpath("//legend"))
            interface = page.xpath("//button | //caption | //th[@scope='col'] | //p[@class='hint'] "
                                   "| //p[@class='meta'] | //p[@class='submit'] | //section[@id='page-quiz']/p[1] "
                                   "| //main/h2 | //main/p[last()]")
            text = " ".join(" ".join(e.itertext()) for e in interface) + " ".join(
                page.xpath("//@aria-label | //@*[starts-with(name(), 'data-label-')]"))
            found = [phrase for phrase in english if phrase in text]
            assert found == [], (package.name, name, found)
            assert page.get("lang") == "el"


@pytest.mark.parametrize("target", TARGETS)
def test_an_english_build_first_leaves_no_english_words_in_another_language(tmp_path, target, monkeypatch):
    """Compiled templates are kept between builds (on disk) and between targets and languages (in a process):
    a Greek build into a folder an English build used gives the bytes of a Greek build alone."""
    from musa.cli import run
    from musa.exporters import base
    for lang, out in (("en", "shared"), ("el", "shared"), ("el", "alone")):
        monkeypatch.setattr(base, "_CODE", {})  # what the disk cache gives, as to a new process
        assert run(["--project", str(ROOT), "build", "--target", target, "--out", str(tmp_path / out),
                    "--lang", lang]) == 0
    packages = sorted(p.name for p in (tmp_path / "alone" / target).glob("*-el.zip"))
    assert packages and all((tmp_path / "shared" / target / name).read_bytes()
                            == (tmp_path / "alone" / target / name).read_bytes() for name in packages)


def test_a_course_id_that_starts_with_a_digit_gives_valid_manifest_identifiers(minimal, tmp_path, cli):
    # an id may start with a digit; an XML ID (a manifest's identifier) may not
    require_shared()
    (minimal / "roles" / "curator.yaml").rename(minimal / "roles" / "9-curator.yaml")
    for file, old, new in (("roles/9-curator.yaml", "id: curator\n", "id: 9-curator\n"),
                           ("content/programmes/mini.yaml", "courses: [curator]", "courses: [9-curator]")):
        path = minimal / file
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    targets = ("scorm12", "scorm2004", "scorm12-units", "scorm2004-units")
    assert cli("--project", minimal, "build", *(f"--target={t}" for t in targets), "--out", tmp_path).code == 0
    built = sorted(tmp_path.glob("scorm*/**/*.zip"))
    assert len(built) == 6
    for path in built:
        assert problems(path) == []
        assert manifest(path).get("identifier").startswith("id-9-curator-")
