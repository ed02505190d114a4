"""The outbox: messages to people are written here in the same transaction as what caused
them, and sent later (`flask send-outbox`) by SMTP when configured, else logged."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certify.core.db_types import UTCDateTime, utcnow
from certify.core.extensions import db

if TYPE_CHECKING:  # the outbox writes to people, but sits below the users package
    from certify.users.models import User


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        # To an account, or to a bare address (someone without one, e.g. a complainant).
        sa.CheckConstraint("(user_id IS NULL) != (address IS NULL)", name="one_recipient"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    # The same event never queues twice (e.g. "certificate:12:expiry-90").
    dedup_key: Mapped[str] = mapped_column(String(120), unique=True)
    language: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Delivery: failed attempts so far, the last error, when to try again (back-off), and
    # when the outbox gave up (a permanent refusal, or MAIL_MAX_ATTEMPTS reached).
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    user: Mapped[User | None] = relationship()

    @property
    def state(self) -> str:
        if self.sent_at is not None:
            return "sent"
        if self.failed_at is not None:
            return "failed"
        return "retrying" if self.attempts else "waiting"

    @property
    def recipient(self) -> str:
        return self.address or self.user.email


def queue(user: User, kind: str, dedup_key: str, compose) -> Notification | None:
    """Queue ``compose()`` -> (subject, body), written in the user's language; None when this
    event was already queued."""
    return _queue(kind, dedup_key, compose, user.preferred_language, user=user)


def queue_to_address(address: str, language: str, kind: str, dedup_key: str,
                     compose) -> Notification | None:
    """``queue`` for someone without an account: to ``address``, written in ``language``."""
    return _queue(kind, dedup_key, compose, language, address=address)


def _queue(kind: str, dedup_key: str, compose, language: str, **recipient):
    exists = db.session.scalar(sa.select(Notification.id).where(
        Notification.dedup_key == dedup_key))
    if exists is not None:
        return None
    with force_locale(language):
        subject, body = compose()
    notification = Notification(kind=kind, dedup_key=dedup_key, language=language,
                                subject=str(subject), body=str(body), **recipient)
    db.session.add(notification)
    db.session.flush()
    return notification


def write_if(send: bool, *, user_id: int, kind: str, dedup_key: str, language: str,
             subject: str, body: str) -> None:
    """Write the message with one INSERT … SELECT whose row exists only when ``send``: the same
    statement, with the same work, whether or not anyone is mailed -- for answers whose timing
    must not tell (a password reset asked for an address with no account, issue 14)."""
    columns = {"user_id": user_id, "kind": kind, "dedup_key": dedup_key, "language": language,
               "subject": subject, "body": body, "created_at": utcnow()}
    table = Notification.__table__
    db.session.execute(sa.insert(Notification).from_select(
        list(columns),
        sa.select(*(sa.literal(value, table.c[name].type) for name, value in columns.items()))
        .where(sa.literal(send, sa.Boolean)),
    ))


@dataclass
class Delivery:
    """What one pass of the outbox did."""

    how: str  # "smtp" or "log"
    sent: int = 0
    postponed: int = 0  # a temporary failure: tried again after a back-off
    failed: int = 0  # given up: a permanent refusal or too many attempts

    def __str__(self) -> str:
        text = f"Sent {self.sent} messages ({self.how})."
        if self.postponed or self.failed:
            text += f" {self.postponed} postponed, {self.failed} failed."
        return text


def due_messages(limit: int, now: datetime) -> list[Notification]:
    return list(db.session.scalars(
        sa.select(Notification)
        .where(Notification.sent_at.is_(None), Notification.failed_at.is_(None),
               sa.or_(Notification.next_attempt_at.is_(None),
                      Notification.next_attempt_at <= now))
        .order_by(Notification.id).limit(limit)))


def send_outbox(limit: int = 500, *, show=None) -> Delivery:
    """Send what is due: by SMTP when MAIL_SERVER is set, else each message in full goes to
    ``show(text)`` (default: the application log), so a development setup needs no mail server
    and its confirmation and reset links can still be followed.

    A temporary failure (the server unreachable, a 4xx answer) postpones the message with an
    exponential back-off; a permanent one (5xx, e.g. a refused recipient) or MAIL_MAX_ATTEMPTS
    failures marks it failed, with the error, for an administrator to see and retry."""
    now = utcnow()
    pending = due_messages(limit, now)
    if not current_app.config.get("MAIL_SERVER"):
        show = show or current_app.logger.info
        for notification in pending:
            show(f"To: {notification.recipient}\nSubject: {notification.subject}\n\n"
                 f"{notification.body}\n")
            notification.sent_at = now
        db.session.commit()
        return Delivery("log", sent=len(pending))
    delivery = Delivery("smtp")
    if pending:
        _send_by_smtp(pending, delivery)
    return delivery


def _send_by_smtp(pending: list[Notification], delivery: Delivery) -> None:
    config = current_app.config
    try:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT", 25)),
                            timeout=float(config.get("MAIL_TIMEOUT", 30)))
    except (OSError, smtplib.SMTPException) as error:
        _failed_attempt(pending, error, delivery)
        return
    with smtp:
        try:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context(
                    cafile=config.get("MAIL_CA_FILE")))
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except (OSError, smtplib.SMTPException) as error:
            _failed_attempt(pending, error, delivery)
            return
        for index, notification in enumerate(pending):
            try:
                smtp.send_message(_message(notification, config["MAIL_FROM"]))
            except smtplib.SMTPServerDisconnected as error:
                _failed_attempt(pending[index:], error, delivery)  # the rest cannot go either
                return
            except smtplib.SMTPException as error:  # this message's answer (a subclass of OSError)
                _failed_attempt([notification], error, delivery)
                continue
            except OSError as error:  # the connection broke
                _failed_attempt(pending[index:], error, delivery)
                return
            notification.sent_at = utcnow()
            delivery.sent += 1
            db.session.commit()


def _message(notification: Notification, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = notification.recipient
    message["Subject"] = notification.subject
    message.set_content(notification.body)
    return message


def _is_permanent(error: Exception) -> bool:
    """A 5xx answer will not change by waiting (RFC 5321 §4.2.1); anything else may."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def _describe(error: Exception) -> str:
    """The server's own answer where there is one (e.g. "550 5.1.1 No such user"), else the
    error as Python names it."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{code} {_text(answer)} ({address})"
                         for address, (code, answer) in error.recipients.items())
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    return f"{type(error).__name__}: {error}"


def _text(answer: bytes | str) -> str:
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)


def _failed_attempt(notifications: list[Notification], error: Exception,
                    delivery: Delivery) -> None:
    config = current_app.config
    now = utcnow()
    give_up_after = int(config.get("MAIL_MAX_ATTEMPTS", 6))
    base = float(config.get("MAIL_RETRY_SECONDS", 60))
    for notification in notifications:
        notification.attempts += 1
        notification.last_error = _describe(error)[:2000]
        if _is_permanent(error) or notification.attempts >= give_up_after:
            notification.failed_at = now
            notification.next_attempt_at = None
            delivery.failed += 1
        else:
            # 1, 2, 4, 8 … minutes, at most an hour apart.
            delay = min(base * 2 ** (notification.attempts - 1), 3600.0)
            notification.next_attempt_at = now + timedelta(seconds=delay)
            delivery.postponed += 1
    db.session.commit()


def retry(notification: Notification) -> None:
    """An administrator sends a failed message again: due at once, attempts counted anew."""
    notification.failed_at = notification.next_attempt_at = None
    notification.attempts = 0
