"""The holder's side: who follows their certificate (shown on its page), and refusing one."""

from __future__ import annotations

from flask import abort, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from certify.alerts.blueprint import bp
from certify.alerts.models import AlertSubscription
from certify.alerts.operations import active_subscriptions, refuse
from certify.certificates.lookups import own_certificate_or_404
from certify.core.extensions import db
from certify.core.forms import ActionForm
from certify.core.views import run_action


@bp.app_context_processor
def status_alert_subscribers():
    """For the holder's certificate page (templates/certificates/mine.html), which the
    certificates package renders without knowing of alerts."""
    return {"status_alert_subscribers": active_subscriptions, "alerts_action_form": ActionForm}


@bp.post("/my/certificates/<number>/alerts/<int:subscription_id>/refuse")
@login_required
def refuse_subscriber(number: str, subscription_id: int):
    certificate = own_certificate_or_404(number)
    subscription = db.session.get(AlertSubscription, subscription_id)
    if subscription is None or subscription.certificate_id != certificate.id:
        abort(404)
    return run_action(lambda: refuse(subscription, by=current_user),
                      success=_("%(organisation)s will no longer be told of this "
                                "certificate's status.", organisation=subscription.organisation),
                      redirect_to=url_for("certificates.mine", number=certificate.number))
