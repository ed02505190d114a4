"""Registration, login, logout and password change."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from certify import audit
from certify.auth import bp
from certify.extensions import db, limiter
from certify.main.safety import safe_next_url
from certify.users.forms import LoginForm, PasswordChangeForm, RegistrationForm
from certify.users.models import Role
from certify.users.operations import (
    active_branches,
    authenticate,
    change_password,
    create_user,
    email_taken,
)


def _login_failure_limit() -> str:
    return current_app.config["LOGIN_FAILURE_LIMIT"]


def _submitted_email() -> str:
    return (request.form.get("email") or "").strip().lower() or "-"


def _failed(response) -> bool:
    # A failed login re-renders the form (200); a successful one redirects.
    return response.status_code == 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_failure_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_failure_limit, methods=["POST"], deduct_when=_failed,
               key_func=_submitted_email)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            target = safe_next_url(request.args.get("next"))
            language = session.get("lang")
            session.clear()  # a fresh session at login: no fixation
            if language:
                session["lang"] = language
            login_user(user)
            db.session.commit()
            return redirect(target or url_for("main.dashboard"))
        db.session.commit()  # keep the audit entry of the failure
        # One message for an unknown email and a wrong password: no user enumeration.
        flash(_("Invalid email or password."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    user = current_user._get_current_object()
    audit.record("auth.logout", user, actor=user)
    # A copy of the old session cookie must not work after logout (ASVS 7.4.1): the token it
    # carries is replaced, which also ends the user's other sessions.
    user.rotate_session_token()
    db.session.commit()
    logout_user()
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    flash(_("You have been logged out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    branches = active_branches()
    form = RegistrationForm(branches=branches)
    if request.method == "GET":
        form.preferred_language.data = session.get("lang") or "en"
    if form.validate_on_submit():
        if email_taken(form.email.data):
            form.email.errors.append(
                _("An account with this email already exists. Log in instead.")
            )
        else:
            user = create_user(
                email=form.email.data, password=form.password.data, roles=[Role.candidate],
                **form.profile(),
            )
            db.session.commit()
            session.clear()
            login_user(user)
            flash(_("Welcome! Your account has been created."), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/register.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if change_password(user, form.current_password.data, form.new_password.data):
            db.session.commit()
            login_user(user)  # this session continues under the new token
            flash(_("Your password has been changed. Other sessions were logged out."), "success")
            return redirect(url_for("main.dashboard"))
        db.session.rollback()
        form.current_password.errors.append(_("The current password is not correct."))
    return render_template("auth/password.html", form=form)
