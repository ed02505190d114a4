"""The lists the pages show, each loaded in a fixed number of statements however long."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from assessments.models import (
    Application,
    Competition,
    Conflict,
    Decision,
    ImpartialityDeclaration,
    Review,
)
from assessments.states import ApplicationState, CompetitionState, Moderation, ReviewState
from certify.core.extensions import db
from certify.users.models import User
from rubrics.models import RubricVersion, VersionState


def open_competitions() -> list[Competition]:
    """Competitions open for applications, soonest closing first."""
    return list(db.session.scalars(
        sa.select(Competition)
        .where(Competition.state == CompetitionState.open)
        .order_by(Competition.closes_at)
    ))


def all_competitions() -> list[Competition]:
    """Every competition, the latest to open first."""
    return list(db.session.scalars(sa.select(Competition).order_by(Competition.opens_at.desc())))


def published_versions() -> list[RubricVersion]:
    """The rubric versions a competition may be run on."""
    return list(db.session.scalars(
        sa.select(RubricVersion)
        .where(RubricVersion.state == VersionState.published)
        .order_by(RubricVersion.rubric_id, RubricVersion.number)
    ))


def applications_of(candidate: User) -> list[Application]:
    """A candidate's own applications, newest first."""
    return list(db.session.scalars(
        sa.select(Application)
        .where(Application.candidate_id == candidate.id)
        .order_by(Application.created_at.desc())
    ))


def reviews_of(reviewer: User) -> list[Review]:
    """A reviewer's assignments: those still to do first, each group in the order given."""
    application = selectinload(Review.application)
    pending_first = sa.case((Review.state == ReviewState.draft, 0), else_=1)
    return list(db.session.scalars(
        sa.select(Review).where(Review.reviewer_id == reviewer.id)
        .order_by(pending_first, Review.assigned_at)
        .options(application.joinedload(Application.competition),
                 application.selectinload(Application.candidate))
    ))


def applications_to_manage(staff: User) -> list[Application]:
    """Submitted applications in a person's scope that still need staff: waiting for
    eligibility, reviewers or a decision, or a decision drawn for a second check; oldest
    submitted first. Decided history is left out, so the dashboard costs the same after
    years of records: every branch for administrators, their own for coordinators."""
    open_work = sa.or_(
        Application.state.in_([ApplicationState.submitted, ApplicationState.under_review]),
        sa.exists().where(Decision.application_id == Application.id,
                          Decision.moderation == Moderation.pending))
    query = (
        sa.select(Application)
        .where(Application.state.not_in([ApplicationState.draft, ApplicationState.withdrawn]),
               open_work)
        .order_by(Application.submitted_at, Application.id)
        .options(joinedload(Application.competition), joinedload(Application.branch),
                 selectinload(Application.candidate), selectinload(Application.decision),
                 selectinload(Application.reviews))
    )
    if not staff.is_admin:
        query = query.where(Application.branch_id.in_(staff.coordinated_branch_ids))
    # Never their own file, nor one they declared a conflict with (ISO/IEC 17024 §4.3).
    query = query.where(Application.candidate_id != staff.id, Application.id.not_in(
        sa.select(Conflict.application_id).where(Conflict.reviewer_id == staff.id)))
    return list(db.session.scalars(query))


def candidate_names(scope: list) -> dict[int, str]:
    """The candidates' names of the applications in ``scope`` (``analytics.application_scope``),
    by application id, in one query."""
    return dict(db.session.execute(
        sa.select(Application.id, User.full_name)
        .join(User, User.id == Application.candidate_id)
        .where(*scope)).all())


def people_by_id(user_ids) -> dict[int, User]:
    """The people named in a table of figures, by id."""
    return {user.id: user for user in db.session.scalars(
        sa.select(User).where(User.id.in_(list(user_ids))))}


def declarations_for(competition: Competition) -> list[ImpartialityDeclaration]:
    """Who signed a competition's declaration and when, in the order they signed."""
    return list(db.session.scalars(
        sa.select(ImpartialityDeclaration).options(joinedload(ImpartialityDeclaration.user))
        .where(ImpartialityDeclaration.competition_id == competition.id)
        .order_by(ImpartialityDeclaration.signed_at, ImpartialityDeclaration.id)
    ))


def declarations_of(user: User) -> list[ImpartialityDeclaration]:
    """A staff member's own declarations, newest first."""
    return list(db.session.scalars(
        sa.select(ImpartialityDeclaration)
        .options(joinedload(ImpartialityDeclaration.competition))
        .where(ImpartialityDeclaration.user_id == user.id)
        .order_by(ImpartialityDeclaration.signed_at.desc(), ImpartialityDeclaration.id.desc())
    ))


def signed_competition_ids(user: User) -> set[int]:
    return set(db.session.scalars(sa.select(ImpartialityDeclaration.competition_id)
                                  .where(ImpartialityDeclaration.user_id == user.id)))
