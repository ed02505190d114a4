"""Commands for the outbox and the audit log: ``send-outbox``, ``audit verify``,
``audit checkpoint``."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup, with_appcontext

from certify.core.audit import verify_chain
from certify.core.checkpoints import check_checkpoints, create_checkpoint
from certify.core.extensions import db
from certify.core.outbox import send_outbox


@click.command("send-outbox")
@with_appcontext
def send_outbox_command() -> None:
    """Send queued messages (SMTP when CERTIFY_MAIL_SERVER is set, else printed in full)."""
    count, how = send_outbox(show=click.echo)
    click.echo(f"Sent {count} messages ({how}).")


def report_check(problems: list[str], summary: str) -> None:
    """End a checking command: each problem on stderr, the summary, exit 1 if any problem
    (so cron and monitoring notice)."""
    for problem in problems:
        click.echo(problem, err=True)
    click.echo(summary)
    if problems:
        sys.exit(1)


audit_cli = AppGroup("audit", help="The hash-chained audit log.")


@audit_cli.command("verify")
def verify_audit_command() -> None:
    """Check every entry of the audit log, and the log against every signed checkpoint; exit 1
    if an entry was edited or removed or the chain was rewritten."""
    count, breaks = verify_chain()
    anchors, problems = check_checkpoints()
    problems = [f"entry {item.event_id}: {item.problem}" for item in breaks] + problems
    report_check(problems, f"{count} entries checked, {len(problems)} problems; "
                           f"{anchors} signed checkpoints checked")


@audit_cli.command("checkpoint")
def checkpoint_audit_command() -> None:
    """Sign the audit log's current head (run it from cron, e.g. hourly)."""
    checkpoint = create_checkpoint()
    db.session.commit()
    click.echo(f"Checkpoint {checkpoint.id}: entry {checkpoint.event_id}, head "
               f"{checkpoint.head_hash}, signed by {checkpoint.key}.")


COMMANDS = (send_outbox_command, audit_cli)
