"""The people list (scoped by branch for coordinators) and accounts made by admins."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from certify.core.extensions import db
from certify.users.blueprint import bp
from certify.users.forms import UserCreateForm
from certify.users.models import Role, User
from certify.users.operations import active_branches, create_user, email_taken
from certify.users.permissions import can_list_users, can_manage_users


@bp.get("/")
@login_required
def index():
    if not can_list_users(current_user):
        abort(403)
    query = sa.select(User).order_by(User.full_name)
    if not current_user.is_admin:
        query = query.where(User.branch_id.in_(current_user.coordinated_branch_ids))
    users = db.session.scalars(query).all()
    return render_template("users/index.html", users=users)


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
            user = create_user(
                email=form.email.data, password=form.password.data,
                roles=[Role(role) for role in form.roles.data], by=current_user,
                **form.profile(),
            )
            db.session.commit()
            flash(_("Account %(email)s created.", email=user.email), "success")
            return redirect(url_for(".index"))
    return render_template("users/create.html", form=form)


@bp.post("/<int:user_id>/<any(enable, disable):change>")
@login_required
def set_enabled_view(user_id: int, change: str):
    from certify.core.forms import LanguageForm
    from certify.users.operations import UserError, set_enabled

    if not can_manage_users(current_user):
        abort(403)
    person = db.get_or_404(User, user_id)
    if not LanguageForm().validate_on_submit():
        abort(400)
    try:
        set_enabled(person, change == "enable", by=current_user)
    except UserError:
        db.session.rollback()
        flash(_("You cannot disable your own account."), "error")
    else:
        db.session.commit()
        flash(_("Account %(email)s enabled.", email=person.email) if change == "enable"
              else _("Account %(email)s disabled; its sessions have ended.",
                     email=person.email), "success")
    return redirect(url_for(".index"))
