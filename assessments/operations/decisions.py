"""The panel's decision and what may follow it: revise and resubmit instead of it, a second
check of sampled awards, and appeals (the interview before it: ``interviews``)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import pandas as pd
from flask import current_app
from flask_babel import gettext as _

from assessments import scoring
from assessments.analytics import panel_band, panel_figures
from assessments.models import Appeal, Application, ApplicationRound, Decision
from assessments.notifications import (
    notify_appeal_lodged,
    notify_appeal_resolved,
    notify_decision,
    notify_revision,
)
from assessments.operations.guards import require_impartial, require_not_reviewer
from assessments.operations.interviews import interview_record, require_interview
from assessments.operations.reviews import mark_draft
from assessments.states import (
    AppealState,
    ApplicationState,
    InterviewOutcome,
    Moderation,
    Outcome,
)
from certify.certificates.operations import issue_certificate
from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.users.models import User


def _require_enough_reviews(application: Application) -> None:
    needed = application.competition.min_reviewers
    if len(application.submitted_reviews) < needed:
        raise DomainError(
            _("A decision needs at least %(count)d submitted reviews.", count=needed))


def _panel_score(result: pd.Series | None) -> float | None:
    return None if result is None or pd.isna(result["score"]) else float(result["score"])


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
    for records carried over from the paper register).

    An award against the engine's recommendation is an override (ISO/IEC 17024 §9.4): it
    needs the written reason and waits, with no certificate, until a second administrator
    confirms it (``moderate``)."""
    require_impartial(application, by)
    require_not_reviewer(application, by)
    if application.state != ApplicationState.under_review or application.decision is not None:
        raise DomainError(_("Only an application under review can be decided."))
    _require_enough_reviews(application)
    if not reason.strip():
        raise DomainError(_("Give the reason for the decision."))
    require_interview(application)
    figures = panel_figures(application)
    result = figures.result
    decision = Decision(
        application=application,
        outcome=outcome,
        reason=reason.strip(),
        score=_panel_score(result),
        recommended=None if result is None else bool(result["recommended"]),
        rubric_content_hash=application.competition.rubric_version.content_hash,
        engine_version=scoring.ENGINE_VERSION,
        ratings_hash=figures.ratings_hash,
        decided_by_id=by.id,
        decided_at=at or utcnow(),
        moderation=Moderation.none,
        override=outcome == Outcome.award and (
            (result is not None and not bool(result["recommended"]))
            or _interview_failed(application)),
        band=panel_band(application, figures) if outcome == Outcome.award else None,
        interview=interview_record(application),
    )
    application.state = ApplicationState.decided
    if second_check is None:  # drawn at random (MODERATION_SAMPLE), unless imported history
        second_check = at is None and _drawn_for_moderation()
    if outcome == Outcome.award and (second_check or decision.override):
        decision.moderation = Moderation.pending
    db.session.add(decision)
    db.session.flush()
    audit.record("application.decide", application, actor=by, outcome=str(outcome),
                 before=ApplicationState.under_review, after=ApplicationState.decided,
                 moderation=decision.moderation, override=decision.override, band=decision.band,
                 **({"interview": decision.interview} if decision.interview else {}),
                 **({"reason": decision.reason} if decision.override else {}))
    if decision.is_final:
        _finalise(application, by=by, at=at)
    return decision


def _interview_failed(application: Application) -> bool:
    """An award after an unsatisfactory interview goes against the panel's own evidence:
    like an award against the engine's recommendation, a second administrator confirms it."""
    interview = application.interview
    return interview is not None and interview.outcome == InterviewOutcome.unsatisfactory


def _drawn_for_moderation() -> bool:
    share = float(current_app.config["MODERATION_SAMPLE"])
    return secrets.randbelow(1_000_000) < share * 1_000_000


def _finalise(application: Application, *, by: User, at: datetime | None = None) -> None:
    if application.decision.outcome == Outcome.award:
        issue_certificate(application, by=by, issued_at=at, band=application.decision.band)
    notify_decision(application)


def moderate(application: Application, *, confirm: bool, note: str, by: User) -> None:
    """A second administrator confirms a sampled award (the certificate is then issued), or
    sends it back under review with a note; never the one who decided."""
    require_impartial(application, by)
    require_not_reviewer(application, by)
    decision = application.decision
    if decision is None or decision.moderation != Moderation.pending:
        raise DomainError(_("This decision is not waiting for moderation."))
    if decision.decided_by_id == by.id:
        raise DomainError(_("The moderator must be someone other than the decision maker."))
    if not note.strip():
        raise DomainError(_("Give the reason for the decision."))
    if confirm:
        decision.moderation = Moderation.confirmed
        decision.moderated_by_id, decision.moderated_at = by.id, utcnow()
        decision.moderation_note = note.strip()
        db.session.flush()
        audit.record("application.moderation_confirmed", application, actor=by,
                     override=decision.override, note=decision.moderation_note)
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


def request_revision(application: Application, feedback: str, *, by: User) -> ApplicationRound:
    """Revise and resubmit: the round is kept as it was, the application goes back to the
    candidate as a draft with the panel's feedback and a deadline, and the same reviewers
    review the revision (domain_anchors §3.4 rule 7, "referred")."""
    require_impartial(application, by)
    require_not_reviewer(application, by)
    if application.state != ApplicationState.under_review:
        raise DomainError(_("Only an application under review can be sent back for "
                            "revision."))
    _require_enough_reviews(application)
    if len(feedback.strip()) < 10:
        raise DomainError(_("Say what the candidate should revise."))
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
                                score=_panel_score(panel_figures(application).result),
                                closed_by_id=by.id, snapshot=snapshot)
    application.rounds.append(finished)
    for review in application.reviews:
        mark_draft(review)
    application.state = ApplicationState.draft
    application.submitted_at = None
    application.round += 1
    application.resubmit_by = utcnow() + timedelta(days=current_app.config["REVISION_DAYS"])
    db.session.flush()
    audit.record("application.revise", application, actor=by, round=finished.number,
                 before=ApplicationState.under_review, after=ApplicationState.draft,
                 resubmit_by=application.resubmit_by.isoformat())
    notify_revision(application, finished)
    return finished


def appeal_deadline(application: Application) -> datetime:
    return application.decision.decided_at + timedelta(days=current_app.config["APPEAL_DAYS"])


def can_appeal(application: Application) -> bool:
    decision = application.decision
    return (
        decision is not None and decision.outcome == Outcome.refuse
        and utcnow() <= appeal_deadline(application)
        and not any(a.state == AppealState.open for a in application.appeals)
    )


def lodge_appeal(application: Application, grounds: str, *, by: User) -> Appeal:
    if not can_appeal(application):
        raise DomainError(_("This decision can no longer be appealed."))
    appeal = Appeal(grounds=grounds.strip())
    application.appeals.append(appeal)
    db.session.flush()
    audit.record("application.appeal", application, actor=by, appeal=appeal.id)
    notify_appeal_lodged(application, appeal)
    return appeal


def resolve_appeal(appeal: Appeal, *, reopen: bool, resolution: str, by: User) -> None:
    """Uphold the refusal, or reopen the decision: the application goes back under review and
    the refused decision is kept in the audit log."""
    if appeal.state != AppealState.open:
        raise DomainError(_("This appeal has already been resolved."))
    application = db.session.get(Application, appeal.application_id)
    require_impartial(application, by)
    require_not_reviewer(application, by)
    if application.decision is not None and application.decision.decided_by_id == by.id:
        raise DomainError(_("An appeal is heard by someone other than the decision maker."))
    appeal.state = AppealState.reopened if reopen else AppealState.upheld
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
    notify_appeal_resolved(application, appeal, reopened=reopen)
