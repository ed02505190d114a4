"""Commands for the workflow: ``flask --app certify scores verify``, ``notify-reviewers``,
``notify-invitations``, ``referees remind``, ``retention``."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from assessments.notifications import queue_review_reminders
from assessments.recompute import verify_decisions
from assessments.referees.operations import send_referee_reminders
from assessments.retention import apply_retention, due_for_deletion
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
    """Queue a reminder, with a new link, for each invitation to review left unanswered for
    INVITATION_REMINDER_DAYS since its newest link, at most INVITATION_MAX_REMINDERS times
    (idempotent)."""
    queued = send_invitation_reminders()
    db.session.commit()
    click.echo(f"Queued {queued} reminders.")


referees_cli = AppGroup("referees", help="Referees who vouch for applications.")


@referees_cli.command("remind")
def remind_referees() -> None:
    """Queue a reminder, with a new link, to each referee unanswered REFEREE_REMINDER_DAYS
    after their newest link, at most REFEREE_MAX_REMINDERS times (idempotent)."""
    queued = send_referee_reminders()
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


@click.command("retention")
@click.option("--apply", "apply_", is_flag=True,
              help="Delete what is due; without it, only list it (a dry run).")
@with_appcontext
def retention_command(apply_: bool) -> None:
    """The evidence of unsuccessful applications past RETENTION_UNSUCCESSFUL_EVIDENCE_YEARS
    (docs/privacy.md): listed, or deleted with --apply."""
    due = apply_retention() if apply_ else due_for_deletion()
    db.session.commit()
    for item in due:
        click.echo(f"application {item.application_id}: {item.files} files, {item.links} links, "
                   f"{item.size} bytes")
    verb = "Deleted" if apply_ else "Due (dry run, nothing deleted):"
    click.echo(f"{verb} evidence of {len(due)} applications.")


COMMANDS = (notify_reviewers_command, notify_invitations_command, retention_command,
            referees_cli, scores_cli)
