"""Calls for applications: created and changed by the centre's administrators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from assessments.models import Competition
from assessments.states import CompetitionState
from certify.core import audit
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.users.branches import require_active_branch
from certify.users.models import Branch, User
from rubrics.models import RubricVersion, VersionState


@dataclass(frozen=True)
class CompetitionInput:
    title: dict[str, str]
    eligibility_note: dict[str, str]
    rubric_version: RubricVersion
    state: CompetitionState
    opens_at: datetime
    closes_at: datetime
    review_deadline: datetime | None
    min_reviewers: int
    max_reviews_per_reviewer: int
    blind_review: bool
    branches: list[Branch]
    requires_calibration: bool = False


def save_competition(competition: Competition | None, data: CompetitionInput, *,
                     by: User) -> Competition:
    """Create a competition (``competition=None``) or change one.

    The rubric version must be published, and cannot change once anyone has applied: every
    application stays pinned to the version it was written against.
    """
    if data.rubric_version.state != VersionState.published:
        raise DomainError(_("Choose a published rubric version."))
    # A branch deactivated since it was chosen may stay; a deactivated one is not added.
    for branch in set(data.branches) - set(competition.branches if competition else ()):
        require_active_branch(branch)
    if competition is None:
        competition = Competition()
        db.session.add(competition)
    elif (competition.applications
          and competition.rubric_version_id != data.rubric_version.id):
        raise DomainError(
            _("People have already applied: the rubric version can no longer change.")
        )
    competition.title = data.title
    competition.eligibility_note = data.eligibility_note
    competition.rubric_version = data.rubric_version
    competition.state = data.state
    competition.opens_at = data.opens_at
    competition.closes_at = data.closes_at
    competition.review_deadline = data.review_deadline
    competition.min_reviewers = data.min_reviewers
    competition.max_reviews_per_reviewer = data.max_reviews_per_reviewer
    competition.blind_review = data.blind_review
    competition.requires_calibration = data.requires_calibration
    competition.branches = list(data.branches)
    db.session.flush()
    audit.record("competition.save", competition, actor=by, state=str(data.state))
    return competition
