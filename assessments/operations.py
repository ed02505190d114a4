"""The workflow: start, save and submit an application; assign, review, decide.

Each function checks the rule it enforces, flushes and never commits: the view commits once.
Errors carry a translated message for the user.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import flag_modified

from assessments import scoring
from assessments.analytics import panel_figures
from assessments.assignment import AssignmentPlan, conflicted_pairs, plan_assignment, why_not
from assessments.models import (
    Appeal,
    Application,
    ApplicationAnswer,
    ApplicationRound,
    ApplicationState,
    Competition,
    CompetitionState,
    Conflict,
    Decision,
    DiscussionPost,
    Interview,
    Outcome,
    Review,
    ReviewRevision,
    ReviewScore,
    ReviewState,
)
from certify.certificates.operations import issue_certificate
from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.users.models import Branch, Role, User
from rubrics.models import RubricVersion, VersionState


class WorkflowError(ValueError):
    """A step that is not allowed now; ``problems`` lists each reason for the user."""

    def __init__(self, *problems: str):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


class ConflictError(WorkflowError):
    """The record changed since the user loaded it (another tab or another person)."""


@dataclass(frozen=True)
class AnswerInput:
    level: int | None
    narrative: str


@dataclass(frozen=True)
class ScoreInput:
    level: int | None
    comment: str


@dataclass(frozen=True)
class CompetitionInput:
    title: dict[str, str]
    eligibility_note: dict[str, str]
    rubric_version: RubricVersion
    state: CompetitionState
    opens_at: datetime
    closes_at: datetime
    review_deadline: datetime | None
    min_reviewers: int
    max_reviews_per_reviewer: int
    blind_review: bool
    branches: list[Branch]


def save_competition(competition: Competition | None, data: CompetitionInput, *,
                     by: User) -> Competition:
    """Create a competition (``competition=None``) or change one.

    The rubric version must be published, and cannot change once anyone has applied: every
    application stays pinned to the version it was written against.
    """
    if data.rubric_version.state != VersionState.published:
        raise WorkflowError(_("Choose a published rubric version."))
    if competition is None:
        competition = Competition()
        db.session.add(competition)
    elif (competition.applications
          and competition.rubric_version_id != data.rubric_version.id):
        raise WorkflowError(
            _("People have already applied: the rubric version can no longer change.")
        )
    competition.title = data.title
    competition.eligibility_note = data.eligibility_note
    competition.rubric_version = data.rubric_version
    competition.state = data.state
    competition.opens_at = data.opens_at
    competition.closes_at = data.closes_at
    competition.review_deadline = data.review_deadline
    competition.min_reviewers = data.min_reviewers
    competition.max_reviews_per_reviewer = data.max_reviews_per_reviewer
    competition.blind_review = data.blind_review
    competition.branches = list(data.branches)
    db.session.flush()
    audit.record("competition.save", competition, actor=by, state=str(data.state))
    return competition


def open_competitions() -> list[Competition]:
    """Competitions open for applications, soonest closing first."""
    return list(db.session.scalars(
        sa.select(Competition)
        .where(Competition.state == CompetitionState.open)
        .order_by(Competition.closes_at)
    ))


def start_application(competition: Competition, candidate: User) -> Application:
    if any(a.candidate_id == candidate.id for a in competition.applications):
        raise WorkflowError(_("You already have an application in this competition."))
    if not competition.accepts_applications():
        raise WorkflowError(_("This competition does not accept applications now."))
    if not competition.is_open_to(candidate.branch) or candidate.branch is None:
        raise WorkflowError(_("This competition is not open to your branch."))
    application = Application(competition=competition, candidate=candidate,
                              branch=candidate.branch)
    db.session.add(application)
    for criterion in competition.rubric_version.criteria:
        application.answers.append(ApplicationAnswer(criterion=criterion, level=None, narrative=""))
    db.session.flush()
    audit.record("application.start", application, actor=candidate)
    return application


def _check_version(record, expected_version: int | None) -> None:
    if expected_version is not None and record.version != expected_version:
        raise ConflictError(
            _("This page was changed elsewhere (another tab or person) after you opened it. "
              "Your changes were not saved: reload the page and apply them again.")
        )


def _check_levels(rows, given: Mapping[int, AnswerInput | ScoreInput]) -> None:
    """Refuse, before anything is written, a posted level outside its criterion's scale."""
    problems = [
        _("%(code)s: choose one of the levels shown.", code=row.criterion.code)
        for row in rows
        if (posted := given.get(row.criterion_id)) is not None
        and posted.level is not None
        and not 0 <= posted.level <= row.criterion.max_level
    ]
    if problems:
        raise WorkflowError(*problems)


def save_answers(
    application: Application,
    answers: Mapping[int, AnswerInput],
    *,
    eligibility_confirmed: bool,
    expected_version: int | None,
) -> None:
    """Store a draft; only criteria of this application's rubric, levels within the scale."""
    if application.state != ApplicationState.draft:
        raise WorkflowError(_("This application is submitted and can no longer be changed."))
    _check_version(application, expected_version)
    _check_levels(application.answers, answers)
    for answer in application.answers:
        if (given := answers.get(answer.criterion_id)) is not None:
            answer.level, answer.narrative = given.level, given.narrative
    application.eligibility_confirmed = eligibility_confirmed
    application.updated_at = utcnow()
    db.session.flush()


def submission_problems(application: Application) -> list[str]:
    problems = []
    if not application.eligibility_confirmed:
        problems.append(_("Confirm that you meet the eligibility requirements."))
    for answer in sorted(application.answers, key=lambda a: a.criterion.position):
        criterion = answer.criterion
        if answer.level is None:
            problems.append(_("%(code)s: choose a level.", code=criterion.code))
        if not answer.narrative.strip():
            problems.append(_("%(code)s: write a narrative.", code=criterion.code))
        if criterion.evidence_required and not application.evidence_for(criterion):
            problems.append(_("%(code)s: attach evidence (a file or a link).",
                              code=criterion.code))
    return problems


def submit_application(application: Application, *, by: User) -> None:
    if application.state != ApplicationState.draft:
        raise WorkflowError(_("This application has already been submitted."))
    in_revision = application.resubmit_by is not None and utcnow() <= application.resubmit_by
    if not application.competition.accepts_applications() and not in_revision:
        raise WorkflowError(_("The competition is closed: applications can no longer be "
                              "submitted."))
    problems = submission_problems(application)
    if problems:
        raise WorkflowError(*problems)
    # A revised application goes straight back to the reviewers it had.
    application.state = (ApplicationState.under_review if application.reviews
                         else ApplicationState.submitted)
    application.submitted_at = utcnow()
    db.session.flush()
    audit.record("application.submit", application, actor=by, round=application.round,
                 before=ApplicationState.draft, after=application.state)


def check_eligibility(application: Application, *, by: User) -> None:
    """The administrator confirms the file is eligible and complete: review may start."""
    if application.state != ApplicationState.submitted:
        raise WorkflowError(_("Only a submitted application waiting for review can be "
                              "checked."))
    application.eligibility_checked_at = utcnow()
    application.eligibility_checked_by_id = by.id
    db.session.flush()
    audit.record("application.eligibility_checked", application, actor=by)


def return_application(application: Application, message: str, *, by: User) -> None:
    """An incomplete or ineligible-looking file goes back to the candidate as a draft with a
    message saying what is missing: returned, not refused (domain_anchors §3.4 rule 2)."""
    if application.state != ApplicationState.submitted or application.reviews:
        raise WorkflowError(_("Only a submitted application not yet under review can be "
                              "returned."))
    if not message.strip():
        raise WorkflowError(_("Say what the candidate must add or correct."))
    application.state = ApplicationState.draft
    application.submitted_at = None
    application.eligibility_checked_at = None
    application.eligibility_checked_by_id = None
    application.returned_at = utcnow()
    application.return_message = message.strip()
    db.session.flush()
    audit.record("application.return", application, actor=by, message=message.strip(),
                 before=ApplicationState.submitted, after=ApplicationState.draft)


def withdraw_application(application: Application, *, by: User) -> None:
    if application.state not in (ApplicationState.draft, ApplicationState.submitted):
        raise WorkflowError(_("An application can be withdrawn only until its review starts."))
    before = application.state
    application.state = ApplicationState.withdrawn
    db.session.flush()
    audit.record("application.withdraw", application, actor=by, before=before,
                 after=ApplicationState.withdrawn)


def assign_reviewer(application: Application, reviewer: User, *, by: User) -> Review:
    if application.state not in (ApplicationState.submitted, ApplicationState.under_review):
        raise WorkflowError(_("Reviewers can be assigned only to submitted applications."))
    if application.eligibility_checked_at is None:
        raise WorkflowError(_("Check the eligibility and completeness of the file first."))
    if not reviewer.has_role(Role.reviewer) or not reviewer.is_enabled:
        raise WorkflowError(_("This person is not an active reviewer."))
    reason = why_not(reviewer, application, conflicted_pairs([application.id]))
    if reason:
        raise WorkflowError(_assignment_refusals()[reason])
    before = application.state
    review = Review(application=application, reviewer=reviewer, assigned_by_id=by.id)
    db.session.add(review)
    for criterion in application.competition.rubric_version.criteria:
        review.scores.append(ReviewScore(criterion=criterion, level=None, comment=""))
    application.state = ApplicationState.under_review
    db.session.flush()
    audit.record("review.assign", review, actor=by, reviewer_id=reviewer.id,
                 application=application.id, before=before, after=application.state)
    _notify_assignment(review)
    return review


def _site() -> str:
    from flask import current_app

    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def _notify_assignment(review: Review) -> None:
    from certify.core import outbox as notifications

    competition = review.application.competition

    def compose():
        deadline = (competition.review_deadline.date().isoformat()
                    if competition.review_deadline else "—")
        return (
            _("New review assigned: %(competition)s", competition=competition.display_title),
            _("You have been assigned an application to review in %(competition)s. "
              "Review deadline: %(deadline)s.\n%(url)s\n",
              competition=competition.display_title, deadline=deadline,
              url=f"{_site()}/reviews/{review.id}"),
        )

    notifications.queue(review.reviewer, "review-assigned", f"review:{review.id}:assigned",
                        compose)


def queue_review_reminders(today=None, days_before: int = 7) -> int:
    """Remind reviewers whose review is still open a week before the deadline (once each)."""
    from datetime import timedelta

    from certify.core import outbox as notifications

    now = utcnow()
    horizon = now + timedelta(days=days_before)
    open_reviews = db.session.scalars(
        sa.select(Review).join(Application, Application.id == Review.application_id)
        .join(Competition, Competition.id == Application.competition_id)
        .where(Review.state == ReviewState.draft,
               Application.state == ApplicationState.under_review,
               Competition.review_deadline.is_not(None),
               Competition.review_deadline >= now,
               Competition.review_deadline <= horizon)
    ).all()
    queued = 0
    for review in open_reviews:
        competition = review.application.competition

        def compose(review=review, competition=competition):
            return (
                _("Reminder: review due on %(date)s",
                  date=competition.review_deadline.date().isoformat()),
                _("Your review in %(competition)s is due on %(date)s.\n%(url)s\n",
                  competition=competition.display_title,
                  date=competition.review_deadline.date().isoformat(),
                  url=f"{_site()}/reviews/{review.id}"),
            )

        if notifications.queue(review.reviewer, "review-reminder",
                               f"review:{review.id}:reminder", compose):
            queued += 1
    return queued


def _assignment_refusals() -> dict[str, str]:
    return {
        "candidate": _("Candidates cannot review their own application."),
        "same_affiliation": _("This reviewer works at the candidate's institution."),
        "declared_conflict": _("This reviewer declared a conflict of interest with this "
                               "application."),
        "assigned": _("This reviewer is already assigned."),
    }


def auto_assign(competition: Competition, *, by: User) -> AssignmentPlan:
    """Assign reviewers to every application short of the minimum (see assessments.assignment);
    the plan's ``short`` lists those that could not be completed."""
    plan = plan_assignment(competition)
    for application, reviewer in plan.pairs:
        assign_reviewer(application, reviewer, by=by)
    audit.record("competition.auto_assign", competition, actor=by, assigned=len(plan.pairs),
                 short=len(plan.short))
    return plan


def declare_conflict(review: Review, reason: str, *, by: User) -> None:
    """The reviewer steps aside: the assignment is freed for someone else and never offered to
    them again. Only before the review is submitted."""
    if review.state != ReviewState.draft:
        raise WorkflowError(_("A submitted review cannot be withdrawn for a conflict."))
    application = review.application
    db.session.add(Conflict(reviewer_id=review.reviewer_id, application_id=application.id,
                            reason=reason.strip()))
    audit.record("review.conflict", review, actor=by, application=application.id,
                 reason=reason.strip())
    remaining = [r for r in application.reviews if r is not review]
    db.session.delete(review)
    db.session.flush()
    db.session.expire(application, ["reviews"])
    if not remaining and application.state == ApplicationState.under_review:
        application.state = ApplicationState.submitted
    db.session.flush()


def reopen_review(review: Review, *, by: User) -> None:
    """A reviewer revises a submitted review (e.g. after the panel's discussion). The submitted
    version is kept as a revision; the decision counts only what is submitted again."""
    application = review.application
    if review.state != ReviewState.submitted or application.state != (
            ApplicationState.under_review):
        raise WorkflowError(_("Only a submitted review of an undecided application can be "
                              "revised."))
    review.revisions.append(ReviewRevision(
        submitted_at=review.submitted_at,
        scores=[{"criterion_id": s.criterion_id, "code": s.criterion.code, "level": s.level,
                 "comment": s.comment}
                for s in sorted(review.scores, key=lambda s: s.criterion.position)],
    ))
    review.state = ReviewState.draft
    review.submitted_at = None
    db.session.flush()
    audit.record("review.reopen", review, actor=by, revision=len(review.revisions))


def post_to_discussion(application: Application, body: str, *, by: User) -> DiscussionPost:
    if application.state != ApplicationState.under_review:
        raise WorkflowError(_("The discussion is open while the application is under review."))
    if not body.strip():
        raise WorkflowError(_("Write something first."))
    post = DiscussionPost(application_id=application.id, author_id=by.id, body=body.strip())
    db.session.add(post)
    db.session.flush()
    audit.record("discussion.post", application, actor=by, post=post.id)
    return post


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
        raise WorkflowError(_("This review has been submitted and can no longer be changed."))
    _check_version(review, expected_version)
    _check_levels(review.scores, scores)
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
            raise WorkflowError(*problems)
        review.state = ReviewState.submitted
        review.submitted_at = utcnow()
    db.session.flush()
    audit.record("review.submit" if submit else "review.save", review, actor=by)


def record_interview(application: Application, *, held_on, panel: str, outcome: str,
                     notes: str, by: User) -> Interview:
    if application.state != ApplicationState.under_review:
        raise WorkflowError(_("An interview is recorded while the application is under "
                              "review."))
    interview = application.interview or Interview()
    application.interview = interview
    interview.held_on, interview.panel = held_on, panel.strip()
    interview.outcome, interview.notes = outcome, notes.strip()
    interview.recorded_by_id, interview.recorded_at = by.id, utcnow()
    db.session.add(interview)
    db.session.flush()
    audit.record("application.interview", application, actor=by, outcome=outcome,
                 held_on=held_on.isoformat())
    return interview


def request_revision(application: Application, feedback: str, *, by: User) -> ApplicationRound:
    """Revise and resubmit: the round is kept as it was, the application goes back to the
    candidate as a draft with the panel's feedback and a deadline, and the same reviewers
    review the revision (domain_anchors §3.4 rule 7, "referred")."""
    from datetime import timedelta

    from flask import current_app

    if application.state != ApplicationState.under_review:
        raise WorkflowError(_("Only an application under review can be sent back for "
                              "revision."))
    needed = application.competition.min_reviewers
    if len(application.submitted_reviews) < needed:
        raise WorkflowError(
            _("A decision needs at least %(count)d submitted reviews.", count=needed))
    if len(feedback.strip()) < 10:
        raise WorkflowError(_("Say what the candidate should revise."))
    figures = panel_figures(application)
    score = None if figures.result is None or pd.isna(figures.result["score"]) else float(
        figures.result["score"])
    snapshot = {
        "answers": [{"code": a.criterion.code, "level": a.level, "narrative": a.narrative}
                    for a in sorted(application.answers, key=lambda a: a.criterion.position)],
        "reviews": [{"reviewer_id": r.reviewer_id,
                     "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None,
                     "scores": [{"code": s.criterion.code, "level": s.level,
                                 "comment": s.comment}
                                for s in sorted(r.scores, key=lambda s: s.criterion.position)]}
                    for r in application.reviews],
    }
    finished = ApplicationRound(number=application.round, feedback=feedback.strip(),
                                score=score, closed_by_id=by.id, snapshot=snapshot)
    application.rounds.append(finished)
    for review in application.reviews:
        review.state = ReviewState.draft
        review.submitted_at = None
    application.state = ApplicationState.draft
    application.submitted_at = None
    application.round += 1
    application.resubmit_by = utcnow() + timedelta(days=current_app.config["REVISION_DAYS"])
    db.session.flush()
    audit.record("application.revise", application, actor=by, round=finished.number,
                 before=ApplicationState.under_review, after=ApplicationState.draft,
                 resubmit_by=application.resubmit_by.isoformat())
    _notify_revision(application, finished)
    return finished


def _notify_revision(application: Application, finished: ApplicationRound) -> None:
    from certify.core import outbox as notifications

    def compose():
        return (
            _("Please revise and resubmit your application"),
            _("The panel asks you to revise your application in %(competition)s and submit it "
              "again by %(date)s.\n\n%(feedback)s\n\n%(url)s\n",
              competition=application.competition.display_title,
              date=application.resubmit_by.date().isoformat(), feedback=finished.feedback,
              url=f"{_site()}/applications/{application.id}"),
        )

    notifications.queue(application.candidate, "revision",
                        f"application:{application.id}:revise:{finished.number}", compose)


def appeal_deadline(application: Application):
    from datetime import timedelta

    from flask import current_app

    decision = application.decision
    return decision.decided_at + timedelta(days=current_app.config["APPEAL_DAYS"])


def can_appeal(application: Application) -> bool:
    decision = application.decision
    return (
        decision is not None and decision.outcome == Outcome.refuse
        and utcnow() <= appeal_deadline(application)
        and not any(a.state == "open" for a in application.appeals)
    )


def lodge_appeal(application: Application, grounds: str, *, by: User) -> Appeal:
    if not can_appeal(application):
        raise WorkflowError(_("This decision can no longer be appealed."))
    appeal = Appeal(grounds=grounds.strip())
    application.appeals.append(appeal)
    db.session.flush()
    audit.record("application.appeal", application, actor=by, appeal=appeal.id)
    _notify_staff_of_appeal(application, appeal)
    return appeal


def _notify_staff_of_appeal(application: Application, appeal: Appeal) -> None:
    """Every administrator, and the coordinators of the application's branch."""
    from certify.core import outbox as notifications
    from certify.users.models import RoleAssignment

    staff = db.session.scalars(
        sa.select(User).join(RoleAssignment).where(
            User.is_enabled,
            (RoleAssignment.role == Role.admin)
            | ((RoleAssignment.role == Role.coordinator)
               & (RoleAssignment.branch_id == application.branch_id)))
    ).unique().all()
    for person in staff:
        notifications.queue(
            person, "appeal", f"appeal:{appeal.id}:staff:{person.id}",
            lambda: (_("Appeal lodged: %(competition)s",
                       competition=application.competition.display_title),
                     _("A candidate has appealed against a refusal.\n%(url)s\n",
                       url=f"{_site()}/manage/applications/{application.id}")))


def resolve_appeal(appeal: Appeal, *, reopen: bool, resolution: str, by: User) -> None:
    """Uphold the refusal, or reopen the decision: the application goes back under review and
    the refused decision is kept in the audit log."""
    if appeal.state != "open":
        raise WorkflowError(_("This appeal has already been resolved."))
    application = db.session.get(Application, appeal.application_id)
    appeal.state = "reopened" if reopen else "upheld"
    appeal.resolution, appeal.resolved_by_id, appeal.resolved_at = resolution, by.id, utcnow()
    if reopen:
        decision = application.decision
        audit.record("application.decision_reopened", application, actor=by,
                     outcome=decision.outcome, reason=decision.reason, score=decision.score,
                     decided_at=decision.decided_at.isoformat())
        db.session.delete(decision)
        db.session.flush()
        db.session.expire(application, ["decision"])
        application.state = ApplicationState.under_review
    db.session.flush()
    audit.record("application.appeal_resolved", application, actor=by, reopen=reopen)
    from certify.core import outbox as notifications

    notifications.queue(
        application.candidate, "appeal-resolved", f"appeal:{appeal.id}:resolved",
        lambda: (_("Your appeal: %(outcome)s", outcome=_("Decision reopened") if reopen
                   else _("Decision upheld")),
                 _("%(resolution)s\n\n%(url)s\n", resolution=resolution,
                   url=f"{_site()}/applications/{application.id}")))


def decide(
    application: Application,
    outcome: Outcome,
    reason: str,
    *,
    by: User,
    at: datetime | None = None,
    second_check: bool | None = None,
) -> Decision:
    """Record the panel's decision; an award issues the certificate (dated ``at`` if given,
    for records carried over from the paper register)."""
    if application.state != ApplicationState.under_review or application.decision is not None:
        raise WorkflowError(_("Only an application under review can be decided."))
    needed = application.competition.min_reviewers
    if len(application.submitted_reviews) < needed:
        raise WorkflowError(
            _("A decision needs at least %(count)d submitted reviews.", count=needed)
        )
    if not reason.strip():
        raise WorkflowError(_("Give the reason for the decision."))
    if application.competition.track == "engineer" and application.interview is None:
        raise WorkflowError(_("Record the candidate's interview before deciding (engineer "
                              "track)."))
    figures = panel_figures(application)
    result = figures.result
    decision = Decision(
        application=application,
        outcome=outcome,
        reason=reason.strip(),
        score=None if result is None or pd.isna(result["score"]) else float(result["score"]),
        recommended=None if result is None else bool(result["recommended"]),
        rubric_content_hash=application.competition.rubric_version.content_hash,
        engine_version=scoring.ENGINE_VERSION,
        ratings_hash=figures.ratings_hash,
        decided_by_id=by.id,
        decided_at=at or utcnow(),
    )
    application.state = ApplicationState.decided
    if second_check is None:  # drawn at random (MODERATION_SAMPLE), unless imported history
        second_check = at is None and _drawn_for_moderation()
    if outcome == Outcome.award and second_check:
        decision.moderation = "pending"
    db.session.add(decision)
    db.session.flush()
    audit.record("application.decide", application, actor=by, outcome=str(outcome),
                 before=ApplicationState.under_review, after=ApplicationState.decided,
                 moderation=decision.moderation)
    if decision.is_final:
        _finalise(application, by=by, at=at)
    return decision


def _drawn_for_moderation() -> bool:
    from flask import current_app

    share = float(current_app.config["MODERATION_SAMPLE"])
    return secrets.randbelow(1_000_000) < share * 1_000_000


def _finalise(application: Application, *, by: User, at: datetime | None = None) -> None:
    if application.decision.outcome == Outcome.award:
        issue_certificate(application, by=by, issued_at=at)
    _notify_decision(application)


def moderate(application: Application, *, confirm: bool, note: str, by: User) -> None:
    """A second administrator confirms a sampled award (the certificate is then issued), or
    sends it back under review with a note; never the one who decided."""
    decision = application.decision
    if decision is None or decision.moderation != "pending":
        raise WorkflowError(_("This decision is not waiting for moderation."))
    if decision.decided_by_id == by.id:
        raise WorkflowError(_("The moderator must be someone other than the decision maker."))
    if not note.strip():
        raise WorkflowError(_("Give the reason for the decision."))
    if confirm:
        decision.moderation = "confirmed"
        decision.moderated_by_id, decision.moderated_at = by.id, utcnow()
        decision.moderation_note = note.strip()
        db.session.flush()
        audit.record("application.moderation_confirmed", application, actor=by)
        _finalise(application, by=by)
        return
    audit.record("application.moderation_returned", application, actor=by, note=note.strip(),
                 outcome=decision.outcome, reason=decision.reason,
                 before=ApplicationState.decided, after=ApplicationState.under_review)
    db.session.delete(decision)
    db.session.flush()
    db.session.expire(application, ["decision"])
    application.state = ApplicationState.under_review
    db.session.flush()


def _notify_decision(application: Application) -> None:
    from certify.core import outbox as notifications

    def compose():
        return (
            _("Decision on your application: %(outcome)s",
              outcome=Outcome(application.decision.outcome).title),
            _("The panel has decided on your application in %(competition)s: %(outcome)s."
              "\n\n%(reason)s\n\nYour result per criterion and the reviewers' comments:"
              "\n%(url)s\n",
              competition=application.competition.display_title,
              outcome=Outcome(application.decision.outcome).title,
              reason=application.decision.reason,
              url=f"{_site()}/applications/{application.id}/result"),
        )

    notifications.queue(application.candidate, "decision", f"application:{application.id}:"
                        "decision", compose)
