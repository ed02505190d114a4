"""Commands for the register and the issuer's keys: ``flask --app certify certificates …``,
``keys …``, ``notify-expiring``."""

from __future__ import annotations

import json

import click
import sqlalchemy as sa
from flask.cli import AppGroup, with_appcontext

from certify.certificates.cpd.cli import cpd_cli
from certify.certificates.keys import active_key, all_keys, generate_key, key_directory, rotate_key
from certify.certificates.models import Certificate
from certify.certificates.notifications import queue_expiry_reminders
from certify.certificates.proof_memory import remember_stored
from certify.certificates.signing import sign_certificate
from certify.certificates.status import certificate_status
from certify.core.extensions import db
from certify.core.public_cache import public_cache

certificates_cli = AppGroup("certificates", help="The certificate register.")


@certificates_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def list_certificates(as_json: bool) -> None:
    """Every certificate with its current status."""
    certificates = db.session.scalars(sa.select(Certificate).order_by(Certificate.number)).all()
    rows = [
        {
            "number": c.number,
            "status": str(certificate_status(c)),
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
    query = sa.select(Certificate).order_by(Certificate.id)
    if not everything:
        query = query.where(Certificate.credential.is_(None))
    count = 0
    for certificate in db.session.scalars(query):
        sign_certificate(certificate)
        count += 1
    db.session.commit()
    click.echo(f"Signed {count} certificates.")


@certificates_cli.command("remember-proofs")
def remember_proofs_command() -> None:
    """Check the signatures of every stored credential again, on every core, and keep each
    check in the public cache, so that no first verification has to make it (after Redis lost
    its data; issuing, backup and restore keep theirs)."""
    if public_cache() is None:
        raise click.ClickException("No public cache is configured (CERTIFY_PUBLIC_CACHE_URL): "
                                   "there is nowhere to keep the checks.")
    click.echo(f"Kept the signature checks of {remember_stored()} credentials.")


@click.command("notify-expiring")
@with_appcontext
def notify_expiring_command() -> None:
    """Queue renewal reminders 90 and 30 days before expiry (idempotent; run daily)."""
    queued = queue_expiry_reminders()
    db.session.commit()
    click.echo(f"Queued {queued} reminders.")


keys_cli = AppGroup("keys", help="The issuer's signing keys.")


@keys_cli.command("generate")
def generate_key_command() -> None:
    """Create a signing key if there is no active one (idempotent)."""
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
    key = rotate_key()
    db.session.commit()
    click.echo(f"New active key {key.public_key_multibase}; earlier keys stay published.")


@keys_cli.command("list")
def list_keys_command() -> None:
    for key in all_keys():
        state = f"retired {key.retired_at:%Y-%m-%d}" if key.retired_at else "active"
        click.echo(f"{key.public_key_multibase}  {key.created_at:%Y-%m-%d}  {state}")


COMMANDS = (certificates_cli, keys_cli, notify_expiring_command, cpd_cli)
