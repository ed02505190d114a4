"""Administration: the people list (scoped by branch for coordinators), accounts made by
administrators, enabling and disabling accounts."""

from __future__ import annotations

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from certify.core.extensions import db
from certify.core.forms import ActionForm, require_action_form
from certify.core.listing import FilterControl
from certify.core.views import run_operation
from certify.users.blueprint import bp
from certify.users.forms import UserCreateForm
from certify.users.lists import people_page
from certify.users.models import Role, User
from certify.users.operations import (
    active_branches,
    create_user,
    email_taken,
    set_enabled,
)
from certify.users.permissions import can_list_users, can_manage_users, can_switch_account


def get_person_or_404(user_id: int) -> User:
    """An account an administrator acts on. Who asks is checked first, so that a refused
    visitor learns nothing of which accounts exist."""
    if not can_manage_users(current_user):
        abort(403)
    return db.get_or_404(User, user_id)


@bp.get("/")
@login_required
def index():
    if not can_list_users(current_user):
        abort(403)
    branches = [b for b in active_branches()
                if current_user.is_admin or b.id in current_user.coordinated_branch_ids]
    controls = [
        FilterControl("branch", _("Branch"), [(b.id, b.code) for b in branches]),
        FilterControl("role", _("Role"), [(role.value, role.title) for role in Role]),
        FilterControl("enabled", _("Account"), [("yes", _("Enabled")), ("no", _("Disabled"))]),
    ]
    return render_template("users/index.html", users=people_page(current_user),
                           controls=controls, can_create=can_manage_users(current_user),
                           can_switch_account=can_switch_account, action_form=ActionForm())


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    if not can_manage_users(current_user):
        abort(403)
    form = UserCreateForm(branches=active_branches())
    if form.validate_on_submit():
        if email_taken(form.email.data):
            form.email.errors.append(_("An account with this email already exists."))
        else:
            return run_operation(
                lambda: create_user(email=form.email.data, password=form.password.data,
                                    roles=[Role(role) for role in form.roles.data],
                                    by=current_user, **form.profile()),
                success=_("Account %(email)s created.", email=form.email.data),
                redirect_to=url_for(".index"),
                on_failure=lambda: render_template("users/create.html", form=form),
            )
    return render_template("users/create.html", form=form)


@bp.post("/<int:user_id>/<any(enable, disable):change>")
@login_required
def set_enabled_view(user_id: int, change: str):
    person = get_person_or_404(user_id)
    require_action_form()
    enable = change == "enable"
    return run_operation(
        lambda: set_enabled(person, enable, by=current_user),
        success=(_("Account %(email)s enabled.", email=person.email) if enable
                 else _("Account %(email)s disabled; its sessions have ended.",
                        email=person.email)),
        redirect_to=url_for(".index"),
    )
