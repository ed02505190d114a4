"""One loader per resource: the row, or 404; and 403 when ``check(current_user, row)`` fails.

The loaders are also where a competition's files are closed to staff and reviewers who have not
signed its impartiality declaration (``require_declaration``): every page that opens a file
loads it here, so the rule is one check.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, redirect, request, url_for
from flask_login import current_user

from assessments.calibration.permissions import needs_calibration
from assessments.complaints.models import Complaint
from assessments.models import Appeal, Application, Competition, Evidence, Review
from assessments.permissions import (
    analytics_branches,
    can_download_evidence,
    can_manage_application,
    can_open_application_page,
    can_see_competition,
    can_view_reports,
    needs_declaration,
)
from assessments.reviewers.models import ReviewerInvitation
from assessments.reviewers.permissions import can_see_invitation
from assessments.states import ApplicationState
from certify.core.db_types import utcnow
from certify.core.extensions import db

Check = Callable[[object, object], bool]


def require_declaration(competition: Competition, application: Application | None = None) -> None:
    """Until the user signed the competition's declaration: a page is swapped for the signing
    page (coming back here after), and anything posted is refused before it is read."""
    if not needs_declaration(current_user, competition, application):
        return
    if request.method not in ("GET", "HEAD"):
        abort(403)
    here = request.full_path.removesuffix("?")
    abort(redirect(url_for("assessments.declaration", competition_id=competition.id,
                           next=here)))


def _application_of(record) -> Application | None:
    if isinstance(record, Application):
        return record
    if isinstance(record, Review | Evidence):
        return record.application
    return None


def _get_or_404(model, ident: int, check: Check | None, denied: int = 403):
    record = db.get_or_404(model, ident)
    if check is not None and not check(current_user, record):
        abort(denied)
    if (application := _application_of(record)) is not None:
        require_declaration(application.competition, application)
    return record


def get_invitation_or_404(invitation_id: int) -> ReviewerInvitation:
    return _get_or_404(ReviewerInvitation, invitation_id, can_see_invitation)


def get_competition_or_404(competition_id: int, *, check: Check | None = None) -> Competition:
    return _get_or_404(Competition, competition_id, check)


def visible_competition_or_404(competition_id: int) -> Competition:
    """A draft competition does not exist for those who may not see it."""
    return _get_or_404(Competition, competition_id, can_see_competition, denied=404)


def get_application_or_404(application_id: int, *, check: Check | None = None) -> Application:
    return _get_or_404(Application, application_id, check)


def viewable_application_or_404(application_id: int) -> Application:
    """The application's page, or 404 alike for ids that exist and are not the user's to see:
    probing ids tells a (blind) reviewer nothing."""
    return _get_or_404(Application, application_id, can_open_application_page, denied=404)


def managed_application_or_404(application_id: int) -> Application:
    """An application for staff in scope; drafts are the candidate's own until submitted."""
    application = get_application_or_404(application_id, check=can_manage_application)
    if application.state == ApplicationState.draft:
        abort(404)
    return application


def get_review_or_404(review_id: int, *, check: Check | None = None) -> Review:
    review = _get_or_404(Review, review_id, check)
    require_calibration(review)
    return review


def require_calibration(review: Review) -> None:
    """Before the reviewer's first review in a competition that asks for it, they score its
    calibration exemplar (docs/calibration.md): the review page is swapped for the
    calibration (coming back here after), and anything posted is refused before it is read."""
    competition = review.application.competition
    if review.reviewer_id != current_user.id or not needs_calibration(current_user,
                                                                       competition):
        return
    if request.method not in ("GET", "HEAD"):
        abort(403)
    here = request.full_path.removesuffix("?")
    abort(redirect(url_for("assessments.calibration", competition_id=competition.id,
                           next=here)))


def get_evidence_or_404(evidence_id: int, *, check: Check | None = None) -> Evidence:
    return _get_or_404(Evidence, evidence_id, check)


def evidence_file_or_404(evidence_id: int) -> Evidence:
    """A stored file for those who may download it; for anyone else it does not exist."""
    return _get_or_404(Evidence, evidence_id, can_download_evidence, denied=404)


def get_appeal_or_404(appeal_id: int) -> tuple[Appeal, Application]:
    """An appeal with its application, for staff who manage that application."""
    appeal = db.get_or_404(Appeal, appeal_id)
    return appeal, managed_application_or_404(appeal.application_id)


def get_complaint_or_404(complaint_id: int, *, check: Check) -> Complaint:
    return _get_or_404(Complaint, complaint_id, check)


def analytics_scope_or_404(competition_id: int) -> tuple[Competition, set[int] | None]:
    """A competition and the branches whose applications the user may analyse (None: all)."""
    competition = get_competition_or_404(competition_id)
    branches = analytics_branches(current_user, competition)
    if branches is False:
        abort(403)
    require_declaration(competition)
    return competition, branches


def report_scope_or_404() -> tuple[int, set[int] | None]:
    """The report's year (``?year=``, this year by default) and the user's branches."""
    if not can_view_reports(current_user):
        abort(403)
    year = request.args.get("year", type=int) or utcnow().year
    if not 2000 <= year <= 2100:
        abort(404)
    return year, None if current_user.is_admin else current_user.coordinated_branch_ids


