"""The lists the pages show, each loaded in a fixed number of statements however long."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload

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


def pending_reviews_of(reviewer: User, *, first: int) -> tuple[list[Review], int]:
    """A reviewer's reviews still to do: the ``first`` most pressing (nearest review deadline,
    none last; then the oldest assignment) and how many there are, in two statements however
    many the reviewer has had."""
    pending = [Review.reviewer_id == reviewer.id, Review.state == ReviewState.draft]
    total = db.session.scalar(sa.select(sa.func.count(Review.id)).where(*pending)) or 0
    application = joinedload(Review.application)
    reviews = db.session.scalars(
        sa.select(Review).join(Application, Application.id == Review.application_id)
        .join(Competition, Competition.id == Application.competition_id)
        .where(*pending)
        .order_by(Competition.review_deadline.is_(None), Competition.review_deadline,
                  Review.assigned_at, Review.id)
        .limit(first)
        .options(application.joinedload(Application.competition),
                 application.joinedload(Application.candidate))
    ).all()
    return list(reviews), total


def _open_work_in_scope(staff: User) -> list:
    """Submitted files in a person's scope that still need staff, never their own nor one they
    declared a conflict with (ISO/IEC 17024 §4.3): every branch for administrators, their own
    for coordinators. Decided history is left out, so the dashboard costs the same after years
    of records."""
    scope = [
        Application.state.not_in([ApplicationState.draft, ApplicationState.withdrawn]),
        Application.candidate_id != staff.id,
        Application.id.not_in(
            sa.select(Conflict.application_id).where(Conflict.reviewer_id == staff.id)),
    ]
    if not staff.is_admin:
        scope.append(Application.branch_id.in_(staff.coordinated_branch_ids))
    return scope


def _reviews(*where) -> sa.ScalarSelect:
    return (sa.select(sa.func.count(Review.id))
            .where(Review.application_id == Application.id, *where).scalar_subquery())


def _open_work_cards(staff: User) -> dict[str, sa.ColumnElement[bool]]:
    """Each kind of waiting work as a condition; a file is in at most one of the first three
    (checked in this order) and may also wait for a second check."""
    waiting = Application.state.in_([ApplicationState.submitted, ApplicationState.under_review])
    to_check = sa.and_(Application.state == ApplicationState.submitted,
                       Application.eligibility_checked_at.is_(None))
    decided = sa.exists().where(Decision.application_id == Application.id)
    return {
        "to_check": to_check,
        "to_assign": sa.and_(waiting, sa.not_(to_check),
                             _reviews() < Competition.min_reviewers),
        "to_decide": sa.and_(Application.state == ApplicationState.under_review, ~decided,
                             _reviews(Review.state == ReviewState.submitted)
                             >= Competition.min_reviewers),
        "second_checks": sa.exists().where(Decision.application_id == Application.id,
                                           Decision.moderation == Moderation.pending,
                                           Decision.decided_by_id != staff.id),
    }


def open_work_of(staff: User, first: int) -> dict[str, tuple[list[Application], int]]:
    """The staff's waiting work by kind (``to_check``, ``to_assign``, ``to_decide``,
    ``second_checks``): each kind's ``first`` files, oldest submitted first, and how many
    there are in all. One statement per kind, loading at most ``first`` rows however many
    files wait."""
    scope = _open_work_in_scope(staff)
    total = sa.func.count().over()  # counted before the LIMIT applies
    cards = {}
    for card, condition in _open_work_cards(staff).items():
        rows = db.session.execute(
            sa.select(Application, total).join(Application.competition)
            .where(*scope, condition)
            .order_by(Application.submitted_at, Application.id).limit(first)
            .options(contains_eager(Application.competition))).all()
        cards[card] = ([application for application, _ in rows], rows[0][1] if rows else 0)
    return cards


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
