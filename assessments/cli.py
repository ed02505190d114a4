"""Commands for the workflow: ``flask --app certify scores verify``, ``notify-reviewers``,
``notify-invitations``."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from assessments.analytics import verify_decisions
from assessments.notifications import queue_review_reminders
from assessments.reviewers.invitations import send_invitation_reminders
from certify.core.cli import report_check
from certify.core.extensions import db


@click.command("notify-reviewers")
@with_appcontext
def notify_reviewers_command() -> None:
    """Queue reminders to reviewers a week before the review deadline (idempotent)."""
    queued = queue_review_reminders()
    db.session.commit()
    click.echo(f"Queued {queued} reminders.")


@click.command("notify-invitations")
@with_appcontext
def notify_invitations_command() -> None:
    """Queue one reminder, with a new link, for each invitation to review left unanswered for
    INVITATION_REMINDER_DAYS (idempotent)."""
    queued = send_invitation_reminders()
    db.session.commit()
    click.echo(f"Queued {queued} reminders.")


scores_cli = AppGroup("scores", help="The figures behind decisions.")


@scores_cli.command("verify")
def verify_scores() -> None:
    """Recompute every stored decision; exit 1 if any no longer matches."""
    checked, mismatches = verify_decisions()
    report_check([f"decision {m.decision_id} (application {m.application_id}): {m.problem}"
                  for m in mismatches],
                 f"{checked} decisions checked, {len(mismatches)} mismatches")


COMMANDS = (notify_reviewers_command, notify_invitations_command, scores_cli)
