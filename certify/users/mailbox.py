"""Proof of a mailbox: registering and confirming a new account's address, and resetting a
forgotten password.

Both work by a signed, expiring link mailed through the outbox (itsdangerous, keyed by the
app's SECRET_KEY, a salt per purpose). Neither reveals whether an address has an account: the
page a visitor sees is the same either way, and the mail goes to the address's owner (OWASP ASVS
6.4.1, 6.4.2; the "registration and forgotten-password enumeration" cases of the OWASP
Authentication Cheat Sheet). The texts of the mails are in ``certify.users.notifications``.

- A confirmation link works until the address is confirmed; login waits for it.
- A reset link carries a fingerprint of the password hash it replaces, so it works once, and
  not after the password changed in any other way. A reset ends every session of the account.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.core.i18n import current_language
from certify.core.passwords import hash_password, verify_password
from certify.core.urls import absolute_url
from certify.users import notifications, privacy
from certify.users.models import Role, RoleAssignment, User
from certify.users.operations import create_user, email_taken, user_by_email

CONFIRM = "confirm-email"
RESET = "reset-password"
ACTIVATE = "activate-account"
CHANGE = "change-email"
# Hashed in place of a password hash when a reset is asked for an address with no account.
_NO_ACCOUNT = b"$argon2id$v=19$m=65536,t=3,p=4$no-account$no-account-no-account-no-account"


class LinkError(DomainError):
    """The link is broken, expired or already used: its own page says so (status 400)."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"certify-{purpose}")


def _password_fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:24]


def _not_valid() -> LinkError:
    return LinkError(_("This link is not valid. Check that you copied all of it."))


def _load(purpose: str, token: str, max_age: int) -> tuple[User, list]:
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise LinkError(_("This link has expired. Ask for a new one.")) from error
    except BadSignature as error:
        raise _not_valid() from error
    user = db.session.get(User, payload[0]) if isinstance(payload, list) and payload else None
    if user is None or not user.is_enabled:
        raise _not_valid()
    return user, payload


# Registration and confirmation of a new account ----------------------------------------------


def register(*, email: str, password: str, **profile) -> None:
    """A new candidate account that waits for its address to be confirmed. For an address that
    has an account already: the same work (one password hash either way) and the same answer,
    so the form does not tell who has an account; the owner is told instead."""
    existing = user_by_email(email)
    if existing:
        hash_password(password)
        warn_of_registration_attempt(existing)
        return
    user = create_user(email=email, password=password, roles=[Role.candidate],
                       email_verified=False, **profile)
    # The form's box agreed to the notice it links, in the language it was shown in.
    privacy.record_consent(user, current_language())
    send_confirmation(user)


def send_confirmation(user: User) -> None:
    token = _serializer(CONFIRM).dumps([user.id, user.email])
    notifications.confirmation_link(user, absolute_url("auth.confirm_email", token=token))


def warn_of_registration_attempt(user: User) -> None:
    """Someone registered with an address that has an account: tell its owner, not them."""
    notifications.registration_attempt(user, absolute_url("auth.forgot_password"))
    audit.record("auth.registration_attempt_existing", user)


def user_for_confirmation(token: str) -> User:
    """The account a confirmation link names; LinkError when the link does not work."""
    user, payload = _load(CONFIRM, token, current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    if payload[1:] != [user.email]:
        raise _not_valid()
    return user


def confirm_email(user: User) -> None:
    """The owner opened the link (``user_for_confirmation``): the address is proven."""
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        audit.record("auth.email_confirmed", user, actor=user)


# Password reset ------------------------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Mail a reset link if the address has an enabled account; otherwise send nothing, but do
    the same work (issue 14: the answer's timing told the two apart): one lookup, a signed
    link, the outbox's duplicate check, the message composed, one statement writing to the
    outbox (no row when there is nothing to send) and one audit entry."""
    user = user_by_email(email)
    if user is None:
        # As the role assignments an account found is loaded with.
        db.session.scalars(sa.select(RoleAssignment).where(RoleAssignment.user_id == 0)).all()
    elif not user.is_enabled:
        user = None
    fingerprint = (_password_fingerprint(user) if user is not None
                   else hashlib.sha256(_NO_ACCOUNT).hexdigest()[:24])
    token = _serializer(RESET).dumps([user.id if user is not None else 0, fingerprint])
    queued = notifications.password_reset_link(
        user, absolute_url("auth.reset_password", token=token))
    audit.record("auth.password_reset_requested", user, queued=queued,
                 email_hash=hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16])


def user_for_reset(token: str) -> User:
    """The account a reset link names; LinkError when the link does not work."""
    user, payload = _load(RESET, token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    if payload[1:] != [_password_fingerprint(user)]:
        raise LinkError(_("This link has been used already. Ask for a new one if you need it."))
    return user


def reset_password(user: User, new_password: str) -> None:
    """Set the new password of the account a reset link (``user_for_reset``) named."""
    user.password_hash = hash_password(new_password)
    user.rotate_session_token()  # every session of the account ends
    # The link came through the mailbox: the address is proven as well.
    user.email_verified_at = user.email_verified_at or utcnow()
    audit.record("auth.password_reset", user, actor=user)


def send_activation(user: User, *, by: User) -> None:
    """An account made without a password (a bulk import): its owner chooses one through an
    activation link. It is single-use like a reset link (it carries a fingerprint of the unset
    password), but has its own salt and lasts ACCOUNT_ACTIVATION_MAX_AGE_DAYS (default 7):
    the owner did not ask for it and may read the mail days later, whereas a reset link,
    asked for a minute ago, lasts an hour. Opening it also proves the address. Once it
    expires, "Forgot your password?" sends a (one-hour) reset link."""
    token = _serializer(ACTIVATE).dumps([user.id, _password_fingerprint(user)])
    notifications.activation_link(user, absolute_url("auth.activate_account", token=token),
                                  absolute_url("auth.forgot_password"), by=by)


def user_for_activation(token: str) -> User:
    """The account an activation link names; LinkError when the link does not work."""
    days = current_app.config["ACCOUNT_ACTIVATION_MAX_AGE_DAYS"]
    user, payload = _load(ACTIVATE, token, days * 24 * 3600)
    if payload[1:] != [_password_fingerprint(user)]:
        raise LinkError(_("This link has been used already. Ask for a new one if you need it."))
    return user


# A new address for an existing account -------------------------------------------------------


def request_email_change(user: User, new_email: str, password: str) -> None:
    """With the current password: a link to the new address, a word to the old one. An
    address that has an account already gets nothing, and the answer is the same (no
    enumeration); the change is refused again when the link is opened."""
    if not verify_password(user.password_hash, password):
        raise DomainError(_("The current password is not correct."))
    new_email = new_email.strip().lower()
    if new_email == user.email:
        raise DomainError(_("This is already your email address."))
    if not email_taken(new_email):
        token = _serializer(CHANGE).dumps([user.id, user.email, new_email])
        notifications.email_change_link(user, new_email,
                                        absolute_url("auth.confirm_email_change", token=token))
    notifications.email_change_requested(user, new_email)
    audit.record("auth.email_change_requested", user, actor=user)


def email_change_for(token: str) -> tuple[User, str]:
    """The account and new address a change link names. It works once: the link names the
    address it replaces, which is no longer the account's after the change."""
    user, payload = _load(CHANGE, token, current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    if len(payload) != 3 or payload[1] != user.email:
        raise LinkError(_("This link has been used already. Ask for a new one if you need it."))
    return user, payload[2]


def change_email(user: User, new_email: str) -> None:
    if email_taken(new_email):
        raise DomainError(_("This email address belongs to another account."))
    old = user.email
    user.email = new_email
    user.email_verified_at = utcnow()  # the link came through the new mailbox
    audit.record("auth.email_changed", user, actor=user,
                 old=hashlib.sha256(old.encode()).hexdigest()[:16])
