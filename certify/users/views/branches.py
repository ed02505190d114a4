"""The national branches: the public list, and their administration (create, edit,
deactivate, appoint coordinators) by administrators."""

from __future__ import annotations

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from certify.core.extensions import db
from certify.core.forms import ActionForm, require_action_form
from certify.core.views import run_operation
from certify.users.blueprint import branches_bp as bp
from certify.users.branches import all_branches, coordinators_of, save_branch, set_branch_active
from certify.users.forms import AppointCoordinatorForm, BranchForm
from certify.users.models import Branch, Role
from certify.users.operations import active_branches, user_by_email
from certify.users.permissions import can_manage_branches
from certify.users.roles import grant_role


def managed_branch_or_404(branch_id: int) -> Branch:
    """A branch an administrator acts on; who asks is checked first."""
    if not can_manage_branches(current_user):
        abort(403)
    return db.get_or_404(Branch, branch_id)


@bp.get("/")
def public_list():
    return render_template("branches/public.html", branches=active_branches())


@bp.get("/manage")
@login_required
def manage():
    if not can_manage_branches(current_user):
        abort(403)
    return render_template("branches/manage.html", branches=all_branches(),
                           action_form=ActionForm())


def _branch_page(form: BranchForm, branch: Branch | None, status: int = 200,
                 appoint_form: AppointCoordinatorForm | None = None):
    return render_template(
        "branches/form.html", form=form, branch=branch,
        coordinators=coordinators_of(branch) if branch else [],
        appoint_form=appoint_form or AppointCoordinatorForm(), action_form=ActionForm(),
    ), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    if not can_manage_branches(current_user):
        abort(403)
    form = BranchForm()
    if not form.validate_on_submit():
        return _branch_page(form, None, 422 if form.is_submitted() else 200)
    return run_operation(
        lambda: save_branch(None, form.branch_input(), by=current_user),
        success=_("Branch %(code)s created.", code=form.code.data.upper()),
        redirect_to=lambda branch: url_for(".edit", branch_id=branch.id),
        on_failure=lambda: _branch_page(form, None, 422),
    )


@bp.route("/<int:branch_id>/edit", methods=["GET", "POST"])
@login_required
def edit(branch_id: int):
    branch = managed_branch_or_404(branch_id)
    form = BranchForm(data=BranchForm.of(branch))
    if not form.validate_on_submit():
        return _branch_page(form, branch, 422 if form.is_submitted() else 200)
    return run_operation(
        lambda: save_branch(branch, form.branch_input(), by=current_user),
        success=_("Branch %(code)s saved.", code=branch.code),
        redirect_to=url_for(".edit", branch_id=branch.id),
        on_failure=lambda: _branch_page(form, branch, 422),
    )


@bp.post("/<int:branch_id>/<any(activate, deactivate):activation>")
@login_required
def set_active(branch_id: int, activation: str):
    branch = managed_branch_or_404(branch_id)
    require_action_form()
    active = activation == "activate"
    return run_operation(
        lambda: set_branch_active(branch, active, by=current_user),
        success=(_("Branch %(code)s is active again.", code=branch.code) if active
                 else _("Branch %(code)s deactivated: it keeps its history and takes no new "
                        "applications.", code=branch.code)),
        redirect_to=url_for(".edit", branch_id=branch.id),
    )


@bp.post("/<int:branch_id>/coordinators")
@login_required
def appoint(branch_id: int):
    branch = managed_branch_or_404(branch_id)
    form = AppointCoordinatorForm()
    person = user_by_email(form.email.data) if form.validate_on_submit() else None
    if person is None:
        if form.email.data and not form.email.errors:
            form.email.errors.append(_("Nobody has an account with this email."))
        return _branch_page(BranchForm(data=BranchForm.of(branch)), branch, 422, form)
    return run_operation(
        lambda: grant_role(person, Role.coordinator, branch=branch, by=current_user),
        success=_("%(name)s now coordinates the %(code)s branch.", name=person.full_name,
                  code=branch.code),
        redirect_to=url_for(".edit", branch_id=branch.id),
    )
