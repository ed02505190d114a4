"""The invited reviewer: the mailed link to accept (creating an account if needed) or
decline. Whoever holds the link answers for the invited address only."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from assessments.blueprint import bp
from assessments.reviewers.forms import AcceptForm, DeclineForm, NewReviewerForm
from assessments.reviewers.invitations import (
    InvitationError,
    accept_as,
    accept_with_new_account,
    conflict_choices,
    decline,
    invitation_for_token,
)
from assessments.reviewers.models import ReviewerInvitation
from certify.core.views import attempt
from certify.users.operations import active_branches, user_by_email
from certify.users.views.auth import fresh_session


@bp.errorhandler(InvitationError)
def invitation_problem(error: InvitationError):
    return render_template("assessments/invitation_problem.html", message=str(error)), 400


def _wrong_account(invitation: ReviewerInvitation) -> bool:
    return current_user.is_authenticated and current_user.email != invitation.email


def _wrong_account_page():
    """Refused before anything is read from the form: nothing is written."""
    return render_template("assessments/invitation_problem.html", wrong_account=True,
                           message=_("This invitation was sent to another address. Log out "
                                     "and open the link again, or log in with the invited "
                                     "address.")), 403


def _page(invitation: ReviewerInvitation, form, status: int = 200, **extra):
    return render_template("assessments/invitation.html", invitation=invitation, form=form,
                           decline_form=extra.pop("decline_form", None) or DeclineForm(),
                           **extra), status


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    invitation = invitation_for_token(token)
    if _wrong_account(invitation):
        return _wrong_account_page()
    choices = conflict_choices(invitation)
    has_account = user_by_email(invitation.email) is not None
    if has_account and not current_user.is_authenticated:
        return _page(invitation, None, login_url=url_for("auth.login", next=request.path))
    if current_user.is_authenticated:
        form = AcceptForm(conflict_choices=choices)
        if request.method == "GET":
            form.fill_from(current_user.reviewer_profile)
        if form.validate_on_submit():
            done, _result = attempt(
                lambda: accept_as(invitation, current_user, form.declaration()),
                success=_("Thank you: you are a reviewer now."))
            if done:
                return redirect(url_for(".review_queue"))
    else:
        form = NewReviewerForm(branches=active_branches(), conflict_choices=choices)
        if form.validate_on_submit():
            done, user = attempt(lambda: accept_with_new_account(
                invitation, form.declaration(), password=form.password.data,
                **form.profile()),
                success=_("Thank you: your reviewer account is ready."))
            if done:
                fresh_session()  # as at every login: no fixation
                login_user(user)
                # Reviewers use a second factor: the enrolment comes first where it is required.
                return redirect(url_for(".review_queue"))
    return _page(invitation, form, 422 if request.method == "POST" else 200)


@bp.post("/invitations/<token>/decline")
def decline_invitation(token: str):
    invitation = invitation_for_token(token)
    if _wrong_account(invitation):
        return _wrong_account_page()
    form = DeclineForm()
    if form.validate_on_submit():
        done, _result = attempt(lambda: decline(invitation, form.reason.data, by=current_user),
                                success=_("You have declined the invitation. Thank you for "
                                          "your answer."))
        if done:
            return redirect(url_for("main.index"))
    return _page(invitation, None, 422, decline_form=form, declining=True)
