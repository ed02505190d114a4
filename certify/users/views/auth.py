"""Registration, login, logout and password change."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from certify.core import audit
from certify.core.extensions import db, limiter
from certify.core.passwords import hash_password
from certify.core.safety import safe_next_url
from certify.users import mailbox
from certify.users.blueprint import auth_bp as bp
from certify.users.forms import (
    ForgotPasswordForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    RegistrationForm,
)
from certify.users.models import Role
from certify.users.operations import (
    active_branches,
    authenticate,
    change_password,
    create_user,
    user_by_email,
)


def _login_failure_limit() -> str:
    return current_app.config["LOGIN_FAILURE_LIMIT"]


def _submitted_email() -> str:
    return (request.form.get("email") or "").strip().lower() or "-"


def _account_mail_limit() -> str:
    return current_app.config["ACCOUNT_MAIL_LIMIT"]


def _fresh_session() -> None:
    """A new, empty session that keeps only the visitor's choice of language."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


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
            _fresh_session()  # at login: no fixation
            if user.email_verified_at is None:
                # Right password, address not yet proven: send the link again (at most once in
                # ten minutes) and wait for it.
                mailbox.send_confirmation(user)
                db.session.commit()
                flash(_("Confirm your email address first: we have sent the link to %(email)s "
                        "again.", email=user.email), "error")
                return redirect(url_for(".login"))
            db.session.commit()
            if user.totp_enabled_at is not None:
                # The password was right; the second factor decides.
                session["pending_login"] = user.session_token
                session["pending_next"] = target
                return redirect(url_for(".second_factor"))
            login_user(user)
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
    _fresh_session()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_account_mail_limit, methods=["POST"], deduct_when=lambda r: r.status_code == 302)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    branches = active_branches()
    form = RegistrationForm(branches=branches)
    if request.method == "GET":
        form.preferred_language.data = session.get("lang") or "en"
    if form.validate_on_submit():
        existing = user_by_email(form.email.data)
        if existing:
            # The same page and about the same time as a new registration (one password hash
            # either way), so the form does not tell who has an account; the owner is told.
            hash_password(form.password.data)
            mailbox.warn_of_registration_attempt(existing)
        else:
            user = create_user(
                email=form.email.data, password=form.password.data, roles=[Role.candidate],
                email_verified=False, **form.profile(),
            )
            mailbox.send_confirmation(user)
        db.session.commit()
        session["registered_email"] = form.email.data
        return redirect(url_for(".check_email"))
    return render_template("auth/register.html", form=form)


@bp.get("/register/check-email")
def check_email():
    email = session.get("registered_email")
    if email is None:
        return redirect(url_for(".register"))
    return render_template("auth/check_email.html", email=email)


@bp.get("/register/confirm/<token>")
def confirm_email(token: str):
    try:
        user = mailbox.confirm_email(token)
    except mailbox.LinkError as error:
        db.session.rollback()
        return render_template("auth/link_problem.html", message=str(error)), 400
    db.session.commit()
    session.pop("registered_email", None)
    flash(_("Your email address is confirmed. Log in to continue."), "success")
    if current_user.is_authenticated and current_user.id != user.id:
        return redirect(url_for("main.dashboard"))
    return redirect(url_for(".login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_account_mail_limit, methods=["POST"], deduct_when=lambda r: r.status_code == 302)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        mailbox.request_password_reset(form.email.data)
        db.session.commit()
        # The same answer whether or not the address has an account.
        flash(_("If an account uses %(email)s, we have sent it a link to reset the password. "
                "It works for %(minutes)d minutes.", email=form.email.data,
                minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60), "info")
        return redirect(url_for(".login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        user = mailbox.user_for_reset(token)
    except mailbox.LinkError as error:
        db.session.rollback()
        return render_template("auth/link_problem.html", message=str(error)), 400
    form = PasswordResetForm()
    if form.validate_on_submit():
        mailbox.reset_password(user, form.new_password.data)
        db.session.commit()
        if current_user.is_authenticated:
            logout_user()
        _fresh_session()
        flash(_("Your password has been reset and every session of your account was ended. "
                "Log in with the new password."), "success")
        return redirect(url_for(".login"))
    return render_template("auth/reset_password.html", form=form)


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


@bp.route("/login/second-factor", methods=["GET", "POST"])
@limiter.limit(_login_failure_limit, methods=["POST"], deduct_when=_failed)
def second_factor():
    from certify.users import totp
    from certify.users.forms import CodeForm
    from certify.users.models import load_user_by_session_token

    token = session.get("pending_login")
    user = load_user_by_session_token(token) if token else None
    if user is None:
        return redirect(url_for(".login"))
    form = CodeForm()
    if form.validate_on_submit():
        if totp.check(user, form.code.data):
            target = session.pop("pending_next", None)
            session.pop("pending_login", None)
            audit.record("auth.second_factor", user, actor=user)
            db.session.commit()
            login_user(user)
            return redirect(target or url_for("main.dashboard"))
        audit.record("auth.second_factor_failed", user)
        db.session.commit()
        flash(_("This code is not valid (or was already used)."), "error")
    return render_template("auth/second_factor.html", form=form)


@bp.route("/account/second-factor", methods=["GET", "POST"])
@login_required
def second_factor_setup():
    """Enrol an authenticator app: scan, confirm with a code, keep the recovery codes."""
    import segno

    from certify.users import totp
    from certify.users.forms import CodeForm

    user = current_user._get_current_object()
    if user.totp_enabled_at is not None:
        return render_template("auth/second_factor_setup.html", enabled=True, form=None)
    secret = session.get("totp_setup") or totp.new_secret()
    session["totp_setup"] = secret
    form = CodeForm()
    if form.validate_on_submit():
        codes = totp.enable(user, secret, form.code.data)
        if codes is not None:
            session.pop("totp_setup", None)
            db.session.commit()
            return render_template("auth/second_factor_setup.html", enabled=True, form=None,
                                   recovery_codes=codes)
        flash(_("This code is not valid (or was already used)."), "error")
    qr = segno.make_qr(totp.provisioning_uri(user, secret), error="m")
    return render_template("auth/second_factor_setup.html", enabled=False, form=form,
                           secret=secret, qr=qr.svg_data_uri(scale=5, border=2))
