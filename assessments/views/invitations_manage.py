"""Staff: withdraw or re-send an invitation to review; invite several addresses at once, with a
preview that writes nothing."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from assessments.blueprint import bp
from assessments.reviewers.bulk import invite_many, lines_from_csv, plan_bulk
from assessments.reviewers.forms import BulkInviteForm
from assessments.reviewers.invitations import resend, withdraw
from assessments.reviewers.models import ReviewerInvitation
from assessments.reviewers.permissions import can_invite
from assessments.views.loaders import get_invitation_or_404
from assessments.views.pool import branches_in_scope, invitable_competitions
from certify.core.errors import DomainError
from certify.core.views import flash_problems, run_action, run_operation


def _back(invitation: ReviewerInvitation) -> str:
    return url_for(".invitations", competition=invitation.competition_id)


@bp.post("/reviewers/invitations/<int:invitation_id>/withdraw")
@login_required
def withdraw_invitation(invitation_id: int):
    invitation = get_invitation_or_404(invitation_id)
    return run_action(lambda: withdraw(invitation, by=current_user),
                      success=_("Invitation to %(email)s withdrawn: its link no longer "
                                "works.", email=invitation.email),
                      redirect_to=_back(invitation))


@bp.post("/reviewers/invitations/<int:invitation_id>/resend")
@login_required
def resend_invitation(invitation_id: int):
    invitation = get_invitation_or_404(invitation_id)
    return run_action(lambda: resend(invitation, by=current_user),
                      success=_("Invitation sent again to %(email)s with a new link; the "
                                "earlier link no longer works.", email=invitation.email),
                      redirect_to=_back(invitation))


@bp.route("/reviewers/invite/bulk", methods=["GET", "POST"])
@login_required
def invite_bulk():
    if not can_invite(current_user):
        abort(403)
    competitions = invitable_competitions()
    form = BulkInviteForm(competitions=competitions)
    if request.method == "GET" and request.args.get("competition", "").isdigit():
        form.competition.data = int(request.args["competition"])

    def page(plan=None, status=200):
        return render_template("assessments/invite_bulk.html", form=form, plan=plan), status

    if request.method == "GET":
        return page()
    if not form.validate_on_submit():
        return page(status=422)
    competition = next((c for c in competitions if c.id == form.competition.data), None)
    try:
        upload = form.file.data
        if upload and upload.filename:
            form.addresses.data = lines_from_csv(upload.read())
        plan = plan_bulk(form.addresses.data or "", competition)
    except DomainError as error:
        flash_problems(error)
        return page(status=422)
    if not form.digest.data or request.form.get("preview"):
        # The preview: nothing written; the list, now one address a line, goes back confirmed.
        form.addresses.data = plan.addresses
        form.digest.data = plan.digest
        return page(plan)
    branch = next(iter(branches_in_scope()), None) if not current_user.is_admin else None

    def again():
        form.addresses.data = plan.addresses
        form.digest.data = plan.digest
        return page(plan, 422)

    return run_operation(
        lambda: invite_many(form.addresses.data or "", form.digest.data,
                            competition=competition, language=form.language.data,
                            by=current_user, branch=branch),
        success=_("%(count)d invitations sent.", count=len(plan.good)),
        redirect_to=url_for(".invitations", competition=competition.id if competition
                            else None),
        on_failure=again)
