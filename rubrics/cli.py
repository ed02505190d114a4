"""Commands for rubric files: ``flask --app certify rubrics import|export``."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from certify.core.extensions import db
from rubrics.io import RubricFileError, dumps, export_rubric, import_rubric, load_file
from rubrics.models import Rubric

rubrics_cli = AppGroup("rubrics", help="Rubrics and their versions.")


@rubrics_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_rubric_command(path: str) -> None:
    """Import a rubric file (format certify-rubric/1) as a published version."""
    try:
        version = import_rubric(load_file(path))
    except RubricFileError as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(problem, err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Imported {version.rubric.code} version {version.number} "
               f"({version.content_hash[:12]})")


@rubrics_cli.command("export")
@click.argument("code")
@click.option("--version", "number", type=int, help="Version number (default: the latest "
              "published one).")
@click.option("--format", "fmt", type=click.Choice(["json", "yaml"]), default="json",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="File to write (default: standard output).")
def export_rubric_command(code: str, number: int | None, fmt: str, output: str | None) -> None:
    """Export a rubric version; importing the file gives a version with the same hash."""
    rubric = db.session.scalar(sa.select(Rubric).where(Rubric.code == code))
    if rubric is None:
        raise click.ClickException(f"no rubric with code {code}")
    if number is None:
        version = rubric.latest_published or rubric.latest
    else:
        version = next((v for v in rubric.versions if v.number == number), None)
    if version is None:
        raise click.ClickException(f"{code} has no version {number}")
    text = dumps(export_rubric(version), fmt)
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
        click.echo(f"Wrote {code} version {version.number} to {output}", err=True)
    else:
        click.echo(text, nl=False)


COMMANDS = (rubrics_cli,)
