"""Reviewers' credentials (issue 19, docs/credentials.md): per competition, the administrator
sees each reviewer's figures and issues the credentials once the competition closed, one or
all eligible at once; a credential is revoked with a reason."""

from __future__ import annotations

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from assessments.blueprint import bp
from assessments.permissions import can_manage_competitions
from assessments.reviewers.credentials import (
    issue_all_eligible,
    issue_reviewer_credential,
    reviewers_of,
)
from assessments.reviewers.forms import (
    IssueReviewerCredentialsForm,
    RevokeReviewerCredentialForm,
)
from assessments.states import CompetitionState
from assessments.views.loaders import get_competition_or_404
from certify.certificates.models import ReviewerCredential
from certify.certificates.reviewer_credentials import revoke_reviewer_credential
from certify.core.extensions import db
from certify.core.views import run_posted_form
from certify.users.models import User


def _manages(user, _competition=None) -> bool:
    return can_manage_competitions(user)


@bp.get("/manage/competitions/<int:competition_id>/reviewer-credentials")
@login_required
def reviewer_credentials(competition_id: int):
    competition = get_competition_or_404(competition_id, check=_manages)
    return render_template("assessments/reviewer_credentials.html", competition=competition,
                           rows=reviewers_of(competition),
                           closed=competition.state == CompetitionState.closed,
                           issue_form=IssueReviewerCredentialsForm(),
                           revoke_form=RevokeReviewerCredentialForm())


@bp.post("/manage/competitions/<int:competition_id>/reviewer-credentials")
@login_required
def issue_reviewer_credentials(competition_id: int):
    competition = get_competition_or_404(competition_id, check=_manages)
    form = IssueReviewerCredentialsForm()
    back = url_for(".reviewer_credentials", competition_id=competition.id)

    def issue():
        if form.reviewer_id.data is None:
            return issue_all_eligible(competition, by=current_user)
        reviewer = db.session.get(User, form.reviewer_id.data)
        if reviewer is None:
            abort(404)
        return [issue_reviewer_credential(competition, reviewer, by=current_user)]

    return run_posted_form(form, issue, back=back,
                           success=_("The reviewer credentials have been issued."))


@bp.post("/manage/reviewer-credentials/<int:credential_id>/revoke")
@login_required
def revoke_reviewer_credential_view(credential_id: int):
    if not can_manage_competitions(current_user):
        abort(403)
    record = db.get_or_404(ReviewerCredential, credential_id)
    form = RevokeReviewerCredentialForm()
    back = url_for(".reviewer_credentials", competition_id=record.competition_id)
    return run_posted_form(
        form, lambda: revoke_reviewer_credential(record, reason=form.reason.data,
                                                 by=current_user),
        back=back, success=_("The reviewer credential has been revoked."))
