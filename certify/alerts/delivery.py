"""Webhook deliveries, sent in the background by ``flask alerts deliver --watch``.

Why this outbox and not an RQ job: a delivery is a row written in the same transaction as the
suspension or revocation it announces, so an alert exists exactly when the change committed
(an RQ job queued from the request would be lost with Redis, or sent for a change that then
rolled back), and its attempts, back-off and log are rows staff can read. It is its own
service, not a pass of ``send-outbox``: a receiver that takes its whole timeout to answer must
not hold up a password-reset mail.

Each attempt re-checks the address (``outbound.post``: no private network, no redirect),
signs the stored body anew with the attempt's timestamp, and is logged with the status code or
error and its duration. A 2xx answer delivers; anything else is retried with an exponential
back-off (WEBHOOK_RETRY_SECONDS × 2ⁿ, at most an hour apart) until WEBHOOK_MAX_ATTEMPTS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from certify.alerts.models import AlertSubscription, DeliveryAttempt, WebhookDelivery
from certify.alerts.operations import allow_private
from certify.alerts.outbound import post
from certify.alerts.signatures import signed_headers
from certify.core.db_types import utcnow
from certify.core.extensions import db


@dataclass
class Pass:
    """What one pass did."""

    delivered: int = 0
    postponed: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return (f"Webhooks: {self.delivered} delivered, {self.postponed} postponed, "
                f"{self.failed} failed.")


def due(limit: int, now: datetime) -> list[WebhookDelivery]:
    return list(db.session.scalars(
        sa.select(WebhookDelivery).join(AlertSubscription)
        .where(WebhookDelivery.delivered_at.is_(None), WebhookDelivery.failed_at.is_(None),
               AlertSubscription.ended_at.is_(None),
               sa.or_(WebhookDelivery.next_attempt_at.is_(None),
                      WebhookDelivery.next_attempt_at <= now))
        .order_by(WebhookDelivery.id).limit(limit)))


def deliver_due(limit: int = 100) -> Pass:
    """One pass: every delivery due, one attempt each, each committed as it is made."""
    config = current_app.config
    outcome = Pass()
    for delivery in due(limit, utcnow()):
        subscription = delivery.subscription
        body = delivery.body.encode()
        attempted_at = utcnow()
        answer = post(subscription.webhook_url, body,
                      signed_headers(subscription.secret, delivery.message_id,
                                     int(attempted_at.timestamp()), body),
                      timeout=float(config["WEBHOOK_TIMEOUT_SECONDS"]),
                      allow_private=allow_private())
        error = answer.error
        if answer.status_code is not None and not answer.ok:
            error = f"HTTP {answer.status_code}"
        db.session.add(DeliveryAttempt(delivery=delivery, attempted_at=attempted_at,
                                       status_code=answer.status_code, error=answer.error,
                                       duration_ms=answer.duration_ms))
        delivery.attempts += 1
        if answer.ok:
            delivery.delivered_at, delivery.next_attempt_at = utcnow(), None
            outcome.delivered += 1
        elif delivery.attempts >= int(config["WEBHOOK_MAX_ATTEMPTS"]):
            delivery.failed_at, delivery.next_attempt_at = utcnow(), None
            outcome.failed += 1
            current_app.logger.warning("webhook %s gave up after %d attempts: %s",
                                       delivery.message_id, delivery.attempts, error)
        else:
            base = float(config["WEBHOOK_RETRY_SECONDS"])
            delay = min(base * 2 ** (delivery.attempts - 1), 3600.0)
            delivery.next_attempt_at = utcnow() + timedelta(seconds=delay)
            outcome.postponed += 1
        db.session.commit()
    return outcome
