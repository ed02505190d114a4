"""Account holders: change the password, enrol an authenticator app as a second factor;
reviewers: what they declare (specialisms, review languages, load)."""

from __future__ import annotations

import segno
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from certify.core.views import attempt, run_operation
from certify.users import totp
from certify.users.blueprint import auth_bp as bp
from certify.users.forms import CodeForm, PasswordChangeForm, ReviewerProfileForm
from certify.users.models import Role
from certify.users.operations import change_password, set_reviewer_profile


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        _done, changed = attempt(lambda: change_password(user, form.current_password.data,
                                                         form.new_password.data))
        if changed:
            login_user(user)  # this session continues under the new token
            flash(_("Your password has been changed. Other sessions were logged out."), "success")
            return redirect(url_for("main.dashboard"))
        form.current_password.errors.append(_("The current password is not correct."))
    return render_template("auth/password.html", form=form)


@bp.route("/account/second-factor", methods=["GET", "POST"])
@login_required
def second_factor_setup():
    """Enrol an authenticator app: scan, confirm with a code, keep the recovery codes."""
    user = current_user._get_current_object()
    if user.totp_enabled_at is not None:
        return render_template("auth/second_factor_setup.html", enabled=True, form=None)
    secret = session.get("totp_setup") or totp.new_secret()
    session["totp_setup"] = secret
    form = CodeForm()
    if form.validate_on_submit():
        _done, codes = attempt(lambda: totp.enable(user, secret, form.code.data))
        if codes is not None:
            session.pop("totp_setup", None)
            return render_template("auth/second_factor_setup.html", enabled=True, form=None,
                                   recovery_codes=codes)
        flash(_("This code is not valid (or was already used)."), "error")
    qr = segno.make_qr(totp.provisioning_uri(user, secret), error="m")
    return render_template("auth/second_factor_setup.html", enabled=False, form=form,
                           secret=secret, qr=qr.svg_data_uri(scale=5, border=2))


@bp.route("/account/reviewer-profile", methods=["GET", "POST"])
@login_required
def reviewer_profile():
    if not current_user.has_role(Role.reviewer):
        abort(403)
    user = current_user._get_current_object()
    form = ReviewerProfileForm()
    if request.method == "GET":
        form.fill_from(user.reviewer_profile)

    def page(status=200):
        return render_template("auth/reviewer_profile.html", form=form), status

    if not form.validate_on_submit():
        return page(422 if request.method == "POST" else 200)
    return run_operation(lambda: set_reviewer_profile(user, **form.declared(), by=user),
                         success=_("Your reviewer profile is saved."),
                         redirect_to=url_for(".reviewer_profile"),
                         on_failure=lambda: page(422))
