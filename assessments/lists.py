"""The assessments' lists on the server (``certify.core.listing``): the applications staff
manage, a reviewer's queue, the competitions, the invitations to review, the complaints. Each
is scoped to who asks first (a coordinator's branches), then searched, filtered, sorted and cut
to a page; its rows come with what the page shows, so the number of statements does not grow
with the rows."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from assessments.complaints.models import Complaint, ComplaintState
from assessments.models import Appeal, Application, Competition, Conflict, Decision, Review
from assessments.reviewers.models import ReviewerInvitation
from assessments.states import AppealState, ApplicationState, CompetitionState, ReviewState
from certify.certificates.models import Certificate
from certify.core.listing import (
    Filter,
    ListPage,
    ListSpec,
    contains,
    integer,
    member_of,
    one_of,
    paginate,
)
from certify.users.models import User
from rubrics.models import Rubric, RubricVersion, Track

MANAGED_STATES = [s for s in ApplicationState
                  if s not in (ApplicationState.draft, ApplicationState.withdrawn)]


def _competitions_in_track(track: str):
    return sa.select(Competition.id).join(RubricVersion).join(Rubric).where(Rubric.track == track)


APPLICATIONS = ListSpec(
    sorts={"submitted": Application.submitted_at, "candidate": User.full_name,
           "state": Application.state, "updated": Application.updated_at},
    default_sort="-submitted",
    filters={
        "competition": Filter(integer, lambda v: Application.competition_id == v),
        "branch": Filter(integer, lambda v: Application.branch_id == v),
        "state": Filter(one_of(*MANAGED_STATES), lambda v: Application.state == v),
        "track": Filter(one_of(*Track), lambda v: Application.competition_id.in_(
            _competitions_in_track(v))),
        "appeal": Filter(one_of("open"), lambda v: member_of(
            Application.id, sa.select(Appeal.application_id)
            .where(Appeal.state == AppealState.open))),
    },
    tiebreak=Application.id,
)


def managed_applications(staff: User, signed: set[int]) -> ListPage:
    """Submitted applications in a person's scope: every branch for administrators, their own
    branches for coordinators; never their own file, nor one they declared a conflict with
    (ISO/IEC 17024 §4.3). A name or e-mail is searched only in competitions whose declaration
    ``staff`` signed (``signed``): the list names candidates only there."""
    query = (sa.select(Application).join(Application.candidate)
             .where(Application.state.in_(MANAGED_STATES),
                    Application.candidate_id != staff.id,
                    Application.id.not_in(sa.select(Conflict.application_id)
                                          .where(Conflict.reviewer_id == staff.id))))
    if not staff.is_admin:
        query = query.where(Application.branch_id.in_(staff.coordinated_branch_ids))

    def search(text: str):
        found = sa.and_(Application.competition_id.in_(signed or {0}),
                        sa.or_(contains(User.full_name, text), contains(User.email, text)))
        return sa.or_(found, Application.id == int(text)) if text.isdigit() else found

    return paginate(query, APPLICATIONS, search=search, options=(
        contains_eager(Application.candidate), joinedload(Application.competition),
        joinedload(Application.branch), selectinload(Application.decision),
        selectinload(Application.reviews)))


# The queue puts what is still to do first, then the nearest deadline (none last).
_PENDING_FIRST = sa.case((Review.state == ReviewState.submitted, 1), else_=0)
_NO_DEADLINE_LAST = sa.case((Competition.review_deadline.is_(None), 1), else_=0)

REVIEW_QUEUE = ListSpec(
    sorts={"pending": (_PENDING_FIRST, _NO_DEADLINE_LAST, Competition.review_deadline,
                       Review.assigned_at),
           "deadline": (_NO_DEADLINE_LAST, Competition.review_deadline),
           "assigned": Review.assigned_at, "state": Review.state},
    default_sort="pending",
    filters={
        "competition": Filter(integer, lambda v: Application.competition_id == v),
        "state": Filter(one_of(*ReviewState), lambda v: Review.state == v),
    },
    tiebreak=Review.id,
)


def review_queue_of(reviewer: User) -> ListPage:
    """A reviewer's assignments. The search finds an application by its number, or by its
    candidate's name where the review is not blind."""

    def search(text: str):
        named = sa.and_(Competition.blind_review.is_(False), Application.candidate_id.in_(
            sa.select(User.id).where(contains(User.full_name, text))))
        return sa.or_(named, Application.id == int(text)) if text.isdigit() else named

    query = (sa.select(Review).join(Review.application).join(Application.competition)
             .where(Review.reviewer_id == reviewer.id))
    return paginate(query, REVIEW_QUEUE, search=search, options=(
        contains_eager(Review.application).contains_eager(Application.competition),
        contains_eager(Review.application).selectinload(Application.candidate)))


# count(*), not count(id): PostgreSQL then counts from the competition index alone (an
# index-only scan; with the ids it read every application row: 8 → 2.5 ms at 100×).
_APPLICATION_COUNT = (sa.select(sa.func.count())
                      .where(Application.competition_id == Competition.id)
                      .correlate(Competition).scalar_subquery())

COMPETITIONS = ListSpec(
    sorts={"opens": Competition.opens_at, "closes": Competition.closes_at,
           "state": Competition.state, "applications": _APPLICATION_COUNT},
    default_sort="-opens",
    filters={
        "state": Filter(one_of(*CompetitionState), lambda v: Competition.state == v),
        "track": Filter(one_of(*Track), lambda v: Competition.id.in_(
            _competitions_in_track(v))),
    },
    # Titles are JSON per language: searched as their stored text (any language).
    search=lambda text: contains(sa.cast(Competition.title, sa.String), text),
    tiebreak=Competition.id,
)


def competitions_page() -> ListPage:
    """Every competition with its number of applications (rows: (competition, count))."""
    return paginate(sa.select(Competition, _APPLICATION_COUNT.label("applications")),
                    COMPETITIONS, scalars=False,
                    options=(joinedload(Competition.rubric_version)
                             .joinedload(RubricVersion.rubric),))


INVITATIONS = ListSpec(
    sorts={"sent": ReviewerInvitation.created_at, "email": ReviewerInvitation.email},
    default_sort="-sent",
    filters={"competition": Filter(integer,
                                   lambda v: ReviewerInvitation.competition_id == v),
             "branch": Filter(integer, lambda v: ReviewerInvitation.branch_id == v),
             # ?pool=1: invitations to join the pool, not to review for a competition.
             "pool": Filter(one_of("1"), lambda v: ReviewerInvitation.competition_id.is_(None))},
    search=lambda text: contains(ReviewerInvitation.email, text),
    tiebreak=ReviewerInvitation.id,
)


def invitations_page(viewer: User) -> ListPage:
    """Invitations to review: every one for an administrator, their branch's for a
    coordinator."""
    query = sa.select(ReviewerInvitation)
    if not viewer.is_admin:
        query = query.where(ReviewerInvitation.branch_id.in_(viewer.coordinated_branch_ids))
    return paginate(query, INVITATIONS, options=(
        joinedload(ReviewerInvitation.competition), joinedload(ReviewerInvitation.invited_by),
        joinedload(ReviewerInvitation.user), joinedload(ReviewerInvitation.withdrawn_by)))


def _involved_certificates(user: User):
    """The certificates ``user`` is involved in (``complaints.permissions.involvement``), as a
    query: those they hold, and those awarded on an application they reviewed, decided,
    second-checked, heard an appeal on or declared a conflict with -- with their renewals
    (a recursive walk, as ``assessed_application`` follows a renewal back to its award)."""
    applications = sa.union(
        sa.select(Review.application_id).where(Review.reviewer_id == user.id),
        sa.select(Decision.application_id).where(sa.or_(Decision.decided_by_id == user.id,
                                                        Decision.moderated_by_id == user.id)),
        sa.select(Appeal.application_id).where(Appeal.resolved_by_id == user.id),
        sa.select(Conflict.application_id).where(Conflict.reviewer_id == user.id),
    )
    awarded = (sa.select(Certificate.id).where(Certificate.application_id.in_(applications))
               .cte("involved_certificates", recursive=True))
    renewal = aliased(Certificate)
    chain = awarded.union_all(sa.select(renewal.id).where(
        renewal.renewed_from_id == awarded.c.id, renewal.application_id.is_(None)))
    return sa.union(sa.select(chain.c.id),
                    sa.select(Certificate.id).where(Certificate.holder_id == user.id))


COMPLAINTS = ListSpec(
    sorts={"received": Complaint.created_at, "state": Complaint.state},
    default_sort="-received",
    filters={"state": Filter(one_of(*ComplaintState), lambda v: Complaint.state == v),
             "branch": Filter(integer, lambda v: Complaint.branch_id == v)},
    search=lambda text: sa.or_(contains(Complaint.number, text),
                               contains(Complaint.complainant_name, text),
                               contains(Complaint.complainant_email, text)),
    tiebreak=Complaint.id,
)


def complaints_page(user: User) -> ListPage:
    """The complaints ``user`` may handle (``can_manage_complaint``): of their branches (every
    one for an administrator), and not about anything they are involved in."""
    query = sa.select(Complaint).where(
        sa.func.lower(sa.func.trim(Complaint.complainant_email)) != user.email.strip().lower(),
        sa.or_(Complaint.certificate_id.is_(None),
               Complaint.certificate_id.not_in(_involved_certificates(user))))
    if not user.is_admin:
        query = query.where(Complaint.branch_id.in_(user.coordinated_branch_ids))
    return paginate(query, COMPLAINTS, options=(
        joinedload(Complaint.certificate).load_only(Certificate.number),
        joinedload(Complaint.branch), joinedload(Complaint.investigator)))
