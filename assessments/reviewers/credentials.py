"""Reviewers' credentials for a closed competition (issue 19, docs/credentials.md): each
reviewer's figures counted from the reviews and calibrations, and the credential issued by an
administrator -- once per reviewer and competition, only after the competition closed and only
to someone who submitted a review in it. Signing and revocation are the certificates
package's (``certify.certificates.reviewer_credentials``)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from assessments.calibration.models import Calibration
from assessments.models import Application, Competition, Review
from assessments.states import CompetitionState, ReviewState
from certify.certificates.models import ReviewerCredential
from certify.certificates.reviewer_credentials import new_public_id, sign_reviewer_credential
from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.users.models import User


@dataclass(frozen=True)
class ReviewerFigures:
    """One reviewer's work in a competition, as a credential would state it."""

    reviewer: User
    assigned: int
    submitted: int  # the files reviewed: submitted reviews
    on_time: int  # submitted by the review deadline (all of them without a deadline)
    calibrated: bool
    credential: ReviewerCredential | None

    @property
    def timeliness_percent(self) -> int | None:
        return round(100 * self.on_time / self.submitted) if self.submitted else None

    @property
    def eligible(self) -> bool:
        """Can be issued a credential now (the competition being closed)."""
        return self.submitted > 0 and self.credential is None


def figures_of(competition: Competition, reviewer: User) -> ReviewerFigures:
    reviews = list(db.session.scalars(sa.select(Review).join(Application).where(
        Application.competition_id == competition.id, Review.reviewer_id == reviewer.id)))
    submitted = [r for r in reviews if r.state == ReviewState.submitted]
    deadline = competition.review_deadline
    on_time = [r for r in submitted if deadline is None or r.submitted_at <= deadline]
    calibrated = db.session.scalar(sa.select(Calibration.id).where(
        Calibration.competition_id == competition.id,
        Calibration.reviewer_id == reviewer.id)) is not None
    credential = db.session.scalar(sa.select(ReviewerCredential).where(
        ReviewerCredential.competition_id == competition.id,
        ReviewerCredential.reviewer_id == reviewer.id))
    return ReviewerFigures(reviewer=reviewer, assigned=len(reviews), submitted=len(submitted),
                           on_time=len(on_time), calibrated=calibrated, credential=credential)


def reviewers_of(competition: Competition) -> list[ReviewerFigures]:
    """Everyone given a file of the competition, with their figures, by name."""
    reviewers = db.session.scalars(
        sa.select(User).where(User.id.in_(
            sa.select(Review.reviewer_id).join(Application)
            .where(Application.competition_id == competition.id)))
        .order_by(User.full_name, User.id))
    return [figures_of(competition, reviewer) for reviewer in reviewers]


def issue_reviewer_credential(competition: Competition, reviewer: User, *,
                              by: User) -> ReviewerCredential:
    """The reviewer's signed credential for the competition. Refused, with nothing written:
    before the competition closed, for someone who submitted no review in it (never assigned
    included), and a second time for the same reviewer and competition."""
    if competition.state != CompetitionState.closed:
        raise DomainError(_("Reviewer credentials are issued only once the competition is "
                            "closed."))
    figures = figures_of(competition, reviewer)
    already_held = DomainError(_("%(name)s already holds a reviewer credential for this "
                                 "competition.", name=reviewer.full_name))
    if figures.credential is not None:
        raise already_held
    if figures.submitted == 0:
        raise DomainError(_("%(name)s submitted no review in this competition: there is "
                            "nothing to credit.", name=reviewer.full_name))
    record = ReviewerCredential(
        public_id=new_public_id(), competition_id=competition.id, reviewer=reviewer,
        competition_title=dict(competition.title), reviewer_name=reviewer.full_name,
        files_reviewed=figures.submitted, reviews_on_time=figures.on_time,
        calibration_completed=figures.calibrated, issued_at=utcnow(), issued_by_id=by.id,
        subject_salt="")
    try:
        with db.session.begin_nested():  # an issuance in parallel for the same two wins
            db.session.add(record)
            db.session.flush()
    except IntegrityError as error:
        raise already_held from error
    sign_reviewer_credential(record)
    audit.record("reviewer_credential.issue", record, actor=by, reviewer=reviewer.id,
                 competition=competition.id, files_reviewed=record.files_reviewed,
                 reviews_on_time=record.reviews_on_time,
                 calibration_completed=record.calibration_completed)
    return record


def issue_all_eligible(competition: Competition, *, by: User) -> list[ReviewerCredential]:
    """A credential for every reviewer who has earned one and holds none yet; refused like
    ``issue_reviewer_credential`` before the competition closed or when no one is left."""
    if competition.state != CompetitionState.closed:
        raise DomainError(_("Reviewer credentials are issued only once the competition is "
                            "closed."))
    eligible = [f.reviewer for f in reviewers_of(competition) if f.eligible]
    if not eligible:
        raise DomainError(_("No reviewer is waiting for a credential in this competition."))
    return [issue_reviewer_credential(competition, reviewer, by=by) for reviewer in eligible]
