"""The command-line registry: every package's commands under ``flask --app certify``, and the
instance-wide ones (demo data, backup, restore)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from assessments import cli as assessments_cli
from certify.alerts import cli as alerts_cli
from certify.certificates import cli as certificates_cli
from certify.core import cli as core_cli
from certify.core.extensions import db
from certify.core.urls import base_url
from certify.users import cli as users_cli
from certify.web.backup import BackupError, create_backup, restore_backup, target_database
from certify.web.config import INSTANCE_SETTINGS
from certify.web.demo import DEMO_PASSWORD, DEMO_SIGNATORIES, load_demo, sign_again_for_this_address
from rubrics import cli as rubrics_cli


def register(app: Flask) -> None:
    for command in (demo_command, backup_command, restore_command, *core_cli.COMMANDS,
                    *users_cli.COMMANDS, *rubrics_cli.COMMANDS, *certificates_cli.COMMANDS,
                    *assessments_cli.COMMANDS, *alerts_cli.COMMANDS):
        app.cli.add_command(command)


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo data (idempotent: running it again changes nothing, unless the public
    address changed: then the demo's credentials are signed again for the new one)."""
    remember_demo_settings()
    created = load_demo()
    signed = 0 if created else sign_again_for_this_address()
    db.session.commit()
    if created:
        click.echo(f"Demo data loaded. Every demo account uses the password: {DEMO_PASSWORD}")
    elif signed:
        click.echo(f"Demo data already present; the credentials of {signed} certificates "
                   f"signed again for {base_url()}.")
    else:
        click.echo("Demo data already present; nothing changed.")


def remember_demo_settings() -> None:
    """Keep the demo's settings in the instance folder: later commands (`send-outbox`,
    `certificates list`, …) then run without CERTIFY_DEMO or the public address in the
    environment, exactly as the README shows them."""
    settings = Path(current_app.instance_path) / INSTANCE_SETTINGS
    settings.write_text(
        "# Written by `flask demo`: this instance is a local demo. Delete for production.\n"
        "DEMO = true\n"
        f"PUBLIC_BASE_URL = {json.dumps(current_app.config['PUBLIC_BASE_URL'])}\n"
        f"{DEMO_SIGNATORIES}",
        encoding="utf-8")


def restore_plan(archive: str, manifest: dict) -> str:
    """What a restore of ``archive`` will do, from its checked manifest."""
    tables = manifest.get("tables", {})
    filled = [f"  {name}: {count}" for name, count in sorted(tables.items()) if count]
    evidence = sum(name.startswith("evidence/") for name in manifest.get("files", {}))
    return "\n".join([
        f"Archive:   {archive}",
        f"Made at:   {manifest['created_at']}",
        f"Issuer:    {manifest['issuer']}",
        f"Schema:    {manifest['schema_revision']} ({manifest.get('dialect', '?')})",
        f"Contents:  {sum(tables.values())} rows in {len(filled)} tables, {evidence} evidence "
        f"files, {len(manifest.get('certificates', {}))} certificates",
        *filled,
        f"Target:    {target_database()} (must be empty; its rows and files are written now)",
    ])


def _backup_step(step, *args, **kwargs):
    """Run a backup or restore: its refusal as a clean error, its warnings on stderr."""
    try:
        summary = step(*args, **kwargs)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    for warning in summary.warnings if summary is not None else ():  # None: declined
        click.echo(f"warning: {warning}", err=True)
    return summary


@click.command("backup")
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="Archive to write (default: instance/backups/certify-<time>.tar.gz).")
@click.option("--include-private-keys", is_flag=True,
              help="Also archive the private signing keys (then guard the archive as a secret).")
@with_appcontext
def backup_command(output: str | None, include_private_keys: bool) -> None:
    """Write a consistent archive: database, evidence files, public keys, checksums."""
    summary = _backup_step(create_backup, output and Path(output),
                           include_private_keys=include_private_keys)
    click.echo(f"Wrote {summary.path}: {sum(summary.tables.values())} rows in "
               f"{len(summary.tables)} tables, {summary.files} evidence files, "
               f"{summary.certificates} certificates with their verification results.")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@click.option("--trust-key", "trusted", multiple=True, metavar="MULTIBASE",
              help="Also believe signatures by this public key (z6Mk…), e.g. the old "
                   "instance's, taken from its /.well-known/did.json or your records, never "
                   "the archive.")
@click.option("--yes", "-y", "assume_yes", is_flag=True,
              help="Restore without asking first (for scripts).")
@with_appcontext
def restore_command(archive: str, trusted: tuple[str, ...], assume_yes: bool) -> None:
    """Restore a signed archive into an empty instance and re-verify every certificate.

    Once the archive's signature and checksums are checked, says what it holds and where it
    goes, and asks before writing anything (unless --yes)."""

    def confirm(manifest: dict) -> bool:
        click.echo(restore_plan(archive, manifest))
        return assume_yes or click.confirm("Restore this archive?", default=False)

    summary = _backup_step(restore_backup, Path(archive), trusted=trusted, confirm=confirm)
    if summary is None:
        click.echo("Restore cancelled: nothing was written.", err=True)
        raise SystemExit(1)
    click.echo(f"Restored {sum(summary.tables.values())} rows in {len(summary.tables)} tables "
               f"and {summary.files} evidence files; all {summary.certificates} certificates "
               "verify as they did when the archive was made.")
