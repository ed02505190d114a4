"""A person as staff see them (issue 20): their applications, reviews, certificates and the
audit of changes to their account; and the open review assignments that keep the reviewer
role from being removed until they are released for someone else (docs/branches-and-people.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from assessments.models import Application, Review
from assessments.operations.guards import require_impartial
from assessments.operations.reviews import free_assignment
from assessments.permissions import can_manage_application
from assessments.states import ApplicationState, ReviewState
from certify.certificates.models import Certificate
from certify.core import audit
from certify.core.audit import AuditEvent
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.users.models import Role, User
from certify.users.roles import register_removal_check

OPEN_STATES = (ApplicationState.submitted, ApplicationState.under_review)


@dataclass(frozen=True)
class PersonRecord:
    applications: list[Application]
    reviews: list[Review]
    open_assignments: list[Review]
    certificates: list[Certificate]
    audit: list[AuditEvent]


def open_assignments(person: User) -> list[Review]:
    """Reviews assigned to ``person``, not submitted, on files still being assessed."""
    return list(db.session.scalars(
        sa.select(Review).join(Application)
        .where(Review.reviewer_id == person.id, Review.state == ReviewState.draft,
               Application.state.in_(OPEN_STATES))
        .order_by(Review.assigned_at)
    ))


def person_record(person: User) -> PersonRecord:
    reviews = list(db.session.scalars(
        sa.select(Review).where(Review.reviewer_id == person.id).order_by(Review.assigned_at)))
    return PersonRecord(
        applications=list(db.session.scalars(
            sa.select(Application).where(Application.candidate_id == person.id)
            .order_by(Application.created_at))),
        reviews=reviews,
        open_assignments=open_assignments(person),
        certificates=list(db.session.scalars(
            sa.select(Certificate).where(Certificate.holder_id == person.id)
            .order_by(Certificate.issued_at))),
        audit=list(db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.object_type == User.__name__, AuditEvent.object_id == person.id)
            .order_by(AuditEvent.id.desc()).limit(200))),
    )


@register_removal_check
def reviewer_has_open_assignments(person: User, role: Role) -> list[str]:
    """The reviewer role stays while the person has reviews to write: removing it would leave
    those files waiting for a review nobody can write. Staff release them first."""
    if role != Role.reviewer:
        return []
    count = len(open_assignments(person))
    if not count:
        return []
    return [_("%(name)s has %(count)d unsubmitted review assignment(s): release them on this "
              "page for reassignment before removing the reviewer role.",
              name=person.full_name, count=count)]


def release_assignment(review: Review, *, by: User) -> None:
    """Staff free a reviewer's unsubmitted assignment so that someone else can be assigned."""
    application = review.application
    require_impartial(application, by)
    if not can_manage_application(by, application):
        raise DomainError(_("You cannot manage this application."))
    if review.state != ReviewState.draft or application.state not in OPEN_STATES:
        raise DomainError(_("Only an unsubmitted review of an open file can be released."))
    audit.record("review.release", review, actor=by, application=application.id,
                 reviewer_id=review.reviewer_id)
    audit.record("user.assignment_released", review.reviewer, actor=by,
                 application=application.id)
    free_assignment(review)
