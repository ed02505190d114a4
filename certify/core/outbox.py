"""The outbox: messages to people are written here in the same transaction as what caused
them, and sent later (`flask send-outbox`) by SMTP when configured, else logged."""

from __future__ import annotations

import smtplib
from datetime import datetime
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

    user: Mapped[User | None] = relationship()

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


def send_outbox(limit: int = 500, *, show=None) -> tuple[int, str]:
    """Send what is waiting; returns (count, how): by SMTP when MAIL_SERVER is set, else each
    message in full goes to ``show(text)`` (default: the application log), so a development
    setup needs no mail server and its confirmation and reset links can still be followed."""
    pending = db.session.scalars(
        sa.select(Notification).where(Notification.sent_at.is_(None))
        .order_by(Notification.id).limit(limit)
    ).all()
    config = current_app.config
    server = config.get("MAIL_SERVER")
    if not pending:
        return 0, "smtp" if server else "log"
    if server:
        with smtplib.SMTP(server, int(config.get("MAIL_PORT", 25)), timeout=30) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            for notification in pending:
                message = EmailMessage()
                message["From"] = config["MAIL_FROM"]
                message["To"] = notification.recipient
                message["Subject"] = notification.subject
                message.set_content(notification.body)
                smtp.send_message(message)
                notification.sent_at = utcnow()
                db.session.commit()
        return len(pending), "smtp"
    show = show or current_app.logger.info
    for notification in pending:
        show(f"To: {notification.recipient}\nSubject: {notification.subject}\n\n"
             f"{notification.body}\n")
        notification.sent_at = utcnow()
    db.session.commit()
    return len(pending), "log"
