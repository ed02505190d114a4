"""Which mail goes out when in the workflow, and what it says (in the reader's language: the
outbox composes each message under the recipient's locale)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from assessments.models import Appeal, Application, ApplicationRound, Competition, Review
from assessments.states import ApplicationState, Outcome, ReviewState
from certify.certificates.models import Certificate
from certify.core import outbox
from certify.core.dates import day, moment
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.core.urls import absolute_url
from certify.users.models import Role, RoleAssignment, User


def notify_assignment(review: Review) -> None:
    competition = review.application.competition

    def compose():
        deadline = (day(competition.review_deadline)
                    if competition.review_deadline else "—")
        return (
            _("New review assigned: %(competition)s", competition=competition.display_title),
            _("You have been assigned an application to review in %(competition)s. "
              "Review deadline: %(deadline)s.\n%(url)s\n",
              competition=competition.display_title, deadline=deadline,
              url=absolute_url("assessments.review", review_id=review.id)),
        )

    outbox.queue(review.reviewer, "review-assigned", f"review:{review.id}:assigned", compose)


def queue_review_reminders(days_before: int = 7) -> int:
    """Remind reviewers whose review is still open a week before the deadline (once each)."""
    now = utcnow()
    horizon = now + timedelta(days=days_before)
    open_reviews = db.session.scalars(
        sa.select(Review).join(Application, Application.id == Review.application_id)
        .join(Competition, Competition.id == Application.competition_id)
        .where(Review.state == ReviewState.draft,
               Application.state == ApplicationState.under_review,
               Competition.review_deadline.is_not(None),
               Competition.review_deadline >= now,
               Competition.review_deadline <= horizon)
    ).all()
    queued = 0
    for review in open_reviews:
        competition = review.application.competition

        def compose(review=review, competition=competition):
            return (
                _("Reminder: review due on %(date)s",
                  date=day(competition.review_deadline)),
                _("Your review in %(competition)s is due on %(date)s.\n%(url)s\n",
                  competition=competition.display_title,
                  date=day(competition.review_deadline),
                  url=absolute_url("assessments.review", review_id=review.id)),
            )

        if outbox.queue(review.reviewer, "review-reminder", f"review:{review.id}:reminder",
                        compose):
            queued += 1
    return queued


def notify_revision(application: Application, finished: ApplicationRound) -> None:
    def compose():
        return (
            _("Please revise and resubmit your application"),
            _("The panel asks you to revise your application in %(competition)s and submit it "
              "again by %(date)s.\n\n%(feedback)s\n\n%(url)s\n",
              competition=application.competition.display_title,
              date=day(application.resubmit_by), feedback=finished.feedback,
              url=absolute_url("assessments.application", application_id=application.id)),
        )

    outbox.queue(application.candidate, "revision",
                 f"application:{application.id}:revise:{finished.number}", compose)


def notify_submission(application: Application) -> None:
    """The candidate's receipt: what was submitted, when, and where to follow it."""
    def compose():
        return (
            _("Application received: %(competition)s",
              competition=application.competition.display_title),
            _("Your application in %(competition)s was submitted on %(date)s and is "
              "now with the certification centre. It can no longer be changed. You will be "
              "told of each next step.\n\n%(url)s\n",
              competition=application.competition.display_title,
              date=moment(application.submitted_at),
              url=absolute_url("assessments.application", application_id=application.id)),
        )

    outbox.queue(application.candidate, "submission-receipt",
                 f"application:{application.id}:submitted:{application.submitted_at:%Y%m%d%H%M%S}",
                 compose)


def notify_decision(application: Application) -> None:
    def compose():
        outcome = Outcome(application.decision.outcome).title
        body = _("The panel has decided on your application in %(competition)s: %(outcome)s."
                 "\n\n%(reason)s\n\nYour result per criterion and the reviewers' comments:"
                 "\n%(url)s\n",
                 competition=application.competition.display_title, outcome=outcome,
                 reason=application.decision.reason,
                 url=absolute_url("assessments.result", application_id=application.id))
        # Read afresh: the certificate was issued in this transaction, after the decision.
        certificate = db.session.scalar(sa.select(Certificate).where(
            Certificate.application_id == application.id))
        if certificate is not None:
            body += "\n" + _("Your certificate number: %(number)s. Anyone can check it here:"
                             "\n%(url)s\n", number=certificate.number,
                             url=absolute_url("certificates.verify",
                                              number=certificate.number))
        return _("Decision on your application: %(outcome)s", outcome=outcome), body

    outbox.queue(application.candidate, "decision", f"application:{application.id}:decision",
                 compose)


def staff_of_branch(branch_id: int | None) -> list[User]:
    """Every enabled administrator, and the coordinators of the branch."""
    return db.session.scalars(
        sa.select(User).join(RoleAssignment).where(
            User.is_enabled,
            (RoleAssignment.role == Role.admin)
            | ((RoleAssignment.role == Role.coordinator)
               & (RoleAssignment.branch_id == branch_id)))
    ).unique().all()


def notify_appeal_lodged(application: Application, appeal: Appeal) -> None:
    """Every administrator, and the coordinators of the application's branch."""
    staff = staff_of_branch(application.branch_id)

    def compose():
        return (
            _("Appeal lodged: %(competition)s",
              competition=application.competition.display_title),
            _("A candidate has appealed against a refusal.\n%(url)s\n",
              url=absolute_url("assessments.manage_application",
                               application_id=application.id)),
        )

    for person in staff:
        outbox.queue(person, "appeal", f"appeal:{appeal.id}:staff:{person.id}", compose)


def notify_appeal_resolved(application: Application, appeal: Appeal, *, reopened: bool) -> None:
    def compose():
        return (
            _("Your appeal: %(outcome)s",
              outcome=_("Decision reopened") if reopened else _("Decision upheld")),
            _("%(resolution)s\n\n%(url)s\n", resolution=appeal.resolution,
              url=absolute_url("assessments.application", application_id=application.id)),
        )

    outbox.queue(application.candidate, "appeal-resolved", f"appeal:{appeal.id}:resolved",
                 compose)


def notify_erasure_requested(erasure_id: int, branch_id: int | None, requester_id: int) -> None:
    """Every administrator, and the coordinators of the person's branch: a request to decide.
    The mail names no one: the request's page does, to those allowed to see it."""

    def compose():
        return (_("A request to erase personal data"),
                _("A person has asked for their personal data to be erased. See the plan and "
                  "decide:\n%(url)s\n",
                  url=absolute_url("assessments.erasure_request", erasure_id=erasure_id)))

    for person in staff_of_branch(branch_id):
        if person.id != requester_id:
            outbox.queue(person, "erasure-request",
                         f"erasure:{erasure_id}:staff:{person.id}", compose)
