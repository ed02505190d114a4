"""Command-line tools: ``flask --app certify <command>``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from certify.core.extensions import db


def register(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(certificates_cli)
    app.cli.add_command(rubrics_cli)
    app.cli.add_command(scores_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(notify_expiring_command)
    app.cli.add_command(send_outbox_command)
    app.cli.add_command(notify_reviewers_command)
    app.cli.add_command(audit_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo data (idempotent: running it again changes nothing)."""
    from certify.web.demo import DEMO_PASSWORD, load_demo

    created = load_demo()
    db.session.commit()
    if created:
        click.echo(f"Demo data loaded. Every demo account uses the password: {DEMO_PASSWORD}")
    else:
        click.echo("Demo data already present; nothing changed.")


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True, help="Full name as on a certificate.")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["admin", "coordinator", "reviewer", "candidate"]))
@click.option("--branch", "branch_code", help="Branch code (required for coordinators).")
@click.option("--country", default="KZ", show_default=True)
@click.option("--affiliation", default="")
@click.option("--language", default="en", type=click.Choice(["en", "ru", "kk"]))
@click.password_option(help="Asked for when not given.")
def create_user_command(email, full_name, roles, branch_code, country, affiliation, language,
                        password) -> None:
    """Create an account for a real deployment."""
    from certify.core.passwords import password_problems
    from certify.users.models import Branch
    from certify.users.operations import UserError, create_user

    branch = None
    if branch_code:
        branch = db.session.scalar(sa.select(Branch).where(Branch.code == branch_code.upper()))
        if branch is None:
            raise click.BadParameter(f"no branch with code {branch_code}", param_hint="--branch")
    problems = password_problems(password)
    if problems:
        raise click.BadParameter(" ".join(problems), param_hint="--password")
    try:
        user = create_user(email=email, password=password, full_name=full_name, country=country,
                           roles=roles, branch=branch, affiliation=affiliation,
                           preferred_language=language)
    except UserError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {user.email} with roles: {', '.join(sorted(roles))}")


certificates_cli = AppGroup("certificates", help="The certificate register.")


@certificates_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def list_certificates(as_json: bool) -> None:
    """Every certificate with its current status."""
    from certify.certificates.models import Certificate

    certificates = db.session.scalars(sa.select(Certificate).order_by(Certificate.number)).all()
    rows = [
        {
            "number": c.number,
            "status": str(c.status),
            "holder_name": c.holder_name,
            "track": c.track,
            "valid_until": c.valid_until.isoformat(),
        }
        for c in certificates
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['number']:<24} {row['status']:<14} {row['valid_until']}  "
                   f"{row['holder_name']}")


@certificates_cli.command("sign")
@click.option("--all", "everything", is_flag=True,
              help="Sign every certificate again with the active key (default: only those "
                   "without a signed credential).")
def sign_certificates(everything: bool) -> None:
    """Sign certificates' credentials (e.g. those issued before signing existed)."""
    from certify.certificates.models import Certificate
    from certify.certificates.signing import sign_certificate

    query = sa.select(Certificate).order_by(Certificate.id)
    if not everything:
        query = query.where(Certificate.credential.is_(None))
    count = 0
    for certificate in db.session.scalars(query):
        sign_certificate(certificate)
        count += 1
    db.session.commit()
    click.echo(f"Signed {count} certificates.")


@click.command("notify-expiring")
@with_appcontext
def notify_expiring_command() -> None:
    """Queue renewal reminders 90 and 30 days before expiry (idempotent; run daily)."""
    from certify.certificates.operations import queue_expiry_reminders

    queued = queue_expiry_reminders()
    db.session.commit()
    click.echo(f"Queued {queued} reminders.")


@click.command("notify-reviewers")
@with_appcontext
def notify_reviewers_command() -> None:
    """Queue reminders to reviewers a week before the review deadline (idempotent)."""
    from assessments.operations import queue_review_reminders

    queued = queue_review_reminders()
    db.session.commit()
    click.echo(f"Queued {queued} reminders.")


@click.command("send-outbox")
@with_appcontext
def send_outbox_command() -> None:
    """Send queued messages (SMTP when CERTIFY_MAIL_SERVER is set, else printed in full)."""
    from certify.core.outbox import send_outbox

    count, how = send_outbox(show=click.echo)
    click.echo(f"Sent {count} messages ({how}).")


audit_cli = AppGroup("audit", help="The hash-chained audit log.")


@audit_cli.command("verify")
def verify_audit_command() -> None:
    """Check every entry of the audit log; exit 1 if one was edited or removed."""
    from certify.core.audit import verify_chain

    count, breaks = verify_chain()
    for item in breaks:
        click.echo(f"entry {item.event_id}: {item.problem}", err=True)
    click.echo(f"{count} entries checked, {len(breaks)} problems")
    if breaks:
        sys.exit(1)


def _backup_step(step, *args, **kwargs):
    """Run a backup or restore: its refusal as a clean error, its warnings on stderr."""
    from certify.web.backup import BackupError

    try:
        summary = step(*args, **kwargs)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    for warning in summary.warnings:
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
    from certify.web.backup import create_backup

    summary = _backup_step(create_backup, output and Path(output),
                           include_private_keys=include_private_keys)
    click.echo(f"Wrote {summary.path}: {sum(summary.tables.values())} rows in "
               f"{len(summary.tables)} tables, {summary.files} evidence files, "
               f"{summary.certificates} certificates with their verification results.")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def restore_command(archive: str) -> None:
    """Restore an archive into an empty instance and re-verify every certificate."""
    from certify.web.backup import restore_backup

    summary = _backup_step(restore_backup, Path(archive))
    click.echo(f"Restored {sum(summary.tables.values())} rows in {len(summary.tables)} tables "
               f"and {summary.files} evidence files; all {summary.certificates} certificates "
               "verify as they did when the archive was made.")


keys_cli = AppGroup("keys", help="The issuer's signing keys.")


@keys_cli.command("generate")
def generate_key_command() -> None:
    """Create a signing key if there is no active one (idempotent)."""
    from certify.certificates.signing import active_key, generate_key, key_directory

    key = active_key()
    if key is not None:
        click.echo(f"Active key already present: {key.public_key_multibase}")
        return
    key = generate_key()
    db.session.commit()
    click.echo(f"Generated {key.public_key_multibase} (private key in {key_directory()})")


@keys_cli.command("rotate")
def rotate_key_command() -> None:
    """Retire the active key (it stays published) and start a new one."""
    from certify.certificates.signing import rotate_key

    key = rotate_key()
    db.session.commit()
    click.echo(f"New active key {key.public_key_multibase}; earlier keys stay published.")


@keys_cli.command("list")
def list_keys_command() -> None:
    from certify.certificates.signing import all_keys

    for key in all_keys():
        state = f"retired {key.retired_at:%Y-%m-%d}" if key.retired_at else "active"
        click.echo(f"{key.public_key_multibase}  {key.created_at:%Y-%m-%d}  {state}")


rubrics_cli = AppGroup("rubrics", help="Rubrics and their versions.")


@rubrics_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_rubric_command(path: str) -> None:
    """Import a rubric file (format certify-rubric/1) as a published version."""
    from rubrics.io import RubricFileError, import_rubric, load_file

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
    from rubrics.io import dumps, export_rubric
    from rubrics.models import Rubric

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


scores_cli = AppGroup("scores", help="The figures behind decisions.")


@scores_cli.command("verify")
def verify_scores() -> None:
    """Recompute every stored decision; exit 1 if any no longer matches."""
    from assessments.analytics import verify_decisions

    checked, mismatches = verify_decisions()
    for mismatch in mismatches:
        click.echo(f"decision {mismatch.decision_id} (application {mismatch.application_id}): "
                   f"{mismatch.problem}", err=True)
    click.echo(f"{checked} decisions checked, {len(mismatches)} mismatches")
    if mismatches:
        sys.exit(1)
