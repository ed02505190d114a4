"""The reviewer pool as staff see it: every active reviewer in scope with what they declared
and their current load, searched, filtered, sorted and paginated in the database
(``certify.core.listing``)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from assessments.assignment import open_review_counts
from assessments.calibration.operations import CalibrationSummary, calibration_summaries
from assessments.reviewers.severity import Severity, pool_severity
from certify.core.i18n import LANGUAGE_NAMES
from certify.core.listing import Filter, ListPage, ListSpec, contains, integer, one_of, paginate
from certify.users.models import (
    ReviewerLanguage,
    ReviewerProfile,
    ReviewerSpecialism,
    Role,
    RoleAssignment,
    User,
)
from certify.users.specialisms import Specialism

POOL = ListSpec(
    sorts={"name": User.full_name, "affiliation": User.affiliation},
    default_sort="name",
    filters={
        "specialism": Filter(one_of(*Specialism), lambda v: sa.exists().where(
            ReviewerSpecialism.user_id == User.id, ReviewerSpecialism.specialism == v)),
        "language": Filter(one_of(*LANGUAGE_NAMES), lambda v: sa.exists().where(
            ReviewerLanguage.user_id == User.id, ReviewerLanguage.language == v)),
        "branch": Filter(integer, lambda v: User.branch_id == v),
    },
    search=lambda text: sa.or_(contains(User.full_name, text), contains(User.email, text),
                               contains(User.affiliation, text)),
    tiebreak=User.id,
)


@dataclass
class PoolPage:
    reviewers: ListPage  # of User
    open_reviews: dict[int, int]  # by reviewer id
    calibration: dict[int, CalibrationSummary]  # by reviewer id
    severity: dict[int, Severity]  # by reviewer id


def reviewer_pool(viewer: User) -> PoolPage:
    """Active reviewers, by name: everyone's for an administrator, their branch's for a
    coordinator; with each one's open reviews (by reviewer id)."""
    query = (sa.select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
             .where(RoleAssignment.role == Role.reviewer, User.is_enabled))
    if not viewer.is_admin:
        query = query.where(User.branch_id.in_(viewer.coordinated_branch_ids))
    page = paginate(query, POOL, options=(
        selectinload(User.reviewer_profile).options(
            selectinload(ReviewerProfile.specialism_rows),
            selectinload(ReviewerProfile.language_rows)),
        selectinload(User.branch)))
    ids = [r.id for r in page.items]
    return PoolPage(page, open_review_counts(ids), calibration_summaries(ids), pool_severity(ids))
