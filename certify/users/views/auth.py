"""Visitors: log in (with the second factor), log out, register and confirm the address, reset
a forgotten password."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from certify.core.extensions import db, limiter
from certify.core.safety import safe_next_url
from certify.core.views import attempt
from certify.users import mailbox, throttle, totp
from certify.users.blueprint import auth_bp as bp
from certify.users.forms import (
    CodeForm,
    ForgotPasswordForm,
    LoginForm,
    PasswordResetForm,
    RegistrationForm,
)
from certify.users.mailbox import LinkError
from certify.users.models import User
from certify.users.operations import active_branches, authenticate, log_out


def _account_mail_limit() -> str:
    return current_app.config["ACCOUNT_MAIL_LIMIT"]


def fresh_session() -> None:
    """A new, empty session that keeps only the visitor's choice of language."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


def _failed(response) -> bool:
    # A failed login re-renders the form (200); a successful one redirects.
    return response.status_code == 200


@bp.errorhandler(LinkError)
def link_problem(error: LinkError):
    """A confirmation or reset link that is broken, expired or used: which, and the way on."""
    return render_template("auth/link_problem.html", message=str(error)), 400


@bp.route("/login", methods=["GET", "POST"])
# Failures are counted so that no one can lock someone else out (throttle.py): per account and
# address, per address, and per account unless this browser is known to the account.
@limiter.limit(throttle.failure_limit, methods=["POST"], deduct_when=_failed,
               key_func=throttle.account_and_address)
@limiter.limit(throttle.address_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(throttle.account_limit, methods=["POST"], deduct_when=_failed,
               key_func=throttle.account, exempt_when=throttle.known_device)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    # Committed either way: a failure's audit entry is kept too.
    _done, user = attempt(lambda: authenticate(form.email.data, form.password.data))
    if user is None:
        # One message for an unknown email and a wrong password: no user enumeration.
        flash(_("Invalid email or password."), "error")
        return render_template("auth/login.html", form=form)
    target = safe_next_url(request.args.get("next"))
    fresh_session()  # at login: no fixation
    if user.email_verified_at is None:
        # Right password, address not yet proven: send the link again (at most once in ten
        # minutes) and wait for it.
        attempt(lambda: mailbox.send_confirmation(user))
        flash(_("Confirm your email address first: we have sent the link to %(email)s "
                "again.", email=user.email), "error")
        return redirect(url_for(".login"))
    if user.totp_enabled_at is not None:
        # The password was right; the second factor decides.
        # Only an opaque reference in the session, never the account's session token.
        throttle.start_pending_login(user.id, user.session_token)
        session["pending_next"] = target
        return redirect(url_for(".second_factor"))
    login_user(user)
    return throttle.remember_device(redirect(target or url_for("main.dashboard")), user.email)


def _pending_user(pending: dict | None) -> User | None:
    user = db.session.get(User, pending["user"]) if pending else None
    if user is None or not user.is_enabled:
        return None
    return user if throttle.pending_matches(pending, user.session_token) else None


@bp.route("/login/second-factor", methods=["GET", "POST"])
@limiter.limit(throttle.failure_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(throttle.totp_account_limit, methods=["POST"], deduct_when=_failed,
               key_func=throttle.pending_account)
def second_factor():
    pending = throttle.pending_login()
    user = _pending_user(pending)
    if user is None:
        throttle.drop_pending_login()
        return redirect(url_for(".login"))
    form = CodeForm()
    if request.method == "POST" and throttle.too_many_wrong_codes(pending):
        # A copy of the session cookie from before the pending login was dropped.
        throttle.drop_pending_login()
        return redirect(url_for(".login"))
    if form.validate_on_submit():
        _done, passed = attempt(lambda: totp.confirm_login(user, form.code.data))
        if passed:
            target = session.pop("pending_next", None)
            throttle.drop_pending_login()
            login_user(user)
            return throttle.remember_device(redirect(target or url_for("main.dashboard")),
                                            user.email)
        if throttle.count_wrong_code(pending) >= current_app.config["TOTP_PENDING_GUESSES"]:
            throttle.drop_pending_login()
            flash(_("Too many wrong codes. Log in with your password again."), "error")
            return redirect(url_for(".login"))
        flash(_("This code is not valid (or was already used)."), "error")
    return render_template("auth/second_factor.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    attempt(lambda: log_out(current_user._get_current_object()))
    logout_user()
    fresh_session()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_account_mail_limit, methods=["POST"], deduct_when=lambda r: r.status_code == 302)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegistrationForm(branches=active_branches())
    if request.method == "GET":
        form.preferred_language.data = session.get("lang") or "en"
    if form.validate_on_submit():
        registered = attempt(lambda: mailbox.register(
            email=form.email.data, password=form.password.data, **form.profile()))[0]
        if registered:
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
    user = mailbox.user_for_confirmation(token)
    attempt(lambda: mailbox.confirm_email(user),
            success=_("Your email address is confirmed. Log in to continue."))
    session.pop("registered_email", None)
    # Someone else logged in here (a shared computer) stays in their own session.
    if current_user.is_authenticated and current_user.id != user.id:
        return redirect(url_for("main.dashboard"))
    return redirect(url_for(".login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_account_mail_limit, methods=["POST"], deduct_when=lambda r: r.status_code == 302)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        attempt(lambda: mailbox.request_password_reset(form.email.data))
        # The same answer whether or not the address has an account.
        flash(_("If an account uses %(email)s, we have sent it a link to reset the password. "
                "It works for %(minutes)d minutes.", email=form.email.data,
                minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60), "info")
        return redirect(url_for(".login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _choose_password(mailbox.user_for_reset(token))


@bp.route("/account/activate/<token>", methods=["GET", "POST"])
def activate_account(token: str):
    """An imported account's owner chooses a password (the link lasts days, not an hour)."""
    return _choose_password(mailbox.user_for_activation(token))


def _choose_password(user: User):
    form = PasswordResetForm()
    if form.validate_on_submit():
        reset = attempt(lambda: mailbox.reset_password(user, form.new_password.data))[0]
        if reset:
            if current_user.is_authenticated:
                logout_user()
            fresh_session()
            flash(_("Your password has been reset and every session of your account was "
                    "ended. Log in with the new password."), "success")
            return redirect(url_for(".login"))
    return render_template("auth/reset_password.html", form=form)
