"""The command line: parses options and calls one function per verb; content errors exit 1, usage errors 2."""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

import click

from . import __version__
from .errors import ContentError
from .exporters import targets
from .project import load
from .summary import counts, summary_lines

INTERNAL_ERROR = 3


class Settings:
    def __init__(self, project: Path, debug: bool):
        self.project, self.debug = project, debug


def loaded_or_fail(settings: Settings, strict: bool = False):
    """Load the project; print warnings; raise ContentError on errors (or warnings under --strict)."""
    result = load(settings.project)
    diags = result.diagnostics
    if diags.errors or (strict and diags.warnings) or result.project is None:
        raise ContentError(diags, strict)
    for diag in diags.warnings:
        click.echo(diag.format(), err=True)
    return result


@click.group()
@click.version_option(__version__, prog_name="musa-build")
@click.option("--project", "project", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="The project folder (holds content/, roles/, competences/).")
@click.option("--debug", is_flag=True, help="Show a traceback on an internal error.")
@click.pass_context
def main(ctx: click.Context, project: Path, debug: bool) -> None:
    """Compile YAML course programmes into Open edX, Moodle and SCORM packages."""
    if not project.is_dir():
        raise click.BadParameter(f"'{project}' is not a folder", param_hint="--project")
    ctx.obj = Settings(project.resolve(), debug)


@main.command()
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--missing", "missing_lang", metavar="LANG", help="List every text not yet translated into LANG.")
@click.pass_obj
def check(settings: Settings, strict: bool, missing_lang: str | None) -> None:
    """Validate the sources and print a summary."""
    result = loaded_or_fail(settings, strict)
    if missing_lang:
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
    for path in write_schemas(out or settings.project / "schemas"):
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
@click.pass_obj
def build(settings: Settings, chosen: tuple[str, ...], out: Path | None, as_json: bool,
          langs: tuple[str, ...]) -> None:
    """Build the archives of every course for the chosen targets."""
    available = targets()
    for name in chosen:
        if name not in available:
            raise click.BadParameter(f"unknown target '{name}'; known: {', '.join(available) or 'none yet'}",
                                     param_hint="--target")
    result = loaded_or_fail(settings)
    declared = sorted({"en", *(lang for p in result.project.programmes for lang in p.languages)})
    for lang in langs:
        if lang not in declared:
            raise click.BadParameter(f"unknown language '{lang}'; the programmes declare: {', '.join(declared)}",
                                     param_hint="--lang")
    out = out or settings.project / "build"
    names = list(chosen or available)
    rendered = {name: {path: data for lang in dict.fromkeys(langs or ("en",))
                       for path, data in available[name](result.project, out, lang).render().items()}
                for name in names}
    written = [w for name in names for w in available[name].write(rendered[name], name)]
    if as_json:
        click.echo(json.dumps({"counts": counts(result.project),
                               "archives": [{"course": w.course, "target": w.target, "path": str(w.path),
                                             "size": w.size} for w in written]}, indent=2))
        return
    if not names:
        click.echo("no targets registered: the sources are valid, nothing to write")
    for w in written:
        click.echo(f"{w.target:12} {w.path} ({w.size} bytes)")


@main.command()
@click.argument("archives", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def validate(archives: tuple[Path, ...]) -> None:
    """Check built archives as their consumers would (the kind is detected); exit 1 on any problem."""
    from .validate import validate as check_archive
    failed = 0
    for path in archives:
        kind, report = check_archive(path)
        for problem in report.problems:
            click.echo(f"{path}: {problem.format()}")
        for tool in report.unavailable:
            click.echo(f"{path}: note: {tool} is not installed; its checks were skipped", err=True)
        counts = ", ".join(f"{n} {name}" for name, n in sorted(report.counts.items()))
        click.echo(f"{path}: {kind or 'unknown'}: {'FAILED' if report.problems else 'ok'}: "
                   f"{len(report.problems)} problems; {counts}")
        failed += bool(report.problems)
    if failed:
        raise click.ClickException(f"{failed} of {len(archives)} archives failed validation")


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
    from .validate.olx import detect
    if not detect(archive):
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
