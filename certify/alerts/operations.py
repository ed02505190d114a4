"""What is done with status alerts: subscribe (by email, confirmed from the mailbox, or by a
webhook), end a subscription (its subscriber, or the holder refusing it), and turn each event
of a certificate into mail and webhook deliveries. Flushes, never commits: the caller does, so
an alert is written in the same transaction as the change it announces."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from functools import partial

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from certify.alerts import notifications
from certify.alerts.models import AlertSubscription, Channel, Ending, WebhookDelivery
from certify.alerts.outbound import RefusedAddress, check_url
from certify.alerts.signatures import new_message_id, new_secret
from certify.certificates import events
from certify.certificates.models import Certificate
from certify.core import audit, outbox
from certify.core.db_types import utcnow
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.core.urls import absolute_url

CONFIRM, UNSUBSCRIBE = "alert-confirm", "alert-unsubscribe"


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"certify-{purpose}")


def link_token(subscription: AlertSubscription, purpose: str) -> str:
    return _serializer(purpose).dumps(subscription.id)


def subscription_by_token(token: str, purpose: str) -> AlertSubscription | None:
    """The subscription a mailed link names: a confirmation link for CONFIRM_DAYS, an
    unsubscribe link for as long as the subscription lasts."""
    max_age = (current_app.config["ALERTS_CONFIRM_DAYS"] * 86400 if purpose == CONFIRM
               else None)
    try:
        subscription_id = _serializer(purpose).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    subscription = db.session.get(AlertSubscription, subscription_id)
    return subscription if subscription is not None and subscription.ended_at is None else None


def allow_private() -> bool:
    return bool(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE"))


def refusal(refused: RefusedAddress) -> str:
    if refused.reason == "scheme":
        return _("The webhook address must start with https://.")
    if refused.reason == "unresolvable":
        return _("The host of this webhook address cannot be found.")
    if refused.reason == "private":
        return _("This webhook address leads to a private or local network (%(address)s): give "
                 "an address reachable from the Internet.", address=refused.address)
    return _("This is not a webhook address we can call: give an https:// address with a "
             "host name, without a user name or password.")


def subscribe_by_email(certificate: Certificate, *, organisation: str, email: str,
                       language: str) -> AlertSubscription:
    """Pending until confirmed from the mailbox: nobody is mailed alerts they did not ask for."""
    email = email.strip().lower()
    taken = db.session.scalar(sa.select(AlertSubscription.id).where(
        AlertSubscription.certificate_id == certificate.id,
        AlertSubscription.email == email, AlertSubscription.ended_at.is_(None)))
    if taken is not None:
        raise DomainError((_("This address already follows this certificate (or waits for its "
                             "confirmation link)."), "email"))
    subscription = AlertSubscription(certificate=certificate, organisation=organisation.strip(),
                                     channel=Channel.email, email=email, language=language)
    db.session.add(subscription)
    db.session.flush()
    outbox.queue_to_address(email, language, CONFIRM, f"alert:{subscription.id}:confirm",
                            partial(notifications.confirmation, subscription,
                                    link_token(subscription, CONFIRM)))
    return subscription


def subscribe_by_webhook(certificate: Certificate, *, organisation: str, url: str,
                         language: str) -> AlertSubscription:
    """Active at once, with its signing secret (shown once, to whoever subscribed)."""
    try:
        check_url(url.strip(), allow_private=allow_private())
    except RefusedAddress as refused:
        raise DomainError((refusal(refused), "webhook_url")) from refused
    subscription = AlertSubscription(
        certificate=certificate, organisation=organisation.strip(), channel=Channel.webhook,
        webhook_url=url.strip(), secret=new_secret(), language=language,
        confirmed_at=utcnow())
    db.session.add(subscription)
    db.session.flush()
    return subscription


def confirm_subscription(subscription: AlertSubscription) -> None:
    if subscription.confirmed_at is None:
        subscription.confirmed_at = utcnow()
        db.session.flush()


def end(subscription: AlertSubscription, ending: Ending) -> None:
    """No more alerts; deliveries still waiting are dropped (failed, with the reason)."""
    if subscription.ended_at is not None:
        raise DomainError(_("This subscription has already ended."))
    subscription.ended_at, subscription.ending = utcnow(), ending
    for delivery in subscription.deliveries:
        if delivery.delivered_at is None and delivery.failed_at is None:
            delivery.failed_at, delivery.next_attempt_at = subscription.ended_at, None
    db.session.flush()


def webhook_by_secret(secret: str) -> AlertSubscription | None:
    return db.session.scalar(sa.select(AlertSubscription).where(
        AlertSubscription.secret == secret.strip(), AlertSubscription.ended_at.is_(None)))


def refuse(subscription: AlertSubscription, *, by) -> None:
    """The holder refuses a subscriber: it ends, and the subscriber is told nothing."""
    end(subscription, Ending.refused)
    audit.record("certificate.alerts_refused", subscription.certificate, actor=by,
                 subscription=subscription.id)


def active_subscriptions(certificate: Certificate) -> list[AlertSubscription]:
    return list(db.session.scalars(sa.select(AlertSubscription).where(
        AlertSubscription.certificate_id == certificate.id,
        AlertSubscription.confirmed_at.is_not(None), AlertSubscription.ended_at.is_(None))
        .order_by(AlertSubscription.id)))


def _moment(at: datetime | date) -> datetime:
    if isinstance(at, datetime):
        return at
    return datetime.combine(at, time.min, tzinfo=UTC)


def webhook_body(certificate: Certificate, event: str, at: datetime,
                 renewed_by: Certificate | None) -> str:
    """What a webhook is told: what the public page says, and no more."""
    data = {"number": certificate.number, "status": str(certificate.status),
            "verification_url": absolute_url("certificates.verify", number=certificate.number)}
    if renewed_by is not None:
        data["new_number"] = renewed_by.number
        data["new_verification_url"] = absolute_url("certificates.verify",
                                                    number=renewed_by.number)
    return json.dumps({"type": f"certificate.{event}",
                       "timestamp": at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                       "data": data}, separators=(",", ":"))


def announce(certificate: Certificate, *, event: str, at: datetime | date,
             renewed_by: Certificate | None = None) -> int:
    """Queue ``event`` for every active subscriber of ``certificate``, once each (the key is the
    event and its moment); returns how many were queued. A renewal carries the subscriptions
    on to the new certificate."""
    at = _moment(at)
    key = f"{event}:{certificate.id}:{at.isoformat()}"
    queued = 0
    for subscription in active_subscriptions(certificate):
        if subscription.channel == Channel.email:
            compose = partial(notifications.alert, subscription, certificate, event, renewed_by,
                              link_token(subscription, UNSUBSCRIBE))
            queued += outbox.queue_to_address(subscription.email, subscription.language,
                                              "status-alert", f"alert:{subscription.id}:{key}",
                                              compose) is not None
        elif not db.session.scalar(sa.select(WebhookDelivery.id).where(
                WebhookDelivery.subscription_id == subscription.id,
                WebhookDelivery.event_key == key)):
            db.session.add(WebhookDelivery(
                subscription=subscription, event=event, event_key=key,
                message_id=new_message_id(),
                body=webhook_body(certificate, event, at, renewed_by)))
            queued += 1
        if renewed_by is not None:
            subscription.certificate = renewed_by
    db.session.flush()
    return queued


def _on_status_change(certificate: Certificate, *, event: str, at, renewed_by=None) -> None:
    announce(certificate, event=event, at=at, renewed_by=renewed_by)


events.status_changed.connect(_on_status_change, weak=False)


def announce_expiries(today: date | None = None) -> int:
    """Expired certificates (not revoked, not renewed) with subscribers: each subscriber is told
    once, however often this runs."""
    today = today or utcnow().date()
    followed = sa.select(AlertSubscription.certificate_id).where(
        AlertSubscription.confirmed_at.is_not(None), AlertSubscription.ended_at.is_(None))
    expired = db.session.scalars(sa.select(Certificate).where(
        Certificate.id.in_(followed), Certificate.valid_until < today,
        Certificate.revoked_at.is_(None)).order_by(Certificate.id)).all()
    # It expired when its last valid day ended.
    return sum(announce(certificate, event=events.EXPIRED,
                        at=certificate.valid_until + timedelta(days=1))
               for certificate in expired if certificate.renewed_by is None)
