"""A candidate's application: started, saved as a draft, submitted, withdrawn; and the
administrator's check of the file before review (confirmed, or returned to the candidate)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from assessments.models import Application, ApplicationAnswer, Competition
from assessments.notifications import notify_submission
from assessments.operations.guards import (
    check_levels,
    check_version,
    flush_or_stale,
    require_impartial,
)
from assessments.referees.operations import ask_referees, naming_problems
from assessments.states import ApplicationState
from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.users.branches import require_active_branch
from certify.users.models import User
from certify.users.specialisms import SPECIALISM_CODES


@dataclass(frozen=True)
class AnswerInput:
    level: int | None
    narrative: str


def start_application(competition: Competition, candidate: User) -> Application:
    existing = competition.application_of(candidate)
    if existing is not None and existing.state != ApplicationState.withdrawn:
        raise DomainError(_("You already have an application in this competition."))
    if not competition.accepts_applications():
        raise DomainError(_("This competition does not accept applications now."))
    if not competition.is_open_to(candidate.branch) or candidate.branch is None:
        raise DomainError(_("This competition is not open to your branch."))
    require_active_branch(candidate.branch)
    if existing is not None:
        return _reopen_withdrawn(existing, candidate)
    application = Application(competition=competition, candidate=candidate,
                              branch=candidate.branch, specialism=default_specialism(candidate))
    db.session.add(application)
    for criterion in competition.rubric_version.criteria:
        application.answers.append(ApplicationAnswer(criterion=criterion, level=None, narrative=""))
    db.session.flush()
    audit.record("application.start", application, actor=candidate)
    return application


def _reopen_withdrawn(application: Application, candidate: User) -> Application:
    """Applying again after a withdrawal, while the call is open: the same file (one per
    candidate and competition) becomes a draft again, with what it held."""
    application.state = ApplicationState.draft
    application.submitted_at = None
    application.eligibility_checked_at = None
    application.eligibility_checked_by_id = None
    application.updated_at = utcnow()
    db.session.flush()
    audit.record("application.reopen", application, actor=candidate,
                 before=ApplicationState.withdrawn, after=ApplicationState.draft)
    return application


def save_answers(
    application: Application,
    answers: Mapping[int, AnswerInput],
    *,
    eligibility_confirmed: bool,
    expected_version: int | None,
) -> None:
    """Store a draft; only criteria of this application's rubric, levels within the scale."""
    if application.state != ApplicationState.draft:
        raise DomainError(_("This application is submitted and can no longer be changed."))
    check_version(application, expected_version)
    check_levels(application.answers, answers)
    for answer in application.answers:
        if (given := answers.get(answer.criterion_id)) is not None:
            answer.level, answer.narrative = given.level, given.narrative
    application.eligibility_confirmed = eligibility_confirmed
    application.updated_at = utcnow()
    flush_or_stale(_("This application was changed elsewhere. Reload and try again."))


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
    return problems + naming_problems(application)


def submit_application(application: Application, *, by: User) -> None:
    if application.state != ApplicationState.draft:
        raise DomainError(_("This application has already been submitted."))
    in_revision = application.resubmit_by is not None and utcnow() <= application.resubmit_by
    if not application.competition.accepts_applications() and not in_revision:
        raise DomainError(_("The competition is closed: applications can no longer be "
                            "submitted."))
    problems = submission_problems(application)
    if problems:
        raise DomainError(*problems)
    # A revised application goes straight back to the reviewers it had.
    application.state = (ApplicationState.under_review if application.reviews
                         else ApplicationState.submitted)
    application.submitted_at = utcnow()
    flush_or_stale(_("This application was changed elsewhere. Reload and try again."))
    notify_submission(application)
    ask_referees(application)
    audit.record("application.submit", application, actor=by, round=application.round,
                 before=ApplicationState.draft, after=application.state)


def check_eligibility(application: Application, *, by: User) -> None:
    """The administrator confirms the file is eligible and complete: review may start."""
    require_impartial(application, by)
    if application.state != ApplicationState.submitted:
        raise DomainError(_("Only a submitted application waiting for review can be "
                            "checked."))
    application.eligibility_checked_at = utcnow()
    application.eligibility_checked_by_id = by.id
    db.session.flush()
    audit.record("application.eligibility_checked", application, actor=by)


def return_application(application: Application, message: str, *, by: User) -> None:
    """An incomplete or ineligible-looking file goes back to the candidate as a draft with a
    message saying what is missing: returned, not refused (domain_anchors §3.4 rule 2)."""
    require_impartial(application, by)
    if application.state != ApplicationState.submitted or application.reviews:
        raise DomainError(_("Only a submitted application not yet under review can be "
                            "returned."))
    if not message.strip():
        raise DomainError(_("Say what the candidate must add or correct."))
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
        raise DomainError(_("An application can be withdrawn only until its review starts."))
    before = application.state
    application.state = ApplicationState.withdrawn
    db.session.flush()
    audit.record("application.withdraw", application, actor=by, before=before,
                 after=ApplicationState.withdrawn)


def default_specialism(candidate: User) -> str | None:
    """The specialism a new application starts with: the one the candidate declared on their
    latest application, else the first of their reviewer profile's, else none."""
    earlier = db.session.scalar(
        sa.select(Application.specialism).where(Application.candidate_id == candidate.id,
                                                Application.specialism.is_not(None))
        .order_by(Application.id.desc()).limit(1))
    if earlier:
        return earlier
    profile = candidate.reviewer_profile
    return profile.specialisms[0] if profile is not None and profile.specialisms else None


def declare_specialism(application: Application, specialism: str | None, *, by: User) -> None:
    """The candidate declares their specialism on their draft (from the one list)."""
    if application.state != ApplicationState.draft:
        raise DomainError(_("This application is submitted and can no longer be changed."))
    if specialism and specialism not in SPECIALISM_CODES:
        raise DomainError(_("Choose specialisms and languages from the lists."))
    if (specialism or None) == application.specialism:
        return
    before, application.specialism = application.specialism, specialism or None
    db.session.flush()
    audit.record("application.specialism", application, actor=by, before=before,
                 after=application.specialism)


def set_specialism(application: Application, specialism: str | None, *, by: User) -> None:
    """Staff name the file's specialism, which automatic assignment matches reviewers to."""
    require_impartial(application, by)
    if specialism and specialism not in SPECIALISM_CODES:
        raise DomainError(_("Choose specialisms and languages from the lists."))
    before, application.specialism = application.specialism, specialism or None
    db.session.flush()
    audit.record("application.specialism", application, actor=by, before=before,
                 after=application.specialism)
