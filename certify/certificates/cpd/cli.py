"""``flask cpd remind | draw-audit | apply-consequences``: the annual declaration's reminders
and the yearly random audit of CPD logs. Each may run again without doing anything twice."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from certify.certificates.cpd.audits import apply_consequences, draw_audit
from certify.certificates.cpd.declarations import queue_declaration_reminders
from certify.core.errors import DomainError
from certify.core.extensions import db

cpd_cli = AppGroup("cpd", help="The CPD log: declarations and audits.")


@cpd_cli.command("remind")
@click.option("--year", type=int, help="The declaration's year (default: this year).")
def remind(year: int | None) -> None:
    """Queue the annual declaration's reminder to holders who have not declared."""
    count = queue_declaration_reminders(year)
    db.session.commit()
    click.echo(f"Queued {count} reminders.")


@cpd_cli.command("draw-audit")
@click.option("--year", type=int, required=True)
@click.option("--rate", type=float, default=None, help="Share drawn (default CPD_AUDIT_RATE).")
@click.option("--seed", type=int, default=None, help="Seed (default: a random one, stored).")
def draw(year: int, rate: float | None, seed: int | None) -> None:
    """Draw the year's sample of holders whose CPD log is audited."""
    try:
        result = draw_audit(year, rate=rate, seed=seed)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Drew {len(result.audits)} of {result.population} holders "
               f"(seed {result.seed}).")


@cpd_cli.command("apply-consequences")
def consequences() -> None:
    """Suspend where an audit's deadline has passed with a configured outcome."""
    count = apply_consequences()
    db.session.commit()
    click.echo(f"Suspended {count} certificates.")
