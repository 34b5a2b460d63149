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
from .summary import summary_lines

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
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
              help="Build course × target pairs in N processes (default: the number of cores).")
@click.option("--force", is_flag=True, help="Rebuild every archive, even those the cache finds up to date.")
@click.pass_obj
def build(settings: Settings, chosen: tuple[str, ...], out: Path | None, as_json: bool, jobs: int | None,
          force: bool) -> None:
    """Build the archives of every course for the chosen targets (unchanged ones are kept)."""
    from .build import build as run_build
    from .buildreport import Progress, summary, table_lines
    available = targets()
    for name in chosen:
        if name not in available:
            raise click.BadParameter(f"unknown target '{name}'; known: {', '.join(available) or 'none yet'}",
                                     param_hint="--target")
    project = loaded_or_fail(settings).project  # the sources are dropped: only the model is needed now
    out = out or settings.project / "build"
    names = list(dict.fromkeys(chosen or available))
    progress = Progress(sys.stderr)
    outcome = run_build(project, out, names, jobs=jobs, use_cache=not force, progress=progress.update)
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
