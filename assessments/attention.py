"""What needs a person now: the top of each role's dashboard (issue 16).

Each list is loaded in a fixed number of statements however long it is, and is ordered by what
is most pressing: the nearest deadline first, then the oldest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from assessments.models import Application, Competition, Review
from assessments.queries import applications_to_manage, reviews_of
from assessments.states import ApplicationState, CompetitionState, Moderation, ReviewState
from certify.certificates.lookups import pending_renewals
from certify.core.extensions import db
from certify.users.models import User

LATER = datetime.max  # no deadline sorts last


@dataclass
class Attention:
    """The work waiting for one person, by kind; ``empty`` when nothing is."""

    reviews: list[Review] = field(default_factory=list)          # assigned, not yet submitted
    returned: list[Application] = field(default_factory=list)    # sent back to the candidate
    drafts: list[Application] = field(default_factory=list)      # unsent, competition still open
    to_check: list[Application] = field(default_factory=list)    # eligibility not yet confirmed
    to_assign: list[Application] = field(default_factory=list)   # fewer reviewers than needed
    to_decide: list[Application] = field(default_factory=list)   # reviews in, no decision
    second_checks: list[Application] = field(default_factory=list)  # decisions drawn for moderation
    renewals: int = 0                                             # renewal requests waiting

    @property
    def empty(self) -> bool:
        return not (self.reviews or self.returned or self.drafts or self.to_check
                    or self.to_assign or self.to_decide or self.second_checks or self.renewals)


def _deadline(review: Review) -> datetime:
    return review.application.competition.review_deadline or LATER


def attention_for(user: User) -> Attention:
    found = Attention()
    if user.has_role("reviewer"):
        found.reviews = sorted((r for r in reviews_of(user) if r.state == ReviewState.draft),
                               key=lambda r: (_deadline(r), r.assigned_at))
    if user.has_role("candidate"):
        drafts = db.session.scalars(
            sa.select(Application).join(Competition)
            .where(Application.candidate_id == user.id,
                   Application.state == ApplicationState.draft,
                   Competition.state == CompetitionState.open)
            .order_by(Competition.closes_at).options(joinedload(Application.competition))
        ).all()
        found.returned = [a for a in drafts if a.returned_at is not None]
        found.drafts = [a for a in drafts if a.returned_at is None]
    if user.has_role("admin", "coordinator"):
        _staff(user, found)
    return found


def _staff(user: User, found: Attention) -> None:
    for application in applications_to_manage(user):  # open work only, oldest submitted first
        needed = application.competition.min_reviewers
        submitted = sum(r.state == ReviewState.submitted for r in application.reviews)
        decision = application.decision
        if application.state == ApplicationState.submitted \
                and application.eligibility_checked_at is None:
            found.to_check.append(application)
        elif application.state in (ApplicationState.submitted, ApplicationState.under_review) \
                and len(application.reviews) < needed:
            found.to_assign.append(application)
        elif application.state == ApplicationState.under_review and decision is None \
                and submitted >= needed:
            found.to_decide.append(application)
        if decision is not None and decision.moderation == Moderation.pending \
                and decision.decided_by_id != user.id:
            found.second_checks.append(application)
    found.renewals = pending_renewals(user)
