"""Which mail goes to an account's owner, and when: the link to confirm their address, a warning
that someone registered with it, the link to reset their password.

Each text is written in the owner's language (the outbox composes it under their locale). At
most one mail of each kind per account per ten minutes: the outbox's dedup key holds a
ten-minute bucket, so repeated requests cannot flood a mailbox.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from certify.core import outbox
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.core.i18n import current_language
from certify.users.models import User


def _ten_minute_key(user_id: int, kind: str) -> str:
    """The outbox's dedup key: one mail of a kind per account per ten minutes."""
    now = utcnow()
    return f"user:{user_id}:{kind}:{now:%Y%m%d%H}{now.minute // 10}"


def _queue_once_in_ten_minutes(user: User, kind: str, compose) -> outbox.Notification | None:
    """Queue the mail unless one of this kind went to this account in the same ten minutes."""
    return outbox.queue(user, kind, _ten_minute_key(user.id, kind), compose)


def confirmation_link(user: User, link: str) -> None:
    hours = current_app.config["EMAIL_CONFIRM_MAX_AGE"] // 3600

    def compose():
        return (_("Confirm your email address"),
                _("Dear %(name)s,\n\nto finish creating your account, open this link within "
                  "%(hours)d hours:\n\n%(link)s\n\nIf you did not register, ignore this message: "
                  "no account is used without this confirmation.",
                  name=user.full_name, hours=hours, link=link))

    _queue_once_in_ten_minutes(user, "confirm-email", compose)


def registration_attempt(user: User, reset_link: str) -> None:
    def compose():
        return (_("Someone tried to register with your email address"),
                _("Dear %(name)s,\n\nsomeone tried to create a new account with this email "
                  "address, which already has an account. If it was you, log in; if you forgot "
                  "your password, reset it here:\n\n%(link)s\n\nIf it was not you, you need not "
                  "do anything: your account is unchanged.", name=user.full_name,
                  link=reset_link))

    _queue_once_in_ten_minutes(user, "registration-attempt", compose)


def password_reset_link(user: User | None, link: str) -> bool:
    """Whether the mail was queued: not when one went out in the same ten minutes, nor when the
    address has no account (``user`` None). The same work is done either way (issue 14: the
    answer's timing told known addresses from unknown ones): the duplicate check, the message
    composed, and the same one statement writing to the outbox, which writes a row only when
    there is someone to mail (benchmarks/reset_timing.py measures it)."""
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    kind = "password-reset"
    user_id = user.id if user is not None else 0
    dedup_key = _ten_minute_key(user_id, kind)
    already = db.session.scalar(sa.select(outbox.Notification.id).where(
        outbox.Notification.dedup_key == dedup_key))
    language = user.preferred_language if user is not None else current_language()
    with force_locale(language):
        subject = _("Reset your password")
        body = _("Dear %(name)s,\n\nto choose a new password, open this link within "
                 "%(minutes)d minutes:\n\n%(link)s\n\nIt works once. If you did not ask for "
                 "it, ignore this message: your password stays as it is.",
                 name=user.full_name if user is not None else "", minutes=minutes, link=link)
    send = user is not None and already is None
    outbox.write_if(send, user_id=user_id, kind=kind, dedup_key=dedup_key, language=language,
                    subject=str(subject), body=str(body))
    return send


def activation_link(user: User, link: str, forgot_link: str, *, by: User) -> None:
    """An account staff made for its owner: the link to choose a password."""
    days = current_app.config["ACCOUNT_ACTIVATION_MAX_AGE_DAYS"]

    def compose():
        return (_("An account has been created for you"),
                _("Dear %(name)s,\n\n%(by)s has created an account for you at the "
                  "certification centre. To use it, choose a password within %(days)d "
                  "days:\n\n%(link)s\n\nLater, ask for a new link here:\n\n%(forgot)s",
                  name=user.full_name, by=by.full_name, days=days, link=link,
                  forgot=forgot_link))

    _queue_once_in_ten_minutes(user, "account-created", compose)


def erasure_done(address: str, language: str, request_id: int) -> None:
    """The person's data has been erased: to the address the account had (it has none now)."""

    def compose():
        return (_("Your personal data has been erased"),
                _("Your request to erase your personal data has been carried out. Your "
                  "account is closed and now holds only a pseudonym.\n\nWhat the rules "
                  "require us to keep is kept: certificates issued (they stay verifiable), "
                  "decisions, reviews, appeals and complaints, your consents to the privacy "
                  "notice and the audit log (ISO/IEC 17024 §7.1). Read the privacy notice for "
                  "details."))

    outbox.queue_to_address(address, language, "erasure-done", f"erasure:{request_id}:done",
                            compose)


def erasure_refused(user: User, language: str, reason: str, request_id: int) -> None:
    def compose():
        return (_("Your request to erase your personal data"),
                _("Dear %(name)s,\n\nyour request to erase your personal data has been "
                  "refused, for this reason:\n\n%(reason)s\n\nYour account is unchanged. "
                  "You may ask again once the reason no longer holds.",
                  name=user.full_name, reason=reason))

    outbox.queue_to_address(user.email, language, "erasure-refused",
                            f"erasure:{request_id}:refused", compose)


def email_change_link(user: User, new_email: str, link: str) -> None:
    """To the new address: the link that proves it (the account's address changes then)."""
    hours = current_app.config["EMAIL_CONFIRM_MAX_AGE"] // 3600

    def compose():
        return (_("Confirm your new email address"),
                _("Dear %(name)s,\n\nto use this address for your account, open this link "
                  "within %(hours)d hours:\n\n%(link)s\n\nIt works once. If you did not ask "
                  "for this, ignore this message: nothing changes.",
                  name=user.full_name, hours=hours, link=link))

    outbox.queue_to_address(new_email, user.preferred_language, "email-change-link",
                            _ten_minute_key(user.id, "email-change-link"), compose)


def email_change_requested(user: User, new_email: str) -> None:
    """To the address in use: someone asked to move the account to another address."""
    def compose():
        return (_("A change of your email address was requested"),
                _("Dear %(name)s,\n\na change of your account's email address to %(new)s was "
                  "requested. It takes effect only when the link sent to the new address is "
                  "opened. If it was not you, change your password now and tell the "
                  "certification centre.", name=user.full_name, new=new_email))

    outbox.queue_to_address(user.email, user.preferred_language, "email-change-notice",
                            _ten_minute_key(user.id, "email-change-notice"), compose)
