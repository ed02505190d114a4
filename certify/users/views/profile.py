"""A person's own account in one place (issue 16): the profile (names, affiliation, language),
a new e-mail address proven by a mailed link, the links to the password and the second factor,
and the messages the centre sent them."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from certify.core.extensions import db
from certify.core.forms import ActionForm
from certify.core.i18n import current_language
from certify.core.outbox import Notification
from certify.core.views import run_action, run_operation
from certify.users import mailbox, register_consent
from certify.users.blueprint import auth_bp as bp
from certify.users.forms import AccountForm, EmailChangeForm
from certify.users.operations import update_profile

NOTIFICATIONS_SHOWN = 200
# Messages whose link is a secret that proves the mailbox (a password reset, an activation, an
# address confirmation): shown here without their text, so that a session alone never yields
# a link that only the mailbox should hold.
MAILBOX_ONLY_KINDS = frozenset({"password-reset", "account-created", "confirm-email"})


def _account_page(form: AccountForm, email_form: EmailChangeForm, status: int = 200):
    return render_template("auth/account.html", form=form, email_form=email_form,
                           **register_consent_context(current_user)), status


def register_consent_context(user) -> dict:
    """What the public register's consent box shows (templates/_register_consent.html)."""
    return {"register_consent": register_consent.consent_of(user),
            "register_consent_text": register_consent.consent_text(),
            "register_consent_form": ActionForm()}


# Where the consent box may send its holder back to (it is offered on both pages).
CONSENT_RETURNS = {"account": "auth.account", "certificates": "certificates.my_certificates"}


def _consent_return() -> str:
    return url_for(CONSENT_RETURNS.get(request.form.get("back", ""), "auth.account")) \
        + "#public-register"


@bp.post("/account/public-register")
@login_required
def give_register_consent():
    user = current_user._get_current_object()
    return run_action(
        lambda: register_consent.give_consent(user, current_language()),
        success=_("You are listed in the public register."), redirect_to=_consent_return())


@bp.post("/account/public-register/withdraw")
@login_required
def withdraw_register_consent():
    user = current_user._get_current_object()
    return run_action(
        lambda: register_consent.withdraw_consent(user),
        success=_("You are no longer listed in the public register."),
        redirect_to=_consent_return())


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    user = current_user._get_current_object()
    form = AccountForm(obj=user if request.method == "GET" else None)
    if not form.validate_on_submit():
        return _account_page(form, EmailChangeForm(),
                             422 if request.method == "POST" else 200)
    return run_operation(
        lambda: update_profile(user, full_name=form.full_name.data,
                               full_name_native=form.full_name_native.data,
                               affiliation=form.affiliation.data,
                               preferred_language=form.preferred_language.data),
        success=_("Your profile is saved."), redirect_to=url_for(".account"),
        on_failure=lambda: _account_page(form, EmailChangeForm(), 422))


@bp.post("/account/email")
@login_required
def change_email():
    user = current_user._get_current_object()
    email_form = EmailChangeForm()
    if not email_form.validate_on_submit():
        return _account_page(AccountForm(obj=user), email_form, 422)
    return run_operation(
        lambda: mailbox.request_email_change(user, email_form.new_email.data,
                                             email_form.current_password.data),
        success=_("A link has been sent to %(email)s. Your address changes when you open it.",
                  email=email_form.new_email.data),
        redirect_to=url_for(".account"),
        on_failure=lambda: _account_page(AccountForm(obj=user), email_form, 422))


@bp.route("/account/email/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str):
    """The link from the mail: GET shows what will change (a link checker opening it changes
    nothing); the button makes the change."""
    user, new_email = mailbox.email_change_for(token)
    if request.method == "GET":
        return render_template("auth/email_change.html", new_email=new_email,
                               action_form=ActionForm())
    return run_action(lambda: mailbox.change_email(user, new_email),
                      success=_("Your email address is now %(email)s.", email=new_email),
                      redirect_to=url_for(".account" if current_user.is_authenticated
                                          else ".login"))


@bp.get("/my/notifications")
@login_required
def notifications():
    """What the centre sent (or is about to send) to this person, newest first."""
    shown = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(NOTIFICATIONS_SHOWN)).all()
    return render_template("auth/notifications.html", notifications=shown,
                           mailbox_only=MAILBOX_ONLY_KINDS)
