"""Who calibrates, who sees calibrations, who sets the exemplar: plain predicates."""

from __future__ import annotations

import sqlalchemy as sa

from assessments.calibration.models import Calibration
from assessments.models import Application, Competition, Review
from assessments.permissions import analytics_branches, can_manage_competitions, is_reviewer
from certify.core.extensions import db


def is_calibrated(user, competition: Competition) -> bool:
    return user.is_authenticated and db.session.scalar(
        sa.select(sa.func.count(Calibration.id)).where(
            Calibration.competition_id == competition.id, Calibration.reviewer_id == user.id)
    ) > 0


def needs_calibration(user, competition: Competition) -> bool:
    """The competition asks reviewers to calibrate first, and this one has not."""
    return competition.requires_calibration and not is_calibrated(user, competition)


def reviews_in(user, competition: Competition) -> bool:
    return user.is_authenticated and db.session.scalar(
        sa.select(sa.func.count(Review.id)).join(Review.application).where(
            Review.reviewer_id == user.id, Application.competition_id == competition.id)
    ) > 0


def can_calibrate(user, competition: Competition) -> bool:
    """A reviewer with an assignment in the competition; no other reviewer, no candidate."""
    return is_reviewer(user) and reviews_in(user, competition)


def can_view_calibrations(user, competition: Competition) -> bool:
    """Administrators; coordinators of a branch the competition is open to (who see their
    branch's reviewers only)."""
    return analytics_branches(user, competition) is not False


def can_manage_calibration(user) -> bool:
    """The exemplar and its reference levels: the centre's administrators, who run
    competitions."""
    return can_manage_competitions(user)
