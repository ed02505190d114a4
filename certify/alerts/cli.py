"""``flask alerts expiries`` (daily: tells subscribers of certificates that expired) and
``flask alerts deliver [--watch]`` (a service: sends the webhooks due, retrying with back-off)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from certify.alerts.delivery import deliver_due
from certify.alerts.operations import announce_expiries
from certify.core.cli import watch_passes
from certify.core.extensions import db

alerts_cli = AppGroup("alerts", help="Status alerts to those who rely on a certificate.")


@alerts_cli.command("expiries")
def expiries_command() -> None:
    """Queue an "expired" alert for each subscriber of a certificate that expired (once each:
    running it again queues nothing)."""
    queued = announce_expiries()
    db.session.commit()
    click.echo(f"Queued {queued} expiry alerts.")


@alerts_cli.command("deliver")
@click.option("--watch", is_flag=True,
              help="Keep running: send what is due every --interval seconds (a service).")
@click.option("--interval", default=5.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds between passes with --watch.")
@click.option("--rounds", type=click.IntRange(min=1), hidden=True,
              help="Stop --watch after this many passes (tests).")
def deliver_command(watch: bool, interval: float, rounds: int | None) -> None:
    """Send the webhook deliveries that are due (retries included)."""
    if not watch:
        click.echo(str(deliver_due()))
        return

    def one_pass() -> str | None:
        outcome = deliver_due()
        return str(outcome) if outcome.delivered or outcome.postponed or outcome.failed else None

    watch_passes(one_pass, name="alerts deliver", interval=interval, rounds=rounds)


COMMANDS = (alerts_cli,)
