"""The reviewer pool as staff see it: every active reviewer in scope with what they declared
and their current load, filtered and paginated in the database."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from assessments.assignment import open_review_counts
from assessments.calibration.operations import CalibrationSummary, calibration_summaries
from assessments.reviewers.severity import Severity, pool_severity
from certify.core.extensions import db
from certify.users.models import (
    ReviewerLanguage,
    ReviewerProfile,
    ReviewerSpecialism,
    Role,
    RoleAssignment,
    User,
)

PER_PAGE = 25


@dataclass
class PoolPage:
    rows: list[tuple[User, int]]  # (reviewer, open reviews)
    page: int
    pages: int
    total: int
    calibration: dict[int, CalibrationSummary] = field(default_factory=dict)  # by reviewer id
    severity: dict[int, Severity] = field(default_factory=dict)  # by reviewer id


def reviewer_pool(viewer: User, *, specialism: str | None = None, language: str | None = None,
                  branch_id: int | None = None, page: int = 1,
                  per_page: int = PER_PAGE) -> PoolPage:
    """Active reviewers, by name: everyone's for an administrator, their branch's for a
    coordinator."""
    query = (sa.select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
             .where(RoleAssignment.role == Role.reviewer, User.is_enabled))
    if not viewer.is_admin:
        query = query.where(User.branch_id.in_(viewer.coordinated_branch_ids))
    if branch_id is not None:
        query = query.where(User.branch_id == branch_id)
    if specialism:
        query = query.where(sa.exists().where(ReviewerSpecialism.user_id == User.id,
                                              ReviewerSpecialism.specialism == specialism))
    if language:
        query = query.where(sa.exists().where(ReviewerLanguage.user_id == User.id,
                                              ReviewerLanguage.language == language))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    reviewers = db.session.scalars(
        query.options(selectinload(User.reviewer_profile).selectinload(
            ReviewerProfile.specialism_rows), selectinload(User.branch))
        .order_by(User.full_name, User.id).limit(per_page).offset((page - 1) * per_page)).all()
    counts = open_review_counts([r.id for r in reviewers])
    return PoolPage([(r, counts.get(r.id, 0)) for r in reviewers], page, pages, total,
                    calibration_summaries([r.id for r in reviewers]),
                    pool_severity([r.id for r in reviewers]))
