"""Subscriptions to a certificate's status, and the log of webhook deliveries and their
attempts. A subscription is never deleted while its deliveries are kept: it ends
(``ended_at``), by its subscriber or refused by the holder."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certify.certificates.models import Certificate
from certify.core.db_types import EnumText, UTCDateTime, utcnow
from certify.core.extensions import db
from certify.core.i18n import TitledEnum


class Channel(TitledEnum):
    email = "email", _l("Email")
    webhook = "webhook", _l("Webhook")


class Ending(TitledEnum):
    unsubscribed = "unsubscribed", _l("Unsubscribed")
    refused = "refused", _l("Refused by the holder")


class AlertSubscription(db.Model):
    __tablename__ = "alert_subscriptions"
    __table_args__ = (
        # An email subscription has an address (active once confirmed from it); a webhook,
        # its address and signing secret, and is active at once.
        sa.CheckConstraint(
            "(channel = 'email' AND email IS NOT NULL "
            "AND webhook_url IS NULL AND secret IS NULL) OR "
            "(channel = 'webhook' AND webhook_url IS NOT NULL AND secret IS NOT NULL "
            "AND email IS NULL AND confirmed_at IS NOT NULL)", name="channel_fields"),
        sa.CheckConstraint("(ended_at IS NULL) = (ending IS NULL)", name="ending_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), index=True)
    organisation: Mapped[str] = mapped_column(String(200))
    channel: Mapped[Channel] = mapped_column(EnumText(Channel))
    language: Mapped[str] = mapped_column(String(2))
    email: Mapped[str | None] = mapped_column(String(254))
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    # "whsec_<base64>": kept as it is, since signing with HMAC needs it (shown once).
    secret: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ending: Mapped[Ending | None] = mapped_column(EnumText(Ending))

    certificate: Mapped[Certificate] = relationship()
    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="subscription", order_by="WebhookDelivery.id")

    @property
    def since(self) -> datetime:
        return self.confirmed_at or self.created_at


class WebhookDelivery(db.Model):
    """One event for one webhook: its body is fixed when the event happens, so every attempt
    sends (and signs) the same bytes under the same ``message_id`` (the receiver's
    idempotency key)."""

    __tablename__ = "alert_webhook_deliveries"
    __table_args__ = (
        # The same event never queues twice for a subscriber (e.g. a repeated expiry run).
        sa.UniqueConstraint("subscription_id", "event_key"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.CheckConstraint("delivered_at IS NULL OR failed_at IS NULL",
                           name="delivered_or_failed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("alert_subscriptions.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(20))
    event_key: Mapped[str] = mapped_column(String(120))
    message_id: Mapped[str] = mapped_column(String(40), unique=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    subscription: Mapped[AlertSubscription] = relationship(back_populates="deliveries")
    attempt_log: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="delivery", order_by="DeliveryAttempt.id")


class DeliveryAttempt(db.Model):
    """What one POST got: the receiver's status code or the error, and how long it took."""

    __tablename__ = "alert_delivery_attempts"
    __table_args__ = (
        sa.CheckConstraint("duration_ms >= 0", name="duration_not_negative"),
        sa.CheckConstraint("status_code IS NOT NULL OR error IS NOT NULL",
                           name="status_or_error"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("alert_webhook_deliveries.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int]

    delivery: Mapped[WebhookDelivery] = relationship(back_populates="attempt_log")
