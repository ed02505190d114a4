"""Which mail goes out about certificates, and when: the renewal reminders before expiry."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from certify.certificates.models import Certificate
from certify.core import outbox
from certify.core.dates import day
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.core.urls import absolute_url


def _expiry_reminder(certificate: Certificate) -> tuple[str, str]:
    subject = _("Your certificate %(number)s expires on %(date)s",
                number=certificate.number, date=day(certificate.valid_until))
    body = _(
        "Dear %(name)s,\n\nyour certificate %(number)s (%(title)s) is valid until "
        "%(date)s. To renew it, send a record of your continuing professional "
        "development from your certificate page:\n%(url)s\n",
        name=certificate.holder_name, number=certificate.number,
        title=certificate.track_title, date=day(certificate.valid_until),
        url=absolute_url("certificates.mine", number=certificate.number))
    return subject, body


def queue_expiry_reminders(today: date | None = None) -> int:
    """Reminders 90 and 30 days before expiry (RENEWAL_REMINDER_DAYS) for certificates in force
    and not renewed; each is queued once, however often this runs."""
    today = today or utcnow().date()
    queued = 0
    for days in sorted(current_app.config["RENEWAL_REMINDER_DAYS"], reverse=True):
        candidates = db.session.scalars(sa.select(Certificate).where(
            Certificate.revoked_at.is_(None), Certificate.suspended_at.is_(None),
            Certificate.valid_from <= today,
            Certificate.valid_until >= today,
            Certificate.valid_until <= today + timedelta(days=days),
        ).order_by(Certificate.id)).all()
        for certificate in candidates:
            if certificate.renewed_by is not None:
                continue
            if outbox.queue(certificate.holder, f"expiry-{days}",
                            f"certificate:{certificate.id}:expiry-{days}",
                            partial(_expiry_reminder, certificate)):
                queued += 1
    return queued
