"""Commands for the outbox and the audit log: ``send-outbox``, ``audit verify``,
``audit checkpoint``."""

from __future__ import annotations

import json
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from certify.core import jobs
from certify.core.audit import verify_chain
from certify.core.checkpoints import (
    SavedCopyError,
    Statement,
    check_checkpoints,
    check_saved_checkpoints,
    create_checkpoint,
    saved_statements,
)
from certify.core.extensions import db
from certify.core.outbox import send_outbox

# The published list holds the newest 1,000 checkpoints, about 300 KB.
SAVED_COPY_MAX_BYTES = 16 * 1024 * 1024


@click.command("send-outbox")
@click.option("--watch", is_flag=True,
              help="Keep running: send what is due every --interval seconds (a service, "
                   "instead of cron), retrying failures with back-off.")
@click.option("--interval", default=5.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds between passes with --watch.")
@click.option("--rounds", type=click.IntRange(min=1), hidden=True,
              help="Stop --watch after this many passes (tests).")
@with_appcontext
def send_outbox_command(watch: bool, interval: float, rounds: int | None) -> None:
    """Send queued messages (SMTP when CERTIFY_MAIL_SERVER is set, else printed in full)."""
    if not watch:
        click.echo(str(send_outbox(show=click.echo)))
        return

    def one_pass() -> str | None:
        delivery = send_outbox(show=click.echo)
        return str(delivery) if delivery.sent or delivery.postponed or delivery.failed else None

    watch_passes(one_pass, name="send-outbox", interval=interval, rounds=rounds)


def watch_passes(one_pass, *, name: str, interval: float, rounds: int | None) -> None:
    """A service's loop: ``one_pass()`` every ``interval`` seconds (``rounds`` times, or for
    ever), echoing what it returns when it did something; a database error (the database
    restarting) is reported and the next pass tries again."""
    done = 0
    while rounds is None or done < rounds:
        try:
            said = one_pass()
        except SQLAlchemyError as error:
            db.session.rollback()
            click.echo(f"{name}: {error}", err=True)
        else:
            if said:
                click.echo(said)
        db.session.remove()
        done += 1
        if rounds is None or done < rounds:
            time.sleep(interval)


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
@click.option("--against", "saved_copy", metavar="FILE_OR_URL",
              help="Also check a saved copy of /audit/checkpoints.json (a file, or an http(s) "
                   "address): every checkpoint in it must verify with a trusted key, hold for "
                   "the log as it is now and still be in the database.")
def verify_audit_command(saved_copy: str | None) -> None:
    """Check every entry of the audit log, and the log against every signed checkpoint; exit 1
    if an entry was edited or removed or the chain was rewritten, 2 if the saved copy cannot
    be read."""
    saved = _read_saved_copy(saved_copy) if saved_copy else None
    count, breaks = verify_chain()
    anchors, problems = check_checkpoints()
    problems = [f"entry {item.event_id}: {item.problem}" for item in breaks] + problems
    if saved is not None:
        problems += check_saved_checkpoints(saved)
    summary = (f"{count} entries checked, {len(problems)} problems; {anchors} signed "
               "checkpoints checked")
    if saved is not None:
        summary += f"; {len(saved)} saved checkpoints checked against {saved_copy}"
    report_check(problems, summary)


def _read_saved_copy(source: str) -> list[Statement]:
    """The checkpoints of a saved copy, from a file or an http(s) address; exit 2 with the
    reason when it cannot be read (nothing was checked, so neither 0 nor 1 would be true)."""
    try:
        if source.startswith(("http://", "https://")):
            # Only http(s), named by the operator on the command line.
            with urllib.request.urlopen(source, timeout=30) as answer:  # noqa: S310  # nosec B310
                data = answer.read(SAVED_COPY_MAX_BYTES + 1)
        else:
            data = Path(source).read_bytes()
        if len(data) > SAVED_COPY_MAX_BYTES:
            raise SavedCopyError("it is larger than any list of checkpoints we publish")
        return saved_statements(json.loads(data))
    except (OSError, ValueError, RecursionError) as problem:  # unreachable, not JSON, not ours
        click.echo(f"Cannot read the saved checkpoints {source}: {problem}", err=True)
        sys.exit(2)


@audit_cli.command("checkpoint")
def checkpoint_audit_command() -> None:
    """Sign the audit log's current head (run it from cron, e.g. hourly)."""
    checkpoint = create_checkpoint()
    db.session.commit()
    click.echo(f"Checkpoint {checkpoint.id}: entry {checkpoint.event_id}, head "
               f"{checkpoint.head_hash}, signed by {checkpoint.key}.")


jobs_cli = AppGroup("jobs", help="Background jobs (large exports, annual reports).")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def jobs_worker_command(burst: bool) -> None:
    """Run jobs from the queue (CERTIFY_JOBS_REDIS_URL), one at a time; run as a service."""
    try:
        jobs.work(burst=burst)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from error


@jobs_cli.command("purge")
@click.option("--days", default=7, show_default=True, type=click.IntRange(min=0),
              help="Delete finished jobs, and their files, older than this.")
def jobs_purge_command(days: int) -> None:
    """Delete old finished jobs and the files they prepared."""
    click.echo(f"Deleted {jobs.purge(timedelta(days=days))} finished jobs.")


COMMANDS = (send_outbox_command, audit_cli, jobs_cli)
