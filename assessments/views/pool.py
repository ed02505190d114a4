"""Staff: the reviewer pool, invitations to review and their status, a file's specialism."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from assessments.blueprint import bp
from assessments.lists import invitations_page
from assessments.models import Competition
from assessments.operations import set_specialism
from assessments.reviewers.forms import InviteForm, SpecialismForm
from assessments.reviewers.invitations import invite
from assessments.reviewers.permissions import can_invite, can_invite_for, can_view_pool
from assessments.reviewers.pool import reviewer_pool
from assessments.states import CompetitionState
from assessments.views.list_filters import competition_control
from assessments.views.loaders import managed_application_or_404
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.core.forms import ActionForm
from certify.core.i18n import LANGUAGE_NAMES
from certify.core.listing import FilterControl
from certify.core.views import run_operation, run_posted_form
from certify.users.models import Branch
from certify.users.operations import active_branches
from certify.users.specialisms import Specialism, specialism_title


def _staff_only(check) -> None:
    if not check(current_user):
        abort(403)


def branches_in_scope() -> list[Branch]:
    branches = active_branches()
    if current_user.is_admin:
        return branches
    return [b for b in branches if b.id in current_user.coordinated_branch_ids]


@bp.get("/reviewers/")
@login_required
def reviewer_pool_view():
    _staff_only(can_view_pool)
    pool = reviewer_pool(current_user)
    controls = [
        FilterControl("specialism", _("Specialism"), [(s.value, s.title) for s in Specialism]),
        FilterControl("language", _("Review language"), list(LANGUAGE_NAMES.items())),
        FilterControl("branch", _("Branch"), [(b.id, b.code) for b in branches_in_scope()]),
    ]
    return render_template("assessments/reviewer_pool.html", reviewers=pool.reviewers,
                           open_reviews=pool.open_reviews, calibration=pool.calibration,
                           severity=pool.severity, controls=controls,
                           specialism_title=specialism_title)


def invitable_competitions() -> list[Competition]:
    competitions = db.session.scalars(sa.select(Competition).where(
        Competition.state != CompetitionState.closed).order_by(Competition.id.desc())
        .options(selectinload(Competition.branches))).all()
    return [c for c in competitions if can_invite_for(current_user, c)]


@bp.route("/reviewers/invite", methods=["GET", "POST"])
@login_required
def invite_reviewer():
    _staff_only(can_invite)
    competitions = invitable_competitions()
    form = InviteForm(competitions=competitions)
    if request.method == "GET" and request.args.get("competition", "").isdigit():
        form.competition.data = int(request.args["competition"])

    def again():
        return render_template("assessments/invite_reviewer.html", form=form), 422

    if not form.validate_on_submit():
        return again() if request.method == "POST" else render_template(
            "assessments/invite_reviewer.html", form=form)
    competition = next((c for c in competitions if c.id == form.competition.data), None)
    branch = next(iter(branches_in_scope()), None) if not current_user.is_admin else None
    return run_operation(
        lambda: invite(form.email.data, competition=competition,
                       language=form.language.data, by=current_user, branch=branch),
        success=_("Invitation sent to %(email)s.", email=form.email.data),
        redirect_to=url_for(".invitations", competition=competition.id if competition
                            else None),
        on_failure=again)


@bp.get("/reviewers/invitations")
@login_required
def invitations():
    _staff_only(can_invite)
    invitations = invitations_page(current_user)
    competition_id = invitations.filters.get("competition")
    competition = db.session.get(Competition, int(competition_id)) if competition_id else None
    return render_template(
        "assessments/invitations.html", competition=competition, now=utcnow(),
        action_form=ActionForm(), invitations=invitations, controls=[
            competition_control(),
            FilterControl("pool", _("Invited to"), [("1", _("The pool only"))]),
            FilterControl("branch", _("Branch"), [(b.id, b.code) for b in branches_in_scope()])])


@bp.post("/manage/applications/<int:application_id>/specialism")
@login_required
def set_specialism_view(application_id: int):
    application = managed_application_or_404(application_id)
    form = SpecialismForm()
    back = url_for(".manage_application", application_id=application.id)
    return run_posted_form(
        form, lambda: set_specialism(application, form.specialism.data, by=current_user),
        back=back, success=_("The file's specialism is saved."))
