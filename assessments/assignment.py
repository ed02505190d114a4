"""Who may review what, and automatic assignment that balances load.

Never assigned: the candidate themselves, a reviewer of the candidate's own institution (same
affiliation, compared case- and space-insensitively; HotCRP's "institutional" conflict), a
reviewer who declared a conflict with the application, or one already on it. Assignment is
greedy on the most constrained application first, each time taking the eligible reviewer with
the lightest load in the competition, never above its per-reviewer maximum (HotCRP's
``max_load``, review_anchors §1).

What reviewers declare (``certify.users.models.ReviewerProfile``, issue 20) narrows automatic
assignment further: a reviewer who named the languages they review in is given only
applications written in one of them (the candidate's language), and never more open reviews
across all competitions than the most they accept. Each file with a specialism first gets one
reviewer of it (domain_anchors §3.4 rule 3), the files with the fewest specialists to choose
from first, so no specialist is spent elsewhere before; the other places go by load, and the
plan names the files that got none. Without profiles, assignment is exactly as before. Staff
assigning by hand see every impartial reviewer and decide themselves.
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from assessments.models import Application, Competition, Conflict, Review
from assessments.referees.models import Referee
from assessments.referees.operations import review_gate_problems
from assessments.states import ApplicationState, ReviewState
from certify.core.extensions import db
from certify.users.models import (
    ReviewerLanguage,
    ReviewerProfile,
    ReviewerSpecialism,
    Role,
    RoleAssignment,
    User,
)


def institution(affiliation: str | None) -> str:
    return " ".join((affiliation or "").casefold().split())


def active_reviewers() -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(RoleAssignment)
        .where(RoleAssignment.role == Role.reviewer, User.is_enabled)
        .options(selectinload(User.reviewer_profile).selectinload(
            ReviewerProfile.language_rows))
        .order_by(User.id)
    ))


def application_language(application: Application) -> str:
    """The language a file is written in: its candidate's."""
    return application.candidate.preferred_language


def reads_language(reviewer: User, language: str) -> bool:
    profile = reviewer.reviewer_profile
    return profile is None or not profile.review_languages or language in profile.review_languages


def is_specialist(reviewer: User, specialism: str | None) -> bool:
    profile = reviewer.reviewer_profile
    return specialism is not None and profile is not None and specialism in profile.specialisms


def room_left(reviewer: User, open_reviews: Counter) -> float:
    """How many more open reviews the reviewer accepts (their declared maximum)."""
    profile = reviewer.reviewer_profile
    if profile is None or profile.max_open_reviews is None:
        return float("inf")
    return profile.max_open_reviews - open_reviews[reviewer.id]


def open_review_counts(reviewer_ids=None) -> Counter:
    """Draft reviews per reviewer, across every competition."""
    query = (sa.select(Review.reviewer_id, sa.func.count(Review.id))
             .where(Review.state == ReviewState.draft).group_by(Review.reviewer_id))
    if reviewer_ids is not None:
        query = query.where(Review.reviewer_id.in_(list(reviewer_ids)))
    return Counter(dict(db.session.execute(query).all()))


def conflicted_pairs(application_ids: list[int]) -> set[tuple[int, int]]:
    """Declared conflicts, and the candidate's referees who have an account."""
    if not application_ids:
        return set()
    return {(reviewer, application) for reviewer, application in db.session.execute(
        sa.select(Conflict.reviewer_id, Conflict.application_id)
        .where(Conflict.application_id.in_(application_ids))
        .union(sa.select(User.id, Referee.application_id)
               .join(Referee, Referee.email == sa.func.lower(User.email))
               .where(Referee.application_id.in_(application_ids)))
    )}


def why_not(reviewer: User, application: Application, conflicts: set[tuple[int, int]]) -> str:
    """The reason a reviewer may not review an application, or "" when they may."""
    candidate = application.candidate
    if reviewer.id == candidate.id:
        return "candidate"
    if institution(reviewer.affiliation) and institution(reviewer.affiliation) == institution(
            candidate.affiliation):
        return "same_affiliation"
    if (reviewer.id, application.id) in conflicts:
        return "declared_conflict"
    if application.review_by(reviewer) is not None:
        return "assigned"
    return ""


def competition_load(competition: Competition) -> Counter:
    """Reviews per reviewer in this competition (assigned, whatever their state)."""
    rows = db.session.execute(
        sa.select(Review.reviewer_id, sa.func.count(Review.id))
        .join(Application, Application.id == Review.application_id)
        .where(Application.competition_id == competition.id)
        .group_by(Review.reviewer_id)
    )
    return Counter({reviewer: count for reviewer, count in rows})


@dataclass
class AssignmentPlan:
    pairs: list[tuple[Application, User]] = field(default_factory=list)
    short: dict[int, int] = field(default_factory=dict)  # application id -> reviewers missing
    # Applications with a specialism that no reviewer of it could take.
    no_specialist: list[int] = field(default_factory=list)
    # Submitted applications left out because their eligibility is not yet confirmed.
    unchecked: list[int] = field(default_factory=list)
    # Left out because their referees have not all answered (docs/referees.md).
    awaiting_referees: list[int] = field(default_factory=list)


def plan_assignment(competition: Competition,
                    applications: list[Application] | None = None) -> AssignmentPlan:
    """Reviewers for every application still short of the competition's minimum."""
    unchecked = []
    if applications is None:
        waiting = [a for a in competition.applications if a.state in (
            ApplicationState.submitted, ApplicationState.under_review)]
        applications = [a for a in waiting if a.eligibility_checked_at is not None]
        unchecked = [a.id for a in waiting if a.eligibility_checked_at is None]
    awaiting = [a.id for a in applications if not a.reviews and review_gate_problems(a)]
    applications = [a for a in applications if a.id not in awaiting]
    reviewers = active_reviewers()
    load = competition_load(competition)
    open_reviews = open_review_counts()
    limit = competition.max_reviews_per_reviewer
    conflicts = conflicted_pairs([a.id for a in applications])
    needs = {a.id: competition.min_reviewers - len(a.reviews) for a in applications}
    eligible = {
        a.id: [r for r in reviewers if not why_not(r, a, conflicts)
               and reads_language(r, application_language(a))] for a in applications
    }
    by_id = {a.id: a for a in applications}
    plan = AssignmentPlan(unchecked=unchecked, awaiting_referees=awaiting)

    def has_room(reviewer: User) -> bool:
        return load[reviewer.id] < limit and room_left(reviewer, open_reviews) > 0

    def take(application: Application, reviewer: User) -> None:
        load[reviewer.id] += 1
        open_reviews[reviewer.id] += 1
        needs[application.id] -= 1
        plan.pairs.append((application, reviewer))

    # First, a specialist for each file that needs one (domain_anchors §3.4 rule 3), the file
    # with the fewest specialists to choose from first: a specialist is not spent on a file
    # that could do without before the files of their specialism have one.
    specialist_on = {a.id for a in applications if a.specialism and any(
        is_specialist(r.reviewer, a.specialism) for r in a.reviews)}
    wanting = [a for a in applications
               if a.specialism and needs[a.id] > 0 and a.id not in specialist_on]
    specialists = {a.id: [r for r in eligible[a.id] if is_specialist(r, a.specialism)]
                   for a in wanting}
    for application in sorted(wanting, key=lambda a: (len(specialists[a.id]), a.id)):
        options = [r for r in specialists[application.id] if has_room(r)]
        if options:
            take(application, min(options, key=lambda r: (load[r.id], r.id)))
            specialist_on.add(application.id)
    # Then every remaining place by load, the most constrained file first: fewest eligible
    # reviewers per missing review.
    queue = [(len(eligible[a.id]) / max(needs[a.id], 1), a.id) for a in applications
             if needs[a.id] > 0]
    heapq.heapify(queue)
    while queue:
        _, application_id = heapq.heappop(queue)
        application = by_id[application_id]
        chosen = {r.id for a, r in plan.pairs if a.id == application_id}
        while needs[application_id] > 0:
            options = [r for r in eligible[application_id] if r.id not in chosen and has_room(r)]
            if not options:
                plan.short[application_id] = needs[application_id]
                break
            reviewer = min(options, key=lambda r: (load[r.id], r.id))
            chosen.add(reviewer.id)
            take(application, reviewer)
    # By number, whatever order the database gave the applications in (PostgreSQL's differs).
    plan.no_specialist = sorted(a.id for a in applications
                                if a.specialism and a.id not in specialist_on)
    return plan


def eligible_reviewers(application: Application, *, specialism: str | None = None,
                       language: str | None = None,
                       with_room: bool = False) -> list[tuple[User, int]]:
    """Active reviewers who may take this application, each with their load in its
    competition, the lightest loaded first (then by name). The hand-assignment page's filters
    narrow them in the database: a declared specialism, a review language, and room left
    (fewer open reviews than the most they accept)."""
    query = (sa.select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
             .where(RoleAssignment.role == Role.reviewer, User.is_enabled)
             .options(selectinload(User.reviewer_profile).selectinload(
                 ReviewerProfile.language_rows)))
    if specialism:
        query = query.where(sa.exists().where(ReviewerSpecialism.user_id == User.id,
                                              ReviewerSpecialism.specialism == specialism))
    if language:
        query = query.where(sa.exists().where(ReviewerLanguage.user_id == User.id,
                                              ReviewerLanguage.language == language))
    if with_room:
        open_reviews = (sa.select(Review.reviewer_id, sa.func.count(Review.id).label("n"))
                        .where(Review.state == ReviewState.draft)
                        .group_by(Review.reviewer_id).subquery())
        query = (query.outerjoin(ReviewerProfile, ReviewerProfile.user_id == User.id)
                 .outerjoin(open_reviews, open_reviews.c.reviewer_id == User.id)
                 .where(sa.or_(ReviewerProfile.max_open_reviews.is_(None),
                               sa.func.coalesce(open_reviews.c.n, 0)
                               < ReviewerProfile.max_open_reviews)))
    load = competition_load(application.competition)
    conflicts = conflicted_pairs([application.id])
    reviewers = db.session.scalars(query.order_by(User.id)).all()
    return [(reviewer, load[reviewer.id])
            for reviewer in sorted(reviewers, key=lambda r: (load[r.id], r.full_name))
            if not why_not(reviewer, application, conflicts)]
