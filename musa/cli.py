"""The command line: parses options and calls one function per verb; content errors exit 1, usage errors 2, a
folder it cannot write into 4."""

from __future__ import annotations

import errno
import json
import os
import sys
import time
import traceback
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Iterator

import click

from . import __version__
from .errors import ContentError
from .project import load
from .sourcecache import FILE as SOURCES_CACHE, SourceCache
from .summary import summary_lines

INTERNAL_ERROR = 3
CANNOT_WRITE = 4
# Failures to write that are the file system's, whatever the file (a full disk or quota, a read-only file system,
# a file larger than it allows), not musa-build's.
FILE_SYSTEM_REFUSES_WRITING = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG}


class CannotWrite(click.ClickException):
    """A folder the command writes into could not be written: the message says which file and why."""

    exit_code = CANNOT_WRITE


@contextmanager
def writing_into(folder: Path) -> Iterator[None]:
    """Report a failure to write into `folder` (the file system's, or about a file under `folder`) as such, with
    the file and the system's reason, instead of as an internal fault."""
    try:
        yield
    except OSError as exc:
        named = exc.filename if isinstance(exc.filename, (str, os.PathLike)) else None
        inside = named is not None and Path(os.path.abspath(named)).is_relative_to(os.path.abspath(folder))
        if exc.errno not in FILE_SYSTEM_REFUSES_WRITING and not inside:
            raise
        where = f" ({named})" if named is not None and os.path.abspath(named) != os.path.abspath(folder) else ""
        if named is not None and isinstance(exc.filename2, (str, os.PathLike)):  # a rename: say where to
            where = f" (renaming {named} to {exc.filename2})"
        raise CannotWrite(f"cannot write into {folder}: {exc.strerror or exc}{where}") from None


class Settings:
    def __init__(self, project: Path, debug: bool):
        self.project, self.debug = project, debug


def loaded_or_fail(settings: Settings, strict: bool = False, cache: SourceCache | None = None):
    """Load the project; print warnings; raise ContentError on errors (or warnings under --strict)."""
    result = load(settings.project, cache)
    diags = result.diagnostics
    if diags.errors or (strict and diags.warnings) or result.project is None:
        raise ContentError(diags, strict)
    for diag in diags.warnings:
        click.echo(diag.format(), err=True)
    return result


def declared_language(project, lang: str, option: str) -> None:
    """A usage error unless `lang` is English or a language some programme declares."""
    declared = sorted({"en", *(code for programme in project.programmes for code in programme.languages)})
    if lang not in declared:
        raise click.BadParameter(f"unknown language '{lang}'; the programmes declare: {', '.join(declared)}",
                                 param_hint=option)


@click.group()
@click.version_option(__version__, prog_name="musa-build")
@click.option("--project", "project", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="The project folder (holds content/, roles/, competences/).")
@click.option("--debug", is_flag=True, help="Show a traceback on an internal error.")
@click.pass_context
def main(ctx: click.Context, project: Path, debug: bool) -> None:
    """Compile YAML course programmes into Open edX, Moodle and SCORM packages."""
    try:
        folder = project.is_dir()
    except OSError as error:  # a name too long for the file system, say
        raise click.BadParameter(f"'{project}' cannot be read: {error.strerror}", param_hint="--project")
    if not folder:
        raise click.BadParameter(f"'{project}' is not a folder", param_hint="--project")
    ctx.obj = Settings(project.resolve(), debug)


@main.command()
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--missing", "missing_lang", metavar="LANG", help="List every text not yet translated into LANG.")
@click.pass_obj
def check(settings: Settings, strict: bool, missing_lang: str | None) -> None:
    """Validate the sources and print a summary."""
    result = loaded_or_fail(settings, strict)
    if missing_lang is not None:
        declared_language(result.project, missing_lang, "--missing")
        from .coverage import missing
        items = missing(result.project, missing_lang)
        for item in items:
            click.echo(f"{item.where}: no {missing_lang} text")
        click.echo(f"{len(items)} texts lack {missing_lang}")
        return
    for line in summary_lines(result.project):
        click.echo(line)
    warnings = len(result.diagnostics.warnings)
    click.echo(f"ok: {result.sources.files_read} files checked, {warnings} warning{'s' if warnings != 1 else ''}")


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the schema files (default: <project>/schemas).")
@click.pass_obj
def schema(settings: Settings, out: Path | None) -> None:
    """Write the JSON Schemas of every kind of source file."""
    from .schemafiles import write_schemas
    out = out or settings.project / "schemas"
    with writing_into(out):
        written = write_schemas(out)
    for path in written:
        click.echo(f"wrote {path}")


@main.command()
@click.option("--target", "chosen", multiple=True, metavar="TARGET",
              help="A target to build (repeatable); default: every target.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: <project>/build).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary of what was written.")
@click.option("--lang", "langs", multiple=True, metavar="LANG",
              help="Build in LANG (repeatable; default en): texts without a LANG version stay in English; "
                   "archives other than English are named <course>-LANG.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
              help="Build course × target pairs in N processes (default: the number of cores).")
@click.option("--force", is_flag=True, help="Rebuild every archive, even those the cache finds up to date.")
@click.pass_obj
def build(settings: Settings, chosen: tuple[str, ...], out: Path | None, as_json: bool, langs: tuple[str, ...],
          jobs: int | None, force: bool) -> None:
    """Build the archives of every course for the chosen targets (unchanged ones are kept)."""
    from .build import build as run_build, survey
    from .buildreport import Progress, summary, table_lines
    from .exporters import targets
    available = targets()
    for name in chosen:
        if name not in available:
            raise click.BadParameter(f"unknown target '{name}'; known: {', '.join(available) or 'none yet'}",
                                     param_hint="--target")
    out = out or settings.project / "build"
    cache = SourceCache(out / SOURCES_CACHE, read=not force)  # what unchanged files gave the last build
    with writing_into(out), \
            survey(out) if not force else nullcontext() as surveyed:  # a look at the archives in place, meanwhile
        project = loaded_or_fail(settings, cache=cache).project  # the sources are dropped: only the model is needed
        for lang in langs:
            declared_language(project, lang, "--lang")
        names = list(dict.fromkeys(chosen or available))
        progress = Progress(sys.stderr)
        outcome = run_build(project, out, names, jobs=jobs, langs=tuple(dict.fromkeys(langs or ("en",))),
                            use_cache=not force, progress=progress.update, surveyed=surveyed)
    progress.finish()
    if as_json:
        click.echo(json.dumps(summary(project, outcome), indent=2))
        return
    if not names:
        click.echo("no targets registered: the sources are valid, nothing to write")
    if sys.stdout.isatty():
        for line in table_lines(outcome, out):
            click.echo(line)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON (for CI).")
@click.pass_obj
def validate(settings: Settings, paths: tuple[Path, ...], as_json: bool) -> None:
    """Check built archives as their consumers would; PATHS are archives or folders (default: <project>/build).

    The kind of each file is detected; inside a folder, files no kind recognises are skipped. Exit 1 on any problem.
    """
    from .validate.batch import FAILED, SKIPPED, collect, table
    if not paths:
        default = settings.project / "build"
        if not default.is_dir():
            raise click.UsageError(f"nothing to validate: {default} does not exist; build first or name archives")
        paths = (default,)
    rows = collect(list(paths))
    failed = sum(r.result == FAILED for r in rows)
    checked = sum(r.result != SKIPPED for r in rows)
    if as_json:
        click.echo(json.dumps({"archives": [r.as_json() for r in rows], "checked": checked, "failed": failed,
                               "skipped": sum(r.result == SKIPPED for r in rows)}, indent=2))
    else:
        for line in table(rows):
            click.echo(line)
        for row in rows:
            for problem in row.problems:
                click.echo(f"{row.path}: {problem.format()}")
    for row in rows:
        for tool in row.unavailable:
            click.echo(f"{row.path}: note: {tool} is not installed; its checks were skipped", err=True)
    if failed:
        raise click.ClickException(f"{failed} of {checked} archives failed validation")
    if not checked:
        raise click.ClickException("no archive found to validate")


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the site (default: <project>/build/preview).")
@click.option("--serve", "serving", is_flag=True, help="Serve the site on 127.0.0.1 and rebuild it on changes.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port for --serve (0: any free port).")
@click.pass_obj
def preview(settings: Settings, out: Path | None, serving: bool, port: int) -> None:
    """Write the designers' preview: a static site of every programme, course and competence."""
    from . import preview as site
    out = out or settings.project / "build" / "preview"
    started = time.time_ns()
    result = loaded_or_fail(settings)
    try:
        with writing_into(out):
            count = site.build(result.project, out)
    except site.NotAPreview as exc:
        raise click.UsageError(f"--out: {exc}") from None
    click.echo(f"wrote {count} files to {out}; open {out / 'index.html'}")
    if not serving:
        return
    from .preview.serve import serve

    def rebuild() -> None:
        again = load(settings.project)
        if again.diagnostics.errors or again.project is None:
            for diag in again.diagnostics.sorted():
                click.echo(diag.format(), err=True)
            click.echo("not rebuilt: the sources have errors (the previous preview is still served)", err=True)
            return
        click.echo(f"rebuilt {site.build(again.project, out)} files")

    serve(settings.project, out, port, rebuild, click.echo, built_ns=started)


@main.command()
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of Markdown.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write traceability.md and traceability.csv into this folder instead of printing.")
@click.pass_obj
def report(settings: Settings, as_csv: bool, out: Path | None) -> None:
    """Traceability: which lessons, questions and rubric criteria cover each learning outcome."""
    from .archive import write_atomic
    from .traceability import to_csv, to_markdown, traces
    found = traces(loaded_or_fail(settings).project)
    if out is not None:
        for name, text in (("traceability.md", to_markdown(found)), ("traceability.csv", to_csv(found))):
            with writing_into(out):
                write_atomic(out / name, text.encode())
            click.echo(f"wrote {out / name}")
        return
    click.echo(to_csv(found) if as_csv else to_markdown(found), nl=not as_csv)


@main.group()
def new() -> None:
    """Write the skeleton of a new source file."""


@new.command(name="competence")
@click.argument("ident")
@click.pass_obj
def new_competence(settings: Settings, ident: str) -> None:
    """A competence file (ID: ecf-a2, dc-3-3 or tr-16 style, which fixes the framework and code)."""
    from .scaffold import competence
    with writing_into(settings.project):
        written = competence(settings.project, ident)
    click.echo(f"wrote {written}; fill in every TODO (musa-build check --strict lists them)")


@new.command(name="role")
@click.argument("ident")
@click.option("--programme", default=None, help="The programme the role's course belongs to (default: the "
                                                "first with a blended mode).")
@click.pass_obj
def new_role(settings: Settings, ident: str, programme: str | None) -> None:
    """A role profile with a course plan, face-to-face days and placement; the programme lists it."""
    from .scaffold import role
    with writing_into(settings.project):
        written = role(settings.project, ident, programme)
    for path in written:
        click.echo(f"wrote {path}")
    click.echo("fill in every TODO (musa-build check --strict lists them)")


@main.group()
def publish() -> None:
    """Send a built archive to a running platform."""


@publish.command(name="openedx")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", envvar="OLX_CMS_URL", required=True, metavar="URL",
              help="Studio's address, e.g. https://studio.example.org [env OLX_CMS_URL].")
@click.option("--course-id", metavar="ID", help="course-v1:ORG+NUMBER+RUN (default: from the archive's course.xml).")
@click.option("--lms-url", envvar="OLX_LMS_URL", metavar="URL",
              help="The LMS that issues OAuth2 tokens (default: --url) [env OLX_LMS_URL].")
@click.option("--client-id", envvar="OLX_LMS_CLIENT_ID", metavar="ID",
              help="OAuth2 client id [env OLX_LMS_CLIENT_ID].")
@click.option("--client-secret", envvar="OLX_LMS_CLIENT_SECRET", metavar="SECRET",
              help="OAuth2 client secret; prefer the environment [env OLX_LMS_CLIENT_SECRET].")
@click.option("--token", envvar="OLX_CMS_TOKEN", metavar="JWT",
              help="An access token to use instead of client credentials [env OLX_CMS_TOKEN].")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=600, show_default=True,
              help="Seconds to wait for the whole import.")
@click.option("--poll-interval", type=click.FloatRange(min=0, min_open=True), default=2, show_default=True,
              help="Seconds between two status requests.")
def publish_openedx(archive: Path, url: str, course_id: str | None, lms_url: str | None, client_id: str | None,
                    client_secret: str | None, token: str | None, timeout: float, poll_interval: float) -> None:
    """Import an OLX ARCHIVE into a course in Studio and wait until the import has finished."""
    from .publish.openedx import COURSE_ID, PublishError, Studio, publish as import_archive
    from .validate import sniff
    kind, why = sniff(archive)
    if why is not None:
        raise click.BadParameter(f"'{archive}': {why}", param_hint="ARCHIVE")
    if kind != "olx":
        raise click.BadParameter(f"'{archive}' is not an OLX course archive (.tar.gz with course/)",
                                 param_hint="ARCHIVE")
    if course_id is not None and not COURSE_ID.fullmatch(course_id):
        raise click.BadParameter(f"expected course-v1:ORG+NUMBER+RUN, got '{course_id}'", param_hint="--course-id")
    if not token and not (client_id and client_secret):
        raise click.UsageError("give --client-id and --client-secret (or OLX_LMS_CLIENT_ID and "
                               "OLX_LMS_CLIENT_SECRET), or an access token with --token (or OLX_CMS_TOKEN)")
    studio = Studio(url.rstrip("/"), (lms_url or url).rstrip("/"), client_id, client_secret, token)
    try:
        course, task = import_archive(archive, studio, course_id, timeout, poll_interval,
                                      lambda message: click.echo(message, err=True))
    except PublishError as exc:
        raise click.ClickException(f"{archive}: not imported: {exc}") from None
    click.echo(f"{archive}: imported into {course} at {studio.url} (task {task})")


@main.command(name="targets")
def list_targets() -> None:
    """List the build targets."""
    from .exporters import targets
    for name, exporter in targets().items():
        click.echo(f"{name:16} {exporter.description}")


def run(argv=None) -> int:
    """Entry point: never a traceback for the user's own mistakes; one line for an internal fault."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        main.main(args=argv, prog_name="musa-build", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        click.echo("aborted", err=True)
        return 1
    except Exception as exc:  # an internal fault, not the user's
        if debug:
            traceback.print_exc()
        else:
            click.echo(f"musa-build: internal error: {type(exc).__name__}: {exc} "
                       "(run again with --debug for details)", err=True)
        return INTERNAL_ERROR
    return 0
