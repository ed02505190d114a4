"""Who may review what, and automatic assignment that balances load.

Never assigned: the candidate themselves, a reviewer of the candidate's own institution (same
affiliation, compared case- and space-insensitively; HotCRP's "institutional" conflict), a
reviewer who declared a conflict with the application, or one already on it. Assignment is
greedy on the most constrained application first, each time taking the eligible reviewer with
the lightest load in the competition, never above its per-reviewer maximum (HotCRP's
``max_load``, review_anchors §1).
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from assessments.models import Application, Competition, Conflict, Review
from assessments.states import ApplicationState
from certify.core.extensions import db
from certify.users.models import Role, RoleAssignment, User


def institution(affiliation: str | None) -> str:
    return " ".join((affiliation or "").casefold().split())


def active_reviewers() -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(RoleAssignment)
        .where(RoleAssignment.role == Role.reviewer, User.is_enabled)
        .order_by(User.id)
    ))


def conflicted_pairs(application_ids: list[int]) -> set[tuple[int, int]]:
    if not application_ids:
        return set()
    return {(reviewer, application) for reviewer, application in db.session.execute(
        sa.select(Conflict.reviewer_id, Conflict.application_id)
        .where(Conflict.application_id.in_(application_ids))
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


def plan_assignment(competition: Competition,
                    applications: list[Application] | None = None) -> AssignmentPlan:
    """Reviewers for every application still short of the competition's minimum."""
    if applications is None:
        applications = [a for a in competition.applications if a.state in (
            ApplicationState.submitted, ApplicationState.under_review)
            and a.eligibility_checked_at is not None]
    reviewers = active_reviewers()
    load = competition_load(competition)
    limit = competition.max_reviews_per_reviewer
    conflicts = conflicted_pairs([a.id for a in applications])
    needs = {a.id: competition.min_reviewers - len(a.reviews) for a in applications}
    eligible = {
        a.id: [r for r in reviewers if not why_not(r, a, conflicts)] for a in applications
    }
    by_id = {a.id: a for a in applications}
    plan = AssignmentPlan()
    # Most constrained first: fewest eligible reviewers per missing review.
    queue = [(len(eligible[a.id]) / max(needs[a.id], 1), a.id) for a in applications
             if needs[a.id] > 0]
    heapq.heapify(queue)
    while queue:
        _, application_id = heapq.heappop(queue)
        application = by_id[application_id]
        chosen = set()
        while needs[application_id] > 0:
            options = [r for r in eligible[application_id]
                       if r.id not in chosen and load[r.id] < limit]
            if not options:
                plan.short[application_id] = needs[application_id]
                break
            reviewer = min(options, key=lambda r: (load[r.id], r.id))
            chosen.add(reviewer.id)
            load[reviewer.id] += 1
            needs[application_id] -= 1
            plan.pairs.append((application, reviewer))
    return plan


def eligible_reviewers(application: Application) -> list[tuple[User, int]]:
    """Active reviewers who may take this application, each with their load in its
    competition, the lightest loaded first (then by name)."""
    load = competition_load(application.competition)
    conflicts = conflicted_pairs([application.id])
    return [(reviewer, load[reviewer.id])
            for reviewer in sorted(active_reviewers(), key=lambda r: (load[r.id], r.full_name))
            if not why_not(reviewer, application, conflicts)]
