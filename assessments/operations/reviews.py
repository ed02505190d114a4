"""Reviews: assigned by hand or automatically, written, submitted, reopened; a reviewer's
declared conflict of interest; and the panel's discussion."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.orm.attributes import flag_modified

from assessments.assignment import AssignmentPlan, conflicted_pairs, plan_assignment, why_not
from assessments.models import (
    Application,
    Competition,
    Conflict,
    DiscussionPost,
    Review,
    ReviewRevision,
    ReviewScore,
)
from assessments.notifications import notify_assignment
from assessments.operations.guards import (
    check_levels,
    check_version,
    flush_or_stale,
    require_calibrated,
    require_impartial,
)
from assessments.permissions import has_declared_conflict
from assessments.referees.operations import referee_user_ids, review_gate_problems
from assessments.reviewers.severity import review_weighted_score
from assessments.states import ApplicationState, ReviewState
from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.users.models import Role, User


@dataclass(frozen=True)
class ScoreInput:
    level: int | None
    comment: str


def _assignment_refusals() -> dict[str, str]:
    return {
        "candidate": _("Candidates cannot review their own application."),
        "same_affiliation": _("This reviewer works at the candidate's institution."),
        "declared_conflict": _("This reviewer declared a conflict of interest with this "
                               "application."),
        "assigned": _("This reviewer is already assigned."),
    }


def assign_reviewer(application: Application, reviewer: User, *, by: User) -> Review:
    require_impartial(application, by)
    if application.state not in (ApplicationState.submitted, ApplicationState.under_review):
        raise DomainError(_("Reviewers can be assigned only to submitted applications."))
    if application.eligibility_checked_at is None:
        raise DomainError(_("Check the eligibility and completeness of the file first."))
    if not reviewer.has_role(Role.reviewer) or not reviewer.is_enabled:
        raise DomainError(_("This person is not an active reviewer."))
    if reviewer.id in referee_user_ids(application):
        raise DomainError(_("This reviewer is a referee of the candidate: a conflict of "
                            "interest."))
    if not application.reviews and (waiting := review_gate_problems(application)):
        raise DomainError(_("The file cannot go to review before its referees have "
                            "answered."), *waiting)
    reason = why_not(reviewer, application, conflicted_pairs([application.id]))
    if reason:
        raise DomainError(_assignment_refusals()[reason])
    before = application.state
    review = Review(application=application, reviewer=reviewer, assigned_by_id=by.id)
    db.session.add(review)
    for criterion in application.competition.rubric_version.criteria:
        review.scores.append(ReviewScore(criterion=criterion, level=None, comment=""))
    application.state = ApplicationState.under_review
    db.session.flush()
    audit.record("review.assign", review, actor=by, reviewer_id=reviewer.id,
                 application=application.id, before=before, after=application.state)
    notify_assignment(review)
    return review


def auto_assign(competition: Competition, *, by: User) -> AssignmentPlan:
    """Assign reviewers to every application short of the minimum (see assessments.assignment);
    the plan's ``short`` lists those that could not be completed."""
    plan = plan_assignment(competition)
    for application, reviewer in plan.pairs:
        if application.candidate_id != by.id and not has_declared_conflict(by, application):
            assign_reviewer(application, reviewer, by=by)  # another administrator does theirs
    audit.record("competition.auto_assign", competition, actor=by, assigned=len(plan.pairs),
                 short=len(plan.short))
    return plan


def declare_conflict(review: Review, reason: str, *, by: User) -> None:
    """The reviewer steps aside: the assignment is freed for someone else and never offered to
    them again. Only before the review is submitted."""
    if review.state != ReviewState.draft:
        raise DomainError(_("A submitted review cannot be withdrawn for a conflict."))
    application = review.application
    db.session.add(Conflict(reviewer_id=review.reviewer_id, application_id=application.id,
                            reason=reason.strip()))
    audit.record("review.conflict", review, actor=by, application=application.id,
                 reason=reason.strip())
    free_assignment(review)


def free_assignment(review: Review) -> None:
    """Delete an unsubmitted assignment so that another reviewer can take it; an application
    left with no reviewer goes back to waiting for one."""
    application = review.application
    remaining = [r for r in application.reviews if r is not review]
    db.session.delete(review)
    db.session.flush()
    db.session.expire(application, ["reviews"])
    if not remaining and application.state == ApplicationState.under_review:
        application.state = ApplicationState.submitted
    db.session.flush()


def declare_staff_conflict(application: Application, reason: str, *, by: User) -> None:
    """Any staff member steps aside from a file (ISO/IEC 17024 §4.3): from then on it is
    hidden from them and they cannot act on it; a draft review of theirs is freed as well."""
    require_impartial(application, by)
    if not reason.strip():
        raise DomainError(_("Say why you cannot act on this application impartially."))
    own = application.review_by(by)
    if own is not None:
        declare_conflict(own, reason, by=by)
        return
    db.session.add(Conflict(reviewer_id=by.id, application_id=application.id,
                            reason=reason.strip()))
    db.session.flush()
    audit.record("application.conflict", application, actor=by, reason=reason.strip())


def comment_required(level: int | None, max_level: int) -> bool:
    """A justification is owed for low scores and for the top score (domain_anchors §3.1)."""
    return level is not None and (level <= 1 or level == max_level)


def save_review(
    review: Review,
    scores: Mapping[int, ScoreInput],
    *,
    submit: bool,
    expected_version: int | None,
    by: User,
) -> None:
    if review.state != ReviewState.draft:
        raise DomainError(_("This review has been submitted and can no longer be changed."))
    require_calibrated(review, by)
    check_version(review, expected_version)
    check_levels(review.scores, scores)
    for score in review.scores:
        if (given := scores.get(score.criterion_id)) is not None:
            score.level, score.comment = given.level, given.comment
    # The scores are child rows: touch the review itself, so that its version moves on and a
    # concurrent save from a stale copy fails instead of overwriting (version_id_col).
    flag_modified(review, "state")
    problems = []
    if submit:
        for score in sorted(review.scores, key=lambda s: s.criterion.position):
            code = score.criterion.code
            if score.level is None:
                problems.append(_("%(code)s: choose a level.", code=code))
            elif comment_required(score.level, score.criterion.max_level) and not (
                score.comment.strip()
            ):
                problems.append(
                    _("%(code)s: a comment is required for this level.", code=code)
                )
        if problems:
            raise DomainError(*problems)
        mark_submitted(review)
    flush_or_stale(_("This review was changed elsewhere. Reload and try again."))
    audit.record("review.submit" if submit else "review.save", review, actor=by)


def mark_submitted(review: Review) -> None:
    """Submitted now, with its weighted score from its levels (what the pool's severity reads)."""
    review.state = ReviewState.submitted
    review.submitted_at = utcnow()
    review.weighted_score = review_weighted_score(
        (s.criterion.weight, s.level, s.criterion.max_level) for s in review.scores)


def mark_draft(review: Review) -> None:
    """Back to a draft (reopened, or its application returned): no longer counted."""
    review.state = ReviewState.draft
    review.submitted_at = None
    review.weighted_score = None


def reopen_review(review: Review, *, by: User) -> None:
    """A reviewer revises a submitted review (e.g. after the panel's discussion). The submitted
    version is kept as a revision; the decision counts only what is submitted again."""
    application = review.application
    if review.state != ReviewState.submitted or application.state != (
            ApplicationState.under_review):
        raise DomainError(_("Only a submitted review of an undecided application can be "
                            "revised."))
    review.revisions.append(ReviewRevision(
        submitted_at=review.submitted_at,
        scores=[{"criterion_id": s.criterion_id, "code": s.criterion.code, "level": s.level,
                 "comment": s.comment}
                for s in sorted(review.scores, key=lambda s: s.criterion.position)],
    ))
    mark_draft(review)
    db.session.flush()
    audit.record("review.reopen", review, actor=by, revision=len(review.revisions))


def post_to_discussion(application: Application, body: str, *, by: User) -> DiscussionPost:
    if application.state != ApplicationState.under_review:
        raise DomainError(_("The discussion is open while the application is under review."))
    if not body.strip():
        raise DomainError(_("Write something first."))
    post = DiscussionPost(application_id=application.id, author_id=by.id, body=body.strip())
    db.session.add(post)
    db.session.flush()
    audit.record("discussion.post", application, actor=by, post=post.id)
    return post
