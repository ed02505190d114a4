"""The administrators' view of webhook deliveries: each event, its attempts (status code or
error, duration) and where it stands."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, render_template
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from certify.alerts.blueprint import bp
from certify.alerts.models import AlertSubscription, WebhookDelivery
from certify.core.extensions import db

SHOWN = 200


@bp.get("/manage/alerts/deliveries")
@login_required
def deliveries():
    if not current_user.is_admin:
        abort(403)
    rows = db.session.scalars(
        sa.select(WebhookDelivery)
        .options(selectinload(WebhookDelivery.attempt_log),
                 selectinload(WebhookDelivery.subscription)
                 .selectinload(AlertSubscription.certificate))
        .order_by(WebhookDelivery.id.desc()).limit(SHOWN)).all()
    return render_template("alerts/deliveries.html", deliveries=rows, shown=SHOWN)
